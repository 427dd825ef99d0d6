/* A thread that dies by SIGSEGV ends its whole process with that signal while the first thread
 * waits for it in pthread_join, and the process is the one the kernel itself waits for (the
 * in-kernel test runs it directly, as it runs init: no parent's wait4 in between). Issue 19:
 * the fatal signal made the faulting thread the process's thread in the first one's place, the
 * kernel's wait had been on the first one, and the reaper, freeing that thread, found the
 * kernel's waiter on it: "scheduler: invalid join", a panic any program run this way could
 * cause (the first seen on aarch64, when musl's threads faulted on a wrong TLS pointer).
 * On Linux: the output line, then "Segmentation fault" (wait status 11, shell status 139). */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int *volatile unmapped = (int *)16;

static void *fault(void *arg)
{
    (void)arg;
    usleep(20000); /* the first thread is in pthread_join by now */
    *unmapped = 1;
    return 0;
}

int main(void)
{
    pthread_t thread;
    printf("thread_fault: a thread faults while the first waits for it\n");
    fflush(stdout);
    if (pthread_create(&thread, 0, fault, 0) != 0) {
        printf("thread_fault: pthread_create failed\n");
        return 1;
    }
    pthread_join(thread, 0);
    printf("thread_fault: still here after the fault\n");
    return 2;
}
