/* eventfd as Linux gives it (fs/eventfd.c): eventfd/eventfd2's flags (EINVAL for others,
   EFD_CLOEXEC, EFD_NONBLOCK), 8-byte transfers (a read
   shorter is EINVAL and a longer one moves 8; a write of other than 8 is EINVAL), lseek a no-op, the
   counter (read takes all, EFD_SEMAPHORE takes 1), EAGAIN when empty or full, write of
   0xffffffffffffffff EINVAL, poll readiness (POLLIN above 0, POLLOUT while 1 fits), a blocking
   read woken by another process's write, a blocking write woken by a read, a signal ending a
   blocked read with EINTR (no SA_RESTART), epoll, the /proc/self/fd link and fstat.
   Run on Linux too (musl-gcc -static): "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "eventfd: %s: got %ld (0x%lx), want %ld (0x%lx)\n", what, g_, g_, w_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR) { }
}

static long put(int fd, uint64_t v) { return rv(write(fd, &v, 8)); }
static uint64_t got_value;
static long take(int fd) { got_value = 0; return rv(read(fd, &got_value, 8)); }

static int revents(int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    /* Flags. */
    EXPECT("eventfd2 bad flag", rv(syscall(SYS_eventfd2, 0, 2)), -EINVAL);
    EXPECT("eventfd2 O_RDWR flag", rv(syscall(SYS_eventfd2, 0, O_RDWR)), -EINVAL);
    int fd = syscall(SYS_eventfd2, 3, EFD_CLOEXEC | EFD_NONBLOCK);
    EXPECT("eventfd2 fd", fd >= 0, 1);
    EXPECT("FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);

    /* Transfers: 8 bytes. */
    char big[16];
    EXPECT("read 7 bytes", rv(read(fd, big, 7)), -EINVAL);
    EXPECT("write 4 bytes", rv(write(fd, big, 4)), -EINVAL);
    EXPECT("read 16 bytes", rv(read(fd, big, 16)), 8);
    EXPECT("read 16 bytes value", *(uint64_t *)big, 3);
    EXPECT("read empty nonblocking", take(fd), -EAGAIN);
    EXPECT("poll empty", revents(fd), POLLOUT);
    EXPECT("write 5", put(fd, 5), 8);
    EXPECT("write 0", put(fd, 0), 8);
    EXPECT("write 16 bytes", rv(write(fd, (uint64_t[2]){ 2, 99 }, 16)), -EINVAL);
    EXPECT("write 2", put(fd, 2), 8);
    EXPECT("poll 7", revents(fd), POLLIN | POLLOUT);
    EXPECT("read 7", take(fd), 8);
    EXPECT("read 7 value", got_value, 7);
    EXPECT("write max", put(fd, UINT64_MAX), -EINVAL);
    EXPECT("write max - 1", put(fd, UINT64_MAX - 1), 8);
    EXPECT("poll full", revents(fd), POLLIN);
    EXPECT("write 1 when full", put(fd, 1), -EAGAIN);
    EXPECT("write 0 when full", put(fd, 0), 8);
    EXPECT("read full", take(fd), 8);
    EXPECT("read full value", (long)(got_value == UINT64_MAX - 1), 1);
    EXPECT("write bad pointer", rv(write(fd, (void *)8, 8)), -EFAULT);
    EXPECT("read bad pointer", rv(read(fd, (void *)8, 8)), -EAGAIN); /* empty: EAGAIN first */
    EXPECT("write 1", put(fd, 1), 8);
    EXPECT("read bad pointer with count", rv(read(fd, (void *)8, 8)), -EFAULT);
    EXPECT("count lost to the bad pointer", take(fd), -EAGAIN);
    EXPECT("lseek (noop_llseek)", rv(lseek(fd, 5, SEEK_SET)), 0);

    /* The descriptor's name and status. */
    char link[64] = { 0 }, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    EXPECT("readlink length", rv(readlink(path, link, sizeof link - 1)), 20);
    EXPECT("readlink text", strcmp(link, "anon_inode:[eventfd]"), 0);
    struct stat st;
    EXPECT("fstat", rv(fstat(fd, &st)), 0);
    EXPECT("fstat mode", st.st_mode & 0777, 0600);
    EXPECT("fstat size", st.st_size, 0);
    close(fd);

    /* EFD_SEMAPHORE. */
    fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    EXPECT("semaphore read 1", take(fd), 8);
    EXPECT("semaphore value 1", got_value, 1);
    EXPECT("semaphore read 2", take(fd), 8);
    EXPECT("semaphore value 2", got_value, 1);
    EXPECT("semaphore read empty", take(fd), -EAGAIN);
    close(fd);

    /* eventfd (284): no flags, blocking. */
#if defined(SYS_eventfd)
    fd = syscall(SYS_eventfd, 0);
#else
    fd = syscall(SYS_eventfd2, 0, 0);   /* arm64 has only eventfd2: musl's eventfd(0, 0) */
#endif
    EXPECT("eventfd fd", fd >= 0, 1);
    EXPECT("eventfd flags", fcntl(fd, F_GETFD), 0);
    EXPECT("eventfd F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);

    /* A blocking read woken by another process's write. */
    pid_t child = fork();
    if (child == 0) { sleep_ms(100); put(fd, 42); _exit(0); }
    EXPECT("blocking read", take(fd), 8);
    EXPECT("blocking read value", got_value, 42);
    int status;
    waitpid(child, &status, 0);

    /* A blocking write woken by a read. */
    EXPECT("fill", put(fd, UINT64_MAX - 1), 8);
    child = fork();
    if (child == 0) { sleep_ms(100); take(fd); _exit(0); }
    EXPECT("blocking write", put(fd, 9), 8);
    waitpid(child, &status, 0);
    EXPECT("after blocking write", take(fd), 8);
    EXPECT("after blocking write value", got_value, 9);

    /* A signal ends a blocked read: EINTR without SA_RESTART. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    alarm(1);
    EXPECT("read interrupted", take(fd), -EINTR);

    /* poll/epoll wake on a write from another process. */
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 7 }, out;
    EXPECT("epoll_ctl", rv(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)), 0);
    EXPECT("epoll nothing", epoll_wait(ep, &out, 1, 0), 0);
    child = fork();
    if (child == 0) { sleep_ms(100); put(fd, 1); _exit(0); }
    EXPECT("epoll wakes", epoll_wait(ep, &out, 1, 5000), 1);
    EXPECT("epoll data", out.data.u64, 7);
    EXPECT("epoll events", out.events, EPOLLIN);
    waitpid(child, &status, 0);
    take(fd);
    child = fork();
    if (child == 0) { sleep_ms(100); put(fd, 1); _exit(0); }
    struct pollfd p = { fd, POLLIN, 0 };
    EXPECT("poll wakes", poll(&p, 1, 5000), 1);
    EXPECT("poll revents", p.revents, POLLIN);
    waitpid(child, &status, 0);
    close(ep);
    close(fd);

    printf("eventfd: %d wrong\n", wrong);
    return wrong != 0;
}
