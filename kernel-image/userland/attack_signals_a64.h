/* attack_signals.c's arm64 twins (issue 19): privileged instructions, PSTATE tricks and
   forged rt_sigframes at EL0, each in a forked child whose ending must be Linux's.

   Linux's answers (arch/arm64/kernel/entry-common.c, el0t_64_sync_handler): an instruction
   EL0 may not execute is UNDEFINED there (EL1 system registers, ERET, HVC, SMC, DC IVAC, IC
   IALLU, TLBI, AT: exception class 0, el0_undef) or trapped (MSR DAIFSet with SCTLR_EL1.UMA
   clear: class 0x18, el0_sys, emulated only for the registers Linux chooses); both are
   SIGILL. WFI is trapped and skipped (wfi_handler). BRK is SIGTRAP; a misaligned SP used for
   a load is SIGBUS (el0_sp); an access to the kernel half is SIGSEGV. rt_sigreturn
   (arch/arm64/kernel/signal.c, restore_sigframe) refuses a frame whose PSTATE is not EL0t
   with D, A, I and F clear (valid_user_regs), an SP that is not 16-byte aligned, and a frame
   without its fpsimd record: SIGSEGV. It does not look at the PC: a return to a kernel
   address faults at EL0 (SIGSEGV). */
#ifndef ATTACK_SIGNALS_A64_H
#define ATTACK_SIGNALS_A64_H

/* ---- privileged instructions ---- */
static int do_msr_sctlr(long a) { (void)a; __asm__ volatile("msr sctlr_el1, %0" : : "r"(0UL)); return 0; }
static int do_mrs_sctlr(long a) { (void)a; unsigned long v; __asm__ volatile("mrs %0, sctlr_el1" : "=r"(v)); return 0; }
static int do_mrs_ttbr1(long a) { (void)a; unsigned long v; __asm__ volatile("mrs %0, ttbr1_el1" : "=r"(v)); return 0; }
static int do_msr_ttbr0(long a) { (void)a; __asm__ volatile("msr ttbr0_el1, %0" : : "r"(0UL)); return 0; }
static int do_msr_vbar(long a) { (void)a; __asm__ volatile("msr vbar_el1, %0" : : "r"(0UL)); return 0; }
static int do_mrs_esr(long a) { (void)a; unsigned long v; __asm__ volatile("mrs %0, esr_el1" : "=r"(v)); return 0; }
static int do_msr_elr(long a) { (void)a; __asm__ volatile("msr elr_el1, %0" : : "r"(0UL)); return 0; }
static int do_msr_spsr(long a) { (void)a; __asm__ volatile("msr spsr_el1, %0" : : "r"(0x5UL)); return 0; }
static int do_msr_cntkctl(long a) { (void)a; __asm__ volatile("msr cntkctl_el1, %0" : : "r"(0UL)); return 0; }
static int do_eret(long a) { (void)a; __asm__ volatile("eret"); return 0; }
static int do_hvc(long a) { (void)a; __asm__ volatile("hvc #0" : : : "x0", "memory"); return 0; }
static int do_smc(long a) { (void)a; __asm__ volatile("smc #0" : : : "x0", "memory"); return 0; }
static int do_dc_ivac(long a) { (void)a; static char line[64] __attribute__((aligned(64))); __asm__ volatile("dc ivac, %0" : : "r"(line) : "memory"); return 0; }
static int do_dc_isw(long a) { (void)a; __asm__ volatile("dc isw, %0" : : "r"(0UL) : "memory"); return 0; }
static int do_ic_iallu(long a) { (void)a; __asm__ volatile("ic iallu" : : : "memory"); return 0; }
static int do_tlbi(long a) { (void)a; __asm__ volatile("tlbi vmalle1" : : : "memory"); return 0; }
static int do_at(long a) { (void)a; __asm__ volatile("at s1e1r, %0" : : "r"(0UL)); return 0; }
static int do_udf(long a) { (void)a; __asm__ volatile(".inst 0x00000000" : : : "memory"); return 0; }   /* UDF #0 */
static int do_brk(long a) { (void)a; __asm__ volatile("brk #0"); return 0; }
/* WFI from EL0: trapped and skipped by Linux (or not trapped at all): the child goes on. */
static int do_wfi(long a) { (void)a; __asm__ volatile("wfi"); return 0; }
/* arm64's SDIV by zero gives 0, no trap (Arm ARM C3.4.8): exit 0. */
static int do_divide(long a) { volatile long zero = a + 1; return (int)(1000 / zero); }
/* A load through an SP that is not 16-byte aligned: SIGBUS (SCTLR_EL1.SA0, as Linux sets it). */
static int do_misaligned_sp(long a)
{
    (void)a;
    __asm__ volatile("mov x9, sp\n\tsub x10, x9, #64\n\tadd x10, x10, #8\n\tmov sp, x10\n\tldr x11, [sp]\n\tmov sp, x9" : : : "x9", "x10", "x11", "memory");
    return 0;
}
/* A user write to a kernel page: SIGSEGV, not a fault loop. */
static int write_kernel(long address) { *(volatile long *)address = 1; return 0; }
/* A jump to a kernel address: the instruction abort at EL0 is SIGSEGV. */
static int jump_kernel(long address) { ((void (*)(void))address)(); return 0; }

