/* signalfd as Linux gives it (fs/signalfd.c): signalfd4's checks in Linux's order (EINVAL for
   a mask size other than 8, EFAULT, EINVAL for flags; EBADF and EINVAL for an fd that is not a
   signalfd), SFD_CLOEXEC and SFD_NONBLOCK, read's struct signalfd_siginfo (ssi_signo,
   ssi_code, ssi_pid, ssi_int/ssi_ptr from sigqueue), several signals in one read, lowest
   first, a buffer too small for one (EINVAL), EAGAIN when none is pending, the signal taken
   and so no longer pending, a mask changed through an existing fd, poll and epoll readiness
   (also woken by another process's kill), a blocking read woken by a signal sent later, the
   /proc/self/fd link and fstat. Run on Linux too (musl-gcc -static): "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "signalfd: %s: got %ld (0x%lx), want %ld (0x%lx)\n", what, g_, g_, w_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR) { }
}

static int revents(int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

int main(void)
{
    sigset_t mask, none;
    sigemptyset(&none);
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &mask, 0);

    /* Checks. */
    EXPECT("mask size 4", rv(syscall(SYS_signalfd4, -1, &mask, 4, 0)), -EINVAL);
    EXPECT("bad mask", rv(syscall(SYS_signalfd4, -1, (void *)8, 8, 0)), -EFAULT);
    EXPECT("bad flags", rv(syscall(SYS_signalfd4, -1, &mask, 8, 1)), -EINVAL);
    EXPECT("bad fd", rv(syscall(SYS_signalfd4, 99, &mask, 8, 0)), -EBADF);
    EXPECT("not a signalfd", rv(syscall(SYS_signalfd4, 0, &mask, 8, 0)), -EINVAL);

    int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    EXPECT("create", fd >= 0, 1);
    EXPECT("FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);

    struct signalfd_siginfo info[4];
    EXPECT("read empty", rv(read(fd, info, sizeof info)), -EAGAIN);
    EXPECT("poll empty", revents(fd), 0);
    EXPECT("write", rv(write(fd, info, sizeof info[0])), -EINVAL);

    /* A signal of the mask: readable, then read with its siginfo. */
    kill(getpid(), SIGUSR2);
    EXPECT("poll pending", revents(fd), POLLIN);
    EXPECT("read too small", rv(read(fd, info, sizeof info[0] - 1)), -EINVAL);
    memset(info, 0, sizeof info);
    EXPECT("read one", rv(read(fd, info, sizeof info)), (long)sizeof info[0]);
    EXPECT("ssi_signo", info[0].ssi_signo, SIGUSR2);
    EXPECT("ssi_code", info[0].ssi_code, SI_USER);
    EXPECT("ssi_pid", info[0].ssi_pid, getpid());
    sigset_t pending;
    sigpending(&pending);
    EXPECT("taken, not pending", sigismember(&pending, SIGUSR2), 0);

    /* Several at once, lowest first; sigqueue's value. */
    union sigval v = { .sival_int = 1234 };
    sigqueue(getpid(), SIGRTMIN, v);
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    memset(info, 0, sizeof info);
    EXPECT("read three", rv(read(fd, info, sizeof info)), 3 * (long)sizeof info[0]);
    EXPECT("first SIGUSR1", info[0].ssi_signo, SIGUSR1);
    EXPECT("second SIGUSR2", info[1].ssi_signo, SIGUSR2);
    EXPECT("third SIGRTMIN", info[2].ssi_signo, SIGRTMIN);
    EXPECT("SIGRTMIN code", info[2].ssi_code, SI_QUEUE);
    EXPECT("SIGRTMIN ssi_int", info[2].ssi_int, 1234);
    EXPECT("read empty again", rv(read(fd, info, sizeof info)), -EAGAIN);

    /* Only the mask: a signal outside it stays pending for the process. */
    sigset_t three;
    sigemptyset(&three);
    sigaddset(&three, SIGTERM);
    sigprocmask(SIG_BLOCK, &three, 0);
    kill(getpid(), SIGTERM);
    EXPECT("outside the mask", rv(read(fd, info, sizeof info)), -EAGAIN);
    EXPECT("poll outside the mask", revents(fd), 0);
    /* A new mask through the existing fd. */
    EXPECT("update mask", rv(signalfd(fd, &three, 0)), fd);
    EXPECT("poll with the new mask", revents(fd), POLLIN);
    EXPECT("read SIGTERM", rv(read(fd, info, sizeof info)), (long)sizeof info[0]);
    EXPECT("SIGTERM", info[0].ssi_signo, SIGTERM);
    EXPECT("flags unchanged", fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    signalfd(fd, &mask, 0);

    /* epoll woken by another process's kill. */
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 3 }, out;
    EXPECT("epoll_ctl", rv(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)), 0);
    EXPECT("epoll nothing", epoll_wait(ep, &out, 1, 0), 0);
    pid_t parent = getpid(), child = fork();
    if (child == 0) { sleep_ms(100); kill(parent, SIGUSR1); _exit(0); }
    EXPECT("epoll wakes", epoll_wait(ep, &out, 1, 5000), 1);
    EXPECT("epoll data", out.data.u64, 3);
    int status;
    waitpid(child, &status, 0);
    EXPECT("read after epoll", rv(read(fd, info, sizeof info)), (long)sizeof info[0]);
    EXPECT("epoll signal", info[0].ssi_signo, SIGUSR1);
    EXPECT("epoll sender", info[0].ssi_pid, child);
    close(ep);

    /* A blocking read (signalfd without SFD_NONBLOCK) woken by a signal sent later. */
#if defined(SYS_signalfd)
    int blocking = syscall(SYS_signalfd, -1, &mask, 8);
#else
    int blocking = syscall(SYS_signalfd4, -1, &mask, 8, 0);   /* arm64 has only signalfd4 */
#endif
    EXPECT("signalfd (282)", blocking >= 0, 1);
    EXPECT("signalfd no cloexec", fcntl(blocking, F_GETFD), 0);
    child = fork();
    if (child == 0) { sleep_ms(100); kill(parent, SIGUSR2); _exit(0); }
    EXPECT("blocking read", rv(read(blocking, info, sizeof info)), (long)sizeof info[0]);
    EXPECT("blocking read signal", info[0].ssi_signo, SIGUSR2);
    waitpid(child, &status, 0);
    /* SIGCHLD is not in the mask: it did not end the read early. */

    /* Name and status. */
    char link[64] = { 0 }, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    EXPECT("readlink length", rv(readlink(path, link, sizeof link - 1)), 21);
    EXPECT("readlink text", strcmp(link, "anon_inode:[signalfd]"), 0);
    struct stat st;
    EXPECT("fstat", rv(fstat(fd, &st)), 0);
    EXPECT("fstat mode", st.st_mode & 0777, 0600);
    close(fd);
    close(blocking);
    (void)none;

    printf("signalfd: %d wrong\n", wrong);
    return wrong != 0;
}
