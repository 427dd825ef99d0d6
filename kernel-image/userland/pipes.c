/* pipe and pipe2 as Linux gives them: a parent and a child talking through fork with dup2 onto
   0 and 1, a megabyte through one pipe checked byte by byte, end of file when the last writer
   closes (one shared by fork and dup included), EPIPE and SIGPIPE when the last reader is
   gone, O_NONBLOCK (EAGAIN both ways, a full pipe holds 64 KiB, a partial long write), atomic
   writes of PIPE_BUF from several writers, O_CLOEXEC, fstat S_IFIFO, FIONREAD, and Linux's
   errno for bad descriptors, pointers and flags. Run on Linux too (musl-gcc -static): the
   same "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(2, "pipes: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
static long sys(long n, long a, long b) { return rv(syscall(n, a, b)); }

static volatile int sigpipes;
static void on_sigpipe(int s) { (void)s; sigpipes++; }

/* Reads until end of file or the buffer is full; the total. */
static long read_all(int fd, unsigned char *buf, long size)
{
    long total = 0;
    while (total < size) {
        long n = read(fd, buf + total, size - total);
        if (n < 0) { if (errno == EINTR) continue; return -errno; }
        if (n == 0) break;
        total += n;
    }
    return total;
}

static unsigned char big[1 << 20];
static unsigned char back[(1 << 20) + 16];

static int exit_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1000;
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* A child writes a megabyte to its standard output (a pipe, by dup2); the parent reads it on
   its standard input (the other end, by dup2) and checks every byte and the end of file. */
static void parent_and_child(void)
{
    int p[2];
    EXPECT("pipe", rv(pipe(p)), 0);
    for (int i = 0; i < (int)sizeof big; i++) big[i] = (unsigned char)(i * 7 + (i >> 11));
    int saved_in = dup(0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]); close(p[1]);
        long done = 0;
        /* uneven sizes: small, PIPE_BUF, longer than the pipe */
        long sizes[] = { 1, 100, 4096, 5000, 70000, 65536, 3 };
        int k = 0;
        while (done < (long)sizeof big) {
            long n = sizes[k++ % 7];
            if (n > (long)sizeof big - done) n = sizeof big - done;
            long w = write(1, big + done, n);
            if (w <= 0) _exit(2);
            done += w;
        }
        _exit(0);
    }
    EXPECT("dup2 onto 0", rv(dup2(p[0], 0)), 0);
    close(p[0]); close(p[1]);
    long got = read_all(0, back, sizeof back);
    EXPECT("a megabyte through the pipe", got, (long)sizeof big);
    EXPECT("the bytes are the same", memcmp(big, back, sizeof big), 0);
    EXPECT("then end of file", rv(read(0, back, 10)), 0);
    EXPECT("the writer exited 0", exit_status(pid), 0);
    dup2(saved_in, 0);
    close(saved_in);
}

/* End of file comes only when every write end is closed: one kept by a dup, one by a child. */
static void end_of_file(void)
{
    int p[2];
    pipe(p);
    int extra = dup(p[1]);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]); close(extra);
        usleep(50000);
        write(p[1], "late", 4);
        _exit(0);
    }
    close(p[1]);
    write(extra, "x", 1);
    close(extra);
    char buf[16];
    EXPECT("read what the dup wrote", rv(read(p[0], buf, sizeof buf)), 1);
    EXPECT("the child's write wakes the reader", rv(read(p[0], buf, sizeof buf)), 4);
    EXPECT("late bytes", memcmp(buf, "late", 4), 0);
    EXPECT("end of file after the child exits", rv(read(p[0], buf, sizeof buf)), 0);
    EXPECT("child", exit_status(pid), 0);
    EXPECT("read of 0 bytes", rv(read(p[0], buf, 0)), 0);
    close(p[0]);
}

