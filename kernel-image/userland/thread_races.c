/* Races between threads that attack.thread_storm found, each alone and repeatable (prints
   "thread_races: N wrong", 0 on Linux):
   pi       - FUTEX_LOCK_PI/UNLOCK_PI and FUTEX_WAKE_OP on a word in a page another thread's
              fork keeps making copy-on-write: never EFAULT (Linux faults the page in and
              retries);
   cleartid - threads with CLONE_CHILD_CLEARTID end while another thread forks: once tgkill
              says a thread is gone, its clear-tid word is 0;
   signal   - a signal a thread sent itself while blocking it runs its handler exactly once
              before the unblocking rt_sigprocmask returns, while other threads send SIGUSR1/2
              to it and the process, and fork;
   copyto   - read() from /dev/zero into pages another thread writes (elsewhere in the page)
              while a third forks children that live a little: every byte read is there (a
              kernel copy preempted between finding the page and writing it, across a fork and
              the parent's copy-on-write copy, wrote into the child's page instead).
   pidead   - a PI lock's owner ends (no robust list) with a waiter blocked in FUTEX_LOCK_PI
              while the word's page is copy-on-write after a fork: the waiter gets the lock,
              the word names it with FUTEX_WAITERS and FUTEX_OWNER_DIED (Linux's
              fixup_pi_state_owner for an owner that died), and its FUTEX_UNLOCK_PI answers 0.
   Usage: thread_races [pi|cleartid|signal|copyto|pidead] (all by default). */
#define _GNU_SOURCE
#include "attack_common.h"
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#define FUTEX_WAKE_OP_PRIVATE 133
#define FUTEX_LOCK_PI_PRIVATE 134
#define FUTEX_UNLOCK_PI_PRIVATE 135
#define SIG_SELF (SIGRTMIN + 6)

static volatile int stop_forking;
static volatile long forks;

/* Forks children that end at once, so the caller's pages are copy-on-write again and again. */
static void *forker(void *unused)
{
    (void)unused;
    while (!stop_forking) {
        long pid = raw(SYS_fork, 0, 0, 0);
        if (pid == 0) raw(SYS_exit_group, 0, 0, 0);
        if (pid > 0) { raw6(SYS_wait4, pid, 0, 0, 0, 0, 0); forks++; }
    }
    return 0;
}

/* ---- pi ---- */
static volatile int pi_word __attribute__((aligned(4096)));
static volatile int op_word;
static volatile long efaults, pi_other;

static void *pi_locker(void *unused)
{
    (void)unused;
    for (int i = 0; i < 3000; i++) {
        long r = raw6(SYS_futex, (long)&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0);
        if (r == -EFAULT) __atomic_fetch_add(&efaults, 1, __ATOMIC_RELAXED);
        else if (r != 0) __atomic_fetch_add(&pi_other, 1, __ATOMIC_RELAXED);
        if (r == 0) {
            sched_yield();
            r = raw6(SYS_futex, (long)&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0);
            if (r == -EFAULT) __atomic_fetch_add(&efaults, 1, __ATOMIC_RELAXED);
            else if (r != 0) __atomic_fetch_add(&pi_other, 1, __ATOMIC_RELAXED);
        }
        r = raw6(SYS_futex, (long)&pi_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, (long)&op_word, (1 << 28) | (1 << 12));
        if (r == -EFAULT) __atomic_fetch_add(&efaults, 1, __ATOMIC_RELAXED);
    }
    return 0;
}

static void pi_test(void)
{
    pthread_t f, l[4];
    stop_forking = 0;
    pthread_create(&f, 0, forker, 0);
    for (int i = 0; i < 4; i++) pthread_create(&l[i], 0, pi_locker, 0);
    for (int i = 0; i < 4; i++) pthread_join(l[i], 0);
    stop_forking = 1;
    pthread_join(f, 0);
    dprintf(1, "thread_races: pi: %ld forks meanwhile\n", forks);
    if (efaults) attack_report("pi: LOCK_PI/UNLOCK_PI/WAKE_OP on a copy-on-write word: EFAULTs", "0", efaults, 0);
    if (pi_other) attack_report("pi: LOCK_PI/UNLOCK_PI answers other than 0", "0", pi_other, 0);
}

/* ---- cleartid ---- */
struct slot { volatile int ctid, ptid; char pad[4088]; } __attribute__((aligned(4096)));
static struct slot slots[4];

