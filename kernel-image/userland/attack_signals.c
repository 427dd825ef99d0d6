/* Forged signal frames, privileged instructions and flag tricks (issue 9, findings 3, 4, 6,
   9, 10), each in a forked child whose ending is compared with what Linux gives: exit 0
   (the trick was ignored and the child went on), or the signal Linux sends. A child that
   neither ends nor can be killed in time is a failure too. Exit status: the number of
   cases that ended differently. */
#define _GNU_SOURCE
#include "attack_common.h"
#include <sys/mman.h>
#include <ucontext.h>

struct test { const char *name; int (*body)(long); long arg; int expect_signal, or_signal; char group; };

#if defined(__x86_64__)
#define FLAG_TF 0x100UL
#define FLAG_IF 0x200UL
#define FLAG_IOPL 0x3000UL
#define FLAG_NT 0x4000UL
#define FLAG_AC 0x40000UL

static unsigned long flags_now(void) { unsigned long f; __asm__ volatile("pushfq; popq %0" : "=r"(f)); return f; }
static void flags_set(unsigned long f) { __asm__ volatile("pushq %0; popfq" : : "r"(f) : "cc", "memory"); }

/* ---- privileged instructions: Linux sends SIGSEGV (#GP from ring 3) ---- */
static int do_cli(long a) { (void)a; __asm__ volatile("cli"); return 0; }
static int do_sti(long a) { (void)a; __asm__ volatile("sti"); return 0; }
static int do_hlt(long a) { (void)a; __asm__ volatile("hlt"); return 0; }
static int do_in(long a) { (void)a; unsigned char v; __asm__ volatile("inb $0x80, %0" : "=a"(v)); return 0; }
static int do_out(long a) { (void)a; __asm__ volatile("outb %0, $0xf4" : : "a"((unsigned char)0)); return 0; }
static int do_wrmsr(long a) { (void)a; __asm__ volatile("wrmsr" : : "c"(0xc0000082), "a"(0), "d"(0)); return 0; }
static int do_rdmsr(long a) { (void)a; unsigned lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000082)); return 0; }
static int do_lgdt(long a) { (void)a; static char d[10]; __asm__ volatile("lgdt %0" : : "m"(d)); return 0; }
static int do_lidt(long a) { (void)a; static char d[10]; __asm__ volatile("lidt %0" : : "m"(d)); return 0; }
static int do_mov_cr3(long a) { (void)a; __asm__ volatile("mov %0, %%cr3" : : "r"(0UL)); return 0; }
static int do_read_cr0(long a) { (void)a; unsigned long v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return 0; }
static int do_mov_dr7(long a) { (void)a; __asm__ volatile("mov %0, %%dr7" : : "r"(0x3ffUL)); return 0; }
static int do_invlpg(long a) { (void)a; __asm__ volatile("invlpg (%0)" : : "r"(0UL) : "memory"); return 0; }
static int do_wbinvd(long a) { (void)a; __asm__ volatile("wbinvd"); return 0; }
static int do_ltr(long a) { (void)a; __asm__ volatile("ltr %w0" : : "r"(0x28)); return 0; }
static int do_int_pf(long a) { (void)a; __asm__ volatile("int $0x0e"); return 0; }
static int do_int_timer(long a) { (void)a; __asm__ volatile("int $0x20"); return 0; }
static int do_int_ff(long a) { (void)a; __asm__ volatile("int $0xff"); return 0; }
static int do_int3(long a) { (void)a; __asm__ volatile("int3"); return 0; }
static int do_ud2(long a) { (void)a; __asm__ volatile("ud2"); return 0; }
static int do_divide(long a) { volatile long zero = a; return (int)(1000 / zero); }

/* UMIP (CPUID.7.0:ECX bit 2): with it on, sgdt/sidt from ring 3 fault; Linux answers a
   64-bit program's sgdt/sidt with fixed dummy bases instead of the real (kernel) ones. Exit
   0: no kernel address seen. */
