/* A user program that writes through a null pointer: the kernel reports the fault and ends
   the process (as if by SIGSEGV), and keeps running. */
#include <stdio.h>

int main(void)
{
    printf("about to fault\n");
    fflush(stdout);
    *(volatile int *)0 = 1;
    printf("still here?\n");
    return 0;
}
