/* The signal frame as Linux lays it out (issue 9 finding 9): uc_mcontext.fpregs (struct
   sigcontext's fpstate) points at the saved x87/SSE state, whose MXCSR is the interrupted
   code's; the 48 bytes fxsave never writes (464-511) carry nothing from the kernel; a handler
   that changes the saved MXCSR changes it on return; a NULL fpstate is accepted by
   rt_sigreturn and gives the initial FP state; a saved MXCSR with bits the CPU does not have
   is a damaged frame (SIGSEGV, as on Linux), not a #GP in the kernel's fxrstor. And a pending unmasked x87 exception carried through system calls and context
   switches surfaces as SIGFPE in user mode at the next waiting x87 instruction (CR0.NE), not
   in the kernel. Exit status 0 when everything held. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum { OBSERVE, CHANGE_MXCSR, NULL_FPSTATE, BAD_MXCSR, SPINNING };
static volatile int mode, handled, fpregs_null, stale_bytes;
static volatile unsigned seen_mxcsr;

static unsigned read_mxcsr(void) { unsigned v; __asm__ volatile("stmxcsr %0" : "=m"(v)); return v; }
static void write_mxcsr(unsigned v) { __asm__ volatile("ldmxcsr %0" :: "m"(v)); }

static void on_usr1(int signo, siginfo_t *info, void *context)
{
    (void)signo; (void)info;
    ucontext_t *uc = context;
    unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
    handled++;
    if (fp == NULL) { fpregs_null++; return; }
    seen_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    for (int i = 464; i < 512; i++) stale_bytes += fp[i] != 0;
    if (mode == CHANGE_MXCSR) uc->uc_mcontext.fpregs->mxcsr = 0x3F80;   /* round down */
    if (mode == NULL_FPSTATE) uc->uc_mcontext.fpregs = NULL;
    if (mode == BAD_MXCSR) uc->uc_mcontext.fpregs->mxcsr = 0xFFFFFFFF;
    if (mode == SPINNING) _exit(stale_bytes < 100 ? stale_bytes : 100);
}

/* Child: divide by zero with the x87 zero-divide exception unmasked (the fault is pending
   until the next waiting x87 instruction), then system calls and switches, then fwait. */
static void pending_x87_exception(void)
{
    unsigned short control = 0x037F & ~0x4;
    __asm__ volatile("fldcw %0\n\tfldz\n\tfld1\n\tfdiv %%st(1), %%st" :: "m"(control));   /* 1 / 0 */
    struct timespec tick = { 0, 5 * 1000 * 1000 };
    for (int i = 0; i < 3; i++) { sched_yield(); nanosleep(&tick, NULL); getpid(); }
    __asm__ volatile("fwait");
    _exit(0);
}

int main(void)
{
    int wrong = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_usr1;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &action, NULL);

    mode = OBSERVE;
    write_mxcsr(0x7F80);                  /* round toward zero: a value the handler must see */
    raise(SIGUSR1);
    wrong += fpregs_null != 0 || seen_mxcsr != 0x7F80 || stale_bytes != 0 || read_mxcsr() != 0x7F80;
    dprintf(1, "fpregs %s, saved mxcsr %#x, %d nonzero bytes in 464-511\n",
            fpregs_null ? "NULL" : "set", seen_mxcsr, stale_bytes);

    mode = CHANGE_MXCSR;
    raise(SIGUSR1);
    wrong += read_mxcsr() != 0x3F80;
    dprintf(1, "mxcsr after a handler changed it: %#x\n", read_mxcsr());

    mode = NULL_FPSTATE;
    write_mxcsr(0x7F80);
    raise(SIGUSR1);
    wrong += read_mxcsr() != 0x1F80;
    dprintf(1, "mxcsr after rt_sigreturn with a NULL fpstate: %#x\n", read_mxcsr());

    /* A signal that arrives on the interrupt path (the child spins without system calls): the
       frame is built from the interrupt's fxsave area, deeper in a kernel stack that kernel
       code has used since the fork. The handler exits with its count of nonzero bytes. */
    pid_t spinner = fork();
    if (spinner == 0) {
        mode = SPINNING;
        stale_bytes = 0;
        for (;;) { }
    }
    struct timespec settle = { 0, 20 * 1000 * 1000 };
    nanosleep(&settle, NULL);
    kill(spinner, SIGUSR1);
    int spun = 0;
    waitpid(spinner, &spun, 0);
    wrong += !WIFEXITED(spun) || WEXITSTATUS(spun) != 0;
    dprintf(1, "signal on the interrupt path: %d nonzero bytes in 464-511\n", WIFEXITED(spun) ? WEXITSTATUS(spun) : -1);

    write_mxcsr(0x1F80);
    pid_t child = fork();
    if (child == 0) {
        mode = BAD_MXCSR;
        raise(SIGUSR1);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    int segv = WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    wrong += !segv;
    dprintf(1, "rt_sigreturn with MXCSR 0xffffffff: %s\n", segv ? "SIGSEGV" : "no SIGSEGV");

    child = fork();
    if (child == 0) pending_x87_exception();
    waitpid(child, &status, 0);
    int fpe = WIFSIGNALED(status) && WTERMSIG(status) == SIGFPE;
    wrong += !fpe;
    dprintf(1, "pending x87 exception: %s\n", fpe ? "SIGFPE" : "no SIGFPE");

    wrong += handled != 3;
    dprintf(1, "hardening sigframe: %d handled, %d wrong\n", handled, wrong);
    return wrong;
}
