/* Clocks, sleeps and CPU time as Linux x86-64 answers them: clock_gettime/clock_getres for
 * every clock, the CPU clocks counting the process's own work, clock_settime (root sets
 * REALTIME; MONOTONIC is EINVAL; non-root EPERM), clock_nanosleep relative and TIMER_ABSTIME
 * on REALTIME and MONOTONIC, EINTR with the time left, nanosleep, times, getrusage (self and
 * children), sysinfo. Hostile arguments: bad clocks, nanoseconds out of range, bad pointers.
 * Prints "clocks: N wrong" (0 on Linux and on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("clocks: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static void expect_true(const char *what, int ok, long actual)
{
    if (!ok) { printf("clocks: %s: actual %ld\n", what, actual); wrong++; }
}

/* The raw call's answer: the result, or -errno. */
static long sys(long n, long a, long b, long c, long d)
{
    long r = syscall(n, a, b, c, d);
    return r < 0 ? -errno : r;
}

#define BAD ((long)0x10) /* an unmapped address */

static long ns_of(struct timespec t) { return t.tv_sec * 1000000000L + t.tv_nsec; }
static long now_ns(clockid_t c) { struct timespec t; clock_gettime(c, &t); return ns_of(t); }

static volatile unsigned long sink;
/* Works until the process CPU clock has moved ms milliseconds (a loaded machine gives the
   process only part of the wall time); gives up after 10 s of wall time. Answers the wall time. */
static long burn_ms(long ms)
{
    long cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID), wall = now_ns(CLOCK_MONOTONIC);
    while (now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu < ms * 1000000L && now_ns(CLOCK_MONOTONIC) - wall < 10000000000L)
        for (int i = 0; i < 10000; i++) sink += i;
    return now_ns(CLOCK_MONOTONIC) - wall;
}

static void on_alarm(int s) { (void)s; }

static void arm_ms(long ms)
{
    struct itimerval v = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
    setitimer(ITIMER_REAL, &v, 0);
}

