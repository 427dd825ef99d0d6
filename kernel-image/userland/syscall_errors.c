/* Bad requests get Linux error numbers and the program keeps running: bad pointers (null,
   kernel half, unmapped), bad descriptors, unknown syscall numbers. Exit status 0 means
   every answer was right; otherwise the number of wrong answers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int wrong;

static void expect(const char *what, long result, int expected_errno)
{
    int ok = result == -1 && errno == expected_errno;
    if (!ok) wrong++;
    printf("%s: %s (result %ld, errno %d)\n", what, ok ? "ok" : "WRONG", result, errno);
}

int main(void)
{
    errno = 0; expect("write from a null pointer", syscall(SYS_write, 1, (void *)0, 5), EFAULT);
    errno = 0; expect("write from the kernel half", syscall(SYS_write, 1, (void *)0xffffffff80000000ul, 4), EFAULT);
    errno = 0; expect("write from an unmapped page", syscall(SYS_write, 1, (void *)0x7000000000ul, 4), EFAULT);
    errno = 0; expect("write to a closed descriptor", syscall(SYS_write, 99, "x", 1), EBADF);
    errno = 0; expect("unknown syscall number", syscall(100000), ENOSYS);
    errno = 0; expect("write with a huge length", syscall(SYS_write, 1, "x", (size_t)-1), EFAULT);
    /* No module of that name (a kernel without a module table, aarch64's, panicked here):
       ENOENT, or EPERM for a caller without CAP_SYS_MODULE. */
    errno = 0; expect("delete_module of a module never loaded", syscall(SYS_delete_module, "no_such_module", 0), geteuid() == 0 ? ENOENT : EPERM);
    printf("syscall errors: %d wrong\n", wrong);
    return wrong;
}