/* No reader: SIGPIPE (default action kills; a handler runs) and EPIPE. */
static void broken_pipe(void)
{
    int p[2];
    pipe(p);
    close(p[0]);
    pid_t pid = fork();
    if (pid == 0) { write(p[1], "x", 1); _exit(0); }
    EXPECT("SIGPIPE kills a writer with no reader", exit_status(pid), -SIGPIPE);

    signal(SIGPIPE, on_sigpipe);
    EXPECT("EPIPE with a handler", rv(write(p[1], "x", 1)), -EPIPE);
    EXPECT("the handler ran once", sigpipes, 1);
    signal(SIGPIPE, SIG_IGN);
    EXPECT("EPIPE with SIGPIPE ignored", rv(write(p[1], "x", 1)), -EPIPE);
    EXPECT("write of 0 bytes with no reader", rv(write(p[1], "x", 0)), 0);
    close(p[1]);

    /* A writer blocked on a full pipe wakes when the reader goes and, SIGPIPE ignored,
       returns what it wrote. */
    pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        static char fill[100000];
        long w = write(p[1], fill, sizeof fill);
        _exit(w == 65536 ? 0 : w < 0 ? 10 + errno % 100 : 3);
    }
    close(p[1]);
    usleep(100000);
    close(p[0]);
    EXPECT("a blocked writer returns what it wrote when the reader goes", exit_status(pid), 0);
    signal(SIGPIPE, SIG_DFL);
}

static void nonblocking(void)
{
    int p[2];
    EXPECT("pipe2 O_NONBLOCK", rv(pipe2(p, O_NONBLOCK)), 0);
    EXPECT("read end O_NONBLOCK | O_RDONLY", rv(fcntl(p[0], F_GETFL)) & (O_NONBLOCK | O_ACCMODE), O_NONBLOCK | O_RDONLY);
    EXPECT("write end O_NONBLOCK | O_WRONLY", rv(fcntl(p[1], F_GETFL)) & (O_NONBLOCK | O_ACCMODE), O_NONBLOCK | O_WRONLY);
    char buf[8192];
    EXPECT("empty: EAGAIN", rv(read(p[0], buf, sizeof buf)), -EAGAIN);
    memset(buf, 'a', sizeof buf);
    long total = 0;
    for (int i = 0; i < 100; i++) {
        long w = write(p[1], buf, 1000);
        if (w < 0) { EXPECT("full: EAGAIN", -errno, -EAGAIN); break; }
        total += w;
    }
    /* How many 1000-byte writes fit differs (Linux packs them into pages, Aurora into a byte
       ring): count what went in, then drain exactly that. */
    int queued = -1;
    EXPECT("FIONREAD", rv(ioctl(p[0], FIONREAD, &queued)), 0);
    EXPECT("FIONREAD counts the bytes", queued, total);
    long drained = 0;
    while (1) {
        long n = read(p[0], buf, sizeof buf);
        if (n <= 0) { EXPECT("drained: EAGAIN", n < 0 ? -errno : 0, -EAGAIN); break; }
        drained += n;
    }
    EXPECT("drained all", drained, total);

    /* An empty pipe takes exactly 64 KiB from one long nonblocking write. */
    static char large[100000];
    EXPECT("a long nonblocking write is partial", rv(write(p[1], large, sizeof large)), 65536);
    EXPECT("full: a short write is EAGAIN", rv(write(p[1], large, 1)), -EAGAIN);
    EXPECT("read some", rv(read(p[0], large, 100)), 100);
    /* PIPE_BUF atomicity: 100 bytes free is not room for 4096. */
    EXPECT("no room for an atomic write", rv(write(p[1], large, 4096)), -EAGAIN);
    EXPECT("F_SETFL clears O_NONBLOCK", rv(fcntl(p[0], F_SETFL, 0)), 0);
    EXPECT("a blocking read takes what is there", rv(read(p[0], large, sizeof large)), 65436);
    close(p[0]); close(p[1]);
}

