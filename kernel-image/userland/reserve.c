/* Reserved memory (issue 12, item 2): what the .NET GC and V8 do with the address space.
 * Huge PROT_NONE reservations cost no memory and go away at once; a slice made read-write
 * fills in on first touch; sparse touches, MADV_DONTNEED and MADV_FREE, fork after sparse
 * touches (copy-on-write intact), mremap growth of a sparse mapping, RLIMIT_AS, and hostile
 * ranges with Linux's errno. The answers are Linux's: this program prints "reserve: 0 wrong"
 * on a Linux host too. Free memory is read with sysinfo (freeram): a reservation must not
 * move it by more than a few pages. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

#define P 4096L
#define GiB (1L << 30)

static int wrong;

static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) {
        printf("reserve: %s: expected %ld, actual %ld\n", what, expected, actual);
        wrong++;
    }
}

/* The raw call's result, -errno on failure (no libc wrapper in the way). */
static long sys(long n, long a, long b, long c, long d, long e, long f)
{
    long r = syscall(n, a, b, c, d, e, f);
    return r == -1 ? -errno : r;
}

static long reserve(long size, int prot)
{
    return sys(SYS_mmap, 0, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

static long free_pages(void)
{
    struct sysinfo info;
    if (sysinfo(&info) != 0) return -1;
    return (long)(info.freeram * info.mem_unit / P);
}

static long elapsed_ms(const struct timespec *from)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - from->tv_sec) * 1000 + (now.tv_nsec - from->tv_nsec) / 1000000;
}

/* The signal a child died of (0 when it exited 0, -status when it exited otherwise). */
static int child_result(void (*body)(long), long argument)
{
    pid_t pid = fork();
    if (pid == 0) { body(argument); _exit(0); }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
}

static void touch_read(long address) { (void)*(volatile char *)address; }
static void touch_write(long address) { *(volatile char *)address = 1; }

/* Sums one byte per page over [base, base + length): every page reads zero unless written. */
static long sum_pages(const char *base, long length, long stride)
{
    long sum = 0;
    for (long at = 0; at < length; at += stride) sum += base[at];
    return sum;
}

static void huge_reservations(void)
{
    long before = free_pages();
    long big = reserve(1L << 44, PROT_NONE);
    expect("mmap 1<<44 PROT_NONE succeeds", 1, big > 0);
    long after = free_pages();
    /* A few page tables at most; both numbers come from the same kernel, so allow noise. */
    expect("1<<44 reservation costs (almost) no memory", 1, before - after < 64);
    if (big > 0) {
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        expect("munmap 1<<44", 0, sys(SYS_munmap, big, 1L << 44, 0, 0, 0, 0));
        expect("munmap 1<<44 is quick (under 10 s; it took minutes before)", 1, elapsed_ms(&start) < 10000);
    }

    /* 256 GiB reserved, a 64 MiB slice made read-write, three pages of it touched. */
    long heap = reserve(256 * GiB, PROT_NONE);
    expect("mmap 256 GiB PROT_NONE succeeds", 1, heap > 0);
    if (heap <= 0) return;
    expect("touching the reservation faults", SIGSEGV, child_result(touch_read, heap + 100 * GiB));
    long slice = heap + 128 * GiB;
    expect("mprotect a 64 MiB slice RW", 0, sys(SYS_mprotect, slice, 64L << 20, PROT_READ | PROT_WRITE, 0, 0, 0));
    before = free_pages();
    char *s = (char *)slice;
    s[0] = 'a';
    s[32L << 20] = 'b';
    s[(64L << 20) - 1] = 'c';
    after = free_pages();
    expect("three touches take a few pages", 1, before - after < 64);
    expect("touched bytes", 'a' + 'b' + 'c', s[0] + s[32L << 20] + s[(64L << 20) - 1]);
    expect("untouched pages of the slice read zero", 'a' + 'b' + 'c', sum_pages(s, 64L << 20, 1L << 20) + s[(64L << 20) - 1]);
    expect("write past the slice faults", SIGSEGV, child_result(touch_write, slice + (64L << 20)));
    expect("write before the slice faults", SIGSEGV, child_result(touch_write, slice - 1));
    /* Take the slice back to PROT_NONE, the middle of the reservation out, then the rest. */
    expect("mprotect the slice PROT_NONE", 0, sys(SYS_mprotect, slice, 64L << 20, PROT_NONE, 0, 0, 0));
    expect("the slice faults again", SIGSEGV, child_result(touch_read, slice));
    expect("mprotect RW again keeps the data", 0, sys(SYS_mprotect, slice, 64L << 20, PROT_READ | PROT_WRITE, 0, 0, 0));
    expect("data kept through PROT_NONE", 'b', s[32L << 20]);
    expect("munmap a hole in the reservation", 0, sys(SYS_munmap, heap + GiB, 64 * GiB, 0, 0, 0, 0));
    expect("mprotect across the hole", -ENOMEM, sys(SYS_mprotect, heap, 2 * GiB, PROT_READ, 0, 0, 0));
    expect("munmap the whole 256 GiB", 0, sys(SYS_munmap, heap, 256 * GiB, 0, 0, 0, 0));
    expect("mprotect after munmap", -ENOMEM, sys(SYS_mprotect, slice, P, PROT_READ, 0, 0, 0));
}

