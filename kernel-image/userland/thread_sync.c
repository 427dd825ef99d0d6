/* What pthreads need from the kernel beyond creating a thread, compared with Linux (issue 12):
 * contended mutexes, condition variables (with a monotonic timeout), barriers, an 8-thread
 * create/join and lock storm; robust mutexes whose owner dies without unlocking (a thread that
 * ends by a raw exit, a process that exits or is killed while its thread holds a process-shared
 * one: the kernel's robust-list walk marks FUTEX_OWNER_DIED and wakes a waiter, so the next
 * locker gets EOWNERDEAD), a hand-built list with list_op_pending, get_robust_list by thread
 * id; cancellation (musl's SIGCANCEL through tkill to a thread); per-thread signal masks (a
 * process-directed signal runs on the one thread that does not block it), pthread_kill,
 * sigwait, per-thread sigaltstack; execve from a thread that is not the first; clone3 (as
 * fork, and Linux's size and argument errors); membarrier; rseq (ENOSYS here, Linux may serve
 * it); affinity by thread id; per-thread and whole-process CPU clocks.
 * Prints "thread_sync: N wrong" (0 on Linux and on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("thread_sync: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static void expect_true(const char *what, int ok, long actual)
{
    if (!ok) { printf("thread_sync: %s: actual %ld\n", what, actual); wrong++; }
}
static long tid(void) { return syscall(SYS_gettid); }
static long err(long r) { return r < 0 ? -errno : r; }
static void sleep_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000 }; nanosleep(&t, 0); }
static const char *self_path;

/* ---- contention: 8 threads, a mutex, a condition variable queue, a barrier ---- */
enum { Workers = 8, Rounds = 2000, BarrierRounds = 40 };
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pthread_barrier_t barrier;
static int serial_count[BarrierRounds];
static int phase_seen[Workers][BarrierRounds];
static volatile int phase;

static void *contender(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < Rounds; i++) {
        pthread_mutex_lock(&counter_lock);
        long v = counter;
        if ((i & 63) == 0) sched_yield(); /* hold it across a switch now and then */
        counter = v + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    for (int r = 0; r < BarrierRounds; r++) {
        phase_seen[id][r] = phase;
        int s = pthread_barrier_wait(&barrier);
        if (s == PTHREAD_BARRIER_SERIAL_THREAD) { __atomic_add_fetch(&serial_count[r], 1, __ATOMIC_SEQ_CST); phase = r + 1; }
        else if (s != 0) return (void *)1;
        pthread_barrier_wait(&barrier); /* everyone sees the serial thread's phase change */
    }
    return (void *)(id + 100);
}

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER, q_not_full = PTHREAD_COND_INITIALIZER;
static int queue[4], q_count, q_head;
static long consumed_sum;
enum { Items = 3000 };

static void *producer(void *arg)
{
    long base = (long)arg;
    for (int i = 1; i <= Items / 4; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_count == 4) pthread_cond_wait(&q_not_full, &q_lock);
        queue[(q_head + q_count++) % 4] = (int)(base + i);
        pthread_cond_signal(&q_not_empty);
        pthread_mutex_unlock(&q_lock);
    }
    return 0;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (int i = 0; i < Items / 4; i++) {
        pthread_mutex_lock(&q_lock);
        while (q_count == 0) pthread_cond_wait(&q_not_empty, &q_lock);
        int v = queue[q_head];
        q_head = (q_head + 1) % 4;
        q_count--;
        consumed_sum += v;
        pthread_cond_signal(&q_not_full);
        pthread_mutex_unlock(&q_lock);
    }
    return 0;
}

static void *nothing(void *arg) { return arg; }

