// Who collects an ended child (Linux's exit_notify): a parent that ignores SIGCHLD or sets
// SA_NOCLDWAIT does not keep zombies (wait4 gives ECHILD once they are gone), an orphan's
// getppid no longer names its dead parent, and a process that made itself a child subreaper
// (prctl PR_SET_CHILD_SUBREAPER) adopts its orphaned descendants, zombies included, and
// collects them with wait4. Prints "N wrong"; 0 on Linux.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;

#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { printf("wrong: %s: got %ld, expected %ld\n", what, g_, w_); wrong++; } } while (0)

static volatile sig_atomic_t chld_seen;
static void on_chld(int signal) { (void)signal; chld_seen++; }

static void pause_ms(int ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

// wait4 with the given action for SIGCHLD: children that exit are not kept.
static void ignored_children_are_not_kept(void)
{
    signal(SIGCHLD, SIG_IGN);
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0) _exit(7);
    }
    int status;
    errno = 0;
    // Blocks until every child has ended, then ECHILD (Linux's wait with SIGCHLD ignored).
    EXPECT("SIG_IGN: waitpid(-1) after the children", waitpid(-1, &status, 0), -1);
    EXPECT("SIG_IGN: errno", errno, ECHILD);
    for (int i = 0; i < 3; i++) {
        errno = 0;
        EXPECT("SIG_IGN: the child is gone (kill 0)", kill(kids[i], 0), -1);
        EXPECT("SIG_IGN: kill errno", errno, ESRCH);
    }
    signal(SIGCHLD, SIG_DFL);
}

static void nocldwait_runs_the_handler_and_keeps_nothing(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    chld_seen = 0;
    pid_t kid = fork();
    if (kid == 0) _exit(3);
    int status;
    errno = 0;
    long got;
    do got = waitpid(-1, &status, 0); while (got == -1 && errno == EINTR);
    EXPECT("SA_NOCLDWAIT: waitpid(-1)", got, -1);
    EXPECT("SA_NOCLDWAIT: errno", errno, ECHILD);
    for (int i = 0; i < 200 && !chld_seen; i++) pause_ms(5);
    EXPECT("SA_NOCLDWAIT: the handler ran", chld_seen > 0, 1);
    signal(SIGCHLD, SIG_DFL);
    kid = fork();
    if (kid == 0) _exit(4);
    EXPECT("SIG_DFL again: waitpid collects the child", waitpid(kid, &status, 0), kid);
    EXPECT("SIG_DFL again: its status", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 4);
}

// A child (middle) forks a grandchild and ends; the grandchild reports its parent before and
// after through a pipe.
static void subreaper_adopts_orphans(void)
{
    int value = -1;
    EXPECT("PR_GET_CHILD_SUBREAPER before", prctl(PR_GET_CHILD_SUBREAPER, &value), 0);
    EXPECT("the mark before", value, 0);
    EXPECT("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    EXPECT("PR_GET_CHILD_SUBREAPER after", prctl(PR_GET_CHILD_SUBREAPER, &value), 0);
    EXPECT("the mark after", value, 1);
    errno = 0;
    EXPECT("PR_GET_CHILD_SUBREAPER to a bad pointer", prctl(PR_GET_CHILD_SUBREAPER, (int *)8), -1);
    EXPECT("bad pointer errno", errno, EFAULT);

    int fds[2];
    if (pipe(fds) != 0) { printf("wrong: pipe\n"); wrong++; return; }
    pid_t self = getpid();
    int ready[2];
    if (pipe(ready) != 0) { printf("wrong: pipe\n"); wrong++; return; }
    pid_t middle = fork();
    if (middle == 0) {
        int inherited = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &inherited);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            pid_t before = getppid();
            write(ready[1], "r", 1); // the middle process ends only after this
            // Wait for the middle process to end: the parent changes.
            pid_t after = before;
            for (int i = 0; i < 400 && after == before; i++) { pause_ms(5); after = getppid(); }
            int report[3] = { (int)before, (int)after, inherited };
            write(fds[1], report, sizeof report);
            _exit(9);
        }
        char c;
        read(ready[0], &c, 1);
        _exit(5);
    }
    close(ready[0]);
    close(ready[1]);
    close(fds[1]);
    int status;
    EXPECT("the middle process is collected", waitpid(middle, &status, 0), middle);
    int report[3] = { 0, 0, -1 };
    EXPECT("the grandchild's report", read(fds[0], report, sizeof report), (long)sizeof report);
    close(fds[0]);
    EXPECT("the grandchild's first parent", report[0], middle);
    EXPECT("its parent after the middle ended is the subreaper", report[1], self);
    EXPECT("the mark is not inherited by fork", report[2], 0);
    // The adopted grandchild is ours to collect.
    long got = waitpid(-1, &status, 0);
    EXPECT("the subreaper collects the adopted grandchild", got > 0 && got != middle, 1);
    EXPECT("with its status", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 9);
    errno = 0;
    EXPECT("then nothing is left", waitpid(-1, &status, WNOHANG), -1);
    EXPECT("ECHILD", errno, ECHILD);

    // A zombie grandchild is adopted too, and told to its new parent at once.
    middle = fork();
    if (middle == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) _exit(11);
        pause_ms(100); // the grandchild ends first and stays a zombie of this process
        _exit(6);
    }
    EXPECT("the second middle process", waitpid(middle, &status, 0), middle);
    got = waitpid(-1, &status, 0);
    EXPECT("the adopted zombie is collected", got > 0 && got != middle, 1);
    EXPECT("with its status", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 11);
    EXPECT("PR_SET_CHILD_SUBREAPER off", prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
    EXPECT("PR_GET_CHILD_SUBREAPER off", prctl(PR_GET_CHILD_SUBREAPER, &value), 0);
    EXPECT("the mark off", value, 0);
}

// Without a subreaper the orphan's parent is init's pid on Linux (or a subreaper above this
// program, on a host that has one): never the ended parent, never 0.
static void orphans_name_no_dead_parent(void)
{
    int fds[2];
    if (pipe(fds) != 0) { printf("wrong: pipe\n"); wrong++; return; }
    pid_t middle = fork();
    if (middle == 0) {
        middle = getpid();
        if (fork() == 0) {
            for (int i = 0; i < 400 && getppid() == middle; i++) pause_ms(5);
            int report = (int)getppid();
            write(fds[1], &report, sizeof report);
            _exit(0);
        }
        _exit(0);
    }
    close(fds[1]);
    int status, report = -1;
    waitpid(middle, &status, 0);
    EXPECT("the orphan's report", read(fds[0], &report, sizeof report), (long)sizeof report);
    close(fds[0]);
    EXPECT("the orphan's parent is not its ended parent", report != middle, 1);
    EXPECT("the orphan has a parent id", report > 0, 1);
}

int main(void)
{
    ignored_children_are_not_kept();
    nocldwait_runs_the_handler_and_keeps_nothing();
    subreaper_adopts_orphans();
    orphans_name_no_dead_parent();
    printf("reaping: %d wrong\n", wrong);
    return wrong != 0;
}
