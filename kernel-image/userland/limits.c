/* Per-account shares of the global tables (security issue 9, finding 7). This program's
   process tree is one account: it fills the account's share of capability tokens (256),
   message queues (64), shared-memory segments (64) and sockets (a quarter of the system's
   table, which is sized by memory: thousands; written to /tmp/limits-socket-share for the
   peer) from a few children, each
   stopping with the Linux errno (ENOSPC; EMFILE/ENOBUFS for sockets), and keeps them while
   limits_peer.elf, started by the kernel as another tree, takes its own full share
   (the in-kernel test limits.tables_have_per_account_shares starts both).
   Handshake through files: /tmp/limits-hog-ready (this tree holds its shares), then
   /tmp/limits-peer-done (the peer is finished). Exit status 0 when every answer was right. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "aurora.h"

enum { CAP_MINT = AURORA_SYS_cap_mint };
enum { TOKENS_PER_PROCESS = 64, TOKEN_SHARE = 256, QUEUE_SHARE = 64, SEGMENT_SHARE = 64,
       SOCKET_SHARE = -2 /* sized by memory: more than the old constant 128, reported to the peer */ };

static int wrong;
static void expect_eq(const char *what, long expected, long actual)
{
    if (expected != actual) { wrong++; dprintf(1, "WRONG: %s: expected %ld, got %ld\n", what, expected, actual); }
    else dprintf(1, " %s %ld=%ld\n", what, expected, actual);
}

static void pause_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000L }; nanosleep(&t, NULL); }
static int exists(const char *path) { int fd = open(path, O_RDONLY); if (fd >= 0) close(fd); return fd >= 0; }
static void touch(const char *path) { int fd = open(path, O_WRONLY | O_CREAT, 0644); if (fd >= 0) close(fd); }
/* Waits are long (300 s): the trees fill tens of thousands of sockets, slow under TCG and CI load. */
static int wait_for(const char *path, int seconds)
{
    for (int i = 0; i < seconds * 50; i++) { if (exists(path)) return 1; pause_ms(20); }
    return 0;
}

/* What a child does; its count (how many it got before the error) and the errno come back
   through a file /tmp/limits-N ("count errno"), and it holds everything until the peer is done. */
enum kind { TOKENS, QUEUES, SEGMENTS, SOCKETS };

static long fill(enum kind kind, int most, int *error)
{
    int n = 0;
    *error = 0;
    for (; n < most; n++) {
        long r;
        if (kind == TOKENS) { unsigned char token[32]; r = syscall(CAP_MINT, token); }
        else if (kind == QUEUES) r = syscall(AURORA_SYS_cap_msgget, NULL, 0);
        else if (kind == SEGMENTS) r = syscall(AURORA_SYS_cap_shmget, NULL, 4096, 0);
        else r = socket(AF_INET, SOCK_DGRAM, 0);
        if (r < 0) { *error = errno; break; }
    }
    return n;
}

static pid_t child(int index, enum kind kind, int most)
{
    pid_t pid = fork();
    if (pid != 0) return pid;
    int error = 0;
    long count;
    char path[32];
    if (kind == SOCKETS) {
        /* The per-process limit first: two descriptors above the lowest free one. */
        int lowest = dup(0);
        close(lowest);
        struct rlimit low = { lowest + 2, 1024 }, back = { 1 << 20, 1 << 20 }; /* raised as Linux would need */
        long first = setrlimit(RLIMIT_NOFILE, &low) == 0 ? fill(SOCKETS, most, &error) : -1;
        dprintf(1, " c7 under RLIMIT_NOFILE %d: %ld sockets then errno %d (expected 2, EMFILE %d)\n", lowest + 2, first, error, EMFILE);
        int bad = first != 2 || error != EMFILE;
        setrlimit(RLIMIT_NOFILE, &back);
        count = fill(SOCKETS, most, &error);
        if (error == EAFNOSUPPORT && first <= 0) { count = -1; bad = 0; }      /* no network card */
        else count += first;
        if (bad) count = -100;
    } else {
        count = fill(kind, most, &error);
    }
    snprintf(path, sizeof path, "/tmp/limits-%d", index);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dprintf(fd, "%ld %d\n", count, error);
    close(fd);
    wait_for("/tmp/limits-peer-done", 300);
    _exit(0);
}