static void contention(void)
{
    pthread_t t[Workers];
    pthread_barrier_init(&barrier, 0, Workers);
    for (long i = 0; i < Workers; i++) expect("pthread_create (contender)", 0, pthread_create(&t[i], 0, contender, (void *)i));
    for (long i = 0; i < Workers; i++) {
        void *r = 0;
        pthread_join(t[i], &r);
        expect("contender's result", i + 100, (long)r);
    }
    expect("the counter under the mutex", (long)Workers * Rounds, counter);
    int serial_ok = 1, phase_ok = 1;
    for (int r = 0; r < BarrierRounds; r++) serial_ok &= serial_count[r] == 1;
    for (int i = 0; i < Workers; i++) for (int r = 0; r < BarrierRounds; r++) phase_ok &= phase_seen[i][r] == r;
    expect("one serial thread per barrier round", 1, serial_ok);
    expect("every thread saw every round's phase", 1, phase_ok);
    pthread_barrier_destroy(&barrier);

    pthread_t p[8];
    for (long i = 0; i < 4; i++) pthread_create(&p[i], 0, producer, (void *)(i * 100000));
    for (long i = 4; i < 8; i++) pthread_create(&p[i], 0, consumer, 0);
    for (int i = 0; i < 8; i++) pthread_join(p[i], 0);
    long want = 0;
    for (long i = 0; i < 4; i++) for (int k = 1; k <= Items / 4; k++) want += i * 100000 + k;
    expect("every queued item consumed once", want, consumed_sum);

    /* A create/join storm: 40 rounds of 8. */
    long ok = 0;
    for (int round = 0; round < 40; round++) {
        pthread_t s[8];
        for (long i = 0; i < 8; i++) if (pthread_create(&s[i], 0, nothing, (void *)(i + round)) != 0) s[i] = 0;
        for (long i = 0; i < 8; i++) { void *r = 0; if (s[i] && pthread_join(s[i], &r) == 0 && (long)r == i + round) ok++; }
    }
    expect("storm: threads created and joined with their result", 320, ok);

    /* A timed wait on a monotonic condition variable times out. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_t c;
    pthread_cond_init(&c, &ca);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_nsec += 30 * 1000000;
    if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&m);
    expect("pthread_cond_timedwait times out", ETIMEDOUT, pthread_cond_timedwait(&c, &m, &at));
    pthread_mutex_unlock(&m);
    expect("error-checking mutex: relock is EDEADLK", EDEADLK, ({
        pthread_mutexattr_t a; pthread_mutexattr_init(&a); pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
        static pthread_mutex_t e; pthread_mutex_init(&e, &a); pthread_mutex_lock(&e); int r = pthread_mutex_lock(&e); pthread_mutex_unlock(&e); r; }));
}

/* ---- robust mutexes ---- */
static pthread_mutex_t robust;
static volatile int robust_held;

static void init_robust(pthread_mutex_t *m, int shared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (shared) pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(m, &a);
}

/* Locks and ends by the raw exit system call: musl's pthread_exit never runs, so only the
 * kernel's walk of the robust list can release it (musl registers the list with the kernel
 * for process-shared robust mutexes only; private ones it releases itself in pthread_exit). */
static void *lock_and_vanish(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    robust_held = 1;
    sleep_ms(50); /* main is blocked on the lock by now (or soon: either way EOWNERDEAD) */
    syscall(SYS_exit, 0);
    return 0;
}

static void *robust_list_of_thread(void *arg)
{
    long *out = arg;
    pthread_mutex_lock(&robust); /* registers the list */
    pthread_mutex_unlock(&robust);
    out[0] = tid();
    void *head = 0;
    size_t len = 0;
    syscall(SYS_get_robust_list, 0, &head, &len);
    out[1] = (long)head;
    while (!out[2]) sleep_ms(2);
    return 0;
}

struct shared_page { pthread_mutex_t m; volatile int ready; };

static void *hold_shared(void *arg)
{
    struct shared_page *page = arg;
    pthread_mutex_lock(&page->m);
    page->ready = 1;
    for (;;) pause();
    return 0;
}

static void robust_mutexes(void)
{
    init_robust(&robust, 1);
    pthread_attr_t da;
    pthread_attr_init(&da);
    pthread_attr_setdetachstate(&da, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    expect("robust: thread created", 0, pthread_create(&t, &da, lock_and_vanish, 0));
    while (!robust_held) sleep_ms(1);
    expect("robust: the owner vanished: EOWNERDEAD", EOWNERDEAD, pthread_mutex_lock(&robust));
    expect("robust: made consistent", 0, pthread_mutex_consistent(&robust));
    expect("robust: unlocked", 0, pthread_mutex_unlock(&robust));
    expect("robust: locks normally again", 0, pthread_mutex_lock(&robust));
    pthread_mutex_unlock(&robust);

    /* Not made consistent: the next locker finds it unrecoverable. */
    robust_held = 0;
    init_robust(&robust, 1);
    pthread_create(&t, &da, lock_and_vanish, 0);
    while (!robust_held) sleep_ms(1);
    sleep_ms(80);
    expect("robust: owner gone before the lock", EOWNERDEAD, pthread_mutex_lock(&robust));
    pthread_mutex_unlock(&robust);
    expect("robust: unlocked without consistent: ENOTRECOVERABLE", ENOTRECOVERABLE, pthread_mutex_lock(&robust));

    /* get_robust_list by thread id. */
    init_robust(&robust, 1);
    long out[3] = { 0, 0, 0 };
    pthread_t g;
    pthread_create(&g, 0, robust_list_of_thread, out);
    while (!out[1]) sleep_ms(1);
    void *head = 0;
    size_t len = 0;
    expect("get_robust_list of another thread", 0, err(syscall(SYS_get_robust_list, out[0], &head, &len)));
    expect("its head", out[1], (long)head);
    expect("its length", 24, (long)len);
    expect("get_robust_list of no thread", -ESRCH, err(syscall(SYS_get_robust_list, 0x3ffffff0, &head, &len)));
    expect("get_robust_list to a bad pointer", -EFAULT, err(syscall(SYS_get_robust_list, 0, (void *)16, &len)));
    expect("set_robust_list with a wrong length", -EINVAL, err(syscall(SYS_set_robust_list, head, 23)));
    out[2] = 1;
    pthread_join(g, 0);

    /* Process-shared, in MAP_SHARED memory: a child's thread holds it when the child exits
     * (exit_group ends the thread; its list is walked), and when it is killed. */
    for (int how = 0; how < 2; how++) {
        struct shared_page *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        init_robust(&page->m, 1);
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t h;
            pthread_create(&h, 0, hold_shared, page);
            while (!page->ready) sleep_ms(1);
            if (how == 0) _exit(0);
            for (;;) pause();
        }
        while (!page->ready) sleep_ms(1);
        if (how == 1) kill(pid, SIGKILL);
        /* Locked from here while the child ends: the walk's wake lets this in. */
        expect(how == 0 ? "pshared robust: holder's process exited" : "pshared robust: holder's process killed",
               EOWNERDEAD, pthread_mutex_lock(&page->m));
        pthread_mutex_consistent(&page->m);
        pthread_mutex_unlock(&page->m);
        waitpid(pid, 0, 0);
        munmap(page, 4096);
    }
}

/* A list built by hand (struct robust_list_head: next, futex_offset, list_op_pending):
 * the child's words in shared memory show what the walk did when the child exits. */
struct entry { struct entry *next; long pad; unsigned word; };
static void hand_built_list(void)
{
    struct { struct entry e[4]; void *head[3]; unsigned loose; } *s =
        mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid = fork();
    if (pid == 0) {
        unsigned me = (unsigned)tid();
        long offset = (long)offsetof(struct entry, word);
        s->e[0].word = me | 0x80000000u;  /* held, with waiters */
        s->e[1].word = me + 1;            /* another owner's: untouched */
        s->e[2].word = me;                /* held, no waiters */
        s->e[3].word = me;                /* pending and in the list: visited once, as pending */
        s->loose = 0;                     /* pending with no owner: a wake only, no change */
        s->e[0].next = &s->e[1]; s->e[1].next = &s->e[2]; s->e[2].next = &s->e[3];
        s->e[3].next = (struct entry *)&s->head[0];
        s->head[0] = &s->e[0];
        s->head[1] = (void *)offset;
        s->head[2] = &s->e[3];
        syscall(SYS_set_robust_list, s->head, 24);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    expect("list: held word with waiters", (long)(0x80000000u | 0x40000000u), (long)s->e[0].word);
    expect("list: another owner's word", (long)(unsigned)(pid + 1), (long)s->e[1].word);
    expect("list: held word", 0x40000000, (long)s->e[2].word);
    expect("list: pending word", 0x40000000, (long)s->e[3].word);
    munmap(s, 4096);
}

/* ---- cancellation ---- */
static volatile int cleaned;
static void cleanup(void *arg) { (void)arg; cleaned = 1; }
static void *cancellable(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, 0);
    for (;;) sleep(10);
    pthread_cleanup_pop(0);
    return 0;
}
static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cc = PTHREAD_COND_INITIALIZER;
static void unlock_cm(void *arg) { (void)arg; pthread_mutex_unlock(&cm); }
static void *cancel_in_condwait(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cm);
    pthread_cleanup_push(unlock_cm, 0);
    for (;;) pthread_cond_wait(&cc, &cm);
    pthread_cleanup_pop(0);
    return 0;
}

