/* Processes on arm64 without a C library (issue 19): fork (clone with SIGCHLD), wait4, a pipe
 * between parent and child, copy-on-write memory, a child ended by a signal sent to it while it
 * computes and one ended by its own fault, and a signal handler entered through the arm64
 * rt_sigframe (siginfo, ucontext with the fpsimd record, the restorer), and rt_sigreturn
 * without a frame. The calls are made here, so the program runs the same on Linux
 * (qemu-aarch64 or an arm64 machine), the reference for every answer. Prints
 * "processes: N wrong" and exits with N. */
#include <asm/unistd.h>

static long call6(long number, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}
#define call(n, a, b, c) call6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static unsigned long length(const char *s) { unsigned long n = 0; while (s[n]) n++; return n; }
static void say(const char *s) { call(__NR_write, 1, s, length(s)); }
static void say_number(long v)
{
    char text[24];
    int n = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do { text[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) text[n++] = '-';
    char out[24];
    for (int i = 0; i < n; i++) out[i] = text[n - 1 - i];
    out[n] = 0;
    say(out);
}

static int wrong;
static void check(const char *what, long got, long expected)
{
    if (got == expected) return;
    wrong++;
    say("wrong: "); say(what); say(": expected "); say_number(expected); say(", got "); say_number(got); say("\n");
}

#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGTERM 15
#define SIGCHLD 17
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000

static long fork_(void) { return call6(__NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }
static void exit_(long status) { call(__NR_exit_group, status, 0, 0); for (;;) { } }
static long wait_(long pid, int *status) { return call6(__NR_wait4, pid, (long)status, 0, 0, 0, 0); }

static volatile long shared_value = 1234;

/* The kernel's struct sigaction on arm64 (asm-generic): handler, flags, restorer, mask. */
struct kernel_sigaction { void *handler; unsigned long flags; void *restorer; unsigned long mask; };

/* The restorer: rt_sigreturn with SP at the rt_sigframe, as the handler left it. */
void restore_rt(void);
__asm__(".global restore_rt\nrestore_rt:\n    mov x8, #139\n    svc #0\n");

static volatile int handled, seen_signal, seen_signo, seen_code, seen_pid;
static volatile unsigned int seen_magic, seen_size;
static volatile unsigned long seen_pc, seen_sp;

/* struct ucontext (uapi asm/ucontext.h): uc_mcontext at 176; struct sigcontext: fault_address,
   regs[31], sp (256), pc (264), pstate (272), __reserved at 288: the fpsimd record first. */
static void handler(int signal, void *info, void *context)
{
    handled++;
    seen_signal = signal;
    seen_signo = *(int *)info;
    seen_code = ((int *)info)[2];
    seen_pid = ((int *)info)[4];
    unsigned char *mcontext = (unsigned char *)context + 176;
    seen_sp = *(unsigned long *)(mcontext + 256);
    seen_pc = *(unsigned long *)(mcontext + 264);
    seen_magic = *(unsigned int *)(mcontext + 288);
    seen_size = *(unsigned int *)(mcontext + 292);
}

/* Linux's entry: sp points at argc. */
__asm__(".global _start\n_start:\n    mov x0, sp\n    b main_with_stack\n");

/* What Linux lets EL0 do that a kernel may leave trapping (SCTLR_EL1.UCT/UCI/DZE,
   CNTKCTL_EL1.EL0VCTEN): read the cache type and the virtual counter, clean and invalidate
   a line of its own code to the point of unification (what __clear_cache does after code is
   written), zero a block with DC ZVA where DCZID_EL0 allows it. Trapped, the program dies
   here with SIGSEGV or SIGILL. */
static unsigned char zero_block[2048] __attribute__((aligned(2048)));
static void user_controls(void)
{
    unsigned long cache_type, before, after, zero_id;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(cache_type));
    check("CTR_EL0's format (bit 31 set)", (long)(cache_type >> 31) & 1, 1);
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(before));
    for (volatile int i = 0; i < 100000; i++) { }
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(after));
    check("CNTVCT_EL0 moves forward", after > before, 1);
    __asm__ volatile("dc cvau, %0; dsb ish; ic ivau, %0; dsb ish; isb" : : "r"((unsigned long)&user_controls) : "memory");
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(zero_id));
    if (!(zero_id & 16) && (4UL << (zero_id & 15)) <= sizeof zero_block) {
        for (unsigned long i = 0; i < sizeof zero_block; i++) zero_block[i] = 0x5a;
        __asm__ volatile("dc zva, %0" : : "r"(zero_block) : "memory");
        check("DC ZVA zeroes its block", zero_block[0] | zero_block[(4UL << (zero_id & 15)) - 1], 0);
    }
}