static long clone_thread(char *stack_top, volatile int *ptid, volatile int *ctid)
{
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                          CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
#if defined(__aarch64__)
    /* arm64's clone: (flags, stack, parent_tid, tls, child_tid) in x0-x4. The child yields
       twice and exits, using no stack. */
    register long x8 __asm__("x8") = SYS_clone, x0 __asm__("x0") = (long)flags, x1 __asm__("x1") = (long)stack_top,
                  x2 __asm__("x2") = (long)ptid, x3 __asm__("x3") = 0, x4 __asm__("x4") = (long)ctid;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "mov x8, %[yield]\n svc #0\n"
                     "mov x8, %[yield]\n svc #0\n"
                     "mov x8, %[exit]\n mov x0, #0\n svc #0\n brk #0\n"
                     "1:\n"
                     : "+r"(x0), "+r"(x8) : "r"(x1), "r"(x2), "r"(x3), "r"(x4), [yield] "i"(SYS_sched_yield), [exit] "i"(SYS_exit) : "memory");
    return x0;
#else
    long r;
    register long r10 __asm__("r10") = (long)ctid;
    register long r8 __asm__("r8") = 0;
    /* The child only yields a few times and exits: no stack use beyond the kernel's. */
    __asm__ volatile("syscall\n"
                     "test %%rax, %%rax\n"
                     "jnz 1f\n"
                     "mov $24, %%eax\n syscall\n"
                     "mov $24, %%eax\n syscall\n"
                     "mov $60, %%eax\n xor %%edi, %%edi\n syscall\n hlt\n"
                     "1:\n"
                     : "=a"(r) : "a"(SYS_clone), "D"(flags), "S"(stack_top), "d"(ptid), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return r;
#endif
}

static void cleartid_test(void)
{
    static char stacks[4][4096] __attribute__((aligned(16)));
    pthread_t f;
    long bad = 0, slow = 0;
    stop_forking = 0;
    pthread_create(&f, 0, forker, 0);
    for (int round = 0; round < 1500; round++) {
        struct slot *s = &slots[round % 4];
        s->ctid = -1;
        long tid = clone_thread(stacks[round % 4] + 4096, &s->ptid, &s->ctid);
        if (tid < 0) { attack_report("cleartid: clone", "a tid", tid, 0); break; }
        int waited = 0;
        while (raw(SYS_tgkill, getpid(), tid, 0) != -ESRCH && waited < 5000) { sleep_ms(0); waited++; }
        if (s->ctid != 0) {
            sleep_ms(50);
            if (s->ctid != 0) { if (bad++ < 5) dprintf(1, "thread_races: cleartid: thread %ld gone, its word still %d\n", tid, s->ctid); }
            else slow++;
        }
    }
    stop_forking = 1;
    pthread_join(f, 0);
    if (bad) attack_report("cleartid: threads gone whose clear-tid word was never cleared", "0", bad, 0);
    if (slow) attack_report("cleartid: threads gone before their clear-tid word was cleared", "0", slow, 0);
}

/* ---- signal ---- */
static volatile int hits[32768];
static volatile int checker_tids[4];
static volatile int stop_sending;
static volatile long signal_bad;

static void on_signal(int sig)
{
    if (sig == SIG_SELF) __atomic_fetch_add(&hits[raw(SYS_gettid, 0, 0, 0) & 32767], 1, __ATOMIC_RELAXED);
}

static void *checker(void *index)
{
    int me = (int)raw(SYS_gettid, 0, 0, 0);
    checker_tids[(long)index] = me;
    unsigned long mask = 1UL << (SIG_SELF - 1);
    for (int i = 0; i < 2000; i++) {
        raw6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&mask, 0, 8, 0, 0);
        int before = hits[me & 32767];
        long r = raw(SYS_tgkill, getpid(), me, SIG_SELF);
        if (r != 0 && signal_bad++ < 5) dprintf(1, "thread_races: signal: tgkill to itself: %ld\n", r);
        if (i & 1) sched_yield();
        int blocked = hits[me & 32767] - before;
        raw6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&mask, 0, 8, 0, 0);
        int got = hits[me & 32767] - before;
        if ((blocked != 0 || got != 1) && signal_bad++ < 5) {
            sleep_ms(20);
            dprintf(1, "thread_races: signal: thread %d round %d: %d runs while blocked, %d at the unblocking (expected 0 and 1), %d after 20 ms\n",
                    me, i, blocked, got, hits[me & 32767] - before);
        }
    }
    return 0;
}