static void cancellation(void)
{
    pthread_t t;
    pthread_create(&t, 0, cancellable, 0);
    sleep_ms(30);
    expect("pthread_cancel", 0, pthread_cancel(t));
    void *r = 0;
    pthread_join(t, &r);
    expect("cancelled in sleep: PTHREAD_CANCELED", (long)PTHREAD_CANCELED, (long)r);
    expect("its cleanup handler ran", 1, cleaned);
    pthread_create(&t, 0, cancel_in_condwait, 0);
    sleep_ms(30);
    pthread_cancel(t);
    r = 0;
    pthread_join(t, &r);
    expect("cancelled in pthread_cond_wait", (long)PTHREAD_CANCELED, (long)r);
    expect("the mutex came back", 0, pthread_mutex_trylock(&cm));
    pthread_mutex_unlock(&cm);
}

/* ---- signals per thread ---- */
static volatile long usr2_tid, alt_seen;
static char *alt_base;
static void on_usr2(int s)
{
    (void)s;
    usr2_tid = tid();
    char here;
    alt_seen = alt_base && &here >= alt_base && &here < alt_base + 65536;
}
static volatile int worker_ready, worker_stop;
static volatile long worker_tid;
static void *unblocked_worker(void *arg)
{
    (void)arg;
    worker_tid = tid();
    stack_t ss = { .ss_sp = alt_base, .ss_size = 65536, .ss_flags = 0 };
    sigaltstack(&ss, 0);
    worker_ready = 1;
    while (!worker_stop) sleep_ms(2);
    return 0;
}
static void *altstack_of_new_thread(void *arg)
{
    stack_t old;
    sigaltstack(0, &old);
    *(long *)arg = old.ss_flags;
    return 0;
}
static void *sigwaiter(void *arg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    int sig = 0;
    sigwait(&set, &sig);
    *(long *)arg = sig;
    return 0;
}