static int has_umip(void)
{
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    return (c >> 2) & 1;
}
static int do_sgdt(long a) { (void)a; struct { unsigned short l; unsigned long b; } __attribute__((packed)) d = { 0, 0 };
    __asm__ volatile("sgdt %0" : "=m"(d)); return d.b == 0xfffffffffffe0000UL ? 0 : 1; }
static int do_sidt(long a) { (void)a; struct { unsigned short l; unsigned long b; } __attribute__((packed)) d = { 0, 0 };
    __asm__ volatile("sidt %0" : "=m"(d)); return d.b == 0xffffffffffff0000UL ? 0 : 1; }
static int do_str(long a) { (void)a; unsigned short s = 0; __asm__ volatile("str %0" : "=r"(s)); return 0; }

/* ---- flag tricks ---- */
/* popf cannot raise IOPL or clear IF from ring 3 (Linux: silently ignored), so cli still faults. */
static int popf_iopl_then_cli(long a)
{
    (void)a;
    flags_set(flags_now() | FLAG_IOPL);
    if (flags_now() & FLAG_IOPL) return 3;
    flags_set(flags_now() & ~FLAG_IF);
    if (!(flags_now() & FLAG_IF)) return 4;
    __asm__ volatile("cli");
    return 0;
}

/* NT set in user mode, then system calls that switch, sleep, fork and return through a signal
   (finding 3): Linux runs them all; the kernel must not fault on its own iretq. */
static void note_signal(int s) { (void)s; }
static int nt_then_syscalls(long which)
{
    signal(SIGUSR1, note_signal);
    flags_set(flags_now() | FLAG_NT);
    for (int i = 0; i < 200; i++) {
        if (which == 0) raw(SYS_getpid, 0, 0, 0);
        if (which == 1) raw(SYS_sched_yield, 0, 0, 0);
        if (which == 2) { struct timespec t = { 0, 1000000 }; raw(SYS_nanosleep, &t, 0, 0); }
        if (which == 3 && i < 20) {
            long pid = raw(SYS_fork, 0, 0, 0);
            if (pid == 0) { flags_set(flags_now() | FLAG_NT); raw(SYS_exit, 0, 0, 0); }
            int status;
            if (pid > 0) raw6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
            flags_set(flags_now() | FLAG_NT);
        }
        if (which == 4) { raw(SYS_kill, raw(SYS_getpid, 0, 0, 0), SIGUSR1, 0); flags_set(flags_now() | FLAG_NT); }
        if (which == 5 && i == 0) {
            char *argv[] = { "/nonexistent", 0 };
            raw(SYS_execve, "/nonexistent", argv, 0);
            flags_set(flags_now() | FLAG_NT);
        }
        /* A busy stretch, so the timer preempts with NT set. */
        for (volatile int k = 0; k < 20000; k++) { }
    }
    return 0;
}

/* Another process spins with NT set while we are preempted: both must go on. */
static int nt_spinner(long a)
{
    (void)a;
    flags_set(flags_now() | FLAG_NT);
    for (volatile long k = 0; k < 30000000; k++) { }
    return 0;
}

/* AC (alignment check) set in user mode: system calls that copy user memory still work
   (the kernel's own accesses must not depend on the user's AC). */
static int ac_then_syscalls(long a)
{
    (void)a;
    char buffer[64] = "ac";
    flags_set(flags_now() | FLAG_AC);
    int fd = (int)raw(SYS_open, "/tmp/attack-ac", O_RDWR | O_CREAT, 0644);
    long w = raw(SYS_write, fd, buffer, sizeof buffer);
    raw(SYS_lseek, fd, 0, 0);
    long r = raw(SYS_read, fd, buffer, sizeof buffer);
    flags_set(flags_now() & ~FLAG_AC);
    raw(SYS_close, fd, 0, 0);
    raw(SYS_unlink, "/tmp/attack-ac", 0, 0);
    return fd >= 0 && w == 64 && r == 64 ? 0 : 1;
}

