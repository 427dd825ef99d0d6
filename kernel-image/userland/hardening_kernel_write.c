/* A user write to a writable kernel page (the direct map, the kernel image through it, the
   framebuffer) is a protection violation: SIGSEGV, not a fault the kernel calls spurious and
   retries forever (issue 9 finding 6). Each write runs in a child; the parent gives it a
   second, then kills it and counts it wrong. Exit status 0 when every child ended by SIGSEGV. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int write_ends_by_sigsegv(const char *name, unsigned long address)
{
    pid_t child = fork();
    if (child == 0) {
        *(volatile unsigned char *)address = 0x5a;
        _exit(0);
    }
    int status = 0;
    struct timespec tick = { 0, 10 * 1000 * 1000 };
    int waited = 0;
    while (waitpid(child, &status, WNOHANG) == 0) {
        if (++waited > 100) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            dprintf(1, "%s (%#lx): still faulting after a second\n", name, address);
            return 1;
        }
        nanosleep(&tick, NULL);
    }
    int ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    dprintf(1, "%s (%#lx): %s\n", name, address, ok ? "SIGSEGV" : "NOT SIGSEGV");
    return !ok;
}

int main(void)
{
    int wrong = 0;
    wrong += write_ends_by_sigsegv("direct map, 1 MiB", 0xFFFF800000100000UL);
    wrong += write_ends_by_sigsegv("direct map, kernel image", 0xFFFF800000300000UL);
    wrong += write_ends_by_sigsegv("framebuffer", 0xFFFFC00000000000UL);
    wrong += write_ends_by_sigsegv("kernel image", 0xFFFFFFFF80200000UL);
    dprintf(1, "hardening kernel write: %d wrong\n", wrong);
    return wrong;
}