static void signals(void)
{
    alt_base = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR2, &sa, 0);
    /* The worker sets its own alternate stack: main's and a new thread's stay disabled. */
    pthread_t w;
    pthread_create(&w, 0, unblocked_worker, 0);
    while (!worker_ready) sleep_ms(1);
    stack_t mine;
    sigaltstack(0, &mine);
    expect("main's sigaltstack is not the worker's", SS_DISABLE, mine.ss_flags);
    long new_flags = -1;
    pthread_t n;
    pthread_create(&n, 0, altstack_of_new_thread, &new_flags);
    pthread_join(n, 0);
    expect("a new thread starts without an alternate stack", SS_DISABLE, new_flags);

    /* Main blocks SIGUSR2, the worker (created before) does not: masks are per thread. */
    sigset_t set, saved;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, &saved);
    while (!worker_ready) sleep_ms(1);
    usr2_tid = 0;
    kill(getpid(), SIGUSR2); /* process-directed: only the worker does not block it */
    for (int i = 0; i < 400 && !usr2_tid; i++) sleep_ms(5);
    expect("a process signal runs on the thread that does not block it", worker_tid, usr2_tid);
    expect("on that thread's alternate stack", 1, alt_seen);
    usr2_tid = 0;
    pthread_kill(pthread_self(), SIGUSR2); /* pending for main, which blocks it */
    sleep_ms(20);
    expect("a signal to a blocking thread waits", 0, usr2_tid);
    sigset_t pending;
    sigpending(&pending);
    expect("it is pending for main", 1, sigismember(&pending, SIGUSR2));
    pthread_sigmask(SIG_UNBLOCK, &set, 0);
    expect("unblocked, it ran on main", tid(), usr2_tid);
    worker_stop = 1;
    pthread_join(w, 0);

    /* sigwait in one thread for a signal sent to it (blocked everywhere). */
    sigset_t u1;
    sigemptyset(&u1);
    sigaddset(&u1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &u1, 0);
    long got = 0;
    pthread_t sw;
    pthread_create(&sw, 0, sigwaiter, &got);
    sleep_ms(20);
    pthread_kill(sw, SIGUSR1);
    pthread_join(sw, 0);
    expect("sigwait took the thread's signal", SIGUSR1, got);
    pthread_sigmask(SIG_SETMASK, &saved, 0);
    expect("tkill to a thread of another process's id space", -ESRCH, err(syscall(SYS_tkill, 0x3ffffff0, 0)));
    expect("tkill with tid 0", -EINVAL, err(syscall(SYS_tkill, 0, 0)));
    expect("tgkill with a bad signal", -EINVAL, err(syscall(SYS_tgkill, getpid(), tid(), 65)));
}