/* ---- PSTATE tricks ---- */
static int do_daifset(long a) { (void)a; __asm__ volatile("msr daifset, #0xf"); return 0; }
static int do_daifclr(long a) { (void)a; __asm__ volatile("msr daifclr, #0xf"); return 0; }
static int do_spsel(long a) { (void)a; __asm__ volatile("msr spsel, #1"); return 0; }
static int do_mrs_daif(long a) { (void)a; unsigned long v; __asm__ volatile("mrs %0, daif" : "=r"(v)); return 0; }
static int do_mrs_currentel(long a) { (void)a; unsigned long v; __asm__ volatile("mrs %0, CurrentEL" : "=r"(v)); return 0; }

/* All four condition flags set around system calls, sleeps, forks and a signal's
   rt_sigreturn: Linux keeps them as they were. The flags are set, the call made and the flags
   read back in one asm block (compiled code between would change them). Exit 0 when every
   call kept them. */
static void note_signal(int s) { (void)s; }
#define ALL_FLAGS 0xF0000000UL
static long svc_keeping_flags(long n, long a, long b, long c, unsigned long *after)
{
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c;
    unsigned long flags;
    __asm__ volatile("msr nzcv, %[set]\n\tsvc #0\n\tmrs %[flags], nzcv"
                     : "+r"(x0), [flags] "=&r"(flags) : "r"(x8), "r"(x1), "r"(x2), [set] "r"(ALL_FLAGS) : "memory", "cc");
    *after = flags;
    return x0;
}

/* Spins with the flags set, in a loop that does not touch them (SUB, CBNZ): preempted
   many times, the flags must come back each time. */
static unsigned long spin_keeping_flags(long rounds)
{
    unsigned long flags;
    __asm__ volatile("msr nzcv, %[set]\n\tmov x9, %[n]\n1:\tsub x9, x9, #1\n\tcbnz x9, 1b\n\tmrs %[flags], nzcv"
                     : [flags] "=&r"(flags) : [set] "r"(ALL_FLAGS), [n] "r"(rounds) : "x9", "cc");
    return flags;
}

static int nzcv_then_syscalls(long which)
{
    signal(SIGUSR1, note_signal);
    long self = raw(SYS_getpid, 0, 0, 0);
    for (int i = 0; i < 200; i++) {
        unsigned long after = 0;
        if (which == 0) svc_keeping_flags(SYS_getpid, 0, 0, 0, &after);
        if (which == 1) { struct timespec t = { 0, 1000000 }; svc_keeping_flags(SYS_nanosleep, (long)&t, 0, 0, &after); }
        if (which == 2) {
            if (i >= 20) break;
            long pid = svc_keeping_flags(SYS_clone, SIGCHLD, 0, 0, &after);
            if (pid == 0) raw(SYS_exit, after == ALL_FLAGS ? 0 : 7, 0, 0);
            int status = 0;
            if (pid > 0) raw6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
            if (pid > 0 && status != 0) return 7;
        }
        if (which == 3) svc_keeping_flags(SYS_kill, self, SIGUSR1, 0, &after);
        if (after != ALL_FLAGS) return 5;
        if (spin_keeping_flags(20000) != ALL_FLAGS) return 6;   /* the tick preempts with the flags set */
    }
    return 0;
}

/* Another process keeps the flags set while we are preempted: both must go on. */
static int flag_spinner(long a)
{
    (void)a;
    for (long k = 0; k < 300; k++)
        if (spin_keeping_flags(100000) != ALL_FLAGS) return 4;
    return 0;
}

/* ---- forged rt_sigframes ---- */
static volatile long forge_kind;
enum { FORGE_EL1H, FORGE_EL1T, FORGE_AARCH32, FORGE_DAIF, FORGE_DEBUG_MASK, FORGE_SS, FORGE_MISALIGNED_SP, FORGE_KERNEL_PC,
       FORGE_NONCANONICAL_PC, FORGE_KERNEL_SP, FORGE_NO_FPSIMD, FORGE_BAD_FPSIMD_SIZE, FORGE_NZCV };

