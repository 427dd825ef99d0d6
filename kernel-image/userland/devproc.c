/* /dev and /proc as Linux shows them, readlink/readlinkat, and mount/umount2: the memory
   devices (null, zero, full → ENOSPC, urandom that differs between reads) with their device
   numbers; /proc/self/stat and status fields against getpid/getppid; /proc/self/exe,
   cwd, cmdline; /proc/self/fd after opening a file, a device and a pipe; a child seen as a
   zombie and gone after wait; meminfo, uptime, loadavg, stat, version, mounts; readlink's
   errors (EINVAL for a size <= 0 or a non-link, no NUL, cut to the buffer); mount and umount2
   of proc and tmpfs with their errors (ENODEV, ENOENT, ENOTDIR, EINVAL, EBUSY). Run on Linux
   too, as root (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "devproc: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)
#define CHECK(what, cond) do { if (!(cond)) { wrong++; dprintf(2, "devproc: %s: false\n", what); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
static void *const bad = (void *)0x10;

/* The whole of a (small) file, NUL-terminated; its length or -errno. */
static long slurp(const char *path, char *buf, long size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -errno;
    long total = 0, n;
    /* Small reads on purpose: a /proc file read in pieces must still be one file. */
    while (total < size - 1 && (n = read(fd, buf + total, total == 0 ? 7 : size - 1 - total)) > 0) total += n;
    close(fd);
    buf[total] = 0;
    return total;
}