/* ---- execve from a thread that is not the first ---- */
static void *exec_from_thread(void *arg)
{
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "%d", getpid());
    char *argv[] = { (char *)self_path, "exec-mode", pid_text, 0 };
    execve(self_path, argv, (char **)arg);
    _exit(99);
}
static void *pause_forever(void *arg) { for (;;) pause(); return arg; }

static void exec_from_non_leader(char **envp)
{
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t a, b;
        pthread_create(&a, 0, pause_forever, 0);
        pthread_create(&b, 0, exec_from_thread, envp);
        for (;;) pause();
    }
    int status = -1;
    waitpid(pid, &status, 0);
    expect("execve from a second thread: the new image runs as the pid, alone", 7 << 8, status);
}

/* ---- clone3 ---- */
struct clone_args_v2 { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup; };
static long clone3(void *args, size_t size) { return err(syscall(435, args, size)); }

static void clone3_calls(void)
{
    struct { struct clone_args_v2 a; char tail[64]; } c;
    memset(&c, 0, sizeof c);
    c.a.exit_signal = SIGCHLD;
    for (int n = 0; n < 3; n++) {
        size_t size = n == 0 ? 64 : n == 1 ? 88 : sizeof c;
        long pid = clone3(&c, size);
        if (pid == 0) _exit(5 + n);
        int status = -1;
        if (pid > 0) waitpid(pid, &status, 0);
        expect_true("clone3 as fork: a child", pid > 0, pid);
        expect("clone3 as fork: its status", (5 + n) << 8, status);
    }
    c.tail[10] = 1;
    expect("clone3: unknown tail bytes not zero", -E2BIG, clone3(&c, sizeof c));
    c.tail[10] = 0;
    expect("clone3: larger than a page", -E2BIG, clone3(&c, 4097));
    expect("clone3: smaller than the first version", -EINVAL, clone3(&c, 63));
    expect("clone3: size 0", -EINVAL, clone3(&c, 0));
    expect("clone3: unreadable", -EFAULT, clone3((void *)16, 64));
    c.a.exit_signal = 65;
    expect("clone3: exit signal above 64", -EINVAL, clone3(&c, 64));
    c.a.exit_signal = 1ull << 32;
    expect("clone3: exit signal's high bits", -EINVAL, clone3(&c, 64));
    c.a.exit_signal = SIGCHLD;
    c.a.flags = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
    expect("clone3: a thread with an exit signal", -EINVAL, clone3(&c, 64));
    c.a.flags = SIGCHLD;
    expect("clone3: a signal in the flags", -EINVAL, clone3(&c, 64));
    c.a.flags = 0;
    c.a.stack = (uint64_t)(uintptr_t)&c;
    expect("clone3: a stack without a size", -EINVAL, clone3(&c, 64));
    c.a.stack = 0;
    c.a.stack_size = 4096;
    expect("clone3: a size without a stack", -EINVAL, clone3(&c, 64));
    c.a.stack_size = 0;
    c.a.set_tid_size = 33;
    c.a.set_tid = (uint64_t)(uintptr_t)&c;
    expect("clone3: set_tid_size above the namespace depth", -EINVAL, clone3(&c, 80));
    c.a.set_tid = 0;
    c.a.set_tid_size = 1;
    expect("clone3: set_tid_size without set_tid", -EINVAL, clone3(&c, 80));
    c.a.set_tid_size = 0;
    c.a.flags = 1ull << 40;
    expect("clone3: an unknown flag", -EINVAL, clone3(&c, 64));
    c.a.flags = CLONE_THREAD | CLONE_SIGHAND;
    c.a.exit_signal = 0;
    expect("clone3: CLONE_SIGHAND without CLONE_VM", -EINVAL, clone3(&c, 64));
}

