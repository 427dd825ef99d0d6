/* poll, ppoll, select and pselect6 as Linux gives them: pipes readable, writable, POLLHUP with
   no writer and POLLERR with no reader; a wait woken by another process's write; timeouts (0:
   no wait, negative: none, a timespec or timeval, select and ppoll writing back the time left);
   a signal ending the wait with EINTR; ppoll's and pselect6's signal masks applied for the wait
   only; POLLNVAL for a closed descriptor in poll, EBADF in select; regular files always ready;
   a UDP socket writable; and Linux's errno for bad counts, timeouts, masks and pointers. Run on
   Linux too (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "poll: %s: got %ld (0x%lx), want %ld (0x%lx)\n", what, g_, g_, w_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR) { }
}

static int exit_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1000;
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return WEXITSTATUS(status);
}

static volatile int usr1;
static void on_usr1(int s) { (void)s; usr1++; }

static int poll1(int fd, short events, int timeout, short *revents)
{
    struct pollfd p = { fd, events, 0x7777 };
    int r = poll(&p, 1, timeout);
    *revents = p.revents;
    return r < 0 ? -errno : r;
}

static void pipes(void)
{
    int p[2];
    short re;
    EXPECT("pipe", rv(pipe(p)), 0);
    EXPECT("empty read end, timeout 0", poll1(p[0], POLLIN, 0, &re), 0);
    EXPECT("  revents", re, 0);
    EXPECT("write end", poll1(p[1], POLLOUT, 0, &re), 1);
    EXPECT("  revents: only what was asked (POLLOUT)", re, POLLOUT);
    EXPECT("write end asked for POLLIN only", poll1(p[1], POLLIN, 0, &re), 0);
    write(p[1], "x", 1);
    EXPECT("read end with data", poll1(p[0], POLLIN | POLLOUT, 0, &re), 1);
    EXPECT("  revents: only what was asked", re, POLLIN);
    EXPECT("asked for the normal band too", poll1(p[0], POLLIN | POLLRDNORM, 0, &re), 1);
    EXPECT("  revents POLLIN|POLLRDNORM", re, POLLIN | POLLRDNORM);

    /* Both ends in one call, and a negative descriptor ignored. */
    struct pollfd two[3] = { { p[0], POLLIN, 0 }, { -1, POLLIN, 0x55 }, { p[1], POLLOUT, 0 } };
    EXPECT("two ready of three", rv(poll(two, 3, 0)), 2);
    EXPECT("  negative fd: revents 0", two[1].revents, 0);

    /* Timeout: about 100 ms with nothing to read. */
    char c;
    read(p[0], &c, 1);
    long start = now_ms();
    EXPECT("timeout 100 ms", poll1(p[0], POLLIN, 100, &re), 0);
    long took = now_ms() - start;
    EXPECT("  waited about 100 ms (under 5 s on a loaded host)", took >= 95 && took < 5000, 1);

    /* Waiting is sleeping, not looking again and again: a 100 ms wait gives up the processor
       a handful of times at most (once on Linux; about 100 if it polled every tick). */
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    poll1(p[0], POLLIN, 100, &re);
    fd_set quiet;
    FD_ZERO(&quiet);
    FD_SET(p[0], &quiet);
    struct timeval hundred = { 0, 100000 };
    select(p[0] + 1, &quiet, 0, 0, &hundred);
    getrusage(RUSAGE_SELF, &after);
    EXPECT("two 100 ms waits: few voluntary switches", after.ru_nvcsw - before.ru_nvcsw <= 6, 1);

    /* Another process's write wakes an endless wait. */
    pid_t child = fork();
    if (child == 0) { sleep_ms(60); write(p[1], "y", 1); _exit(0); }
    start = now_ms();
    EXPECT("woken by the other process's write", poll1(p[0], POLLIN, -1, &re), 1);
    EXPECT("  revents", re, POLLIN);
    EXPECT("  not before it wrote", now_ms() - start >= 50, 1);
    exit_status(child);
    read(p[0], &c, 1);

    /* The last writer's close: POLLHUP (even when not asked), and it wakes a waiter. */
    child = fork();
    if (child == 0) { sleep_ms(60); close(p[1]); _exit(0); }
    int w = dup(p[1]);
    close(p[1]);
    close(w);  /* the child's copy is the last writer now */
    EXPECT("woken by the last writer's close", poll1(p[0], POLLIN, 5000, &re), 1);
    EXPECT("  POLLHUP", re, POLLHUP);
    exit_status(child);
    close(p[0]);

    /* No reader: POLLERR on the write end. */
    pipe(p);
    close(p[0]);
    EXPECT("write end without a reader", poll1(p[1], POLLOUT, 0, &re), 1);
    EXPECT("  POLLERR set", (re & POLLERR) != 0, 1);
    close(p[1]);

    /* A full pipe is not writable; a read that empties it wakes the writer's poll. */
    pipe(p);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    static char fill[65536];
    while (write(p[1], fill, sizeof fill) > 0) { }
    EXPECT("full pipe: not writable", poll1(p[1], POLLOUT, 0, &re), 0);
    child = fork();
    if (child == 0) { sleep_ms(60); static char drain[65536]; read(p[0], drain, sizeof drain); _exit(0); }
    EXPECT("woken when the reader makes room", poll1(p[1], POLLOUT, 5000, &re), 1);
    exit_status(child);
    close(p[0]);
    close(p[1]);
}

