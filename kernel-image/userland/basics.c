/* uname, the uid/gid calls, the clocks and getrandom, as Linux answers them: good and bad
   clocks, pointers and flags. What differs by system by design (the names uname gives, the
   user the program runs as) is printed for the in-kernel test to check, not compared here.
   Error cases use syscall() directly: the libc may answer from the vDSO on Linux. Run on
   Linux too (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "basics: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
static long sys(long n, long a, long b, long c) { return rv(syscall(n, a, b, c)); }

#define BAD 16L                         /* never mapped */
#define NONCANONICAL (0x7fffffffe000L << 4)
/* uname's machine: Linux's UTS_MACHINE for the architecture the program was built for. */
#if defined(__aarch64__)
#define MACHINE "aarch64"
#else
#define MACHINE "x86_64"
#endif

static long ns_of(struct timespec t) { return t.tv_sec * 1000000000L + t.tv_nsec; }

static void names(void)
{
    struct utsname u;
    memset(&u, 0x55, sizeof u);
    EXPECT("uname", sys(SYS_uname, (long)&u, 0, 0), 0);
    EXPECT("sysname is terminated", memchr(u.sysname, 0, sizeof u.sysname) != 0, 1);
    EXPECT("release is terminated", memchr(u.release, 0, sizeof u.release) != 0, 1);
    EXPECT("version is terminated", memchr(u.version, 0, sizeof u.version) != 0, 1);
    EXPECT("sysname is given", u.sysname[0] != 0, 1);
    EXPECT("release is given", u.release[0] != 0, 1);
    EXPECT("machine is " MACHINE, strcmp(u.machine, MACHINE), 0);
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    EXPECT("AT_PLATFORM is " MACHINE, platform != NULL && strcmp(platform, MACHINE) == 0, 1);
    dprintf(1, "basics: sysname=%s nodename=%s machine=%s release=%s\n", u.sysname, u.nodename, u.machine, u.release);
    EXPECT("uname with a bad pointer: EFAULT", sys(SYS_uname, BAD, 0, 0), -EFAULT);
    EXPECT("uname with a non-canonical pointer: EFAULT", sys(SYS_uname, NONCANONICAL, 0, 0), -EFAULT);

    long uid = sys(SYS_getuid, 0, 0, 0), euid = sys(SYS_geteuid, 0, 0, 0);
    long gid = sys(SYS_getgid, 0, 0, 0), egid = sys(SYS_getegid, 0, 0, 0);
    EXPECT("getuid is the libc's", uid, getuid());
    EXPECT("real and effective uid agree", uid, euid);
    EXPECT("real and effective gid agree", gid, egid);
    EXPECT("uids are not negative", uid >= 0 && gid >= 0, 1);
    dprintf(1, "basics: uid=%ld euid=%ld gid=%ld egid=%ld\n", uid, euid, gid, egid);
}

static void clocks(void)
{
    struct timespec a, b, r;
    EXPECT("CLOCK_MONOTONIC", sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&a, 0), 0);
    struct timespec pause = { 0, 30 * 1000000 };
    nanosleep(&pause, 0);
    EXPECT("CLOCK_MONOTONIC again", sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&b, 0), 0);
    long slept = ns_of(b) - ns_of(a);
    EXPECT("30 ms of sleep is at least 30 ms of CLOCK_MONOTONIC", slept >= 30 * 1000000L, 1);
    EXPECT("and less than ten seconds (a loaded host stalls the guest)", slept < 10000000000L, 1);
    EXPECT("tv_nsec below a second", b.tv_nsec >= 0 && b.tv_nsec < 1000000000L, 1);

    long previous = 0, backwards = 0;
    for (int i = 0; i < 20000; i++) {
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
        if (ns_of(a) < previous) backwards++;
        previous = ns_of(a);
    }
    EXPECT("CLOCK_MONOTONIC never goes back", backwards, 0);

    struct timespec boot;
    sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&a, 0);
    EXPECT("CLOCK_BOOTTIME", sys(SYS_clock_gettime, CLOCK_BOOTTIME, (long)&boot, 0), 0);
    EXPECT("CLOCK_BOOTTIME is not behind CLOCK_MONOTONIC", ns_of(boot) >= ns_of(a), 1);
    EXPECT("CLOCK_MONOTONIC_COARSE", sys(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, (long)&a, 0), 0);
    EXPECT("CLOCK_MONOTONIC_RAW", sys(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, (long)&a, 0), 0);

    struct timespec now;
    EXPECT("CLOCK_REALTIME", sys(SYS_clock_gettime, CLOCK_REALTIME, (long)&now, 0), 0);
    EXPECT("CLOCK_REALTIME is after 2024 (the RTC was read)", now.tv_sec > 1704067200L, 1);
    EXPECT("and before 2100", now.tv_sec < 4102444800L, 1);
