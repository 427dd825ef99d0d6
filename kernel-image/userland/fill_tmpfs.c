/* Filling the root tmpfs (security issue 9, finding 7): writes until write() fails, which must
   be ENOSPC (the tmpfs cap, a quarter of usable memory), while the kernel and this program go
   on; a second file gets ENOSPC too; after unlink the space is back. Prints the bytes written
   ("tmpfs: ENOSPC after N bytes") for the in-kernel test to compare with the cap.
   Exit status 0 when every answer was right. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
static void expect_eq(const char *what, long expected, long actual)
{
    if (expected != actual) { wrong++; dprintf(1, "WRONG: %s: expected %ld, got %ld\n", what, expected, actual); }
    else dprintf(1, " %s %ld=%ld\n", what, expected, actual);
}

int main(void)
{
    enum { Chunk = 256 * 1024 };
    char *buffer = malloc(Chunk);
    if (buffer == NULL) return 2;
    memset(buffer, 0x5A, Chunk);
    int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    expect_eq("open /tmp/fill", 1, fd >= 0);
    unsigned long total = 0;
    long n;
    int error = 0;
    while ((n = write(fd, buffer, Chunk)) > 0) total += (unsigned long)n;
    if (n < 0) error = errno;
    dprintf(1, "tmpfs: ENOSPC after %lu bytes\n", total);
    expect_eq("write errno when full (ENOSPC)", ENOSPC, error);
    expect_eq("filled at least 1 MiB", 1, total >= (1UL << 20));

    int other = open("/tmp/fill2", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    n = write(other, buffer, 4096);
    expect_eq("another file's write errno (ENOSPC)", ENOSPC, n < 0 ? errno : 0);

    /* A child still runs while the file system is full (fork copies nothing yet). */
    pid_t child = fork();
    if (child == 0) _exit(9);
    int status = 0;
    waitpid(child, &status, 0);
    expect_eq("a child runs while tmpfs is full", 9, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    close(fd);
    close(other);
    expect_eq("unlink the big file", 0, unlink("/tmp/fill"));
    other = open("/tmp/fill2", O_WRONLY | O_TRUNC);
    expect_eq("the space is back: 1 MiB", 4L * Chunk, write(other, buffer, Chunk) + write(other, buffer, Chunk) +
                                                      write(other, buffer, Chunk) + write(other, buffer, Chunk));
    close(other);
    unlink("/tmp/fill2");
    free(buffer);
    dprintf(1, "tmpfs: %d wrong\n", wrong);
    return wrong != 0;
}
