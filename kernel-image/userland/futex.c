/* futex(2) as Linux x86-64 answers it: FUTEX_WAIT (EAGAIN when the word differs, a relative
 * timeout, EINTR on a signal), FUTEX_WAKE (how many, the count-0-wakes-one rule), the bitset
 * pair (absolute CLOCK_MONOTONIC and CLOCK_REALTIME deadlines, bitset matching), REQUEUE and
 * CMP_REQUEUE, WAKE_OP, and the errors (EINVAL misaligned, bitset 0, bad timeout, negative
 * requeue counts; EFAULT for unmapped words and timeouts; ENOSYS for unknown commands and
 * FUTEX_CLOCK_REALTIME on a wake). Shared futexes across processes over MAP_SHARED memory
 * (fork) and System V shared memory attached at two different addresses. The PI family is
 * served (a free lock is taken; futex_pi.c tests the rest). Prints
 * "futex: N wrong" (0 on Linux and on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/futex.h (musl-gcc sees no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_LOCK_PI_PRIVATE (FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("futex: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static void expect_true(const char *what, int ok, long actual)
{
    if (!ok) { printf("futex: %s: actual %ld\n", what, actual); wrong++; }
}
static long fx(volatile void *a, long op, long val, const void *timeout, volatile void *a2, long val3)
{
    long r = syscall(SYS_futex, a, op, val, timeout, a2, val3);
    return r < 0 ? -errno : r;
}
static long fx2(volatile void *a, long op, long val, long val2, volatile void *a2, long val3)
{
    long r = syscall(SYS_futex, a, op, val, val2, a2, val3);
    return r < 0 ? -errno : r;
}
static long now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000 + t.tv_nsec / 1000000; }
static void sleep_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000 }; nanosleep(&t, 0); }

static volatile int caught;
static void on_alarm(int s) { (void)s; caught++; }

/* A child that waits on the shared word while it holds `value` and exits with 0 when woken,
 * 1 on another answer. */
