/* Thread storm (attack.thread_storm): several processes at once, each with many threads that
   race each other on everything threads share. Per round, STORMS processes (own process
   groups) each keep RAW raw-clone threads (CLONE_VM|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|
   PARENT_SETTID|CHILD_CLEARTID, short lives, respawned) and PTHREADS detached pthreads busy
   with random actions:
     - descriptors: dup2/dup3 fresh pipes, /tmp files, socket pairs, UDP sockets, eventfds onto
       shared numbers while other threads read, write and poll them, and close them;
     - memory: mmap (anonymous and file), munmap, mprotect, mremap regions of a shared window
       that other threads touch and pass to system calls as buffers;
     - futexes: wait/wake/requeue/cmp_requeue/wake_op on shared and window words; PI
       lock/trylock/unlock with a mutual-exclusion check, owners that exit holding a lock
       (robust list), hostile robust lists; robust PI pthread mutexes abandoned by pthread_exit;
     - signals: tgkill to threads, process-wide kill, sigprocmask, sigaltstack, a blocked
       real-time signal that must arrive exactly once on unblocking; SIGSTOP/SIGCONT, signals
       and SIGKILL to the other storm processes;
     - fork from a thread (the child works on its copy and exits), execve from a thread and
       exit_group from a thread while the others are mid-call (blocked reads, futex and PI
       waits, pause), set_tid_address to shared, unmapped and kernel addresses.
   Checks (each a WRONG line with expected and actual): PI ownership and mutual exclusion,
   EDEADLK and EPERM answers, EOWNERDEAD hand-over, parent-settid and clear-tid words, TLS, the
   blocked signal, fork children's endings, and every storm process ending (exit 0 or SIGKILL)
   — one that SIGKILL cannot end within 30 s is a failure. The in-kernel test then checks
   every frame and heap block came back.

   Seed: argv[1], else attack-seed= from /tmp/attack-options, else 1. Replay: boot with
   `test=attack.thread_storm attack-seed=S`; natively: `attack_threads S`. Compiled with
   -DSKIP_CLOSE_RACE, descriptors are made once and never closed or replaced while in use (by
   the threads: fork children still close their copies). */
#define _GNU_SOURCE
#include "attack_common.h"
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ucontext.h>
#include <stddef.h>
#include <sys/prctl.h>

#define STORMS 3
#define RAW 6
#define PTHREADS 4
#define STORM_MS 1500
#define END_GRACE_MS 30000     /* a storm process must end by itself this long after its deadline */
#define KILL_GRACE_MS 30000    /* ... and on SIGKILL within this long */
#define FD_BASE 40
#define FD_SLOTS 12
#define WINDOW ((char *)0x300000000000UL)
#define REGIONS 12
#define REGION_SPAN (1L << 20)
#define PI_LOCKS 3
#define WORDS 8
#define RAW_STACK (64 * 1024)
#define ALT_STACK (32 * 1024)
#define SIG_SELF (SIGRTMIN + 6)   /* only ever sent by a thread to itself */
#define SIG_RT (SIGRTMIN + 4)

/* include/uapi/linux/futex.h (musl has no copy) */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_REQUEUE_PRIVATE 131
#define FUTEX_CMP_REQUEUE_PRIVATE 132
#define FUTEX_WAKE_OP_PRIVATE 133
#define FUTEX_LOCK_PI_PRIVATE 134
#define FUTEX_UNLOCK_PI_PRIVATE 135
#define FUTEX_TRYLOCK_PI_PRIVATE 136
#define FUTEX_WAIT 0
#define FUTEX_OWNER_DIED 0x40000000
#define FUTEX_TID_MASK 0x3fffffff
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

/* ---- shared between the supervisor and the storm processes (MAP_SHARED) ---- */
struct shared {
    volatile int pids[STORMS];
    volatile long wrong, reports, ready;
    volatile long actions, raw_spawned, pthreads_spawned, forks, execs, exit_groups;
    volatile long pi_taken, owner_died, robust_mutex_dead, signals, faults, sibling_kills, closes;
};
static struct shared *shared;
static int storm_index = -1;
static unsigned long seed = 1;

static unsigned long mix(unsigned long x)
{
    x += 0x9e3779b97f4a7c15UL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
    return x ^ (x >> 31);
}

static void add(volatile long *counter, long n) { __atomic_fetch_add(counter, n, __ATOMIC_RELAXED); }

/* ---- output without libc (raw threads have no libc thread descriptor) ---- */
static int put_text(char *out, int at, const char *text)
{
    while (*text && at < 200) out[at++] = *text++;
    return at;
}

static int put_number(char *out, int at, long value)
{
    char digits[24];
    int n = 0;
    unsigned long v = value < 0 ? -(unsigned long)value : (unsigned long)value;
    if (value < 0 && at < 200) out[at++] = '-';
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n && at < 200) out[at++] = digits[--n];
    return at;
}

/* A WRONG line: what, the expected value and the actual one (raw system calls only). */
static void wrong(const char *what, long expected, long actual)
{
    add(&shared->wrong, 1);
    if (__atomic_fetch_add(&shared->reports, 1, __ATOMIC_RELAXED) >= ATTACK_MAX_REPORTS) return;
    char line[240];
    int at = put_text(line, 0, "WRONG: storm ");
    at = put_number(line, at, storm_index);
    at = put_text(line, at, ": ");
    at = put_text(line, at, what);
    at = put_text(line, at, ": expected ");
    at = put_number(line, at, expected);
    at = put_text(line, at, ", got ");
    at = put_number(line, at, actual);
    line[at++] = '\n';
    raw(SYS_write, 1, line, at);
}

