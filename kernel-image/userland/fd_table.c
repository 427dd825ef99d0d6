/* Descriptor table semantics, as Linux gives them: lowest free number, close(0) + open gives 0,
   dup/dup2/dup3/fcntl, offsets shared by dup and by fork, O_CLOEXEC across execve,
   RLIMIT_NOFILE (EMFILE), and every bad descriptor, flag and pointer answered with Linux's
   errno. Run on Linux too (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "fd_table: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

/* A raw system call's answer: the result, or -errno. */
static long rv(long r) { return r == -1 ? -errno : r; }
static long sys(long n, long a, long b, long c) { return rv(syscall(n, a, b, c)); }
static long offset_of(int fd) { return rv(lseek(fd, 0, SEEK_CUR)); }
static long lowest_free(void) { int fd = dup(0); close(fd); return fd; }

#define A "/tmp/fd_table_a"

/* Seeded random opens, closes, dup2s and forks against a model of which numbers are taken:
   every new descriptor must be the model's lowest free one, in the parent and in a forked
   child (whose table starts as a copy). Linux keeps a next-free hint (next_fd) for this
   search, and so does Aurora; a hint left too high after a close, a dup2 below it or a fork
   would hand out a higher number than the lowest free. */
#define MODEL 320
static unsigned model_seed = 0x5eed1234u;
static unsigned next_random(void) { model_seed = model_seed * 1103515245u + 12345u; return model_seed >> 8; }
static int model_lowest(const char *open_) { for (int fd = 0; fd < MODEL; fd++) if (!open_[fd]) return fd; return -1; }

