/* Seeded system-call fuzzer (issue 9): random numbers (Linux 0-450, Aurora 1000-1016, half
   of the draws from the calls the kernel serves) with hostile arguments (0, -1, small ints,
   pointers into our own memory aligned and not, across the end of a mapping, into a read-only
   page, kernel-half and non-canonical addresses, huge and wrapping lengths). Batches run in
   forked children (a batch that kills itself ends only itself), several at once. Calls that
   would end, replace or block a batch (exit, execve, fork, rt_sigreturn, kill, sleeps,
   blocking receives, console reads, huge ranges to the memory calls) run in a grandchild
   with a deadline: one that SIGKILL cannot end within 3 s is a failure, reported with its
   arguments. The kernel must survive all of it.

   Seed: argv[1], else attack-seed= from /tmp/attack-options (the in-kernel test writes the
   kernel option there), else 1. Replay: boot with `test=attack.syscall_fuzzer attack-seed=S`
   and add `attack-fuzz-trace=B` to print every call of batch B. Exit status 0 when every
   deadline held. */
#include "attack_common.h"
#include "attack_cleanup.h"
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include "aurora.h"

#define WORKERS 3
#define BATCH_CALLS 1500
#define PAGE 4096L
#define POOL_PAGES 16
#define GRANDCHILD_MS 40
#define BATCH_MS 4000

struct slot {
    volatile long done;          /* calls made by the batch in this slot */
    volatile long nr, args[6];   /* the call in flight */
    volatile long batch;
};

struct shared {
    struct slot slots[WORKERS];
    volatile unsigned char unkillable[1024 + 32];   /* numbers whose call SIGKILL could not end */
    volatile long unkillable_args[8][7];
    volatile long unkillable_count;
    volatile long grandchildren, skipped;
};

static struct shared *shared;
static unsigned long seed = 1;
static long trace_batch = -1;

static unsigned long mix(unsigned long x)
{
    x += 0x9e3779b97f4a7c15UL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
    return x ^ (x >> 31);
}

static unsigned long rng;
static unsigned long next(void) { rng = mix(rng); return rng; }

static const short served[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 23, 24, 25, 26, 27,
    28, 29, 30, 31, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 54, 55, 57, 59, 60, 61, 62, 64, 65,
    66, 67, 68, 69, 70, 71, 72, 73, 76, 77, 82, 83, 84, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 99,
    100, 105, 106, 110, 113, 114, 115, 116, 117, 118, 119, 120, 122, 123, 127, 131, 132, 133, 137,
    138, 140, 141, 143, 145, 157, 158, 170, 171, 165, 166, 186, 200, 203, 204, 217, 218, 220, 227, 228, 229,
    231, 234, 235, 257, 259, 260, 262, 265, 266, 267, 268, 269, 270, 271, 273, 274, 280, 295, 296,
    288, 309, 439, 175, 176, 313,
    213, 232, 233, 281, 291, 441, /* epoll (socketpair, 53, is left out as pipe is: a read of its end blocks) */
    286, 287, /* timerfd_settime/gettime (the creating calls are left out as pipe is: reads block) */
    85, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 221,
    AURORA_SYS_FIRST, AURORA_SYS_FIRST + 1, AURORA_SYS_FIRST + 2, AURORA_SYS_FIRST + 3,
    AURORA_SYS_FIRST + 4, AURORA_SYS_FIRST + 5, AURORA_SYS_FIRST + 6, AURORA_SYS_FIRST + 7,
    AURORA_SYS_FIRST + 8, AURORA_SYS_FIRST + 9, AURORA_SYS_FIRST + 10, AURORA_SYS_FIRST + 11,
    AURORA_SYS_FIRST + 12, AURORA_SYS_FIRST + 13,
    /* The rest of the table (the red team's pass): vectors, descriptors, identity, limits,
       memory locks, *at calls, random bytes, rseq; pledge, unveil and netrule (they narrow
       the batch and its grandchildren only). Those that block or fork run in grandchildren
       (needs_grandchild). Left out: pipe and pipe2 (a read of the batch's own pipe blocks),
       setpgid and setsid (the fuzzer's job control), mlockall (above), prlimit64 (aimed at
       other pids, init included). */
    19, 32, 33, 34, 56, 58, 63, 79, 80, 81, 96, 97, 98, 102, 104, 107, 108, 111, 121, 124, 128,
    130, 149, 150, 152, 160, 201, 202, 230, 247, 258, 263, 264, 292, 316, 318, 324, 325, 334, 435,
    AURORA_SYS_FIRST + 14, AURORA_SYS_FIRST + 15, AURORA_SYS_FIRST + 16,
};