static void sparse_and_advice(void)
{
    /* 1 GiB read-write, one page in every 16 MiB touched. */
    char *m = (char *)reserve(GiB, PROT_READ | PROT_WRITE);
    expect("mmap 1 GiB RW succeeds", 1, (long)m > 0);
    if ((long)m <= 0) return;
    long before = free_pages();
    for (long at = 0; at < GiB; at += 16L << 20) m[at] = 7;
    long after = free_pages();
    /* Each touch is in its own 2 MiB block: a page and a page table each, a few more above. */
    if (before - after >= 2 * 64 + 32) printf("reserve: sparse touches took %ld pages\n", before - after);
    expect("64 sparse touches take about 128 pages", 1, before - after < 2 * 64 + 32);
    expect("sparse data", 7 * 64, sum_pages(m, GiB, 16L << 20));

    /* MADV_DONTNEED: the next touch reads zeros (private anonymous memory). */
    expect("madvise DONTNEED", 0, sys(SYS_madvise, (long)m, 64L << 20, MADV_DONTNEED, 0, 0, 0));
    expect("zeros after DONTNEED", 0, m[0] + m[16L << 20] + m[32L << 20] + m[48L << 20]);
    expect("data beyond the advice stays", 7, m[64L << 20]);
    /* MADV_FREE: the kernel may drop the pages; what is read back is the old data or zeros,
     * and a write after it sticks. */
    m[P] = 9;
    expect("madvise FREE", 0, sys(SYS_madvise, (long)m, 2 * P, MADV_FREE, 0, 0, 0));
    expect("FREE leaves old data or zeros", 1, m[P] == 9 || m[P] == 0);
    m[P] = 5;
    expect("write after FREE sticks", 5, m[P]);
    /* MADV_FREE is for private anonymous memory only (Linux: EINVAL on a shared mapping). */
    char *shared = mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    expect("madvise FREE on shared memory", -EINVAL, sys(SYS_madvise, (long)shared, P, MADV_FREE, 0, 0, 0));
    munmap(shared, P);
    expect("madvise FREE on a hole", -ENOMEM, sys(SYS_madvise, (long)m + GiB, P, MADV_FREE, 0, 0, 0));
    expect("madvise DONTNEED unaligned", -EINVAL, sys(SYS_madvise, (long)m + 1, P, MADV_DONTNEED, 0, 0, 0));

    /* fork after sparse touches: the child sees the parent's data, writes stay its own. */
    for (long at = 0; at < GiB; at += 16L << 20) m[at] = 7;
    pid_t pid = fork();
    if (pid == 0) {
        int bad = sum_pages(m, GiB, 16L << 20) != 7 * 64;
        for (long at = 0; at < GiB; at += 16L << 20) m[at] = 3;
        m[GiB - 1] = 3; /* an untouched page, filled in the child only */
        bad |= (sum_pages(m, GiB, 16L << 20) != 3 * 64) << 1;
        _exit(bad);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    expect("child saw the data and wrote its own copy", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status));
    expect("parent data intact after the child wrote", 7 * 64, sum_pages(m, GiB, 16L << 20));
    expect("parent's untouched page still zero", 0, m[GiB - 1]);

    /* mremap growth of a sparse mapping: 1 GiB to 4 GiB, data moved or kept, the new part zero. */
    char *grown = (char *)sys(SYS_mremap, (long)m, GiB, 4 * GiB, MREMAP_MAYMOVE, 0, 0);
    expect("mremap 1 GiB to 4 GiB", 1, (long)grown > 0);
    if ((long)grown > 0) {
        expect("data after mremap", 7 * 64, sum_pages(grown, GiB, 16L << 20));
        expect("grown part reads zero", 0, sum_pages(grown + GiB, 3 * GiB, 64L << 20));
        grown[4 * GiB - 1] = 1;
        expect("grown part is writable", 1, grown[4 * GiB - 1]);
        expect("munmap the grown mapping", 0, sys(SYS_munmap, (long)grown, 4 * GiB, 0, 0, 0, 0));
    }
}