void main_with_stack(long *stack)
{
    (void)stack;
    long self = call(__NR_getpid, 0, 0, 0);
    check("getpid is positive", self > 0, 1);
    user_controls();

    /* A pipe: what goes in comes out. */
    int fds[2] = { -1, -1 };
    check("pipe2", call(__NR_pipe2, fds, 0, 0), 0);
    char buffer[16];
    check("write to the pipe", call(__NR_write, fds[1], "abc", 3), 3);
    check("read from the pipe", call(__NR_read, fds[0], buffer, sizeof buffer), 3);
    check("the bytes came through", buffer[0] == 'a' && buffer[2] == 'c', 1);
    check("pipe2 with a bad pointer is EFAULT", call(__NR_pipe2, 0xffff800000000000UL, 0, 0), -14);

    /* fork: the child writes to the pipe and changes its copy of a variable. */
    long child = fork_();
    if (child == 0)
    {
        shared_value = 99;
        long ok = call(__NR_getppid, 0, 0, 0) == self && shared_value == 99;
        call(__NR_write, fds[1], ok ? "child" : "wrong", 5);
        exit_(7);
    }
    check("fork returns the child's pid", child > self, 1);
    /* Only the child writes now: if it dies first, read sees the end of the pipe, not a hang. */
    check("close the write end", call(__NR_close, fds[1], 0, 0), 0);
    check("the child's bytes arrive", call(__NR_read, fds[0], buffer, 5), 5);
    check("the child saw its own copy and its parent", buffer[0] == 'c', 1);
    int status = -1;
    check("wait4 returns the child", wait_(child, &status), child);
    check("the child's exit status", status, 7 << 8);
    check("the parent's copy is untouched", shared_value, 1234);
    check("no child is left: ECHILD", wait_(-1, &status), -10);

    /* A child that computes is ended by SIGTERM (delivered on an interrupt's way back to EL0). */
    child = fork_();
    if (child == 0)
    {
        for (volatile unsigned long i = 0; i < 1000000000UL; i++) { }
        exit_(99);
    }
    call(__NR_sched_yield, 0, 0, 0);
    check("kill the computing child", call(__NR_kill, child, SIGTERM, 0), 0);
    check("wait4 for it", wait_(child, &status), child);
    check("it ended by SIGTERM", status, SIGTERM);

    /* A child that writes to address 0 ends by SIGSEGV, alone. */
    child = fork_();
    if (child == 0)
    {
        *(volatile long *)0 = 1;
        exit_(98);
    }
    check("wait4 for the faulting child", wait_(child, &status), child);
    check("it ended by SIGSEGV", status, SIGSEGV);

    /* A handler through the arm64 rt_sigframe. */
    struct kernel_sigaction action = { (void *)handler, SA_SIGINFO | SA_RESTORER, (void *)restore_rt, 0 };
    check("rt_sigaction", call6(__NR_rt_sigaction, SIGUSR1, (long)&action, 0, 8, 0, 0), 0);
    check("rt_sigaction with a bad pointer is EFAULT", call6(__NR_rt_sigaction, SIGUSR1, 0xffff800000000000UL, 0, 8, 0, 0), -14);
    register long kept __asm__("x19") = 0x1234567890L;
    __asm__ volatile("" : "+r"(kept));
    check("kill ourselves with SIGUSR1", call(__NR_kill, self, SIGUSR1, 0), 0);
    __asm__ volatile("" : "+r"(kept));
    check("x19 survives the handler", kept, 0x1234567890L);
    check("the handler ran once", handled, 1);
    check("its first argument is the signal", seen_signal, SIGUSR1);
    check("si_signo", seen_signo, SIGUSR1);
    check("si_code is SI_USER", seen_code, 0);
    check("si_pid is the sender", seen_pid, self);
    check("the fpsimd record comes first", seen_magic, 0x46508001);
    check("its size", seen_size, 528);
    check("the saved pc is in the program", seen_pc > 0x1000 && seen_pc < 0x0001000000000000UL, 1);
    check("the saved sp is 16-aligned", seen_sp % 16, 0);

    /* A handler without SA_RESTORER, as glibc's arm64 sigaction installs them: it returns
       through the kernel's trampoline (Linux: the vDSO's __kernel_rt_sigreturn). */
    struct kernel_sigaction plain = { (void *)handler, SA_SIGINFO, 0, 0 };
    check("rt_sigaction without SA_RESTORER", call6(__NR_rt_sigaction, SIGUSR1, (long)&plain, 0, 8, 0, 0), 0);
    check("kill ourselves with SIGUSR1 again", call(__NR_kill, self, SIGUSR1, 0), 0);
    check("the handler without a restorer ran and returned", handled, 2);

    /* vfork as asm-generic has it (glibc's arm64 vfork.S, busybox init's way to start a
       command): clone(CLONE_VM | CLONE_VFORK | SIGCHLD, sp), the caller's own stack pointer. */
    unsigned long sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    child = call6(__NR_clone, 0x100 | 0x4000 | SIGCHLD, (long)sp, 0, 0, 0, 0);
    if (child == 0) call(__NR_exit_group, 5, 0, 0);
    check("vfork-style clone makes a child", child > self, 1);
    check("wait4 for the vforked child", wait_(child, &status), child);
    check("its exit status", status, 5 << 8);

    /* rt_sigreturn without a handler's frame (SP at ordinary stack, no fpsimd record where the
       frame keeps it) ends the caller with SIGSEGV, as a forged frame does on Linux. */
    child = fork_();
    if (child == 0)
    {
        call(__NR_rt_sigreturn, 0, 0, 0);
        exit_(97);
    }
    check("wait4 for the child that returned from no signal", wait_(child, &status), child);
    check("it ended by SIGSEGV", status, SIGSEGV);

    say("processes: ");
    say_number(wrong);
    say(" wrong\n");
    exit_(wrong);
}
