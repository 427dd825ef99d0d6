/* Priority-inheritance futexes as Linux x86-64 answers them (kernel/futex/pi.c): the raw calls
 * (FUTEX_LOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI, FUTEX_LOCK_PI2), their errors (EDEADLK on
 * a lock the caller holds, EPERM unlocking another's (checked before alignment), EAGAIN for a
 * busy trylock, ESRCH for an owner id that names no thread (trylock too), EINVAL misaligned, EFAULT unmapped, ENOSYS for LOCK_PI with
 * FUTEX_CLOCK_REALTIME, ETIMEDOUT on an absolute deadline), the hand-over on unlock (the word
 * names the waiter, FUTEX_WAITERS set), a waiter interrupted by a handler that goes on waiting
 * (the call restarts), a holder that ends with a waiter (the waiter gets the lock), a
 * process-shared lock between two processes, and musl's PTHREAD_PRIO_INHERIT mutexes: a
 * 4-thread counting storm, timedlock, and a robust PI mutex whose owner dies (EOWNERDEAD).
 * Prints "futex_pi: N wrong" (0 on Linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("futex_pi: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static void expect_true(const char *what, int ok, long actual)
{
    if (!ok) { printf("futex_pi: %s: actual %ld (0x%lx)\n", what, actual, actual); wrong++; }
}
static long fx(volatile void *a, long op, const struct timespec *timeout)
{
    long r = syscall(SYS_futex, a, op, 0, timeout, 0, 0);
    return r < 0 ? -errno : r;
}
static long tid(void) { return syscall(SYS_gettid); }
static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) != 0) {}
}
static struct timespec after_ms(clockid_t clock, long ms)
{
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_nsec += (ms % 1000) * 1000000L;
    t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

/* A thread that takes the lock with LOCK_PI and reports. */
struct locker {
    volatile unsigned *word;
    volatile long tid, result, done, hold_ms, exit_holding;
    volatile unsigned seen;
};
static void *lock_thread(void *p)
{
    struct locker *l = p;
    l->tid = tid();
    l->result = fx(l->word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0);
    l->seen = *l->word;
    if (l->exit_holding) { l->done = 1; pthread_exit(0); }
    if (l->hold_ms) sleep_ms(l->hold_ms);
    if (l->result == 0) fx(l->word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0);
    l->done = 1;
    return 0;
}

static volatile int handled;
static void on_usr1(int s) { (void)s; handled++; }

static void wait_blocked(volatile unsigned *word)
{
    /* The waiter has set FUTEX_WAITERS once the kernel queued it. */
    for (int i = 0; i < 2000 && !(*word & FUTEX_WAITERS); i++) sleep_ms(1);
}