static void errors(void)
{
    short re;
    EXPECT("closed descriptor: POLLNVAL counts", poll1(999, POLLIN, 0, &re), 1);
    EXPECT("  revents POLLNVAL", re, POLLNVAL);
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    struct pollfd p = { 0, 0, 0 };
#ifdef SYS_poll /* x86-64 only; arm64 has ppoll alone (checked below) */
    EXPECT("nfds above RLIMIT_NOFILE: EINVAL", rv(syscall(SYS_poll, &p, limit.rlim_cur + 1, 0)), -EINVAL);
    EXPECT("bad pointer: EFAULT", rv(syscall(SYS_poll, 16, 1, 0)), -EFAULT);
#endif
    EXPECT("nfds 0 with a timeout: sleeps, then 0", rv(poll(0, 0, 20)), 0);
    struct timespec bad = { 0, 1000000000 };
    EXPECT("ppoll bad timespec: EINVAL", rv(syscall(SYS_ppoll, &p, 1, &bad, 0, 8)), -EINVAL);
    struct timespec negative = { -1, 0 };
    EXPECT("ppoll negative timespec: EINVAL", rv(syscall(SYS_ppoll, &p, 1, &negative, 0, 8)), -EINVAL);
    EXPECT("ppoll timespec pointer bad: EFAULT", rv(syscall(SYS_ppoll, &p, 1, 16, 0, 8)), -EFAULT);
    sigset_t set;
    sigemptyset(&set);
    struct timespec zero = { 0, 0 };
    EXPECT("ppoll sigsetsize 4: EINVAL", rv(syscall(SYS_ppoll, &p, 1, &zero, &set, 4)), -EINVAL);
    EXPECT("ppoll mask pointer bad: EFAULT", rv(syscall(SYS_ppoll, &p, 1, &zero, 16, 8)), -EFAULT);

    fd_set r;
    FD_ZERO(&r);
    FD_SET(200, &r);
    struct timeval tv = { 0, 0 };
    EXPECT("select of a closed descriptor: EBADF", rv(select(201, &r, 0, 0, &tv)), -EBADF);
#ifdef SYS_select /* x86-64 only; arm64 has pselect6 alone (checked below) */
    EXPECT("select n negative: EINVAL", rv(syscall(SYS_select, -1, 0, 0, 0, &tv)), -EINVAL);
    struct timeval badtv = { 0, -1 };
    FD_ZERO(&r);
    EXPECT("select negative tv_usec: EINVAL", rv(syscall(SYS_select, 1, &r, 0, 0, &badtv)), -EINVAL);
    struct timeval longtv = { 0, 1000000 };
    EXPECT("select tv_usec of a second: Linux carries it", rv(syscall(SYS_select, 0, 0, 0, 0, &longtv)) == 0 && longtv.tv_sec == 0, 1);
    EXPECT("select set pointer bad: EFAULT", rv(syscall(SYS_select, 1, 16, 0, 0, &tv)), -EFAULT);
    EXPECT("select timeval pointer bad: EFAULT", rv(syscall(SYS_select, 1, 0, 0, 0, 16)), -EFAULT);
#endif
    long sig[2] = { (long)&set, 4 };
    EXPECT("pselect6 sigsetsize 4: EINVAL", rv(syscall(SYS_pselect6, 1, 0, 0, 0, &zero, sig)), -EINVAL);
    EXPECT("pselect6 mask pair pointer bad: EFAULT", rv(syscall(SYS_pselect6, 1, 0, 0, 0, &zero, 16)), -EFAULT);
}

