/* Regions (issue 9, findings 2 and 5): mprotect after fork must not let a child write its
 * parent's copy-on-write pages; a read-only shared-memory attachment stays read-only; huge and
 * wrapping ranges answer at once with Linux's errno; PROT_NONE memory faults; mappings are
 * filled in on first touch. Prints "vm_ranges: N wrong" (0 on Linux and on Aurora). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;

static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) {
        printf("vm_ranges: %s: expected %ld, actual %ld\n", what, expected, actual);
        wrong++;
    }
}

static long sys(long n, long a, long b, long c, long d, long e, long f)
{
    long r = syscall(n, a, b, c, d, e, f);
    return r < 0 ? -errno : r;
}

static char data_page[4096] __attribute__((aligned(4096))) = "parent data";

static int child_signal(void (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0) { body(); _exit(0); }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
}

static void write_prot_none(void)
{
    char *p = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *(volatile char *)p = 1;
}

static void read_prot_none_after_mprotect(void)
{
    char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    mprotect(p, 4096, PROT_NONE);
    (void)*(volatile char *)p;
}

int main(void)
{
    /* 1. mprotect(RW) and RWX in a child on a page shared copy-on-write. */
    unsigned long text = (unsigned long)&main & ~4095UL;
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        if (mprotect(data_page, 4096, PROT_READ | PROT_WRITE) != 0) bad |= 1;
        strcpy(data_page, "child data");
        if (mprotect(data_page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) bad |= 2;
        data_page[100] = 'x';
        /* The program text is shared read-only: write access must come as a private copy. */
        if (mprotect((void *)text, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) bad |= 4;
        *(volatile unsigned char *)text = *(volatile unsigned char *)text;
        _exit(bad);
    }
    int status;
    waitpid(pid, &status, 0);
    expect("child status after mprotect on shared pages", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status));
    expect("parent data unchanged by the child", 0, strcmp(data_page, "parent data"));
    expect("parent data byte 100 unchanged", 0, data_page[100]);

    /* 2. Huge and wrapping ranges. */
    expect("munmap 16 TiB of nothing", 0, sys(SYS_munmap, 0x300000000000L, 1L << 44, 0, 0, 0, 0));
    long big = sys(SYS_mmap, 0, 1L << 44, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect("mmap 16 TiB PROT_NONE succeeds", 1, big > 0);
    if (big > 0) expect("munmap it", 0, sys(SYS_munmap, big, 1L << 44, 0, 0, 0, 0));
    long fixed = sys(SYS_mmap, 0x200000000000L, 1L << 44, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    expect("mmap MAP_FIXED over 16 TiB", 0x200000000000L, fixed);
    expect("touch one page of it", 0, *(volatile char *)(0x200000000000L + (1L << 40)));
    expect("munmap it again", 0, sys(SYS_munmap, 0x200000000000L, 1L << 44, 0, 0, 0, 0));
    expect("munmap wrapping range", -EINVAL, sys(SYS_munmap, 0x7fffffff0000L, -4096L, 0, 0, 0, 0));
    expect("munmap length 0", -EINVAL, sys(SYS_munmap, 0x10000, 0, 0, 0, 0, 0));
    expect("mprotect unmapped range", -ENOMEM, sys(SYS_mprotect, 0x10000, 1L << 44, PROT_READ, 0, 0, 0));
    expect("mprotect wrapping range", -ENOMEM, sys(SYS_mprotect, 0x7ffffff00000L, -4096L, PROT_READ, 0, 0, 0));
    expect("mprotect bad prot", -EINVAL, sys(SYS_mprotect, text, 4096, 0x100, 0, 0, 0));
    expect("mmap length ~0", -ENOMEM, sys(SYS_mmap, 0, -1L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    expect("mmap fixed wrapping", -ENOMEM, sys(SYS_mmap, 0x7ffffff00000L, 1L << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    expect("mmap fixed unaligned", -EINVAL, sys(SYS_mmap, 0x10001, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));

    /* 3. PROT_NONE faults; mprotect to PROT_NONE faults. */
    expect("write to PROT_NONE memory", SIGSEGV, child_signal(write_prot_none));
    expect("read after mprotect PROT_NONE", SIGSEGV, child_signal(read_prot_none_after_mprotect));

    /* 4. Lazily filled memory reads as zero, and the kernel copies into it; not into a
     * page mprotect made read-only. */
    char *lazy = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect("fresh page reads zero", 0, lazy[(1 << 20) - 1]);
    int fd = open("/tmp/vm_ranges.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    expect("write a file", 5, write(fd, "hello", 5));
    lseek(fd, 0, SEEK_SET);
    expect("read into an untouched page", 5, sys(SYS_read, fd, (long)(lazy + 8192), 5, 0, 0, 0));
    expect("the bytes arrived", 0, memcmp(lazy + 8192, "hello", 5));
    expect("mprotect read-only", 0, mprotect(lazy + 4096 * 4, 4096, PROT_READ));
    lseek(fd, 0, SEEK_SET);
    expect("read into a read-only page", -EFAULT, sys(SYS_read, fd, (long)(lazy + 4096 * 4), 5, 0, 0, 0));
    close(fd);
    unlink("/tmp/vm_ranges.txt");

    printf("vm_ranges: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