static long now_ms(void)
{
    struct timespec t;
    raw(SYS_clock_gettime, CLOCK_MONOTONIC, &t, 0);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void pause_us(long us)
{
    struct timespec t = { 0, us * 1000 };
    raw(SYS_nanosleep, &t, 0, 0);
}

static long gettid_raw(void) { return raw(SYS_gettid, 0, 0, 0); }

/* ---- faults on purpose: loads and stores to the window that the handler skips ---- */
#if defined(__aarch64__)
__asm__(".text\n"
        ".globl storm_load\nstorm_load:\n"
        ".globl storm_load_insn\nstorm_load_insn:\n  ldrb w0, [x0]\n  ret\n"
        ".globl storm_load_fix\nstorm_load_fix:\n  mov w0, #-1\n  ret\n"
        ".globl storm_store\nstorm_store:\n"
        ".globl storm_store_insn\nstorm_store_insn:\n  strb w1, [x0]\n  mov w0, #0\n  ret\n"
        ".globl storm_store_fix\nstorm_store_fix:\n  mov w0, #-1\n  ret\n");
#else
__asm__(".text\n"
        ".globl storm_load\nstorm_load:\n"
        ".globl storm_load_insn\nstorm_load_insn:\n  movzbl (%rdi), %eax\n  ret\n"
        ".globl storm_load_fix\nstorm_load_fix:\n  mov $-1, %eax\n  ret\n"
        ".globl storm_store\nstorm_store:\n"
        ".globl storm_store_insn\nstorm_store_insn:\n  movb %sil, (%rdi)\n  xor %eax, %eax\n  ret\n"
        ".globl storm_store_fix\nstorm_store_fix:\n  mov $-1, %eax\n  ret\n");
#endif
extern int storm_load(const volatile char *p);
extern int storm_store(volatile char *p, int value);
extern char storm_load_insn[], storm_load_fix[], storm_store_insn[], storm_store_fix[];

struct kernel_sigaction { void *handler; unsigned long flags; void *restorer; unsigned long mask; };

static void on_fault(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
#if defined(__aarch64__)
    unsigned long *rip = (unsigned long *)&uc->uc_mcontext.pc;   /* the faulting instruction (ELR_EL1) */
    long stack_pointer = (long)uc->uc_mcontext.sp;
#else
    greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];
    long stack_pointer = (long)uc->uc_mcontext.gregs[REG_RSP];
#endif
    if ((char *)*rip == storm_load_insn) { *rip = (unsigned long)storm_load_fix; add(&shared->faults, 1); return; }
    if ((char *)*rip == storm_store_insn) { *rip = (unsigned long)storm_store_fix; add(&shared->faults, 1); return; }
    /* A fault nobody meant: report it, then let it kill the process (the supervisor sees it). */
    wrong("a fault outside the window touches (signal, address)", 0, sig);
    wrong("  ... at address", 0, (long)info->si_addr);
    wrong("  ... instruction", 0, (long)*rip);
    wrong("  ... stack pointer", 0, stack_pointer);
    struct kernel_sigaction dfl = { SIG_DFL, 0, 0, 0 };
    raw6(SYS_rt_sigaction, sig, (long)&dfl, 0, 8, 0, 0);
}

/* Signals that arrive are counted per thread (indexed by tid) for the blocked-signal check. */
static volatile int self_hits[32768];
static void on_signal(int sig)
{
    add(&shared->signals, 1);
    if (sig == SIG_SELF) __atomic_fetch_add(&self_hits[gettid_raw() & 32767], 1, __ATOMIC_RELAXED);
}

/* ---- one storm process's shared state ---- */
struct pi_lock {
    volatile long next;      /* the robust-list link, written by the owner */
    volatile int word;
    volatile int owner;      /* set by whoever believes it holds the lock */
};

struct robust_head { volatile long next, offset, pending; };

struct raw_slot {
    void *tls_self;                  /* %fs:0 points here: the TLS block's self pointer */
    volatile int ptid, ctid, alt_ctid;
    volatile int tid, started, untracked, no_die_holding;
    char *stack;
    struct robust_head head;
    unsigned long rng;
};

static struct pi_lock locks[PI_LOCKS];
static volatile int words[WORDS];
static struct raw_slot raws[RAW];
static volatile int thread_tids[RAW + PTHREADS];
static volatile int pthread_busy[PTHREADS];
static volatile int stop, exec_now, exit_group_now;
static volatile long region_length[REGIONS];
static char alt_stacks[RAW + PTHREADS][ALT_STACK] __attribute__((aligned(16)));
static pthread_mutex_t mutexes[2];
static const char *self_path = "/bin/attack_threads.elf";

static char *region(int i) { return WINDOW + (long)i * REGION_SPAN; }

struct worker {
    unsigned long rng;
    int tid, index;          /* index into thread_tids and alt_stacks */
    struct raw_slot *raw;    /* null for a pthread */
    int forked;              /* a child of fork_from_thread: its lock words are the parent's copies */
};

static unsigned long next(struct worker *w) { w->rng = mix(w->rng); return w->rng; }
static long below(struct worker *w, long n) { return (long)(next(w) % (unsigned long)n); }

/* A pointer to hand a system call: in the window (maybe unmapped), on the stack, or hostile. */
static char *some_buffer(struct worker *w, char *stack_buffer)
{
    switch (below(w, 6)) {
    case 0: case 1: case 2: return region(below(w, REGIONS)) + below(w, 3) * 4096 + below(w, 64);
    case 3: return stack_buffer;
    case 4: return (char *)0xffff800000001000UL;
    default: return (char *)(0x1000 + below(w, 4096));
    }
}

static void storm_file_path(char *path, int k)
{
    int at = put_text(path, 0, "/tmp/attack_threads.");
    at = put_number(path, at, storm_index);
    path[at++] = '.';
    at = put_number(path, at, k);
    path[at] = 0;
}

/* ---- descriptors ---- */
static int make_descriptors(struct worker *w, int out[2])
{
    int nonblock = below(w, 8) ? O_NONBLOCK : 0;
    out[1] = -1;
    switch (below(w, 5)) {
    case 0: {
        int p[2];
        if (raw(SYS_pipe2, p, O_CLOEXEC | nonblock, 0) < 0) return -1;
        out[0] = p[0]; out[1] = p[1];
        return 0;
    }
    case 1: {
        char path[64];
        storm_file_path(path, (int)below(w, 3));
        long fd = raw6(SYS_openat, AT_FDCWD, (long)path, O_RDWR | O_CREAT | O_CLOEXEC | nonblock | (below(w, 4) ? 0 : O_APPEND), 0600, 0, 0);
        if (fd < 0) return -1;
        if (below(w, 3) == 0) raw(SYS_ftruncate, fd, below(w, 3 * 4096), 0);
        out[0] = (int)fd;
        return 0;
    }
    case 2: {
        int s[2];
        int type = below(w, 2) ? SOCK_STREAM : SOCK_DGRAM;
        if (raw6(SYS_socketpair, AF_UNIX, type | SOCK_CLOEXEC | nonblock, 0, (long)s, 0, 0) < 0) return -1;
        out[0] = s[0]; out[1] = s[1];
        return 0;
    }
    case 3: {
        long fd = raw(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | nonblock, 0);
        if (fd < 0) return -1;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof a;
        raw(SYS_bind, fd, &a, sizeof a);
        raw(SYS_getsockname, fd, &a, &len);
        raw(SYS_connect, fd, &a, sizeof a);   /* to itself: writes come back as reads */
        out[0] = (int)fd;
        return 0;
    }
    default: {
        long fd = raw(SYS_eventfd2, below(w, 3), O_CLOEXEC | nonblock, 0);
        if (fd >= 0) { out[0] = (int)fd; return 0; }
        int p[2];   /* no eventfd (ENOSYS): a pipe instead */
        if (raw(SYS_pipe2, p, O_CLOEXEC | nonblock, 0) < 0) return -1;
        out[0] = p[0]; out[1] = p[1];
        return 0;
    }
    }
}