/* fork of a process holding a 16 TiB reservation with a few touched pages in it costs the
 * pages and tables present, not the reservation: the child starts quickly and small. */
static void fork_with_reservation(void)
{
    long big = reserve(1L << 44, PROT_NONE);
    expect("mmap 1<<44 for fork", 1, big > 0);
    if (big <= 0) return;
    for (long i = 1; i < 8; i++) {
        char *slice = (char *)(big + i * (1L << 41));
        expect("mprotect a page deep in the reservation", 0, sys(SYS_mprotect, (long)slice, P, PROT_READ | PROT_WRITE, 0, 0, 0));
        *slice = (char)i;
    }
    int channel[2];
    if (pipe(channel) != 0) return;
    long before = free_pages();
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid == 0) {
        long in_child = free_pages();
        long sum = 0;
        for (long i = 1; i < 8; i++) sum += *(char *)(big + i * (1L << 41));
        *(char *)(big + (1L << 41)) = 100; /* copy-on-write: the parent keeps its 1 */
        if (write(channel[1], &in_child, sizeof in_child) != sizeof in_child) _exit(2);
        _exit(sum == 28 ? 0 : 1);
    }
    long in_child = 0;
    expect("child reports", (long)sizeof in_child, read(channel[0], &in_child, sizeof in_child));
    int status = 0;
    waitpid(pid, &status, 0);
    long ms = elapsed_ms(&start);
    expect("child saw the touched pages", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status));
    expect("parent keeps its page after the child wrote", 1, *(char *)(big + (1L << 41)));
    /* The child's tables, kernel stack and the pages it copied: well under 1 MiB here. */
    if (before - in_child >= 512) printf("reserve: the forked child took %ld pages\n", before - in_child);
    expect("fork with a 16 TiB reservation is small", 1, before - in_child < 512);
    expect("fork with a 16 TiB reservation is quick (under 10 s)", 1, ms < 10000);
    close(channel[0]);
    close(channel[1]);
    expect("munmap the forked reservation", 0, sys(SYS_munmap, big, 1L << 44, 0, 0, 0, 0));
}