int main(void)
{
    struct timespec t;
    static const int clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
        CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "clock_gettime(%d)", clocks[i]);
        expect(what, 0, sys(SYS_clock_gettime, clocks[i], (long)&t, 0, 0));
        snprintf(what, sizeof what, "clock_getres(%d)", clocks[i]);
        t.tv_sec = -1;
        expect(what, 0, sys(SYS_clock_getres, clocks[i], (long)&t, 0, 0));
        expect_true("a resolution of at most 10 ms", t.tv_sec == 0 && t.tv_nsec > 0 && t.tv_nsec <= 10000000, t.tv_nsec);
    }
    expect("clock_gettime(unknown clock 99)", -EINVAL, sys(SYS_clock_gettime, 99, (long)&t, 0, 0));
    expect("clock_gettime(bad pointer)", -EFAULT, sys(SYS_clock_gettime, CLOCK_MONOTONIC, BAD, 0, 0));
    expect("clock_getres(NULL)", 0, sys(SYS_clock_getres, CLOCK_MONOTONIC, 0, 0, 0));
    clock_gettime(CLOCK_REALTIME, &t);
    expect_true("REALTIME is after 2020 (the CMOS clock)", t.tv_sec > 1577836800L, t.tv_sec);

    /* CPU clocks count work, not waiting. */
    long cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), thread0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    long wall = burn_ms(200);
    long cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0, thread = now_ns(CLOCK_THREAD_CPUTIME_ID) - thread0;
    expect_true("work: the process CPU clock reached 200 ms within 10 s", cpu >= 200000000L && wall < 10000000000L, cpu);
    expect_true("the CPU time is no more than the wall time (+1 tick)", cpu <= wall + 1000000L, cpu - wall);
    expect_true("the thread CPU clock moved as much (one thread)", thread >= 190000000L && thread <= cpu + 20000000L, thread);
    cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct timespec tenth = { 0, 100000000 };
    nanosleep(&tenth, 0);
    cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    expect_true("100 ms asleep: the CPU clock moved under 30 ms", cpu < 30000000L, cpu);
    clockid_t own;
    expect("clock_getcpuclockid(0)", 0, clock_getcpuclockid(0, &own));
    expect("clock_gettime(own CPU clock id)", 0, sys(SYS_clock_gettime, own, (long)&t, 0, 0));
    expect_true("it reads the process's CPU time", ns_of(t) >= 100000000L, ns_of(t));
    expect("clock_gettime(CPU clock id kind 3)", -EINVAL, sys(SYS_clock_gettime, (long)((~0L << 3) | 3), (long)&t, 0, 0));

    /* clock_settime: root sets REALTIME (to what it reads: harmless); others are EINVAL. */
    clock_gettime(CLOCK_REALTIME, &t);
    expect("clock_settime(REALTIME, now) as root", 0, sys(SYS_clock_settime, CLOCK_REALTIME, (long)&t, 0, 0));
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    expect_true("REALTIME still reads the time set", ns_of(after) - ns_of(t) >= 0 && ns_of(after) - ns_of(t) < 1000000000L, ns_of(after) - ns_of(t));
    expect("clock_settime(MONOTONIC)", -EINVAL, sys(SYS_clock_settime, CLOCK_MONOTONIC, (long)&t, 0, 0));
    struct timespec badns = { 1, 1000000000 };
    expect("clock_settime(nanoseconds 1e9)", -EINVAL, sys(SYS_clock_settime, CLOCK_REALTIME, (long)&badns, 0, 0));
    expect("clock_settime(bad pointer)", -EFAULT, sys(SYS_clock_settime, CLOCK_REALTIME, BAD, 0, 0));
    expect("clock_settime(MONOTONIC, bad pointer): EINVAL before the copy", -EINVAL, sys(SYS_clock_settime, CLOCK_MONOTONIC, BAD, 0, 0));
    expect("clock_settime(PROCESS_CPUTIME_ID)", -EINVAL, sys(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, (long)&t, 0, 0));
    expect("clock_settime(own CPU clock id)", -EPERM, sys(SYS_clock_settime, own, (long)&t, 0, 0));
    expect("clock_settime(own CPU clock id, bad pointer)", -EFAULT, sys(SYS_clock_settime, own, BAD, 0, 0));
    pid_t pid = fork();
    if (pid == 0) {
        if (setuid(1000) != 0) _exit(2);
        _exit(sys(SYS_clock_settime, CLOCK_REALTIME, (long)&t, 0, 0) == -EPERM ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    expect("clock_settime(REALTIME) as uid 1000 is EPERM", 0, status);

    /* clock_nanosleep: relative, absolute, in the past, hostile. */
    struct timespec fifty = { 0, 50000000 };
    long start = now_ns(CLOCK_MONOTONIC);
    expect("clock_nanosleep(MONOTONIC, 50 ms)", 0, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&fifty, 0));
    long took = now_ns(CLOCK_MONOTONIC) - start;
    expect_true("it slept 50-500 ms", took >= 50000000L && took < 500000000L, took);
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_nsec += 50000000; if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    expect("clock_nanosleep(MONOTONIC, TIMER_ABSTIME, now + 50 ms)", 0, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&at, 0));
    expect_true("it woke at or after the time", now_ns(CLOCK_MONOTONIC) >= ns_of(at), now_ns(CLOCK_MONOTONIC) - ns_of(at));
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 50000000; if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    expect("clock_nanosleep(REALTIME, TIMER_ABSTIME, now + 50 ms)", 0, sys(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, (long)&at, 0));
    expect_true("it woke at or after the wall time", now_ns(CLOCK_REALTIME) >= ns_of(at), now_ns(CLOCK_REALTIME) - ns_of(at));
    struct timespec past = { 1, 0 };
    start = now_ns(CLOCK_MONOTONIC);
    expect("clock_nanosleep(REALTIME, TIMER_ABSTIME, 1970)", 0, sys(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, (long)&past, 0));
    expect_true("a time in the past returns at once", now_ns(CLOCK_MONOTONIC) - start < 1000000000L, now_ns(CLOCK_MONOTONIC) - start);
    expect("clock_nanosleep(nanoseconds 1e9)", -EINVAL, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&badns, 0));
    struct timespec negative = { -1, 0 };
    expect("clock_nanosleep(-1 s)", -EINVAL, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&negative, 0));
    expect("clock_nanosleep(TIMER_ABSTIME, -1 s)", -EINVAL, sys(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, (long)&negative, 0));
    expect("clock_nanosleep(unknown clock 99, bad pointer)", -EINVAL, sys(SYS_clock_nanosleep, 99, 0, BAD, 0));
    expect("clock_nanosleep(bad pointer)", -EFAULT, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD, 0));
    expect("clock_nanosleep(THREAD_CPUTIME_ID)", -EOPNOTSUPP, sys(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, (long)&fifty, 0));
    expect("clock_nanosleep(unknown clock 99)", -EINVAL, sys(SYS_clock_nanosleep, 99, 0, (long)&fifty, 0));
    expect("clock_nanosleep(MONOTONIC_RAW)", -EOPNOTSUPP, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, (long)&fifty, 0));
    expect("nanosleep(nanoseconds -1)", -EINVAL, sys(SYS_nanosleep, (long)&(struct timespec){ 0, -1 }, 0, 0, 0));

    /* A signal ends a relative sleep with EINTR and the time left. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    struct timespec second = { 1, 0 }, left = { -1, -1 };
    arm_ms(100);
    start = now_ns(CLOCK_MONOTONIC);
    expect("clock_nanosleep(1 s) with SIGALRM after 100 ms", -EINTR, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&second, (long)&left));
    took = now_ns(CLOCK_MONOTONIC) - start;
    expect_true("it ended after 100-600 ms", took >= 90000000L && took < 600000000L, took);
    expect_true("remain holds 400-910 ms", left.tv_sec == 0 && left.tv_nsec >= 400000000L && left.tv_nsec <= 910000000L, left.tv_sec * 1000000000L + left.tv_nsec);
    left.tv_sec = -1;
    arm_ms(100);
    expect("nanosleep(1 s) with SIGALRM after 100 ms", -EINTR, sys(SYS_nanosleep, (long)&second, (long)&left, 0, 0));
    expect_true("nanosleep's remain holds 400-910 ms", left.tv_sec == 0 && left.tv_nsec >= 400000000L && left.tv_nsec <= 910000000L, left.tv_sec * 1000000000L + left.tv_nsec);
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_nsec += 300000000; if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    arm_ms(100);
    expect("clock_nanosleep(TIMER_ABSTIME) with SIGALRM: EINTR", -EINTR, sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&at, (long)&left));

    /* times and getrusage: own work, and a child's once reaped. */
    struct tms tm;
    long ticks = times(&tm);
    expect_true("times() answers ticks", ticks > 0, ticks);
    expect_true("times: the CPU time of the work above (>= 19 ticks)", tm.tms_utime + tm.tms_stime >= 19, tm.tms_utime + tm.tms_stime);
    expect("times(bad pointer)", -EFAULT, sys(SYS_times, BAD, 0, 0, 0));
    struct rusage ru;
    expect("getrusage(SELF)", 0, getrusage(RUSAGE_SELF, &ru));
    long self_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
    expect_true("getrusage(SELF): 190 ms or more of CPU", self_us >= 190000, self_us);
    expect_true("ru_utime's microseconds below a million", ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000, ru.ru_utime.tv_usec);
    expect("getrusage(CHILDREN)", 0, getrusage(RUSAGE_CHILDREN, &ru));
    long before_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
    pid = fork();
    if (pid == 0) { burn_ms(150); _exit(0); }
    waitpid(pid, &status, 0);
    getrusage(RUSAGE_CHILDREN, &ru);
    long child_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec - before_us;
    expect_true("getrusage(CHILDREN) gained the child's 150 ms", child_us >= 140000 && child_us < 1000000, child_us);
    times(&tm);
    expect_true("times: the children's time too (>= 14 ticks)", tm.tms_cutime + tm.tms_cstime >= 14, tm.tms_cutime + tm.tms_cstime);
    expect("getrusage(5)", -EINVAL, sys(SYS_getrusage, 5, (long)&ru, 0, 0));
    expect("getrusage(bad pointer)", -EFAULT, sys(SYS_getrusage, RUSAGE_SELF, BAD, 0, 0));

    /* sysinfo. */
    struct sysinfo si;
    expect("sysinfo", 0, sysinfo(&si));
    expect_true("uptime above 0", si.uptime > 0, si.uptime);
    expect_true("totalram above freeram above 0", si.totalram > si.freeram && si.freeram > 0, (long)si.freeram);
    expect_true("mem_unit at least 1", si.mem_unit >= 1, si.mem_unit);
    expect_true("procs at least 1", si.procs >= 1, si.procs);
    expect("sysinfo(bad pointer)", -EFAULT, sys(SYS_sysinfo, BAD, 0, 0, 0));

    printf("clocks: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
