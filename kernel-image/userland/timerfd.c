/* timerfd as Linux gives it (fs/timerfd.c): timerfd_create's clocks and flags (EINVAL for
   others, TFD_CLOEXEC, TFD_NONBLOCK), timerfd_settime's checks in Linux's order (EFAULT, EINVAL
   for flags and out-of-range timespecs, EBADF, EINVAL for a descriptor of another kind), the
   old setting it answers, relative and TFD_TIMER_ABSTIME deadlines on CLOCK_MONOTONIC and
   CLOCK_REALTIME, interval timers counting every period passed, read's 8-byte count (EINVAL
   shorter, EAGAIN when none and non-blocking, a blocking read woken by the expiry, a signal
   ending it with EINTR), gettime's remaining time and interval, disarming, poll and epoll
   readiness, the /proc/self/fd link and fstat. Times are checked within generous bounds (the
   test must pass on a loaded TCG machine). Run on Linux too (musl-gcc -static): "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "timerfd: %s: got %ld (0x%lx), want %ld (0x%lx)\n", what, g_, g_, w_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static long now_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR) { }
}

static struct itimerspec spec(long value_ms, long interval_ms)
{
    struct itimerspec s;
    s.it_value.tv_sec = value_ms / 1000;
    s.it_value.tv_nsec = (value_ms % 1000) * 1000000L;
    s.it_interval.tv_sec = interval_ms / 1000;
    s.it_interval.tv_nsec = (interval_ms % 1000) * 1000000L;
    return s;
}

static long ms_of(struct timespec t) { return t.tv_sec * 1000 + t.tv_nsec / 1000000; }

static uint64_t got_count;
static long take(int fd) { got_count = 0; return rv(read(fd, &got_count, 8)); }

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    /* Creation. */
    EXPECT("bad clock", rv(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0)), -EINVAL);
    EXPECT("clock 99", rv(timerfd_create(99, 0)), -EINVAL);
    EXPECT("bad flag", rv(timerfd_create(CLOCK_MONOTONIC, 1)), -EINVAL);
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    EXPECT("create", fd >= 0, 1);
    EXPECT("FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
    int boot = timerfd_create(CLOCK_BOOTTIME, 0);
    EXPECT("CLOCK_BOOTTIME", boot >= 0, 1);
    close(boot);

    /* Disarmed. */
    struct itimerspec cur, old, s;
    memset(&cur, 0x55, sizeof cur);
    EXPECT("gettime disarmed", rv(timerfd_gettime(fd, &cur)), 0);
    EXPECT("disarmed value", cur.it_value.tv_sec | cur.it_value.tv_nsec, 0);
    EXPECT("disarmed interval", cur.it_interval.tv_sec | cur.it_interval.tv_nsec, 0);
    EXPECT("read disarmed", take(fd), -EAGAIN);
    EXPECT("read 4 bytes", rv(read(fd, &got_count, 4)), -EINVAL);
    EXPECT("write", rv(write(fd, &got_count, 8)), -EINVAL);

    /* settime's checks, in Linux's order. */
    s = spec(100, 0);
    EXPECT("settime bad new", rv(timerfd_settime(fd, 0, (void *)8, 0)), -EFAULT);
    EXPECT("settime bad flags", rv(timerfd_settime(fd, 4, &s, 0)), -EINVAL);
    s.it_value.tv_nsec = 1000000000;
    EXPECT("settime nsec 1e9", rv(timerfd_settime(fd, 0, &s, 0)), -EINVAL);
    s = spec(100, 0);
    s.it_interval.tv_sec = -1;
    EXPECT("settime negative interval", rv(timerfd_settime(fd, 0, &s, 0)), -EINVAL);
    s = spec(100, 0);
    EXPECT("settime bad fd", rv(timerfd_settime(99, 0, &s, 0)), -EBADF);
    EXPECT("settime stdin", rv(timerfd_settime(0, 0, &s, 0)), -EINVAL);
    EXPECT("gettime stdin", rv(timerfd_gettime(0, &cur)), -EINVAL);
    EXPECT("gettime bad fd", rv(timerfd_gettime(99, &cur)), -EBADF);
    EXPECT("gettime bad pointer", rv(timerfd_gettime(fd, (void *)8)), -EFAULT);

    /* A one-shot relative timer. */
    s = spec(300, 0);
    memset(&old, 0x55, sizeof old);
    EXPECT("arm 300 ms", rv(timerfd_settime(fd, 0, &s, &old)), 0);
    EXPECT("old value", old.it_value.tv_sec | old.it_value.tv_nsec, 0);
    EXPECT("gettime armed", rv(timerfd_gettime(fd, &cur)), 0);
    long left = ms_of(cur.it_value);
    EXPECT("remaining within 300 ms", left > 0 && left <= 300, 1);
    EXPECT("read before expiry", take(fd), -EAGAIN);
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    EXPECT("poll before expiry", poll(&p, 1, 0), 0);
    long start = now_ms(CLOCK_MONOTONIC);
    EXPECT("poll until expiry", poll(&p, 1, 5000), 1);
    EXPECT("poll revents", p.revents, POLLIN);
    EXPECT("poll waited", now_ms(CLOCK_MONOTONIC) - start >= 150, 1);
    EXPECT("read one expiry", take(fd), 8);
    EXPECT("one expiry", got_count, 1);
    EXPECT("read again", take(fd), -EAGAIN);
    EXPECT("gettime expired", rv(timerfd_gettime(fd, &cur)), 0);
    EXPECT("expired value", cur.it_value.tv_sec | cur.it_value.tv_nsec, 0);

    /* An interval timer counts every period passed; settime answers the old setting and
       resets the count; a zero value disarms. */
    s = spec(50, 50);
    EXPECT("arm interval", rv(timerfd_settime(fd, 0, &s, 0)), 0);
    sleep_ms(280);
    EXPECT("read periods", take(fd), 8);
    EXPECT("periods passed", got_count >= 4 && got_count <= 8, 1);
    EXPECT("gettime interval", rv(timerfd_gettime(fd, &cur)), 0);
    EXPECT("interval", ms_of(cur.it_interval), 50);
    EXPECT("next within the period", ms_of(cur.it_value) <= 50, 1);
    sleep_ms(120);
    s = spec(0, 0);
    EXPECT("disarm", rv(timerfd_settime(fd, 0, &s, &old)), 0);
    EXPECT("old interval", ms_of(old.it_interval), 50);
    EXPECT("old value within the period", ms_of(old.it_value) <= 50, 1);
    EXPECT("count reset by settime", take(fd), -EAGAIN);
    EXPECT("gettime disarmed again", rv(timerfd_gettime(fd, &cur)), 0);
    EXPECT("disarmed: no interval", ms_of(cur.it_interval), 0);

    /* Absolute deadlines: one already past expires at once; one ahead is remaining time. */
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    s = spec(0, 0);
    s.it_value.tv_sec = t.tv_sec > 1 ? t.tv_sec - 1 : 0;
    s.it_value.tv_nsec = 1;
    EXPECT("absolute past", rv(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, 0)), 0);
    EXPECT("absolute past read", take(fd), 8);
    EXPECT("absolute past count", got_count, 1);
    s = spec(0, 0);
    s.it_value.tv_sec = t.tv_sec + 10;
    EXPECT("absolute ahead", rv(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, 0)), 0);
    timerfd_gettime(fd, &cur);
    EXPECT("absolute remaining", cur.it_value.tv_sec >= 8 && cur.it_value.tv_sec <= 10, 1);
    close(fd);

    /* CLOCK_REALTIME absolute, blocking read woken by the expiry. */
    fd = timerfd_create(CLOCK_REALTIME, 0);
    EXPECT("realtime create", fd >= 0, 1);
    clock_gettime(CLOCK_REALTIME, &t);
    long ns = t.tv_nsec + 200000000L;
    s = spec(0, 0);
    s.it_value.tv_sec = t.tv_sec + ns / 1000000000L;
    s.it_value.tv_nsec = ns % 1000000000L;
    EXPECT("realtime absolute", rv(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, 0)), 0);
    start = now_ms(CLOCK_MONOTONIC);
    EXPECT("blocking read", take(fd), 8);
    EXPECT("blocking read count", got_count, 1);
    EXPECT("blocking read waited", now_ms(CLOCK_MONOTONIC) - start >= 100, 1);

    /* A signal ends a blocked read: EINTR without SA_RESTART. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    s = spec(10000, 0);
    timerfd_settime(fd, 0, &s, 0);
    alarm(1);
    EXPECT("read interrupted", take(fd), -EINTR);

    /* epoll wakes at the expiry. */
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 5 }, out;
    EXPECT("epoll_ctl", rv(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)), 0);
    s = spec(100, 0);
    timerfd_settime(fd, 0, &s, 0);
    EXPECT("epoll nothing yet", epoll_wait(ep, &out, 1, 0), 0);
    EXPECT("epoll wakes", epoll_wait(ep, &out, 1, 5000), 1);
    EXPECT("epoll data", out.data.u64, 5);
    EXPECT("epoll events", out.events, EPOLLIN);
    close(ep);

    /* Name and status. */
    char link[64] = { 0 }, path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    EXPECT("readlink length", rv(readlink(path, link, sizeof link - 1)), 20);
    EXPECT("readlink text", strcmp(link, "anon_inode:[timerfd]"), 0);
    struct stat st;
    EXPECT("fstat", rv(fstat(fd, &st)), 0);
    EXPECT("fstat mode", st.st_mode & 0777, 0600);
    close(fd);

    printf("timerfd: %d wrong\n", wrong);
    return wrong != 0;
}