/* ---- membarrier, rseq, affinity, CPU clocks ---- */
static long membarrier(int cmd, unsigned flags) { return err(syscall(SYS_membarrier, cmd, flags, 0)); }
static void *spin_cpu(void *arg)
{
    struct timespec t, wall0, wall;
    clock_gettime(CLOCK_MONOTONIC, &wall0);
    do {
        for (volatile int i = 0; i < 100000; i++) {}
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        clock_gettime(CLOCK_MONOTONIC, &wall);
    } while (t.tv_sec * 1000000000L + t.tv_nsec < 40000000L && wall.tv_sec - wall0.tv_sec < 20);
    *(long *)arg = t.tv_sec * 1000000000L + t.tv_nsec;
    return 0;
}

static void membarrier_calls(void)
{
    long query = membarrier(0, 0);
    expect("membarrier QUERY (rseq commands aside)", 639, query & ~(128 | 256));
    expect("membarrier PRIVATE_EXPEDITED before registering", -EPERM, membarrier(8, 0));
    expect("membarrier GET_REGISTRATIONS (none)", 0, membarrier(512, 0));
    expect("membarrier REGISTER_PRIVATE_EXPEDITED", 0, membarrier(16, 0));
    expect("membarrier PRIVATE_EXPEDITED", 0, membarrier(8, 0));
    expect("membarrier GLOBAL", 0, membarrier(1, 0));
    expect("membarrier GLOBAL_EXPEDITED", 0, membarrier(2, 0));
    expect("membarrier SYNC_CORE before registering", -EPERM, membarrier(32, 0));
    expect("membarrier a flag", -EINVAL, membarrier(0, 1));
    expect("membarrier an unknown command", -EINVAL, membarrier(3, 0));
    expect("membarrier -1", -EINVAL, membarrier(-1, 0));
    expect("membarrier GET_REGISTRATIONS", 16, membarrier(512, 0));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(membarrier(8, 0) == 0 && membarrier(512, 0) == 16 ? 0 : 1);
    int status = -1;
    waitpid(pid, &status, 0);
    expect("membarrier registration inherited by fork", 0, status);
    long r = err(syscall(SYS_rseq, 0, 0, 0, 0));
    expect_true("rseq: ENOSYS (or Linux's EINVAL for len 0)", r == -ENOSYS || r == -EINVAL, r);
}