/* The raw select (musl's select passes a copy of the timeval, so the time left would not come
   back): x86-64's call; arm64 has pselect6 alone, which writes the time left back as a timespec. */
static long raw_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
#ifdef SYS_select
    return syscall(SYS_select, n, r, w, e, tv);
#else
    struct timespec ts = { tv->tv_sec, tv->tv_usec * 1000 };
    long result = syscall(SYS_pselect6, n, r, w, e, &ts, 0);
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return result;
#endif
}

static void select_calls(void)
{
    int p[2], q[2];
    pipe(p);
    pipe(q);
    write(q[1], "z", 1);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_SET(p[1], &w);
    int n = (p[0] > q[0] ? p[0] : q[0]);
    n = (n > p[1] ? n : p[1]) + 1;
    struct timeval tv = { 1, 0 };
    EXPECT("select: one readable, one writable", rv(raw_select(n, &r, &w, 0, &tv)), 2);
    EXPECT("  the empty pipe is not in the read set", FD_ISSET(p[0], &r), 0);
    EXPECT("  the full one is", FD_ISSET(q[0], &r) != 0, 1);
    EXPECT("  the write end is in the write set", FD_ISSET(p[1], &w) != 0, 1);
    EXPECT("  time left written back, most of a second", tv.tv_sec == 0 ? tv.tv_usec > 500000 : tv.tv_sec == 1, 1);

    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 100000;
    long start = now_ms();
    /* The raw call: musl's select passes a copy of the timeval, so the time left stays there. */
    EXPECT("select times out", rv(raw_select(p[0] + 1, &r, 0, 0, &tv)), 0);
    EXPECT("  after about 100 ms", now_ms() - start >= 95, 1);
    EXPECT("  the set comes back empty", FD_ISSET(p[0], &r), 0);
    EXPECT("  no time left", tv.tv_sec * 1000000 + tv.tv_usec, 0);

    /* Woken by another process; a signal ends it with EINTR. */
    pid_t child = fork();
    if (child == 0) { sleep_ms(60); write(p[1], "y", 1); _exit(0); }
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT("select woken by a write", rv(select(p[0] + 1, &r, 0, 0, 0)), 1);
    EXPECT("  readable", FD_ISSET(p[0], &r) != 0, 1);
    exit_status(child);
    char c;
    read(p[0], &c, 1);

    pid_t parent = getpid();
    child = fork();
    if (child == 0) { sleep_ms(60); kill(parent, SIGUSR1); _exit(0); }
    usr1 = 0;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT("select ended by a signal: EINTR", rv(select(p[0] + 1, &r, 0, 0, 0)), -EINTR);
    EXPECT("  the handler ran", usr1, 1);
    exit_status(child);

    /* pselect6 with a mask that blocks SIGUSR1: the wait goes on to its timeout, and the
       signal arrives after it returns, under the old mask. */
    child = fork();
    if (child == 0) { sleep_ms(30); kill(parent, SIGUSR1); _exit(0); }
    usr1 = 0;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    struct timespec ts = { 0, 150 * 1000000 };
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT("pselect under a mask blocking the signal times out", rv(pselect(p[0] + 1, &r, 0, 0, &ts, &block)), 0);
    EXPECT("  then the signal is delivered", usr1, 1);
    exit_status(child);
    close(p[0]); close(p[1]); close(q[0]); close(q[1]);
}