/* TF set: the next instruction traps; with no handler, SIGTRAP ends the process. */
static int tf_set(long a)
{
    (void)a;
    flags_set(flags_now() | FLAG_TF);
    for (volatile int i = 0; i < 10; i++) { }
    return 0;
}

/* ---- forged signal frames ---- */
/* The handler rewrites the frame the kernel built; returning runs rt_sigreturn on it. */
static volatile long forge_kind;
static unsigned long fake_fpstate[64] __attribute__((aligned(64)));

enum { FORGE_IOPL, FORGE_NT, FORGE_IF, FORGE_KERNEL_CS, FORGE_KERNEL_SS, FORGE_NONCANONICAL_RIP,
       FORGE_KERNEL_RIP, FORGE_NONCANONICAL_RSP, FORGE_NULL_FPSTATE, FORGE_KERNEL_FPSTATE,
       FORGE_BAD_MXCSR, FORGE_TF };

static void forging_handler(int s, siginfo_t *info, void *context)
{
    (void)s; (void)info;
    ucontext_t *uc = context;
    greg_t *g = uc->uc_mcontext.gregs;
    unsigned short *segments = (unsigned short *)&g[REG_CSGSFS];   /* cs, gs, fs, ss */
    switch (forge_kind) {
    case FORGE_IOPL: g[REG_EFL] |= FLAG_IOPL; break;
    case FORGE_NT: g[REG_EFL] |= FLAG_NT; break;
    case FORGE_IF: g[REG_EFL] &= ~FLAG_IF; break;
    case FORGE_KERNEL_CS: segments[0] = 0x08; break;
    case FORGE_KERNEL_SS: segments[3] = 0x10; uc->uc_flags |= 0x4 /* UC_STRICT_RESTORE_SS */; break;
    case FORGE_NONCANONICAL_RIP: g[REG_RIP] = 0x0000800000000000L; break;
    case FORGE_KERNEL_RIP: g[REG_RIP] = (greg_t)0xffffffff80200000UL; break;
    case FORGE_NONCANONICAL_RSP: g[REG_RSP] = 0x0000900000000000L; break;
    case FORGE_NULL_FPSTATE: uc->uc_mcontext.fpregs = 0; break;
    case FORGE_KERNEL_FPSTATE: uc->uc_mcontext.fpregs = (fpregset_t)0xffff800000001000UL; break;
    case FORGE_BAD_MXCSR:
        memcpy(fake_fpstate, uc->uc_mcontext.fpregs, 512);
        ((unsigned *)fake_fpstate)[6] = 0xffffffff;          /* reserved MXCSR bits */
        uc->uc_mcontext.fpregs = (fpregset_t)fake_fpstate;
        break;
    case FORGE_TF: g[REG_EFL] |= FLAG_TF; break;
    }
}

/* Exit 0 when the forged flags did not take (Linux keeps IOPL, IF and NT as they were). */
static int forge(long kind)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forging_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    forge_kind = kind;
    raise(SIGUSR1);
    unsigned long f = flags_now();
    if ((f & FLAG_IOPL) || (f & FLAG_NT) || !(f & FLAG_IF)) return 5;
    /* Still able to make system calls (and to be preempted) with what was restored. */
    for (int i = 0; i < 50; i++) raw(SYS_sched_yield, 0, 0, 0);
    return 0;
}

/* rt_sigreturn on garbage and on an ordinary stack, no handler involved. */
static int sigreturn_garbage(long pattern)
{
    static unsigned long junk[256] __attribute__((aligned(16)));
    unsigned long x = 0x2545F4914F6CDD1DUL ^ (unsigned long)pattern;
    for (int i = 0; i < 256; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; junk[i] = pattern == 0 ? 0 : x; }
    __asm__ volatile("mov %0, %%rsp; mov $15, %%eax; syscall" : : "r"(junk + 8) : "memory");
    return 0;
}

