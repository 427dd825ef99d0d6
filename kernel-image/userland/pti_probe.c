/* Page-table isolation probe (ktests/PageTableIsolationTests.cs): system calls, one int3 the
   kernel test catches (it reads CR3 as the entry left it), and a page under a PML4 entry this
   process did not have when it started, made while it runs, so the user root must learn the
   entry on the fault (PageTableIsolation.TryResolveUserFault). Exit status 7 when all went
   as on Linux. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    pid_t pid = getpid();
    __asm__ volatile("int3");
    /* PML4 entry 160 (0x500000000000): nothing of a static musl program lives there. */
    volatile unsigned long *far = mmap((void *)0x500000000000UL, 4096, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (far == MAP_FAILED) {
        printf("pti probe: mmap failed\n");
        return 1;
    }
    far[0] = 0x5EC0DEUL;
    far[511] = far[0] + 1;
    if (far[511] != 0x5EC0DFUL || getpid() != pid) {
        printf("pti probe: memory or pid wrong\n");
        return 2;
    }
    printf("pti probe: pid %d, far page ok\n", (int)pid);
    return 7;
}
