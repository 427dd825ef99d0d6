/* Waits that sleep until their event, and signals that end them (Aurora issue 10, item 3).
   Behaves the same on Linux: run it there too.
   - msgrcv on an empty queue sleeps until a writer sends: the reader gives up the processor a
     handful of times (getrusage ru_nvcsw), not once per timer tick;
   - wait4 sleeps until the child exits, with as few switches;
   - nanosleep ended by a handled signal: EINTR and the time left in rem (SA_RESTART or not);
   - wait4 interrupted by a handler: EINTR without SA_RESTART, restarted (the child's pid)
     with it;
   - msgrcv interrupted by a handler: EINTR with or without SA_RESTART (signal(7): never
     restarted), while a signal whose default is to be ignored does not end it.
   Prints "wait: N wrong"; exit status 0 when everything held. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static volatile sig_atomic_t caught;

static void expect(const char *what, int ok)
{
    if (!ok) {
        wrong++;
        printf("wait: FAILED %s (errno %d)\n", what, errno);
    }
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) { }
}

static long voluntary_switches(void)
{
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
    return usage.ru_nvcsw;
}

static void on_signal(int signo)
{
    (void)signo;
    caught++;
}

static void handle(int signo, int flags)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = flags;
    sigaction(signo, &action, NULL);
    caught = 0;
}

/* A child that sends the parent a signal after `delay` ms, then exits with `code` after
   `linger` ms more. */
static pid_t signal_parent_later(int signo, long delay, long linger, int code)
{
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(delay);
        kill(parent, signo);
        sleep_ms(linger);
        _exit(code);
    }
    return child;
}

struct message {
    long type;
    char text[32];
};

static void reader_woken_by_writer(void)
{
    int queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    expect("msgget", queue >= 0);
    pid_t child = fork();
    if (child == 0) {
        struct message in;
        memset(&in, 0, sizeof in);
        long before = voluntary_switches();
        long got = msgrcv(queue, &in, sizeof in.text, 0, 0);
        long switches = voluntary_switches() - before;
        printf("wait: reader blocked 100 ms, gave up the processor %ld times\n", switches);
        _exit(got == (long)sizeof in.text && in.type == 5 && strcmp(in.text, "wake up") == 0 &&
              switches >= 1 && switches <= 3 ? 0 : 1);
    }
    sleep_ms(100); /* the reader is asleep in msgrcv by now */
    struct message out = { 5, "wake up" };
    expect("msgsnd", msgsnd(queue, &out, sizeof out.text, 0) == 0);
    int status = -1;
    expect("wait for the reader", waitpid(child, &status, 0) == child);
    expect("the reader got the message, woken a few times (not once per tick)", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    msgctl(queue, IPC_RMID, NULL);
}

static void wait4_woken_by_exit(void)
{
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(100);
        _exit(7);
    }
    long before = voluntary_switches();
    int status = -1;
    pid_t got = wait4(child, &status, 0, NULL);
    long switches = voluntary_switches() - before;
    printf("wait: wait4 blocked 100 ms, gave up the processor %ld times\n", switches);
    expect("wait4 returns the child", got == child && WIFEXITED(status) && WEXITSTATUS(status) == 7);
    expect("wait4 slept until the exit (a few switches)", switches >= 1 && switches <= 3);
}

static void nanosleep_interrupted(int flags)
{
    handle(SIGUSR1, flags);
    pid_t child = signal_parent_later(SIGUSR1, 50, 0, 0);
    struct timespec request = { 2, 0 }, left = { -1, -1 };
    errno = 0;
    int result = nanosleep(&request, &left);
    expect(flags ? "nanosleep EINTR under SA_RESTART" : "nanosleep EINTR", result == -1 && errno == EINTR && caught == 1);
    expect("nanosleep rem is the time left", left.tv_sec == 1 && left.tv_nsec >= 0 && left.tv_nsec < 1000000000L);
    waitpid(child, NULL, 0);
}

static void wait4_interrupted(int flags)
{
    handle(SIGUSR1, flags);
    pid_t child = signal_parent_later(SIGUSR1, 50, 100, 3);
    int status = -1;
    errno = 0;
    pid_t got = wait4(child, &status, 0, NULL);
    if (flags & SA_RESTART) {
        expect("wait4 restarted under SA_RESTART", got == child && caught == 1 && WIFEXITED(status) && WEXITSTATUS(status) == 3);
    } else {
        expect("wait4 EINTR without SA_RESTART", got == -1 && errno == EINTR && caught == 1);
        expect("wait4 after EINTR", waitpid(child, &status, 0) == child && WEXITSTATUS(status) == 3);
    }
}

static void msgrcv_interrupted(int flags)
{
    int queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    handle(SIGUSR1, flags);
    pid_t child = signal_parent_later(SIGUSR1, 50, 0, 0);
    struct message in;
    errno = 0;
    long got = msgrcv(queue, &in, sizeof in.text, 0, 0);
    expect(flags ? "msgrcv EINTR under SA_RESTART (never restarted)" : "msgrcv EINTR", got == -1 && errno == EINTR && caught == 1);
    waitpid(child, NULL, 0);
    msgctl(queue, IPC_RMID, NULL);
}

static void msgrcv_survives_ignored_signal(void)
{
    int queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    signal(SIGWINCH, SIG_DFL); /* default: ignored */
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(50);
        kill(parent, SIGWINCH);
        sleep_ms(50);
        struct message out = { 8, "after the signal" };
        _exit(msgsnd(queue, &out, sizeof out.text, 0) == 0 ? 0 : 1);
    }
    struct message in;
    memset(&in, 0, sizeof in);
    long got = msgrcv(queue, &in, sizeof in.text, 0, 0);
    expect("msgrcv goes on through an ignored signal", got == (long)sizeof in.text && in.type == 8);
    waitpid(child, NULL, 0);
    msgctl(queue, IPC_RMID, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    reader_woken_by_writer();
    wait4_woken_by_exit();
    nanosleep_interrupted(0);
    nanosleep_interrupted(SA_RESTART);
    wait4_interrupted(0);
    wait4_interrupted(SA_RESTART);
    msgrcv_interrupted(0);
    msgrcv_interrupted(SA_RESTART);
    msgrcv_survives_ignored_signal();
    printf("wait: %d wrong\n", wrong);
    return wrong != 0;
}
