/* POSIX threads on musl (pthread_create → clone with CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|
 * SETTLS|PARENT_SETTID|CHILD_CLEARTID): four threads add 10000 each to a mutex-protected
 * counter; a condition variable hands a value over and back; pthread_join returns each
 * thread's result (the CHILD_CLEARTID wake); gettid is distinct per thread and the pid for the
 * first; TLS (__thread) is per thread; tgkill runs the
 * handler on the thread named; exit(2) in a thread ends only it, exit_group (exit()) from a
 * thread ends the process with every thread (one blocked forever), a fault in a thread kills
 * the whole process, kill() to a process whose threads all sleep is delivered. Prints
 * "threads: N wrong" (0 on Linux and on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("threads: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static void expect_true(const char *what, int ok, long actual)
{
    if (!ok) { printf("threads: %s: actual %ld\n", what, actual); wrong++; }
}
static long tid(void) { return syscall(SYS_gettid); }
static void sleep_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000 }; nanosleep(&t, 0); }

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long mine = 7;
static long tids[4];
static long tls_seen[4];

static void *adder(void *arg)
{
    long index = (long)arg;
    tids[index] = tid();
    mine = 100 + index;
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        if (i % 1000 == 0) sched_yield();
    }
    tls_seen[index] = mine;
    return (void *)(index * 11);
}

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int box, box_full;
static void *responder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cv_lock);
    while (!box_full) pthread_cond_wait(&cv, &cv_lock);
    box = box * 2;
    box_full = 2;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&cv_lock);
    return 0;
}

static volatile long handler_tid;
static volatile int handled;
static void on_usr1(int s) { (void)s; handler_tid = tid(); handled++; }
static volatile int stop_sleeper;
static volatile long sleeper_tid;
static void *sleeper(void *arg)
{
    (void)arg;
    sleeper_tid = tid();
    while (!stop_sleeper) sleep_ms(5);
    return (void *)5;
}

static void *thread_exit_only(void *arg) { (void)arg; syscall(SYS_exit, 9); return 0; }
static void *thread_exit_group(void *arg) { (void)arg; sleep_ms(50); exit(3); }
static void *blocked_forever(void *arg) { (void)arg; pthread_mutex_lock(&lock); pthread_mutex_lock(&lock); return 0; }
static void *faulting(void *arg) { (void)arg; sleep_ms(30); *(volatile int *)16 = 1; return 0; }
static void *pausing(void *arg) { (void)arg; for (;;) pause(); }

static int run_child(void (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0) { body(); _exit(0); }
    int status = -1;
    waitpid(pid, &status, 0);
    return status;
}
static void child_thread_exit(void)
{
    pthread_t t;
    pthread_create(&t, 0, thread_exit_only, 0);
    sleep_ms(50);
    _exit(4); /* still here after the thread's exit(2) */
}
static void child_exit_group(void)
{
    pthread_t t, u;
    pthread_mutex_lock(&lock);
    pthread_create(&u, 0, blocked_forever, 0);
    pthread_create(&t, 0, thread_exit_group, 0);
    for (;;) pause();
}
static void child_fault(void)
{
    pthread_t t;
    pthread_create(&t, 0, faulting, 0);
    for (;;) pause();
}
static void child_killed(void)
{
    pthread_t t;
    pthread_create(&t, 0, pausing, 0);
    pthread_create(&t, 0, pausing, 0);
    for (;;) pause();
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    expect("gettid of the first thread is the pid", getpid(), tid());

    /* Four adders. */
    pthread_t t[4];
    for (long i = 0; i < 4; i++) expect("pthread_create", 0, pthread_create(&t[i], 0, adder, (void *)i));
    for (long i = 0; i < 4; i++) {
        void *result = 0;
        expect("pthread_join", 0, pthread_join(t[i], &result));
        expect("the thread's result", i * 11, (long)result);
        expect("its TLS", 100 + i, tls_seen[i]);
    }
    expect("counter", 40000, counter);
    expect("the first thread's TLS is its own", 7, mine);
    for (int i = 0; i < 4; i++) {
        expect_true("tid is not the pid", tids[i] != getpid() && tids[i] > 0, tids[i]);
        for (int j = 0; j < i; j++) expect_true("tids distinct", tids[i] != tids[j], tids[i]);
    }

    /* A condition-variable round trip. */
    pthread_t r;
    pthread_create(&r, 0, responder, 0);
    pthread_mutex_lock(&cv_lock);
    box = 21; box_full = 1;
    pthread_cond_broadcast(&cv);
    while (box_full != 2) pthread_cond_wait(&cv, &cv_lock);
    pthread_mutex_unlock(&cv_lock);
    pthread_join(r, 0);
    expect("the value came back doubled", 42, box);

    /* tgkill to one thread: its handler runs there. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    pthread_t s;
    pthread_create(&s, 0, sleeper, 0);
    while (sleeper_tid == 0) sleep_ms(1);
    expect("tgkill", 0, syscall(SYS_tgkill, getpid(), sleeper_tid, SIGUSR1));
    for (int i = 0; i < 200 && !handled; i++) sleep_ms(5);
    expect("the handler ran once", 1, handled);
    expect("on the thread named", sleeper_tid, handler_tid);
    expect("tgkill to a wrong group", -ESRCH, syscall(SYS_tgkill, getpid() + 100000, sleeper_tid, 0) < 0 ? -errno : 0);
    expect("tgkill to no such thread", -ESRCH, syscall(SYS_tgkill, getpid(), 0x3ffffff0, 0) < 0 ? -errno : 0);
    expect("tgkill signal 0 to the thread", 0, syscall(SYS_tgkill, getpid(), sleeper_tid, 0));
    stop_sleeper = 1;
    void *result = 0;
    pthread_join(s, &result);
    expect("sleeper's result", 5, (long)result);
    expect("tgkill to an ended thread", -ESRCH, syscall(SYS_tgkill, getpid(), sleeper_tid, 0) < 0 ? -errno : 0);

    /* Hostile clones: a thread must share the handlers, and handlers the memory (EINVAL). */
    static char stack[4096];
    expect("clone CLONE_THREAD without CLONE_SIGHAND", -EINVAL,
           syscall(SYS_clone, 0x10000 | 0x100, stack + sizeof stack, 0, 0, 0) < 0 ? -errno : 0);
    expect("clone CLONE_THREAD|CLONE_SIGHAND without CLONE_VM", -EINVAL,
           syscall(SYS_clone, 0x10000 | 0x800, stack + sizeof stack, 0, 0, 0) < 0 ? -errno : 0);

    /* exit(2) in a thread ends it alone; exit_group from a thread ends all (a blocked one too). */
    int status = run_child(child_thread_exit);
    expect("exit(2) in a thread: the process went on", 4 << 8, status);
    status = run_child(child_exit_group);
    expect("exit() in a thread ends the process with its status", 3 << 8, status);
    status = run_child(child_fault);
    expect("a fault in a thread kills the process", SIGSEGV, status & 0x7f);

    /* kill() to a process whose threads all sleep in pause(). */
    pid_t pid = fork();
    if (pid == 0) { child_killed(); _exit(0); }
    sleep_ms(100);
    kill(pid, SIGTERM);
    status = -1;
    waitpid(pid, &status, 0);
    expect("SIGTERM ends a threaded process", SIGTERM, status & 0x7f);

    printf("threads: %d wrong\n", wrong);
    return wrong != 0;
}