static void masks_and_signals(void)
{
    int p[2];
    pipe(p);
    short re;
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) { sleep_ms(60); kill(parent, SIGUSR1); _exit(0); }
    usr1 = 0;
    EXPECT("poll ended by a signal: EINTR", poll1(p[0], POLLIN, 5000, &re), -EINTR);
    EXPECT("  the handler ran", usr1, 1);
    exit_status(child);

    /* ppoll's mask blocks SIGUSR1 for the wait only. */
    child = fork();
    if (child == 0) { sleep_ms(30); kill(parent, SIGUSR1); _exit(0); }
    usr1 = 0;
    sigset_t block, old, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    struct pollfd pf = { p[0], POLLIN, 0 };
    struct timespec ts = { 0, 150 * 1000000 };
    EXPECT("ppoll under a mask blocking the signal times out", rv(syscall(SYS_ppoll, &pf, 1, &ts, &block, 8)), 0);
    EXPECT("  the signal came after the call", usr1, 1);
    EXPECT("  ppoll writes back the time left (none)", ts.tv_sec * 1000000000L + ts.tv_nsec, 0);
    exit_status(child);

    /* The other way: SIGUSR1 blocked and pending; ppoll with an empty mask takes it at once
       (EINTR, the handler runs) and the old mask is back afterwards. */
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR1);
    usr1 = 0;
    sigset_t empty;
    sigemptyset(&empty);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    EXPECT("ppoll unblocking a pending signal: EINTR", rv(ppoll(&pf, 1, &ts, &empty)), -EINTR);
    EXPECT("  the handler ran", usr1, 1);
    sigprocmask(SIG_BLOCK, 0, &now);
    EXPECT("  the old mask is back", sigismember(&now, SIGUSR1), 1);
    sigprocmask(SIG_SETMASK, &old, 0);

    /* Same for pselect6. */
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR1);
    usr1 = 0;
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT("pselect unblocking a pending signal: EINTR", rv(pselect(p[0] + 1, &r, 0, 0, &ts, &empty)), -EINTR);
    EXPECT("  the handler ran", usr1, 1);
    sigprocmask(SIG_BLOCK, 0, &now);
    EXPECT("  the old mask is back", sigismember(&now, SIGUSR1), 1);
    sigprocmask(SIG_SETMASK, &old, 0);
    close(p[0]);
    close(p[1]);
}

static void other_kinds(void)
{
    short re;
    int fd = open("/tmp/poll_regular_file", O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT("regular file: always ready", poll1(fd, POLLIN | POLLOUT, -1, &re), 1);
    EXPECT("  revents", re, POLLIN | POLLOUT);
    EXPECT("  with the normal bands asked", poll1(fd, POLLRDNORM | POLLWRNORM | POLLPRI, 0, &re), 1);
    EXPECT("  revents", re, POLLRDNORM | POLLWRNORM);
    close(fd);
    unlink("/tmp/poll_regular_file");
    EXPECT("standard output is writable", poll1(1, POLLOUT, 0, &re), 1);
    EXPECT("  POLLOUT", (re & POLLOUT) != 0, 1);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    if (u >= 0) {
        EXPECT("fresh UDP socket: writable, not readable", poll1(u, POLLIN | POLLOUT, 0, &re), 1);
        EXPECT("  revents", re, POLLOUT);
        long start = now_ms();
        EXPECT("UDP socket without data: times out", poll1(u, POLLIN, 50, &re), 0);
        EXPECT("  after about 50 ms", now_ms() - start >= 45, 1);
        close(u);
    }
}

int main(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    pipes();
    errors();
    select_calls();
    masks_and_signals();
    other_kinds();
    printf("poll: %d wrong\n", wrong);
    return wrong != 0;
}
