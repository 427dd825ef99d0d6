/* Measurements (run by ./aurora measure, inside Aurora under QEMU and natively on the host as
   the peer): cycles of a system call round trip (getpid through the raw syscall instruction)
   and of a switch between two processes that hand the processor back and forth with
   sched_yield. Cycle counts from rdtsc. Prints one line; no pass or fail. */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sched.h>

static inline unsigned long long cycles(void)
{
    unsigned int low, high;
    __asm__ volatile ("rdtsc" : "=a"(low), "=d"(high));
    return ((unsigned long long)high << 32) | low;
}

int main(void)
{
    enum { Calls = 20000, Yields = 2000 };
    unsigned long long start = cycles();
    for (int i = 0; i < Calls; i++) syscall(SYS_getpid);
    unsigned long long per_call = (cycles() - start) / Calls;

    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < Yields; i++) sched_yield();
        _exit(0);
    }
    start = cycles();
    for (int i = 0; i < Yields; i++) sched_yield();
    unsigned long long elapsed = cycles() - start;
    int status;
    waitpid(child, &status, 0);
    dprintf(1, "bench: syscall %llu cycles, process switch %llu cycles\n", per_call, elapsed / (2 * Yields));
    return 0;
}
