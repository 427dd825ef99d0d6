/* Process groups, sessions and job control's stop and continue, as Linux does them:
 * getpgid/setpgid/getpgrp/getsid/setsid with their errno, kill with pid 0, -pgid and -1,
 * tkill/tgkill, SIGSTOP/SIGTSTP really stopping a process (it runs no more) until SIGCONT,
 * SIGKILL ending a stopped one, SIGCONT discarding a pending stop, stops ignored in an orphaned
 * group, the parent's SIGCHLD (and SA_NOCLDSTOP) and wait4's WUNTRACED/WCONTINUED statuses.
 * No terminal needed. Prints "job_control: N wrong" (0 on Linux and on Aurora). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("job_control: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}

static long err(long result) { return result < 0 ? -errno : result; }

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

/* A child that waits for a byte on the pipe (or its end), then exits with code. */
static pid_t waiting_child(int *release, int code)
{
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        char c;
        while (read(p[0], &c, 1) < 0 && errno == EINTR) {}
        _exit(code);
    }
    close(p[0]);
    *release = p[1];
    return pid;
}

static void release(int fd) { write(fd, "x", 1); close(fd); }

static volatile int usr1_count, chld_count;
static void on_usr1(int sig) { (void)sig; usr1_count++; }
static void on_chld(int sig) { (void)sig; chld_count++; }