static pid_t waiter(volatile int *word, int value, int op)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec limit = { 5, 0 };
        long r = fx(word, op, value, &limit, 0, 0);
        _exit(r == 0 ? 0 : 1);
    }
    return pid;
}
static int reap(pid_t pid)
{
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

int main(void)
{
    static int word = 5;
    struct timespec ts = { 0, 20 * 1000000 };

    /* The word differs: EAGAIN at once, private and shared. */
    expect("WAIT value differs", -EAGAIN, fx(&word, FUTEX_WAIT, 4, 0, 0, 0));
    expect("WAIT_PRIVATE value differs", -EAGAIN, fx(&word, FUTEX_WAIT_PRIVATE, 4, 0, 0, 0));
    /* Errors. */
    expect("WAIT misaligned", -EINVAL, fx((char *)&word + 1, FUTEX_WAIT, 5, 0, 0, 0));
    expect("WAKE misaligned", -EINVAL, fx((char *)&word + 2, FUTEX_WAKE, 1, 0, 0, 0));
    expect("WAIT unmapped", -EFAULT, fx((void *)0x10, FUTEX_WAIT, 0, 0, 0, 0));
    expect("WAIT_PRIVATE unmapped", -EFAULT, fx((void *)0x10, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
    expect("WAKE shared unmapped", -EFAULT, fx((void *)0x10, FUTEX_WAKE, 1, 0, 0, 0));
    expect("WAKE private unmapped (no access check)", 0, fx((void *)0x10, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    expect("WAIT bad timeout pointer", -EFAULT, fx(&word, FUTEX_WAIT, 5, (void *)0x10, 0, 0));
    struct timespec bad = { 0, 1000000000 };
    expect("WAIT timeout nsec 1e9", -EINVAL, fx(&word, FUTEX_WAIT, 5, &bad, 0, 0));
    struct timespec negative = { -1, 0 };
    expect("WAIT negative timeout", -EINVAL, fx(&word, FUTEX_WAIT, 5, &negative, 0, 0));
    expect("WAIT_BITSET bitset 0", -EINVAL, fx(&word, FUTEX_WAIT_BITSET, 5, 0, 0, 0));
    expect("WAKE_BITSET bitset 0", -EINVAL, fx(&word, FUTEX_WAKE_BITSET, 1, 0, 0, 0));
    expect("unknown command 99", -ENOSYS, fx(&word, 99, 0, 0, 0, 0));
    expect("FUTEX_FD (removed)", -ENOSYS, fx(&word, 2, 0, 0, 0, 0));
    expect("WAKE with CLOCK_REALTIME", -ENOSYS, fx(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, 0, 0, 0));
    expect("REQUEUE negative count", -EINVAL, fx2(&word, FUTEX_REQUEUE, 1, -1, &word, 0));
    expect("REQUEUE misaligned target", -EINVAL, fx2(&word, FUTEX_REQUEUE, 1, 1, (char *)&word + 1, 0));
    expect("CMP_REQUEUE value differs", -EAGAIN, fx2(&word, FUTEX_CMP_REQUEUE, 1, 1, &word + 1, 4));
    expect("WAKE_OP unknown op", -ENOSYS, fx2(&word, FUTEX_WAKE_OP, 1, 1, &word, (7u << 28)));
    expect("WAKE_OP unknown cmp", -ENOSYS, fx2(&word, FUTEX_WAKE_OP, 1, 1, &word, (9u << 24)));
    expect("WAKE_OP unknown cmp: the SET 0 was done first", 0, word);
    word = 5;
    expect("WAKE_OP unmapped second word", -EFAULT, fx2(&word, FUTEX_WAKE_OP, 1, 1, (void *)0x10, 0));

    /* No waiters: nothing woken. */
    expect("WAKE nobody", 0, fx(&word, FUTEX_WAKE, 1, 0, 0, 0));
    expect("WAKE_PRIVATE nobody", 0, fx(&word, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));

    /* Timeouts: relative for WAIT, absolute for WAIT_BITSET (monotonic or wall clock). */
    long start = now_ms();
    expect("WAIT 20 ms", -ETIMEDOUT, fx(&word, FUTEX_WAIT_PRIVATE, 5, &ts, 0, 0));
    expect_true("WAIT 20 ms lasted >= 20 ms", now_ms() - start >= 19, now_ms() - start);
    struct timespec zero = { 0, 0 };
    expect("WAIT zero timeout", -ETIMEDOUT, fx(&word, FUTEX_WAIT, 5, &zero, 0, 0));
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_nsec += 20 * 1000000;
    if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    start = now_ms();
    expect("WAIT_BITSET absolute monotonic", -ETIMEDOUT, fx(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &at, 0, FUTEX_BITSET_MATCH_ANY));
    expect_true("WAIT_BITSET lasted >= 20 ms", now_ms() - start >= 19, now_ms() - start);
    struct timespec past = { 1, 0 };
    expect("WAIT_BITSET deadline passed", -ETIMEDOUT, fx(&word, FUTEX_WAIT_BITSET, 5, &past, 0, FUTEX_BITSET_MATCH_ANY));
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 20 * 1000000;
    if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    start = now_ms();
    expect("WAIT_BITSET absolute realtime", -ETIMEDOUT,
           fx(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &at, 0, FUTEX_BITSET_MATCH_ANY));
    expect_true("WAIT_BITSET realtime lasted >= 20 ms", now_ms() - start >= 19, now_ms() - start);

    /* A signal ends a timed wait with EINTR (a handler without SA_RESTART). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = { { 0, 0 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &it, 0);
    struct timespec long_wait = { 30, 0 };
    start = now_ms();
    expect("WAIT interrupted by a signal", -EINTR, fx(&word, FUTEX_WAIT_PRIVATE, 5, &long_wait, 0, 0));
    expect("the handler ran", 1, caught);
    expect_true("interrupted early (not after the 30 s timeout)", now_ms() - start < 10000, now_ms() - start);
    setitimer(ITIMER_REAL, &it, 0);
    expect("untimed WAIT interrupted (no SA_RESTART)", -EINTR, fx(&word, FUTEX_WAIT_PRIVATE, 5, 0, 0, 0));

    /* Shared futexes between processes over MAP_SHARED memory. */
    volatile int *shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) { printf("futex: mmap shared failed\n"); return 1; }
    shared[0] = 0;
    pid_t a = waiter(&shared[0], 0, FUTEX_WAIT);
    sleep_ms(100);
    shared[0] = 1;
    expect("WAKE a waiter in another process", 1, fx(&shared[0], FUTEX_WAKE, 1, 0, 0, 0));
    expect("the woken child saw 0", 0, reap(a));

    /* Counts: three waiters, wake 2 then the rest; a count of 0 still wakes one (Linux). */
    shared[0] = 0;
    pid_t w[3];
    for (int i = 0; i < 3; i++) w[i] = waiter(&shared[0], 0, FUTEX_WAIT);
    sleep_ms(150);
    expect("WAKE 2 of 3", 2, fx(&shared[0], FUTEX_WAKE, 2, 0, 0, 0));
    expect("WAKE 0 wakes one", 1, fx(&shared[0], FUTEX_WAKE, 0, 0, 0, 0));
    expect("WAKE the rest: none left", 0, fx(&shared[0], FUTEX_WAKE, 10, 0, 0, 0));
    for (int i = 0; i < 3; i++) expect("counted waiter's answer", 0, reap(w[i]));

    /* A private wake does not reach a shared waiter in another process. */
    a = waiter(&shared[0], 0, FUTEX_WAIT);
    sleep_ms(100);
    expect("WAKE_PRIVATE misses a shared waiter", 0, fx(&shared[0], FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    expect("WAKE reaches it", 1, fx(&shared[0], FUTEX_WAKE, 1, 0, 0, 0));
    expect("its answer", 0, reap(a));

    /* Bitsets: a wake whose bitset misses the waiter's leaves it. */
    a = waiter(&shared[0], 0, FUTEX_WAIT_BITSET);
    sleep_ms(100);
    /* The waiter passed val3 0 through fx(): it asked for bitset 0 and got EINVAL at once. */
    expect("WAIT_BITSET with bitset 0 in a child", 1, reap(a));
    pid_t b = fork();
    if (b == 0) _exit(fx(&shared[0], FUTEX_WAIT_BITSET, 0, 0, 0, 0x2) == 0 ? 0 : 1);
    sleep_ms(100);
    expect("WAKE_BITSET 0x1 misses bitset 0x2", 0, fx(&shared[0], FUTEX_WAKE_BITSET, 1, 0, 0, 0x1));
    expect("WAKE_BITSET 0x6 reaches 0x2", 1, fx(&shared[0], FUTEX_WAKE_BITSET, 1, 0, 0, 0x6));
    expect("bitset waiter's answer", 0, reap(b));

    /* CMP_REQUEUE: two waiters on word 0; wake one, move one to word 1; a wake of word 1 finds it. */
    shared[0] = 0; shared[1] = 0;
    w[0] = waiter(&shared[0], 0, FUTEX_WAIT);
    w[1] = waiter(&shared[0], 0, FUTEX_WAIT);
    sleep_ms(150);
    expect("CMP_REQUEUE value differs", -EAGAIN, fx2(&shared[0], FUTEX_CMP_REQUEUE, 1, 1, &shared[1], 7));
    expect("CMP_REQUEUE wakes 1 and moves 1", 2, fx2(&shared[0], FUTEX_CMP_REQUEUE, 1, 1, &shared[1], 0));
    expect("word 0 has no waiter left", 0, fx(&shared[0], FUTEX_WAKE, 10, 0, 0, 0));
    expect("word 1 has the moved one", 1, fx(&shared[1], FUTEX_WAKE, 10, 0, 0, 0));
    for (int i = 0; i < 2; i++) expect("requeued waiter's answer", 0, reap(w[i]));
    /* REQUEUE (no compare) with no wake: both move. */
    w[0] = waiter(&shared[0], 0, FUTEX_WAIT);
    w[1] = waiter(&shared[0], 0, FUTEX_WAIT);
    sleep_ms(150);
    expect("REQUEUE 0 woken, 2 moved", 2, fx2(&shared[0], FUTEX_REQUEUE, 0, 5, &shared[1], 0));
    expect("both on word 1", 2, fx(&shared[1], FUTEX_WAKE, 10, 0, 0, 0));
    for (int i = 0; i < 2; i++) expect("moved waiter's answer", 0, reap(w[i]));

    /* WAKE_OP: word 1 becomes 5 (SET), its old value 0 == 0 passes, so its waiter wakes too. */
    shared[0] = 0; shared[1] = 0;
    w[0] = waiter(&shared[0], 0, FUTEX_WAIT);
    w[1] = waiter(&shared[1], 0, FUTEX_WAIT);
    sleep_ms(150);
    unsigned op = ((unsigned)FUTEX_OP_SET << 28) | ((unsigned)FUTEX_OP_CMP_EQ << 24) | (5u << 12) | 0u;
    expect("WAKE_OP wakes both", 2, fx2(&shared[0], FUTEX_WAKE_OP, 1, 1, &shared[1], op));
    expect("WAKE_OP stored 5", 5, shared[1]);
    for (int i = 0; i < 2; i++) expect("wake_op waiter's answer", 0, reap(w[i]));
    /* ADD with a failing comparison: the old value 5 is not < 3, only word 0's side. */
    op = ((unsigned)FUTEX_OP_ADD << 28) | ((unsigned)FUTEX_OP_CMP_LT << 24) | (2u << 12) | 3u;
    expect("WAKE_OP no waiters", 0, fx2(&shared[0], FUTEX_WAKE_OP, 1, 1, &shared[1], op));
    expect("WAKE_OP added 2", 7, shared[1]);
    op = ((unsigned)(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT) << 28) | ((unsigned)FUTEX_OP_CMP_NE << 24) | (4u << 12);
    expect("WAKE_OP or (1<<4)", 0, fx2(&shared[0], FUTEX_WAKE_OP_PRIVATE, 1, 1, &shared[1], op));
    expect("WAKE_OP or'ed 16", 23, shared[1]);

    /* System V shared memory attached twice at different addresses: one futex. */
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    volatile int *one = shmat(id, 0, 0), *two = shmat(id, 0, 0);
    shmctl(id, IPC_RMID, 0);
    if (one == (void *)-1 || two == (void *)-1 || one == two) { printf("futex: shmat failed\n"); wrong++; }
    else {
        one[0] = 0;
        a = waiter(&one[0], 0, FUTEX_WAIT);
        sleep_ms(100);
        expect("WAKE through the other attachment", 1, fx(&two[0], FUTEX_WAKE, 1, 0, 0, 0));
        expect("shm waiter's answer", 0, reap(a));
    }

    /* The PI family takes a free lock (futex_pi.c tests the rest). */
    static int pi = 0;
    expect("LOCK_PI on a free word", 0, fx(&pi, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0));

    printf("futex: %d wrong\n", wrong);
    return wrong != 0;
}
