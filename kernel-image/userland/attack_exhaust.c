/* Exhaustion of every table from one process (issue 9, finding 7): processes (fork),
   capability tokens, message queues, shared-memory segments and attachments, sockets, open
   files, tmpfs space, memory through mmap and brk. Each must end in an error code (not a
   crash, not a hang), give everything back when released, and work again afterwards; tmpfs
   must say ENOSPC before it holds half of the machine's memory (Linux's default size). The
   in-kernel test then checks that every frame and heap block is back once we have exited.
   Exit status: the number of wrong answers. */
#include "attack_common.h"
#include <sys/ipc.h>
#include <sys/mman.h>
#include "aurora.h"

enum { CAP_MINT = AURORA_SYS_cap_mint, CAP_RELEASE = AURORA_SYS_cap_release };
#define MIB (1L << 20)

static int errno_is_a_limit(long r)
{
    return r == -EAGAIN || r == -ENOMEM || r == -ENOSPC || r == -EMFILE || r == -ENFILE || r == -ENOBUFS || r == -EINVAL || r == -EPERM;
}

static void report_limit(const char *table, long made, long r, long cap)
{
    if (made >= cap) dprintf(1, "attack_exhaust: %s: %ld made, no limit reached (capped here)\n", table, made);
    else dprintf(1, "attack_exhaust: %s: %ld made, then %ld\n", table, made, r);
    if (made < cap && !errno_is_a_limit(r)) {
        char what[80];
        snprintf(what, sizeof what, "%s: the error at the limit (after %ld)", table, made);
        attack_report(what, "EAGAIN, ENOMEM, ENOSPC, EMFILE, ENFILE or ENOBUFS", r, 0);
    }
}

static int sleep_briefly(long ms) { sleep_ms(ms); return 0; }

static void processes(void)
{
    static pid_t pids[1024];
    long n = 0, r = 0;
    while (n < 1024) {
        r = raw(SYS_fork, 0, 0, 0);
        if (r == 0) { for (;;) sleep_ms(50); }
        if (r < 0) break;
        pids[n++] = (pid_t)r;
    }
    report_limit("processes", n, r, 1024);
    for (long i = 0; i < n; i++) kill(pids[i], SIGKILL);
    long reaped = 0;
    for (long i = 0; i < n; i++) {
        int status;
        if (wait_with_deadline(pids[i], 5000, 3000, &status) == CHILD_EXITED) reaped++;
    }
    expect_true("every sleeping child ended by SIGKILL and reaped", reaped == n, reaped);
    int status;
    expect_true("fork works again", run_child(sleep_briefly, 1, 3000, &status) == CHILD_EXITED && WIFEXITED(status), status);
}

static void tokens(void)
{
    static long ids[8192];
    unsigned char token[32];
    long n = 0, r = 0;
    while (n < 8192 && (r = raw(CAP_MINT, token, 0, 0)) >= 0) ids[n++] = r;
    report_limit("capability tokens", n, r, 8192);
    for (long i = 0; i < n; i++) raw(CAP_RELEASE, ids[i], 0, 0);
    r = raw(CAP_MINT, token, 0, 0);
    expect_true("a token can be minted again after releasing them", r >= 0, r);
    if (r >= 0) raw(CAP_RELEASE, r, 0, 0);
}

static void queues(void)
{
    static long ids[4096];
    long n = 0, r = 0;
    while (n < 4096 && (r = raw(AURORA_SYS_cap_msgget, 0, 0, 0)) >= 0) ids[n++] = r;
    report_limit("message queues", n, r, 4096);
    for (long i = 0; i < n; i++) raw(AURORA_SYS_cap_msgctl, ids[i], IPC_RMID, 0);
    r = raw(AURORA_SYS_cap_msgget, 0, 0, 0);
    expect_true("a queue can be made again", r >= 0, r);
    if (r >= 0) raw(AURORA_SYS_cap_msgctl, r, IPC_RMID, 0);
}

static void segments(void)
{
    static long ids[4096], views[4096];
    long n = 0, r = 0, attached = 0, a = 0;
    while (n < 4096 && (r = raw(AURORA_SYS_cap_shmget, 0, 4096, 0)) >= 0) ids[n++] = r;
    report_limit("shared-memory segments", n, r, 4096);
    while (attached < n && attached < 4096 && (a = raw(AURORA_SYS_cap_shmat, ids[attached], 0, 0)) > 0) views[attached++] = a;
    report_limit("shared-memory attachments", attached, a, n < 4096 ? n : 4096);
    for (long i = 0; i < attached; i++) raw(AURORA_SYS_cap_shmdt, views[i], 0, 0);
    for (long i = 0; i < n; i++) raw(AURORA_SYS_cap_shmctl, ids[i], IPC_RMID, 0);
    r = raw(AURORA_SYS_cap_shmget, 0, 4096, 0);
    expect_true("a segment can be made again", r >= 0, r);
    if (r >= 0) raw(AURORA_SYS_cap_shmctl, r, IPC_RMID, 0);
}