/* Puts fresh descriptors on shared numbers (dup2 or dup3: replacing, and so closing, what
   other threads may be using right now). */
static void descriptor_replace(struct worker *w)
{
    int fds[2];
    if (make_descriptors(w, fds) < 0) return;
    for (int i = 0; i < 2; i++) {
        if (fds[i] < 0) continue;
        int target = FD_BASE + (int)below(w, FD_SLOTS);
        long r = below(w, 2) ? raw(SYS_dup2, fds[i], target, 0) : raw(SYS_dup3, fds[i], target, below(w, 2) ? O_CLOEXEC : 0);
        /* A fresh descriptor that itself landed on a shared number (every lower one taken)
           may be closed by another thread first: EBADF is then right, on Linux too. */
        if (fds[i] >= FD_BASE && fds[i] < FD_BASE + FD_SLOTS && r == -EBADF) continue;
        if (r != target && r != -EMFILE && r != -EBUSY) wrong("dup2/dup3 onto a shared number", target, r);
        raw(SYS_close, fds[i], 0, 0);
    }
}

static void descriptor_io(struct worker *w)
{
    char local[512];
    int fd = FD_BASE + (int)below(w, FD_SLOTS);
    char *buffer = some_buffer(w, local);
    long length = below(w, 4) ? 1 + below(w, 512) : 1 + below(w, 8192);
    if (buffer == local && length > (long)sizeof local) length = sizeof local;
    long r;
    switch (below(w, 5)) {
    case 0: case 1: r = raw(SYS_read, fd, buffer, length); break;
    case 2: case 3: r = raw(SYS_write, fd, buffer, length); break;
    default: {
        long offset = below(w, 8192);
        r = below(w, 2) ? raw6(SYS_pread64, fd, (long)buffer, length, offset, 0, 0) : raw6(SYS_pwrite64, fd, (long)buffer, length, offset, 0, 0);
    }
    }
    if (r > length) wrong("read/write: more bytes than asked for", length, r);
    if (r < -4095) wrong("read/write: a result that is neither a count nor an errno", 0, r);
}

static void descriptor_poll(struct worker *w)
{
    struct pollfd local[4];
    int n = 1 + (int)below(w, 4);
    struct pollfd *set = below(w, 3) ? local : (struct pollfd *)some_buffer(w, (char *)local);
    if (set == local)
        for (int i = 0; i < n; i++) { local[i].fd = FD_BASE + (int)below(w, FD_SLOTS); local[i].events = POLLIN | POLLOUT; local[i].revents = 0; }
    long r = raw(SYS_poll, set, n, below(w, 20));
    if (r > n) wrong("poll: more ready than asked about", n, r);
}

static void descriptor_close(struct worker *w)
{
#ifndef SKIP_CLOSE_RACE
    raw(SYS_close, FD_BASE + below(w, FD_SLOTS), 0, 0);
    add(&shared->closes, 1);
#else
    (void)w;
#endif
}

/* A call that blocks until data comes, a signal, or the end (exit_group, SIGKILL). */
static void descriptor_block(struct worker *w)
{
    char local[64];
    int fd = FD_BASE + (int)below(w, FD_SLOTS);
    long flags = raw(SYS_fcntl, fd, F_GETFL, 0);
    if (flags >= 0 && (flags & O_NONBLOCK) == 0) raw(SYS_read, fd, local, sizeof local);
    else if (below(w, 2)) raw(SYS_pause, 0, 0, 0);
}

