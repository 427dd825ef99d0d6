/* The small calls libcs and busybox make at start, as Linux x86-64 answers them: prctl
 * (PR_SET_NAME/PR_GET_NAME, PR_SET_PDEATHSIG/PR_GET_PDEATHSIG with the signal delivered when
 * the parent dies, PR_GET_DUMPABLE/PR_SET_DUMPABLE, an unknown option), set_robust_list /
 * get_robust_list, getpriority/setpriority, sched_getaffinity/sched_setaffinity,
 * sched_getscheduler/sched_getparam, getcpu, sethostname/setdomainname (seen by uname; on Linux
 * in a child with its own UTS namespace, so the host keeps its name). Prints "misc_calls: N wrong" (0 on Linux as
 * root and on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("misc_calls: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}
static long sys(long n, long a, long b, long c)
{
    long r = syscall(n, a, b, c);
    return r < 0 ? -errno : r;
}
#define BAD ((long)0x10)

/* sethostname and setdomainname, in a child: on Linux in its own UTS namespace; on Aurora,
   which has one name for the system, the names are put back before the child ends. */
static void names(void)
{
    struct utsname u;
    uname(&u);
    int on_linux = strcmp(u.sysname, "Linux") == 0;
    pid_t pid = fork();
    if (pid == 0) {
        if (on_linux && unshare(CLONE_NEWUTS) != 0) _exit(99);
        char host[65], domain[65];
        uname(&u);
        strcpy(host, u.nodename);
        strcpy(domain, u.domainname);
        expect("sethostname", 0, sys(SYS_sethostname, (long)"box-one", 7, 0));
        uname(&u);
        expect("uname shows the new host name", 0, strcmp(u.nodename, "box-one"));
        expect("sethostname takes len bytes", 0, sys(SYS_sethostname, (long)"abcdef", 3, 0));
        uname(&u);
        expect("only len bytes are the name", 0, strcmp(u.nodename, "abc"));
        char longest[64];
        memset(longest, 'h', sizeof longest);
        expect("a 64-byte host name", 0, sys(SYS_sethostname, (long)longest, 64, 0));
        expect("65 bytes: EINVAL", -EINVAL, sys(SYS_sethostname, (long)longest, 65, 0));
        expect("negative length: EINVAL", -EINVAL, sys(SYS_sethostname, (long)longest, -1, 0));
        expect("sethostname(bad pointer)", -EFAULT, sys(SYS_sethostname, BAD, 4, 0));
        expect("setdomainname", 0, sys(SYS_setdomainname, (long)"example", 7, 0));
        uname(&u);
        expect("uname shows the domain name", 0, strcmp(u.domainname, "example"));
        pid_t unprivileged = fork();
        if (unprivileged == 0) {
            if (setuid(1000) != 0) _exit(98);
            _exit(sys(SYS_sethostname, (long)"x", 1, 0) == -EPERM ? 0 : 1);
        }
        int status = -1;
        waitpid(unprivileged, &status, 0);
        expect("not root: EPERM", 0, status);
        sys(SYS_sethostname, (long)host, (long)strlen(host), 0);
        sys(SYS_setdomainname, (long)domain, (long)strlen(domain), 0);
        fflush(stdout);
        _exit(wrong);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    expect("the name checks (child's wrong count)", 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void)
{
    names();
    char name[32];
    expect("PR_SET_NAME", 0, prctl(PR_SET_NAME, "a-rather-long-process-name"));
    memset(name, 'x', sizeof name);
    expect("PR_GET_NAME", 0, prctl(PR_GET_NAME, name));
    expect("the name is cut to 15 bytes", 0, strcmp(name, "a-rather-long-p"));
    expect("PR_SET_NAME(bad pointer)", -EFAULT, sys(SYS_prctl, PR_SET_NAME, BAD, 0));
    expect("PR_GET_NAME(bad pointer)", -EFAULT, sys(SYS_prctl, PR_GET_NAME, BAD, 0));
    expect("PR_GET_DUMPABLE is 1", 1, prctl(PR_GET_DUMPABLE));
    expect("PR_SET_DUMPABLE(0)", 0, prctl(PR_SET_DUMPABLE, 0));
    expect("PR_GET_DUMPABLE is 0", 0, prctl(PR_GET_DUMPABLE));
    expect("PR_SET_DUMPABLE(2)", -EINVAL, sys(SYS_prctl, PR_SET_DUMPABLE, 2, 0));
    prctl(PR_SET_DUMPABLE, 1);
    int signal_number = -1;
    expect("PR_GET_PDEATHSIG", 0, prctl(PR_GET_PDEATHSIG, &signal_number));
    expect("no death signal at first", 0, signal_number);
    expect("PR_SET_PDEATHSIG(65)", -EINVAL, sys(SYS_prctl, PR_SET_PDEATHSIG, 65, 0));
    expect("PR_GET_PDEATHSIG(bad pointer)", -EFAULT, sys(SYS_prctl, PR_GET_PDEATHSIG, BAD, 0));
    expect("prctl(option 9999)", -EINVAL, sys(SYS_prctl, 9999, 0, 0));

    /* The death signal: a grandchild asks for SIGUSR1 when its parent (our child) dies and
       reports it through a pipe; the signal is not inherited by fork. */
    int p[2];
    pipe(p);
    pid_t child = fork();
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            sigset_t set;
            sigemptyset(&set); sigaddset(&set, SIGUSR1);
            sigprocmask(SIG_BLOCK, &set, 0);
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            write(p[1], "r", 1); /* ready */
            struct timespec limit = { 5, 0 };
            char got = sigtimedwait(&set, 0, &limit) == SIGUSR1 ? 'y' : 'n';
            write(p[1], &got, 1);
            _exit(0);
        }
        char ready;
        read(p[0], &ready, 1);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    char got = 0; /* the child read the grandchild's "ready" */
    read(p[0], &got, 1);
    expect("the grandchild got its death signal when its parent died", 'y', got);

    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR1);
        pid_t inner = fork();
        if (inner == 0) {
            int s = -1;
            prctl(PR_GET_PDEATHSIG, &s);
            _exit(s);
        }
        int st;
        waitpid(inner, &st, 0);
        _exit(WEXITSTATUS(st));
    }
    waitpid(pid, &status, 0);
    expect("a forked child has no death signal", 0, WEXITSTATUS(status));

    /* Robust futex list. */
    static long head[3];
    expect("set_robust_list(24)", 0, sys(SYS_set_robust_list, (long)head, 24, 0));
    expect("set_robust_list(16)", -EINVAL, sys(SYS_set_robust_list, (long)head, 16, 0));
    long got_head = 0;
    size_t got_length = 0;
    expect("get_robust_list(0)", 0, sys(SYS_get_robust_list, 0, (long)&got_head, (long)&got_length));
    expect("its head", (long)head, got_head);
    expect("its length", 24, got_length);
    expect("get_robust_list(own pid)", 0, sys(SYS_get_robust_list, getpid(), (long)&got_head, (long)&got_length));
    expect("get_robust_list(no such pid)", -ESRCH, sys(SYS_get_robust_list, 999999, (long)&got_head, (long)&got_length));
    expect("get_robust_list(bad pointer)", -EFAULT, sys(SYS_get_robust_list, 0, BAD, (long)&got_length));

    /* Priorities. */
    errno = 0;
    expect("getpriority(PRIO_PROCESS, 0) is nice 0", 0, getpriority(PRIO_PROCESS, 0));
    expect("the raw call answers 20 - nice", 20, sys(SYS_getpriority, PRIO_PROCESS, 0, 0));
    expect("setpriority(5)", 0, setpriority(PRIO_PROCESS, 0, 5));
    expect("reads back 5", 5, getpriority(PRIO_PROCESS, getpid()));
    expect("setpriority(100) is clamped to 19", 0, setpriority(PRIO_PROCESS, 0, 100));
    expect("reads back 19", 19, getpriority(PRIO_PROCESS, 0));
    pid = fork();
    if (pid == 0) _exit(getpriority(PRIO_PROCESS, 0));
    waitpid(pid, &status, 0);
    expect("a child inherits nice 19", 19, WEXITSTATUS(status));
    pid = fork();
    if (pid == 0) {
        setuid(1000);
        _exit(setpriority(PRIO_PROCESS, 0, 0) < 0 && errno == EACCES ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    expect("unprivileged, a lower nice value is EACCES", 0, WEXITSTATUS(status));
    expect("setpriority(-20) as root", 0, setpriority(PRIO_PROCESS, 0, -20));
    expect("reads back -20", -20, getpriority(PRIO_PROCESS, 0));
    setpriority(PRIO_PROCESS, 0, 0);
    expect("getpriority(which 7)", -EINVAL, sys(SYS_getpriority, 7, 0, 0));
    expect("getpriority(no such pid)", -ESRCH, sys(SYS_getpriority, PRIO_PROCESS, 999999, 0));
    expect("setpriority(no such pid)", -ESRCH, sys(SYS_setpriority, PRIO_PROCESS, 999999, 0));

    /* Affinity and scheduler. */
    unsigned long mask[16];
    memset(mask, 0, sizeof mask);
    long bytes = sys(SYS_sched_getaffinity, 0, sizeof mask, (long)mask);
    expect("sched_getaffinity answers a whole number of longs", 1, bytes > 0 && bytes % 8 == 0);
    expect("CPU 0 is in the mask", 1, (long)(mask[0] & 1));
    expect("sched_getaffinity(4 bytes)", -EINVAL, sys(SYS_sched_getaffinity, 0, 4, (long)mask));
    expect("sched_getaffinity(12 bytes)", -EINVAL, sys(SYS_sched_getaffinity, 0, 12, (long)mask));
    expect("sched_getaffinity(no such pid)", -ESRCH, sys(SYS_sched_getaffinity, 999999, sizeof mask, (long)mask));
    expect("sched_getaffinity(bad pointer)", -EFAULT, sys(SYS_sched_getaffinity, 0, sizeof mask, BAD));
    expect("sched_setaffinity(the mask it read)", 0, sys(SYS_sched_setaffinity, 0, sizeof mask, (long)mask));
    unsigned long none[16] = { 0 };
    expect("sched_setaffinity(empty mask)", -EINVAL, sys(SYS_sched_setaffinity, 0, sizeof none, (long)none));
    expect("sched_setaffinity(bad pointer)", -EFAULT, sys(SYS_sched_setaffinity, 0, 8, BAD));
    expect("sched_getscheduler: SCHED_OTHER", SCHED_OTHER, sys(SYS_sched_getscheduler, 0, 0, 0));
    expect("sched_getscheduler(-1)", -EINVAL, sys(SYS_sched_getscheduler, -1, 0, 0));
    expect("sched_getscheduler(no such pid)", -ESRCH, sys(SYS_sched_getscheduler, 999999, 0, 0));
    struct sched_param param = { 7 };
    expect("sched_getparam", 0, sys(SYS_sched_getparam, 0, (long)&param, 0));
    expect("priority 0", 0, param.sched_priority);
    expect("sched_getparam(NULL)", -EINVAL, sys(SYS_sched_getparam, 0, 0, 0));
    expect("sched_getparam(bad pointer)", -EFAULT, sys(SYS_sched_getparam, 0, BAD, 0));
    unsigned cpu = 99, node = 99;
    expect("getcpu", 0, sys(SYS_getcpu, (long)&cpu, (long)&node, 0));
    expect("CPU 0 (in the mask)", 1, (long)((mask[0] >> cpu) & 1));
    expect("getcpu(NULL, NULL)", 0, sys(SYS_getcpu, 0, 0, 0));
    expect("getcpu(bad pointer)", -EFAULT, sys(SYS_getcpu, BAD, 0, 0));

    printf("misc_calls: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
