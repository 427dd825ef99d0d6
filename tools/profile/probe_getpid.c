/* A probe for tools/profile/trace_between_markers.py: a raw getpid between two getppid markers,
   after a warm-up (the program's pages faulted in, the caches of the path filled). Put the
   operation to profile between the markers instead. Static musl, run as init (docs/performance.md,
   "How to profile a path"). */
#include <sys/syscall.h>

static inline long raw(long number)
{
    long result;
    __asm__ volatile ("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
    return result;
}

int main(void)
{
    for (int i = 0; i < 1000; i++) raw(SYS_getpid);
    raw(SYS_getppid);
    raw(SYS_getpid);
    raw(SYS_getppid);
    return 0;
}