/* ---- memory ---- */
static void memory_map(struct worker *w)
{
    int i = (int)below(w, REGIONS);
    long length = (1 + below(w, 64)) * 4096;
    int prot = (int)below(w, 8) & (PROT_READ | PROT_WRITE | PROT_EXEC);
    long r;
    if (below(w, 4) == 0) {
        int fd = FD_BASE + (int)below(w, FD_SLOTS);   /* whatever is there: a file, or ENODEV */
        r = raw6(SYS_mmap, (long)region(i), length, prot, (below(w, 2) ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED, fd, 0);
    } else {
        r = raw6(SYS_mmap, (long)region(i), length, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    }
    if (r >= 0 && r != (long)region(i)) wrong("mmap MAP_FIXED: the address asked for", (long)region(i), r);
    if (r >= 0) region_length[i] = length;
}

static void memory_unmap(struct worker *w)
{
    int i = (int)below(w, REGIONS);
    long r = raw(SYS_munmap, region(i) + below(w, 4) * 4096, (1 + below(w, 64)) * 4096, 0);
    if (r != 0) wrong("munmap of a window page", 0, r);
}

static void memory_protect(struct worker *w)
{
    int i = (int)below(w, REGIONS);
    long r = raw(SYS_mprotect, region(i) + below(w, 8) * 4096, (1 + below(w, 32)) * 4096, below(w, 8));
    if (r != 0 && r != -ENOMEM && r != -EACCES) wrong("mprotect in the window: 0, ENOMEM or EACCES", 0, r);
}

static void memory_remap(struct worker *w)
{
    int from = (int)below(w, REGIONS), to = (int)below(w, REGIONS);
    long old_length = (1 + below(w, 16)) * 4096, new_length = (1 + below(w, 128)) * 4096;
    long r;
    if (from != to && below(w, 2))
        r = raw6(SYS_mremap, (long)region(from), old_length, new_length, MREMAP_MAYMOVE | MREMAP_FIXED, (long)region(to), 0);
    else
        r = raw6(SYS_mremap, (long)region(from), old_length, new_length, 0, 0, 0);
    if (r >= 0 && r != (long)region(from) && r != (long)region(to)) wrong("mremap: an address outside the ones asked for", (long)region(to), r);
}

static void memory_touch(struct worker *w)
{
    char *base = region(below(w, REGIONS));
    for (int n = 0; n < 16; n++) {
        char *p = base + below(w, 64 * 4096);
        if (below(w, 2)) storm_load(p);
        else storm_store(p, (int)next(w));
    }
}

/* Window memory as a system call's buffer while other threads unmap and protect it. */
static void memory_as_buffer(struct worker *w)
{
    char *p = region(below(w, REGIONS)) + below(w, 16) * 4096 + below(w, 4096);
    long r;
    switch (below(w, 5)) {
    case 0: r = raw(SYS_clock_gettime, CLOCK_MONOTONIC, p, 0); break;
    case 1: r = raw(SYS_getcwd, p, 1 + below(w, 8192), 0); break;
    case 2: {   /* a mask read from the window, at once undone */
        unsigned long old = 0;
        r = raw6(SYS_rt_sigprocmask, SIG_BLOCK, (long)p, (long)&old, 8, 0, 0);
        if (r == 0) raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
        break;
    }
    case 3: {
        struct timespec t = { 0, 1000000 };
        r = raw6(SYS_futex, (long)(((unsigned long)p) & ~3UL), FUTEX_WAIT, (long)next(w), (long)&t, 0, 0);
        break;
    }
    default: r = raw(SYS_uname, p, 0, 0); break;
    }
    (void)r;
}

/* ---- futexes ---- */
static void futex_plain(struct worker *w)
{
    volatile int *word = &words[below(w, WORDS)];
    volatile int *other = &words[below(w, WORDS)];
    struct timespec t = { 0, (1 + below(w, 10)) * 1000000 };
    long r;
    switch (below(w, 6)) {
    case 0: r = raw6(SYS_futex, (long)word, FUTEX_WAIT_PRIVATE, *word, (long)&t, 0, 0);
        if (r != 0 && r != -ETIMEDOUT && r != -EAGAIN && r != -EINTR) wrong("FUTEX_WAIT: 0, ETIMEDOUT, EAGAIN or EINTR", 0, r);
        break;
    case 1: __atomic_fetch_add(word, 1, __ATOMIC_RELAXED);
        r = raw6(SYS_futex, (long)word, FUTEX_WAKE_PRIVATE, 1 + below(w, 4), 0, 0, 0);
        if (r < 0) wrong("FUTEX_WAKE", 0, r);
        break;
    case 2: r = raw6(SYS_futex, (long)word, FUTEX_REQUEUE_PRIVATE, below(w, 2), below(w, 4), (long)other, 0);
        if (r < 0 && r != -EINVAL) wrong("FUTEX_REQUEUE", 0, r);
        break;
    case 3: r = raw6(SYS_futex, (long)word, FUTEX_CMP_REQUEUE_PRIVATE, below(w, 2), below(w, 4), (long)other, *word);
        if (r < 0 && r != -EAGAIN && r != -EINVAL) wrong("FUTEX_CMP_REQUEUE", 0, r);
        break;
    case 4: r = raw6(SYS_futex, (long)word, FUTEX_WAKE_OP_PRIVATE, 1, 1, (long)other, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0));
        if (r < 0) wrong("FUTEX_WAKE_OP", 0, r);
        break;
    default: /* a word in the window, maybe unmapped, maybe about to be */
        r = raw6(SYS_futex, (long)(region(below(w, REGIONS)) + below(w, 1024) * 4), FUTEX_WAIT, 0, (long)&t, 0, 0);
        break;
    }
}

static void robust_link(struct worker *w, struct pi_lock *l)
{
    if (!w->raw) return;
    l->next = (long)&w->raw->head;
    w->raw->head.next = (long)&l->next | 1;
    w->raw->head.pending = 0;
}

static void robust_unlink_before_unlock(struct worker *w, struct pi_lock *l)
{
    if (!w->raw) return;
    w->raw->head.pending = (long)&l->next | 1;
    w->raw->head.next = (long)&w->raw->head;
}

/* A forked child's lock words are copies of the parent's at the fork: one may name a parent
   thread that held the lock then and has ended since, and LOCK_PI and TRYLOCK_PI answer
   ESRCH for it, on Linux as here (checked on Linux: a copied word naming the parent's ended
   thread gives ESRCH to both). The storm saw this once in many runs and took it for a bug. */
static int inherited_owner_ended(struct worker *w, long r) { return w->forked && r == -ESRCH; }

/* Takes lock l (kernel or user-space fast path); 1 when held. */
static int pi_take(struct worker *w, struct pi_lock *l)
{
    if (w->raw) w->raw->head.pending = (long)&l->next | 1;
    long r;
    int expected = 0;
    switch (below(w, 4)) {
    case 0:
        r = __atomic_compare_exchange_n(&l->word, &expected, w->tid, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED) ? 0 : -EBUSY;
        break;
    case 1:
        r = raw6(SYS_futex, (long)&l->word, FUTEX_TRYLOCK_PI_PRIVATE, 0, 0, 0, 0);
        if (r != 0 && r != -EAGAIN && r != -EBUSY && r != -EINTR && !inherited_owner_ended(w, r)) wrong("FUTEX_TRYLOCK_PI: 0 or EAGAIN", 0, r);
        break;
    default: {
        struct timespec deadline;
        raw(SYS_clock_gettime, CLOCK_REALTIME, &deadline, 0);
        deadline.tv_nsec += (1 + below(w, 20)) * 1000000;
        if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
        r = raw6(SYS_futex, (long)&l->word, FUTEX_LOCK_PI_PRIVATE, 0, (long)&deadline, 0, 0);
        if (r != 0 && r != -ETIMEDOUT && r != -EINTR && !inherited_owner_ended(w, r)) wrong("FUTEX_LOCK_PI: 0 or ETIMEDOUT", 0, r);
    }
    }
    if (r != 0) { if (w->raw) w->raw->head.pending = 0; return 0; }
    robust_link(w, l);
    int word = l->word;
    if ((word & FUTEX_TID_MASK) != w->tid) wrong("PI lock taken: the word names the new owner", w->tid, word);
    if (word & FUTEX_OWNER_DIED) { add(&shared->owner_died, 1); l->owner = 0; }
    if (l->owner != 0) wrong("PI lock taken while another thread holds it (its owner)", 0, l->owner);
    l->owner = w->tid;
    add(&shared->pi_taken, 1);
    return 1;
}

static void pi_release(struct worker *w, struct pi_lock *l)
{
    if (l->owner != w->tid) wrong("PI lock: owner changed while held", w->tid, l->owner);
    l->owner = 0;
    robust_unlink_before_unlock(w, l);
    int expected = w->tid;
    if (!__atomic_compare_exchange_n(&l->word, &expected, 0, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
        /* EAGAIN: the word changed under the kernel (a waiter setting FUTEX_WAITERS); EINVAL:
           Linux's kernel state names no owner yet (a dead owner's lock being handed over);
           Linux leaves the retry to user space. */
        long r = -EAGAIN;
        for (int tries = 0; tries < 1000 && (r == -EAGAIN || r == -EINVAL); tries++) {
            if (tries) raw(SYS_sched_yield, 0, 0, 0);
            r = raw6(SYS_futex, (long)&l->word, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0);
        }
        if (r != 0) wrong("FUTEX_UNLOCK_PI by the owner", 0, r);
    }
    if (w->raw) w->raw->head.pending = 0;
}

static void futex_pi(struct worker *w, int may_die)
{
    struct pi_lock *l = &locks[below(w, PI_LOCKS)];
    int word = l->word;
    if ((word & FUTEX_TID_MASK) != w->tid && (word & FUTEX_TID_MASK) != 0 && below(w, 4) == 0) {
        long r = raw6(SYS_futex, (long)&l->word, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0);
        if (r != -EPERM) wrong("FUTEX_UNLOCK_PI of a lock another thread holds: EPERM", -EPERM, r);
        return;
    }
    if (!pi_take(w, l)) return;
    if (below(w, 4) == 0) {
        long r = raw6(SYS_futex, (long)&l->word, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0);
        if (r != -EDEADLK) wrong("FUTEX_LOCK_PI of a lock the caller holds: EDEADLK", -EDEADLK, r);
    }
    if (below(w, 2)) raw(SYS_sched_yield, 0, 0, 0);
    else pause_us(below(w, 500));
    if (may_die && w->raw && !w->raw->no_die_holding && below(w, 6) == 0)
        raw(SYS_exit, 0, 0, 0);   /* dies holding it: the robust list must hand it on */
    pi_release(w, l);
}

/* A pthread's last steps: no signal may run on its alternate stack once the slot is free. */
static void pthread_leave(int index)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, 0);
    stack_t off = { .ss_flags = SS_DISABLE };
    sigaltstack(&off, 0);
    __atomic_store_n(&pthread_busy[index - RAW], 0, __ATOMIC_RELEASE);
}

