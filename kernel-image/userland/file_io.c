/* Positioned and vector I/O as Linux gives them: pread64/pwrite64 (the offset stays; pwrite with
   O_APPEND appends, Linux's documented behaviour), readv/writev, preadv/pwritev, sendfile (file
   to a file or a pipe; with an offset pointer the input's offset stays and the pointer moves,
   without one the input's offset moves), O_APPEND (every write at the end, also after lseek
   and when set by F_SETFL), F_GETFL/F_SETFL (O_NONBLOCK on a pipe, the access mode kept), and
   Linux's errno for bad descriptors, pointers, offsets and kinds of file. Runs in argv[1]
   (default /tmp) and prints "file_io: N wrong"; the same answers on Linux (musl-gcc -static). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "file_io: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)
#define EXPECT_BYTES(what, got, want, n) do { if (memcmp((got), (want), (n)) != 0) { wrong++; \
    dprintf(2, "file_io: %s: got \"%.*s\", want \"%.*s\"\n", what, (int)(n), (const char *)(got), (int)(n), (const char *)(want)); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
#define SYS(...) rv(syscall(__VA_ARGS__))
#define BAD_POINTER ((void *)16)

static long offset_of(int fd) { return lseek(fd, 0, SEEK_CUR); }

static void positioned(void)
{
    int fd = open("p_file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    EXPECT("write", rv(write(fd, "0123456789", 10)), 10);
    char buf[32] = { 0 };
    EXPECT("pread", rv(pread(fd, buf, 4, 3)), 4);
    EXPECT_BYTES("pread bytes", buf, "3456", 4);
    EXPECT("pread leaves the offset", offset_of(fd), 10);
    EXPECT("pread at the end", rv(pread(fd, buf, 4, 10)), 0);
    EXPECT("pread past the end", rv(pread(fd, buf, 4, 1000)), 0);
    EXPECT("pread short at the end", rv(pread(fd, buf, 8, 6)), 4);
    EXPECT("pread negative offset", rv(pread(fd, buf, 4, -1)), -EINVAL);
    EXPECT("pread bad buffer", rv(pread(fd, BAD_POINTER, 4, 0)), -EFAULT);
    EXPECT("pread bad fd", rv(pread(999, buf, 4, 0)), -EBADF);
    EXPECT("pwrite", rv(pwrite(fd, "ab", 2, 1)), 2);
    EXPECT("pwrite leaves the offset", offset_of(fd), 10);
    EXPECT("pwrite past the end", rv(pwrite(fd, "Z", 1, 15)), 1);
    EXPECT("the file grew", lseek(fd, 0, SEEK_END), 16);
    memset(buf, 'x', sizeof buf);
    EXPECT("read all", rv(pread(fd, buf, 32, 0)), 16);
    EXPECT_BYTES("contents", buf, "0ab3456789\0\0\0\0\0Z", 16);
    EXPECT("pwrite negative offset", rv(pwrite(fd, "a", 1, -5)), -EINVAL);
    EXPECT("pwrite bad buffer", rv(pwrite(fd, BAD_POINTER, 4, 0)), -EFAULT);
    int ro = open("p_file", O_RDONLY);
    EXPECT("pwrite on a read-only descriptor", rv(pwrite(ro, "a", 1, 0)), -EBADF);
    close(ro);
    int wo = open("p_file", O_WRONLY);
    EXPECT("pread on a write-only descriptor", rv(pread(wo, buf, 1, 0)), -EBADF);
    close(wo);
    int p[2];
    pipe(p);
    EXPECT("pwrite on a pipe", rv(pwrite(p[1], "a", 1, 0)), -ESPIPE);
    EXPECT("pread on a pipe", rv(pread(p[0], buf, 1, 0)), -ESPIPE);
    close(p[0]); close(p[1]);
    int d = open(".", O_RDONLY | O_DIRECTORY);
    EXPECT("pread on a directory", rv(pread(d, buf, 1, 0)), -EISDIR);
    close(d);
    /* O_APPEND: writes go to the end whatever the offset; pwrite too (Linux). */
    int ap = open("p_file", O_WRONLY | O_APPEND);
    lseek(ap, 0, SEEK_SET);
    EXPECT("append write", rv(write(ap, "AB", 2)), 2);
    EXPECT("the offset is the end", offset_of(ap), 18);
    EXPECT("pwrite with O_APPEND", rv(pwrite(ap, "C", 1, 0)), 1);
    EXPECT("pwrite appended", lseek(fd, 0, SEEK_END), 19);
    EXPECT("pread the tail", rv(pread(fd, buf, 3, 16)), 3);
    EXPECT_BYTES("appended bytes", buf, "ABC", 3);
    close(ap);
    /* F_SETFL O_APPEND on a plain descriptor. */
    EXPECT("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR);
    EXPECT("F_SETFL O_APPEND", rv(fcntl(fd, F_SETFL, O_APPEND | O_RDONLY)), 0);
    EXPECT("F_GETFL keeps the access mode", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    EXPECT("write after F_SETFL", rv(write(fd, "D", 1)), 1);
    EXPECT("went to the end", lseek(fd, 0, SEEK_END), 20);
    EXPECT("F_SETFL off", rv(fcntl(fd, F_SETFL, 0)), 0);
    lseek(fd, 0, SEEK_SET);
    write(fd, "E", 1);
    EXPECT("writes at the offset again", offset_of(fd), 1);
    EXPECT("size unchanged", lseek(fd, 0, SEEK_END), 20);
    close(fd);
    unlink("p_file");
}

static void vectors(void)
{
    int fd = open("v_file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    struct iovec w[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
    EXPECT("writev", rv(writev(fd, w, 3)), 8);
    char a[2], b[4], c[8];
    struct iovec r[3] = { { a, 2 }, { b, 4 }, { c, 8 } };
    lseek(fd, 0, SEEK_SET);
    EXPECT("readv", rv(readv(fd, r, 3)), 8);
    EXPECT_BYTES("readv first", a, "ab", 2);
    EXPECT_BYTES("readv second", b, "cdef", 4);
    EXPECT_BYTES("readv third", c, "gh", 2);
    EXPECT("readv at the end", rv(readv(fd, r, 3)), 0);
    EXPECT("writev zero vectors", rv(writev(fd, w, 0)), 0);
    EXPECT("writev 1025 vectors", rv(writev(fd, w, 1025)), -EINVAL);
    EXPECT("writev -1 vectors", rv(writev(fd, w, -1)), -EINVAL);
    EXPECT("writev bad array", rv(writev(fd, BAD_POINTER, 1)), -EFAULT);
    struct iovec neg = { "x", (size_t)-1 };
    EXPECT("writev negative length", rv(writev(fd, &neg, 1)), -EINVAL);
    EXPECT("readv bad fd", rv(readv(999, r, 1)), -EBADF);
    /* preadv/pwritev: at an offset, the descriptor's offset untouched. */
    struct iovec pw[2] = { { "XY", 2 }, { "Z", 1 } };
    EXPECT("pwritev", rv(pwritev(fd, pw, 2, 1)), 3);
    EXPECT("pwritev leaves the offset", offset_of(fd), 8);
    memset(a, 0, 2); memset(b, 0, 4);
    struct iovec pr[2] = { { a, 2 }, { b, 4 } };
    EXPECT("preadv", rv(preadv(fd, pr, 2, 0)), 6);
    EXPECT_BYTES("preadv first", a, "aX", 2);
    EXPECT_BYTES("preadv second", b, "YZef", 4);
    EXPECT("preadv leaves the offset", offset_of(fd), 8);
    EXPECT("preadv past the end", rv(preadv(fd, pr, 2, 100)), 0);
    EXPECT("preadv negative offset", SYS(SYS_preadv, fd, pr, 2, -1L, 0), -EINVAL);
    EXPECT("pwritev negative offset", SYS(SYS_pwritev, fd, pw, 2, -2L, 0), -EINVAL);
    EXPECT("preadv bad array", SYS(SYS_preadv, fd, BAD_POINTER, 1, 0L, 0), -EFAULT);
    int p[2];
    pipe(p);
    EXPECT("preadv on a pipe", SYS(SYS_preadv, p[0], pr, 2, 0L, 0), -ESPIPE);
    EXPECT("pwritev on a pipe", SYS(SYS_pwritev, p[1], pw, 2, 0L, 0), -ESPIPE);
    close(p[0]); close(p[1]);
    close(fd);
    unlink("v_file");
}

static void send_file(void)
{
    int in = open("s_in", O_CREAT | O_RDWR | O_TRUNC, 0644);
    static char data[20000];
    for (int i = 0; i < (int)sizeof data; i++) data[i] = (char)('a' + i % 23);
    write(in, data, sizeof data);
    int out = open("s_out", O_CREAT | O_RDWR | O_TRUNC, 0644);
    /* With an offset pointer: the input's own offset stays. */
    lseek(in, 5, SEEK_SET);
    off_t off = 100;
    EXPECT("sendfile with an offset", rv(sendfile(out, in, &off, 10000)), 10000);
    EXPECT("the offset moved", off, 10100);
    EXPECT("the input's offset stayed", offset_of(in), 5);
    EXPECT("the output's offset moved", offset_of(out), 10000);
    static char back[20000];
    EXPECT("read the copy", rv(pread(out, back, 10000, 0)), 10000);
    EXPECT("copied bytes", memcmp(back, data + 100, 10000), 0);
    /* Without one: from the input's offset, which moves; short at the end. */
    EXPECT("sendfile to the end", rv(sendfile(out, in, NULL, 1 << 20)), (long)sizeof data - 5);
    EXPECT("the input is at its end", offset_of(in), (long)sizeof data);
    EXPECT("sendfile at the end", rv(sendfile(out, in, NULL, 10)), 0);
    off = sizeof data + 10;
    EXPECT("sendfile past the end", rv(sendfile(out, in, &off, 10)), 0);
    EXPECT("sendfile of 0 bytes", rv(sendfile(out, in, NULL, 0)), 0);
    /* Into a pipe. */
    int p[2];
    pipe(p);
    off = 0;
    EXPECT("sendfile into a pipe", rv(sendfile(p[1], in, &off, 7)), 7);
    char seven[7];
    EXPECT("read the pipe", rv(read(p[0], seven, 7)), 7);
    EXPECT_BYTES("the pipe's bytes", seven, data, 7);
    EXPECT("sendfile from a pipe", rv(sendfile(out, p[0], NULL, 1)), -EINVAL);
    close(p[0]); close(p[1]);
    off = -1;
    EXPECT("negative offset", rv(sendfile(out, in, &off, 1)), -EINVAL);
    EXPECT("bad offset pointer", SYS(SYS_sendfile, out, in, BAD_POINTER, 1), -EFAULT);
    EXPECT("bad input", rv(sendfile(out, 999, NULL, 1)), -EBADF);
    EXPECT("bad output", rv(sendfile(999, in, NULL, 1)), -EBADF);
    int wo = open("s_in", O_WRONLY);
    EXPECT("input not readable", rv(sendfile(out, wo, NULL, 1)), -EBADF);
    close(wo);
    int ro = open("s_out", O_RDONLY);
    off = 0;
    EXPECT("output not writable", rv(sendfile(ro, in, &off, 1)), -EBADF);
    close(ro);
    int ap = open("s_out", O_WRONLY | O_APPEND);
    off = 0;
    EXPECT("output with O_APPEND", rv(sendfile(ap, in, &off, 1)), -EINVAL);
    close(ap);
    close(in); close(out);
    unlink("s_in"); unlink("s_out");
}

static void nonblocking_pipe(void)
{
    int p[2];
    pipe(p);
    EXPECT("pipe F_GETFL", fcntl(p[0], F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
    EXPECT("F_SETFL O_NONBLOCK", rv(fcntl(p[0], F_SETFL, O_NONBLOCK)), 0);
    char c;
    EXPECT("read an empty non-blocking pipe", rv(read(p[0], &c, 1)), -EAGAIN);
    EXPECT("F_GETFL O_NONBLOCK", fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    int dup = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
    EXPECT("F_DUPFD_CLOEXEC at or above 10", dup >= 10, 1);
    EXPECT("F_GETFD", fcntl(dup, F_GETFD), FD_CLOEXEC);
    EXPECT("the flag is the description's", fcntl(dup, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    EXPECT("F_SETFD", rv(fcntl(dup, F_SETFD, 0)), 0);
    EXPECT("F_GETFD cleared", fcntl(dup, F_GETFD), 0);
    EXPECT("unknown command", rv(fcntl(dup, 9999)), -EINVAL);
    close(dup); close(p[0]); close(p[1]);
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : "/tmp";
    char dir[256];
    snprintf(dir, sizeof dir, "%s/file_io.%d", base, (int)getpid());
    if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
        dprintf(2, "file_io: cannot work in %s: errno %d\n", dir, errno);
        return 1;
    }

    positioned();
    vectors();
    send_file();
    nonblocking_pipe();
    chdir("/");
    EXPECT("everything removed", rv(rmdir(dir)), 0);
    printf("file_io: %d wrong\n", wrong);
    return wrong != 0;
}