static void raw_calls(void)
{
    static volatile unsigned word;
    long me = tid();
    word = 0;
    expect("LOCK_PI on a free word", 0, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("the word names the caller", me, word);
    expect("LOCK_PI again: EDEADLK", -EDEADLK, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("TRYLOCK_PI own: EDEADLK", -EDEADLK, fx(&word, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("UNLOCK_PI", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("the word is 0 again", 0, word);
    expect("UNLOCK_PI of a free word: EPERM", -EPERM, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("TRYLOCK_PI on a free word", 0, fx(&word, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("UNLOCK_PI after trylock", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("LOCK_PI2 on a free word", 0, fx(&word, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, 0));
    expect("UNLOCK_PI after LOCK_PI2", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("shared LOCK_PI (no private flag)", 0, fx(&word, FUTEX_LOCK_PI, 0));
    expect("shared UNLOCK_PI", 0, fx(&word, FUTEX_UNLOCK_PI, 0));

    /* The owner-died bit stays with the word for the next owner. */
    word = FUTEX_OWNER_DIED;
    expect("LOCK_PI on an owner-died word", 0, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("owner-died kept, the caller owns", (long)(FUTEX_OWNER_DIED | me), word);
    word = me;
    expect("UNLOCK_PI", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));

    /* Bad words and arguments. */
    word = 0x3ffffff0; /* names no thread */
    expect("LOCK_PI on an owner id that is no thread: ESRCH", -ESRCH, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("TRYLOCK_PI on an owner id that is no thread: ESRCH", -ESRCH, fx(&word, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("UNLOCK_PI of another's word: EPERM", -EPERM, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    word = 0;
    expect("LOCK_PI misaligned: EINVAL", -EINVAL, fx((char *)&word + 1, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("UNLOCK_PI misaligned, not the owner: EPERM (the owner is checked first)", -EPERM, fx((char *)&word + 2, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("LOCK_PI unmapped: EFAULT", -EFAULT, fx((void *)16, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("UNLOCK_PI unmapped: EFAULT", -EFAULT, fx((void *)16, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("TRYLOCK_PI kernel address: EFAULT", -EFAULT, fx((void *)0xffffffff80000000ul, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect("LOCK_PI with CLOCK_REALTIME: ENOSYS", -ENOSYS, fx(&word, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0));
    expect("LOCK_PI2 with CLOCK_REALTIME", 0, fx(&word, FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME | FUTEX_PRIVATE_FLAG, 0));
    expect("UNLOCK_PI", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    void *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect("LOCK_PI on a read-only page: EFAULT", -EFAULT, fx(ro, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    munmap(ro, 4096);
}


static void contention(void)
{
    static volatile unsigned word;
    long me = tid();
    word = 0;
    expect("LOCK_PI", 0, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    struct locker l = { .word = &word };
    pthread_t t;
    pthread_create(&t, 0, lock_thread, &l);
    wait_blocked(&word);
    expect("a waiter sets FUTEX_WAITERS", (long)(FUTEX_WAITERS | me), word);
    expect("TRYLOCK_PI own while contended: EDEADLK", -EDEADLK, fx(&word, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    /* A timed LOCK_PI from a third thread would need one more; time out on our own word instead below. */
    expect("UNLOCK_PI hands over", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    pthread_join(t, 0);
    expect("the waiter's LOCK_PI", 0, l.result);
    expect_true("the word named the waiter when it returned", (l.seen & FUTEX_TID_MASK) == (unsigned)l.tid, l.seen);
    expect("the word after the waiter's unlock", 0, word);

    /* Deadlines: absolute CLOCK_REALTIME for LOCK_PI, CLOCK_MONOTONIC for LOCK_PI2. */
    struct locker h = { .word = &word, .hold_ms = 600 };
    pthread_create(&t, 0, lock_thread, &h);
    while (!(word & FUTEX_TID_MASK)) sleep_ms(1);
    struct timespec rt = after_ms(CLOCK_REALTIME, 50);
    expect("LOCK_PI past its CLOCK_REALTIME deadline: ETIMEDOUT", -ETIMEDOUT, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, &rt));
    struct timespec mono = after_ms(CLOCK_MONOTONIC, 50);
    expect("LOCK_PI2 past its CLOCK_MONOTONIC deadline: ETIMEDOUT", -ETIMEDOUT, fx(&word, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, &mono));
    struct timespec bad = { 0, 1000000000L };
    expect("LOCK_PI with tv_nsec 1e9: EINVAL", -EINVAL, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, &bad));
    expect("LOCK_PI with an unmapped timeout: EFAULT", -EFAULT, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, (void *)16));
    expect("TRYLOCK_PI held: EAGAIN", -EAGAIN, fx(&word, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    /* Then the untimed LOCK_PI waits for the holder's unlock. */
    expect("LOCK_PI waits for the holder", 0, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    expect_true("and the word names the caller", (word & FUTEX_TID_MASK) == (unsigned)me, word);
    expect("UNLOCK_PI", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    pthread_join(t, 0);
    expect("the word after both", 0, word);
}

static void interrupted(void)
{
    /* A handler (no SA_RESTART) runs during LOCK_PI's wait; the wait goes on (ERESTARTNOINTR). */
    static volatile unsigned word;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    word = 0;
    expect("LOCK_PI", 0, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    struct locker l = { .word = &word };
    pthread_t t;
    pthread_create(&t, 0, lock_thread, &l);
    wait_blocked(&word);
    handled = 0;
    pthread_kill(t, SIGUSR1);
    for (int i = 0; i < 2000 && !handled; i++) sleep_ms(1);
    sleep_ms(20);
    expect("the handler ran", 1, handled);
    expect("the waiter still waits", 0, l.done);
    expect("UNLOCK_PI", 0, fx(&word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    pthread_join(t, 0);
    expect("the interrupted LOCK_PI then took the lock", 0, l.result);

    /* A holder that ends (not robust) with a waiter: the waiter gets the lock. */
    word = 0;
    struct locker dying = { .word = &word, .exit_holding = 1 };
    pthread_create(&t, 0, lock_thread, &dying);
    while (!dying.done) sleep_ms(1);
    sleep_ms(20);
    /* The holder is gone and nobody waited: the word keeps its id, which names no thread now. */
    expect_true("a dead holder's word keeps its id", (word & FUTEX_TID_MASK) == (unsigned)dying.tid, word);
    expect("LOCK_PI on it: ESRCH", -ESRCH, fx(&word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    pthread_join(t, 0);
}

/* Ends while holding, after a waiter queued. */
static volatile unsigned handoff_word;
static void *hold_then_exit(void *p)
{
    (void)p;
    fx(&handoff_word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0);
    while (!(handoff_word & FUTEX_WAITERS)) sleep_ms(1);
    sleep_ms(10);
    pthread_exit(0);
}

static void holder_exit_with_waiter(void)
{
    handoff_word = 0;
    pthread_t t;
    pthread_create(&t, 0, hold_then_exit, 0);
    while (!(handoff_word & FUTEX_TID_MASK)) sleep_ms(1);
    long r = fx(&handoff_word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0);
    expect("LOCK_PI after the holder ended with us waiting", 0, r);
    expect_true("the word names the waiter", (handoff_word & FUTEX_TID_MASK) == (unsigned)tid(), handoff_word);
    expect("UNLOCK_PI", 0, fx(&handoff_word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    pthread_join(t, 0);
}

static void across_processes(void)
{
    volatile unsigned *shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared[0] = 0;
    shared[1] = 0;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        long r = fx(&shared[0], FUTEX_LOCK_PI, 0);
        shared[1] = 1;
        while (!(shared[0] & FUTEX_WAITERS)) sleep_ms(1);
        sleep_ms(10);
        r |= fx(&shared[0], FUTEX_UNLOCK_PI, 0);
        _exit(r == 0 ? 0 : 1);
    }
    while (!shared[1]) sleep_ms(1);
    expect_true("the child's id is in the shared word", (shared[0] & FUTEX_TID_MASK) == (unsigned)child, shared[0]);
    expect("LOCK_PI on the child's shared lock", 0, fx(&shared[0], FUTEX_LOCK_PI, 0));
    expect_true("the word names the parent", (shared[0] & FUTEX_TID_MASK) == (unsigned)getpid(), shared[0]);
    expect("UNLOCK_PI", 0, fx(&shared[0], FUTEX_UNLOCK_PI, 0));
    int status = -1;
    waitpid(child, &status, 0);
    expect("the child's status", 0, status);
    munmap((void *)shared, 4096);
}

static pthread_mutex_t pim;
static long counter;
static void *count_thread(void *p)
{
    (void)p;
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&pim);
        long c = counter;
        if ((i & 63) == 0) sched_yield();
        counter = c + 1;
        pthread_mutex_unlock(&pim);
    }
    return 0;
}
static void *hold_pi(void *p)
{
    pthread_mutex_lock(p);
    sleep_ms(300);
    pthread_mutex_unlock(p);
    return 0;
}
static void *die_holding(void *p)
{
    pthread_mutex_lock(p);
    return 0; /* ends holding a robust mutex */
}

static void musl_mutexes(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    expect("setprotocol(PTHREAD_PRIO_INHERIT)", 0, pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT));
    pthread_mutex_init(&pim, &a);
    pthread_t t[4];
    counter = 0;
    for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, count_thread, 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
    expect("4 threads x 3000 increments under a PI mutex", 12000, counter);

    pthread_mutex_t held;
    pthread_mutex_init(&held, &a);
    pthread_t h;
    pthread_create(&h, 0, hold_pi, &held);
    sleep_ms(50);
    struct timespec until = after_ms(CLOCK_REALTIME, 50);
    expect("timedlock of a held PI mutex", ETIMEDOUT, pthread_mutex_timedlock(&held, &until));
    expect("trylock of a held PI mutex", EBUSY, pthread_mutex_trylock(&held));
    expect("lock waits for the holder", 0, pthread_mutex_lock(&held));
    expect("unlock", 0, pthread_mutex_unlock(&held));
    pthread_join(h, 0);

    pthread_mutex_t robust;
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_create(&h, 0, die_holding, &robust);
    pthread_join(h, 0);
    expect("a robust PI mutex whose owner died: EOWNERDEAD", EOWNERDEAD, pthread_mutex_lock(&robust));
    expect("consistent", 0, pthread_mutex_consistent(&robust));
    expect("unlock", 0, pthread_mutex_unlock(&robust));
    expect("lock again", 0, pthread_mutex_lock(&robust));
    expect("unlock again", 0, pthread_mutex_unlock(&robust));
}

/* A lock held by a thread of a group whose first thread has ended (pthread_exit: Linux keeps
   it as a zombie leader while the others run): the owner is still found by its id, so a
   TRYLOCK_PI is EAGAIN and a LOCK_PI waits (ETIMEDOUT), never ESRCH (attack.thread_storm saw
   ESRCH once). In a child, whose exit status is its count of wrong answers. */
static volatile unsigned leader_word;
static volatile int leader_gone, owner_tid, waiter_done;
static int leader_wrong;
static void leader_expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("futex_pi: (leader ended) %s: expected %ld, actual %ld\n", what, expected, actual); leader_wrong++; }
}
static void *leader_owner(void *p)
{
    (void)p;
    fx(&leader_word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0);
    owner_tid = (int)tid();
    while (!waiter_done) sleep_ms(1);
    leader_expect("UNLOCK_PI by the owner", 0, fx(&leader_word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    return 0;
}
static void *leader_waiter(void *p)
{
    (void)p;
    while (!leader_gone || !owner_tid) sleep_ms(1);
    sleep_ms(50);   /* the first thread is in its exit by now */
    leader_expect("tgkill(pid, owner, 0)", 0, syscall(SYS_tgkill, getpid(), owner_tid, 0));
    long r = fx(&leader_word, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0);
    leader_expect("TRYLOCK_PI of a lock a live thread holds", -EAGAIN, r);
    struct timespec deadline = after_ms(CLOCK_REALTIME, 20);   /* LOCK_PI: absolute, CLOCK_REALTIME */
    r = fx(&leader_word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, &deadline);
    leader_expect("LOCK_PI until a deadline", -ETIMEDOUT, r);
    waiter_done = 1;
    r = fx(&leader_word, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0);
    leader_expect("LOCK_PI once the owner lets go", 0, r);
    leader_expect("the word names the waiter", tid(), leader_word & FUTEX_TID_MASK);
    leader_expect("UNLOCK_PI", 0, fx(&leader_word, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0));
    syscall(SYS_exit_group, leader_wrong > 100 ? 100 : leader_wrong);
    return 0;
}
static void owner_beside_an_ended_leader(void)
{
    pid_t child = fork();
    if (child == 0) {
        pthread_t t;
        pthread_create(&t, 0, leader_owner, 0);
        pthread_create(&t, 0, leader_waiter, 0);
        leader_gone = 1;
        pthread_exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    expect("a child whose first thread ended: exit status (its wrong answers)", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + status);
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    raw_calls();
    contention();
    interrupted();
    holder_exit_with_waiter();
    across_processes();
    musl_mutexes();
    owner_beside_an_ended_leader();
    printf("futex_pi: %d wrong\n", wrong);
    return wrong != 0;
}
