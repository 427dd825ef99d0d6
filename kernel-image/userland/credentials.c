/* User and group ids as Linux x86-64 keeps them: root by default; getresuid/getresgid;
 * setgroups/getgroups (sorted, EINVAL for a short buffer); in a child, setresuid/setresgid
 * to unprivileged ids and then Linux's rules: EPERM for ids not held, moves between the
 * real/effective/saved ids allowed, setreuid's saved-id update, setfsuid answering the old
 * id; fork inherits the ids. Prints "credentials: N wrong" (0 on Linux as root and on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("credentials: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static long sys(long n, long a, long b, long c)
{
    long r = syscall(n, a, b, c);
    return r < 0 ? -errno : r;
}
#define BAD ((long)0x10)

static void ids(const char *what, uid_t r, uid_t e, uid_t s)
{
    uid_t a = 99, b = 99, c = 99;
    char line[96];
    getresuid(&a, &b, &c);
    snprintf(line, sizeof line, "%s: real uid", what); expect(line, r, a);
    snprintf(line, sizeof line, "%s: effective uid", what); expect(line, e, b);
    snprintf(line, sizeof line, "%s: saved uid", what); expect(line, s, c);
}

static int child_checks(void)
{
    /* Unprivileged from here: real 1000, effective 1000, saved 0 keeps a way back. */
    expect("setresgid(100, 100, 100) as root", 0, sys(SYS_setresgid, 100, 100, 100));
    expect("setresuid(1000, 1000, 0)", 0, sys(SYS_setresuid, 1000, 1000, 0));
    ids("after setresuid(1000, 1000, 0)", 1000, 1000, 0);
    expect("getuid", 1000, getuid());
    expect("geteuid", 1000, geteuid());
    expect("getgid", 100, getgid());
    expect("getegid", 100, getegid());
    expect("setgroups unprivileged: EPERM", -EPERM, sys(SYS_setgroups, 0, 0, 0));
    expect("setuid(2000), not held: EPERM", -EPERM, sys(SYS_setuid, 2000, 0, 0));
    expect("setresuid(-1, 2000, -1): EPERM", -EPERM, sys(SYS_setresuid, -1, 2000, -1));
    expect("setgid(5), not held: EPERM", -EPERM, sys(SYS_setgid, 5, 0, 0));
    expect("setfsuid(2000) answers the old fsuid 1000", 1000, sys(SYS_setfsuid, 2000, 0, 0));
    expect("and did not change it", 1000, sys(SYS_setfsuid, -1, 0, 0));
    expect("setfsuid(0) (the saved id) answers 1000", 1000, sys(SYS_setfsuid, 0, 0, 0));
    expect("and changed it to 0", 0, sys(SYS_setfsuid, -1, 0, 0));
    expect("setfsgid(-1) answers the fsgid 100", 100, sys(SYS_setfsgid, -1, 0, 0));
    /* The saved 0 lets the effective id go back to root, and then all are settable. */
    expect("setresuid(-1, 0, -1): the saved id", 0, sys(SYS_setresuid, -1, 0, -1));
    ids("after setresuid(-1, 0, -1)", 1000, 0, 0);
    expect("setreuid(-1, 1000): the real id", 0, sys(SYS_setreuid, -1, 1000, 0));
    ids("setreuid(-1, 1000) keeps the saved id (e == old real)", 1000, 1000, 0);
    expect("setreuid(1000, 0): back through the saved id", 0, sys(SYS_setreuid, 1000, 0, 0));
    ids("setreuid(1000, 0) sets the saved id to the effective", 1000, 0, 0);
    expect("setreuid(2000, 3000) as effective root", 0, sys(SYS_setreuid, 2000, 3000, 0));
    ids("setreuid(2000, 3000)", 2000, 3000, 3000);
    expect("setreuid(3000, -1): real may take the effective id", 0, sys(SYS_setreuid, 3000, -1, 0));
    expect("setreuid(4000, -1): EPERM", -EPERM, sys(SYS_setreuid, 4000, -1, 0));
    expect("setuid(3000): held", 0, sys(SYS_setuid, 3000, 0, 0));
    ids("setuid(3000) unprivileged changes only the effective id", 3000, 3000, 3000);
    expect("setuid(0): no longer held: EPERM", -EPERM, sys(SYS_setuid, 0, 0, 0));
    expect("setregid(-1, 200): not held: EPERM", -EPERM, sys(SYS_setregid, -1, 200, 0));
    expect("setresgid(100, -1, 100)", 0, sys(SYS_setresgid, 100, -1, 100));
    pid_t pid = fork();
    if (pid == 0) _exit(getuid() == 3000 && geteuid() == 3000 && getgid() == 100 ? 0 : 1);
    int status = -1;
    waitpid(pid, &status, 0);
    expect("a forked child has the same ids", 0, status);
    return wrong;
}

int main(void)
{
    uid_t r, e, s;
    ids("at start (root)", 0, 0, 0);
    gid_t gr = 9, ge = 9, gs = 9;
    expect("getresgid", 0, getresgid(&gr, &ge, &gs));
    expect("real/effective/saved gid 0", 0, gr + ge + gs);
    expect("getresuid(bad pointer)", -EFAULT, sys(SYS_getresuid, BAD, (long)&e, (long)&s));
    expect("getresgid(bad pointer)", -EFAULT, sys(SYS_getresgid, (long)&r, (long)&e, BAD));
    expect("setuid(-1): EINVAL", -EINVAL, sys(SYS_setuid, -1, 0, 0));
    expect("setgid(-1): EINVAL", -EINVAL, sys(SYS_setgid, -1, 0, 0));

    gid_t groups[8] = { 30, 10, 20 }, got[8];
    expect("setgroups(3)", 0, setgroups(3, groups));
    expect("getgroups(0) counts", 3, getgroups(0, got));
    expect("getgroups(1): too small: EINVAL", -EINVAL, getgroups(1, got) < 0 ? -errno : 0);
    expect("getgroups(8)", 3, getgroups(8, got));
    expect("sorted: first", 10, got[0]);
    expect("sorted: last", 30, got[2]);
    expect("getgroups(-1): EINVAL", -EINVAL, sys(SYS_getgroups, -1, (long)got, 0));
    expect("getgroups(bad pointer): EFAULT", -EFAULT, sys(SYS_getgroups, 8, BAD, 0));
    expect("setgroups(bad pointer): EFAULT", -EFAULT, sys(SYS_setgroups, 2, BAD, 0));
    expect("setgroups(70000): EINVAL", -EINVAL, sys(SYS_setgroups, 70000, (long)groups, 0));
    expect("setgroups(0)", 0, setgroups(0, 0));
    expect("no groups", 0, getgroups(0, got));

    pid_t pid = fork();
    if (pid == 0) _exit(child_checks() == 0 ? 0 : 1);
    int status = -1;
    waitpid(pid, &status, 0);
    expect("the unprivileged child's checks", 0, status);
    ids("the parent is still root", 0, 0, 0);
    printf("credentials: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