/* Writers of PIPE_BUF each: their records never interleave. */
static void atomic_writes(void)
{
    int p[2];
    pipe(p);
    enum { Writers = 4, Records = 40 };
    pid_t pids[Writers];
    for (int w = 0; w < Writers; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            close(p[0]);
            static char record[PIPE_BUF];
            memset(record, 'A' + w, sizeof record);
            for (int r = 0; r < Records; r++)
                if (write(p[1], record, sizeof record) != PIPE_BUF) _exit(1);
            _exit(0);
        }
    }
    close(p[1]);
    static char record[PIPE_BUF];
    int records = 0, mixed = 0;
    while (read_all(p[0], (unsigned char *)record, sizeof record) == PIPE_BUF) {
        records++;
        for (int i = 1; i < PIPE_BUF; i++) if (record[i] != record[0]) { mixed++; break; }
    }
    EXPECT("every record arrived", records, Writers * Records);
    EXPECT("no record interleaved", mixed, 0);
    for (int w = 0; w < Writers; w++) EXPECT("writer", exit_status(pids[w]), 0);
    close(p[0]);
}

static void flags_and_errors(void)
{
    int p[2];
    EXPECT("pipe2 O_CLOEXEC", rv(pipe2(p, O_CLOEXEC)), 0);
    EXPECT("read end FD_CLOEXEC", rv(fcntl(p[0], F_GETFD)), FD_CLOEXEC);
    EXPECT("write end FD_CLOEXEC", rv(fcntl(p[1], F_GETFD)), FD_CLOEXEC);
    EXPECT("blocking", rv(fcntl(p[0], F_GETFL)) & O_NONBLOCK, 0);
    EXPECT("lowest free numbers", p[1], p[0] + 1);
    struct stat st;
    EXPECT("fstat", rv(fstat(p[0], &st)), 0);
    EXPECT("S_IFIFO", S_ISFIFO(st.st_mode), 1);
    EXPECT("mode 0600", st.st_mode & 0777, 0600);
    EXPECT("write end S_IFIFO too", rv(fstat(p[1], &st)) == 0 && S_ISFIFO(st.st_mode), 1);
    char c;
    EXPECT("lseek: ESPIPE", rv(lseek(p[0], 0, SEEK_SET)), -ESPIPE);
    EXPECT("write to the read end: EBADF", rv(write(p[0], "x", 1)), -EBADF);
    EXPECT("read from the write end: EBADF", rv(read(p[1], &c, 1)), -EBADF);
    EXPECT("bad buffer to write: EFAULT", rv(write(p[1], (void *)16, 1)), -EFAULT);
    EXPECT("nothing was written", rv(ioctl(p[0], FIONREAD, &(int){0})), 0);
    write(p[1], "ab", 2);
    EXPECT("bad buffer to read: EFAULT", rv(read(p[0], (void *)16, 2)), -EFAULT);
    EXPECT("the data is still there", rv(read(p[0], &c, 1)) == 1 && c == 'a', 1);
    EXPECT("ioctl other than FIONREAD: ENOTTY", rv(ioctl(p[0], TCGETS, &st)), -ENOTTY);
    close(p[0]); close(p[1]);

    int before = dup(0); close(before);
#ifdef SYS_pipe /* x86-64 only; arm64 has pipe2 alone */
    EXPECT("pipe with a bad pointer: EFAULT", sys(SYS_pipe, 16, 0), -EFAULT);
#endif
    EXPECT("pipe2 with a bad pointer: EFAULT", sys(SYS_pipe2, 16, 0), -EFAULT);
    EXPECT("pipe2 with an unmapped pointer: EFAULT", sys(SYS_pipe2, 0x7fffffffe000L << 4, 0), -EFAULT);
    int after = dup(0); close(after);
    EXPECT("no descriptor left behind", after, before);
    EXPECT("pipe2 with a bad flag: EINVAL", sys(SYS_pipe2, (long)p, O_APPEND), -EINVAL);
    EXPECT("pipe2 with O_RDWR: EINVAL", sys(SYS_pipe2, (long)p, O_RDWR), -EINVAL);
    EXPECT("read from a closed descriptor: EBADF", rv(read(p[0], &c, 1)), -EBADF);
}

int main(void)
{
    parent_and_child();
    end_of_file();
    broken_pipe();
    nonblocking();
    atomic_writes();
    flags_and_errors();
    dprintf(1, "pipes: %d wrong\n", wrong);
    return wrong != 0;
}