static void affinity_calls(void)
{

    /* Affinity by thread id. */
    long out[3] = { 0, 0, 0 };
    pthread_t g;
    init_robust(&robust, 1);
    pthread_create(&g, 0, robust_list_of_thread, out);
    while (!out[0]) sleep_ms(1);
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    long bytes = err(syscall(SYS_sched_getaffinity, out[0], sizeof cpus, &cpus));
    expect_true("sched_getaffinity of a thread: bytes", bytes > 0 && bytes % 8 == 0, bytes);
    expect_true("its mask has a CPU", CPU_COUNT(&cpus) >= 1, CPU_COUNT(&cpus));
    expect("sched_setaffinity of a thread to its mask", 0, err(syscall(SYS_sched_setaffinity, out[0], sizeof cpus, &cpus)));
    expect("sched_getaffinity of no thread", -ESRCH, err(syscall(SYS_sched_getaffinity, 0x3ffffff0, sizeof cpus, &cpus)));
    expect("sched_getaffinity length 0", -EINVAL, err(syscall(SYS_sched_getaffinity, 0, 0, &cpus)));
    expect("sched_getaffinity length not a multiple of 8", -EINVAL, err(syscall(SYS_sched_getaffinity, 0, 12, &cpus)));
    clockid_t other;
    expect("pthread_getcpuclockid", 0, pthread_getcpuclockid(g, &other));
    struct timespec t;
    expect("clock_gettime of another thread's CPU clock", 0, err(clock_gettime(other, &t)));
    out[2] = 1;
    pthread_join(g, 0);

}

static void cpu_clocks(void)
{
    /* A thread's CPU clock is its own; the process clock adds every thread's. */
    struct timespec main0, proc;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &main0);
    long spun = 0;
    pthread_t s;
    pthread_create(&s, 0, spin_cpu, &spun);
    pthread_join(s, 0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &proc);
    long proc_ns = proc.tv_sec * 1000000000L + proc.tv_nsec;
    expect_true("the spinner's thread clock reached 40 ms", spun >= 40000000L, spun);
    expect_true("the process clock counts the ended spinner", proc_ns >= spun, proc_ns);
}

/* argv[1], when given, names the parts to run by letter (a-j, in order below): to replay one. */
static int run(int argc, char **argv, char part) { return argc < 2 || strchr(argv[1], part) != 0; }

int main(int argc, char **argv, char **envp)
{
    if (argc == 3 && strcmp(argv[1], "exec-mode") == 0) {
        /* The image execve started from a thread: it has the pid, and is the only thread. */
        int ok = getpid() == atoi(argv[2]) && tid() == getpid();
        return ok ? 7 : 8;
    }
    setvbuf(stdout, 0, _IONBF, 0);
    self_path = access("/bin/thread_sync.elf", X_OK) == 0 ? "/bin/thread_sync.elf" : "/proc/self/exe";
    if (run(argc, argv, 'a')) contention();
    if (run(argc, argv, 'b')) robust_mutexes();
    if (run(argc, argv, 'c')) hand_built_list();
    if (run(argc, argv, 'd')) cancellation();
    if (run(argc, argv, 'e')) signals();
    if (run(argc, argv, 'f')) exec_from_non_leader(envp);
    if (run(argc, argv, 'g')) clone3_calls();
    if (run(argc, argv, 'h')) membarrier_calls();
    if (run(argc, argv, 'i')) affinity_calls();
    if (run(argc, argv, 'j')) cpu_clocks();
    printf("thread_sync: %d wrong\n", wrong);
    return wrong != 0;
}
