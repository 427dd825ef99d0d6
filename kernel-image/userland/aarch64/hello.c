/* The first arm64 user program (issue 19): runs at EL0 on the aarch64 bring-up kernel and
 * talks to it through `svc #0` with Linux's arm64 numbers. No C library: the calls are made
 * here, so the program runs the same on Linux (qemu-aarch64 or an arm64 machine), the
 * reference for every answer. Prints "N wrong" and exits with N. */
#include <asm/unistd.h>

static long call3(long number, long a, long b, long c)
{
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

static unsigned long length(const char *s) { unsigned long n = 0; while (s[n]) n++; return n; }
static void say(const char *s) { call3(__NR_write, 1, (long)s, (long)length(s)); }

static int wrong;
static void check(const char *what, long got, long expected)
{
    if (got == expected) return;
    wrong++;
    say("wrong: "); say(what); say("\n");
}

/* Linux's entry: sp points at argc, then argv. The assembly passes it to main_with_stack. */
__asm__(".global _start\n_start:\n    mov x0, sp\n    b main_with_stack\n");

void main_with_stack(long *stack)
{
    static const char hello[] = "hello from EL0 through svc #0\n";
    const char *const *argv = (const char *const *)(stack + 1);
    /* "fault" as the first argument: write to our own code, a permission fault at EL0 that
       must end this program and nothing else (Linux: SIGSEGV). */
    if (stack[0] >= 2 && argv[1][0] == 'f') *(volatile long *)main_with_stack = 0;
    check("write returns the count", call3(__NR_write, 1, (long)hello, sizeof hello - 1), sizeof hello - 1);
    check("write to a kernel address is EFAULT", call3(__NR_write, 1, (long)0xffff800000000000UL, 8), -14);
    check("write past the user half is EFAULT", call3(__NR_write, 1, (long)0x0000fffffffff000UL, 8), -14);
    check("write to a closed descriptor is EBADF", call3(__NR_write, 9, (long)hello, 1), -9);
    check("an unknown call is ENOSYS", call3(999, 0, 0, 0), -38);
    check("getpid is positive", call3(__NR_getpid, 0, 0, 0) > 0, 1);
    char digit[2] = { (char)('0' + wrong % 10), 0 };
    say("user: "); say(digit); say(" wrong\n");
    call3(__NR_exit_group, wrong, 0, 0);
    for (;;) { }
}
