/* Advisory locks and FIFOs as Linux gives them. POSIX record locks (fcntl F_GETLK, F_SETLK,
   F_SETLKW): conflicts between a parent and its child (which owns none of its parent's locks),
   shared read locks, ranges split by an unlock in the middle and merged when they touch, locks
   released by closing any descriptor of the file and by exit, F_SETLKW sleeping until the
   holder unlocks, EINTR from a signal, EDEADLK for a two-process cycle, and the errno of bad
   types, whences, ranges, modes and pointers. flock(2): owned by the open file description
   (shared across fork, not with a second open), independent of fcntl locks. FIFOs (mkfifo):
   O_RDONLY|O_NONBLOCK opens at once and reads end of file, O_WRONLY|O_NONBLOCK without a
   reader is ENXIO, a blocking open waits for the other side (and a signal ends the wait with
   EINTR), O_RDWR never waits, data goes with the last close, fstat shows the node. Runs in
   argv[1] (default /tmp) and prints "file_locks: N wrong"; the same answers on Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "file_locks: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
#define BAD_POINTER ((void *)16)

static void pause_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) { }
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static long lock(int fd, int cmd, short type, long start, long len)
{
    struct flock f = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    return rv(fcntl(fd, cmd, &f));
}

/* F_GETLK as "type start len pid" packed for EXPECT: the conflicting lock or F_UNLCK. */
static struct flock probe(int fd, short type, long start, long len)
{
    struct flock f = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = -7 };
    if (fcntl(fd, F_GETLK, &f) != 0) { wrong++; dprintf(2, "file_locks: F_GETLK: errno %d\n", errno); }
    return f;
}

