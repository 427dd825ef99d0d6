/* Memory accounting (issue 11): 1000 cycles of fork, execve of busybox's `true` applet and
   wait4. Each cycle builds and tears down a whole glibc process (page tables, COW shares, a
   fresh image, descriptors), so the in-kernel test (ktests/MemoryAccountingTests.cs) can check
   afterwards that every frame and heap block came back. Prints "exec_cycles: N ok, M wrong";
   on Linux the binary is /bin/busybox. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? atoi(argv[1]) : 1000;
    const char *binary = open("/bin/busybox.elf", O_RDONLY | O_CLOEXEC) >= 0 ? "/bin/busybox.elf" : "/bin/busybox"; /* Aurora : Linux */
    int ok = 0, wrong = 0;
    for (int i = 0; i < cycles; i++) {
        pid_t pid = fork();
        if (pid < 0) { printf("cycle %d: fork: errno %d\n", i, errno); wrong++; break; }
        if (pid == 0) {
            execve(binary, (char *[]){ "true", 0 }, (char *[]){ 0 });
            _exit(127);
        }
        int status = -1;
        if (waitpid(pid, &status, 0) != pid) { printf("cycle %d: waitpid: errno %d\n", i, errno); wrong++; break; }
        if (status != 0) { printf("cycle %d: expected status 0, got %d\n", i, status); wrong++; if (wrong > 5) break; }
        else ok++;
    }
    printf("exec_cycles: %d ok, %d wrong\n", ok, wrong);
    return wrong != 0;
}
