/* Paths relative to a directory descriptor and to the working directory: openat, mkdirat,
   unlinkat, renameat/renameat2, newfstatat (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW), chdir, fchdir,
   getcwd, "..", O_TMPFILE's flag checks, and Linux's errno for bad dirfds, flags and pointers. Run on Linux too
   (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "fd_paths: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)
#define EXPECT_CWD(what, want) do { char c_[256] = { 0 }; \
    if (!getcwd(c_, sizeof c_) || strcmp(c_, want) != 0) { wrong++; dprintf(1, "fd_paths: %s: cwd \"%s\", want \"%s\"\n", what, c_, want); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
static long sys(long n, long a, long b, long c, long d, long e) { return rv(syscall(n, a, b, c, d, e)); }

#define TOP "/tmp/fd_paths"

int main(void)
{
    struct stat st, top;
    char buf[64];
    EXPECT("chdir / (where Aurora starts a program)", rv(chdir("/")), 0);
    EXPECT_CWD("at /", "/");
    /* Leftovers of an earlier run (on Linux). */
    unlink(TOP "/sub/f"); unlink(TOP "/g"); unlink(TOP "/x"); rmdir(TOP "/sub"); rmdir(TOP "/d2"); rmdir(TOP);

    EXPECT("mkdir", rv(mkdir(TOP, 0755)), 0);
    int dfd = open(TOP, O_RDONLY | O_DIRECTORY);
    EXPECT("open the directory", dfd >= 0, 1);
    EXPECT("mkdirat(dfd, sub)", rv(mkdirat(dfd, "sub", 0755)), 0);
    int f = openat(dfd, "sub/f", O_CREAT | O_RDWR, 0644);
    EXPECT("openat(dfd, sub/f, O_CREAT)", f >= 0, 1);
    EXPECT("write", rv(write(f, "abc", 3)), 3);
    EXPECT("the file is where dfd says", rv(stat(TOP "/sub/f", &st)), 0);
    EXPECT("newfstatat(dfd, sub/f)", rv(fstatat(dfd, "sub/f", &st, 0)), 0);
    EXPECT("its size", st.st_size, 3);
    EXPECT("AT_SYMLINK_NOFOLLOW accepted", rv(fstatat(dfd, "sub/f", &st, AT_SYMLINK_NOFOLLOW)), 0);
    EXPECT("AT_EMPTY_PATH is dfd itself", rv(fstatat(dfd, "", &st, AT_EMPTY_PATH)), 0);
    stat(TOP, &top);
    EXPECT("AT_EMPTY_PATH: the directory's inode", st.st_ino == top.st_ino && S_ISDIR(st.st_mode), 1);
    EXPECT("AT_EMPTY_PATH on a file", rv(fstatat(f, "", &st, AT_EMPTY_PATH)), 0);
    EXPECT("AT_EMPTY_PATH on a file: its size", st.st_size, 3);
    EXPECT("newfstatat bad flag EINVAL", sys(SYS_newfstatat, dfd, (long)"sub/f", (long)&st, 1, 0), -EINVAL);
    EXPECT("newfstatat \"\" without AT_EMPTY_PATH ENOENT", rv(fstatat(dfd, "", &st, 0)), -ENOENT);
    EXPECT("newfstatat bad dirfd EBADF", rv(fstatat(900, "sub/f", &st, 0)), -EBADF);
    EXPECT("newfstatat file as dirfd ENOTDIR", rv(fstatat(f, "x", &st, 0)), -ENOTDIR);
    EXPECT("newfstatat NULL path EFAULT", sys(SYS_newfstatat, dfd, 0, (long)&st, 0, 0), -EFAULT);
    EXPECT("newfstatat NULL buffer EFAULT", sys(SYS_newfstatat, dfd, (long)"sub/f", 0, 0, 0), -EFAULT);

    /* openat(dirfd, "rel") is not "/rel". */
    int x = openat(dfd, "x", O_CREAT | O_WRONLY, 0644);
    EXPECT("openat(dfd, x, O_CREAT)", x >= 0, 1);
    EXPECT("x is in the directory", rv(stat(TOP "/x", &st)), 0);
    EXPECT("x is not at the root", rv(stat("/x", &st)), -ENOENT);
    close(x);
    EXPECT("openat bad dirfd EBADF", rv(openat(900, "x", O_RDONLY)), -EBADF);
    EXPECT("openat negative dirfd EBADF", rv(openat(-5, "x", O_RDONLY)), -EBADF);
    EXPECT("openat file as dirfd ENOTDIR", rv(openat(f, "x", O_RDONLY)), -ENOTDIR);
    x = openat(900, TOP "/x", O_RDONLY);
    EXPECT("an absolute path ignores dirfd", x >= 0, 1);
    close(x);
    EXPECT("openat NULL path EFAULT", sys(SYS_openat, dfd, 0, O_RDONLY, 0, 0), -EFAULT);
    EXPECT("open \"\" ENOENT", rv(open("", O_RDONLY)), -ENOENT);
    EXPECT("openat missing ENOENT", rv(openat(dfd, "missing", O_RDONLY)), -ENOENT);
    EXPECT("mkdirat file as dirfd ENOTDIR", rv(mkdirat(f, "y", 0755)), -ENOTDIR);
    EXPECT("mkdirat bad dirfd EBADF", rv(mkdirat(-5, "y", 0755)), -EBADF);
    EXPECT("mkdirat existing EEXIST", rv(mkdirat(dfd, "sub", 0755)), -EEXIST);

    /* unlinkat and renameat. */
    EXPECT("unlinkat(dfd, x)", rv(unlinkat(dfd, "x", 0)), 0);
    EXPECT("x is gone", rv(stat(TOP "/x", &st)), -ENOENT);
    EXPECT("unlinkat of a directory EISDIR", rv(unlinkat(dfd, "sub", 0)), -EISDIR);
    EXPECT("unlinkat bad flag EINVAL", rv(unlinkat(dfd, "sub", 1)), -EINVAL);
    EXPECT("unlinkat AT_REMOVEDIR non-empty ENOTEMPTY", rv(unlinkat(dfd, "sub", AT_REMOVEDIR)), -ENOTEMPTY);
    EXPECT("unlinkat bad dirfd EBADF", rv(unlinkat(900, "sub", 0)), -EBADF);
    EXPECT("renameat(dfd, sub/f, dfd, g)", rv(renameat(dfd, "sub/f", dfd, "g")), 0);
    EXPECT("g is there", rv(stat(TOP "/g", &st)), 0);
    EXPECT("renameat2 flags 0", sys(SYS_renameat2, dfd, (long)"g", dfd, (long)"g2", 0), 0);
    EXPECT("renameat2 back", sys(SYS_renameat2, dfd, (long)"g2", AT_FDCWD, (long)TOP "/g", 0), 0);
    EXPECT("renameat2 unknown flag EINVAL", sys(SYS_renameat2, dfd, (long)"g", dfd, (long)"g2", 0x100), -EINVAL);
    EXPECT("renameat bad new dirfd EBADF", rv(renameat(dfd, "g", 900, "g2")), -EBADF);
    EXPECT("unlinkat AT_REMOVEDIR", rv(unlinkat(dfd, "sub", AT_REMOVEDIR)), 0);

    /* The working directory. */
    EXPECT("chdir", rv(chdir(TOP)), 0);
    EXPECT_CWD("after chdir", TOP);
    EXPECT("open relative to the cwd", rv(close(open("g", O_RDONLY))), 0);
    EXPECT("mkdir relative to the cwd", rv(mkdir("d2", 0755)), 0);
    EXPECT("it is in the cwd", rv(stat(TOP "/d2", &st)), 0);
    EXPECT("fstatat(AT_FDCWD, g)", rv(fstatat(AT_FDCWD, "g", &st, 0)), 0);
    EXPECT("AT_EMPTY_PATH with AT_FDCWD is the cwd", rv(fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH)), 0);
    EXPECT("  its inode", st.st_ino == top.st_ino, 1);
    EXPECT("chdir d2", rv(chdir("d2")), 0);
    EXPECT_CWD("after chdir d2", TOP "/d2");
    EXPECT("chdir ..", rv(chdir("..")), 0);
    EXPECT_CWD("after chdir ..", TOP);
    EXPECT("chdir d2/../d2/.", rv(chdir("./d2/../d2/.")), 0);
    EXPECT_CWD("after chdir d2/../d2/.", TOP "/d2");
    EXPECT("open ../g", rv(close(open("../g", O_RDONLY))), 0);
    EXPECT("chdir /", rv(chdir("/")), 0);
    EXPECT("chdir .. at /", rv(chdir("..")), 0);
    EXPECT_CWD(".. at / stays at /", "/");
    EXPECT("/../../tmp/fd_paths/g", rv(stat("/../../" TOP "/g", &st)), 0);
    EXPECT("openat(dfd, ../fd_paths/g)", rv(close(openat(dfd, "../fd_paths/g", O_RDONLY))), 0);
    EXPECT("g/.. ENOTDIR", rv(stat(TOP "/g/..", &st)), -ENOTDIR);
    EXPECT("chdir to a file ENOTDIR", rv(chdir(TOP "/g")), -ENOTDIR);
    EXPECT("chdir missing ENOENT", rv(chdir(TOP "/missing")), -ENOENT);
    EXPECT("chdir \"\" ENOENT", rv(chdir("")), -ENOENT);
    EXPECT("chdir NULL EFAULT", sys(SYS_chdir, 0, 0, 0, 0, 0), -EFAULT);
    EXPECT("fchdir(dfd)", rv(fchdir(dfd)), 0);
    EXPECT_CWD("after fchdir", TOP);
    EXPECT("fchdir(file) ENOTDIR", rv(fchdir(f)), -ENOTDIR);
    EXPECT("fchdir(900) EBADF", rv(fchdir(900)), -EBADF);
    EXPECT("getcwd returns the length with the NUL", sys(SYS_getcwd, (long)buf, sizeof buf, 0, 0, 0), (long)sizeof TOP);
    EXPECT("getcwd too small ERANGE", sys(SYS_getcwd, (long)buf, 3, 0, 0, 0), -ERANGE);
    EXPECT("getcwd size 0 ERANGE", sys(SYS_getcwd, (long)buf, 0, 0, 0, 0), -ERANGE);
    EXPECT("getcwd bad buffer EFAULT", sys(SYS_getcwd, 8, 64, 0, 0, 0), -EFAULT);

    /* fork inherits the working directory; the child's chdir is its own. */
    pid_t pid = fork();
    if (pid == 0) {
        EXPECT_CWD("the child's cwd", TOP);
        chdir("d2");
        _exit(wrong);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    EXPECT("the child", status, 0);
    EXPECT_CWD("the parent's cwd after the child's chdir", TOP);

    /* The working directory is the directory itself, not the way to it: reached through a
       symbolic link, getcwd shows the real path and ".." is the real parent (it kept the
       link's name, and busybox's `cd link && pwd -P` differed from Linux). */
    EXPECT("mkdir real/inner", rv(mkdir("real", 0755)) | rv(mkdir("real/inner", 0755)), 0);
    EXPECT("symlink to real/inner", rv(symlink("real/inner", "via")), 0);
    EXPECT("symlink to an absolute target", rv(symlink(TOP "/real", "abs")), 0);
    EXPECT("chdir through a relative link", rv(chdir("via")), 0);
    EXPECT_CWD("cwd reached through a link", TOP "/real/inner");
    EXPECT("chdir .. from there", rv(chdir("..")), 0);
    EXPECT_CWD("its parent is the real one", TOP "/real");
    EXPECT("chdir through an absolute link and ..", rv(chdir(TOP "/abs/inner/../inner")), 0);
    EXPECT_CWD("abs/inner/../inner", TOP "/real/inner");
    chdir(TOP);
    unlink("via"); unlink("abs"); rmdir("real/inner"); rmdir("real");

    close(f);
    EXPECT("unlink relative", rv(unlink("g")), 0);
    EXPECT("rmdir relative", rv(rmdir("d2")), 0);
    chdir("/");
    close(dfd);
    EXPECT("rmdir", rv(rmdir(TOP)), 0);

    /* O_TMPFILE (stress-ng's open stressor): Linux's build_open_flags refuses it, before the
       path is looked at, without write access, with O_CREAT, or without O_DIRECTORY's bit
       (EINVAL); a valid one makes an unnamed file where the file system can (tmpfs) and is
       EOPNOTSUPP where it cannot (open(2)). Never the directory itself opened. */
    EXPECT("O_TMPFILE read-only", rv(open("/tmp", O_TMPFILE | O_RDONLY, 0600)), -EINVAL);
    EXPECT("O_TMPFILE | O_CREAT", rv(open("/tmp", O_TMPFILE | O_CREAT | O_RDWR, 0600)), -EINVAL);
    EXPECT("O_TMPFILE without O_DIRECTORY", rv(open("/tmp", (O_TMPFILE & ~O_DIRECTORY) | O_RDWR, 0600)), -EINVAL);
    EXPECT("O_TMPFILE read-only on a missing path", rv(open("/tmp/fd_paths-none", O_TMPFILE | O_RDONLY, 0600)), -EINVAL);
    long tmpfile = rv(open("/tmp", O_TMPFILE | O_RDWR, 0600));
    EXPECT("O_TMPFILE | O_RDWR: a file or EOPNOTSUPP", tmpfile >= 0 || tmpfile == -EOPNOTSUPP, 1);
    if (tmpfile >= 0) {
        EXPECT("O_TMPFILE's file is a regular file", rv(fstat((int)tmpfile, &st)) == 0 && S_ISREG(st.st_mode), 1);
        close((int)tmpfile);
    }

    dprintf(1, "fd_paths: %d wrong\n", wrong);
    return wrong != 0;
}
