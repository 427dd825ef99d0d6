/* File attributes and names as Linux gives them: umask (applied to open, mkdir and mknod;
   inherited by fork), access/faccessat/faccessat2 (root: read and write always, execute only
   with an x bit, directories always), chmod/fchmod/fchmodat, chown/fchown/lchown/fchownat (-1
   keeps a field; chown clears set-user-id), utimensat (UTIME_NOW, UTIME_OMIT, NULL times,
   AT_SYMLINK_NOFOLLOW, a NULL path for the descriptor), utimes, utime, truncate/ftruncate,
   statfs/fstatfs (tmpfs's magic), lstat and fstatat with AT_SYMLINK_NOFOLLOW, symlink(at),
   link(at) (link counts, AT_SYMLINK_FOLLOW, EPERM for a directory, EXDEV), mknod(at) (FIFOs,
   character devices with st_rdev), renameat2's RENAME_NOREPLACE, and Linux's errno for bad
   descriptors, pointers, flags and paths. Runs in argv[1] (default /tmp; must be tmpfs: on
   Linux pass /dev/shm) and prints "file_attrs: N wrong"; the same answers on Linux
   (musl-gcc -static, run as root). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "file_attrs: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
#define SYS(...) rv(syscall(__VA_ARGS__))

/* arm64 has only the *at forms of the path calls: the same questions through them, as musl's
   access, chmod, chown, link, symlink and mknod ask them there. */
#if defined(SYS_access)
#define ACCESS(p, m) SYS(SYS_access, p, m)
#define CHMOD(p, m) SYS(SYS_chmod, p, m)
#define CHOWN(p, u, g) SYS(SYS_chown, p, u, g)
#define LINK(a, b) SYS(SYS_link, a, b)
#define SYMLINK(a, b) SYS(SYS_symlink, a, b)
#define MKNOD(p, m, d) SYS(SYS_mknod, p, m, d)
#else
#define ACCESS(p, m) SYS(SYS_faccessat, AT_FDCWD, p, m, 0)
#define CHMOD(p, m) SYS(SYS_fchmodat, AT_FDCWD, p, m, 0)
#define CHOWN(p, u, g) SYS(SYS_fchownat, AT_FDCWD, p, u, g, 0)
#define LINK(a, b) SYS(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0)
#define SYMLINK(a, b) SYS(SYS_symlinkat, a, AT_FDCWD, b)
#define MKNOD(p, m, d) SYS(SYS_mknodat, AT_FDCWD, p, m, d)
#endif

#define BAD_POINTER ((void *)16)

static struct stat st_of(const char *path)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (stat(path, &st) != 0) { wrong++; dprintf(2, "file_attrs: stat %s: errno %d\n", path, errno); }
    return st;
}

static struct stat lst_of(const char *path)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (lstat(path, &st) != 0) { wrong++; dprintf(2, "file_attrs: lstat %s: errno %d\n", path, errno); }
    return st;
}

static void touch(const char *path, mode_t mode)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
    if (fd < 0) { wrong++; dprintf(2, "file_attrs: create %s: errno %d\n", path, errno); return; }
    close(fd);
}

static void umask_rules(void)
{
    umask(022);
    EXPECT("umask returns the old mask", umask(027), 022);
    touch("u_file", 0777);
    EXPECT("open applies the umask", st_of("u_file").st_mode, S_IFREG | 0750);
    EXPECT("mkdir applies the umask", rv(mkdir("u_dir", 0777)), 0);
    EXPECT("mkdir mode", st_of("u_dir").st_mode, S_IFDIR | 0750);
    EXPECT("mknod fifo", rv(mknod("u_fifo", S_IFIFO | 0666, 0)), 0);
    EXPECT("mknod applies the umask", lst_of("u_fifo").st_mode, S_IFIFO | 0640);
    EXPECT("umask keeps only 0777", umask(0177777), 027);
    EXPECT("umask was cut to 0777", umask(022), 0777);
    /* Set-id and sticky bits of mkdir survive the umask; of open too. */
    EXPECT("mkdir 01777", rv(mkdir("u_sticky", 01777)), 0);
    EXPECT("mkdir keeps the sticky bit", st_of("u_sticky").st_mode, S_IFDIR | 01755);
    /* fork: the child starts with the parent's mask. */
    umask(012);
    pid_t pid = fork();
    if (pid == 0) _exit(umask(0));
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT("a child inherits the umask", WEXITSTATUS(status), 012);
    EXPECT("the parent's umask stays", umask(022), 012);
    unlink("u_file"); rmdir("u_dir"); unlink("u_fifo"); rmdir("u_sticky");
}

