/* mlock, mlock2, munlock, mlockall, munlockall answered as Linux answers them (run as root, as
   Aurora's processes are): ranges rounded out to pages, ENOMEM for unmapped parts, EINVAL for
   unknown flags and wrapping ranges, pages resident after mlock (mincore), not after
   MLOCK_ONFAULT. .NET's NativeAOT runtime needs mlock to start. Prints "mlock: 0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; printf("mlock: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)
static long rv(long r) { return r < 0 ? -errno : r; }
static long sys(long n, long a, long b, long c) { return rv(syscall(n, a, b, c)); }

static int resident(void *p)
{
    unsigned char v = 0;
    if (mincore(p, 4096, &v) != 0) return -errno;
    return v & 1;
}

int main(void)
{
    const long P = 4096;
    char *m = mmap(0, 16 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT("untouched page not resident", resident(m), 0);
    EXPECT("mlock one page", sys(SYS_mlock, (long)m, P, 0), 0);
    EXPECT("  resident after mlock", resident(m), 1);
    EXPECT("  the next page still not", resident(m + P), 0);
    EXPECT("mlock 10 bytes across a page boundary", sys(SYS_mlock, (long)m + 2 * P + P - 5, 10, 0), 0);
    EXPECT("  first page of it", resident(m + 2 * P), 1);
    EXPECT("  second page of it", resident(m + 3 * P), 1);
    EXPECT("mlock length 0", sys(SYS_mlock, (long)m + 5 * P, 0, 0), 0);
    EXPECT("  nothing filled in", resident(m + 5 * P), 0);
    EXPECT("mlock2 MLOCK_ONFAULT", sys(SYS_mlock2, (long)m + 6 * P, P, 1), 0);
    EXPECT("  not filled in", resident(m + 6 * P), 0);
    EXPECT("mlock2 unknown flag", sys(SYS_mlock2, (long)m, P, 2), -EINVAL);
    EXPECT("munlock", sys(SYS_munlock, (long)m, 4 * P, 0), 0);
    EXPECT("  still there (nothing pages out)", m[0] == 0 && resident(m) == 1, 1);
    m[7 * P] = 42;
    EXPECT("mlock keeps the data", sys(SYS_mlock, (long)m + 7 * P, P, 0) == 0 && m[7 * P] == 42, 1);

    munmap(m + 10 * P, P);
    EXPECT("mlock over a hole", sys(SYS_mlock, (long)m + 9 * P, 3 * P, 0), -ENOMEM);
    EXPECT("munlock over a hole", sys(SYS_munlock, (long)m + 9 * P, 3 * P, 0), -ENOMEM);
    EXPECT("mlock of nothing mapped", sys(SYS_mlock, 0x10000, P, 0), -ENOMEM);
    EXPECT("mlock of the kernel half", sys(SYS_mlock, (long)0xffff800000000000UL, P, 0), -ENOMEM);
    EXPECT("mlock wrapping", sys(SYS_mlock, (long)0xfffffffffffff000UL, 2 * P, 0), -EINVAL);

    /* A file-backed private mapping: its pages come from the file. */
    FILE *f = tmpfile();
    fwrite("file data", 1, 9, f);
    fflush(f);
    char *fm = mmap(0, P, PROT_READ, MAP_PRIVATE, fileno(f), 0);
    EXPECT("mlock a file mapping", sys(SYS_mlock, (long)fm, P, 0), 0);
    EXPECT("  its bytes", memcmp(fm, "file data", 9), 0);
    munmap(fm, P);
    fclose(f);

    char *none = mmap(0, 4 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT("mlock of PROT_NONE (Linux: its pages cannot be filled in)", sys(SYS_mlock, (long)none, 4 * P, 0), -ENOMEM);
    EXPECT("  not filled in", resident(none), 0);
    EXPECT("mlockall(MCL_CURRENT) with a PROT_NONE mapping", sys(SYS_mlockall, 1, 0, 0), 0);
    munmap(none, 4 * P);

    EXPECT("mlockall(0)", sys(SYS_mlockall, 0, 0, 0), -EINVAL);
    EXPECT("mlockall(MCL_ONFAULT) alone", sys(SYS_mlockall, 4, 0, 0), -EINVAL);
    EXPECT("mlockall(8)", sys(SYS_mlockall, 8, 0, 0), -EINVAL);
    EXPECT("mlockall(MCL_CURRENT)", sys(SYS_mlockall, 1, 0, 0), 0);
    EXPECT("  every page resident", resident(m + 8 * P), 1);
    EXPECT("munlockall", sys(SYS_munlockall, 0, 0, 0), 0);
    munmap(m, 16 * P);
    printf("mlock: %d wrong\n", wrong);
    return wrong != 0;
}
