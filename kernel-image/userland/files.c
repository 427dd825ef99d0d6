/* Files through the kernel's VFS (tmpfs): create, write, seek, read back, stat and fstat,
   directories and their listing, rename, unlink, and the errors for each misuse. Exit status
   0 when every answer was right; otherwise the number of wrong ones. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int wrong;

static void expect(const char *what, int ok)
{
    if (!ok) { wrong++; dprintf(1, "WRONG: %s (errno %d)\n", what, errno); }
}

static void expect_errno(const char *what, long result, int expected)
{
    expect(what, result == -1 && errno == expected);
}

int main(void)
{
    const char text[] = "Aurora keeps its files in tmpfs.\n";
    int fd = open("/tmp/notes.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
    expect("create", fd >= 3);
    expect("write", write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    expect("seek to 7", lseek(fd, 7, SEEK_SET) == 7);
    char buffer[64] = {0};
    expect("read after seek", read(fd, buffer, sizeof buffer) == (ssize_t)(sizeof text - 1 - 7) && strcmp(buffer, text + 7) == 0);
    struct stat st;
    expect("fstat size and type", fstat(fd, &st) == 0 && st.st_size == (off_t)(sizeof text - 1) && S_ISREG(st.st_mode));
    expect("close", close(fd) == 0);
    expect_errno("read after close", read(fd, buffer, 1), EBADF);

    expect("stat by path", stat("/tmp/notes.txt", &st) == 0 && st.st_size == (off_t)(sizeof text - 1));
    expect_errno("create existing with O_EXCL", open("/tmp/notes.txt", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    expect_errno("open missing", open("/tmp/missing", O_RDONLY), ENOENT);
    expect_errno("open through a file", open("/tmp/notes.txt/x", O_RDONLY), ENOTDIR);

    expect("mkdir", mkdir("/tmp/dir", 0755) == 0);
    expect_errno("mkdir existing", mkdir("/tmp/dir", 0755), EEXIST);
    expect("rename into dir", rename("/tmp/notes.txt", "/tmp/dir/notes.txt") == 0);
    expect_errno("rmdir non-empty", rmdir("/tmp/dir"), ENOTEMPTY);

    DIR *dir = opendir("/tmp/dir");
    int seen = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir)) != NULL)
        if (strcmp(entry->d_name, "notes.txt") == 0 && entry->d_type == DT_REG) seen++;
    if (dir) closedir(dir);
    expect("listing shows the file", seen == 1);

    int dfd = open("/tmp/dir", O_RDONLY | O_DIRECTORY);
    expect_errno("read a directory", read(dfd, buffer, 1), EISDIR);
    close(dfd);
    expect_errno("read from a bad pointer", read(open("/tmp/dir/notes.txt", O_RDONLY), (void *)16, 4), EFAULT);

    expect_errno("unlink a directory", unlink("/tmp/dir"), EISDIR);
    expect("unlink", unlink("/tmp/dir/notes.txt") == 0);
    expect("rmdir", rmdir("/tmp/dir") == 0);
    expect_errno("stat removed", stat("/tmp/dir", &st), ENOENT);
    expect("programs are in /bin", stat("/bin/hello.elf", &st) == 0 && st.st_size > 1000);
    dprintf(1, "files: %d wrong\n", wrong);
    return wrong;
}
