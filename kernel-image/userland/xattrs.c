/* Calls Debian's coreutils, sed and tar make beside their work (issue 12, item 4): the extended
   attribute calls (ls -l asks every file for its ACL, sed -i and tar copy them), creat (tar) and
   fadvise64 (sort, tar). Aurora keeps no extended attributes: what it must answer is what a
   Linux tmpfs answers for a file that has none. Run natively on Linux in a tmpfs (/dev/shm):
   0 wrong. Setting one is not compared (Linux's tmpfs keeps user.* since 6.6; Aurora answers
   EOPNOTSUPP) beyond its argument checks. Prints a line per mismatch and "N wrong" last. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static int wrong;

static void expect(const char *what, long result, long want, int want_errno)
{
    int error = result < 0 ? errno : 0;
    if (result != want || (want < 0 && error != want_errno)) {
        wrong++;
        printf("wrong: %s: expected %ld errno %d, got %ld errno %d\n", what, want, want < 0 ? want_errno : 0, result, error);
    }
}

int main(void)
{
    struct stat st;
    const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char path[128], link[128];
    snprintf(path, sizeof path, "%s/xattrs-file", dir);
    snprintf(link, sizeof link, "%s/xattrs-link", dir);
    unlink(path);
    unlink(link);
    umask(022);

    /* creat: O_CREAT|O_WRONLY|O_TRUNC with the mode less the umask. */
    int fd = creat(path, 0666);
    expect("creat makes the file", fd >= 0 ? 0 : -1, 0, 0);
    expect("creat: the file is write-only", read(fd, path + 100, 1), -1, EBADF);
    expect("creat: write", write(fd, "hello", 5), 5, 0);
    expect("creat: the mode less the umask", stat(path, &st) == 0 ? (long)(st.st_mode & 0777) : -1, 0644, 0);
    close(fd);
    fd = creat(path, 0600);
    expect("creat truncates an existing file", stat(path, &st) == 0 ? (long)st.st_size : -1, 0, 0);
    expect("creat keeps an existing file's mode", (long)(st.st_mode & 0777), 0644, 0);
    expect("creat of a missing directory", creat("/nonexistent/dir/file", 0644), -1, ENOENT);
#ifdef SYS_creat /* x86-64 only; arm64 has openat alone */
    expect("creat with a bad pointer", syscall(SYS_creat, (void *)16, 0644), -1, EFAULT);
#endif
    symlink(path, link);

    /* fadvise64(fd, offset, len, advice) */
    expect("fadvise64 WILLNEED", syscall(SYS_fadvise64, fd, 0, 4096, 3), 0, 0);
    expect("fadvise64 DONTNEED past the end", syscall(SYS_fadvise64, fd, 1 << 20, 0, 4), 0, 0);
    expect("fadvise64 advice 6", syscall(SYS_fadvise64, fd, 0, 0, 6), -1, EINVAL);
    expect("fadvise64 negative length", syscall(SYS_fadvise64, fd, 0, -1L, 0), -1, EINVAL);
    expect("fadvise64 bad descriptor", syscall(SYS_fadvise64, 999, 0, 0, 0), -1, EBADF);
    int pipes[2];
    pipe(pipes);
    expect("fadvise64 on a pipe", syscall(SYS_fadvise64, pipes[0], 0, 0, 0), -1, ESPIPE);

    /* get: no attribute is there. */
    char value[64], list[256];
    expect("getxattr user.x", getxattr(path, "user.x", value, sizeof value), -1, ENODATA);
    expect("getxattr the ACL (ls -l)", getxattr(path, "system.posix_acl_access", value, sizeof value), -1, ENODATA);
    expect("lgetxattr security.selinux", lgetxattr(path, "security.selinux", value, sizeof value), -1, ENODATA);
    expect("fgetxattr trusted.x", fgetxattr(fd, "trusted.x", value, sizeof value), -1, ENODATA);
    expect("getxattr through a link", getxattr(link, "user.x", value, sizeof value), -1, ENODATA);
    expect("getxattr size 0", getxattr(path, "user.x", 0, 0), -1, ENODATA);
    expect("getxattr of a name outside the name spaces", getxattr(path, "bogus", value, sizeof value), -1, EOPNOTSUPP);
    expect("getxattr of an empty name", getxattr(path, "", value, sizeof value), -1, ERANGE);
    char longname[300];
    memset(longname, 'a', sizeof longname);
    memcpy(longname, "user.", 5);
    longname[299] = 0;
    expect("getxattr of a 299-byte name", getxattr(path, longname, value, sizeof value), -1, ERANGE);
    expect("getxattr of a missing file", getxattr("/nonexistent", "user.x", value, sizeof value), -1, ENOENT);
    expect("getxattr through a file as a directory", getxattr("/dev/null/x", "user.x", value, sizeof value), -1, ENOTDIR);
    expect("getxattr with a bad path pointer", getxattr((const char *)16, "user.x", value, sizeof value), -1, EFAULT);
    expect("getxattr with a bad name pointer", getxattr(path, (const char *)16, value, sizeof value), -1, EFAULT);
    expect("fgetxattr of a bad descriptor", fgetxattr(999, "user.x", value, sizeof value), -1, EBADF);

    /* list: empty. */
    expect("listxattr", listxattr(path, list, sizeof list), 0, 0);
    expect("llistxattr of a link", llistxattr(link, list, sizeof list), 0, 0);
    expect("flistxattr", flistxattr(fd, list, sizeof list), 0, 0);
    expect("listxattr size 0", listxattr(path, 0, 0), 0, 0);
    expect("listxattr of a missing file", listxattr("/nonexistent", list, sizeof list), -1, ENOENT);
    expect("flistxattr of a bad descriptor", flistxattr(999, list, sizeof list), -1, EBADF);

    /* remove: nothing to remove. */
    expect("removexattr user.x", removexattr(path, "user.x"), -1, ENODATA);
    expect("fremovexattr user.x", fremovexattr(fd, "user.x"), -1, ENODATA);
    expect("removexattr of a missing file", removexattr("/nonexistent", "user.x"), -1, ENOENT);
    expect("removexattr of a name outside the name spaces", removexattr(path, "bogus"), -1, EOPNOTSUPP);

    /* set: the argument checks Linux makes before the file system is asked. */
    expect("setxattr with unknown flags", setxattr(path, "user.x", "v", 1, 4), -1, EINVAL);
    expect("setxattr of an empty name", setxattr(path, "", "v", 1, 0), -1, ERANGE);
    expect("setxattr of a missing file", setxattr("/nonexistent", "user.x", "v", 1, 0), -1, ENOENT);
    expect("fsetxattr of a bad descriptor", fsetxattr(999, "user.x", "v", 1, 0), -1, EBADF);
    expect("setxattr of a name outside the name spaces", setxattr(path, "bogus", "v", 1, 0), -1, EOPNOTSUPP);

    close(fd);
    close(pipes[0]);
    close(pipes[1]);
    unlink(link);
    unlink(path);
    printf("%d wrong\n", wrong);
    return wrong != 0;
}