/* Our own memory the pointers aim into. */
static char pool[POOL_PAGES * PAGE] __attribute__((aligned(4096)));
static const char read_only_page[PAGE] __attribute__((aligned(4096))) = "read-only";
static char *edge;              /* last bytes of a mapping whose next page is unmapped */
static const char *paths[] = { "/tmp/fuzz/a", "/tmp/fuzz/b", "/tmp/fuzz", "/tmp/fuzz/d/e", "/tmp/fuzz/a/x", "", "/nonexistent", "/tmp/fuzz/../fuzz/a" };

static long pointer(void)
{
    switch (next() % 10) {
    case 0: return (long)(pool + (next() % POOL_PAGES) * PAGE);
    case 1: return (long)(pool + next() % sizeof pool);
    case 2: return (long)(edge + PAGE - 1 - next() % 64);
    case 3: return (long)read_only_page;
    case 4: return (long)(next() & 1 ? 0xffff800000000000UL : 0xffffffff80000000UL) + (long)(next() % 16) * PAGE;
    case 5: return (long)(0xffff800000000000UL | (next() & 0x7fffffffffffUL));
    case 6: { static const unsigned long nc[] = { 0x0000800000000000UL, 0x8000000000000000UL, 0x7ffffffffff8UL, 0x00ff000000000000UL, 0x0000800000001000UL };
              return (long)nc[next() % 5]; }
    case 7: return (long)paths[next() % (sizeof paths / sizeof *paths)];
    case 8: return 1 + (long)(next() % 4096);
    default: return (long)(next() & 0x00007ffffffff000UL);
    }
}

static long argument(void)
{
    switch (next() % 12) {
    case 0: return 0;
    case 1: return -1;
    case 2: return (long)(next() % 17);
    case 3: return (long)(unsigned)next();
    case 4: return (long)next();
    case 5: case 6: case 7: return pointer();
    case 8: { static const unsigned long huge[] = { 1UL << 44, ~0UL, 0x7fffffffffffUL, 1UL << 32, 0x7ffffffff000UL, 1UL << 40, 0x8000000000000000UL };
              return (long)huge[next() % 7]; }
    case 9: return -(long)(next() % 8192);                     /* wraps when added to an address */
    case 10: { static const long fds[] = { 0, 1, 2, 3, 4, 5, 6, 7, 512, 513, 514, 527, 528, 1023, -100 };
               return fds[next() % 15]; }
    default: return (long)(next() % 4096) * PAGE;
    }
}

static int is_memory_range_call(long nr)
{
    return nr == 9 || nr == 10 || nr == 11 || nr == 25 || nr == 26 || nr == 27 || nr == 28 ||
           nr == 149 || nr == 150 || nr == 216 || nr == 325 || nr == 329;
}

/* Calls that end, replace or may block the caller, or that address other processes. */
static int needs_grandchild(long nr, const long *a)
{
    switch (nr) {
    case 7: case 15: case 23: case 34: case 35: case 42: case 43: case 56: case 57: case 58:
    case 59: case 60: case 61: case 62: case 65: case 69: case 70: case 101: case 128: case 130: case 220:
    case AURORA_SYS_cap_msgsnd: case AURORA_SYS_cap_msgrcv:
    case 200: case 202: case 230: case 231: case 232: case 234: case 247: case 270: case 271:
    case 281: case 322: case 435: case 441:
    case 141: /* setpriority: a batch at nice 19 would crawl past its deadline */
    case 129: /* rt_sigqueueinfo: aimed like kill */
        return 1;
    case 0: case 17: case 19: case 45: case 47: case 295: case 299: case 327:
        return a[0] == 0 || a[0] >= 512;
    case 72: return a[1] == 7;              /* F_SETLKW may wait for another worker's lock */
    case 73: return (a[1] & 4) == 0;        /* flock without LOCK_NB may wait */
    default:
        return is_memory_range_call(nr) && ((unsigned long)a[1] >= (1UL << 30) || (unsigned long)a[0] + (unsigned long)a[1] < (unsigned long)a[0]);
    }
}