/* musl's robust priority-inheritance mutexes; a pthread may end holding one. Only the
   answers are checked: musl's unlock ignores FUTEX_UNLOCK_PI's EAGAIN (Linux's "the word
   changed, retry"), so on Linux a mutex may stay held by a thread that believes it let go
   (and then EDEADLK) — ownership is checked on the raw PI locks instead. */
static void robust_mutex(struct worker *w)
{
    int i = (int)below(w, 2);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += (1 + below(w, 20)) * 1000000;
    if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    int r = below(w, 3) ? pthread_mutex_timedlock(&mutexes[i], &deadline) : pthread_mutex_trylock(&mutexes[i]);
    if (r == ETIMEDOUT || r == EBUSY) return;
    if (r == EOWNERDEAD) {
        add(&shared->robust_mutex_dead, 1);
        if (pthread_mutex_consistent(&mutexes[i]) != 0) wrong("pthread_mutex_consistent after EOWNERDEAD", 0, 1);
    } else if (r == EDEADLK) {
        return;
    } else if (r != 0) {
        wrong("robust mutex lock: 0, EOWNERDEAD, ETIMEDOUT, EBUSY or EDEADLK", 0, r);
        return;
    }
    pause_us(below(w, 300));
    if (below(w, 24) == 0) {   /* ends holding it (musl marks it, the next locker gets EOWNERDEAD) */
        pthread_leave(w->index);
        pthread_exit(0);
    }
    pthread_mutex_unlock(&mutexes[i]);
}

/* ---- signals ---- */
static void signal_storm(struct worker *w)
{
    long r;
    switch (below(w, 6)) {
    case 0: case 1: {
        int tid = thread_tids[below(w, RAW + PTHREADS)];
        if (tid) raw(SYS_tgkill, shared->pids[storm_index], tid, below(w, 3) == 0 ? SIG_RT : (below(w, 2) ? SIGUSR1 : SIGUSR2));
        break;
    }
    case 2: raw(SYS_kill, shared->pids[storm_index], below(w, 2) ? SIGUSR1 : SIG_RT, 0); break;
    case 3: {
        /* Random mask changes, never of the signals the test relies on. */
        unsigned long keep = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)) | (1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)) |
                             (1UL << 31) | (1UL << 32) | (1UL << 33) | (1UL << (SIG_SELF - 1));
        unsigned long mask = next(w) & ~keep;
        raw6(SYS_rt_sigprocmask, below(w, 3), (long)&mask, 0, 8, 0, 0);
        break;
    }
    case 4: {
        stack_t s = { .ss_sp = alt_stacks[w->index], .ss_size = ALT_STACK, .ss_flags = below(w, 3) ? 0 : SS_DISABLE };
        r = raw(SYS_sigaltstack, &s, 0, 0);
        if (r != 0 && r != -EPERM) wrong("sigaltstack", 0, r);
        break;
    }
    default: {
        /* A blocked signal to oneself waits; unblocked, it arrives exactly once. */
        unsigned long mask = 1UL << (SIG_SELF - 1);
        raw6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&mask, 0, 8, 0, 0);
        int before = self_hits[w->tid & 32767];
        raw(SYS_tgkill, shared->pids[storm_index], w->tid, SIG_SELF);
        pause_us(below(w, 200));
        if (self_hits[w->tid & 32767] != before) wrong("a blocked signal was delivered (handler runs)", 0, self_hits[w->tid & 32767] - before);
        raw6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&mask, 0, 8, 0, 0);
        if (self_hits[w->tid & 32767] != before + 1) wrong("the signal arrives once when unblocked (handler runs)", 1, self_hits[w->tid & 32767] - before);
    }
    }
}

static void sibling_signal(struct worker *w)
{
    int other = (int)below(w, STORMS);
    int pid = shared->pids[other];
    if (other == storm_index || pid <= 0) return;
    long pick = below(w, 64);
    if (pick == 0) { raw(SYS_kill, pid, SIGKILL, 0); add(&shared->sibling_kills, 1); }
    else if (pick < 4) { raw(SYS_kill, pid, SIGSTOP, 0); pause_us(below(w, 3000)); raw(SYS_kill, pid, SIGCONT, 0); }
    else raw(SYS_kill, pid, below(w, 2) ? SIGUSR1 : SIG_RT, 0);
}

/* ---- processes ---- */
static void worker_actions(struct worker *w, int count, int in_child);

static void fork_from_thread(struct worker *w)
{
    long pid = raw(SYS_fork, 0, 0, 0);
    if (pid == 0) {
        struct worker child = { .rng = mix(w->rng ^ 0xf0f0), .tid = (int)gettid_raw(), .index = w->index, .raw = 0, .forked = 1 };
        worker_actions(&child, 1 + (int)below(&child, 20), 1);
        raw(SYS_exit_group, 0, 0, 0);
    }
    if (pid < 0) { if (pid != -EAGAIN && pid != -ENOMEM) wrong("fork from a thread", 0, pid); return; }
    add(&shared->forks, 1);
    int status = 0;
    for (int waited = 0; waited < 3000; waited++) {
        long r = raw6(SYS_wait4, pid, (long)&status, WNOHANG | __WALL, 0, 0, 0);
        if (r == pid) {
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
                wrong("a child forked by a thread: exit 0 or SIGKILL (wait status)", 0, status);
            return;
        }
        if (r < 0) return;   /* another thread reaped it (it waits for any child too) */
        pause_us(1000);
    }
}

