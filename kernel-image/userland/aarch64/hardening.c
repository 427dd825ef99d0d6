/* x86_64's hardening programs on arm64, without a C library (issue 9's findings 3, 4, 6 and
 * 9 where arm64 has them; issue 19). Every answer is Linux's: the program runs the same under
 * qemu-aarch64 -cpu cortex-a72 (which builds Linux's signal frame) and on an arm64 machine.
 *  - The rt_sigframe: SP 16-aligned at the handler even when the interrupted SP was not,
 *    x1 = SP (siginfo), x2 = SP + 128 (ucontext), x29 = SP + 4688 (the frame record after
 *    struct rt_sigframe) holding the interrupted x29 and x30; uc_mcontext at 176 with the
 *    interrupted SP, PC (after the svc), NZCV; the fpsimd record first in __reserved (magic,
 *    528 bytes, FPSR, FPCR, v16 as it was) and the terminator after it; what the handler
 *    writes into the frame (NZCV, v16) is what rt_sigreturn restores.
 *  - No way back to EL0 at a kernel or non-canonical PC, and none to EL1: rt_sigreturn with
 *    such a PC or an EL1 PSTATE, a handler or restorer in the kernel half, a branch there:
 *    each child ends by SIGSEGV.
 *  - A user write to a kernel page (the direct map, the image, the kernel's windows) is
 *    SIGSEGV at once.
 *  - NZCV and TPIDR_EL0 belong to each thread: two processes spin with their own values
 *    while the tick preempts them, and neither ever reads the other's.
 * Prints "PART: N wrong" for each part, then "hardening: N wrong", and exits with N.
 * Under qemu-aarch64 the three PSTATE cases differ from Linux: qemu-user does not check the
 * frame's PSTATE, where Linux's rt_sigreturn refuses any but EL0t with D, A, I and F clear
 * (arch/arm64/kernel/ptrace.c, valid_native_regs: SIGSEGV); every other answer is the same. */
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
static void say_hex(unsigned long v)
{
    char out[19];
    out[0] = '0'; out[1] = 'x';
    for (int i = 0; i < 16; i++) out[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    out[18] = 0;
    say(out);
}
static void say_number(long v)
{
    char text[24], out[24];
    int n = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do { text[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) text[n++] = '-';
    for (int i = 0; i < n; i++) out[i] = text[n - 1 - i];
    out[n] = 0;
    say(out);
}

static int wrong;
static void check(const char *what, unsigned long got, unsigned long expected)
{
    if (got == expected) return;
    wrong++;
    say("wrong: "); say(what); say(": expected "); say_hex(expected); say(", got "); say_hex(got); say("\n");
}

#define SIGUSR1 10
#define SIGSEGV 11
#define SIGCHLD 17
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000

static long fork_(void) { return call6(__NR_clone, SIGCHLD, 0, 0, 0, 0, 0); }
static void exit_(long status) { call(__NR_exit_group, status, 0, 0); for (;;) { } }
static long wait_(long pid, int *status) { return call6(__NR_wait4, pid, (long)status, 0, 0, 0, 0); }

struct kernel_sigaction { void *handler; unsigned long flags; void *restorer; unsigned long mask; };

void restore_rt(void);
__asm__(".global restore_rt\nrestore_rt:\n    mov x8, #139\n    svc #0\n");

/* Linux arm64's layout (uapi asm/sigcontext.h, asm/ucontext.h; arch/arm64/kernel/signal.c). */
enum
{
    InfoSize = 128,                  /* siginfo_t */
    Mcontext = 176,                  /* uc_mcontext in struct ucontext */
    McFault = 0, McRegs = 8, McSp = 256, McPc = 264, McPstate = 272, McReserved = 288,
    FrameSize = InfoSize + Mcontext + McReserved + 4096,   /* struct rt_sigframe: 4688 */
    FpsimdMagic = 0x46508001, FpsimdSize = 528, EsrMagic = 0x45535201,
};

static const unsigned long Pattern = 0x0123456789abcdefUL, Pattern2 = 0xfedcba9876543210UL;
static const unsigned long Flags = 0xa0000000UL, Flags2 = 0x50000000UL;

/* The state the svc was made in, and what came back: kill_with_state(pid, signal, nzcv, out)
   with SP 8 bytes off its alignment and v16 = Pattern; out = { NZCV after, v16 after,
   SP at the svc, x29 at the svc, x30 at the svc, FPCR, FPSR }. */
unsigned long kill_with_state(long pid, long signal, unsigned long nzcv, unsigned long *out);
extern char after_svc[];
__asm__(
    ".global kill_with_state\n"
    "kill_with_state:\n"
    "    movz x10, #0xcdef\n"
    "    movk x10, #0x89ab, lsl #16\n"
    "    movk x10, #0x4567, lsl #32\n"
    "    movk x10, #0x0123, lsl #48\n"
    "    fmov d16, x10\n"
    "    mrs x9, fpcr\n"
    "    str x9, [x3, #40]\n"
    "    mrs x9, fpsr\n"
    "    str x9, [x3, #48]\n"
    "    sub sp, sp, #8\n"
    "    mov x9, sp\n"
    "    str x9, [x3, #16]\n"
    "    str x29, [x3, #24]\n"
    "    str x30, [x3, #32]\n"
    "    mov x11, x3\n"
    "    msr nzcv, x2\n"
    "    mov x8, #129\n"                 /* kill */
    "    svc #0\n"
    ".global after_svc\n"
    "after_svc:\n"
    "    mrs x9, nzcv\n"
    "    add sp, sp, #8\n"
    "    str x9, [x11]\n"
    "    fmov x9, d16\n"
    "    str x9, [x11, #8]\n"
    "    ret\n");

/* The handler's entry as the kernel made it: x3 = SP, x4 = x29 (x30, the restorer, stays). */
void frame_handler(int signal, unsigned char *info, unsigned char *context);
__asm__(
    ".global frame_handler\n"
    "frame_handler:\n"
    "    mov x3, sp\n"
    "    mov x4, x29\n"
    "    b frame_handler_c\n");

static volatile unsigned long seen_sp, seen_info, seen_context, seen_fp, seen_record_fp, seen_record_lr, seen_regs29, seen_regs30,
    seen_mc_sp, seen_mc_pc, seen_mc_pstate, seen_fault, seen_magic, seen_size, seen_fpsr, seen_fpcr, seen_v16, seen_next_magic,
    seen_next_size, seen_restorer;
static volatile int frames_seen;

void frame_handler_c(int signal, unsigned char *info, unsigned char *context, unsigned long sp, unsigned long fp)
{
    (void)signal;
    frames_seen++;
    unsigned long lr;
    __asm__ volatile("mov %0, x30" : "=r"(lr));
    seen_restorer = lr;
    seen_sp = sp;
    seen_info = (unsigned long)info;
    seen_context = (unsigned long)context;
    seen_fp = fp;
    seen_record_fp = ((unsigned long *)fp)[0];
    seen_record_lr = ((unsigned long *)fp)[1];
    unsigned char *mc = context + Mcontext;
    seen_regs29 = ((unsigned long *)(mc + McRegs))[29];
    seen_regs30 = ((unsigned long *)(mc + McRegs))[30];
    seen_mc_sp = *(unsigned long *)(mc + McSp);
    seen_mc_pc = *(unsigned long *)(mc + McPc);
    seen_mc_pstate = *(unsigned long *)(mc + McPstate);
    seen_fault = *(unsigned long *)(mc + McFault);
    unsigned char *record = mc + McReserved;
    seen_magic = *(unsigned int *)record;
    seen_size = *(unsigned int *)(record + 4);
    seen_fpsr = *(unsigned int *)(record + 8);
    seen_fpcr = *(unsigned int *)(record + 12);
    seen_v16 = *(unsigned long *)(record + 16 + 16 * 16);
    unsigned char *next = record + seen_size;
    if (seen_size == FpsimdSize && *(unsigned int *)next == EsrMagic) next += 16;   /* Linux's esr_context, faults only */
    seen_next_magic = *(unsigned int *)next;
    seen_next_size = *(unsigned int *)(next + 4);
    /* What rt_sigreturn must restore. */
    *(unsigned long *)(mc + McPstate) = (seen_mc_pstate & ~0xf0000000UL) | Flags2;
    *(unsigned long *)(record + 16 + 16 * 16) = Pattern2;
}

static void signal_frame(long self)
{
    struct kernel_sigaction action = { (void *)frame_handler, SA_SIGINFO | SA_RESTORER, (void *)restore_rt, 0 };
    check("rt_sigaction", call6(__NR_rt_sigaction, SIGUSR1, (long)&action, 0, 8, 0, 0), 0);
    unsigned long out[7];
    kill_with_state(self, SIGUSR1, Flags, out);
    check("the handler ran once", frames_seen, 1);
    check("the interrupted SP was 8 bytes off (the test's set-up)", out[2] % 16, 8);
    check("SP at the handler is 16-aligned", seen_sp % 16, 0);
    check("x1 (siginfo) is SP", seen_info, seen_sp);
    check("x2 (ucontext) is SP + 128", seen_context, seen_sp + InfoSize);
    check("x29 is the frame record after struct rt_sigframe (SP + 4688)", seen_fp, seen_sp + FrameSize);
    check("x30 is the restorer", seen_restorer, (unsigned long)&restore_rt);
    check("the frame record's fp is the interrupted x29", seen_record_fp, out[3]);
    check("the frame record's lr is the interrupted x30", seen_record_lr, out[4]);
    check("uc_mcontext.regs[29]", seen_regs29, out[3]);
    check("uc_mcontext.regs[30]", seen_regs30, out[4]);
    check("uc_mcontext.sp is the interrupted SP", seen_mc_sp, out[2]);
    check("uc_mcontext.pc is the instruction after the svc", seen_mc_pc, (unsigned long)after_svc);
    check("uc_mcontext.pstate's NZCV", seen_mc_pstate & 0xf0000000UL, Flags);
    check("uc_mcontext.pstate is EL0t, nothing masked", seen_mc_pstate & 0x3ff, 0);
    check("fault_address of a kill", seen_fault, 0);
    check("the fpsimd record comes first", seen_magic, FpsimdMagic);
    check("its size", seen_size, FpsimdSize);
    check("its FPSR", seen_fpsr, out[6]);
    check("its FPCR", seen_fpcr, out[5]);
    check("its v16", seen_v16, Pattern);
    check("the terminator follows (magic)", seen_next_magic, 0);
    check("the terminator follows (size)", seen_next_size, 0);
    check("NZCV after rt_sigreturn is the frame's", out[0], Flags2);
    check("v16 after rt_sigreturn is the frame's", out[1], Pattern2);
}

/* ---- no way back to EL0 at a kernel or non-canonical PC, none to EL1 ---- */

static unsigned long forged_pc, forged_pstate;
static int forge_pstate;

static void forging_handler(int signal, unsigned char *info, unsigned char *context)
{
    (void)signal; (void)info;
    unsigned char *mc = context + Mcontext;
    if (forge_pstate) *(unsigned long *)(mc + McPstate) = forged_pstate;
    else *(unsigned long *)(mc + McPc) = forged_pc;
}

/* Runs body in a child: 1 (wrong) unless the child ends by SIGSEGV. */
static int ends_by_sigsegv(const char *name, void (*body)(void))
{
    long child = fork_();
    if (child == 0)
    {
        body();
        exit_(0);
    }
    int status = -1;
    long waited = wait_(child, &status);
    int ok = waited == child && (status & 0x7f) == SIGSEGV;
    say(name); say(": "); say(ok ? "SIGSEGV\n" : "NOT SIGSEGV\n");
    return !ok;
}

static void raise_forging(void)
{
    struct kernel_sigaction action = { (void *)forging_handler, SA_SIGINFO | SA_RESTORER, (void *)restore_rt, 0 };
    call6(__NR_rt_sigaction, SIGUSR1, (long)&action, 0, 8, 0, 0);
    call(__NR_kill, call(__NR_getpid, 0, 0, 0), SIGUSR1, 0);
}

static void return_to_kernel_pc(void) { forged_pc = 0xffff800000001000UL; raise_forging(); }
static void return_to_non_canonical_pc(void) { forged_pc = 0x0001000000001000UL; raise_forging(); }
static void return_to_last_user_page(void) { forged_pc = 0x0000fffffffff000UL; raise_forging(); }
static void return_to_el1h(void) { forge_pstate = 1; forged_pstate = 0x3c5; raise_forging(); }
static void return_to_el1t(void) { forge_pstate = 1; forged_pstate = 0x4; raise_forging(); }
static void return_with_interrupts_masked(void) { forge_pstate = 1; forged_pstate = 0x80; raise_forging(); }

static void handler_in_kernel_half(void)
{
    struct kernel_sigaction action = { (void *)0xffff800000002000UL, SA_SIGINFO | SA_RESTORER, (void *)restore_rt, 0 };
    call6(__NR_rt_sigaction, SIGUSR1, (long)&action, 0, 8, 0, 0);
    call(__NR_kill, call(__NR_getpid, 0, 0, 0), SIGUSR1, 0);
}

static void quiet_handler(int signal) { (void)signal; }

static void restorer_in_kernel_half(void)
{
    struct kernel_sigaction action = { (void *)quiet_handler, SA_RESTORER, (void *)0xffffffff80001000UL, 0 };
    call6(__NR_rt_sigaction, SIGUSR1, (long)&action, 0, 8, 0, 0);
    call(__NR_kill, call(__NR_getpid, 0, 0, 0), SIGUSR1, 0);
}

static void branch_to_kernel_half(void)
{
    __asm__ volatile("mov x9, #0xffff000000000000\n    br x9" : : : "x9");
}

/* ---- user writes to kernel pages ---- */

static unsigned long write_target;
static void write_kernel_page(void) { *(volatile unsigned char *)write_target = 0x5a; }

static int write_ends_by_sigsegv(const char *name, unsigned long address)
{
    write_target = address;
    return ends_by_sigsegv(name, write_kernel_page);
}

/* ---- NZCV and TPIDR_EL0 per thread ---- */

/* Spins rounds times with NZCV = flags and TPIDR_EL0 = pointer, reading both back each round
   with instructions that leave the flags alone (EOR, CBNZ, SUB); returns the rounds in which
   either was not its own. */
unsigned long spin_with_state(unsigned long flags, unsigned long pointer, unsigned long rounds);
__asm__(
    ".global spin_with_state\n"
    "spin_with_state:\n"
    "    mov x4, xzr\n"
    "    msr tpidr_el0, x1\n"
    "    msr nzcv, x0\n"
    "1:  mrs x5, nzcv\n"
    "    eor x6, x5, x0\n"
    "    mrs x5, tpidr_el0\n"
    "    eor x5, x5, x1\n"
    "    orr x6, x6, x5\n"
    "    cbz x6, 2f\n"
    "    add x4, x4, #1\n"
    "    msr tpidr_el0, x1\n"
    "    msr nzcv, x0\n"
    "2:  sub x2, x2, #1\n"
    "    cbnz x2, 1b\n"
    "    msr tpidr_el0, xzr\n"
    "    mov x0, x4\n"
    "    ret\n");

static void state_per_thread(void)
{
    const unsigned long rounds = 20000000UL;
    long child = fork_();
    if (child == 0) exit_(spin_with_state(0x60000000UL, 0x00007a5a00002000UL, rounds) != 0);
    unsigned long lost = spin_with_state(0x90000000UL, 0x00007a5a00001000UL, rounds);
    int status = -1;
    check("wait4 for the spinning child", wait_(child, &status), child);
    check("rounds in which the parent saw another NZCV or TPIDR_EL0", lost, 0);
    check("the child saw only its own NZCV and TPIDR_EL0", status, 0);
}

__asm__(".global _start\n_start:\n    mov x0, sp\n    b main_with_stack\n");

/* Each part's count of wrong answers, on a line of its own (the in-kernel tests read them). */
static void part(const char *name, int before)
{
    say(name); say(": "); say_number(wrong - before); say(" wrong\n");
}

void main_with_stack(long *stack)
{
    (void)stack;
    long self = call(__NR_getpid, 0, 0, 0);
    int before = wrong;
    signal_frame(self);
    part("signal frame", before);

    before = wrong;
    int refused = 0;
    refused += ends_by_sigsegv("rt_sigreturn to a kernel-half PC", return_to_kernel_pc);
    refused += ends_by_sigsegv("rt_sigreturn to a non-canonical PC", return_to_non_canonical_pc);
    refused += ends_by_sigsegv("rt_sigreturn to the last page of the user half", return_to_last_user_page);
    refused += ends_by_sigsegv("rt_sigreturn to EL1h", return_to_el1h);
    refused += ends_by_sigsegv("rt_sigreturn to EL1t", return_to_el1t);
    refused += ends_by_sigsegv("rt_sigreturn with IRQs masked", return_with_interrupts_masked);
    refused += ends_by_sigsegv("a handler in the kernel half", handler_in_kernel_half);
    refused += ends_by_sigsegv("a restorer in the kernel half", restorer_in_kernel_half);
    refused += ends_by_sigsegv("a branch to the kernel half", branch_to_kernel_half);
    check("cases that did not end by SIGSEGV", refused, 0);
    part("returns outside EL0's half", before);

    before = wrong;
    int writes = 0;
    writes += write_ends_by_sigsegv("write to the direct map of RAM", 0xffff800040100000UL);
    writes += write_ends_by_sigsegv("write to the kernel image", 0xffffffff80200000UL);
    writes += write_ends_by_sigsegv("write to the kernel's windows", 0xffffc00000000000UL);
    writes += write_ends_by_sigsegv("write to the first kernel-half address", 0xffff000000000000UL);
    check("kernel writes that did not end by SIGSEGV", writes, 0);
    part("writes to kernel pages", before);

    before = wrong;
    state_per_thread();
    part("NZCV and TPIDR_EL0 per thread", before);

    say("hardening: ");
    say_number(wrong);
    say(" wrong\n");
    exit_(wrong);
}
