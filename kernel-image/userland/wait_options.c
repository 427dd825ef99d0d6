/* wait4's options and pids as Linux takes them (shells pass WUNTRACED and WCONTINUED, and
 * waitpid(0, ...) for their own process group): accepted, and a child's exit still reported.
 * Prints "wait_options: N wrong" (0 on Linux and on Aurora). */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("wait_options: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}

static pid_t child(int code)
{
    pid_t pid = fork();
    if (pid == 0) _exit(code);
    return pid;
}

int main(void)
{
    int status = 0;
    pid_t pid = child(3);
    expect("waitpid(pid, WUNTRACED|WCONTINUED) returns the child", pid, waitpid(pid, &status, WUNTRACED | WCONTINUED));
    expect("its exit status", 3, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    pid = child(4);
    expect("waitpid(0, ...) (own process group) returns the child", pid, waitpid(0, &status, 0));
    expect("its exit status", 4, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    pid = child(5);
    expect("waitpid(-1, __WALL) returns the child", pid, waitpid(-1, &status, __WALL));
    expect("its exit status", 5, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    /* pid_t is 32 bits: the upper half of the register is not looked at. glibc's waitpid(-1)
       arrives as 0x00000000ffffffff (busybox sh got ECHILD for every command before). */
    pid = child(6);
    expect("wait4(0xffffffff) is wait4(-1)", pid, syscall(SYS_wait4, 0xffffffffL, &status, 0, 0));
    expect("its exit status", 6, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    pid = child(7);
    expect("wait4(pid | 1 << 32) is wait4(pid)", pid, syscall(SYS_wait4, (long)pid | 0x100000000L, &status, 0, 0));
    expect("its exit status", 7, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    expect("wait4(INT_MIN) is ESRCH", -ESRCH, syscall(SYS_wait4, (long)(int)0x80000000, &status, 0, 0) < 0 ? -errno : 0);

    expect("an unknown option is EINVAL", -EINVAL, syscall(SYS_wait4, -1, &status, 0x100000, 0) < 0 ? -errno : 0);
    expect("no child left: ECHILD", -ECHILD, waitpid(-1, &status, WUNTRACED) < 0 ? -errno : 0);
    printf("wait_options: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
