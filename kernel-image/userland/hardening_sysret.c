/* The kernel never returns to user mode at an address outside the user half (issue 9 finding
   4: on Intel CPUs SYSRET to a non-canonical RIP faults in ring 0 on the user's stack,
   CVE-2012-0217, and IRETQ faults in ring 0 too). Each case runs in a child that must end
   by SIGSEGV: a `syscall` in the last bytes of the user half (its return address would be
   0x800000000000), a signal handler at a non-canonical and at a kernel address, a
   non-canonical restorer, and rt_sigreturn to a non-canonical RIP. Exit status 0 when
   every child ended by SIGSEGV. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SA_RESTORER 0x04000000
#define NON_CANONICAL 0x0000800000000000UL
#define KERNEL_TEXT 0xFFFFFFFF80200000UL

struct kernel_sigaction { unsigned long handler, flags, restorer, mask; };

static void restorer(void) { syscall(SYS_rt_sigreturn); }
static void handler(int signo) { (void)signo; }

/* Last page of the user half: `mov eax, 39 (getpid); syscall` at 0x7ffffffffff9, so the
   instruction after the syscall would be at 0x800000000000. */
static void syscall_at_the_end(void)
{
    unsigned char *page = mmap((void *)0x7ffffffff000UL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (page == MAP_FAILED) {
        dprintf(1, "last page not mappable\n");
        raise(SIGSEGV);
    }
    static const unsigned char code[] = { 0xb8, 39, 0, 0, 0, 0x0f, 0x05 };
    memcpy(page + 0xff9, code, sizeof code);
    ((void (*)(void))(page + 0xff9))();
}

static void handler_at(unsigned long address, unsigned long restorer_address)
{
    struct kernel_sigaction action = { address, SA_RESTORER, restorer_address, 0 };
    syscall(SYS_rt_sigaction, SIGUSR1, &action, NULL, 8);
    raise(SIGUSR1);
}

static void bad_handler(void) { handler_at(NON_CANONICAL, (unsigned long)restorer); }
static void kernel_handler(void) { handler_at(KERNEL_TEXT, (unsigned long)restorer); }
static void bad_restorer(void) { handler_at((unsigned long)handler, NON_CANONICAL); }

/* A forged rt_sigframe whose saved RIP is non-canonical: pretcode is popped by the restorer's
   ret, so rt_sigreturn finds the frame at rsp - 8. */
static void sigreturn_to_non_canonical(void)
{
    static unsigned long frame[128] __attribute__((aligned(16)));
    unsigned long *ucontext = frame + 1;
    unsigned long *mcontext = ucontext + 5;
    mcontext[15] = (unsigned long)(frame + 100);   /* rsp */
    mcontext[16] = NON_CANONICAL;                  /* rip */
    mcontext[17] = 0x202;                          /* eflags */
    mcontext[23] = 0;                              /* fpstate: none */
    __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" :: "r"(frame + 1) : "memory");
}

static int ends_by_sigsegv(const char *name, void (*body)(void))
{
    pid_t child = fork();
    if (child == 0) {
        body();
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    int ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    dprintf(1, "%s: %s\n", name, ok ? "SIGSEGV" : "NOT SIGSEGV");
    return !ok;
}

int main(void)
{
    int wrong = 0;
    wrong += ends_by_sigsegv("syscall at 0x7ffffffffff9", syscall_at_the_end);
    wrong += ends_by_sigsegv("handler at 0x800000000000", bad_handler);
    wrong += ends_by_sigsegv("handler in the kernel half", kernel_handler);
    wrong += ends_by_sigsegv("restorer at 0x800000000000", bad_restorer);
    wrong += ends_by_sigsegv("rt_sigreturn to 0x800000000000", sigreturn_to_non_canonical);
    dprintf(1, "hardening sysret: %d wrong\n", wrong);
    return wrong;
}