/* The fpsimd record: magic "FPSIMD" (0x46508001) and size 528, first in __reserved. */
static void forging_handler(int s, siginfo_t *info, void *context)
{
    (void)s; (void)info;
    ucontext_t *uc = context;
    mcontext_t *m = &uc->uc_mcontext;
    unsigned int *record = (unsigned int *)m->__reserved;
    switch (forge_kind) {
    case FORGE_EL1H: m->pstate = (m->pstate & ~0xFUL) | 0x5; break;
    case FORGE_EL1T: m->pstate = (m->pstate & ~0xFUL) | 0x4; break;
    case FORGE_AARCH32: m->pstate |= 0x10; break;
    case FORGE_DAIF: m->pstate |= 0x3C0; break;
    case FORGE_DEBUG_MASK: m->pstate |= 0x200; break;
    case FORGE_SS: m->pstate |= 0x200000; break;     /* PSTATE.SS: Linux drops it (no stepping asked for) */
    case FORGE_MISALIGNED_SP: m->sp += 8; break;
    case FORGE_KERNEL_PC: m->pc = 0xffffffff80200000UL; break;
    case FORGE_NONCANONICAL_PC: m->pc = 0x0001000000000000UL; break;
    case FORGE_KERNEL_SP: m->sp = 0xffff800000100000UL; break;
    case FORGE_NO_FPSIMD: record[0] = 0; record[1] = 0; break;
    case FORGE_BAD_FPSIMD_SIZE: record[1] = 16; break;
    case FORGE_NZCV: m->pstate |= 0xF0000000UL; break;
    }
}

/* Exit 0 when the frame was taken (or cleaned) and the program went on. */
static int forge(long kind)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forging_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    forge_kind = kind;
    raise(SIGUSR1);
    for (int i = 0; i < 50; i++) raw(SYS_sched_yield, 0, 0, 0);
    return 0;
}

/* rt_sigreturn on garbage and on an ordinary stack, no handler involved. */
static int sigreturn_garbage(long pattern)
{
    static unsigned long junk[1200] __attribute__((aligned(16)));
    unsigned long x = 0x2545F4914F6CDD1DUL ^ (unsigned long)pattern;
    for (int i = 0; i < 1200; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; junk[i] = pattern == 0 ? 0 : x; }
    register long x8 __asm__("x8") = SYS_rt_sigreturn;
    __asm__ volatile("mov sp, %0\n\tsvc #0" : : "r"(junk + 8), "r"(x8) : "memory");
    return 0;
}

/* A handler or restorer at a non-canonical or kernel address. */
static int bad_handler(long which)
{
    struct { unsigned long handler, flags, restorer, mask; } act = { 0, 0x04000000 /* SA_RESTORER */, 0, 0 };
    unsigned long targets[] = { 0x0001000000000000UL, 0xffffffff80200000UL, 0x0000fffffffffffcUL };
    act.handler = which < 3 ? targets[which] : (unsigned long)note_signal;
    act.restorer = which < 3 ? (unsigned long)note_signal : targets[which - 3];
    raw6(SYS_rt_sigaction, SIGUSR1, (long)&act, 0, 8, 0, 0);
    raw(SYS_kill, raw(SYS_getpid, 0, 0, 0), SIGUSR1, 0);
    return 0;
}

