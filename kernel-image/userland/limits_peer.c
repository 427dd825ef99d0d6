/* The other tree of limits.c (security issue 9, finding 7): started by the kernel while the
   limits.elf tree holds its whole share of every table, it still gets its own full share —
   64 queues, 64 segments, 64 tokens (its holdings), as many sockets as the other tree got
   (/tmp/limits-socket-share) — each ending with the Linux
   errno, and it can still fork. Exit status 0 when every answer was right. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "aurora.h"

enum { CAP_MINT = AURORA_SYS_cap_mint, CAP_RELEASE = AURORA_SYS_cap_release, IPC_RMID_ = 0 };

static int wrong;
static void expect_eq(const char *what, long expected, long actual)
{
    if (expected != actual) { wrong++; dprintf(1, "WRONG: %s: expected %ld, got %ld\n", what, expected, actual); }
    else dprintf(1, " peer %s %ld=%ld\n", what, expected, actual);
}

static void pause_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000L }; nanosleep(&t, NULL); }
static int exists(const char *path) { int fd = open(path, O_RDONLY); if (fd >= 0) close(fd); return fd >= 0; }

int main(void)
{
    int ready = 0;
    /* Up to 300 s: the other tree fills tens of thousands of sockets, slow under TCG. */
    for (int i = 0; i < 15000 && !ready; i++) { ready = exists("/tmp/limits-hog-ready"); if (!ready) pause_ms(20); }
    expect_eq("saw the other tree holding its shares", 1, ready);

    long ids[128];
    int n, error;

    for (n = 0, error = 0; n < 128; n++) { ids[n] = syscall(AURORA_SYS_cap_msgget, NULL, 0); if (ids[n] < 0) { error = errno; break; } }
    expect_eq("queues made", 64, n);
    expect_eq("then errno (ENOSPC)", ENOSPC, error);
    for (int i = 0; i < n; i++) syscall(AURORA_SYS_cap_msgctl, ids[i], IPC_RMID_, NULL);

    for (n = 0, error = 0; n < 128; n++) { ids[n] = syscall(AURORA_SYS_cap_shmget, NULL, 4096, 0); if (ids[n] < 0) { error = errno; break; } }
    expect_eq("segments made", 64, n);
    expect_eq("then errno (ENOSPC)", ENOSPC, error);
    for (int i = 0; i < n; i++) syscall(AURORA_SYS_cap_shmctl, ids[i], IPC_RMID_, NULL);

    unsigned char token[32];
    for (n = 0, error = 0; n < 128; n++) { ids[n] = syscall(CAP_MINT, token); if (ids[n] < 0) { error = errno; break; } }
    expect_eq("tokens minted", 64, n);
    expect_eq("then errno (ENOSPC)", ENOSPC, error);
    for (int i = 0; i < n; i++) syscall(CAP_RELEASE, ids[i]);

    long share = -1;
    int sf = open("/tmp/limits-socket-share", O_RDONLY);
    if (sf >= 0) { char text[32] = { 0 }; if (read(sf, text, sizeof text - 1) > 0) share = atol(text); close(sf); }
    struct rlimit big = { 1 << 20, 1 << 20 };
    setrlimit(RLIMIT_NOFILE, &big);
    int most = share > 0 ? (int)share + 16 : 200;
    int *sockets = malloc(sizeof(int) * (size_t)most);
    for (n = 0, error = 0; sockets && n < most; n++) { sockets[n] = socket(AF_INET, SOCK_DGRAM, 0); if (sockets[n] < 0) { error = errno; break; } }
    if (n == 0 && error == EAFNOSUPPORT) dprintf(1, "  (no network card: sockets skipped)\n");
    else { expect_eq("sockets opened (the other tree's share)", share, n); expect_eq("then errno (ENOBUFS)", ENOBUFS, error); }
    for (int i = 0; i < n; i++) close(sockets[i]);
    free(sockets);

    pid_t pid = fork();
    if (pid == 0) _exit(7);
    int status = 0;
    waitpid(pid, &status, 0);
    expect_eq("fork works, the child's exit status", 7, pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    int fd = open("/tmp/limits-peer-done", O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) close(fd);
    dprintf(1, "limits peer: %d wrong\n", wrong);
    return wrong != 0;
}