static void devices(void)
{
    static const struct { const char *path; unsigned major, minor; } nodes[] = {
        { "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
        { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
    };
    for (unsigned i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        struct stat st;
        EXPECT(nodes[i].path, rv(stat(nodes[i].path, &st)), 0);
        CHECK("device node is a character device", S_ISCHR(st.st_mode));
        EXPECT("device major", major(st.st_rdev), nodes[i].major);
        EXPECT("device minor", minor(st.st_rdev), nodes[i].minor);
    }

    char buf[64];
    int null = open("/dev/null", O_RDWR);
    CHECK("open /dev/null", null >= 0);
    EXPECT("read /dev/null", rv(read(null, buf, sizeof buf)), 0);
    EXPECT("write /dev/null", rv(write(null, "hello", 5)), 5);
    EXPECT("lseek /dev/null", rv(lseek(null, 100, SEEK_SET)), 0);
    struct stat st;
    EXPECT("fstat /dev/null", rv(fstat(null, &st)), 0);
    CHECK("fstat /dev/null: character device", S_ISCHR(st.st_mode));
    EXPECT("fstat /dev/null rdev", st.st_rdev, makedev(1, 3));
    EXPECT("F_GETFL /dev/null", rv(fcntl(null, F_GETFL)) & O_ACCMODE, O_RDWR);
    close(null);
    int ro = open("/dev/null", O_RDONLY);
    EXPECT("write on a read-only /dev/null", rv(write(ro, "x", 1)), -EBADF);
    close(ro);

    int zero = open("/dev/zero", O_RDWR);
    memset(buf, 0x55, sizeof buf);
    EXPECT("read /dev/zero", rv(read(zero, buf, sizeof buf)), sizeof buf);
    int nonzero = 0;
    for (unsigned i = 0; i < sizeof buf; i++) nonzero += buf[i] != 0;
    EXPECT("/dev/zero bytes that are not zero", nonzero, 0);
    EXPECT("write /dev/zero", rv(write(zero, buf, 10)), 10);
    EXPECT("read /dev/zero into a bad buffer", rv(read(zero, bad, 8)), -EFAULT);
    close(zero);

    int full = open("/dev/full", O_RDWR);
    EXPECT("write /dev/full", rv(write(full, "x", 1)), -ENOSPC);
    EXPECT("read /dev/full", rv(read(full, buf, 8)), 8);
    close(full);

    /* Positioned I/O and sendfile into the memory devices (stress-ng's full and sendfile
       stressors): Linux opens character devices with FMODE_PREAD/PWRITE and ignores the
       position; null and zero take spliced bytes (splice_write_null), full has no
       splice_write (EINVAL). */
    {
        static const char *const devices[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/urandom" };
        static const long preads[] = { 0, 16, 16, 16 }, pwrites[] = { 16, 16, -ENOSPC, 16 };
        static const long sends[] = { 5, 5, -EINVAL, 5 };
        char what[80], source[] = "/tmp/devproc-sendfile";
        int in = open(source, O_RDWR | O_CREAT | O_TRUNC, 0600);
        EXPECT("write the sendfile source", rv(write(in, "hello", 5)), 5);
        for (int i = 0; i < 4; i++) {
            int fd = open(devices[i], O_RDWR);
            memset(buf, 0x55, 16);
            snprintf(what, sizeof what, "pread %s at 2^62", devices[i]);
            EXPECT(what, rv(pread(fd, buf, 16, 1L << 62)), preads[i]);
            snprintf(what, sizeof what, "pwrite %s at 12345", devices[i]);
            EXPECT(what, rv(pwrite(fd, buf, 16, 12345)), pwrites[i]);
            snprintf(what, sizeof what, "pread %s at -1", devices[i]);
            EXPECT(what, rv(pread(fd, buf, 16, -1)), -EINVAL);
            off_t offset = 0;
            snprintf(what, sizeof what, "sendfile to %s", devices[i]);
            EXPECT(what, rv(sendfile(fd, in, &offset, 5)), sends[i]);
            close(fd);
        }

        memset(buf, 0x55, 16);
        int zero2 = open("/dev/zero", O_RDONLY);
        EXPECT("pread /dev/zero gives zeros", rv(pread(zero2, buf, 16, 4096)) == 16 && buf[0] == 0 && buf[15] == 0, 1);
        close(zero2);
        close(in);
        unlink(source);
    }

    char a[16], b[16];
    int urandom = open("/dev/urandom", O_RDONLY);
    EXPECT("read /dev/urandom", rv(read(urandom, a, sizeof a)), sizeof a);
    EXPECT("read /dev/urandom again", rv(read(urandom, b, sizeof b)), sizeof b);
    CHECK("two reads of /dev/urandom differ", memcmp(a, b, sizeof a) != 0);
    close(urandom);
    int random = open("/dev/random", O_RDONLY | O_NONBLOCK);
    EXPECT("read /dev/random", rv(read(random, a, sizeof a)), sizeof a);
    close(random);

    char link[64];
    long n = rv(readlink("/dev/stdin", link, sizeof link));
    EXPECT("readlink /dev/stdin", n, 15);
    CHECK("/dev/stdin -> /proc/self/fd/0", n == 15 && memcmp(link, "/proc/self/fd/0", 15) == 0);
    n = rv(readlink("/dev/fd", link, sizeof link));
    CHECK("/dev/fd -> /proc/self/fd", n == 13 && memcmp(link, "/proc/self/fd", 13) == 0);
}

/* The fields of /proc/PID/stat after "(comm) ": fields[0] is the state (field 3). */
static int stat_fields(const char *path, char *comm, long *fields, int count)
{
    char buf[1024];
    if (slurp(path, buf, sizeof buf) <= 0) return -1;
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren) return -1;
    if (comm) { memcpy(comm, open_paren + 1, close_paren - open_paren - 1); comm[close_paren - open_paren - 1] = 0; }
    fields[0] = close_paren[2];
    char *p = close_paren + 3;
    int got = 1;
    while (got < count && *p) {
        fields[got++] = strtol(p, &p, 10);
        while (*p == ' ') p++;
    }
    return got;
}

static long status_value(const char *text, const char *key)
{
    const char *at = strstr(text, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static void self(int argc, char **argv)
{
    char comm[64];
    long fields[52];
    EXPECT("/proc/self/stat field count", stat_fields("/proc/self/stat", comm, fields, 50), 50);
    EXPECT("/proc/self/stat state", fields[0], 'R');
    EXPECT("/proc/self/stat ppid", fields[1], getppid());
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    CHECK("/proc/self/stat comm is the program's name", strncmp(comm, base, 15) == 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", getpid());
    char buf[4096];
    EXPECT("/proc/PID/stat", slurp(path, buf, sizeof buf) > 0, 1);
    EXPECT("/proc/PID/stat pid", strtol(buf, NULL, 10), getpid());
    CHECK("/proc/self/stat vsize is not 0", fields[20] > 0);
    CHECK("/proc/self/stat rss", fields[21] >= 0); /* Linux counts lazily: 0 is possible */

    CHECK("/proc/self/status", slurp("/proc/self/status", buf, sizeof buf) > 0);
    EXPECT("status Pid", status_value(buf, "\nPid:\t"), getpid());
    EXPECT("status PPid", status_value(buf, "\nPPid:\t"), getppid());
    EXPECT("status Tgid", status_value(buf, "\nTgid:\t"), getpid());
    CHECK("status Name", strncmp(buf, "Name:\t", 6) == 0);
    CHECK("status State R", strstr(buf, "\nState:\tR (running)\n") != NULL);
    CHECK("status VmRSS", strstr(buf, "\nVmRSS:\t") != NULL && strstr(buf, " kB\n") != NULL);
    CHECK("status Uid", strstr(buf, "\nUid:\t0\t0\t0\t0\n") != NULL);

    long length = slurp("/proc/self/cmdline", buf, sizeof buf);
    long want = 0;
    for (int i = 0; i < argc; i++) want += strlen(argv[i]) + 1;
    EXPECT("/proc/self/cmdline length", length, want);
    CHECK("/proc/self/cmdline is argv", strcmp(buf, argv[0]) == 0);
    length = slurp("/proc/self/comm", buf, sizeof buf);
    CHECK("/proc/self/comm", length > 1 && buf[length - 1] == '\n' && strncmp(buf, comm, length - 1) == 0);

    /* exe: the program itself (same inode), no NUL added, cut to the buffer. */
    char exe[4096];
    memset(exe, 'X', sizeof exe);
    long n = rv(readlink("/proc/self/exe", exe, sizeof exe - 1));
    CHECK("readlink /proc/self/exe", n > 1 && exe[0] == '/');
    EXPECT("readlink adds no NUL", n > 0 ? exe[n] : 0, 'X');
    if (n > 0) {
        exe[n] = 0;
        struct stat a, b;
        EXPECT("stat the exe link's target", rv(stat(exe, &a)), 0);
        EXPECT("stat /proc/self/exe", rv(stat("/proc/self/exe", &b)), 0);
        EXPECT("/proc/self/exe is the program (inode)", a.st_ino, b.st_ino);
        struct stat l;
        EXPECT("lstat /proc/self/exe", rv(lstat("/proc/self/exe", &l)), 0);
        CHECK("lstat /proc/self/exe: a link", S_ISLNK(l.st_mode));
        char small[4];
        EXPECT("readlink into 3 bytes", rv(readlink("/proc/self/exe", small, 3)), 3);
        CHECK("readlink cut", memcmp(small, exe, 3) == 0);
    }

    char cwd[256], link[256];
    EXPECT("chdir /tmp", rv(chdir("/tmp")), 0);
    CHECK("getcwd", getcwd(cwd, sizeof cwd) != NULL);
    n = rv(readlink("/proc/self/cwd", link, sizeof link));
    EXPECT("readlink /proc/self/cwd", n, strlen(cwd));
    CHECK("/proc/self/cwd is getcwd", n > 0 && memcmp(link, cwd, n) == 0);
    chdir("/");

    /* self: the caller's pid as text. */
    n = rv(readlink("/proc/self", link, sizeof link));
    link[n > 0 ? n : 0] = 0;
    EXPECT("/proc/self -> pid", strtol(link, NULL, 10), getpid());
}

static int lists(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)) != NULL) found += strcmp(e->d_name, name) == 0;
    closedir(d);
    return found;
}

static void descriptors(void)
{
    int file = open("/tmp/devproc_file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDONLY);
    int p[2];
    EXPECT("pipe", rv(pipe(p)), 0);
    char path[64], link[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", file);
    long n = rv(readlink(path, link, sizeof link));
    CHECK("fd link of a file", n == 17 && memcmp(link, "/tmp/devproc_file", 17) == 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", null);
    n = rv(readlink(path, link, sizeof link));
    CHECK("fd link of /dev/null", n == 9 && memcmp(link, "/dev/null", 9) == 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    n = rv(readlink(path, link, sizeof link));
    char other[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    long m = rv(readlink(path, other, sizeof other));
    CHECK("fd link of a pipe", n > 7 && memcmp(link, "pipe:[", 6) == 0 && link[n - 1] == ']');
    CHECK("both ends name one pipe", n == m && memcmp(link, other, n) == 0);
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/fd/%d", null);
    EXPECT("lstat fd link of a read-only descriptor", rv(lstat(path, &st)), 0);
    EXPECT("its mode", st.st_mode & 07777, 0500);
    snprintf(path, sizeof path, "/proc/self/fd/%d", file);
    lstat(path, &st);
    EXPECT("mode of a read-write descriptor's link", st.st_mode & 07777, 0700);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    lstat(path, &st);
    EXPECT("mode of a write-only descriptor's link", st.st_mode & 07777, 0300);
    CHECK("an fd link is a link", S_ISLNK(st.st_mode));
    /* At 100, so the directory the listing opens never takes the number. */
    EXPECT("dup2 to 100", rv(dup2(file, 100)), 100);
    EXPECT("/proc/self/fd lists 100", lists("/proc/self/fd", "100"), 1);
    EXPECT("/proc/self/fd lists 0", lists("/proc/self/fd", "0"), 1);
    close(100);
    close(file);
    EXPECT("/proc/self/fd no longer lists 100", lists("/proc/self/fd", "100"), 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", 100);
    EXPECT("readlink of a closed descriptor's link", rv(readlink(path, link, sizeof link)), -ENOENT);
    close(null); close(p[0]); close(p[1]);
    unlink("/tmp/devproc_file");

    char name[16];
    snprintf(name, sizeof name, "%d", getpid());
    EXPECT("/proc lists our pid", lists("/proc", name), 1);
    EXPECT("/proc lists self", lists("/proc", "self"), 1);
    EXPECT("/dev lists null", lists("/dev", "null"), 1);
}

/* The readlink system call itself (musl's readlink turns a size of 0 into 1): x86-64's
   readlink, or readlinkat from the working directory on arm64, which has only that. */
static long raw_readlink(const char *path, char *buffer, long size)
{
#ifdef SYS_readlink
    return syscall(SYS_readlink, path, buffer, size);
#else
    return syscall(SYS_readlinkat, AT_FDCWD, path, buffer, size);
#endif
}

static void readlink_errors(void)
{
    char buf[64];
    /* musl's readlink turns a size of 0 into 1: the system call itself here. */
    EXPECT("readlink size 0", rv(raw_readlink("/proc/self/exe", buf, 0L)), -EINVAL);
    EXPECT("readlink size -1", rv(raw_readlink("/proc/self/exe", buf, -1L)), -EINVAL);
    EXPECT("readlink size 0 on a bad path", rv(raw_readlink(bad, buf, 0L)), -EINVAL);
    EXPECT("readlink of a regular file", rv(readlink("/proc/self/stat", buf, sizeof buf)), -EINVAL);
    EXPECT("readlink of a directory", rv(readlink("/tmp", buf, sizeof buf)), -EINVAL);
    EXPECT("readlink of nothing", rv(readlink("/tmp/devproc_none", buf, sizeof buf)), -ENOENT);
    EXPECT("readlink of a bad path", rv(raw_readlink(bad, buf, 64L)), -EFAULT);
    EXPECT("readlink into a bad buffer", rv(raw_readlink("/proc/self/exe", bad, 64L)), -EFAULT);
    EXPECT("readlink of an empty path", rv(readlink("", buf, sizeof buf)), -ENOENT);
    int dir = open("/proc/self", O_RDONLY | O_DIRECTORY);
    char a[256], b[256];
    long n = rv(readlinkat(dir, "exe", a, sizeof a));
    long m = rv(readlink("/proc/self/exe", b, sizeof b));
    CHECK("readlinkat(dirfd, exe) is readlink(/proc/self/exe)", n > 0 && n == m && memcmp(a, b, n) == 0);
    EXPECT("readlinkat AT_FDCWD", rv(readlinkat(AT_FDCWD, "/proc/self/exe", a, sizeof a)), m);
    close(dir);
    EXPECT("readlinkat bad dirfd", rv(readlinkat(999, "exe", a, sizeof a)), -EBADF);
    int file = open("/proc/self/stat", O_RDONLY);
    EXPECT("readlinkat file dirfd", rv(readlinkat(file, "exe", a, sizeof a)), -ENOTDIR);
    EXPECT("readlinkat size 0", rv(syscall(SYS_readlinkat, (long)file, "exe", a, 0L)), -EINVAL);
    close(file);
}

/* A child is listed while it runs, then as a zombie, and not at all once waited for. */
static void child_lifetime(void)
{
    int go[2];
    pipe(go);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        read(go[0], &c, 1);
        _exit(7);
    }
    close(go[0]);
    char path[64], comm[64];
    long fields[8];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    EXPECT("child stat", stat_fields(path, comm, fields, 4), 4);
    EXPECT("child ppid", fields[1], getpid());
    CHECK("child sleeps", fields[0] == 'S' || fields[0] == 'R');
    char buf[256];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    CHECK("child cmdline", slurp(path, buf, sizeof buf) > 0);
    close(go[1]);
    int state = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    for (int i = 0; i < 2000 && state != 'Z'; i++) {
        if (stat_fields(path, NULL, fields, 1) == 1) state = (int)fields[0];
        struct timespec t = { 0, 1000000 };
        nanosleep(&t, NULL);
    }
    EXPECT("ended child is a zombie", state, 'Z');
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    EXPECT("zombie cmdline is empty", slurp(path, buf, sizeof buf), 0);
    int status;
    EXPECT("waitpid", waitpid(pid, &status, 0), pid);
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    EXPECT("reaped child's stat", slurp(path, buf, sizeof buf), -ENOENT);
    snprintf(path, sizeof path, "/proc/%d", pid);
    struct stat st;
    EXPECT("reaped child's directory", rv(stat(path, &st)), -ENOENT);
}

/* Processes that come and go while /proc is read over and over, as ps and top do: every file
   of every listed pid, which may end at any moment (ENOENT or an empty read, never worse). */
static void churn(void)
{
    pid_t spawner = fork();
    if (spawner == 0) {
        for (int i = 0; i < 150; i++) {
            pid_t child = fork();
            if (child == 0) _exit(0);
            if (child > 0 && i % 3 == 0) waitpid(child, NULL, 0);   /* the rest linger as zombies a while */
            if (i % 10 == 0) while (waitpid(-1, NULL, WNOHANG) > 0) {}
        }
        while (waitpid(-1, NULL, 0) > 0) {}
        _exit(0);
    }
    static const char *const files[] = { "stat", "status", "cmdline", "maps", "environ", "comm" };
    long reads = 0, rounds = 0;
    int status = -1;
    do {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
            char path[300], buf[4096];
            for (unsigned f = 0; f < sizeof files / sizeof files[0]; f++) {
                snprintf(path, sizeof path, "/proc/%s/%s", e->d_name, files[f]);
                long n = slurp(path, buf, sizeof buf);
                if (n >= 0) reads++;
                else if (n != -ENOENT && n != -ESRCH && n != -EACCES) EXPECT("reading a churning /proc file", n, 0);
            }
            snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
            long n = rv(readlink(path, buf, sizeof buf));
            if (n < 0 && n != -ENOENT && n != -EACCES) EXPECT("readlink of a churning exe", n, 0);
            snprintf(path, sizeof path, "/proc/%s/fd", e->d_name);
            DIR *fds = opendir(path);
            if (fds) { while (readdir(fds)) {} closedir(fds); }
        }
        if (d) closedir(d);
        rounds++;
    } while (waitpid(spawner, &status, WNOHANG) == 0 && rounds < 100000);
    if (rounds >= 100000) waitpid(spawner, &status, 0);
    EXPECT("the spawner ended well", status, 0);
    CHECK("/proc files were read while processes came and went", reads > 0);
}


/* Opening /proc/self/fd/N or /dev/fd/N of a pipe end opens the pipe itself (bash's process
   substitution, `cat /dev/stdin` with a pipe for input): either end, in the mode asked for. */
static void pipe_link_rules(void)
{
    int p[2];
    CHECK("pipe", pipe(p) == 0);
    char path[64], got[8] = { 0 };
    CHECK("write into the pipe", write(p[1], "ab", 2) == 2);
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    int reader = open(path, O_RDONLY);
    EXPECT("open /dev/fd/N of a read end (errno if < 0)", reader < 0 ? -errno : 0, 0);
    EXPECT("read through it", reader >= 0 ? read(reader, got, 1) : -1, 1);
    EXPECT("the pipe's first byte", got[0], 'a');
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    int writer = open(path, O_WRONLY); /* the read end's link, opened for writing */
    EXPECT("open /proc/self/fd/N of a read end for writing (errno if < 0)", writer < 0 ? -errno : 0, 0);
    EXPECT("write through it", writer >= 0 ? write(writer, "c", 1) : -1, 1);
    EXPECT("read the rest from the original end", read(p[0], got, 2), 2);
    EXPECT("the rest", memcmp(got, "bc", 2), 0);
    struct stat st;
    EXPECT("stat /dev/fd/N of a pipe (diff <(...) does)", rv(stat(path, &st)), 0);
    EXPECT("it is a FIFO", S_ISFIFO(st.st_mode), 1);
    close(p[1]);
    if (writer >= 0) close(writer);
    EXPECT("end of file once every writer is gone", reader >= 0 ? read(reader, got, 1) : -1, 0);
    if (reader >= 0) close(reader);
    close(p[0]);
    EXPECT("open /dev/fd/N of a closed descriptor", rv(open(path, O_RDONLY)), -ENOENT);
}

/* /proc/self/mountinfo (GNU df and findmnt read it): "ID PARENT MAJOR:MINOR ROOT TARGET
   OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS"; /proc's line carries /proc's st_dev and
   the root mount's ID as its parent. */
static void mountinfo_rules(void)
{
    static char info[16384];
    CHECK("/proc/self/mountinfo", slurp("/proc/self/mountinfo", info, sizeof info) > 0);
    struct stat proc;
    CHECK("stat /proc", stat("/proc", &proc) == 0);
    int root_id = -1, proc_parent = -2, proc_lines = 0;
    for (char *line = info, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        int id, parent;
        unsigned major_number, minor_number;
        char root[256], target[256], type[64];
        if (sscanf(line, "%d %d %u:%u %255s %255s", &id, &parent, &major_number, &minor_number, root, target) != 6) {
            wrong++;
            dprintf(2, "devproc: mountinfo line \"%s\": not ID PARENT MAJOR:MINOR ROOT TARGET\n", line);
            continue;
        }
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(dash, " - %63s", type) != 1) {
            wrong++;
            dprintf(2, "devproc: mountinfo line \"%s\": no \" - TYPE\"\n", line);
            continue;
        }
        if (!strcmp(target, "/")) root_id = id;
        if (!strcmp(target, "/proc") && !strcmp(type, "proc")) {
            proc_lines++;
            proc_parent = parent;
            EXPECT("mountinfo /proc's device", (long)makedev(major_number, minor_number), (long)proc.st_dev);
        }
    }
    EXPECT("mountinfo lines for proc at /proc", proc_lines, 1);
    EXPECT("mountinfo /proc's parent is the root mount", proc_parent, root_id);
}

static void system_files(void)
{
    char buf[8192];
    CHECK("/proc/meminfo", slurp("/proc/meminfo", buf, sizeof buf) > 0);
    long total = -1, free_kb = -1, available = -1;
    char *p = strstr(buf, "MemTotal:");
    if (p) sscanf(p, "MemTotal: %ld kB", &total);
    p = strstr(buf, "\nMemFree:");
    if (p) sscanf(p + 1, "MemFree: %ld kB", &free_kb);
    p = strstr(buf, "\nMemAvailable:");
    if (p) sscanf(p + 1, "MemAvailable: %ld kB", &available);
    CHECK("meminfo MemTotal", total > 0);
    CHECK("meminfo MemFree", free_kb > 0 && free_kb <= total);
    CHECK("meminfo MemAvailable", available > 0 && available <= total);
    CHECK("meminfo first line layout", strncmp(buf, "MemTotal:       ", 16) == 0 && buf[16] != ' ' - 1 && strstr(buf, " kB\nMemFree:") != NULL);
    CHECK("meminfo SwapTotal", strstr(buf, "\nSwapTotal:") != NULL);

    double up = -1, idle = -1;
    CHECK("/proc/uptime", slurp("/proc/uptime", buf, sizeof buf) > 0);
    EXPECT("uptime fields", sscanf(buf, "%lf %lf", &up, &idle), 2);
    CHECK("uptime > 0", up > 0);

    float l1, l5, l15;
    int running, all, last;
    CHECK("/proc/loadavg", slurp("/proc/loadavg", buf, sizeof buf) > 0);
    EXPECT("loadavg fields", sscanf(buf, "%f %f %f %d/%d %d", &l1, &l5, &l15, &running, &all, &last), 6);
    CHECK("loadavg running/total", running >= 1 && all >= running);

    CHECK("/proc/stat", slurp("/proc/stat", buf, sizeof buf) > 0);
    CHECK("stat cpu line", strncmp(buf, "cpu  ", 5) == 0);
    CHECK("stat btime", strstr(buf, "\nbtime ") != NULL);
    CHECK("stat processes", strstr(buf, "\nprocesses ") != NULL);

    CHECK("/proc/version", slurp("/proc/version", buf, sizeof buf) > 0 && strstr(buf, " version ") != NULL);
    CHECK("/proc/cpuinfo", slurp("/proc/cpuinfo", buf, sizeof buf) > 0 && strncmp(buf, "processor\t: 0\n", 14) == 0);
    CHECK("/proc/filesystems lists proc", slurp("/proc/filesystems", buf, sizeof buf) > 0 && strstr(buf, "nodev\tproc\n") != NULL);
    CHECK("/proc/filesystems lists tmpfs", strstr(buf, "nodev\ttmpfs\n") != NULL);
    CHECK("/proc/mounts", slurp("/proc/mounts", buf, sizeof buf) > 0);
    CHECK("/proc/mounts shows proc at /proc", strstr(buf, "proc /proc proc rw") != NULL);
    char mine[8192];
    slurp("/proc/self/mounts", mine, sizeof mine);
    CHECK("/proc/self/mounts is /proc/mounts", strcmp(buf, mine) == 0);
    mountinfo_rules();
    pipe_link_rules();

    int fd = open("/proc/meminfo", O_WRONLY);
    CHECK("open /proc/meminfo for writing (root)", fd >= 0);
    EXPECT("write /proc/meminfo", rv(write(fd, "x", 1)), -EIO);
    close(fd);
    EXPECT("mkdir in /proc", rv(mkdir("/proc/devproc", 0755)), -ENOENT);
}

static int mounted(const char *where)
{
    char buf[8192], pattern[128];
    slurp("/proc/mounts", buf, sizeof buf);
    snprintf(pattern, sizeof pattern, " %s ", where);
    return strstr(buf, pattern) != NULL;
}

static void mounts(void)
{
    const char *dir = "/tmp/devproc_mnt";
    mkdir(dir, 0755);
    EXPECT("mount proc", rv(mount("proc", dir, "proc", 0, NULL)), 0);
    struct stat st;
    EXPECT("stat the new proc's self", rv(lstat("/tmp/devproc_mnt/self", &st)), 0);
    CHECK("new proc mount is listed", mounted(dir));
    EXPECT("umount2 proc", rv(umount2(dir, 0)), 0);
    CHECK("unmounted proc is not listed", !mounted(dir));
    EXPECT("umount2 again", rv(umount2(dir, 0)), -EINVAL);
    EXPECT("umount2 of a plain directory", rv(umount2("/tmp", 0)), -EINVAL);
    EXPECT("umount2 of nothing", rv(umount2("/tmp/devproc_none", 0)), -ENOENT);
    EXPECT("umount2 bad flags", rv(umount2(dir, 0x100)), -EINVAL);
    EXPECT("umount2 MNT_EXPIRE|MNT_DETACH", rv(umount2("/proc", MNT_EXPIRE | MNT_DETACH)), -EINVAL);
    EXPECT("umount2 bad path", rv(syscall(SYS_umount2, bad, 0L)), -EFAULT);

    EXPECT("mount unknown type", rv(mount("x", dir, "devproc_nosuchfs", 0, NULL)), -ENODEV);
    EXPECT("mount without a type", rv(mount("x", dir, NULL, 0, NULL)), -EINVAL);
    EXPECT("mount on nothing", rv(mount("proc", "/tmp/devproc_none", "proc", 0, NULL)), -ENOENT);
    EXPECT("mount bad type pointer", rv(mount("proc", dir, bad, 0, NULL)), -EFAULT);
    EXPECT("mount bad target pointer", rv(mount("proc", bad, "proc", 0, NULL)), -EFAULT);
    int file = open("/tmp/devproc_plain", O_RDWR | O_CREAT, 0644);
    close(file);
    EXPECT("mount proc on a file", rv(mount("proc", "/tmp/devproc_plain", "proc", 0, NULL)), -ENOTDIR);
    unlink("/tmp/devproc_plain");
    EXPECT("mount tmpfs bad size", rv(mount("tmpfs", dir, "tmpfs", 0, "size=abc")), -EINVAL);
    EXPECT("mount tmpfs unknown option", rv(mount("tmpfs", dir, "tmpfs", 0, "devproc_bogus")), -EINVAL);
    EXPECT("remount of a plain directory", rv(mount(NULL, "/tmp", NULL, MS_REMOUNT, NULL)), -EINVAL);

    EXPECT("mount tmpfs size=1m", rv(mount("devproc_tmp", dir, "tmpfs", MS_NOSUID, "size=1m,mode=755")), 0);
    char buf[8192];
    slurp("/proc/mounts", buf, sizeof buf);
    CHECK("tmpfs line", strstr(buf, "devproc_tmp /tmp/devproc_mnt tmpfs rw,nosuid") != NULL);
    int fd = open("/tmp/devproc_mnt/f", O_RDWR | O_CREAT, 0644);
    EXPECT("write in the tmpfs", rv(write(fd, "data", 4)), 4);
    EXPECT("umount2 with a file open", rv(umount2(dir, 0)), -EBUSY);
    close(fd);
    EXPECT("remount", rv(mount(NULL, dir, NULL, MS_REMOUNT | MS_NOSUID, NULL)), 0);
    EXPECT("umount2 tmpfs", rv(umount2(dir, 0)), 0);
    EXPECT("the file went with the tmpfs", rv(stat("/tmp/devproc_mnt/f", &st)), -ENOENT);
    /* A tmpfs on a tmpfs's mount point stacks: it hides the one below until unmounted. */
    EXPECT("mount tmpfs (lower)", rv(mount("lower", dir, "tmpfs", 0, NULL)), 0);
    close(open("/tmp/devproc_mnt/lower_file", O_RDWR | O_CREAT, 0644));
    EXPECT("mount tmpfs on it (upper)", rv(mount("upper", dir, "tmpfs", 0, NULL)), 0);
    EXPECT("the lower file is hidden", rv(stat("/tmp/devproc_mnt/lower_file", &st)), -ENOENT);
    EXPECT("umount2 upper", rv(umount2(dir, 0)), 0);
    EXPECT("the lower file is back", rv(stat("/tmp/devproc_mnt/lower_file", &st)), 0);
    EXPECT("umount2 lower", rv(umount2(dir, 0)), 0);
    EXPECT("mount devtmpfs", rv(mount("devtmpfs", dir, "devtmpfs", 0, NULL)), 0);
    EXPECT("stat null in the new devtmpfs", rv(stat("/tmp/devproc_mnt/null", &st)), 0);
    EXPECT("its rdev", st.st_rdev, makedev(1, 3));
    EXPECT("umount2 devtmpfs", rv(umount2(dir, MNT_DETACH)), 0);
    rmdir(dir);

    /* proc mounted again where proc is (an init mounting the /proc the kernel mounted): a
       second line, and unmounting it leaves the first working. */
    slurp("/proc/mounts", buf, sizeof buf);
    int before = 0;
    for (char *at = buf; (at = strstr(at, " /proc proc ")) != NULL; at++) before++;
    EXPECT("mount proc on /proc again", rv(mount("proc", "/proc", "proc", 0, NULL)), 0);
    slurp("/proc/mounts", buf, sizeof buf);
    int after = 0;
    for (char *at = buf; (at = strstr(at, " /proc proc ")) != NULL; at++) after++;
    EXPECT("a second /proc line", after, before + 1);
    EXPECT("umount2 the second /proc", rv(umount2("/proc", 0)), 0);
    EXPECT("/proc/self still there", rv(lstat("/proc/self", &st)), 0);
    slurp("/proc/mounts", buf, sizeof buf);
    after = 0;
    for (char *at = buf; (at = strstr(at, " /proc proc ")) != NULL; at++) after++;
    EXPECT("back to the /proc lines before", after, before);
}

int main(int argc, char **argv)
{
    devices();
    self(argc, argv);
    descriptors();
    readlink_errors();
    child_lifetime();
    churn();
    system_files();
    mounts();
    printf("devproc: %d wrong\n", wrong);
    return wrong != 0;
}