/* A handler or restorer at a non-canonical or kernel address (finding 4: no unchecked SYSRET
   or IRET to a non-canonical address). */
static int bad_handler(long which)
{
    struct { unsigned long handler, flags, restorer, mask; } act = { 0, 0x04000000 /* SA_RESTORER */, 0, 0 };
    unsigned long targets[] = { 0x0000800000000000UL, 0xffffffff80200000UL, 0x00007ffffffffffeUL };
    act.handler = which < 3 ? targets[which] : (unsigned long)note_signal;
    act.restorer = which < 3 ? (unsigned long)note_signal : targets[which - 3];
    raw6(SYS_rt_sigaction, SIGUSR1, (long)&act, 0, 8, 0, 0);
    raw(SYS_kill, raw(SYS_getpid, 0, 0, 0), SIGUSR1, 0);
    return 0;
}

/* A system call as the last instruction below the non-canonical hole: Linux does not let
   the last page (0x7ffffffff000) be mapped at all; if it is, the return must SIGSEGV in ring 3. */
static int syscall_at_the_top(long a)
{
    (void)a;
    unsigned char *page = mmap((void *)0x7ffffffff000UL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (page == MAP_FAILED) return 0;                       /* Linux */
    memset(page, 0x90, 4096);
    page[4094] = 0x0f; page[4095] = 0x05;                   /* syscall: returns to 0x800000000000 */
    __asm__ volatile("mov $39, %%eax; jmp *%0" : : "r"(page + 4094) : "rax", "rcx", "r11", "memory");
    return 0;
}

/* A user write to a kernel page (direct map, kernel data): SIGSEGV, not a fault loop (finding 6). */
static int write_kernel(long address) { *(volatile long *)address = 1; return 0; }

/* x87 divide by zero, unmasked, then fwait: Linux sends SIGFPE (CR0.NE, finding 9). */
static int x87_error(long a)
{
    (void)a;
    unsigned short cw = 0x037b;     /* ZM unmasked */
    double one = 1.0, zero = 0.0;
    __asm__ volatile("fldcw %0; fldl %1; fdivl %2; fwait; fstp %%st(0)" : : "m"(cw), "m"(one), "m"(zero));
    return 0;
}

#define flag_spinner nt_spinner
#elif defined(__aarch64__)
#include "attack_signals_a64.h"
#endif

int main(void)
{
#if defined(__x86_64__)
    int umip = has_umip();
    const struct test tests[] = {
        { "cli", do_cli, 0, SIGSEGV, 0, 'p' },
        { "sti", do_sti, 0, SIGSEGV, 0, 'p' },
        { "hlt", do_hlt, 0, SIGSEGV, 0, 'p' },
        { "in from port 0x80", do_in, 0, SIGSEGV, 0, 'p' },
        { "out to the debug-exit port", do_out, 0, SIGSEGV, 0, 'p' },
        { "wrmsr LSTAR", do_wrmsr, 0, SIGSEGV, 0, 'p' },
        { "rdmsr LSTAR", do_rdmsr, 0, SIGSEGV, 0, 'p' },
        { "lgdt", do_lgdt, 0, SIGSEGV, 0, 'p' },
        { "lidt", do_lidt, 0, SIGSEGV, 0, 'p' },
        { "mov to cr3", do_mov_cr3, 0, SIGSEGV, 0, 'p' },
        { "mov from cr0", do_read_cr0, 0, SIGSEGV, 0, 'p' },
        { "mov to dr7", do_mov_dr7, 0, SIGSEGV, 0, 'p' },
        { "invlpg", do_invlpg, 0, SIGSEGV, 0, 'p' },
        { "wbinvd", do_wbinvd, 0, SIGSEGV, 0, 'p' },
        { "ltr", do_ltr, 0, SIGSEGV, 0, 'p' },
        { "int 0x0e (a kernel-only gate)", do_int_pf, 0, SIGSEGV, 0, 'p' },
        { "int 0x20 (the timer's gate)", do_int_timer, 0, SIGSEGV, 0, 'p' },
        { "int 0xff", do_int_ff, 0, SIGSEGV, 0, 'p' },
        { "int3", do_int3, 0, SIGTRAP, 0, 'p' },
        { "ud2", do_ud2, 0, SIGILL, 0, 'p' },
        { "divide by zero", do_divide, 0, SIGFPE, 0, 'p' },
        { "sgdt under UMIP (fault, or Linux's dummy base)", umip ? do_sgdt : 0, 0, SIGSEGV, -1, 'p' },
        { "sidt under UMIP (fault, or Linux's dummy base)", umip ? do_sidt : 0, 0, SIGSEGV, -1, 'p' },
        { "str under UMIP (fault, or Linux's emulation)", umip ? do_str : 0, 0, SIGSEGV, -1, 'p' },
        { "popf IOPL=3 and IF=0 are ignored, cli still faults", popf_iopl_then_cli, 0, SIGSEGV, 0, 'f' },
        { "NT set, then getpid", nt_then_syscalls, 0, -1, 0, 'f' },
        { "NT set, then sched_yield", nt_then_syscalls, 1, -1, 0, 'f' },
        { "NT set, then nanosleep", nt_then_syscalls, 2, -1, 0, 'f' },
        { "NT set, then fork and wait", nt_then_syscalls, 3, -1, 0, 'f' },
        { "NT set, then a signal handler (rt_sigreturn)", nt_then_syscalls, 4, -1, 0, 'f' },
        { "NT set, then a failing execve", nt_then_syscalls, 5, -1, 0, 'f' },
        { "AC set, then calls that copy user memory", ac_then_syscalls, 0, -1, 0, 'f' },
        { "TF set (single step)", tf_set, 0, SIGTRAP, 0, 'f' },
        { "forged frame: IOPL=3 is not restored", forge, FORGE_IOPL, -1, 0, 's' },
        { "forged frame: NT is not restored", forge, FORGE_NT, -1, 0, 's' },
        { "forged frame: IF=0 is not restored", forge, FORGE_IF, -1, 0, 's' },
        { "forged frame: kernel CS", forge, FORGE_KERNEL_CS, SIGSEGV, 0, 's' },
        { "forged frame: kernel SS", forge, FORGE_KERNEL_SS, SIGSEGV, -1, 's' },
        { "forged frame: non-canonical RIP", forge, FORGE_NONCANONICAL_RIP, SIGSEGV, 0, 's' },
        { "forged frame: kernel-half RIP", forge, FORGE_KERNEL_RIP, SIGSEGV, 0, 's' },
        { "forged frame: non-canonical RSP", forge, FORGE_NONCANONICAL_RSP, SIGSEGV, SIGBUS, 's' },
        { "forged frame: NULL fpstate (valid on Linux)", forge, FORGE_NULL_FPSTATE, -1, 0, 's' },
        { "forged frame: kernel-half fpstate", forge, FORGE_KERNEL_FPSTATE, SIGSEGV, 0, 's' },
        { "forged frame: reserved MXCSR bits", forge, FORGE_BAD_MXCSR, SIGSEGV, 0, 's' },
        { "forged frame: TF", forge, FORGE_TF, SIGTRAP, 0, 's' },
        { "rt_sigreturn on zeros", sigreturn_garbage, 0, SIGSEGV, 0, 's' },
        { "rt_sigreturn on random bytes 1", sigreturn_garbage, 1, SIGSEGV, 0, 's' },
        { "rt_sigreturn on random bytes 2", sigreturn_garbage, 2, SIGSEGV, 0, 's' },
        { "rt_sigreturn on random bytes 3", sigreturn_garbage, 3, SIGSEGV, 0, 's' },
        { "handler at a non-canonical address", bad_handler, 0, SIGSEGV, 0, 's' },
        { "handler at a kernel address", bad_handler, 1, SIGSEGV, 0, 's' },
        { "handler at the last user byte", bad_handler, 2, SIGSEGV, 0, 's' },
        { "restorer at a non-canonical address", bad_handler, 3, SIGSEGV, 0, 's' },
        { "restorer at a kernel address", bad_handler, 4, SIGSEGV, 0, 's' },
        { "syscall as the last instruction below the hole", syscall_at_the_top, 0, -1, SIGSEGV, 's' },
        { "user write to the direct map", write_kernel, (long)0xffff800000100000UL, SIGSEGV, 0, 'p' },
        { "user write to kernel data", write_kernel, (long)0xffffffff80400000UL, SIGSEGV, 0, 'p' },
        { "user write to the framebuffer window", write_kernel, (long)0xffffc00000000000UL, SIGSEGV, 0, 'p' },
        { "x87 error pending at fwait", x87_error, 0, SIGFPE, 0, 'p' },
    };
#else
    const struct test tests[] = { A64_TESTS };
#endif
    /* The group (attack-group= privileged, flags or frames; all when absent) is one in-kernel
       test each, so that a panic in one group does not hide the others' answers. */
    char group[32] = "all";
    attack_option("attack-group", group, sizeof group);
    char only = !strcmp(group, "privileged") ? 'p' : !strcmp(group, "flags") ? 'f' : !strcmp(group, "frames") ? 's' : 0;
    int count = (int)(sizeof tests / sizeof *tests), ran = 0;
    /* A spinner with NT set (arm64: all four condition flags) runs beside the flag cases, so
       they preempt each other. */
    pid_t spinner = -1;
    if (only == 0 || only == 'f') { spinner = fork(); if (spinner == 0) _exit(flag_spinner(0)); }
    for (int i = 0; i < count; i++) {
        if (only && tests[i].group != only) continue;
        if (!tests[i].body) { dprintf(1, "attack_signals: %s: skipped (the CPU lacks the feature)\n", tests[i].name); continue; }
        int status;
        int how = run_child(tests[i].body, tests[i].arg, 3000, &status);
        ran++;
        char got[48], expected[64];
        int want = tests[i].expect_signal, alt = tests[i].or_signal;
        int ok = how == CHILD_EXITED &&
                 ((want == -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                  (want > 0 && WIFSIGNALED(status) && WTERMSIG(status) == want) ||
                  (alt == -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                  (alt > 0 && WIFSIGNALED(status) && WTERMSIG(status) == alt));
        if (want == -1) snprintf(expected, sizeof expected, "exit 0%s", alt > 0 ? " or that signal" : "");
        else snprintf(expected, sizeof expected, "signal %d%s", want, alt == -1 ? " or exit 0" : alt > 0 ? " (or the other)" : "");
        if (how == CHILD_TIMED_OUT) snprintf(got, sizeof got, "no end within 3 s (SIGKILL ended it)");
        else if (how == CHILD_UNKILLABLE) snprintf(got, sizeof got, "no end, and SIGKILL did not end it");
        else if (how < 0) snprintf(got, sizeof got, "fork failed");
        else describe_status(status, got, sizeof got);
        if (!ok) { attack_wrong++; dprintf(1, "WRONG: %s: expected %s, got %s\n", tests[i].name, expected, got); }
    }
    int status;
    if (spinner > 0) expect_true("the flag spinner finished", wait_with_deadline(spinner, 30000, 3000, &status) == CHILD_EXITED && WIFEXITED(status) && WEXITSTATUS(status) == 0, status);
    dprintf(1, "attack_signals (%s): %d cases ran, %d wrong\n", group, ran, attack_wrong);
    return attack_wrong;
}