static void exec_from_thread(void)
{
    char *argv[] = { (char *)self_path, "exec-child", 0 };
    char *envp[] = { 0 };
    /* What siblings send must not end the new program before it can say otherwise: ignored
       signals stay ignored across execve (handlers do not). */
    struct kernel_sigaction ignore = { SIG_IGN, 0, 0, 0 };
    raw6(SYS_rt_sigaction, SIGUSR1, (long)&ignore, 0, 8, 0, 0);
    raw6(SYS_rt_sigaction, SIGUSR2, (long)&ignore, 0, 8, 0, 0);
    raw6(SYS_rt_sigaction, SIG_RT, (long)&ignore, 0, 8, 0, 0);
    add(&shared->execs, 1);
    long r = raw(SYS_execve, self_path, argv, envp);
    wrong("execve from a thread", 0, r);
}

static void set_tid_address_race(struct worker *w)
{
    if (!w->raw) return;   /* musl's pthreads need their own clear-tid word */
    volatile int *target;
    switch (below(w, 4)) {
    case 0: target = &w->raw->alt_ctid; break;
    case 1: target = (volatile int *)(region(below(w, REGIONS)) + below(w, 1024) * 4); break;
    case 2: target = (volatile int *)0xffff800000002000UL; break;   /* the kernel half: never written */
    default: target = &words[below(w, WORDS)]; break;
    }
    w->raw->untracked = 1;
    long r = raw(SYS_set_tid_address, target, 0, 0);
    if (r != w->tid) wrong("set_tid_address answers the caller's tid", w->tid, r);
}

static void hostile_robust_list(struct worker *w)
{
    if (!w->raw) return;
    w->raw->no_die_holding = 1;
    long r = raw(SYS_set_robust_list, &w->raw->head, 23, 0);
    if (r != -EINVAL) wrong("set_robust_list with a wrong length: EINVAL", -EINVAL, r);
    /* Garbage the kernel walks when this thread ends (bounded, faults ignored). */
    r = raw(SYS_set_robust_list, below(w, 2) ? (long)region(below(w, REGIONS)) : (long)0xffff800000003000UL, sizeof(struct robust_head), 0);
    if (r != 0) wrong("set_robust_list with any address", 0, r);
}

static void worker_actions(struct worker *w, int count, int in_child)
{
    for (int n = 0; n < count && !stop; n++) {
        if (!in_child && exec_now && __atomic_exchange_n(&exec_now, 0, __ATOMIC_ACQ_REL)) exec_from_thread();
        if (!in_child && exit_group_now && __atomic_exchange_n(&exit_group_now, 0, __ATOMIC_ACQ_REL)) {
            add(&shared->exit_groups, 1);
            raw(SYS_exit_group, 0, 0, 0);
        }
        add(&shared->actions, 1);
        long pick = below(w, 100);
        if (pick < 10) {
#ifndef SKIP_CLOSE_RACE
            descriptor_replace(w);
#endif
        }
        else if (pick < 24) descriptor_io(w);
        else if (pick < 30) descriptor_poll(w);
        else if (pick < 34) descriptor_close(w);
        else if (pick < 35) { if (!in_child) descriptor_block(w); }
        else if (pick < 40) memory_map(w);
        else if (pick < 43) memory_unmap(w);
        else if (pick < 47) memory_protect(w);
        else if (pick < 50) memory_remap(w);
        else if (pick < 56) memory_touch(w);
        else if (pick < 61) memory_as_buffer(w);
        else if (pick < 69) { if (!in_child) futex_plain(w); }
        else if (pick < 77) { if (!in_child) futex_pi(w, 1); }
        else if (pick < 80) { if (!in_child && !w->raw) robust_mutex(w); }
        else if (pick < 88) { if (!in_child) signal_storm(w); }
        else if (pick < 91) { if (!in_child) sibling_signal(w); }
        else if (pick < 93) { if (!in_child) fork_from_thread(w); }
        else if (pick < 95) { if (!in_child) set_tid_address_race(w); }
        else if (pick < 96) { if (!in_child) hostile_robust_list(w); }
        else raw(SYS_sched_yield, 0, 0, 0);
    }
}

/* ---- threads ---- */
static void raw_thread(void *argument)
{
    struct raw_slot *slot = argument;
    struct worker w = { .rng = slot->rng, .tid = (int)gettid_raw(), .index = (int)(slot - raws), .raw = slot };
    void *fs0;
#if defined(__aarch64__)
    /* arm64's thread pointer is TPIDR_EL0 itself: CLONE_SETTLS sets it to the block. */
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(fs0));
    if (fs0 != &slot->tls_self) wrong("CLONE_SETTLS: TPIDR_EL0 is the TLS block", (long)&slot->tls_self, (long)fs0);
#else
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
    if (fs0 != &slot->tls_self) wrong("CLONE_SETTLS: %fs:0 is the TLS block", (long)&slot->tls_self, (long)fs0);
#endif
    thread_tids[w.index] = w.tid;
    slot->head.next = (long)&slot->head;
    slot->head.offset = (long)offsetof(struct pi_lock, word) - (long)offsetof(struct pi_lock, next);
    slot->head.pending = 0;
    long r = raw(SYS_set_robust_list, &slot->head, sizeof slot->head, 0);
    if (r != 0) wrong("set_robust_list", 0, r);
    worker_actions(&w, 20 + (int)below(&w, 150), 0);
    /* Ending holding a PI lock is futex_pi's; here the thread ends clean. */
    unsigned long all = ~0UL;
    raw6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, 0, 8, 0, 0);
    stack_t off = { .ss_flags = SS_DISABLE };
    raw(SYS_sigaltstack, &off, 0, 0);
}

