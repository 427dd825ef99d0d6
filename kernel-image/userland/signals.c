/* Signals: a handler for SIGUSR1 runs on raise() and sees its siginfo; a blocked signal waits
   until it is unblocked; SIG_IGN ignores; the interrupted code's registers (a loop counter in
   flight) survive the handler; a parent kills a child spinning in user mode with SIGTERM and
   wait reports it; SIGKILL cannot be caught. Exit status 0 when everything held. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught, caught_signo, caught_pid;

static void on_usr1(int signo, siginfo_t *info, void *context)
{
    (void)context;
    caught++;
    caught_signo = signo;
    caught_pid = info->si_pid;
}

int main(void)
{
    int wrong = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_usr1;
    action.sa_flags = SA_SIGINFO;
    wrong += sigaction(SIGUSR1, &action, NULL) != 0;

    raise(SIGUSR1);
    wrong += caught != 1 || caught_signo != SIGUSR1 || caught_pid != getpid();

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    wrong += caught != 1;                 /* blocked: not yet */
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    getpid();                             /* any return to user mode delivers it */
    wrong += caught != 2;

    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);                       /* ignored: the program goes on */

    /* Registers survive: a computation with signals arriving in the middle. */
    volatile unsigned long sum = 0;
    for (unsigned long i = 0; i < 200000; i++) {
        sum += i * 3;
        if (i % 50000 == 0) raise(SIGUSR1);
    }
    wrong += sum != 3UL * (200000UL * 199999UL / 2) || caught != 6;

    wrong += sigaction(SIGKILL, &action, NULL) != -1 || errno != EINVAL;

    pid_t child = fork();
    if (child == 0) { for (;;) { } }      /* spins in user mode, never makes a syscall */
    for (volatile int i = 0; i < 100000; i++) { }
    wrong += kill(child, SIGTERM) != 0;
    int status = 0;
    wrong += waitpid(child, &status, 0) != child;
    wrong += !WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM;
    wrong += kill(99999, SIGTERM) != -1 || errno != ESRCH;

    dprintf(1, "signals: caught %d, child ended by signal %d, %d wrong\n", (int)caught,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, wrong);
    return wrong;
}