static void hostile_ranges(void)
{
    long anon = MAP_PRIVATE | MAP_ANONYMOUS;
    expect("mmap length ~0", -ENOMEM, sys(SYS_mmap, 0, -1L, PROT_NONE, anon, -1, 0));
    expect("mmap length 1<<47", -ENOMEM, sys(SYS_mmap, 0, 1L << 47, PROT_NONE, anon, -1, 0));
    expect("mmap length 0", -EINVAL, sys(SYS_mmap, 0, 0, PROT_NONE, anon, -1, 0));
    expect("mmap fixed non-canonical", -ENOMEM, sys(SYS_mmap, 0x800000000000L, P, PROT_NONE, anon | MAP_FIXED, -1, 0));
    expect("mmap fixed kernel half", -ENOMEM, sys(SYS_mmap, 0xffff800000000000L, P, PROT_NONE, anon | MAP_FIXED, -1, 0));
    expect("mmap fixed wrapping", -ENOMEM, sys(SYS_mmap, 0x7ffffffff000L, 1L << 44, PROT_NONE, anon | MAP_FIXED, -1, 0));
    expect("mmap fixed unaligned", -EINVAL, sys(SYS_mmap, 0x10000001, P, PROT_NONE, anon | MAP_FIXED, -1, 0));
    expect("munmap unaligned", -EINVAL, sys(SYS_munmap, 0x10000001, P, 0, 0, 0, 0));
    expect("munmap wrapping", -EINVAL, sys(SYS_munmap, 0x7ffffffff000L, -P, 0, 0, 0, 0));
    expect("munmap non-canonical", -EINVAL, sys(SYS_munmap, 0x800000000000L, P, 0, 0, 0, 0));
    expect("munmap kernel half", -EINVAL, sys(SYS_munmap, 0xffff800000000000L, P, 0, 0, 0, 0));
    expect("munmap length 0", -EINVAL, sys(SYS_munmap, 0x10000000, 0, 0, 0, 0, 0));
    expect("mprotect unaligned", -EINVAL, sys(SYS_mprotect, 0x10000001, P, PROT_READ, 0, 0, 0));
    expect("mprotect wrapping", -ENOMEM, sys(SYS_mprotect, 0x7ffffffff000L, -P, PROT_READ, 0, 0, 0));
    expect("mprotect non-canonical", -ENOMEM, sys(SYS_mprotect, 0x800000000000L, P, PROT_READ, 0, 0, 0));
    expect("mprotect kernel half", -ENOMEM, sys(SYS_mprotect, 0xffff800000000000L, P, PROT_READ, 0, 0, 0));
    expect("madvise wrapping", -EINVAL, sys(SYS_madvise, 0x7ffffffff000L, -P, MADV_DONTNEED, 0, 0, 0));
    expect("madvise kernel half", -ENOMEM, sys(SYS_madvise, 0xffff800000000000L, P, MADV_FREE, 0, 0, 0));
    expect("mremap of nothing", -EFAULT, sys(SYS_mremap, 0x10000000, P, 2 * P, MREMAP_MAYMOVE, 0, 0));
    /* A writable private mapping larger than all memory can never be backed (Linux's
     * heuristic overcommit refuses it at once); the same size PROT_NONE is a reservation. */
    expect("mmap 1<<46 RW", -ENOMEM, sys(SYS_mmap, 0, 1L << 46, PROT_READ | PROT_WRITE, anon, -1, 0));
    /* Shared anonymous memory is charged whole at mmap (Linux's shmem), PROT_NONE or not. */
    expect("mmap 1<<46 MAP_SHARED|MAP_ANONYMOUS PROT_NONE", -ENOMEM, sys(SYS_mmap, 0, 1L << 46, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    long r = sys(SYS_mmap, 0, 1L << 46, PROT_NONE, anon, -1, 0);
    expect("mmap 1<<46 PROT_NONE", 1, r > 0);
    if (r > 0) expect("munmap 1<<46", 0, sys(SYS_munmap, r, 1L << 46, 0, 0, 0, 0));
}

/* RLIMIT_AS bounds reservations (ENOMEM), not touches; in a child so the limit dies with it. */
static void address_space_limit(long unused)
{
    (void)unused;
    struct rlimit limit = { 1L << 32, 1L << 32 };
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(1);
    if (reserve(1L << 33, PROT_NONE) != -ENOMEM) _exit(2);
    long small = reserve(256L << 20, PROT_NONE);
    if (small <= 0) _exit(3);
    if (sys(SYS_mremap, small, 256L << 20, 1L << 33, MREMAP_MAYMOVE, 0, 0) != -ENOMEM) _exit(4);
    if (sys(SYS_munmap, small, 256L << 20, 0, 0, 0, 0) != 0) _exit(5);
    /* The break counts too. */
    char *top = sbrk(0);
    if (sys(SYS_brk, (long)top + (1L << 33), 0, 0, 0, 0, 0) != (long)top) _exit(6);
    _exit(0);
}

/* A child that reserves and releases 16 TiB over and over is killed at once. */
static void reserve_forever(long unused)
{
    (void)unused;
    for (;;) {
        long r = reserve(1L << 44, PROT_NONE);
        if (r > 0) {
            mprotect((void *)(r + (1L << 43)), 1L << 20, PROT_READ | PROT_WRITE);
            *(volatile char *)(r + (1L << 43)) = 1;
            sys(SYS_munmap, r, 1L << 44, 0, 0, 0, 0);
        }
    }
}

static void kill_during_reserve(void)
{
    pid_t pid = fork();
    if (pid == 0) { reserve_forever(0); _exit(0); }
    struct timespec nap = { 0, 100 * 1000 * 1000 };
    nanosleep(&nap, 0);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    long ms = elapsed_ms(&start);
    expect("killed while reserving: SIGKILL", SIGKILL, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    if (ms >= 1000) printf("reserve: kill took %ld ms\n", ms);
    expect("kill during huge mmap/munmap is quick (under 5 s; it never ended before)", 1, ms < 5000);
}

int main(void)
{
    huge_reservations();
    sparse_and_advice();
    fork_with_reservation();
    hostile_ranges();
    expect("RLIMIT_AS bounds reservations", 0, child_result(address_space_limit, 0));
    kill_during_reserve();
    printf("reserve: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