static void *sender(void *unused)
{
    (void)unused;
    unsigned long x = 12345;
    while (!stop_sending) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        int tid = checker_tids[(x >> 33) % 4];
        if (tid) raw(SYS_tgkill, getpid(), tid, (x >> 40) & 1 ? SIGUSR1 : SIGUSR2);
        if (((x >> 45) & 7) == 0) raw(SYS_kill, getpid(), SIGUSR1, 0);
        sched_yield();
    }
    return 0;
}

static void signal_test(void)
{
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = on_signal;
    a.sa_flags = SA_RESTART;
    sigaction(SIG_SELF, &a, 0);
    sigaction(SIGUSR1, &a, 0);
    sigaction(SIGUSR2, &a, 0);
    pthread_t c[4], s[2], f;
    stop_forking = 0;
    stop_sending = 0;
    pthread_create(&f, 0, forker, 0);
    for (long i = 0; i < 4; i++) pthread_create(&c[i], 0, checker, (void *)i);
    for (int i = 0; i < 2; i++) pthread_create(&s[i], 0, sender, 0);
    for (int i = 0; i < 4; i++) pthread_join(c[i], 0);
    stop_sending = 1;
    stop_forking = 1;
    for (int i = 0; i < 2; i++) pthread_join(s[i], 0);
    pthread_join(f, 0);
    if (signal_bad) attack_report("signal: blocked self-signals not delivered exactly once at the unblocking", "0", signal_bad, 0);
}

/* ---- copyto ---- */
#define COPY_PAGES 16
#define COPY_SPAN (4096 - 8)   /* the kernel's part of each page; the last 8 bytes are the toucher's */
static char copy_pages[COPY_PAGES][4096] __attribute__((aligned(4096)));
static volatile int stop_touching;

/* Writes the end of every page again and again: after a fork, its first write moves the page
   to a private copy while a kernel copy may be mid-way through the old frame. */
static void *toucher(void *unused)
{
    (void)unused;
    for (long n = 0; !stop_touching; n++)
        for (int i = 0; i < COPY_PAGES; i++) *(volatile long *)(copy_pages[i] + COPY_SPAN) = n;
    return 0;
}

/* Forks children that live about a millisecond, so the pages stay shared for a while. */
static void *slow_forker(void *unused)
{
    (void)unused;
    while (!stop_forking) {
        long pid = raw(SYS_fork, 0, 0, 0);
        if (pid == 0) { sleep_ms(1); raw(SYS_exit_group, 0, 0, 0); }
        if (pid > 0) { raw6(SYS_wait4, pid, 0, 0, 0, 0, 0); forks++; }
    }
    return 0;
}

static void copyto_test(void)
{
    int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (zero < 0) { attack_report("copyto: open /dev/zero", "a descriptor", zero, 0); return; }
    pthread_t f, t;
    stop_forking = 0;
    stop_touching = 0;
    forks = 0;
    pthread_create(&f, 0, slow_forker, 0);
    pthread_create(&t, 0, toucher, 0);
    long lost = 0, short_reads = 0, rounds = 0;
    for (int round = 0; round < 400; round++, rounds++) {
        for (int i = 0; i < COPY_PAGES; i++) memset(copy_pages[i], 0xAA, COPY_SPAN);
        for (int i = 0; i < COPY_PAGES; i++) {
            long r = raw(SYS_read, zero, (long)copy_pages[i], COPY_SPAN);
            if (r != COPY_SPAN && short_reads++ < 5) dprintf(1, "thread_races: copyto: read of /dev/zero: %ld, expected %d\n", r, COPY_SPAN);
        }
        for (int i = 0; i < COPY_PAGES; i++) {
            int at = 0;
            while (at < COPY_SPAN && copy_pages[i][at] == 0) at++;
            if (at < COPY_SPAN && lost++ < 5)
                dprintf(1, "thread_races: copyto: round %d page %d: byte %d is 0x%02x after the read, expected 0\n",
                        round, i, at, copy_pages[i][at] & 0xff);
        }
    }
    stop_touching = 1;
    stop_forking = 1;
    pthread_join(t, 0);
    pthread_join(f, 0);
    close(zero);
    dprintf(1, "thread_races: copyto: %ld rounds, %ld forks meanwhile\n", rounds, forks);
    if (lost) attack_report("copyto: pages where bytes read from /dev/zero were lost", "0", lost, 0);
    if (short_reads) attack_report("copyto: short reads of /dev/zero", "0", short_reads, 0);
}