static void access_rules(void)
{
    touch("a_file", 0644);
    EXPECT("access F_OK", rv(access("a_file", F_OK)), 0);
    EXPECT("access R_OK|W_OK", rv(access("a_file", R_OK | W_OK)), 0);
    EXPECT("access X_OK without an x bit (root too)", rv(access("a_file", X_OK)), -EACCES);
    chmod("a_file", 0);
    EXPECT("root reads and writes mode 0", rv(access("a_file", R_OK | W_OK)), 0);
    chmod("a_file", 0001);
    EXPECT("root executes with any x bit", rv(access("a_file", X_OK)), 0);
    chmod("a_file", 0010);
    EXPECT("group x bit", rv(access("a_file", X_OK)), 0);
    EXPECT("mkdir a_dir 0", rv(mkdir("a_dir", 0)), 0);
    EXPECT("root searches any directory", rv(access("a_dir", X_OK | R_OK | W_OK)), 0);
    EXPECT("access of a missing file", rv(access("a_none", F_OK)), -ENOENT);
    EXPECT("access through a file", rv(access("a_file/x", F_OK)), -ENOTDIR);
    EXPECT("access file/", rv(access("a_file/", F_OK)), -ENOTDIR);
    EXPECT("access bad mode", rv(access("a_file", 8)), -EINVAL);
    EXPECT("access bad pointer", ACCESS(BAD_POINTER, F_OK), -EFAULT);
    EXPECT("access empty path", rv(access("", F_OK)), -ENOENT);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    EXPECT("faccessat relative to a dirfd", SYS(SYS_faccessat, dir, "a_file", R_OK), 0);
    EXPECT("faccessat bad dirfd", SYS(SYS_faccessat, 999, "a_file", R_OK), -EBADF);
    EXPECT("faccessat bad mode", SYS(SYS_faccessat, dir, "a_file", 0x10), -EINVAL);
    EXPECT("faccessat2 AT_EACCESS", SYS(SYS_faccessat2, dir, "a_file", R_OK, AT_EACCESS), 0);
    EXPECT("faccessat2 bad flag", SYS(SYS_faccessat2, dir, "a_file", R_OK, 0x1), -EINVAL);
    symlink("a_missing", "a_dangling");
    EXPECT("faccessat2 follows the link", SYS(SYS_faccessat2, AT_FDCWD, "a_dangling", F_OK, 0), -ENOENT);
    EXPECT("faccessat2 AT_SYMLINK_NOFOLLOW", SYS(SYS_faccessat2, AT_FDCWD, "a_dangling", F_OK, AT_SYMLINK_NOFOLLOW), 0);
    int fd = open("a_file", O_RDONLY);
    EXPECT("faccessat2 AT_EMPTY_PATH", SYS(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH), 0);
    EXPECT("faccessat2 empty path without the flag", SYS(SYS_faccessat2, fd, "", R_OK, 0), -ENOENT);
    close(fd);
    close(dir);
    unlink("a_dangling"); unlink("a_file"); rmdir("a_dir");
}