/* clone(flags, stack, parent_tid, child_tid, tls); the child calls fn(arg), then exit(0). */
static long raw_clone(unsigned long flags, char *stack_top, volatile int *ptid, volatile int *ctid, void *tls, void (*fn)(void *), void *arg)
{
    long *sp = (long *)(((unsigned long)stack_top & ~15UL) - 16);
    sp[0] = (long)fn;
    sp[1] = (long)arg;
#if defined(__aarch64__)
    /* arm64's clone(flags, stack, parent_tid, tls, child_tid) (no CLONE_BACKWARDS); the child
       starts on the new stack with x0 = 0, takes fn and arg from it and calls fn. */
    register long x8 __asm__("x8") = SYS_clone, x0 __asm__("x0") = (long)flags, x1 __asm__("x1") = (long)sp,
                  x2 __asm__("x2") = (long)ptid, x3 __asm__("x3") = (long)tls, x4 __asm__("x4") = (long)ctid;
    __asm__ volatile("svc #0\n"
                     "cbnz x0, 1f\n"
                     "ldp x9, x0, [sp]\n"
                     "mov x29, #0\n"
                     "mov x30, #0\n"
                     "blr x9\n"
                     "mov x0, #0\n"
                     "mov x8, #93\n"   /* exit */
                     "svc #0\n"
                     "brk #0\n"
                     "1:\n"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
                     : "x9", "memory");
    return x0;
#else
    long r;
    register long r10 __asm__("r10") = (long)ctid;
    register long r8 __asm__("r8") = (long)tls;
    __asm__ volatile("syscall\n"
                     "test %%rax, %%rax\n"
                     "jnz 1f\n"
                     "xor %%ebp, %%ebp\n"
                     "pop %%rax\n"
                     "pop %%rdi\n"
                     "call *%%rax\n"
                     "mov $60, %%eax\n"
                     "xor %%edi, %%edi\n"
                     "syscall\n"
                     "hlt\n"
                     "1:\n"
                     : "=a"(r)
                     : "a"(SYS_clone), "D"(flags), "S"(sp), "d"(ptid), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return r;
#endif
}

static void raw_spawn(int i, unsigned long *rng)
{
    struct raw_slot *slot = &raws[i];
    if (slot->started) {
        if (slot->tid && raw(SYS_tgkill, shared->pids[storm_index], slot->tid, 0) != -ESRCH) return;   /* still there */
        if (!slot->untracked && slot->ctid != 0) {
            pause_us(20000);
            if (slot->ctid != 0) {
                long again = raw(SYS_tgkill, shared->pids[storm_index], slot->tid, 0);
                if (again != -ESRCH) {
                    /* Not gone after all: its stack and alternate stack stay as they are. */
                    wrong("tgkill(pid, tid, 0) of a live thread: 0 (it answered ESRCH, then this)", 0, again);
                    slot->untracked = 1;   /* respawned once really gone, its stack left */
                    return;
                }
                wrong(slot->no_die_holding ? "CLONE_CHILD_CLEARTID: the word is 0 once the thread is gone (it had a garbage robust list)"
                                           : "CLONE_CHILD_CLEARTID: the word is 0 once the thread is gone", 0, slot->ctid);
            }
        }
        if (!slot->untracked) raw(SYS_munmap, slot->stack, RAW_STACK, 0);   /* else the stack is left (its word may be anywhere) */
        slot->started = 0;
    }
    long stack = raw6(SYS_mmap, 0, RAW_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack < 0) return;
    slot->stack = (char *)stack;
    slot->tls_self = &slot->tls_self;
    slot->ptid = 0; slot->ctid = -1; slot->alt_ctid = -1; slot->untracked = 0; slot->no_die_holding = 0;
    *rng = mix(*rng);
    slot->rng = *rng;
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                          CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    long tid = raw_clone(flags, slot->stack + RAW_STACK, &slot->ptid, &slot->ctid, &slot->tls_self, raw_thread, slot);
    if (tid < 0) {
        raw(SYS_munmap, slot->stack, RAW_STACK, 0);
        if (tid != -EAGAIN && tid != -ENOMEM) wrong("clone of a thread", 0, tid);
        return;
    }
    if (slot->ptid != tid) wrong("CLONE_PARENT_SETTID: the word is the new tid", tid, slot->ptid);
    slot->tid = (int)tid;
    slot->started = 1;
    add(&shared->raw_spawned, 1);
}

static unsigned long pthread_seed;
static void *pthread_worker(void *argument)
{
    int index = (int)(long)argument;
    struct worker w = { .rng = mix(__atomic_add_fetch(&pthread_seed, 0x9e37, __ATOMIC_RELAXED)), .tid = (int)gettid_raw(), .index = index, .raw = 0 };
    thread_tids[index] = w.tid;
    worker_actions(&w, 50 + (int)below(&w, 300), 0);
    pthread_leave(index);
    return 0;
}

static void install_handlers(void)
{
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_sigaction = on_fault;
    a.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &a, 0);
    sigaction(SIGBUS, &a, 0);
    memset(&a, 0, sizeof a);
    a.sa_handler = on_signal;
    a.sa_flags = SA_RESTART | SA_ONSTACK;
    sigaction(SIGUSR1, &a, 0);
    sigaction(SIG_SELF, &a, 0);
    a.sa_flags = SA_ONSTACK;   /* no restart: blocked calls end with EINTR */
    sigaction(SIGUSR2, &a, 0);
    sigaction(SIG_RT, &a, 0);
    signal(SIGPIPE, SIG_IGN);   /* writes to closed pipes and sockets: EPIPE */
}

/* One storm process: keeps its threads busy until its deadline, then ends with exit_group
   while they are mid-call (or earlier, by an exec or exit_group from a thread). */
static void storm(int index, unsigned long storm_seed)
{
    storm_index = index;
    unsigned long rng = storm_seed;
    pthread_seed = mix(storm_seed ^ 0x5151);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
    for (int i = 0; i < 2; i++) pthread_mutex_init(&mutexes[i], &attr);
#ifdef SKIP_CLOSE_RACE
    {
        struct worker w = { .rng = mix(rng ^ 7) };
        for (int n = 0; n < FD_SLOTS; n++) descriptor_replace(&w);
    }
#endif
    pthread_attr_t thread_attr;
    pthread_attr_init(&thread_attr);
    pthread_attr_setdetachstate(&thread_attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&thread_attr, 128 * 1024);

    long start = now_ms();
    rng = mix(rng);
    long exec_at = (rng % 4 == 0) ? (long)(mix(rng) % STORM_MS) : -1;
    rng = mix(rng);
    long exit_group_at = (rng % 4 == 0) ? (long)(mix(rng) % STORM_MS) : -1;
    while (now_ms() - start < STORM_MS) {
        long t = now_ms() - start;
        if (exec_at >= 0 && t >= exec_at) { exec_now = 1; exec_at = -1; }
        if (exit_group_at >= 0 && t >= exit_group_at) { exit_group_now = 1; exit_group_at = -1; }
        for (int i = 0; i < RAW; i++) raw_spawn(i, &rng);
        for (int i = 0; i < PTHREADS; i++) {
            if (__atomic_load_n(&pthread_busy[i], __ATOMIC_ACQUIRE)) continue;
            pthread_t thread;
            pthread_busy[i] = 1;
            if (pthread_create(&thread, &thread_attr, pthread_worker, (void *)(long)(RAW + i)) != 0) { pthread_busy[i] = 0; break; }
            add(&shared->pthreads_spawned, 1);
        }
        pause_us(5000);
    }
    /* The end: exit_group while the others are mid-call (blocked reads, PI waits, pause). */
    raw(SYS_exit_group, 0, 0, 0);
}

