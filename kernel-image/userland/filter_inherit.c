/* Syscall-filter gaps (security issue 9, finding 8):
   1. rt_sigreturn passes the filter like every call. A filter that denies it makes it return
      -EPERM, and the process goes on after the `syscall` instruction of its restorer, with the
      signal frame still on its stack and the handler's mask in force — what a Linux seccomp
      filter returning SECCOMP_RET_ERRNO(EPERM) does. Our restorer then exits with 100 + errno,
      so the status tells (101 = EPERM). Without the filter the same restorer never comes back.
   2. Every filter is inherited, as Linux seccomp filters are: one installed without the
      Inheritable flag still applies to children, grandchildren and programs they execve.
   Run as /bin/filter_inherit.elf; "exec-check" as argv[1] is the execve'd image.
   Exit status 0 when every answer was right. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "aurora.h"

enum { SYSCALL_FILTER = AURORA_SYS_syscall_filter, DEFAULT_ALLOW = 1 };
struct filter { unsigned long bits[16]; unsigned int flags, reserved; };
struct k_sigaction { void (*handler)(int); unsigned long flags; void (*restorer)(void); unsigned long mask; };
#define SA_RESTORER_ 0x04000000UL

/* rt_sigreturn, then (only if it came back) exit_group(100 + -result). */
#if defined(__aarch64__)
__asm__(".text\n.globl reporting_restorer\nreporting_restorer:\n"
        "  mov x8, #139\n  svc #0\n  neg x0, x0\n  add x0, x0, #100\n"
        "  mov x8, #94\n  svc #0\n  brk #0\n");
#else
__asm__(".text\n.globl reporting_restorer\nreporting_restorer:\n"
        "  mov $15, %eax\n  syscall\n  mov %rax, %rdi\n  neg %rdi\n  add $100, %rdi\n"
        "  mov $231, %eax\n  syscall\n  hlt\n");
#endif
void reporting_restorer(void);

static int wrong;
static void expect_eq(const char *what, long expected, long actual)
{
    if (expected != actual) { wrong++; dprintf(1, "WRONG: %s: expected %ld, got %ld\n", what, expected, actual); }
    else dprintf(1, " %s %ld=%ld\n", what, expected, actual);
}

static volatile int handled;
static void on_usr1(int signal) { (void)signal; handled = 1; }

static int deny(int number)
{
    struct filter f;
    memset(&f, 0, sizeof f);
    f.flags = DEFAULT_ALLOW;                   /* bits name the denied calls; no Inheritable flag */
    f.bits[number / 64] |= 1UL << (number % 64);
    return (int)syscall(SYSCALL_FILTER, &f);
}

/* A child that takes SIGUSR1 with reporting_restorer, optionally denying rt_sigreturn first.
   Its exit status: 0 when rt_sigreturn resumed it, 100 + errno when rt_sigreturn returned. */
static int signal_child(int deny_sigreturn)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct k_sigaction action = { on_usr1, SA_RESTORER_, reporting_restorer, 0 };
        if (syscall(SYS_rt_sigaction, SIGUSR1, &action, NULL, 8) != 0) _exit(90);
        if (deny_sigreturn && deny(SYS_rt_sigreturn) != 0) _exit(91);
        kill(getpid(), SIGUSR1);
        _exit(handled ? 0 : 92);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

static long getpid_errno(void) { long r = syscall(SYS_getpid); return r < 0 ? errno : 0; }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-check") == 0) return getpid_errno() == EPERM ? 0 : 1;

    expect_eq("rt_sigreturn allowed: resumed, exit", 0, signal_child(0));
    expect_eq("rt_sigreturn denied: returns EPERM, exit 100 + errno", 100 + EPERM, signal_child(1));

    /* The same through musl's own restorer: after the denied rt_sigreturn it runs on past
       __restore_rt into whatever follows; reported, not checked. */
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGUSR1, on_usr1);
        deny(SYS_rt_sigreturn);
        raise(SIGUSR1);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    dprintf(1, " with musl's restorer a denied rt_sigreturn ended the child by %s %d\n",
            WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

    /* A filtered process (no Inheritable flag) forks: child, grandchild and an execve'd
       program are filtered too. */
    pid = fork();
    if (pid == 0) {
        if (deny(SYS_getpid) != 0) _exit(10);
        if (getpid_errno() != EPERM) _exit(11);
        pid_t c = fork();
        if (c == 0) {
            if (getpid_errno() != EPERM) _exit(1);
            pid_t g = fork();
            if (g == 0) _exit(getpid_errno() == EPERM ? 0 : 1);
            int s = 0;
            waitpid(g, &s, 0);
            if (!WIFEXITED(s) || WEXITSTATUS(s) != 0) _exit(2);
            char *args[] = { "/bin/filter_inherit.elf", "exec-check", NULL }, *env[] = { NULL };
            execve(args[0], args, env);
            _exit(3);
        }
        int s = 0;
        waitpid(c, &s, 0);
        _exit(WIFEXITED(s) ? 20 + WEXITSTATUS(s) : 30);
    }
    waitpid(pid, &status, 0);
    expect_eq("child, grandchild and execve'd image filtered (exit 20 = all)", 20, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    expect_eq("this unfiltered process still calls getpid", 0, getpid_errno());

    dprintf(1, "filter: %d wrong\n", wrong);
    return wrong != 0;
}
