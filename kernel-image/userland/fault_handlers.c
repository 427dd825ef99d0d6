/* A program's own faults reach its handlers, as on Linux (force_sig_fault): SIGSEGV with
 * si_addr and si_code (SEGV_ACCERR for a PROT_NONE page, SEGV_MAPERR for nothing mapped) whose
 * handler mprotects the page and returns, so the write is retried and succeeds; SIGFPE, SIGILL
 * and SIGTRAP handlers with their codes; a blocked SIGSEGV still kills. "fault_handlers: N wrong".
 * On arm64: no SIGFPE (division by zero gives 0), UDF is SIGILL/ILL_ILLOPC (Linux's
 * do_el0_undef; qemu-aarch64 alone says ILL_ILLOPN, the rest it answers as this expects) and BRK
 * SIGTRAP/TRAP_BRKPT (brk_handler), both with si_addr the instruction, and BRK is not stepped
 * over (the handler moves the PC). */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("fault_handlers: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}

static volatile void *seen_addr;
static volatile int seen_code, seen_signal, calls;
static sigjmp_buf jump;
static volatile uintptr_t zero_address = 8;

static void fix_page(int sig, siginfo_t *info, void *context)
{
    (void)context;
    calls++;
    seen_signal = sig;
    seen_addr = info->si_addr;
    seen_code = info->si_code;
    mprotect((void *)((uintptr_t)info->si_addr & ~4095UL), 4096, PROT_READ | PROT_WRITE);
}

static void escape(int sig, siginfo_t *info, void *context)
{
    (void)context;
    seen_signal = sig;
    seen_code = info->si_code;
    seen_addr = info->si_addr;
    siglongjmp(jump, 1);
}

#if defined(__aarch64__)
/* SIGTRAP from BRK: the PC still names the BRK; the handler moves it past (4 bytes). */
static void step_over(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    calls++;
    seen_signal = sig;
    seen_addr = info->si_addr;
    seen_code = info->si_code;
    uc->uc_mcontext.pc += 4;
}
#endif

static void on(int sig, void (*handler)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* every line survives a kill */
    /* SIGSEGV on a PROT_NONE page: the handler makes it writable, the write is retried. */
    char *page = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    on(SIGSEGV, fix_page);
    *(volatile char *)(page + 100) = 42;
    expect("handler calls for the PROT_NONE write", 1, calls);
    expect("si_addr", (long)(page + 100), (long)seen_addr);
    expect("si_code SEGV_ACCERR", SEGV_ACCERR, seen_code);
    expect("the retried write landed", 42, page[100]);

    /* Nothing mapped: SEGV_MAPERR; escape with siglongjmp. */
    on(SIGSEGV, escape);
    munmap(page, 8192);
    if (sigsetjmp(jump, 1) == 0) { *(volatile char *)(page + 4096) = 1; expect("escaped the unmapped write", 1, 0); }
    expect("signal for an unmapped write", SIGSEGV, seen_signal);
    expect("si_code SEGV_MAPERR", SEGV_MAPERR, seen_code);
    expect("si_addr unmapped", (long)(page + 4096), (long)seen_addr);

#if defined(__aarch64__)
    /* arm64: integer division by zero does not trap (SDIV gives 0: Arm ARM C3.4.7). */
    on(SIGFPE, escape);
    seen_signal = 0;
    volatile int zero = 0, result = 1;
    result = 10 / zero;
    expect("no signal for a division by zero", 0, seen_signal);
    expect("10 / 0", 0, result);

    /* SIGILL: an undefined instruction (UDF #0); Linux's do_el0_undef gives ILL_ILLOPC and
       the instruction's address. */
    on(SIGILL, escape);
    if (sigsetjmp(jump, 1) == 0) { __asm__ volatile(".globl fh_udf\nfh_udf: udf #0"); expect("escaped udf", 1, 0); }
    extern char fh_udf[];
    expect("signal for udf", SIGILL, seen_signal);
    expect("si_code ILL_ILLOPC", ILL_ILLOPC, seen_code);
    expect("udf si_addr (the instruction)", (long)fh_udf, (long)seen_addr);

    /* SIGTRAP: BRK #0 leaves the PC on itself (Linux's brk_handler: TRAP_BRKPT, si_addr the
       instruction); the handler steps over it. */
    calls = 0;
    on(SIGTRAP, step_over);
    __asm__ volatile(".globl fh_brk\nfh_brk: brk #0" ::: "memory");
    extern char fh_brk[];
    expect("SIGTRAP handler ran once and execution went on", 1, calls);
    expect("signal for brk", SIGTRAP, seen_signal);
    expect("brk si_code TRAP_BRKPT", TRAP_BRKPT, seen_code);
    expect("brk si_addr (the instruction)", (long)fh_brk, (long)seen_addr);
#else
    /* SIGFPE: integer division by zero. */
    on(SIGFPE, escape);
    volatile int zero = 0, result = 0;
    if (sigsetjmp(jump, 1) == 0) { result = 10 / zero; expect("escaped the division", 1, 0); }
    expect("signal for a division by zero", SIGFPE, seen_signal);
    expect("si_code FPE_INTDIV", FPE_INTDIV, seen_code);
    (void)result;

    /* SIGILL: ud2. */
    on(SIGILL, escape);
    if (sigsetjmp(jump, 1) == 0) { __asm__ volatile("ud2"); expect("escaped ud2", 1, 0); }
    expect("signal for ud2", SIGILL, seen_signal);
    expect("si_code ILL_ILLOPN", ILL_ILLOPN, seen_code);

    /* SIGTRAP: int3 is a trap, so returning from the handler continues after it. */
    calls = 0;
    on(SIGTRAP, fix_page);
    __asm__ volatile("int3");
    expect("SIGTRAP handler ran once and execution went on", 1, calls);
    expect("signal for int3", SIGTRAP, seen_signal);
    expect("int3 si_code SI_KERNEL", SI_KERNEL, seen_code);
    expect("int3 si_addr", 0, (long)seen_addr);
#endif

    /* A blocked SIGSEGV cannot be caught: the fault kills (Linux force_sig_fault). */
    pid_t pid = fork();
    if (pid == 0) {
        on(SIGSEGV, escape);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_BLOCK, &set, NULL);
        volatile char *null_page = (volatile char *)(uintptr_t)zero_address; *null_page = 1;
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    expect("a blocked SIGSEGV kills", SIGSEGV, WIFSIGNALED(status) ? WTERMSIG(status) : -1);

    /* A SIGSEGV handler installed while another handler's restorer is non-canonical: the return
       to it is refused. Linux runs the SIGSEGV handler after the #GP; Aurora ends the process
       (it cannot resume there). Either way the process ends and the kernel goes on (this
       panicked "a refused return to user mode came back" once; fuzzer seed 0x4493290b177d012e). */
    pid = fork();
    if (pid == 0) {
        on(SIGSEGV, escape);
        struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } act = {
            (void *)fix_page, 0x04000000UL /* SA_RESTORER */ | SA_SIGINFO, (void *)0x800000000000UL, 0 };
        syscall(SYS_rt_sigaction, SIGUSR1, &act, NULL, 8);
        if (sigsetjmp(jump, 1) == 0) raise(SIGUSR1);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    expect("a non-canonical restorer ends the child (exit 0 on Linux, SIGSEGV on Aurora)", 1,
           (WIFEXITED(status) && WEXITSTATUS(status) == 0) || (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV));

    printf("fault_handlers: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