#ifdef SYS_time /* x86-64's legacy call; arm64 has only the clock_* and gettimeofday */
    long t = sys(SYS_time, 0, 0, 0);
    EXPECT("time() agrees with CLOCK_REALTIME", t >= now.tv_sec && t <= now.tv_sec + 2, 1);
    long stored = 0;
    EXPECT("time(&t) returns it", sys(SYS_time, (long)&stored, 0, 0) >= t, 1);
    EXPECT("time(&t) stores it", stored >= t && stored <= t + 2, 1);
    EXPECT("time with a bad pointer: EFAULT", sys(SYS_time, BAD, 0, 0), -EFAULT);
#endif

    struct timeval tv;
    struct timezone tz = { 123, 456 };
    EXPECT("gettimeofday", sys(SYS_gettimeofday, (long)&tv, (long)&tz, 0), 0);
    EXPECT("gettimeofday agrees with CLOCK_REALTIME", tv.tv_sec >= now.tv_sec && tv.tv_sec <= now.tv_sec + 2, 1);
    EXPECT("tv_usec below a second", tv.tv_usec >= 0 && tv.tv_usec < 1000000, 1);
    EXPECT("time zone is UTC", tz.tz_minuteswest, 0);
    EXPECT("no DST", tz.tz_dsttime, 0);
    EXPECT("gettimeofday(NULL, NULL)", sys(SYS_gettimeofday, 0, 0, 0), 0);
    EXPECT("gettimeofday with a bad timeval: EFAULT", sys(SYS_gettimeofday, BAD, 0, 0), -EFAULT);
    EXPECT("gettimeofday with a bad timezone: EFAULT", sys(SYS_gettimeofday, (long)&tv, BAD, 0), -EFAULT);

    EXPECT("clock_getres(MONOTONIC)", sys(SYS_clock_getres, CLOCK_MONOTONIC, (long)&r, 0), 0);
    EXPECT("resolution is at most a millisecond", r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 1000000, 1);
    EXPECT("clock_getres(REALTIME)", sys(SYS_clock_getres, CLOCK_REALTIME, (long)&r, 0), 0);
    EXPECT("clock_getres(REALTIME, NULL)", sys(SYS_clock_getres, CLOCK_REALTIME, 0, 0), 0);
    EXPECT("clock_getres with a bad pointer: EFAULT", sys(SYS_clock_getres, CLOCK_MONOTONIC, BAD, 0), -EFAULT);

    EXPECT("clock_gettime with a bad pointer: EFAULT", sys(SYS_clock_gettime, CLOCK_REALTIME, BAD, 0), -EFAULT);
    EXPECT("clock_gettime(MONOTONIC) with a bad pointer: EFAULT", sys(SYS_clock_gettime, CLOCK_MONOTONIC, NONCANONICAL, 0), -EFAULT);
    EXPECT("clock 10 does not exist: EINVAL", sys(SYS_clock_gettime, 10, (long)&a, 0), -EINVAL);
    EXPECT("clock 99 does not exist: EINVAL", sys(SYS_clock_gettime, 99, (long)&a, 0), -EINVAL);
    EXPECT("clock_getres of clock 99: EINVAL", sys(SYS_clock_getres, 99, (long)&r, 0), -EINVAL);
}

static void random_bytes(void)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a); memset(b, 0, sizeof b);
    EXPECT("getrandom 64", sys(SYS_getrandom, (long)a, sizeof a, 0), 64);
    EXPECT("getrandom 64 again", sys(SYS_getrandom, (long)b, sizeof b, GRND_NONBLOCK), 64);
    EXPECT("two draws differ", memcmp(a, b, sizeof a) != 0, 1);
    int zeros = 0;
    for (int i = 0; i < 64; i++) zeros += a[i] == 0;
    EXPECT("not mostly zeros", zeros < 8, 1);
    EXPECT("getrandom 0 bytes", sys(SYS_getrandom, (long)a, 0, 0), 0);
    static unsigned char big[100000];
    EXPECT("getrandom 100000 bytes", sys(SYS_getrandom, (long)big, sizeof big, 0), (long)sizeof big);
    EXPECT("GRND_RANDOM", sys(SYS_getrandom, (long)a, 16, GRND_RANDOM), 16);
    EXPECT("GRND_INSECURE", sys(SYS_getrandom, (long)a, 16, 4), 16);
    EXPECT("GRND_INSECURE | GRND_RANDOM: EINVAL", sys(SYS_getrandom, (long)a, 16, 4 | GRND_RANDOM), -EINVAL);
    EXPECT("unknown flag: EINVAL", sys(SYS_getrandom, (long)a, 16, 8), -EINVAL);
    EXPECT("bad pointer: EFAULT", sys(SYS_getrandom, BAD, 16, 0), -EFAULT);
}

int main(void)
{
    names();
    clocks();
    random_bytes();
    dprintf(1, "basics: %d wrong\n", wrong);
    return wrong != 0;
}