static void chmod_rules(void)
{
    touch("m_file", 0644);
    EXPECT("chmod 04755", rv(chmod("m_file", 04755)), 0);
    EXPECT("chmod stored", st_of("m_file").st_mode, S_IFREG | 04755);
    EXPECT("chmod keeps only 07777", rv(chmod("m_file", 0170600)), 0);
    EXPECT("chmod masked", st_of("m_file").st_mode, S_IFREG | 0600);
    EXPECT("chmod missing", rv(chmod("m_none", 0600)), -ENOENT);
    EXPECT("chmod bad pointer", CHMOD(BAD_POINTER, 0600), -EFAULT);
    int fd = open("m_file", O_RDONLY);
    EXPECT("fchmod of a read-only descriptor", rv(fchmod(fd, 0640)), 0);
    EXPECT("fchmod stored", st_of("m_file").st_mode, S_IFREG | 0640);
    EXPECT("fchmod bad fd", rv(fchmod(999, 0640)), -EBADF);
    close(fd);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    EXPECT("fchmodat (three arguments)", SYS(SYS_fchmodat, dir, "m_file", 0604), 0);
    EXPECT("fchmodat stored", st_of("m_file").st_mode, S_IFREG | 0604);
    EXPECT("fchmodat bad dirfd", SYS(SYS_fchmodat, 999, "m_file", 0604), -EBADF);
    close(dir);
    symlink("m_file", "m_link");
    EXPECT("chmod follows a link", rv(chmod("m_link", 0700)), 0);
    EXPECT("the target changed", st_of("m_file").st_mode, S_IFREG | 0700);
    EXPECT("the link did not", lst_of("m_link").st_mode, S_IFLNK | 0777);
    unlink("m_link"); unlink("m_file");
}

