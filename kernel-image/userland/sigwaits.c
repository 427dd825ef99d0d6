/* Waiting for signals and timers as Linux x86-64 answers them: rt_sigsuspend (the mask it
 * waits under, the old one back after), rt_sigpending, rt_sigtimedwait (a pending signal at
 * once with its siginfo, EAGAIN when the timeout runs out, EINTR for another signal), pause,
 * alarm (the seconds left), setitimer/getitimer (ITIMER_REAL with an interval, VIRTUAL and
 * PROF from CPU time), sigaltstack (SA_ONSTACK handlers run on it, SS_ONSTACK inside, EPERM
 * changing it there, ENOMEM, EINVAL, SS_DISABLE). Prints "sigwaits: N wrong" (0 on Linux and
 * on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("sigwaits: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static void expect_true(const char *what, int ok, long actual)
{
    if (!ok) { printf("sigwaits: %s: actual %ld\n", what, actual); wrong++; }
}
static long sys(long n, long a, long b, long c, long d)
{
    long r = syscall(n, a, b, c, d);
    return r < 0 ? -errno : r;
}
#define BAD ((long)0x10)

static long now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000 + t.tv_nsec / 1000000; }

static volatile int caught[65];
static volatile long mask_in_handler;
static void handler(int s)
{
    caught[s]++;
    sigset_t m;
    sigprocmask(SIG_BLOCK, 0, &m);
    mask_in_handler = sigismember(&m, SIGUSR2);
}

static char altstack[65536];
static volatile uintptr_t handler_local;
static volatile int handler_flags, handler_change;
static void on_stack_handler(int s)
{
    volatile char here;
    handler_local = (uintptr_t)&here;
    stack_t now;
    sigaltstack(0, &now);
    handler_flags = now.ss_flags;
    stack_t other = { .ss_sp = altstack, .ss_size = 8192, .ss_flags = 0 };
    handler_change = sigaltstack(&other, 0) == 0 ? 0 : -errno;
    caught[s]++;
}

static volatile int last_code, last_value, last_pid, last_signal;
static void info_handler(int s, siginfo_t *info, void *context)
{
    (void)context;
    last_signal = s;
    last_code = info->si_code;
    last_value = info->si_value.sival_int;
    last_pid = info->si_pid;
}

static void set_handler(int s, void (*h)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigaction(s, &sa, 0);
}

static volatile unsigned long sink;

int main(void)
{
    sigset_t block, old, set;
    set_handler(SIGUSR1, handler, 0);
    set_handler(SIGUSR2, handler, 0);
    set_handler(SIGALRM, handler, 0);

    /* rt_sigpending: blocked and pending. */
    sigemptyset(&block); sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR1);
    sigemptyset(&set);
    expect("sigpending", 0, sigpending(&set));
    expect("SIGUSR1 is pending while blocked", 1, sigismember(&set, SIGUSR1));
    expect("SIGUSR2 is not", 0, sigismember(&set, SIGUSR2));
    expect("its handler has not run", 0, caught[SIGUSR1]);
    expect("rt_sigpending(size 16)", -EINVAL, sys(SYS_rt_sigpending, (long)&set, 16, 0, 0));
    expect("rt_sigpending(bad pointer)", -EFAULT, sys(SYS_rt_sigpending, BAD, 8, 0, 0));

    /* rt_sigsuspend: waits under the given mask, EINTR, the old mask back. */
    sigset_t wait_mask;
    sigemptyset(&wait_mask); sigaddset(&wait_mask, SIGUSR2);
    expect("sigsuspend runs the pending SIGUSR1's handler: EINTR", -EINTR, sigsuspend(&wait_mask) < 0 ? -errno : 0);
    expect("the handler ran once", 1, caught[SIGUSR1]);
    expect("inside it the suspend mask held (SIGUSR2 blocked)", 1, mask_in_handler);
    sigset_t now;
    sigprocmask(SIG_BLOCK, 0, &now);
    expect("after it SIGUSR1 is blocked again (the old mask)", 1, sigismember(&now, SIGUSR1));
    expect("and SIGUSR2 is not", 0, sigismember(&now, SIGUSR2));
    expect("rt_sigsuspend(size 4)", -EINVAL, sys(SYS_rt_sigsuspend, (long)&wait_mask, 4, 0, 0));
    expect("rt_sigsuspend(bad pointer)", -EFAULT, sys(SYS_rt_sigsuspend, BAD, 8, 0, 0));
    alarm(1);
    long start = now_ms();
    sigemptyset(&wait_mask);
    expect("sigsuspend woken by an alarm", -EINTR, sigsuspend(&wait_mask) < 0 ? -errno : 0);
    expect_true("after about a second", now_ms() - start >= 900 && now_ms() - start < 3000, now_ms() - start);
    expect("SIGALRM's handler ran", 1, caught[SIGALRM]);

    /* rt_sigtimedwait. */
    struct timespec zero = { 0, 0 }, tenth = { 0, 100000000 };
    siginfo_t info;
    kill(getpid(), SIGUSR1);
    memset(&info, 0xff, sizeof info);
    sigemptyset(&set); sigaddset(&set, SIGUSR1);
    expect("sigtimedwait takes the pending SIGUSR1", SIGUSR1, sigtimedwait(&set, &info, &zero));
    expect("si_signo", SIGUSR1, info.si_signo);
    expect("si_code SI_USER", SI_USER, info.si_code);
    expect("si_pid", getpid(), info.si_pid);
    expect("its handler did not run", 1, caught[SIGUSR1]);
    expect("sigtimedwait(timeout 0), nothing pending: EAGAIN", -EAGAIN, sigtimedwait(&set, &info, &zero) < 0 ? -errno : 0);
    start = now_ms();
    expect("sigtimedwait(100 ms), nothing pending: EAGAIN", -EAGAIN, sigtimedwait(&set, &info, &tenth) < 0 ? -errno : 0);
    expect_true("after 100 ms or more", now_ms() - start >= 95 && now_ms() - start < 1000, now_ms() - start);
    struct itimerval in50 = { { 0, 0 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &in50, 0);
    struct timespec two = { 2, 0 };
    start = now_ms();
    /* The raw call: musl's sigtimedwait retries after EINTR. */
    expect("rt_sigtimedwait interrupted by SIGALRM (not in the set): EINTR", -EINTR, sys(SYS_rt_sigtimedwait, (long)&set, (long)&info, (long)&two, 8));
    expect_true("after about 50 ms", now_ms() - start < 1000, now_ms() - start);
    expect("SIGALRM's handler ran", 2, caught[SIGALRM]);
    sigemptyset(&block); sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, 0);
    sigaddset(&set, SIGALRM);
    setitimer(ITIMER_REAL, &in50, 0);
    expect("sigtimedwait for a blocked SIGALRM from a timer", SIGALRM, sigtimedwait(&set, &info, &two));
    expect("si_code SI_KERNEL for a timer's signal", SI_KERNEL, info.si_code);
    expect("the handler did not run", 2, caught[SIGALRM]);
    sigprocmask(SIG_UNBLOCK, &block, 0);
    struct timespec badns = { 0, 1000000000 };
    expect("sigtimedwait(nanoseconds 1e9)", -EINVAL, sys(SYS_rt_sigtimedwait, (long)&set, 0, (long)&badns, 8));
    expect("rt_sigtimedwait(size 16)", -EINVAL, sys(SYS_rt_sigtimedwait, (long)&set, 0, (long)&zero, 16));
    expect("rt_sigtimedwait(bad set)", -EFAULT, sys(SYS_rt_sigtimedwait, BAD, 0, (long)&zero, 8));
    expect("rt_sigtimedwait(bad timeout)", -EFAULT, sys(SYS_rt_sigtimedwait, (long)&set, 0, BAD, 8));
    kill(getpid(), SIGUSR1);
    expect("rt_sigtimedwait(bad info) still takes the signal: EFAULT", -EFAULT, sys(SYS_rt_sigtimedwait, (long)&set, BAD, (long)&zero, 8));
    sigpending(&now);
    expect("SIGUSR1 no longer pending", 0, sigismember(&now, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, 0);

    /* pause and alarm. */
    expect("alarm(5) with none pending answers 0", 0, alarm(5));
    expect("alarm(1) answers the 5 s left", 5, alarm(1));
    start = now_ms();
    expect("pause until the alarm: EINTR", -EINTR, pause() < 0 ? -errno : 0);
    expect_true("after about a second", now_ms() - start >= 900 && now_ms() - start < 3000, now_ms() - start);
    expect("alarm(0) after it fired answers 0", 0, alarm(0));
    alarm(10);
    expect("alarm(0) cancels and answers 10", 10, alarm(0));
    struct itimerval value;
    getitimer(ITIMER_REAL, &value);
    expect("no timer after alarm(0)", 0, value.it_value.tv_sec + value.it_value.tv_usec);

    /* setitimer / getitimer. */
    int before = caught[SIGALRM];
    struct itimerval every = { { 0, 30000 }, { 0, 30000 } }, got;
    expect("setitimer(REAL, 30 ms every 30 ms)", 0, setitimer(ITIMER_REAL, &every, 0));
    expect("getitimer(REAL)", 0, getitimer(ITIMER_REAL, &got));
    expect("its interval", 30000, got.it_interval.tv_usec);
    expect_true("its value at most 30 ms", got.it_value.tv_sec == 0 && got.it_value.tv_usec > 0 && got.it_value.tv_usec <= 30000, got.it_value.tv_usec);
    start = now_ms();
    while (caught[SIGALRM] - before < 3 && now_ms() - start < 3000) pause();
    expect("three SIGALRMs from the interval", 3, caught[SIGALRM] - before);
    expect_true("in 90 ms or more", now_ms() - start >= 85, now_ms() - start);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    expect("setitimer(REAL, 0) answers the old timer", 0, setitimer(ITIMER_REAL, &off, &got));
    expect("the old interval", 30000, got.it_interval.tv_usec);
    struct itimerval badus = { { 0, 0 }, { 0, 1000000 } };
    expect("setitimer(usec 1e6)", -EINVAL, setitimer(ITIMER_REAL, &badus, 0) < 0 ? -errno : 0);
    expect("setitimer(which 3)", -EINVAL, sys(SYS_setitimer, 3, (long)&every, 0, 0));
    expect("getitimer(which 3)", -EINVAL, sys(SYS_getitimer, 3, (long)&got, 0, 0));
    expect("getitimer(bad pointer)", -EFAULT, sys(SYS_getitimer, ITIMER_REAL, BAD, 0, 0));
    expect("setitimer(bad pointer)", -EFAULT, sys(SYS_setitimer, ITIMER_REAL, BAD, 0, 0));
    expect("setitimer(which 3, bad pointer): the copy first", -EFAULT, sys(SYS_setitimer, 3, BAD, 0, 0));
    expect("setitimer(which 3, usec 1e6): the check first", -EINVAL, sys(SYS_setitimer, 3, (long)&badus, 0, 0));
    set_handler(SIGVTALRM, handler, 0);
    set_handler(SIGPROF, handler, 0);
    struct itimerval cpu50 = { { 0, 0 }, { 0, 50000 } };
    expect("setitimer(VIRTUAL, 50 ms)", 0, setitimer(ITIMER_VIRTUAL, &cpu50, 0));
    expect("setitimer(PROF, 50 ms)", 0, setitimer(ITIMER_PROF, &cpu50, 0));
    getitimer(ITIMER_VIRTUAL, &got);
    /* Linux rounds a CPU timer up to its tick (4 ms at HZ=250): up to 60 ms. */
    expect_true("getitimer(VIRTUAL) about 50 ms", got.it_value.tv_sec == 0 && got.it_value.tv_usec > 0 && got.it_value.tv_usec <= 60000, got.it_value.tv_usec);
    start = now_ms();
    while ((!caught[SIGVTALRM] || !caught[SIGPROF]) && now_ms() - start < 10000) for (int i = 0; i < 10000; i++) sink += i;
    expect("SIGVTALRM after 50 ms of user time", 1, caught[SIGVTALRM]);
    expect("SIGPROF after 50 ms of CPU time", 1, caught[SIGPROF]);
    getitimer(ITIMER_PROF, &got);
    expect("PROF disarmed after firing once", 0, got.it_value.tv_sec + got.it_value.tv_usec);

    /* sigaltstack. */
    stack_t ss, oss;
    expect("sigaltstack(NULL, &old)", 0, sigaltstack(0, &oss));
    expect("no stack at first: SS_DISABLE", SS_DISABLE, oss.ss_flags);
    ss.ss_sp = altstack; ss.ss_size = 1024; ss.ss_flags = 0;
    expect("sigaltstack(1024 bytes): ENOMEM", -ENOMEM, sigaltstack(&ss, 0) < 0 ? -errno : 0);
    ss.ss_size = sizeof altstack; ss.ss_flags = 4;
    expect("sigaltstack(flags 4): EINVAL", -EINVAL, sigaltstack(&ss, 0) < 0 ? -errno : 0);
    expect("sigaltstack(bad pointer): EFAULT", -EFAULT, sys(SYS_sigaltstack, BAD, 0, 0, 0));
    ss.ss_flags = 0;
    expect("sigaltstack(64 KiB)", 0, sigaltstack(&ss, 0));
    sigaltstack(0, &oss);
    expect("it reads back: base", (long)altstack, (long)oss.ss_sp);
    expect("size", sizeof altstack, oss.ss_size);
    expect("flags 0 (not on it)", 0, oss.ss_flags);
    set_handler(SIGUSR2, on_stack_handler, SA_ONSTACK);
    kill(getpid(), SIGUSR2);
    expect("the SA_ONSTACK handler ran", 1, caught[SIGUSR2]);
    expect_true("on the alternate stack", handler_local >= (uintptr_t)altstack && handler_local < (uintptr_t)altstack + sizeof altstack, (long)(handler_local - (uintptr_t)altstack));
    expect("sigaltstack inside says SS_ONSTACK", SS_ONSTACK, handler_flags);
    expect("changing it there: EPERM", -EPERM, handler_change);
    set_handler(SIGUSR1, on_stack_handler, 0);
    kill(getpid(), SIGUSR1);
    expect_true("a handler without SA_ONSTACK stays on the normal stack", handler_local < (uintptr_t)altstack || handler_local >= (uintptr_t)altstack + sizeof altstack, (long)handler_local);
    expect("and may change the stack (not on it)", 0, handler_change);
    ss.ss_flags = SS_DISABLE;
    expect("sigaltstack(SS_DISABLE)", 0, sigaltstack(&ss, 0));
    sigaltstack(0, &oss);
    expect("disabled", SS_DISABLE, oss.ss_flags);
    kill(getpid(), SIGUSR2);
    expect_true("SA_ONSTACK with no stack: the normal stack", handler_local < (uintptr_t)altstack || handler_local >= (uintptr_t)altstack + sizeof altstack, (long)handler_local);

    /* sigqueue / rt_sigqueueinfo: si_code SI_QUEUE and the value reach an SA_SIGINFO handler. */
    struct sigaction si_action;
    memset(&si_action, 0, sizeof si_action);
    si_action.sa_sigaction = info_handler;
    si_action.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &si_action, 0);
    expect("sigqueue(self, SIGUSR1, 42)", 0, sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 42 }));
    expect("the handler saw si_code SI_QUEUE", SI_QUEUE, last_code);
    expect("and si_value 42", 42, last_value);
    expect("and si_pid", getpid(), last_pid);
    kill(getpid(), SIGUSR1);
    expect("a kill after it: si_code SI_USER", SI_USER, last_code);
    alarm(0);
    sigaction(SIGALRM, &si_action, 0);
    struct itimerval in10 = { { 0, 0 }, { 0, 10000 } };
    setitimer(ITIMER_REAL, &in10, 0);
    start = now_ms();
    while (last_signal != SIGALRM && now_ms() - start < 2000) pause();
    expect("a timer's SIGALRM: si_code SI_KERNEL", SI_KERNEL, last_code);
    siginfo_t qi;
    memset(&qi, 0, sizeof qi);
    qi.si_code = SI_QUEUE;
    qi.si_pid = getpid();
    qi.si_value.sival_int = 7;
    pid_t other = fork();
    if (other == 0) { pause(); _exit(0); }
    expect("rt_sigqueueinfo(SI_QUEUE) to another process", 0, sys(SYS_rt_sigqueueinfo, other, 0, (long)&qi, 0));
    qi.si_code = SI_USER;
    expect("rt_sigqueueinfo(SI_USER) to another process: EPERM", -EPERM, sys(SYS_rt_sigqueueinfo, other, SIGUSR1, (long)&qi, 0));
    qi.si_code = SI_TKILL;
    expect("rt_sigqueueinfo(SI_TKILL) to another process: EPERM", -EPERM, sys(SYS_rt_sigqueueinfo, other, SIGUSR1, (long)&qi, 0));
    qi.si_code = SI_QUEUE;
    expect("rt_sigqueueinfo(signal 65)", -EINVAL, sys(SYS_rt_sigqueueinfo, other, 65, (long)&qi, 0));
    expect("rt_sigqueueinfo(no such pid)", -ESRCH, sys(SYS_rt_sigqueueinfo, 999999, SIGUSR1, (long)&qi, 0));
    expect("rt_sigqueueinfo(bad pointer)", -EFAULT, sys(SYS_rt_sigqueueinfo, other, SIGUSR1, BAD, 0));
    expect("rt_sigqueueinfo(SIGTERM) ends the other process", 0, sys(SYS_rt_sigqueueinfo, other, SIGTERM, (long)&qi, 0));
    int status = 0;
    waitpid(other, &status, 0);
    expect("it ended by SIGTERM", SIGTERM, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    qi.si_code = SI_USER;
    expect("rt_sigqueueinfo(SI_USER) to itself", 0, sys(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (long)&qi, 0));
    expect("si_value as given", 7, last_value);

    /* An ignored signal is discarded: it does not stay pending when blocked later. */
    signal(SIGUSR1, SIG_IGN);
    kill(getpid(), SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, 0);
    sigpending(&now);
    expect("an ignored signal is not pending", 0, sigismember(&now, SIGUSR1));

    printf("sigwaits: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
