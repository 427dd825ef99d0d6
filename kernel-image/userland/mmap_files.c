/* mmap of files and shared memory (issue 11, item 3): MAP_PRIVATE and MAP_SHARED of a tmpfs
   file, across fork and between two processes that map it on their own, MAP_SHARED anonymous
   memory across fork, a mapping outliving close and unlink, SIGBUS past the end, mremap and
   madvise on file mappings, and the errno Linux gives hostile requests. Prints
   "mmap_files: 0 wrong" on a Linux host too. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define P 4096L

static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("%s: expected %ld, got %ld\n", what, expected, actual); wrong++; }
}

static long sys_mmap(void *address, long length, long prot, long flags, long fd, long offset)
{
    long r = syscall(SYS_mmap, address, length, prot, flags, fd, offset);
    return r == -1 ? -errno : r;
}

static long rv(long r) { return r < 0 ? -errno : r; }

/* The signal that ends a child which reads (or writes) the byte at p; 0 if it survives. */
static int touch_signal(volatile char *p, int write)
{
    pid_t pid = fork();
    if (pid == 0) { if (write) *p = 1; else (void)*p; _exit(0); }
    int status;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static int make_file(const char *path, char fill, long size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    char page[P];
    memset(page, fill, sizeof page);
    for (long done = 0; done < size; done += P) write(fd, page, size - done < P ? size - done : P);
    return fd;
}

/* lseek + read/write rather than pread/pwrite, which Aurora does not serve yet. */
static char byte_at(int fd, long offset)
{
    char c = 0;
    lseek(fd, offset, SEEK_SET);
    read(fd, &c, 1);
    return c;
}

static void put_byte(int fd, long offset, char c)
{
    lseek(fd, offset, SEEK_SET);
    write(fd, &c, 1);
}

static void test_private(void)
{
    int fd = make_file("/tmp/mmap_private", 'p', P + 100);
    char *m = mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    expect("MAP_PRIVATE of a file", 1, m != MAP_FAILED);
    expect("private: reads see the file", 'p', m[0]);
    expect("private: last byte of the file", 'p', m[P + 99]);
    expect("private: past the end in the last page reads zero", 0, m[P + 100] | m[2 * P - 1]);
    m[10] = 'X';
    expect("private: writes are private", 'X', m[10]);
    expect("private: the file is unchanged", 'p', byte_at(fd, 10));
    put_byte(fd, P + 20, 'W');
    expect("private: a write(2) to a page not yet copied is seen", 'W', m[P + 20]);
    put_byte(fd, 11, 'V');
    expect("private: a copied page keeps its own bytes", 'p', m[11]);
    char *beyond = mmap(0, 4 * P, PROT_READ, MAP_PRIVATE, fd, 0);
    expect("private: past the last page is SIGBUS", SIGBUS, touch_signal(beyond + 2 * P, 0));
    expect("private: the last page is readable", 0, touch_signal(beyond + P, 0));
    munmap(beyond, 4 * P);

    /* After fork the child's writes stay its own. */
    pid_t pid = fork();
    if (pid == 0) { m[30] = 'c'; _exit(m[30] == 'c' && m[10] == 'X' ? 0 : 1); }
    int status;
    waitpid(pid, &status, 0);
    expect("private: the child sees the parent's copy and writes its own", 0, status);
    expect("private: the parent does not see the child's write", 'p', m[30]);

    /* MADV_DONTNEED gives the file's contents back. */
    expect("private: madvise DONTNEED", 0, madvise(m, P, MADV_DONTNEED));
    expect("private: after DONTNEED the file's byte is back", 'V', m[11]);
    expect("private: and the private store is gone", 'p', m[10]);
    munmap(m, 2 * P);

    /* A hole read through a private mapping is the file's page too: a later write(2) shows. */
    int sparse = open("/tmp/mmap_sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
    put_byte(sparse, 3 * P, 'e');
    char *h = mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, sparse, 0);
    expect("private: a hole reads zero", 0, h[P + 5]);
    put_byte(sparse, P + 5, 'h');
    expect("private: a write(2) into the hole is seen", 'h', h[P + 5]);
    munmap(h, 3 * P);
    close(sparse);
    unlink("/tmp/mmap_sparse");

    /* A mapping at an offset. */
    m = mmap(0, P, PROT_READ, MAP_PRIVATE, fd, P);
    expect("private at offset 4096", 'p', m[0]);
    expect("private at offset 4096: end of file", 0, m[100]);
    munmap(m, P);
    close(fd);
    unlink("/tmp/mmap_private");
}

static void test_shared(void)
{
    int fd = make_file("/tmp/mmap_shared", 's', 3 * P);
    char *m = mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    expect("MAP_SHARED of a file", 1, m != MAP_FAILED);
    m[5] = 'M';
    expect("shared: a store is seen by read(2)", 'M', byte_at(fd, 5));
    put_byte(fd, P + 7, 'w');
    expect("shared: write(2) is seen through the mapping", 'w', m[P + 7]);

    /* Across fork: one set of pages. */
    pid_t pid = fork();
    if (pid == 0) { m[2 * P] = 'k'; _exit(m[5] == 'M' ? 0 : 1); }
    int status;
    waitpid(pid, &status, 0);
    expect("shared: the child sees the parent's store", 0, status);
    expect("shared: the parent sees the child's store", 'k', m[2 * P]);

    /* Another process mapping the same file on its own. */
    pid = fork();
    if (pid == 0) {
        int own = open("/tmp/mmap_shared", O_RDWR);
        char *n = mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_SHARED, own, 0);
        if (n == MAP_FAILED) _exit(2);
        int ok = n[5] == 'M' && n[2 * P] == 'k';
        n[P] = 'o';
        _exit(ok ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    expect("shared: another process's own mapping sees the same bytes", 0, status);
    expect("shared: its store is seen here", 'o', m[P]);
    expect("shared: and by read(2)", 'o', byte_at(fd, P));

    /* The mapping outlives close(2) and unlink(2). */
    close(fd);
    unlink("/tmp/mmap_shared");
    m[6] = 'z';
    expect("shared: still mapped after close and unlink", 'z', m[6]);
    expect("shared: msync", 0, msync(m, 3 * P, MS_SYNC));

    /* mremap keeps the file's pages; growing past the file's end is SIGBUS there. */
    char *g = mremap(m, 3 * P, 5 * P, MREMAP_MAYMOVE);
    expect("shared: mremap", 1, g != MAP_FAILED);
    if (g != MAP_FAILED) {
        expect("shared: mremap keeps the bytes", 'z', g[6]);
        expect("shared: mremap keeps the other process's store", 'o', g[P]);
        expect("shared: grown past the file is SIGBUS", SIGBUS, touch_signal(g + 4 * P, 0));
        munmap(g, 5 * P);
    }

    /* Truncation and the tail of the last page. */
    fd = make_file("/tmp/mmap_tail", 't', 10);
    m = mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[100] = 'Q';                         /* past the end, inside the last page */
    expect("shared: the file stays 10 bytes", 10, lseek(fd, 0, SEEK_END));
    put_byte(fd, 199, 'e');               /* the file grows over the tail */
    expect("shared: the file grew", 200, lseek(fd, 0, SEEK_END));
    expect("shared: growing the file zeroes the tail", 0, byte_at(fd, 100));
    expect("shared: the mapping sees the zeroed tail", 0, m[100]);
    munmap(m, P);
    close(fd);
    unlink("/tmp/mmap_tail");
}

/* Truncation under a shared mapping: pages past the new end are SIGBUS when first touched
   (Linux and Aurora). A page touched before the truncate is SIGBUS on Linux and keeps its
   (orphaned) frame on Aurora, which has no reverse map to unmap it; either way a store there
   must never reach the file, and the frame must never be anyone else's (the in-kernel test
   checks every frame comes back). */
static void test_truncate_under_mapping(void)
{
    int fd = make_file("/tmp/mmap_truncate", 'T', 2 * P);
    char *m = mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    expect("truncate: mapped", 'T', m[0]);           /* page 0 touched; page 1 not */
    int again = open("/tmp/mmap_truncate", O_RDWR | O_TRUNC);
    expect("truncate: the file is empty", 0, lseek(again, 0, SEEK_END));
    expect("truncate: an untouched page past the end is SIGBUS", SIGBUS, touch_signal(m + P, 0));
    int sig = touch_signal(m, 1);
    expect("truncate: a store to a page touched before ends in SIGBUS or stays in the mapping", 1, sig == SIGBUS || sig == 0);
    put_byte(again, 2 * P - 1, 'g');                  /* grow it back */
    expect("truncate: the grown file reads zero where the old page was", 0, byte_at(again, 0));
    munmap(m, 2 * P);
    close(fd);
    close(again);
    unlink("/tmp/mmap_truncate");
}

static void test_shared_anonymous(void)
{
    int *counter = mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    expect("MAP_SHARED|MAP_ANONYMOUS", 1, counter != MAP_FAILED);
    expect("shared anonymous starts zero", 0, counter[0]);
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        pids[i] = fork();
        if (pids[i] == 0) { counter[1 + i] = 10 + i; counter[P / sizeof(int) + i] = 20 + i; _exit(0); }
    }
    for (int i = 0; i < 3; i++) waitpid(pids[i], 0, 0);
    expect("shared anonymous: child 0's store", 10, counter[1]);
    expect("shared anonymous: child 2's store", 12, counter[3]);
    expect("shared anonymous: a page first touched by a child", 21, counter[P / sizeof(int) + 1]);
    /* The child's write reaches the parent even for a page the parent touched first. */
    counter[0] = 1;
    pid_t pid = fork();
    if (pid == 0) { counter[0] = 2; _exit(0); }
    waitpid(pid, 0, 0);
    expect("shared anonymous is not copy-on-write", 2, counter[0]);
    expect("shared anonymous: mprotect read-only then write again", 0,
           mprotect(counter, P, PROT_READ) | mprotect(counter, P, PROT_READ | PROT_WRITE));
    counter[0] = 3;
    pid = fork();
    if (pid == 0) _exit(counter[0] == 3 ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    expect("shared anonymous after mprotect", 0, status);
    munmap(counter, 2 * P);
}

static void test_read_only_image(void)
{
    int fd = open("/ro/hello.txt", O_RDONLY);
    if (fd < 0) return; /* Aurora's read-only cpio image; a Linux host has none */
    char *m = mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    expect("read-only image: MAP_PRIVATE", 1, m != MAP_FAILED);
    expect("read-only image: contents", 0, strncmp(m, "hello from the read-only image\n", 31));
    expect("read-only image: past the end reads zero", 0, m[31]);
    m[0] = 'H';
    expect("read-only image: private write", 'H', m[0]);
    expect("read-only image: file unchanged", 'h', byte_at(fd, 0));
    char *s = mmap(0, P, PROT_READ, MAP_SHARED, fd, 0);
    expect("read-only image: MAP_SHARED read-only", 'h', s != MAP_FAILED ? s[0] : -1);
    expect("read-only image: MAP_SHARED writable is EACCES", -EACCES, sys_mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    munmap(m, P);
    munmap(s, P);
    close(fd);
}

static void test_errors(void)
{
    int fd = make_file("/tmp/mmap_errors", 'e', P);
    int wo = open("/tmp/mmap_errors", O_WRONLY);
    int ro = open("/tmp/mmap_errors", O_RDONLY);
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    int pipes[2];
    pipe(pipes);
    expect("bad descriptor", -EBADF, sys_mmap(0, P, PROT_READ, MAP_PRIVATE, 999, 0));
    expect("negative descriptor", -EBADF, sys_mmap(0, P, PROT_READ, MAP_SHARED, -1, 0));
    expect("unaligned offset (before the descriptor)", -EINVAL, sys_mmap(0, P, PROT_READ, MAP_PRIVATE, 999, 100));
    expect("no type", -EINVAL, sys_mmap(0, P, PROT_READ, 0, fd, 0));
    expect("type bits 0x4", -EINVAL, sys_mmap(0, P, PROT_READ, MAP_PRIVATE | 4, fd, 0));
    expect("anonymous MAP_SHARED_VALIDATE", -EINVAL, sys_mmap(0, P, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0));
    expect("anonymous shared growing down", -EINVAL, sys_mmap(0, P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0));
    expect("anonymous private with type bit 8 (MAP_DROPPABLE)", 1, sys_mmap(0, P, PROT_READ, 0x08 | MAP_ANONYMOUS, -1, 0) > 0);
    expect("length 0", -EINVAL, sys_mmap(0, 0, PROT_READ, MAP_SHARED, fd, 0));
    expect("O_WRONLY file, MAP_PRIVATE", -EACCES, sys_mmap(0, P, PROT_READ, MAP_PRIVATE, wo, 0));
    expect("O_WRONLY file, MAP_SHARED", -EACCES, sys_mmap(0, P, PROT_READ, MAP_SHARED, wo, 0));
    expect("O_RDONLY file, MAP_SHARED PROT_WRITE", -EACCES, sys_mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
    long m = sys_mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    expect("O_RDONLY file, MAP_PRIVATE PROT_WRITE", 1, m > 0);
    long s = sys_mmap(0, P, PROT_READ, MAP_SHARED, ro, 0);
    expect("O_RDONLY file, MAP_SHARED PROT_READ", 1, s > 0);
    expect("mprotect PROT_WRITE of a read-only shared mapping", -EACCES, rv(mprotect((void *)s, P, PROT_READ | PROT_WRITE)));
    expect("a store to a read-only shared mapping faults", SIGSEGV, touch_signal((char *)s, 1));
    munmap((void *)m, P);
    munmap((void *)s, P);
    expect("a directory", -ENODEV, sys_mmap(0, P, PROT_READ, MAP_PRIVATE, dir, 0));
    expect("a pipe's read end", -ENODEV, sys_mmap(0, P, PROT_READ, MAP_SHARED, pipes[0], 0));
    expect("a pipe's write end", -EACCES, sys_mmap(0, P, PROT_READ, MAP_SHARED, pipes[1], 0));
    expect("offset overflow", -EOVERFLOW, sys_mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0x7ffffffffffff000L));
    expect("MAP_SHARED_VALIDATE unknown flag", -EOPNOTSUPP, sys_mmap(0, P, PROT_READ, MAP_SHARED_VALIDATE | 0x400000, fd, 0));
    long v = sys_mmap(0, P, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
    expect("MAP_SHARED_VALIDATE", 1, v > 0);
    munmap((void *)v, P);
    /* Far past the end is allowed to map; touching it is SIGBUS. */
    long far = sys_mmap(0, P, PROT_READ, MAP_SHARED, fd, 1L << 40);
    expect("mapping far past the end", 1, far > 0);
    if (far > 0) { expect("touching it is SIGBUS", SIGBUS, touch_signal((char *)far, 0)); munmap((void *)far, P); }
    close(fd); close(wo); close(ro); close(dir); close(pipes[0]); close(pipes[1]);
    unlink("/tmp/mmap_errors");
}

int main(void)
{
    test_private();
    test_shared();
    test_truncate_under_mapping();
    test_shared_anonymous();
    test_read_only_image();
    test_errors();
    printf("mmap_files: %d wrong\n", wrong);
    return wrong != 0;
}