static void lowest_free_follows_a_model(void)
{
    char taken[MODEL];
    for (int fd = 0; fd < MODEL; fd++) taken[fd] = fcntl(fd, F_GETFD) >= 0;
    int base = model_lowest(taken);
    dprintf(1, "fd_table: model seed 0x%x, lowest free at the start %d\n", model_seed, base);
    for (int step = 0; step < 3000; step++) {
        unsigned pick = next_random() % 100;
        if (pick < 45) {
            int want = model_lowest(taken);
            if (want < 0 || want >= MODEL - 1) continue;
            int got = dup(0);
            if (got != want) { EXPECT("model: dup takes the lowest free", got, want); break; }
            taken[got] = 1;
        } else if (pick < 85) {
            int fd = base + (int)(next_random() % (MODEL - base));
            EXPECT("model: close answers as the model says", rv(close(fd)), taken[fd] ? 0 : -EBADF);
            taken[fd] = 0;
        } else if (pick < 95) {
            int fd = base + (int)(next_random() % (MODEL - base));
            EXPECT("model: dup2 to any number", rv(dup2(0, fd)), fd);
            taken[fd] = 1;
        } else {
            /* The child's first new descriptor is the same lowest free number. */
            int want = model_lowest(taken);
            pid_t child = fork();
            if (child == 0) _exit(dup(0) == want ? 0 : 1);
            int status = -1;
            waitpid(child, &status, 0);
            EXPECT("model: a forked child's dup takes the lowest free", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
        }
    }
    for (int fd = base; fd < MODEL; fd++) if (taken[fd]) close(fd);
    EXPECT("model: everything closed again", lowest_free(), base);
}
#define B "/tmp/fd_table_b"

/* The image execve starts: argv[2..] are "<fd> <want F_GETFD or -EBADF> <want offset or -1>". */
static int after_exec(int argc, char **argv)
{
    for (int i = 2; i + 2 < argc; i += 3) {
        int fd, flags, off;
        sscanf(argv[i], "%d", &fd); sscanf(argv[i + 1], "%d", &flags); sscanf(argv[i + 2], "%d", &off);
        EXPECT("F_GETFD after execve", rv(fcntl(fd, F_GETFD)), flags);
        if (off >= 0) EXPECT("offset kept across execve", offset_of(fd), off);
    }
    return wrong;
}

static void exec_test(const char *self)
{
    int keep = open(A, O_RDWR), gone = open(A, O_RDWR | O_CLOEXEC), set = open(A, O_RDONLY);
    EXPECT("O_CLOEXEC sets FD_CLOEXEC", rv(fcntl(gone, F_GETFD)), FD_CLOEXEC);
    EXPECT("F_SETFD FD_CLOEXEC", rv(fcntl(set, F_SETFD, FD_CLOEXEC)), 0);
    lseek(keep, 3, SEEK_SET);
    char a[3][12], b[3][12], c[3][12];
    snprintf(a[0], 12, "%d", keep); snprintf(b[0], 12, "%d", 0); snprintf(c[0], 12, "%d", 3);
    snprintf(a[1], 12, "%d", gone); snprintf(b[1], 12, "%d", -EBADF); snprintf(c[1], 12, "%d", -1);
    snprintf(a[2], 12, "%d", set); snprintf(b[2], 12, "%d", -EBADF); snprintf(c[2], 12, "%d", -1);
    char *args[] = { (char *)self, "after-exec", a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2], 0 };
    pid_t pid = fork();
    if (pid == 0) {
        execve("/bin/fd_table.elf", args, (char *[]){ 0 });
        execve("/proc/self/exe", args, (char *[]){ 0 });   /* on Linux */
        _exit(99);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT("the execve'd image saw the right descriptors", status, 0);
    close(keep); close(gone); close(set);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) return after_exec(argc, argv);
    unlink(A); unlink(B);
    long low = lowest_free();

    /* Lowest free number; close(0) then open gives 0. */
    int a = open(A, O_RDWR | O_CREAT | O_TRUNC, 0644), b = open(B, O_RDWR | O_CREAT | O_TRUNC, 0644);
    EXPECT("first open is the lowest free", a, low);
    EXPECT("second open is the next", b, low + 1);
    close(a);
    int c = open(B, O_RDONLY);
    EXPECT("a closed number is reused first", c, low);
    close(c);
    a = open(A, O_RDWR);
    int saved = dup(0);
    EXPECT("close(0)", rv(close(0)), 0);
    int zero = open(A, O_RDONLY);
    EXPECT("close(0) then open gives 0", zero, 0);
    EXPECT("dup2 puts the console back", rv(dup2(saved, 0)), 0);
    close(saved);

    /* dup shares the description: offset and status flags; FD_CLOEXEC is per descriptor. */
    EXPECT("write through a", rv(write(a, "hello", 5)), 5);
    long expected = lowest_free();
    int d = dup(a);
    EXPECT("dup is the lowest free", d, expected);
    EXPECT("dup shares the offset", offset_of(d), 5);
    EXPECT("lseek through the dup", rv(lseek(d, 1, SEEK_SET)), 1);
    EXPECT("the original sees the dup's lseek", offset_of(a), 1);
    char buf[16] = { 0 };
    EXPECT("read through the original", rv(read(a, buf, 2)), 2);
    EXPECT("the dup's offset moved too", offset_of(d), 3);
    EXPECT("F_SETFL O_APPEND through the dup", rv(fcntl(d, F_SETFL, O_APPEND)), 0);
    EXPECT("F_GETFL of the original has O_APPEND", rv(fcntl(a, F_GETFL)) & O_APPEND, O_APPEND);
    lseek(a, 0, SEEK_SET);
    EXPECT("append write", rv(write(a, "!", 1)), 1);
    EXPECT("O_APPEND wrote at the end", offset_of(a), 6);
    EXPECT("F_SETFL 0 clears O_APPEND", rv(fcntl(a, F_SETFL, 0)), 0);
    EXPECT("F_GETFL access mode kept (F_SETFL cannot change it)", rv(fcntl(a, F_GETFL)) & (O_ACCMODE | O_APPEND), O_RDWR);
    EXPECT("F_SETFL O_WRONLY ignored", rv(fcntl(a, F_SETFL, O_WRONLY)), 0);
    EXPECT("F_GETFL still O_RDWR", rv(fcntl(a, F_GETFL)) & O_ACCMODE, O_RDWR);
    EXPECT("F_SETFL O_NONBLOCK", rv(fcntl(a, F_SETFL, O_NONBLOCK)), 0);
    EXPECT("F_GETFL O_NONBLOCK", rv(fcntl(d, F_GETFL)) & O_NONBLOCK, O_NONBLOCK);
    fcntl(a, F_SETFL, 0);
    EXPECT("F_SETFD on the original", rv(fcntl(a, F_SETFD, FD_CLOEXEC)), 0);
    EXPECT("the dup's FD_CLOEXEC is its own", rv(fcntl(d, F_GETFD)), 0);
    int d2 = dup(a);
    EXPECT("dup clears FD_CLOEXEC", rv(fcntl(d2, F_GETFD)), 0);
    EXPECT("F_SETFD keeps only FD_CLOEXEC", rv(fcntl(d2, F_SETFD, 0xff)), 0);
    EXPECT("F_GETFD is FD_CLOEXEC", rv(fcntl(d2, F_GETFD)), FD_CLOEXEC);
    fcntl(a, F_SETFD, 0);
    close(d2);

    /* dup2 and dup3. */
    EXPECT("dup2(a, a) is a", rv(dup2(a, a)), a);
#ifdef SYS_dup2 /* x86-64 only; arm64 has dup3 alone */
    EXPECT("dup2(bad, bad) EBADF", sys(SYS_dup2, 900, 900, 0), -EBADF);
#endif
    EXPECT("dup2(a, 100)", rv(dup2(a, 100)), 100);
    EXPECT("fd 100 shares the offset", offset_of(100), offset_of(a));
    struct stat sa, sb;
    EXPECT("dup2 over an open descriptor", rv(dup2(a, b)), b);
    fstat(a, &sa); fstat(b, &sb);
    EXPECT("the old file of b was closed, b is a's file", sb.st_ino == sa.st_ino, 1);
#ifdef SYS_dup2 /* x86-64 only; arm64 has dup3 alone */
    EXPECT("dup2(a, -1) EBADF", sys(SYS_dup2, a, -1, 0), -EBADF);
    EXPECT("dup2(a, 1 << 20) EBADF", sys(SYS_dup2, a, 1 << 20, 0), -EBADF);
    EXPECT("dup2(900, 101) EBADF", sys(SYS_dup2, 900, 101, 0), -EBADF);
#endif
    EXPECT("dup3(a, a, 0) EINVAL", sys(SYS_dup3, a, a, 0), -EINVAL);
    EXPECT("dup3 bad flags EINVAL", sys(SYS_dup3, a, 101, 1), -EINVAL);
    EXPECT("dup3(900, 101) EBADF", sys(SYS_dup3, 900, 101, 0), -EBADF);
    EXPECT("dup3(a, 1 << 20) EBADF", sys(SYS_dup3, a, 1 << 20, 0), -EBADF);
    EXPECT("dup3 O_CLOEXEC", sys(SYS_dup3, a, 101, O_CLOEXEC), 101);
    EXPECT("dup3 O_CLOEXEC sets FD_CLOEXEC", rv(fcntl(101, F_GETFD)), FD_CLOEXEC);
    close(100); close(101);

    /* fcntl F_DUPFD. */
    EXPECT("F_DUPFD from 50", rv(fcntl(a, F_DUPFD, 50)), 50);
    EXPECT("F_DUPFD from 50 again", rv(fcntl(a, F_DUPFD, 50)), 51);
    EXPECT("F_DUPFD_CLOEXEC from 50", rv(fcntl(a, F_DUPFD_CLOEXEC, 50)), 52);
    EXPECT("F_DUPFD_CLOEXEC sets FD_CLOEXEC", rv(fcntl(52, F_GETFD)), FD_CLOEXEC);
    EXPECT("F_DUPFD leaves it clear", rv(fcntl(50, F_GETFD)), 0);
    close(50); close(51); close(52);
    struct rlimit nofile;
    getrlimit(RLIMIT_NOFILE, &nofile);
    EXPECT("F_DUPFD at RLIMIT_NOFILE EINVAL", sys(SYS_fcntl, a, F_DUPFD, (long)nofile.rlim_cur), -EINVAL);
    EXPECT("F_DUPFD -1 EINVAL", sys(SYS_fcntl, a, F_DUPFD, -1), -EINVAL);
    EXPECT("fcntl unknown command EINVAL", sys(SYS_fcntl, a, 9999, 0), -EINVAL);

    /* fork shares descriptions: the child's reads move the parent's offset. */
    lseek(a, 0, SEEK_SET);
    pid_t pid = fork();
    if (pid == 0) {
        char x[4];
        _exit(read(d, x, 4) == 4 && offset_of(a) == 4 ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    EXPECT("the child read through an inherited descriptor", status, 0);
    EXPECT("the parent's offset moved with the child's read", offset_of(a), 4);

    exec_test(argv[0]);

    /* RLIMIT_NOFILE: EMFILE for open, dup, F_DUPFD; EBADF for dup2 beyond it. */
    pid = fork();
    if (pid == 0) {
        long first = lowest_free();
        struct rlimit low = { first + 2, nofile.rlim_max };
        setrlimit(RLIMIT_NOFILE, &low);
        EXPECT("open under the limit", rv(open(A, O_RDONLY)), first);
        EXPECT("dup under the limit", rv(dup(0)), first + 1);
        EXPECT("open at the limit EMFILE", rv(open(A, O_RDONLY)), -EMFILE);
        EXPECT("dup at the limit EMFILE", rv(dup(0)), -EMFILE);
        EXPECT("F_DUPFD at the limit EMFILE", rv(fcntl(0, F_DUPFD, 0)), -EMFILE);
        EXPECT("dup2 to the limit EBADF", rv(dup2(0, first + 2)), -EBADF);
        EXPECT("dup2 below the limit works", rv(dup2(0, first + 1)), first + 1);
        _exit(wrong);
    }
    waitpid(pid, &status, 0);
    EXPECT("the RLIMIT_NOFILE child", status, 0);

    /* Bad descriptors, access modes, pointers, kinds. */
    EXPECT("read(-1) EBADF", sys(SYS_read, -1, (long)buf, 1), -EBADF);
    EXPECT("write(900) EBADF", sys(SYS_write, 900, (long)"x", 1), -EBADF);
    EXPECT("close(900) EBADF", sys(SYS_close, 900, 0, 0), -EBADF);
    EXPECT("close(-1) EBADF", sys(SYS_close, -1, 0, 0), -EBADF);
    EXPECT("lseek(900) EBADF", sys(SYS_lseek, 900, 0, 0), -EBADF);
    EXPECT("fstat(900) EBADF", sys(SYS_fstat, 900, (long)&sa, 0), -EBADF);
    EXPECT("ioctl(900) EBADF", sys(SYS_ioctl, 900, TIOCGWINSZ, (long)buf), -EBADF);
    EXPECT("getdents64(900) EBADF", sys(SYS_getdents64, 900, (long)buf, sizeof buf), -EBADF);
    EXPECT("fcntl(900) EBADF", sys(SYS_fcntl, 900, F_GETFD, 0), -EBADF);
    EXPECT("dup(900) EBADF", sys(SYS_dup, 900, 0, 0), -EBADF);
    EXPECT("dup(-1) EBADF", sys(SYS_dup, -1, 0, 0), -EBADF);
    int r = open(A, O_RDONLY), w = open(A, O_WRONLY);
    EXPECT("write to O_RDONLY EBADF", rv(write(r, "x", 1)), -EBADF);
    EXPECT("read from O_WRONLY EBADF", rv(read(w, buf, 1)), -EBADF);
    EXPECT("read into NULL EFAULT", sys(SYS_read, r, 0, 4), -EFAULT);
    EXPECT("write from an unmapped page EFAULT", sys(SYS_write, w, 4096, 4), -EFAULT);
    EXPECT("fstat into NULL EFAULT", sys(SYS_fstat, r, 0, 0), -EFAULT);
    EXPECT("lseek bad whence EINVAL", rv(lseek(r, 0, 7)), -EINVAL);
    EXPECT("lseek before the start EINVAL", rv(lseek(r, -100, SEEK_SET)), -EINVAL);
    EXPECT("getdents64 of a file ENOTDIR", sys(SYS_getdents64, r, (long)buf, sizeof buf), -ENOTDIR);
    EXPECT("ioctl of a file ENOTTY", sys(SYS_ioctl, r, TIOCGWINSZ, (long)buf), -ENOTTY);
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    EXPECT("read of a directory EISDIR", rv(read(dir, buf, 1)), -EISDIR);
    EXPECT("open a directory for writing EISDIR", rv(open("/tmp", O_WRONLY)), -EISDIR);
    EXPECT("close", rv(close(r)), 0);
    EXPECT("close twice EBADF", rv(close(r)), -EBADF);
    close(w); close(dir); close(a); close(b); close(d);
    EXPECT("everything closed: the lowest free is back", lowest_free(), low);
    lowest_free_follows_a_model();
    unlink(A); unlink(B);
    dprintf(1, "fd_table: %d wrong\n", wrong);
    return wrong != 0;
}