/* ---- pidead ---- */
static volatile int dead_word[1024] __attribute__((aligned(4096)));   /* the lock alone in its page */
static volatile int dead_go, dead_owner_tid, dead_waiter_tid;
static volatile long dead_lock_answer = 1, dead_word_seen, dead_unlock_answer = 1;

static void *dead_owner(void *unused)
{
    (void)unused;
    dead_owner_tid = (int)raw(SYS_gettid, 0, 0, 0);
    long r = raw6(SYS_futex, (long)&dead_word[0], FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0);
    if (r != 0) attack_report("pidead: the owner's FUTEX_LOCK_PI", "0", r, 0);
    while (!dead_go) sleep_ms(1);
    raw(SYS_exit, 0, 0, 0);   /* ends holding it, with no robust list: the kernel hands it on */
    return 0;
}

static void *dead_waiter(void *unused)
{
    (void)unused;
    dead_waiter_tid = (int)raw(SYS_gettid, 0, 0, 0);
    dead_lock_answer = raw6(SYS_futex, (long)&dead_word[0], FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0);
    dead_word_seen = dead_word[0];
    if (dead_lock_answer == 0) dead_unlock_answer = raw6(SYS_futex, (long)&dead_word[0], FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0);
    return 0;
}

static void pidead_test(void)
{
    for (int round = 0; round < 20; round++) {
        pthread_t o, w;
        dead_go = 0;
        dead_owner_tid = dead_waiter_tid = 0;
        dead_lock_answer = dead_unlock_answer = 1;
        dead_word[0] = 0;
        pthread_create(&o, 0, dead_owner, 0);
        while ((dead_word[0] & 0x3fffffff) == 0) sleep_ms(1);
        pthread_create(&w, 0, dead_waiter, 0);
        for (int i = 0; i < 2000 && !(dead_word[0] & 0x80000000); i++) sleep_ms(1);   /* the waiter is queued */
        sleep_ms(5);
        /* The word's page becomes copy-on-write; nobody writes it before the owner ends. */
        long pid = raw(SYS_fork, 0, 0, 0);
        if (pid == 0) raw(SYS_exit_group, 0, 0, 0);
        if (pid > 0) raw6(SYS_wait4, pid, 0, 0, 0, 0, 0);
        dead_go = 1;
        pthread_join(w, 0);
        /* The owner left by a raw exit, which musl's pthread_join does not see: wait for the tid. */
        for (int i = 0; i < 5000 && raw(SYS_tgkill, getpid(), dead_owner_tid, 0) != -ESRCH; i++) sleep_ms(1);
        pthread_detach(o);
        int expected = dead_waiter_tid | 0x80000000 | 0x40000000;   /* FUTEX_WAITERS | FUTEX_OWNER_DIED */
        if (dead_lock_answer != 0 || (int)dead_word_seen != expected || dead_unlock_answer != 0) {
            dprintf(1, "thread_races: pidead: round %d: LOCK_PI %ld (expected 0), word 0x%x (expected 0x%x: the waiter %d, not the dead owner %d), UNLOCK_PI %ld (expected 0)\n",
                    round, dead_lock_answer, (int)dead_word_seen, expected, dead_waiter_tid, dead_owner_tid, dead_unlock_answer);
            attack_report("pidead: a dead owner's PI lock on a copy-on-write page handed to its waiter", "the word names the waiter", dead_word_seen, 0);
            break;
        }
    }
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : "";
    if (!*only || !strcmp(only, "pi")) pi_test();
    if (!*only || !strcmp(only, "cleartid")) cleartid_test();
    if (!*only || !strcmp(only, "signal")) signal_test();
    if (!*only || !strcmp(only, "copyto")) copyto_test();
    if (!*only || !strcmp(only, "pidead")) pidead_test();
    dprintf(1, "thread_races: %d wrong\n", attack_wrong);
    return attack_wrong;
}
