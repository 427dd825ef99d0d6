/* The first user program: libc start-up (TLS through arch_prctl, set_tid_address), stdio
   (ioctl, writev) and the exit status, through Aurora's Linux-compatible syscalls. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    printf("hello from musl: %s, argc %d, pid %d\n", argc > 0 ? argv[0] : "?", argc, (int)getpid());
    return 42;
}