static void result(int index, long *count, int *error)
{
    char path[32], text[64] = { 0 };
    snprintf(path, sizeof path, "/tmp/limits-%d", index);
    *count = -1;
    *error = 0;
    for (int i = 0; i < 30000; i++) {
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            long n = read(fd, text, sizeof text - 1);
            close(fd);
            if (n > 0 && text[n - 1] == '\n') { sscanf(text, "%ld %d", count, error); return; }
        }
        pause_ms(10);
    }
}

int main(void)
{
    unlink("/tmp/limits-hog-ready");
    unlink("/tmp/limits-peer-done");
    long count;
    int error;

    /* One process alone: 64 holdings, then ENOSPC (its own table, not the account's). */
    pid_t alone = fork();
    if (alone == 0) {
        int e;
        long n = fill(TOKENS, 1000, &e);
        _exit(n == TOKENS_PER_PROCESS && e == ENOSPC ? 0 : 1);
    }
    int status = 0;
    waitpid(alone, &status, 0);
    expect_eq("one process: 64 tokens, ENOSPC (0 = yes)", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 99);

    /* Children, in order, so the counts are exact. Queues and segments each take a token. */
    struct { enum kind kind; int most; long count; int error; const char *what; } plan[] = {
        { QUEUES, 40, 40, 0, "c0 queues" },
        { QUEUES, 1000, QUEUE_SHARE - 40, ENOSPC, "c1 queues to the share" },
        { SEGMENTS, 40, 40, 0, "c2 segments" },
        { SEGMENTS, 1000, SEGMENT_SHARE - 40, ENOSPC, "c3 segments to the share" },
        { TOKENS, 1000, TOKENS_PER_PROCESS, ENOSPC, "c4 tokens to its 64 holdings" },
        { TOKENS, 1000, TOKEN_SHARE - QUEUE_SHARE - SEGMENT_SHARE - TOKENS_PER_PROCESS, ENOSPC,
          "c5 tokens to the share" },
        { TOKENS, 1000, 0, ENOSPC, "c6 tokens past the share" },
        { SOCKETS, 1 << 20, SOCKET_SHARE, ENOBUFS, "c7 sockets to the share" },
    };
    int children = sizeof plan / sizeof plan[0];
    pid_t pids[16];
    for (int i = 0; i < children; i++) {
        pids[i] = child(i, plan[i].kind, plan[i].most);
        result(i, &count, &error);
        if (plan[i].kind == SOCKETS && count == -1 && error == EAFNOSUPPORT) { dprintf(1, "  (no network card: sockets skipped)\n"); continue; }
        char what[160];
        snprintf(what, sizeof what, "%s n", plan[i].what);
        if (plan[i].count == SOCKET_SHARE) {
            dprintf(1, " %s: %ld sockets\n", plan[i].what, count);
            expect_eq("c7 got more sockets than the old constant share (128)", 1, count > 128);
            int fd = open("/tmp/limits-socket-share", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dprintf(fd, "%ld\n", count);
            close(fd);
        } else {
            expect_eq(what, plan[i].count, count);
        }
        snprintf(what, sizeof what, "%s errno", plan[i].what);
        expect_eq(what, plan[i].error, error);
    }

    /* The parent itself holds nothing and still cannot: the share is the tree's. */
    unsigned char token[32];
    long r = syscall(CAP_MINT, token);
    expect_eq("parent mint errno", ENOSPC, r < 0 ? errno : 0);
    r = syscall(AURORA_SYS_cap_msgget, NULL, 0);
    expect_eq("parent msgget errno", ENOSPC, r < 0 ? errno : 0);

    dprintf(1, "limits: tree holds its shares\n");
    touch("/tmp/limits-hog-ready");
    int peer = wait_for("/tmp/limits-peer-done", 300);
    expect_eq("the peer finished", 1, peer);
    for (int i = 0; i < children; i++) {
        waitpid(pids[i], &status, 0);
    }

    /* Everything came back with the children: the share is whole again. */
    pid_t again = fork();
    if (again == 0) { int e; _exit(fill(QUEUES, 1000, &e) == QUEUE_SHARE && e == ENOSPC ? 0 : 1); }
    waitpid(again, &status, 0);
    expect_eq("share back: 64 queues (0 = yes)", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 99);

    for (int i = 0; i < children; i++) { char path[32]; snprintf(path, sizeof path, "/tmp/limits-%d", i); unlink(path); }
    unlink("/tmp/limits-hog-ready");
    unlink("/tmp/limits-peer-done");
    unlink("/tmp/limits-socket-share");
    dprintf(1, "limits: %d wrong\n", wrong);
    return wrong != 0;
}