/* kill and friends only ever aim at the caller itself or at nobody, never at the fuzzer's
   other processes (a pid <= 0 means a group: ours). */
static void aim_signals_at_self(long nr, long *a)
{
    long self = raw(SYS_getpid, 0, 0, 0), nobody = 0x3ffffff0;
    if (nr == 62 || nr == 200 || nr == 129) a[0] = next() & 1 ? self : nobody;
    if (nr == 234) { a[0] = next() & 1 ? self : nobody; a[1] = next() & 1 ? self : nobody; }
    if (nr == 101) a[1] = self;     /* ptrace: only ever ourselves */
}

static long call_in_grandchild(long nr, long *a)
{
    long index = nr >= AURORA_SYS_FIRST ? 1024 + (nr - AURORA_SYS_FIRST) : nr;
    if (shared->unkillable[index]) { shared->skipped++; return 0; }
    pid_t pid = fork();
    if (pid < 0) return pid;
    if (pid == 0) {
        aim_signals_at_self(nr, a);
        raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        _exit(0);
    }
    shared->grandchildren++;
    int status;
    if (wait_with_deadline(pid, GRANDCHILD_MS, 3000, &status) == CHILD_UNKILLABLE) {
        long k = shared->unkillable_count++;
        shared->unkillable[index] = 1;
        if (k < 8) {
            shared->unkillable_args[k][0] = nr;
            for (int i = 0; i < 6; i++) shared->unkillable_args[k][1 + i] = a[i];
        }
    }
    return 0;
}

/* A batch's count as it reported it, within what a batch can make: the fuzzed calls may still
   reach the shared page (a mapping call aimed at it by chance), so the parent trusts nothing. */
static long calls_done(const struct slot *slot)
{
    long done = slot->done;
    return done < 0 ? 0 : done > BATCH_CALLS ? BATCH_CALLS : done;
}

static void batch(struct slot *slot, long number)
{
    rng = mix(seed ^ mix((unsigned long)number));
    for (unsigned long i = 0; i < sizeof pool / 8; i++) ((unsigned long *)pool)[i] = next();
    /* A few well-formed structures among the noise: a short sleep, an iovec, a sockaddr. */
    long *words = (long *)pool;
    words[0] = 0; words[1] = 1000;                          /* timespec 1 us */
    words[2] = (long)(pool + 64); words[3] = 16;            /* iovec */
    unsigned char *sin = (unsigned char *)(pool + 32);
    sin[0] = 2; sin[1] = 0; sin[2] = 0x1f; sin[3] = 0x90; sin[4] = 10; sin[5] = 0; sin[6] = 2; sin[7] = 2;
    strcpy(pool + 128, "/tmp/fuzz/c");
    open("/tmp/fuzz/a", O_RDWR);
    open("/tmp/fuzz", O_RDONLY | O_DIRECTORY);
    raw(SYS_socket, 2, 2, 0);

    int tracing = number == trace_batch;
    for (long i = 0; i < BATCH_CALLS; i++) {
        long nr, a[6];
        unsigned long pick = next();
        if (pick & 1) nr = served[(pick >> 1) % (sizeof served / sizeof *served)];
        else { long n = (long)((pick >> 1) % 468); nr = n < 451 ? n : AURORA_SYS_FIRST + (n - 451); }
        for (int k = 0; k < 6; k++) a[k] = argument();
        slot->nr = nr;
        for (int k = 0; k < 6; k++) slot->args[k] = a[k];
        if (tracing)
            dprintf(1, "fuzz batch %ld call %ld: %ld(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)\n",
                    number, i, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        /* No FIFOs: opening one waits for the other side, which nobody here would be. */
        if (nr == 133) a[1] &= ~0x1000L;
        if (nr == 259) a[2] &= ~0x1000L;
        /* Garbage is not written to the console (it cannot be closed): to our file instead. */
        if ((nr == 1 || nr == 18 || nr == 20 || nr == 296) && (a[0] == 1 || a[0] == 2)) a[0] = 3;
        /* The wall clock is everyone's: clock_settime only ever on the caller's CPU clock
           (clock_getcpuclockid(0): EPERM after the copy). */
        if (nr == 227) a[0] = -6;
        /* mlockall(MCL_CURRENT) fills in every mapping a batch has: memory for all workers'
           deadlines to pay for, not a kernel question (mlock.c asks it). */
        if (nr == 151) a[0] &= ~1L;
        if (needs_grandchild(nr, a)) {
            /* Only one in 16 of these is made (each costs a fork and up to a deadline). */
            if (next() % 16 == 0) call_in_grandchild(nr, a);
            else shared->skipped++;
        } else {
            long r = raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            if (tracing) dprintf(1, "  = %ld\n", r);
        }
        slot->done++;
    }
    _exit(0);
}

/* System V objects outlive their makers: whatever the fuzzed calls made (by any key) is
   found through the *_STAT commands, which take a table index, and removed. */
static void remove_sysv_objects(void)
{
    char ds[256];
    for (int i = 0; i < 256; i++) {   /* beyond Aurora's tables (64 each) */
        long id = syscall(SYS_msgctl, i, 13 /* MSG_STAT_ANY */, ds);
        if (id >= 0) syscall(SYS_msgctl, id, IPC_RMID, 0);
        id = syscall(SYS_shmctl, i, 15 /* SHM_STAT_ANY */, ds);
        if (id >= 0) syscall(SYS_shmctl, id, IPC_RMID, 0);
        id = syscall(SYS_semctl, i, 0, 20 /* SEM_STAT_ANY */, ds);
        if (id >= 0) syscall(SYS_semctl, id, 0, IPC_RMID, 0);
    }
}

/* Under TCG the TSC runs at the host's rate in real time; the rate is measured against the
   kernel's 1 ms tick once. */
static unsigned long rdtsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((unsigned long)hi << 32) | lo;
}