static void groups_and_sessions(const char *self)
{
    expect("getpgrp() is getpgid(0)", getpgid(0), getpgrp());
    expect("getpgid(own pid) is getpgid(0)", getpgid(0), getpgid(getpid()));
    expect("getsid(own pid) is getsid(0)", getsid(0), getsid(getpid()));
    expect("getpgid(-1): ESRCH", -ESRCH, err(getpgid(-1)));
    expect("getpgid(no such pid): ESRCH", -ESRCH, err(getpgid(4000000)));
    expect("getsid(no such pid): ESRCH", -ESRCH, err(getsid(4000000)));
    expect("setpgid(0, -1): EINVAL", -EINVAL, err(setpgid(0, -1)));
    expect("setpgid(-1, 0): EINVAL (pgid 0 is pid, -1)", -EINVAL, err(setpgid(-1, 0)));
    expect("setpgid(-1, 1): ESRCH", -ESRCH, err(setpgid(-1, 1)));
    expect("setpgid(not a child, 0): ESRCH", -ESRCH, err(setpgid(4000000, 0)));

    int fd;
    pid_t child = waiting_child(&fd, 0);
    expect("a child starts in its parent's group", getpgrp(), getpgid(child));
    expect("and in its parent's session", getsid(0), getsid(child));
    expect("setpgid(child, no such group): EPERM", -EPERM, err(setpgid(child, 4000000)));
    expect("setpgid(child, 0): the child leads a new group", 0, err(setpgid(child, 0)));
    expect("getpgid(child) is the child's pid", child, getpgid(child));
    expect("setpgid(child, its own group) again", 0, err(setpgid(child, child)));
    expect("setpgid(child, the parent's group) moves it back", 0, err(setpgid(child, getpgrp())));
    expect("getpgid(child) is the parent's group again", getpgrp(), getpgid(child));
    int status = 0;
    setpgid(child, child);
    expect("waitpid(0) sees no child in another group: ECHILD", -ECHILD, err(waitpid(0, &status, WNOHANG)));
    release(fd);
    expect("waitpid(-pgid) reaps the child of that group", child, waitpid(-child, &status, 0));

    /* A child that has called execve: EACCES. The program runs itself with "hold", which
       waits for its pipe like waiting_child. */
    int p[2];
    pipe(p);
    child = fork();
    if (child == 0) {
        close(p[1]);
        dup2(p[0], 5);
        char path[256];
        snprintf(path, sizeof path, "%s%s", strchr(self, '/') ? "" : "/bin/", self);
        char *argv[] = { path, "hold", NULL };
        execve(path, argv, NULL);
        _exit(99);
    }
    close(p[0]);
    sleep_ms(200);
    expect("setpgid(child after execve): EACCES", -EACCES, err(setpgid(child, child)));
    release(p[1]);
    waitpid(child, &status, 0);
    expect("the exec'd child ran and exited 0", 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    /* setsid in a child: a new session and group named by its pid. */
    int q[2];
    pipe(p);
    pipe(q);
    child = fork();
    if (child == 0) {
        int bad = 0;
        pid_t me = getpid();
        bad += setsid() != me;
        bad += getsid(0) != me;
        bad += getpgrp() != me;
        bad += !(setsid() == -1 && errno == EPERM);          /* leads its group (and session) */
        bad += !(setpgid(0, 0) == -1 && errno == EPERM);     /* a session leader cannot move */
        write(q[1], &bad, sizeof bad);
        char c;
        read(p[0], &c, 1);
        _exit(0);
    }
    int bad = -1;
    read(q[0], &bad, sizeof bad);
    expect("setsid in a child (its five answers)", 0, bad);
    expect("getsid(child) after its setsid", child, getsid(child));
    expect("setpgid(child in another session): EPERM", -EPERM, err(setpgid(child, child)));
    write(p[1], "x", 1);
    waitpid(child, &status, 0);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);

    /* A group leader cannot setsid. */
    child = fork();
    if (child == 0) {
        setpgid(0, 0);
        _exit(setsid() == -1 && errno == EPERM ? 0 : 1);
    }
    waitpid(child, &status, 0);
    expect("setsid by a group leader: EPERM", 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void kill_groups(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    /* kill(0, sig): the caller's group, itself included. The child is in the group too and
       ends by the default action of SIGUSR2. */
    int fd;
    pid_t child = waiting_child(&fd, 0);
    signal(SIGUSR2, SIG_IGN);
    pid_t ignorer = fork();
    if (ignorer == 0) { signal(SIGUSR2, SIG_DFL); for (;;) pause(); }
    sleep_ms(50);
    expect("kill(0, SIGUSR2)", 0, err(kill(0, SIGUSR2)));
    int status = 0;
    expect("the group member ended", ignorer, waitpid(ignorer, &status, 0));
    expect("by SIGUSR2", SIGUSR2, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    signal(SIGUSR2, SIG_DFL);
    release(fd);
    waitpid(child, &status, 0);

    /* kill(-pgid): every member of that group, nobody else. */
    pid_t a = fork();
    if (a == 0) { setpgid(0, 0); for (;;) pause(); }
    setpgid(a, a);
    pid_t b = fork();
    if (b == 0) { setpgid(0, a); for (;;) pause(); }
    setpgid(b, a);
    sleep_ms(50);
    usr1_count = 0;
    expect("kill(-pgid, SIGTERM)", 0, err(kill(-a, SIGTERM)));
    waitpid(a, &status, 0);
    expect("the group's leader ended by SIGTERM", SIGTERM, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    waitpid(b, &status, 0);
    expect("the group's other member ended by SIGTERM", SIGTERM, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    expect("kill(-pgid, 0) for a group now empty: ESRCH", -ESRCH, err(kill(-a, 0)));
    expect("kill(-(no such group), 0): ESRCH", -ESRCH, err(kill(-4000000, 0)));
    expect("kill(INT_MIN, 0): ESRCH", -ESRCH, err(kill(INT_MIN, 0)));
    expect("kill(pid, 65): EINVAL", -EINVAL, err(kill(getpid(), 65)));

    child = waiting_child(&fd, 0);
    expect("kill(-1, 0) with another process about", 0, err(kill(-1, 0)));
    release(fd);
    waitpid(child, &status, 0);

    expect("tkill(0, 0): EINVAL", -EINVAL, err(syscall(SYS_tkill, 0, 0)));
    expect("tkill(-1, 0): EINVAL", -EINVAL, err(syscall(SYS_tkill, -1, 0)));
    expect("tgkill(self, self, 0)", 0, err(syscall(SYS_tgkill, getpid(), getpid(), 0)));
    expect("tgkill(0, self, 0): EINVAL", -EINVAL, err(syscall(SYS_tgkill, 0, getpid(), 0)));
    usr1_count = 0;
    expect("tkill(self, SIGUSR1)", 0, err(syscall(SYS_tkill, getpid(), SIGUSR1)));
    expect("the handler ran", 1, usr1_count);
}

/* A child that writes a byte to the pipe every 5 ms: it shows whether it runs. */
static pid_t ticker(int *out)
{
    int p[2];
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (;;) { write(p[1], "t", 1); sleep_ms(5); }
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    *out = p[0];
    return pid;
}

static int drain(int fd)
{
    char buffer[256];
    int total = 0;
    long n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) total += n;
    return total;
}

static void stop_and_continue(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);

    int fd, status = 0;
    pid_t child = ticker(&fd);
    sleep_ms(30);
    chld_count = 0;
    expect("kill(child, SIGSTOP)", 0, err(kill(child, SIGSTOP)));
    expect("waitpid(WUNTRACED) reports the stop", child, waitpid(child, &status, WUNTRACED));
    expect("status: 0x7f | SIGSTOP << 8", 0x137f, status);
    expect("WIFSTOPPED", 1, WIFSTOPPED(status) ? 1 : 0);
    expect("the parent got SIGCHLD for the stop", 1, chld_count);
    expect("a stop is reported once", 0, waitpid(child, &status, WUNTRACED | WNOHANG));
    expect("waitpid without WUNTRACED does not see it", 0, waitpid(child, &status, WNOHANG));
    drain(fd);
    sleep_ms(60);
    expect("a stopped child does not run (bytes written while stopped)", 0, drain(fd));
    chld_count = 0;
    expect("kill(child, SIGCONT)", 0, err(kill(child, SIGCONT)));
    expect("waitpid(WCONTINUED) reports the continue", child, waitpid(child, &status, WCONTINUED));
    expect("status: 0xffff", 0xffff, status);
    expect("WIFCONTINUED", 1, WIFCONTINUED(status) ? 1 : 0);
    int ran = 0;
    for (int tries = 0; !ran && tries < 200; tries++) { sleep_ms(10); ran = drain(fd) > 0; }
    expect("the continued child runs again", 1, ran);
    sleep_ms(20);
    /* (Linux sends this SIGCHLD when the continued child next runs.) */
    expect("the parent got SIGCHLD for the continue", 1, chld_count);

    /* SA_NOCLDSTOP: no SIGCHLD for stops, still one for the end. */
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    chld_count = 0;
    kill(child, SIGSTOP);
    waitpid(child, &status, WUNTRACED);
    expect("SA_NOCLDSTOP: no SIGCHLD for a stop", 0, chld_count);
    expect("SIGKILL ends a stopped child", 0, err(kill(child, SIGKILL)));
    expect("waitpid reaps it", child, waitpid(child, &status, 0));
    expect("killed by SIGKILL", SIGKILL, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    expect("SIGCHLD for the end even with SA_NOCLDSTOP", 1, chld_count);
    close(fd);
    signal(SIGCHLD, SIG_DFL);

    /* SIGTSTP stops a process in a group that is not orphaned (its parent is in another
       group of the same session). */
    child = ticker(&fd);
    setpgid(child, child);
    sleep_ms(20);
    kill(child, SIGTSTP);
    expect("SIGTSTP stops", child, waitpid(child, &status, WUNTRACED));
    expect("stopped by SIGTSTP", SIGTSTP, WIFSTOPPED(status) ? WSTOPSIG(status) : -1);
    kill(child, SIGTERM);
    drain(fd);
    sleep_ms(30);
    expect("SIGTERM waits while stopped (no reap yet)", 0, waitpid(child, &status, WNOHANG));
    kill(child, SIGCONT);
    expect("continued, it ends by the pending SIGTERM", child, waitpid(child, &status, 0));
    expect("ended by SIGTERM", SIGTERM, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    close(fd);

    /* In an orphaned group (a child that called setsid: its parent is in another session)
       SIGTSTP does nothing; SIGSTOP still stops. */
    int p[2], q[2];
    pipe(p);
    pipe(q);
    child = fork();
    if (child == 0) {
        setsid();
        write(q[1], "r", 1);
        for (;;) pause();
    }
    char c;
    read(q[0], &c, 1);
    kill(child, SIGTSTP);
    sleep_ms(50);
    expect("SIGTSTP to an orphaned group: not stopped", 0, waitpid(child, &status, WUNTRACED | WNOHANG));
    kill(child, SIGSTOP);
    expect("SIGSTOP stops it all the same", child, waitpid(child, &status, WUNTRACED));
    kill(child, SIGKILL);
    waitpid(child, &status, 0);

    /* SIGCONT discards a pending (blocked) stop signal. */
    child = fork();
    if (child == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTSTP);
        sigprocmask(SIG_BLOCK, &set, NULL);
        setpgid(0, 0);
        write(q[1], "r", 1);
        read(p[0], &c, 1);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        sleep_ms(30);
        _exit(7);
    }
    setpgid(child, child);
    char r;
    read(q[0], &r, 1);
    kill(child, SIGTSTP);
    kill(child, SIGCONT);
    write(p[1], "g", 1);
    expect("a SIGCONT after a blocked SIGTSTP: the child never stops", child, waitpid(child, &status, WUNTRACED));
    expect("it exits with 7", 7, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

/* waitid: the same events as a siginfo, by P_PID/P_PGID/P_ALL, and WNOWAIT. */
static void waitid_reports(void)
{
    int fd;
    siginfo_t info;
    pid_t child = ticker(&fd);
    setpgid(child, child);
    expect("waitid without an event to wait for: EINVAL", -EINVAL, err(waitid(P_PID, child, &info, WNOHANG)));
    expect("waitid with an unknown id type: EINVAL", -EINVAL, err(waitid(7, child, &info, WEXITED)));
    expect("waitid(P_PID, 0): EINVAL", -EINVAL, err(waitid(P_PID, 0, &info, WEXITED)));
    memset(&info, 0x55, sizeof info);
    expect("waitid WNOHANG with nothing to report", 0, err(waitid(P_PID, child, &info, WEXITED | WNOHANG)));
    expect("  si_pid 0", 0, info.si_pid);
    expect("  si_signo 0", 0, info.si_signo);
    kill(child, SIGSTOP);
    memset(&info, 0, sizeof info);
    expect("waitid(P_PGID, WSTOPPED | WNOWAIT)", 0, err(waitid(P_PGID, child, &info, WSTOPPED | WNOWAIT)));
    expect("  si_signo SIGCHLD", SIGCHLD, info.si_signo);
    expect("  si_code CLD_STOPPED", CLD_STOPPED, info.si_code);
    expect("  si_pid", child, info.si_pid);
    expect("  si_status SIGSTOP", SIGSTOP, info.si_status);
    int status = 0;
    expect("WNOWAIT left the stop to report", child, waitpid(child, &status, WUNTRACED | WNOHANG));
    kill(child, SIGCONT);
    memset(&info, 0, sizeof info);
    expect("waitid(P_ALL, WCONTINUED)", 0, err(waitid(P_ALL, 0, &info, WCONTINUED)));
    expect("  si_code CLD_CONTINUED", CLD_CONTINUED, info.si_code);
    expect("  si_status SIGCONT", SIGCONT, info.si_status);
    kill(child, SIGKILL);
    memset(&info, 0, sizeof info);
    expect("waitid(P_PID, WEXITED) of a killed child", 0, err(waitid(P_PID, child, &info, WEXITED)));
    expect("  si_code CLD_KILLED", CLD_KILLED, info.si_code);
    expect("  si_status SIGKILL", SIGKILL, info.si_status);
    expect("it was reaped", -ECHILD, err(waitpid(child, &status, WNOHANG)));
    close(fd);
    child = fork();
    if (child == 0) _exit(9);
    memset(&info, 0, sizeof info);
    expect("waitid(P_PID, WEXITED | WNOWAIT) of an exited child", 0, err(waitid(P_PID, child, &info, WEXITED | WNOWAIT)));
    expect("  si_code CLD_EXITED", CLD_EXITED, info.si_code);
    expect("  si_status 9", 9, info.si_status);
    expect("still there to reap", child, waitpid(child, &status, 0));
    expect("exit status 9", 9, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    expect("waitid with no child: ECHILD", -ECHILD, err(waitid(P_ALL, 0, &info, WEXITED)));
}

static int hup_pipe = -1;
static void on_hup(int sig) { (void)sig; write(hup_pipe, "h", 1); }

/* A stopped job whose shell goes away: its group is orphaned, and every member gets SIGHUP
   and SIGCONT (here the member catches SIGHUP and reports it, then ends). */
static void orphaned_stopped_group_is_hung_up(void)
{
    int p[2];
    pipe(p);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t stopper = fork();
        if (stopper == 0) {
            hup_pipe = p[1];
            signal(SIGHUP, on_hup);
            setpgid(0, 0);
            raise(SIGSTOP);
            /* continued by the SIGCONT after SIGHUP */
            write(p[1], "c", 1);
            _exit(0);
        }
        setpgid(stopper, stopper);
        int status;
        waitpid(stopper, &status, WUNTRACED);
        _exit(WIFSTOPPED(status) ? 0 : 1);
    }
    close(p[1]);
    int status = 0;
    waitpid(middle, &status, 0);
    expect("the middle process saw its child stop", 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    char got[4] = { 0 };
    long n = 0, r;
    fcntl(p[0], F_SETFL, O_NONBLOCK); /* bounded: a job left stopped must not hang the test */
    for (int tries = 0; n < 2 && tries < 200; tries++) {
        if ((r = read(p[0], got + n, 2 - n)) > 0) n += r;
        else sleep_ms(10);
    }
    expect("the orphaned stopped job got SIGHUP and then ran on (SIGCONT)", 0, strcmp(got, "hc"));
    close(p[0]);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "hold") == 0) {
        char c;
        while (read(5, &c, 1) < 0 && errno == EINTR) {}
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    /* A group of our own: kill(0, ...) below must reach nothing beyond this test. */
    setpgid(0, 0);
    signal(SIGPIPE, SIG_IGN);
    groups_and_sessions(argv[0]);
    kill_groups();
    stop_and_continue();
    orphaned_stopped_group_is_hung_up();
    waitid_reports();
    printf("job_control: %d wrong\n", wrong);
    return wrong != 0;
}