/* A child runs body() and reports its count of mismatches as its exit status. */
static int child_wrong(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return 1000;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static int sync_pipe[2], back_pipe[2];
static void signal_parent(void) { char c = 1; write(back_pipe[1], &c, 1); }
static void wait_child(void) { char c; read(back_pipe[0], &c, 1); }
static void signal_child(void) { char c = 1; write(sync_pipe[1], &c, 1); }
static void wait_parent(void) { char c; read(sync_pipe[0], &c, 1); }

static volatile int signals;
static void on_signal(int s) { (void)s; signals++; }

static void record_locks(void)
{
    int fd = open("k_file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "0123456789", 10);
    struct flock f = probe(fd, F_WRLCK, 0, 0);
    EXPECT("F_GETLK unlocked", f.l_type, F_UNLCK);
    EXPECT("F_GETLK leaves the rest", f.l_pid, -7);
    EXPECT("write lock [0,10)", lock(fd, F_SETLK, F_WRLCK, 0, 10), 0);
    EXPECT("read lock [20,30)", lock(fd, F_SETLK, F_RDLCK, 20, 10), 0);
    /* Own locks never conflict with each other. */
    f = probe(fd, F_WRLCK, 0, 0);
    EXPECT("own locks do not conflict", f.l_type, F_UNLCK);
    pid_t parent = getpid();
    pipe(sync_pipe);
    pipe(back_pipe);
    pid_t pid = fork();
    if (pid == 0) {
        wrong = 0;
        struct flock c = probe(fd, F_RDLCK, 5, 1);
        EXPECT("child sees the write lock", c.l_type, F_WRLCK);
        EXPECT("its start", c.l_start, 0);
        EXPECT("its length", c.l_len, 10);
        EXPECT("its owner", c.l_pid, parent);
        EXPECT("its whence", c.l_whence, SEEK_SET);
        EXPECT("conflicting F_SETLK", lock(fd, F_SETLK, F_RDLCK, 9, 5), -EAGAIN);
        EXPECT("beside it", lock(fd, F_SETLK, F_WRLCK, 10, 5), 0);
        EXPECT("shared read lock", lock(fd, F_SETLK, F_RDLCK, 20, 10), 0);
        EXPECT("write into a read lock", lock(fd, F_SETLK, F_WRLCK, 25, 1), -EAGAIN);
        c = probe(fd, F_WRLCK, 30, 0);
        EXPECT("nothing past 30", c.l_type, F_UNLCK);
        signal_parent();
        wait_parent();
        /* The parent closed another descriptor of the file: all its locks went. */
        EXPECT("after the parent's close", lock(fd, F_SETLK, F_WRLCK, 0, 10), 0);
        c = probe(fd, F_WRLCK, 20, 10);
        EXPECT("the parent's read lock went too", c.l_type, F_UNLCK);
        _exit(wrong);
    }
    wait_child();
    f = probe(fd, F_WRLCK, 10, 5);
    EXPECT("the child's lock seen by the parent", f.l_type, F_WRLCK);
    EXPECT("the child's pid", f.l_pid, pid);
    int other = open("k_file", O_RDONLY);
    close(other);
    signal_child();
    EXPECT("child's checks", child_wrong(pid), 0);
    /* The child exited: its locks went with it. */
    EXPECT("lock after the child's exit", lock(fd, F_SETLK, F_WRLCK, 0, 0), 0);
    /* An unlock in the middle splits; touching locks merge. */
    lock(fd, F_SETLK, F_UNLCK, 0, 0);
    EXPECT("[0,100)", lock(fd, F_SETLK, F_WRLCK, 0, 100), 0);
    EXPECT("unlock [40,60)", lock(fd, F_SETLK, F_UNLCK, 40, 20), 0);
    EXPECT("[100,110) touches", lock(fd, F_SETLK, F_WRLCK, 100, 10), 0);
    pid = fork();
    if (pid == 0) {
        wrong = 0;
        struct flock c = probe(fd, F_RDLCK, 0, 0);
        EXPECT("left part start", c.l_start, 0);
        EXPECT("left part length", c.l_len, 40);
        c = probe(fd, F_RDLCK, 45, 10);
        EXPECT("the hole", c.l_type, F_UNLCK);
        c = probe(fd, F_RDLCK, 50, 0);
        EXPECT("right part merged with its neighbour: start", c.l_start, 60);
        EXPECT("right part merged with its neighbour: length", c.l_len, 50);
        c = probe(fd, F_RDLCK, 100, -5);
        EXPECT("a negative length looks before start", c.l_start, 60);
        _exit(wrong);
    }
    EXPECT("split and merge checks", child_wrong(pid), 0);
    lock(fd, F_SETLK, F_UNLCK, 0, 0);

    /* F_SETLKW sleeps until the holder unlocks. */
    EXPECT("hold [0,1)", lock(fd, F_SETLK, F_WRLCK, 0, 1), 0);
    pid = fork();
    if (pid == 0) {
        wrong = 0;
        signal_parent();
        long start = now_ms();
        EXPECT("F_SETLKW waits", lock(fd, F_SETLKW, F_WRLCK, 0, 1), 0);
        EXPECT("it waited for the unlock", now_ms() - start >= 100, 1);
        _exit(wrong);
    }
    wait_child();
    pause_ms(200);
    lock(fd, F_SETLK, F_UNLCK, 0, 1);
    EXPECT("F_SETLKW checks", child_wrong(pid), 0);

    /* A signal ends the wait: EINTR (the handler has no SA_RESTART). */
    EXPECT("hold again", lock(fd, F_SETLK, F_WRLCK, 0, 1), 0);
    pid = fork();
    if (pid == 0) {
        wrong = 0;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGUSR1, &sa, NULL);
        signal_parent();
        EXPECT("F_SETLKW interrupted", lock(fd, F_SETLKW, F_WRLCK, 0, 1), -EINTR);
        EXPECT("the handler ran", signals, 1);
        _exit(wrong);
    }
    wait_child();
    pause_ms(200);
    kill(pid, SIGUSR1);
    EXPECT("EINTR checks", child_wrong(pid), 0);

    /* Two processes each waiting for the other: the second is refused with EDEADLK. */
    pid = fork();
    if (pid == 0) {
        wrong = 0;
        EXPECT("child holds [1,2)", lock(fd, F_SETLK, F_WRLCK, 1, 1), 0);
        signal_parent();
        EXPECT("child waits for [0,1)", lock(fd, F_SETLKW, F_WRLCK, 0, 1), 0);
        _exit(wrong);
    }
    wait_child();
    pause_ms(200);
    EXPECT("a cycle is EDEADLK", lock(fd, F_SETLKW, F_WRLCK, 1, 1), -EDEADLK);
    lock(fd, F_SETLK, F_UNLCK, 0, 1);
    EXPECT("deadlock checks", child_wrong(pid), 0);
    close(sync_pipe[0]); close(sync_pipe[1]); close(back_pipe[0]); close(back_pipe[1]);

    /* Bad requests. */
    struct flock b = { .l_type = 7, .l_whence = SEEK_SET };
    EXPECT("bad type", rv(fcntl(fd, F_SETLK, &b)), -EINVAL);
    b.l_type = F_WRLCK; b.l_whence = 9;
    EXPECT("bad whence", rv(fcntl(fd, F_SETLK, &b)), -EINVAL);
    b.l_whence = SEEK_SET; b.l_start = -1;
    EXPECT("negative start", rv(fcntl(fd, F_SETLK, &b)), -EINVAL);
    b.l_start = 0; b.l_type = F_UNLCK;
    EXPECT("F_GETLK of F_UNLCK", rv(fcntl(fd, F_GETLK, &b)), -EINVAL);
    EXPECT("bad pointer", rv(fcntl(fd, F_SETLK, BAD_POINTER)), -EFAULT);
    EXPECT("bad descriptor", lock(999, F_SETLK, F_WRLCK, 0, 1), -EBADF);
    int ro = open("k_file", O_RDONLY), wo = open("k_file", O_WRONLY);
    EXPECT("write lock on a read-only descriptor", lock(ro, F_SETLK, F_WRLCK, 0, 1), -EBADF);
    EXPECT("read lock on a write-only descriptor", lock(wo, F_SETLK, F_RDLCK, 0, 1), -EBADF);
    EXPECT("F_GETLK needs no access", probe(ro, F_WRLCK, 0, 1).l_type, F_UNLCK);
    /* SEEK_CUR and SEEK_END. */
    lseek(ro, 4, SEEK_SET);
    struct flock cur = { .l_type = F_RDLCK, .l_whence = SEEK_CUR, .l_start = 1, .l_len = 2 };
    EXPECT("SEEK_CUR lock", rv(fcntl(ro, F_SETLK, &cur)), 0);
    struct flock end = { .l_type = F_WRLCK, .l_whence = SEEK_END, .l_start = -2, .l_len = 0 };
    EXPECT("SEEK_END lock", rv(fcntl(wo, F_SETLK, &end)), 0);
    pid = fork();
    if (pid == 0) {
        wrong = 0;
        struct flock c = probe(fd, F_WRLCK, 0, 0);
        EXPECT("SEEK_CUR lock start", c.l_start, 5);
        EXPECT("SEEK_CUR lock length", c.l_len, 2);
        c = probe(fd, F_WRLCK, 7, 0);
        EXPECT("SEEK_END lock start", c.l_start, 8);
        EXPECT("SEEK_END lock to the end", c.l_len, 0);
        _exit(wrong);
    }
    EXPECT("whence checks", child_wrong(pid), 0);
    close(ro); close(wo);
    close(fd);
}

static void flocks(void)
{
    int fd = open("k_flock", O_CREAT | O_RDWR | O_TRUNC, 0644);
    EXPECT("LOCK_EX", rv(flock(fd, LOCK_EX)), 0);
    EXPECT("again (a conversion to itself)", rv(flock(fd, LOCK_EX | LOCK_NB)), 0);
    pid_t pid = fork();
    if (pid == 0) {
        wrong = 0;
        EXPECT("the shared description holds it", rv(flock(fd, LOCK_EX | LOCK_NB)), 0);
        int second = open("k_flock", O_RDONLY);
        EXPECT("a second open conflicts", rv(flock(second, LOCK_SH | LOCK_NB)), -EWOULDBLOCK);
        EXPECT("fcntl locks are separate", lock(second, F_SETLK, F_RDLCK, 0, 0), 0);
        close(second);
        _exit(wrong);
    }
    EXPECT("flock child", child_wrong(pid), 0);
    int second = open("k_flock", O_RDONLY);
    EXPECT("still held", rv(flock(second, LOCK_SH | LOCK_NB)), -EWOULDBLOCK);
    EXPECT("LOCK_UN", rv(flock(fd, LOCK_UN)), 0);
    EXPECT("now free", rv(flock(second, LOCK_SH | LOCK_NB)), 0);
    EXPECT("shared with shared", rv(flock(fd, LOCK_SH | LOCK_NB)), 0);
    EXPECT("exclusive against shared", rv(flock(fd, LOCK_EX | LOCK_NB)), -EWOULDBLOCK);
    close(second);
    EXPECT("the last close released it", rv(flock(fd, LOCK_EX | LOCK_NB)), 0);
    EXPECT("bad operation", rv(flock(fd, 0)), -EINVAL);
    EXPECT("bad operation 3", rv(flock(fd, LOCK_SH | LOCK_EX)), -EINVAL);
    EXPECT("bad descriptor", rv(flock(999, LOCK_EX)), -EBADF);
    close(fd);
    unlink("k_flock");
}

static void fifos(void)
{
    EXPECT("mkfifo", rv(mkfifo("k_fifo", 0600)), 0);
    int r = open("k_fifo", O_RDONLY | O_NONBLOCK);
    EXPECT("O_RDONLY|O_NONBLOCK opens at once", r >= 0, 1);
    char buf[16];
    EXPECT("no writer: end of file", rv(read(r, buf, sizeof buf)), 0);
    int w = open("k_fifo", O_WRONLY | O_NONBLOCK);
    EXPECT("O_WRONLY|O_NONBLOCK with a reader", w >= 0, 1);
    EXPECT("write", rv(write(w, "hi", 2)), 2);
    EXPECT("read", rv(read(r, buf, sizeof buf)), 2);
    EXPECT("the bytes", memcmp(buf, "hi", 2), 0);
    EXPECT("empty with a writer", rv(read(r, buf, sizeof buf)), -EAGAIN);
    struct stat a, b;
    fstat(r, &a);
    stat("k_fifo", &b);
    EXPECT("fstat: a FIFO", S_ISFIFO(a.st_mode), 1);
    EXPECT("fstat: the node's inode", a.st_ino == b.st_ino, 1);
    EXPECT("fstat: the node's device", a.st_dev == b.st_dev, 1);
    close(w);
    close(r);
    EXPECT("no reader: ENXIO", rv(open("k_fifo", O_WRONLY | O_NONBLOCK)), -ENXIO);
    /* O_RDWR never waits; the data goes with the last close. */
    int rw = open("k_fifo", O_RDWR | O_TRUNC);
    EXPECT("O_RDWR opens at once", rw >= 0, 1);
    EXPECT("write to self", rv(write(rw, "x", 1)), 1);
    close(rw);
    rw = open("k_fifo", O_RDWR | O_NONBLOCK);
    EXPECT("the data went with the last close", rv(read(rw, buf, 1)), -EAGAIN);
    close(rw);
    /* A blocking writer waits for a reader, then the reader gets its bytes and end of file. */
    pipe(back_pipe);
    pid_t pid = fork();
    if (pid == 0) {
        wrong = 0;
        signal_parent();
        long start = now_ms();
        int cw = open("k_fifo", O_WRONLY);
        EXPECT("the writer's open waited", now_ms() - start >= 100, 1);
        EXPECT("child write", rv(write(cw, "abc", 3)), 3);
        close(cw);
        _exit(wrong);
    }
    wait_child();
    pause_ms(200);
    r = open("k_fifo", O_RDONLY);
    EXPECT("blocking reader opens", r >= 0, 1);
    long got = 0, n;
    while ((n = read(r, buf + got, sizeof buf - got)) > 0) got += n;
    EXPECT("the writer's bytes", got, 3);
    EXPECT("its bytes", memcmp(buf, "abc", 3), 0);
    close(r);
    EXPECT("writer child", child_wrong(pid), 0);
    /* A blocking reader waits for a writer; a signal ends the wait. */
    pid = fork();
    if (pid == 0) {
        wrong = 0;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGUSR1, &sa, NULL);
        signals = 0;
        signal_parent();
        EXPECT("the open is interrupted", rv(open("k_fifo", O_RDONLY)), -EINTR);
        EXPECT("the handler ran", signals, 1);
        _exit(wrong);
    }
    wait_child();
    pause_ms(200);
    kill(pid, SIGUSR1);
    EXPECT("interrupted reader", child_wrong(pid), 0);
    close(back_pipe[0]); close(back_pipe[1]);
    unlink("k_fifo");
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : "/tmp";
    char dir[256];
    snprintf(dir, sizeof dir, "%s/file_locks.%d", base, (int)getpid());
    if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
        dprintf(2, "file_locks: cannot work in %s: errno %d\n", dir, errno);
        return 1;
    }

    record_locks();
    flocks();
    fifos();
    unlink("k_file");
    chdir("/");
    EXPECT("everything removed", rv(rmdir(dir)), 0);
    printf("file_locks: %d wrong\n", wrong);
    return wrong != 0;
}
