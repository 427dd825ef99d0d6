/* Where this run's stack, break (brk) and anonymous mappings are: the kernel places each at a
   random offset per program (SPEC SEC-2), so two runs print different addresses. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int on_stack = 0;
    void *brk_start = sbrk(0);
    void *mapping = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return 1;
    dprintf(1, "aslr: %016lx %016lx %016lx\n", (unsigned long)&on_stack, (unsigned long)brk_start, (unsigned long)mapping);
    return 0;
}