static void sockets(void)
{
    static long fds[4096];
    long n = 0, r = 0;
    /* UDP sockets; where the kernel has no IPv4 (EAFNOSUPPORT, as Linux without CONFIG_INET:
       Aurora's arm64 has no network stack yet), Unix datagram sockets fill the same table. */
    long probe = raw(SYS_socket, 2, 2, 0), family = probe == -EAFNOSUPPORT ? 1 : 2;
    if (family == 1) dprintf(1, "attack_exhaust: no AF_INET (EAFNOSUPPORT): the socket table is filled with AF_UNIX sockets\n");
    else if (probe >= 0) raw(SYS_close, probe, 0, 0);
    while (n < 4096 && (r = raw(SYS_socket, family, 2, 0)) >= 0) fds[n++] = r;
    report_limit("sockets", n, r, 4096);
    for (long i = 0; i < n; i++) raw(SYS_close, fds[i], 0, 0);
    r = raw(SYS_socket, family, 2, 0);
    expect_true("a socket can be made again", r >= 0, r);
    if (r >= 0) raw(SYS_close, r, 0, 0);
}

static void files(void)
{
    static long fds[16384];
    int fd = open("/tmp/attack-exhaust", O_RDWR | O_CREAT, 0644);
    close(fd);
    long n = 0, r = 0;
    while (n < 16384 && (r = raw(SYS_open, "/tmp/attack-exhaust", O_RDONLY, 0)) >= 0) fds[n++] = r;
    report_limit("open files", n, r, 16384);
    for (long i = 0; i < n; i++) raw(SYS_close, fds[i], 0, 0);
    r = raw(SYS_open, "/tmp/attack-exhaust", O_RDONLY, 0);
    expect_true("a file can be opened again", r >= 0, r);
    if (r >= 0) raw(SYS_close, r, 0, 0);
    unlink("/tmp/attack-exhaust");
}

static void tmpfs_space(long memory_mib)
{
    static char chunk[MIB];
    memset(chunk, 'x', sizeof chunk);
    int fd = open("/tmp/attack-fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    long written = 0, r = 0;
    long cap = memory_mib > 0 ? memory_mib : 1024;
    while (written < cap * MIB) {
        r = raw(SYS_write, fd, chunk, MIB);
        if (r <= 0) break;
        written += r;
    }
    close(fd);
    dprintf(1, "attack_exhaust: tmpfs: %ld MiB written, then %ld\n", written / MIB, r);
    if (memory_mib > 0 && written > memory_mib / 2 * MIB) {
        char what[96];
        snprintf(what, sizeof what, "tmpfs took %ld MiB of a %ld MiB machine", written / MIB, memory_mib);
        attack_report(what, "ENOSPC at half of memory or before", r, 0);
    }
    if (written < cap * MIB) expect_true("tmpfs full: ENOSPC", r == -ENOSPC || r == -ENOMEM, r);
    unlink("/tmp/attack-fill");
    fd = open("/tmp/attack-fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    r = raw(SYS_write, fd, chunk, MIB);
    expect_true("a MiB can be written again after the file is gone", r == MIB, r);
    close(fd);
    unlink("/tmp/attack-fill");
}

/* In a child: anonymous memory, 4 MiB at a time, every page touched, until refused. */
static int fill_memory(long use_brk)
{
    long total = 0;
    for (;;) {
        char *p;
        if (use_brk) {
            char *old = (char *)raw(SYS_brk, 0, 0, 0);
            if (raw(SYS_brk, old + 4 * MIB, 0, 0) != (long)(old + 4 * MIB)) break;
            p = old;
        } else {
            p = (char *)raw6(SYS_mmap, 0, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if ((long)p < 0) { if (!errno_is_a_limit((long)p)) return 2; break; }
        }
        for (long i = 0; i < 4 * MIB; i += 4096) p[i] = 1;
        total += 4 * MIB;
        if (total >= (1L << 34)) break;
    }
    dprintf(1, "attack_exhaust: %s: %ld MiB before it was refused\n", use_brk ? "brk" : "mmap", total / MIB);
    return 0;
}

static void memory(int use_brk)
{
    int status;
    int how = run_child(fill_memory, use_brk, 60000, &status);
    /* Refused with an errno (exit 0), or ended by the kernel (Linux's OOM killer: SIGKILL). */
    int ok = how == CHILD_EXITED && ((WIFEXITED(status) && WEXITSTATUS(status) == 0) || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS)));
    if (!ok) {
        char got[48];
        attack_wrong++;
        dprintf(1, "WRONG: memory through %s: expected a refusal or an OOM kill, got %s%s\n", use_brk ? "brk" : "mmap",
                describe_status(status, got, sizeof got), how == CHILD_EXITED ? "" : " (no end)");
    }
    long p = raw6(SYS_mmap, 0, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect_true("4 MiB can be mapped again", p > 0, p);
    if (p > 0) raw(SYS_munmap, p, 4 * MIB, 0);
}

int main(void)
{
    char text[32];
    long memory_mib = attack_option("attack-memory-mib", text, sizeof text) ? strtol(text, 0, 10) : 0;
    processes();
    tokens();
    queues();
    segments();
    sockets();
    files();
    tmpfs_space(memory_mib);
    memory(0);
    memory(1);
    processes();        /* once more, after everything else was given back */
    dprintf(1, "attack_exhaust: %d wrong\n", attack_wrong);
    return attack_wrong;
}