int main(int argc, char **argv)
{
    char text[64];
    if (argc > 1) seed = strtoul(argv[1], 0, 0);
    else if (attack_option("attack-seed", text, sizeof text)) seed = strtoul(text, 0, 0);
    long target = 200000;
    if (attack_option("attack-fuzz-calls", text, sizeof text)) target = strtol(text, 0, 0);
    if (attack_option("attack-fuzz-trace", text, sizeof text)) trace_batch = strtol(text, 0, 0);
    dprintf(1, "attack_fuzz: seed 0x%lx, %ld calls, %d workers, %d calls a batch\n", seed, target, WORKERS, BATCH_CALLS);
    dprintf(1, "attack_fuzz: replay with the kernel options: test=attack.syscall_fuzzer attack-seed=0x%lx [attack-fuzz-trace=BATCH]\n", seed);

    /* The batches report through an anonymous shared mapping, not a System V segment: a
       fuzzed shmat(small id, pool page, SHM_REMAP) could attach a segment by its id over the
       batch's pool, and the next fuzzed read into the pool then wrote noise into the counts
       (a negative count made the loop start batches forever). Nobody can name this mapping. */
    shared = mmap(0, sizeof(struct shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) { dprintf(1, "attack_fuzz: no shared memory\n"); return 2; }
    char *region = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(region + PAGE, PAGE);
    edge = region;
    mkdir("/tmp/fuzz", 0755);
    int fd = open("/tmp/fuzz/a", O_RDWR | O_CREAT, 0644);
    write(fd, "fuzz target file\n", 17);
    close(fd);

    char *root_before = list_names("/"), *tmp_before = list_names("/tmp");
    pid_t running[WORKERS] = { 0 };
    long started_at[WORKERS] = { 0 }, lost_slots = 0, total = 0, batches = 0, next_batch = 0, ends[65] = { 0 };
    long next_report = target / 5, elapsed_ms = 0;
    /* Batches that die at once make few calls (a third of a full batch on average); eight times
       the even share is the most ever started, so the loop ends whatever the counts say. */
    long max_batches = 8 * (target / BATCH_CALLS + 1);
    unsigned long start = rdtsc();
    sleep_ms(50);
    unsigned long tsc_per_ms = (rdtsc() - start) / 50;
    if (tsc_per_ms == 0) tsc_per_ms = 1;
    start = rdtsc();
    for (;;) {
        elapsed_ms = (long)((rdtsc() - start) / tsc_per_ms);
        long in_flight = 0;
        for (int w = 0; w < WORKERS; w++) {
            struct slot *slot = &shared->slots[w];
            if (running[w] > 0) {
                int status;
                pid_t r = waitpid(running[w], &status, WNOHANG);
                if (r == running[w]) {
                    total += calls_done(slot);
                    batches++;
                    ends[WIFSIGNALED(status) ? WTERMSIG(status) & 63 : 64]++;
                    running[w] = 0;
                } else if (elapsed_ms - started_at[w] > BATCH_MS) {
                    long nr = slot->nr;
                    long args[6];
                    for (int k = 0; k < 6; k++) args[k] = slot->args[k];
                    dprintf(1, "attack_fuzz: batch %ld still running after %d s, in syscall %ld(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx): SIGKILL\n",
                            slot->batch, BATCH_MS / 1000, nr, args[0], args[1], args[2], args[3], args[4], args[5]);
                    if (wait_with_deadline(running[w], 0, 3000, &status) == CHILD_UNKILLABLE) {
                        char what[200];
                        snprintf(what, sizeof what, "batch %ld still in syscall %ld(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx) after %d s and SIGKILL",
                                 slot->batch, nr, args[0], args[1], args[2], args[3], args[4], args[5], BATCH_MS / 1000);
                        attack_report(what, "its end", 0, 0);
                        running[w] = -1;        /* abandoned: this slot is lost */
                        lost_slots++;
                    } else {
                        total += calls_done(slot);
                        batches++;
                        ends[WIFSIGNALED(status) ? WTERMSIG(status) & 63 : 64]++;
                        running[w] = 0;
                    }
                } else {
                    in_flight += slot->done;
                }
            }
            /* Batches that die early make fewer calls: start more until the finished ones
               and those running reach the target. */
            long running_now = 0;
            for (int k = 0; k < WORKERS; k++) running_now += running[k] > 0;
            if (running[w] == 0 && total + running_now * BATCH_CALLS < target && next_batch < max_batches) {
                slot->done = 0;
                slot->batch = next_batch;
                pid_t pid = fork();
                if (pid == 0) batch(slot, slot->batch);
                if (pid > 0) { running[w] = pid; started_at[w] = elapsed_ms; next_batch++; }
                else if (pid < 0) sleep_ms(5);
            }
        }
        if (total >= next_report) {
            dprintf(1, "attack_fuzz: %ld calls, %ld batches, %ld ms\n", total, batches, elapsed_ms);
            next_report += target / 5;
        }
        int busy = 0;
        for (int w = 0; w < WORKERS; w++) busy |= running[w] > 0;
        if (!busy) break;
        sleep_ms(2);
        (void)in_flight;
    }

    for (long k = 0; k < shared->unkillable_count && k < 8; k++) {
        volatile long *u = shared->unkillable_args[k];
        char what[200];
        snprintf(what, sizeof what, "syscall %ld(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx) in a grandchild not ended by SIGKILL within 3 s",
                 u[0], u[1], u[2], u[3], u[4], u[5], u[6]);
        attack_report(what, "its end", 0, 0);
    }
    remove_sysv_objects();
    remove_tree("/tmp/fuzz", 0);
    remove_new_names("/", root_before);
    remove_new_names("/tmp", tmp_before);
    free(root_before);
    free(tmp_before);
    dprintf(1, "attack_fuzz: batch ends: %ld exited, %ld SIGSEGV, %ld SIGILL, %ld SIGKILL, %ld other signals; %ld calls in grandchildren, %ld skipped; %ld slots lost\n",
            ends[64], ends[11], ends[4], ends[9], batches - ends[64] - ends[11] - ends[4] - ends[9],
            shared->grandchildren, shared->skipped, lost_slots);
    dprintf(1, "attack_fuzz: seed 0x%lx: %ld calls in %ld batches, %ld ms, %d wrong\n", seed, total, batches, elapsed_ms, attack_wrong);
    if (total < target) dprintf(1, "attack_fuzz: stopped at %ld batches with %ld of %ld calls made\n", batches, total, target);
    return attack_wrong != 0 || total < target / 2;
}