/* The program execve'd by a storm thread: two threads that are mid-call when it ends. */
static void *exec_child_thread(void *unused)
{
    (void)unused;
    for (;;) { raw(SYS_getpid, 0, 0, 0); pause_us(1000); }
    return 0;
}

static int exec_child(void)
{
    pthread_t t;
    for (int i = 0; i < 2; i++) pthread_create(&t, 0, exec_child_thread, 0);
    pause_us(20000);
    return 0;
}

static void remove_files(void)
{
    for (int s = 0; s < STORMS; s++)
        for (int k = 0; k < 3; k++) {
            char path[64];
            storm_index = s;
            storm_file_path(path, k);
            unlink(path);
        }
    storm_index = -1;
}

static const char *ending(int status, char *text, int capacity) { return describe_status(status, text, capacity); }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) return exec_child();
    char text[64];
    if (argc > 1) seed = strtoul(argv[1], 0, 0);
    else if (attack_option("attack-seed", text, sizeof text)) seed = strtoul(text, 0, 0);
    int rounds = 6;
    if (attack_option("attack-thread-rounds", text, sizeof text)) rounds = atoi(text);
    if (access(self_path, X_OK) != 0) self_path = "/proc/self/exe";
    dprintf(1, "attack_threads: seed 0x%lx, %d rounds of %d processes x (%d raw + %d pthreads), %d ms each\n", seed, rounds, STORMS, RAW, PTHREADS, STORM_MS);
    dprintf(1, "attack_threads: replay with the kernel options: test=attack.thread_storm attack-seed=0x%lx (natively: attack_threads 0x%lx)\n", seed, seed);
    shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) { dprintf(1, "attack_threads: no shared page\n1 wrong\n"); return 1; }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    long started = now_ms();
    for (int round = 0; round < rounds; round++) {
        unsigned long round_seed = mix(seed ^ mix((unsigned long)round + 1));
        int pids[STORMS];
        for (int s = 0; s < STORMS; s++) shared->pids[s] = 0;
        shared->ready = 0;
        for (int s = 0; s < STORMS; s++) {
            pid_t pid = fork();
            if (pid == 0) {
                raw(SYS_setpgid, 0, 0, 0);
                install_handlers();
                __atomic_fetch_add(&shared->ready, 1, __ATOMIC_RELEASE);
                /* Every sibling's pid is known and its handlers are in place (or it failed). */
                while (shared->pids[STORMS - 1] == 0 || shared->ready < STORMS) pause_us(1000);
                storm(s, mix(round_seed + (unsigned long)s));
            }
            if (pid < 0) { wrong("fork of a storm process", 0, -errno); pids[s] = 0; add(&shared->ready, 1); continue; }
            setpgid(pid, pid);
            pids[s] = pid;
            shared->pids[s] = pid;
        }
        if (shared->pids[STORMS - 1] == 0) shared->pids[STORMS - 1] = -1;
        /* Sometimes SIGKILL from outside, mid-storm. */
        unsigned long r = mix(round_seed ^ 0x77);
        if (r % 3 == 0 && pids[r % STORMS] > 0) {
            sleep_ms((long)(mix(r) % STORM_MS));
            kill(pids[r % STORMS], SIGKILL);
        }
        for (int s = 0; s < STORMS; s++) {
            if (pids[s] <= 0) continue;
            int status = 0;
            long deadline = now_ms() + STORM_MS + END_GRACE_MS;
            pid_t got = 0;
            while ((got = waitpid(pids[s], &status, WNOHANG)) == 0 && now_ms() < deadline) {
                if (now_ms() > deadline - END_GRACE_MS + 2000) kill(-pids[s], SIGCONT);   /* a stop whose SIGCONT was lost */
                sleep_ms(5);
            }
            if (got == 0) {
                wrong("a storm process did not end within 30 s of its deadline (exit_group with threads mid-call)", 0, pids[s]);
                kill(-pids[s], SIGKILL);
                int end = wait_with_deadline(pids[s], 0, KILL_GRACE_MS, &status);
                if (end == CHILD_UNKILLABLE) { wrong("a storm process SIGKILL did not end within 30 s", 0, pids[s]); continue; }
            }
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
                char what[64];
                dprintf(1, "attack_threads: round %d storm %d ended with %s\n", round, s, ending(status, what, sizeof what));
                wrong("a storm process's ending: exit 0 or SIGKILL (wait status)", 0, status);
            }
        }
        /* Children forked by storm threads that outlived their parent (their groups). */
        for (int s = 0; s < STORMS; s++) if (pids[s] > 0) kill(-pids[s], SIGKILL);
        long reap_deadline = now_ms() + KILL_GRACE_MS;
        for (;;) {
            int status;
            pid_t got = waitpid(-1, &status, WNOHANG | __WALL);
            if (got < 0) break;
            if (got == 0) {
                if (now_ms() > reap_deadline) { wrong("forked children SIGKILL did not end within 30 s", 0, 0); break; }
                sleep_ms(5);
            }
        }
        /* Orphans of a storm process are not ours to wait for where PR_SET_CHILD_SUBREAPER is
           refused (Aurora): they stay in the storm's group until they end, and one still in a
           call may yet create a storm file. Wait for every group to empty before the files go
           (a file left in /tmp after the run was this program's, not the kernel's). */
        for (int s = 0; s < STORMS; s++) {
            if (pids[s] <= 0) continue;
            long until = now_ms() + KILL_GRACE_MS;
            while (kill(-pids[s], 0) == 0) {
                if (now_ms() > until) { wrong("a storm's group did not empty within 30 s of SIGKILL", 0, pids[s]); break; }
                kill(-pids[s], SIGKILL);
                sleep_ms(5);
            }
        }
        remove_files();
    }
    dprintf(1, "attack_threads: seed 0x%lx: %d rounds in %ld ms: %ld actions, %ld raw threads, %ld pthreads, %ld forks, %ld execs, %ld exit_groups, "
               "%ld PI locks taken (%ld from dead owners), %ld robust mutexes from dead owners, %ld signals handled, %ld faults skipped, %ld sibling kills, %ld closes\n",
            seed, rounds, now_ms() - started, shared->actions, shared->raw_spawned, shared->pthreads_spawned, shared->forks, shared->execs, shared->exit_groups,
            shared->pi_taken, shared->owner_died, shared->robust_mutex_dead, shared->signals, shared->faults, shared->sibling_kills, shared->closes);
    dprintf(1, "attack_threads: %ld wrong\n", shared->wrong);
    return shared->wrong > 255 ? 255 : (int)shared->wrong;
}