static void chown_rules(void)
{
    touch("o_file", 0644);
    struct stat st = st_of("o_file");
    EXPECT("a new file is root's", st.st_uid, 0);
    EXPECT("a new file is root's group", st.st_gid, 0);
    EXPECT("chown", rv(chown("o_file", 1000, 2000)), 0);
    st = st_of("o_file");
    EXPECT("uid stored", st.st_uid, 1000);
    EXPECT("gid stored", st.st_gid, 2000);
    EXPECT("chown -1 keeps the uid", rv(chown("o_file", -1, 3000)), 0);
    st = st_of("o_file");
    EXPECT("uid kept", st.st_uid, 1000);
    EXPECT("gid changed", st.st_gid, 3000);
    int fd = open("o_file", O_RDONLY);
    EXPECT("fchown", rv(fchown(fd, 5, -1)), 0);
    EXPECT("fchown uid", st_of("o_file").st_uid, 5);
    EXPECT("fchown gid kept", st_of("o_file").st_gid, 3000);
    EXPECT("fchown bad fd", rv(fchown(999, 1, 1)), -EBADF);
    close(fd);
    symlink("o_file", "o_link");
    EXPECT("lchown", rv(lchown("o_link", 7, 8)), 0);
    EXPECT("lchown changed the link", lst_of("o_link").st_uid, 7);
    EXPECT("lchown changed the link's group", lst_of("o_link").st_gid, 8);
    EXPECT("lchown left the target", st_of("o_file").st_uid, 5);
    EXPECT("chown follows", rv(chown("o_link", 9, 9)), 0);
    EXPECT("chown reached the target", st_of("o_file").st_uid, 9);
    EXPECT("fchownat nofollow", SYS(SYS_fchownat, AT_FDCWD, "o_link", 11, 12, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT("fchownat nofollow: the link", lst_of("o_link").st_uid, 11);
    EXPECT("fchownat bad flag", SYS(SYS_fchownat, AT_FDCWD, "o_link", 1, 1, 0x1), -EINVAL);
    EXPECT("chown missing", rv(chown("o_none", 1, 1)), -ENOENT);
    EXPECT("chown bad pointer", CHOWN(BAD_POINTER, 1, 1), -EFAULT);
    /* chown clears set-user-id (and set-group-id with group execute), root or not. */
    chmod("o_file", 06755);
    EXPECT("chown of a set-id file", rv(chown("o_file", 1, 1)), 0);
    EXPECT("set-id bits cleared", st_of("o_file").st_mode, S_IFREG | 0755);
    chmod("o_file", 02745);
    EXPECT("chown of a set-gid file without group x", rv(chown("o_file", 2, 2)), 0);
    EXPECT("set-gid kept without group x", st_of("o_file").st_mode, S_IFREG | 02745);
    unlink("o_link"); unlink("o_file");
}

static int times_are(const char *what, struct stat st, long as, long ans, long ms, long mns)
{
    int ok = st.st_atim.tv_sec == as && st.st_atim.tv_nsec == ans && st.st_mtim.tv_sec == ms && st.st_mtim.tv_nsec == mns;
    if (!ok) {
        wrong++;
        dprintf(2, "file_attrs: %s: got %ld.%09ld %ld.%09ld, want %ld.%09ld %ld.%09ld\n", what,
                (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, as, ans, ms, mns);
    }
    return ok;
}

/* sync, syncfs, fsync, fdatasync: nothing to write back in memory, but Linux's checks (EBADF;
   EINVAL for fsync of a file without an fsync operation: a pipe, /dev/null). */
static void sync_rules(void)
{
    touch("s_file", 0644);
    int file = open("s_file", O_WRONLY), dir = open(".", O_RDONLY), null = open("/dev/null", O_RDONLY), p[2];
    EXPECT("pipe", pipe(p), 0);
    EXPECT("fsync a file", rv(fsync(file)), 0);
    EXPECT("fdatasync a file", rv(fdatasync(file)), 0);
    EXPECT("fsync a directory", rv(fsync(dir)), 0);
    EXPECT("fsync a pipe", rv(fsync(p[1])), -EINVAL);
    EXPECT("fdatasync /dev/null", rv(fdatasync(null)), -EINVAL);
    EXPECT("fsync a bad descriptor", rv(fsync(-1)), -EBADF);
    EXPECT("syncfs", SYS(SYS_syncfs, file), 0);
    EXPECT("syncfs through a pipe", SYS(SYS_syncfs, p[0]), 0);
    EXPECT("syncfs a bad descriptor", SYS(SYS_syncfs, 1000), -EBADF);
    EXPECT("sync", SYS(SYS_sync), 0);
    close(file); close(dir); close(null); close(p[0]); close(p[1]);
    unlink("s_file");
}

/* 0 when t is within a second after `before`, else how many seconds after it t is (negative:
   before it): an inode's times are the wall clock (CLOCK_REALTIME, Linux's current_time()),
   so they come right after time(). */
static long seconds_after(time_t before, struct timespec t)
{
    long d = (long)(t.tv_sec - before);
    return d == 0 || d == 1 ? 0 : d;
}

static void time_rules(void)
{
    time_t before = time(NULL);
    touch("t_file", 0644);
    struct stat made = st_of("t_file");
    EXPECT("a new file's mtime is the wall clock (mtime - time(), 0 within a second)", seconds_after(before, made.st_mtim), 0);
    EXPECT("a new file's ctime is the wall clock (ctime - time(), 0 within a second)", seconds_after(before, made.st_ctim), 0);
    EXPECT("a new file's atime is the wall clock (atime - time(), 0 within a second)", seconds_after(before, made.st_atim), 0);
    struct timespec ts[2] = { { 1000, 500 }, { 2000, 600 } };
    EXPECT("utimensat", rv(utimensat(AT_FDCWD, "t_file", ts, 0)), 0);
    times_are("utimensat sets both", st_of("t_file"), 1000, 500, 2000, 600);
    ts[0].tv_nsec = UTIME_OMIT; ts[1].tv_sec = 3000; ts[1].tv_nsec = 0;
    EXPECT("utimensat omit atime", rv(utimensat(AT_FDCWD, "t_file", ts, 0)), 0);
    times_are("UTIME_OMIT keeps atime", st_of("t_file"), 1000, 500, 3000, 0);
    ts[0].tv_nsec = UTIME_NOW; ts[1].tv_nsec = UTIME_OMIT;
    EXPECT("utimensat now/omit", rv(utimensat(AT_FDCWD, "t_file", ts, 0)), 0);
    struct stat st = st_of("t_file");
    EXPECT("UTIME_NOW is the change time (s)", st.st_atim.tv_sec, st.st_ctim.tv_sec);
    EXPECT("UTIME_NOW is the change time (ns)", st.st_atim.tv_nsec, st.st_ctim.tv_nsec);
    EXPECT("mtime omitted", st.st_mtim.tv_sec, 3000);
    EXPECT("utimensat NULL times", rv(utimensat(AT_FDCWD, "t_file", NULL, 0)), 0);
    st = st_of("t_file");
    EXPECT("NULL: mtime is now", st.st_mtim.tv_sec == st.st_ctim.tv_sec && st.st_mtim.tv_nsec == st.st_ctim.tv_nsec, 1);
    EXPECT("NULL: atime is now", st.st_atim.tv_sec == st.st_ctim.tv_sec && st.st_atim.tv_nsec == st.st_ctim.tv_nsec, 1);
    ts[0].tv_sec = 5; ts[0].tv_nsec = 1000000000; ts[1].tv_nsec = 0;
    EXPECT("nsec 1e9", rv(utimensat(AT_FDCWD, "t_file", ts, 0)), -EINVAL);
    ts[0].tv_nsec = -1;
    EXPECT("nsec -1", rv(utimensat(AT_FDCWD, "t_file", ts, 0)), -EINVAL);
    ts[0].tv_nsec = 0;
    EXPECT("bad flag", rv(utimensat(AT_FDCWD, "t_file", ts, 0x1)), -EINVAL);
    EXPECT("missing", rv(utimensat(AT_FDCWD, "t_none", ts, 0)), -ENOENT);
    EXPECT("bad times pointer", SYS(SYS_utimensat, AT_FDCWD, "t_file", BAD_POINTER, 0), -EFAULT);
    EXPECT("bad path pointer", SYS(SYS_utimensat, AT_FDCWD, BAD_POINTER, ts, 0), -EFAULT);
    symlink("t_file", "t_link");
    struct timespec l[2] = { { 77, 1 }, { 88, 2 } };
    EXPECT("utimensat nofollow", rv(utimensat(AT_FDCWD, "t_link", l, AT_SYMLINK_NOFOLLOW)), 0);
    times_are("the link's times", lst_of("t_link"), 77, 1, 88, 2);
    /* A NULL path: the descriptor's file (futimens). */
    int fd = open("t_file", O_RDONLY);
    struct timespec f[2] = { { 11, 0 }, { 22, 0 } };
    EXPECT("futimens", SYS(SYS_utimensat, fd, NULL, f, 0), 0);
    times_are("futimens", st_of("t_file"), 11, 0, 22, 0);
    EXPECT("NULL path on AT_FDCWD", SYS(SYS_utimensat, AT_FDCWD, NULL, f, 0), -EFAULT);
    EXPECT("NULL path bad fd", SYS(SYS_utimensat, 999, NULL, f, 0), -EBADF);
    close(fd);
#if defined(SYS_utimes)
    /* utimes and utime are x86-64's (arm64 has utimensat alone). */
    struct timeval tv[2] = { { 40, 5 }, { 50, 6 } };
    EXPECT("utimes", SYS(SYS_utimes, "t_file", tv), 0);
    times_are("utimes: microseconds", st_of("t_file"), 40, 5000, 50, 6000);
    tv[0].tv_usec = 1000000;
    EXPECT("utimes bad usec", SYS(SYS_utimes, "t_file", tv), -EINVAL);
    struct utimbuf ub = { 60, 70 };
    EXPECT("utime", SYS(SYS_utime, "t_file", &ub), 0);
    times_are("utime: seconds", st_of("t_file"), 60, 0, 70, 0);
#endif
    unlink("t_link"); unlink("t_file");
}

static void truncate_rules(void)
{
    int fd = open("r_file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(fd, "abcdef", 6);
    EXPECT("truncate down", rv(truncate("r_file", 3)), 0);
    EXPECT("size 3", st_of("r_file").st_size, 3);
    EXPECT("truncate up", rv(ftruncate(fd, 8192)), 0);
    EXPECT("size 8192", st_of("r_file").st_size, 8192);
    char buf[8] = "xxxxxxx";
    EXPECT("pread the hole", rv(pread(fd, buf, 4, 3)), 4);
    EXPECT("the hole reads zeros", buf[0] | buf[1] | buf[2] | buf[3], 0);
    EXPECT("truncate -1", rv(truncate("r_file", -1)), -EINVAL);
    EXPECT("ftruncate -1", rv(ftruncate(fd, -1)), -EINVAL);
    mkdir("r_dir", 0755);
    EXPECT("truncate a directory", rv(truncate("r_dir", 0)), -EISDIR);
    EXPECT("truncate missing", rv(truncate("r_none", 0)), -ENOENT);
    EXPECT("truncate bad pointer", SYS(SYS_truncate, BAD_POINTER, 0), -EFAULT);
    EXPECT("ftruncate bad fd", rv(ftruncate(999, 0)), -EBADF);
    int ro = open("r_file", O_RDONLY);
    EXPECT("ftruncate read-only", rv(ftruncate(ro, 0)), -EINVAL);
    close(ro);
    int d = open("r_dir", O_RDONLY | O_DIRECTORY);
    EXPECT("ftruncate a directory", rv(ftruncate(d, 0)), -EINVAL);
    close(d);
    int p[2];
    pipe(p);
    EXPECT("ftruncate a pipe", rv(ftruncate(p[1], 0)), -EINVAL);
    close(p[0]); close(p[1]);
    symlink("r_file", "r_link");
    EXPECT("truncate follows a link", rv(truncate("r_link", 1)), 0);
    EXPECT("size 1", st_of("r_file").st_size, 1);
    close(fd);
    unlink("r_link"); unlink("r_file"); rmdir("r_dir");
}

static void statfs_rules(void)
{
    struct statfs s;
    memset(&s, 0xAA, sizeof s);
    EXPECT("statfs", rv(statfs(".", &s)), 0);
    EXPECT("f_type tmpfs", s.f_type, 0x01021994);
    EXPECT("f_bsize", s.f_bsize, 4096);
    EXPECT("f_frsize", s.f_frsize, 4096);
    EXPECT("f_namelen", s.f_namelen, 255);
    EXPECT("not read-only", s.f_flags & ST_RDONLY, 0);
    EXPECT("free <= total", s.f_bfree <= s.f_blocks, 1);
    EXPECT("available <= free", s.f_bavail <= s.f_bfree, 1);
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    struct statfs t;
    EXPECT("fstatfs", rv(fstatfs(fd, &t)), 0);
    EXPECT("fstatfs f_type", t.f_type, 0x01021994);
    EXPECT("same fsid", memcmp(&s.f_fsid, &t.f_fsid, sizeof s.f_fsid), 0);
    close(fd);
    EXPECT("statfs missing", rv(statfs("s_none", &s)), -ENOENT);
    EXPECT("statfs bad buffer", SYS(SYS_statfs, ".", BAD_POINTER), -EFAULT);
    EXPECT("statfs bad path", SYS(SYS_statfs, BAD_POINTER, &s), -EFAULT);
    EXPECT("fstatfs bad fd", rv(fstatfs(999, &s)), -EBADF);
}

static void link_rules(const char *other)
{
    touch("l_file", 0644);
    EXPECT("link", rv(link("l_file", "l_hard")), 0);
    struct stat a = st_of("l_file"), b = st_of("l_hard");
    EXPECT("two links", a.st_nlink, 2);
    EXPECT("one inode", a.st_ino == b.st_ino, 1);
    int fd = open("l_hard", O_WRONLY);
    write(fd, "xyz", 3);
    close(fd);
    EXPECT("data through the other name", st_of("l_file").st_size, 3);
    EXPECT("link onto an existing name", rv(link("l_file", "l_hard")), -EEXIST);
    EXPECT("link missing", rv(link("l_none", "l_x")), -ENOENT);
    mkdir("l_dir", 0755);
    EXPECT("link a directory", rv(link("l_dir", "l_x")), -EPERM);
    EXPECT("link into a missing directory", rv(link("l_file", "l_none/x")), -ENOENT);
    EXPECT("link bad pointer", LINK(BAD_POINTER, "l_x"), -EFAULT);
    EXPECT("unlink one name", rv(unlink("l_file")), 0);
    EXPECT("one link left", st_of("l_hard").st_nlink, 1);
    EXPECT("the data stays", st_of("l_hard").st_size, 3);
    /* linkat: the link itself, or its target with AT_SYMLINK_FOLLOW. */
    EXPECT("symlink", rv(symlink("l_hard", "l_sym")), 0);
    EXPECT("linkat the symbolic link", rv(linkat(AT_FDCWD, "l_sym", AT_FDCWD, "l_sym2", 0)), 0);
    EXPECT("it is a link", S_ISLNK(lst_of("l_sym2").st_mode), 1);
    EXPECT("the link has two names", lst_of("l_sym").st_nlink, 2);
    EXPECT("linkat AT_SYMLINK_FOLLOW", rv(linkat(AT_FDCWD, "l_sym", AT_FDCWD, "l_hard2", AT_SYMLINK_FOLLOW)), 0);
    EXPECT("it is the file", S_ISREG(lst_of("l_hard2").st_mode), 1);
    EXPECT("the file has two names", st_of("l_hard").st_nlink, 2);
    EXPECT("linkat bad flag", rv(linkat(AT_FDCWD, "l_hard", AT_FDCWD, "l_x", 0x1)), -EINVAL);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    EXPECT("linkat from dirfds", rv(linkat(dir, "l_hard", dir, "l_dir/in", 0)), 0);
    EXPECT("three names", st_of("l_hard").st_nlink, 3);
    EXPECT("linkat bad dirfd", rv(linkat(999, "l_hard", dir, "l_x", 0)), -EBADF);
    close(dir);
    if (other) {
        EXPECT("link across file systems", rv(link(other, "l_x")), -EXDEV);
    }
    /* Symbolic links: stat follows, lstat and AT_SYMLINK_NOFOLLOW do not. */
    struct stat l = lst_of("l_sym");
    EXPECT("lstat: a link", S_ISLNK(l.st_mode), 1);
    EXPECT("lstat: size is the target's length", l.st_size, 6);
    EXPECT("lstat: mode 0777", l.st_mode & 07777, 0777);
    EXPECT("stat follows", S_ISREG(st_of("l_sym").st_mode), 1);
    struct stat at;
    EXPECT("fstatat nofollow", rv(fstatat(AT_FDCWD, "l_sym", &at, AT_SYMLINK_NOFOLLOW)), 0);
    EXPECT("fstatat nofollow: a link", S_ISLNK(at.st_mode), 1);
    EXPECT("O_NOFOLLOW on a link", rv(open("l_sym", O_RDONLY | O_NOFOLLOW)), -ELOOP);
    int through = open("l_sym", O_RDONLY);
    EXPECT("open follows a link", through >= 0, 1);
    close(through);
    EXPECT("O_CREAT|O_EXCL on a link", rv(open("l_sym", O_CREAT | O_EXCL | O_WRONLY, 0644)), -EEXIST);
    EXPECT("symlink onto an existing name", rv(symlink("x", "l_sym")), -EEXIST);
    EXPECT("symlink empty target", rv(symlink("", "l_empty")), -ENOENT);
    EXPECT("symlink bad target pointer", SYMLINK(BAD_POINTER, "l_x"), -EFAULT);
    int d = open("l_dir", O_RDONLY | O_DIRECTORY);
    EXPECT("symlinkat from a dirfd", rv(symlinkat("../l_hard", d, "up")), 0);
    EXPECT("the link leads back", st_of("l_dir/up").st_ino, st_of("l_hard").st_ino);
    EXPECT("symlinkat bad dirfd", rv(symlinkat("x", 999, "l_y")), -EBADF);
    close(d);
    EXPECT("a dangling link", rv(symlink("l_nowhere", "l_dangling")), 0);
    EXPECT("stat of a dangling link", rv(access("l_dangling", F_OK)), -ENOENT);
    EXPECT("lstat of a dangling link", S_ISLNK(lst_of("l_dangling").st_mode), 1);
    unlink("l_dangling"); unlink("l_dir/up"); unlink("l_dir/in"); rmdir("l_dir");
    unlink("l_sym"); unlink("l_sym2"); unlink("l_hard"); unlink("l_hard2");
}

static void mknod_rules(void)
{
    EXPECT("mknod fifo", rv(mknod("n_fifo", S_IFIFO | 0600, 0)), 0);
    EXPECT("a fifo", lst_of("n_fifo").st_mode, S_IFIFO | 0600);
    EXPECT("mknod existing", rv(mknod("n_fifo", S_IFIFO | 0600, 0)), -EEXIST);
    EXPECT("mknod directory", rv(mknod("n_dir", S_IFDIR | 0755, 0)), -EPERM);
    EXPECT("mknod symlink type", rv(mknod("n_x", S_IFLNK | 0755, 0)), -EINVAL);
    EXPECT("mknod unknown type", rv(mknod("n_x", 0030000 | 0755, 0)), -EINVAL);
    EXPECT("mknod character device", rv(mknod("n_null", S_IFCHR | 0666, makedev(1, 3))), 0);
    struct stat c = lst_of("n_null");
    EXPECT("character device mode (umask 022)", c.st_mode, S_IFCHR | 0644);
    EXPECT("st_rdev", c.st_rdev, makedev(1, 3));
    /* A device number no driver serves (240-254 are for local use): the node opens nothing. */
    EXPECT("mknod of a driverless device", rv(mknod("n_nodriver", S_IFCHR | 0600, makedev(240, 7))), 0);
    EXPECT("opening it is ENXIO", rv(open("n_nodriver", O_RDWR)), -ENXIO);
    unlink("n_nodriver");
    EXPECT("mknod type 0 is a regular file", rv(mknod("n_reg", 0644, 0)), 0);
    EXPECT("regular", lst_of("n_reg").st_mode, S_IFREG | 0644);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    EXPECT("mknodat", rv(mknodat(dir, "n_fifo2", S_IFIFO | 0644, 0)), 0);
    EXPECT("mknodat bad dirfd", rv(mknodat(999, "n_x", S_IFIFO | 0644, 0)), -EBADF);
    EXPECT("mknod missing directory", rv(mknod("n_none/x", S_IFIFO, 0)), -ENOENT);
    EXPECT("mknod bad pointer", MKNOD(BAD_POINTER, S_IFIFO, 0), -EFAULT);
    close(dir);
    unlink("n_fifo"); unlink("n_fifo2"); unlink("n_null"); unlink("n_reg");
}

static void rename_rules(void)
{
    touch("x_a", 0644);
    touch("x_b", 0644);
    EXPECT("RENAME_NOREPLACE onto a name", SYS(SYS_renameat2, AT_FDCWD, "x_a", AT_FDCWD, "x_b", RENAME_NOREPLACE), -EEXIST);
    EXPECT("RENAME_NOREPLACE onto a free name", SYS(SYS_renameat2, AT_FDCWD, "x_a", AT_FDCWD, "x_c", RENAME_NOREPLACE), 0);
    EXPECT("moved", rv(access("x_c", F_OK)), 0);
    EXPECT("NOREPLACE|EXCHANGE", SYS(SYS_renameat2, AT_FDCWD, "x_c", AT_FDCWD, "x_b", RENAME_NOREPLACE | RENAME_EXCHANGE), -EINVAL);
    EXPECT("unknown rename flag", SYS(SYS_renameat2, AT_FDCWD, "x_c", AT_FDCWD, "x_b", 0x80), -EINVAL);
    unlink("x_b"); unlink("x_c");
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : "/tmp";
    char dir[256];
    snprintf(dir, sizeof dir, "%s/file_attrs.%d", base, (int)getpid());
    if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
        dprintf(2, "file_attrs: cannot work in %s: errno %d\n", dir, errno);
        return 1;
    }

    /* A file on another file system, for EXDEV: the test image's /ro, or the host's /etc. */
    const char *other = access("/ro/hello.txt", F_OK) == 0 ? "/ro/hello.txt" : access("/etc/passwd", F_OK) == 0 ? "/etc/passwd" : NULL;
    umask_rules();
    access_rules();
    chmod_rules();
    chown_rules();
    time_rules();
    sync_rules();
    truncate_rules();
    statfs_rules();
    link_rules(other);
    mknod_rules();
    rename_rules();
    chdir("/");
    EXPECT("everything removed", rv(rmdir(dir)), 0);
    printf("file_attrs: %d wrong\n", wrong);
    return wrong != 0;
}
