/* Out of memory (issue 12, item 2; docs/security.md, "Memory: overcommit and out of memory").
 * A child touches more memory than the machine has, in mappings each smaller than all of
 * memory (so mmap itself says yes: overcommit); a second child holds a little memory and
 * waits; then a second hog has the kernel fill its memory (read from /dev/zero), and a third
 * touches MAP_SHARED|MAP_ANONYMOUS memory. Each hog
 * must die of SIGKILL, the bystander must find its memory intact and exit 0,
 * and free memory (sysinfo freeram) must come back to within a few pages of where it was.
 * Prints "oom: N wrong".
 *
 * On Linux the hog's part is the OOM killer's (it ends the biggest process with SIGKILL), but
 * running it would disturb the whole host: there the program checks only the bystander and
 * says so, unless OOM_ON_LINUX=1 is set (in a VM or a memory-limited cgroup: in a 64 MiB
 * cgroup v1, memory.limit_in_bytes = memory.memsw.limit_in_bytes = 64M, both hogs die of
 * SIGKILL, as here). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define P 4096L

static int wrong;

static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) {
        printf("oom: %s: expected %ld, actual %ld\n", what, expected, actual);
        wrong++;
    }
}

static long free_pages(void)
{
    struct sysinfo info;
    if (sysinfo(&info) != 0) return -1;
    return (long)(info.freeram * info.mem_unit / P);
}

/* Touches up to four times all of memory, 32 MiB mappings at a time (private, or shared
 * anonymous memory). Exits 3 if it never ran out (it should have been killed long before). */
static void touch_hog(long total_pages, int type)
{
    long chunk = 32L << 20;
    for (long touched = 0; touched < 4 * total_pages; touched += chunk / P) {
        char *m = mmap(0, chunk, PROT_READ | PROT_WRITE, type | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) _exit(4); /* refused up front: not the outcome this test wants */
        for (long at = 0; at < chunk; at += P) m[at] = (char)at | 1;
    }
    _exit(3);
}

static void hog(long total_pages) { touch_hog(total_pages, MAP_PRIVATE); }
static void shared_hog(long total_pages) { touch_hog(total_pages, MAP_SHARED); }

/* The kernel fills the memory instead: read(2) from /dev/zero into untouched private
 * MAP_NORESERVE mappings, 1 GiB at a time, until the copy finds no memory (the call fails or
 * comes back short, and the process is killed on its way out). Exits 3 if it never ran out. */
static void kernel_hog(long total_pages)
{
    int zero = open("/dev/zero", O_RDONLY);
    if (zero < 0) _exit(5);
    long chunk = 1L << 30;
    for (long filled = 0; filled < 4 * total_pages; filled += chunk / P) {
        char *m = mmap(0, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) _exit(4);
        for (long at = 0; at < chunk;) {
            long n = read(zero, m + at, chunk - at);
            if (n <= 0) break; /* out of memory: SIGKILL is on its way */
            at += n;
        }
    }
    _exit(3);
}

static void run_hog(void (*body)(long), long total_pages, const char *what)
{
    pid_t pid = fork();
    if (pid == 0) body(total_pages);
    int status = 0;
    waitpid(pid, &status, 0);
    expect(what, SIGKILL, WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status));
}

int main(void)
{
    struct utsname name;
    uname(&name);
    int on_aurora = strcmp(name.sysname, "Aurora") == 0;
    int hogs = on_aurora || (getenv("OOM_ON_LINUX") && strcmp(getenv("OOM_ON_LINUX"), "1") == 0);
    struct sysinfo info;
    sysinfo(&info);
    long total_pages = (long)(info.totalram * info.mem_unit / P);

    /* The bystander: 1 MiB touched before the hog starts, checked after it is gone. */
    int go[2];
    if (pipe(go) != 0) return 2;
    long before = free_pages();
    pid_t bystander = fork();
    if (bystander == 0) {
        close(go[1]);
        char *mine = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (long at = 0; at < (1 << 20); at += P) mine[at] = 42;
        char byte;
        if (read(go[0], &byte, 1) != 1) _exit(5);
        long sum = 0;
        for (long at = 0; at < (1 << 20); at += P) sum += mine[at];
        _exit(sum == 42L * 256 ? 0 : 6);
    }
    close(go[0]);

    if (hogs) {
        run_hog(hog, total_pages, "the hog that touches its memory dies of SIGKILL");
        run_hog(kernel_hog, total_pages, "the hog whose memory read(2) fills dies of SIGKILL");
        run_hog(shared_hog, total_pages, "the hog that touches shared anonymous memory dies of SIGKILL");
    } else {
        printf("oom: not Aurora: the hog is not run (OOM_ON_LINUX=1 runs it)\n");
    }

    expect("wake the bystander", 1, write(go[1], "g", 1));
    int status = 0;
    waitpid(bystander, &status, 0);
    expect("the bystander's memory is intact", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status));
    long after = free_pages();
    /* The bystander's pages and tables are back too; allow a little noise for the kernel.
     * Only on Aurora: on a Linux host, other processes and the page cache move freeram. */
    if (on_aurora && before - after >= 64) printf("oom: free pages before %ld, after %ld\n", before, after);
    if (on_aurora) expect("free memory came back", 1, before - after < 64);
    printf("oom: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
