/* mremap, madvise, msync and mincore (issue 11, item 3), good and hostile arguments. The
   answers are Linux's: this program prints "vm_calls: 0 wrong" on a Linux host too. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static int wrong;
#define P 4096UL

static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("%s: expected %ld, got %ld\n", what, expected, actual); wrong++; }
}

/* The raw call's result, -errno on failure (no libc wrapper in the way). */
static long sys(long n, long a, long b, long c, long d, long e)
{
    long r = syscall(n, a, b, c, d, e);
    return r == -1 ? -errno : r;
}

static char *map(size_t size, int prot)
{
    return mmap(0, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* 1 if reading the byte at p faults (in a child, so the fault ends only the child). */
static int faults(volatile char *p)
{
    pid_t pid = fork();
    if (pid == 0) { (void)*p; _exit(0); }
    int status;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static void test_mremap(void)
{
    /* Growing keeps the contents, in place or moved. */
    char *a = map(4 * P, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 4; i++) memset(a + i * P, 'a' + i, P);
    char *b = mremap(a, 4 * P, 64 * P, MREMAP_MAYMOVE);
    expect("mremap grow MAYMOVE", 1, b != MAP_FAILED);
    int same = 1;
    for (int i = 0; i < 4; i++) same &= b[i * P] == 'a' + i && b[i * P + P - 1] == 'a' + i;
    expect("mremap grow keeps contents", 1, same);
    expect("mremap grown part reads zero", 0, b[40 * P]);
    b[63 * P] = 'z';
    expect("mremap grown part is writable", 'z', b[63 * P]);
    if (b != a) expect("old range is gone after a move", 1, faults(a));

    /* Shrinking in place frees the tail. */
    expect("mremap shrink", (long)b, (long)mremap(b, 64 * P, 2 * P, 0));
    expect("shrunk tail faults", 1, faults(b + 2 * P));
    expect("shrunk head kept", 'a', b[0]);
    expect("munmap shrunk", 0, munmap(b, 2 * P));

    /* Growing in place when the space after is free; ENOMEM without MAYMOVE when it is not. */
    char *c = map(8 * P, PROT_READ | PROT_WRITE);
    munmap(c + 2 * P, 6 * P);
    c[0] = 'c';
    expect("mremap grow in place", (long)c, (long)mremap(c, 2 * P, 5 * P, 0));
    expect("grown in place keeps contents", 'c', c[0]);
    c[4 * P] = 'd';
    char *blocker = mmap(c + 5 * P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    expect("blocker mapped", (long)(c + 5 * P), (long)blocker);
    expect("mremap blocked without MAYMOVE", -ENOMEM, sys(SYS_mremap, (long)c, 5 * P, 8 * P, 0, 0));
    expect("still there after ENOMEM", 'd', c[4 * P]);

    /* MREMAP_FIXED moves to the given address, replacing what was there. */
    char *target = map(16 * P, PROT_READ);
    long moved = sys(SYS_mremap, (long)c, 5 * P, 6 * P, MREMAP_MAYMOVE | MREMAP_FIXED, (long)(target + 4 * P));
    expect("mremap FIXED", (long)(target + 4 * P), moved);
    if (moved > 0) {
        char *m = (char *)moved;
        expect("FIXED keeps contents", 'c', m[0]);
        expect("FIXED keeps contents (page 4)", 'd', m[4 * P]);
        expect("FIXED keeps the protection (writable)", 0, (m[5 * P] = 'w', m[5 * P] != 'w'));
        expect("FIXED old range gone", 1, faults(c));
        expect("FIXED neighbour kept", 1, !faults(target));
    }
    munmap(target, 16 * P);
    munmap(blocker, P);

    /* MREMAP_DONTUNMAP: the pages move, the old range stays mapped and reads zero. */
    char *u = map(2 * P, PROT_READ | PROT_WRITE);
    memset(u, 'u', 2 * P);
    char *v = mremap(u, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    expect("DONTUNMAP moves", 1, v != MAP_FAILED && v != u);
    if (v != MAP_FAILED) {
        expect("DONTUNMAP keeps the contents", 'u', v[0] & v[2 * P - 1]);
        expect("DONTUNMAP: the old range is still mapped and reads zero", 0, faults(u) ? -1 : u[0] | u[P]);
        u[0] = 'n';
        expect("DONTUNMAP: the old range is writable", 'n', u[0]);
        expect("DONTUNMAP: the new range is separate", 'u', v[0]);
        munmap(v, 2 * P);
    }
    expect("DONTUNMAP with a new size", -EINVAL, sys(SYS_mremap, (long)u, 2 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0));
    expect("DONTUNMAP without MAYMOVE", -EINVAL, sys(SYS_mremap, (long)u, 2 * P, 2 * P, MREMAP_DONTUNMAP, 0));
    munmap(u, 2 * P);

    /* Hostile arguments. */
    char *d = map(4 * P, PROT_READ | PROT_WRITE);
    expect("mremap unknown flag", -EINVAL, sys(SYS_mremap, (long)d, P, 2 * P, 0x80, 0));
    expect("mremap FIXED without MAYMOVE", -EINVAL, sys(SYS_mremap, (long)d, P, 2 * P, MREMAP_FIXED, (long)d + 64 * P));
    expect("mremap unaligned", -EINVAL, sys(SYS_mremap, (long)d + 1, P, 2 * P, MREMAP_MAYMOVE, 0));
    expect("mremap new size 0", -EINVAL, sys(SYS_mremap, (long)d, P, 0, MREMAP_MAYMOVE, 0));
    expect("mremap unmapped address", -EFAULT, sys(SYS_mremap, (long)d + 8 * P, P, 2 * P, MREMAP_MAYMOVE, 0));
    expect("mremap old size beyond the mapping", -EFAULT, sys(SYS_mremap, (long)d, 6 * P, 8 * P, MREMAP_MAYMOVE, 0));
    expect("mremap FIXED overlapping", -EINVAL, sys(SYS_mremap, (long)d, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, (long)d + P));
    expect("mremap FIXED unaligned target", -EINVAL, sys(SYS_mremap, (long)d, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, (long)d + 64 * P + 1));
    expect("mremap FIXED target beyond user space", -EINVAL, sys(SYS_mremap, (long)d, P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, 0x7ffffffff000L));
    expect("mremap FIXED kernel target", -EINVAL, sys(SYS_mremap, (long)d, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, (long)0xffff800000000000UL));
    expect("mremap huge growth", -ENOMEM, sys(SYS_mremap, (long)d, P, 1L << 46, MREMAP_MAYMOVE, 0));
    expect("mremap same size", (long)d, sys(SYS_mremap, (long)d, 4 * P, 4 * P, 0, 0));
    munmap(d, 4 * P);
}

static void test_madvise(void)
{
    char *a = map(8 * P, PROT_READ | PROT_WRITE);
    memset(a, 'x', 8 * P);
    expect("MADV_DONTNEED", 0, madvise(a + 2 * P, 3 * P, MADV_DONTNEED));
    expect("DONTNEED page reads zero", 0, a[2 * P] | a[4 * P + P - 1]);
    expect("page before kept", 'x', a[2 * P - 1]);
    expect("page after kept", 'x', a[5 * P]);
    a[3 * P] = 'y';
    expect("DONTNEED page is writable again", 'y', a[3 * P]);
    int advice[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_FREE };
    for (unsigned i = 0; i < sizeof advice / sizeof advice[0]; i++) {
        char what[40];
        snprintf(what, sizeof what, "madvise advice %d", advice[i]);
        expect(what, 0, madvise(a, 8 * P, advice[i]));
    }
    expect("madvise bad advice 5", -EINVAL, sys(SYS_madvise, (long)a, P, 5, 0, 0));
    expect("madvise bad advice 999", -EINVAL, sys(SYS_madvise, (long)a, P, 999, 0, 0));
    expect("madvise unaligned", -EINVAL, sys(SYS_madvise, (long)a + 1, P, MADV_NORMAL, 0, 0));
    expect("madvise length 0", 0, sys(SYS_madvise, (long)a, 0, MADV_DONTNEED, 0, 0));
    expect("madvise wrapping length", -EINVAL, sys(SYS_madvise, (long)a, -1L, MADV_NORMAL, 0, 0));
    munmap(a + 6 * P, 2 * P);
    expect("madvise over a hole", -ENOMEM, sys(SYS_madvise, (long)a, 8 * P, MADV_DONTNEED, 0, 0));
    expect("madvise before the hole still done", 0, a[5 * P]);
    expect("madvise unmapped", -ENOMEM, sys(SYS_madvise, 0x10000, P, MADV_NORMAL, 0, 0));
    expect("madvise huge range", -ENOMEM, sys(SYS_madvise, 0x10000, 1L << 44, MADV_WILLNEED, 0, 0));
    munmap(a, 6 * P);

    /* DONTNEED after fork: the child's pages read zero, the parent's copy is untouched. */
    char *s = map(2 * P, PROT_READ | PROT_WRITE);
    memset(s, 's', 2 * P);
    pid_t pid = fork();
    if (pid == 0) {
        madvise(s, 2 * P, MADV_DONTNEED);
        _exit(s[0] == 0 && s[P] == 0 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    expect("child DONTNEED reads zero", 0, status);
    expect("parent keeps its copy", 's', s[0] & s[P]);
    munmap(s, 2 * P);
}

static void test_msync_mincore(void)
{
    char *a = map(8 * P, PROT_READ | PROT_WRITE);
    munmap(a + 4 * P, 2 * P); /* a hole at pages 4 and 5; 6 and 7 stay */
    a[0] = 1;
    expect("msync MS_SYNC", 0, msync(a, 4 * P, MS_SYNC));
    expect("msync MS_ASYNC", 0, msync(a, P, MS_ASYNC));
    expect("msync MS_INVALIDATE", 0, msync(a, P, MS_INVALIDATE));
    expect("msync length 0", 0, msync(a, 0, MS_SYNC));
    expect("msync SYNC|ASYNC", -EINVAL, sys(SYS_msync, (long)a, P, MS_SYNC | MS_ASYNC, 0, 0));
    expect("msync unknown flag", -EINVAL, sys(SYS_msync, (long)a, P, 8, 0, 0));
    expect("msync unaligned", -EINVAL, sys(SYS_msync, (long)a + 1, P, MS_SYNC, 0, 0));
    expect("msync over a hole", -ENOMEM, sys(SYS_msync, (long)a, 8 * P, MS_SYNC, 0, 0));
    expect("msync unmapped", -ENOMEM, sys(SYS_msync, 0x10000, P, MS_SYNC, 0, 0));

    unsigned char vec[8];
    memset(vec, 0xee, sizeof vec);
    a[2 * P] = 1;
    expect("mincore", 0, mincore(a, 4 * P, vec));
    expect("mincore touched page", 1, vec[0] & 1);
    expect("mincore untouched page", 0, vec[1] & 1);
    expect("mincore touched page 2", 1, vec[2] & 1);
    expect("mincore wrote only 4 bytes", 0xee, vec[4]);
    expect("mincore partial page counts", 0, mincore(a, P + 1, vec));
    expect("mincore unaligned", -EINVAL, sys(SYS_mincore, (long)a + 1, P, (long)vec, 0, 0));
    expect("mincore unmapped", -ENOMEM, sys(SYS_mincore, 0x10000, P, (long)vec, 0, 0));
    expect("mincore over a hole", -ENOMEM, sys(SYS_mincore, (long)a, 8 * P, (long)vec, 0, 0));
    expect("mincore bad vector", -EFAULT, sys(SYS_mincore, (long)a, P, 8, 0, 0));
    expect("mincore kernel vector", -EFAULT, sys(SYS_mincore, (long)a, P, (long)0xffff800000000000UL, 0, 0));
    expect("mincore beyond user space", -ENOMEM, sys(SYS_mincore, 0x7ffffffff000L, 2 * P, (long)vec, 0, 0));
    munmap(a, 8 * P);
}

int main(void)
{
    test_mremap();
    test_madvise();
    test_msync_mincore();
    printf("vm_calls: %d wrong\n", wrong);
    return wrong != 0;
}