#define A64_TESTS \
    { "msr sctlr_el1", do_msr_sctlr, 0, SIGILL, 0, 'p' }, \
    { "mrs sctlr_el1", do_mrs_sctlr, 0, SIGILL, 0, 'p' }, \
    { "mrs ttbr1_el1", do_mrs_ttbr1, 0, SIGILL, 0, 'p' }, \
    { "msr ttbr0_el1", do_msr_ttbr0, 0, SIGILL, 0, 'p' }, \
    { "msr vbar_el1", do_msr_vbar, 0, SIGILL, 0, 'p' }, \
    { "mrs esr_el1", do_mrs_esr, 0, SIGILL, 0, 'p' }, \
    { "msr elr_el1", do_msr_elr, 0, SIGILL, 0, 'p' }, \
    { "msr spsr_el1 (EL1h)", do_msr_spsr, 0, SIGILL, 0, 'p' }, \
    { "msr cntkctl_el1", do_msr_cntkctl, 0, SIGILL, 0, 'p' }, \
    { "eret", do_eret, 0, SIGILL, 0, 'p' }, \
    { "hvc #0", do_hvc, 0, SIGILL, 0, 'p' }, \
    { "smc #0", do_smc, 0, SIGILL, 0, 'p' }, \
    { "dc ivac (invalidate without clean)", do_dc_ivac, 0, SIGILL, 0, 'p' }, \
    { "dc isw (by set/way)", do_dc_isw, 0, SIGILL, 0, 'p' }, \
    { "ic iallu", do_ic_iallu, 0, SIGILL, 0, 'p' }, \
    { "tlbi vmalle1", do_tlbi, 0, SIGILL, 0, 'p' }, \
    { "at s1e1r", do_at, 0, SIGILL, 0, 'p' }, \
    { "udf #0", do_udf, 0, SIGILL, 0, 'p' }, \
    { "brk #0", do_brk, 0, SIGTRAP, 0, 'p' }, \
    { "wfi (skipped)", do_wfi, 0, -1, 0, 'p' }, \
    { "integer divide by zero (no trap on arm64)", do_divide, -1, -1, 0, 'p' }, \
    { "load through a misaligned SP (SIGBUS; QEMU's TCG does not check SA0)", do_misaligned_sp, 0, SIGBUS, -1, 'p' }, \
    { "user write to the direct map", write_kernel, (long)0xffff800000100000UL, SIGSEGV, 0, 'p' }, \
    { "user write to kernel data", write_kernel, (long)0xffffffff80400000UL, SIGSEGV, 0, 'p' }, \
    { "jump to the kernel image", jump_kernel, (long)0xffffffff80001000UL, SIGSEGV, 0, 'p' }, \
    { "msr daifset (mask interrupts)", do_daifset, 0, SIGILL, 0, 'f' }, \
    { "msr daifclr", do_daifclr, 0, SIGILL, 0, 'f' }, \
    { "mrs daif", do_mrs_daif, 0, SIGILL, 0, 'f' }, \
    { "msr spsel", do_spsel, 0, SIGILL, 0, 'f' }, \
    { "mrs CurrentEL", do_mrs_currentel, 0, SIGILL, 0, 'f' }, \
    { "NZCV set, then getpid", nzcv_then_syscalls, 0, -1, 0, 'f' }, \
    { "NZCV set, then nanosleep", nzcv_then_syscalls, 1, -1, 0, 'f' }, \
    { "NZCV set, then fork and wait", nzcv_then_syscalls, 2, -1, 0, 'f' }, \
    { "NZCV set, then a signal handler (rt_sigreturn)", nzcv_then_syscalls, 3, -1, 0, 'f' }, \
    { "forged frame: PSTATE EL1h", forge, FORGE_EL1H, SIGSEGV, 0, 's' }, \
    { "forged frame: PSTATE EL1t", forge, FORGE_EL1T, SIGSEGV, 0, 's' }, \
    { "forged frame: PSTATE AArch32", forge, FORGE_AARCH32, SIGSEGV, 0, 's' }, \
    { "forged frame: DAIF masked", forge, FORGE_DAIF, SIGSEGV, 0, 's' }, \
    { "forged frame: D masked", forge, FORGE_DEBUG_MASK, SIGSEGV, 0, 's' }, \
    { "forged frame: PSTATE.SS (dropped)", forge, FORGE_SS, -1, 0, 's' }, \
    { "forged frame: NZCV (user flags, taken)", forge, FORGE_NZCV, -1, 0, 's' }, \
    { "forged frame: SP misaligned", forge, FORGE_MISALIGNED_SP, SIGBUS, SIGSEGV, 's' }, \
    { "forged frame: kernel-half PC", forge, FORGE_KERNEL_PC, SIGSEGV, 0, 's' }, \
    { "forged frame: non-canonical PC", forge, FORGE_NONCANONICAL_PC, SIGSEGV, 0, 's' }, \
    { "forged frame: kernel-half SP", forge, FORGE_KERNEL_SP, SIGSEGV, 0, 's' }, \
    { "forged frame: no fpsimd record", forge, FORGE_NO_FPSIMD, SIGSEGV, 0, 's' }, \
    { "forged frame: fpsimd record of the wrong size", forge, FORGE_BAD_FPSIMD_SIZE, SIGSEGV, 0, 's' }, \
    { "rt_sigreturn on zeros", sigreturn_garbage, 0, SIGSEGV, 0, 's' }, \
    { "rt_sigreturn on random bytes 1", sigreturn_garbage, 1, SIGSEGV, 0, 's' }, \
    { "rt_sigreturn on random bytes 2", sigreturn_garbage, 2, SIGSEGV, 0, 's' }, \
    { "handler at a non-canonical address", bad_handler, 0, SIGSEGV, 0, 's' }, \
    { "handler at a kernel address", bad_handler, 1, SIGSEGV, 0, 's' }, \
    { "handler at the last user word", bad_handler, 2, SIGSEGV, 0, 's' }, \
    { "restorer at a non-canonical address", bad_handler, 3, SIGSEGV, 0, 's' }, \
    { "restorer at a kernel address", bad_handler, 4, SIGSEGV, 0, 's' },

#endif
