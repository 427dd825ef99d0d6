/* RFLAGS.NT (nested task), which user code can set with popfq, must never reach a kernel
   IRETQ (#GP in ring 0 in 64-bit mode: issue 9 finding 3). With NT set, this program calls
   nanosleep and sched_yield while a child spins (preempted by the timer, so it waits in an
   interrupt frame for its IRETQ), forks (the child leaves through IRETQ), execs (the new
   image is entered through IRETQ), and returns from a signal handler through rt_sigreturn.
   Every system call returns with NT clear. Exit status 0 when everything held. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NT (1UL << 14)
/* Below the red zone: pushfq would overwrite whatever the compiler keeps there. */
#define SET_NT "sub $128, %%rsp\n\tpushfq\n\torq $0x4000, (%%rsp)\n\tpopfq\n\tadd $128, %%rsp\n\t"

/* A raw system call made with NT set; the flags right after it come back in *flags_after. */
static long syscall_with_nt(long number, long a, long b, long c, unsigned long *flags_after)
{
    long result;
    unsigned long flags;
    register long r10 __asm__("r10") = 0;
    __asm__ volatile(SET_NT "syscall\n\tsub $128, %%rsp\n\tpushfq\n\tpopq %1\n\tadd $128, %%rsp"
                     : "=a"(result), "=r"(flags)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory", "cc");
    if (flags_after) *flags_after = flags;
    return result;
}

static volatile int handled;

static void on_usr1(int signo)
{
    (void)signo;
    handled++;
    /* The restorer's rt_sigreturn runs with NT set. */
    __asm__ volatile(SET_NT ::: "memory", "cc");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) return 42;

    int wrong = 0;
    unsigned long flags = 0;

    pid_t spinner = fork();
    if (spinner == 0) { for (;;) { } }

    /* nanosleep and sched_yield switch to the spinner, which leaves its interrupt by IRETQ. */
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    for (int i = 0; i < 5; i++) {
        wrong += syscall_with_nt(SYS_nanosleep, (long)&pause, 0, 0, &flags) != 0;
        wrong += (flags & NT) != 0;
        wrong += syscall_with_nt(SYS_sched_yield, 0, 0, 0, &flags) != 0;
        wrong += (flags & NT) != 0;
    }
    wrong += syscall_with_nt(SYS_getpid, 0, 0, 0, &flags) != getpid();
    wrong += (flags & NT) != 0;

    /* fork: the child's first return to user mode is an IRETQ. */
    long child = syscall_with_nt(SYS_fork, 0, 0, 0, &flags);
    if (child == 0) _exit((flags & NT) ? 1 : 7);
    int status = 0;
    wrong += child < 0 || waitpid((pid_t)child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7;

    /* execve: the new image is entered through IRETQ. */
    pid_t execer = fork();
    if (execer == 0) {
        char *args[] = { argv[0], "exec-child", NULL };
        char *env[] = { NULL };
        syscall_with_nt(SYS_execve, (long)"/bin/hardening_nt.elf", (long)args, (long)env, NULL);
        _exit(127);
    }
    wrong += waitpid(execer, &status, 0) != execer || !WIFEXITED(status) || WEXITSTATUS(status) != 42;

    /* rt_sigreturn with NT set (the handler sets it), and kill with NT set. */
    signal(SIGUSR1, on_usr1);
    for (int i = 0; i < 3; i++) {
        wrong += syscall_with_nt(SYS_kill, getpid(), SIGUSR1, 0, &flags) != 0;
        wrong += (flags & NT) != 0;
    }
    wrong += handled != 3;

    kill(spinner, SIGKILL);
    wrong += waitpid(spinner, &status, 0) != spinner || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL;
    dprintf(1, "hardening nt: %d handled, %d wrong\n", handled, wrong);
    return wrong;
}
