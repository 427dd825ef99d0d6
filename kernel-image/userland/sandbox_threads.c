/* unveil and netrule from one thread while the process's other threads open paths and connect
 * (issue 15; docs/sandbox.md, "Threads"). The threads share one sandbox: a check on one thread
 * must judge by a whole view, the one before a change or the one after, never a rule half
 * written or a block freed under it. Invariants at every moment of the race:
 *   - /etc/passwd (never in the view) is ENOENT;
 *   - /tmp/sbthreads/a/f (rule "r" or "", toggled) never opens for writing;
 *   - 127.0.0.1:10 (no network rule) is never connected (EACCES);
 *   - every answer is 0, ENOENT or EACCES (no EFAULT, ENOMEM, crash).
 * After the narrowing thread's last call (a second layer showing only /tmp/sbthreads/keep r),
 * exactly that view holds for every thread. The narrowing runs a bounded number of rounds;
 * the checkers stop a bounded while after it. On Linux, which has no calls 1014-1016, it says
 * so and prints "0 wrong". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "aurora.h"

enum { CHECKERS = 3, ROUNDS = 150, AFTER = 200 };

struct aurora_netrule { uint32_t actions, address; uint8_t prefix, reserved0; uint16_t first_port, last_port, reserved1; };

static volatile int final_view, wrong_total;
static pthread_mutex_t report = PTHREAD_MUTEX_INITIALIZER;

static void mismatch(const char *what, const char *expected, int result, int error)
{
    pthread_mutex_lock(&report);
    if (wrong_total++ < 20) printf("WRONG %s: expected %s, got %d errno %d\n", what, expected, result, error);
    pthread_mutex_unlock(&report);
}

static int try_open(const char *path, int flags, int *error)
{
    int fd = open(path, flags);
    *error = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    return fd >= 0 ? 0 : -1;
}

static int try_connect(int port, int *error)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) { *error = errno; return -1; }
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001) };
    int result = connect(s, (struct sockaddr *)&to, sizeof to);
    *error = result < 0 ? errno : 0;
    close(s);
    return result;
}

static int ordinary(int error) { return error == 0 || error == ENOENT || error == EACCES; }

static void *checker(void *unused)
{
    (void)unused;
    int e, after = 0;
    for (long i = 0; i < 200000 && after < AFTER; i++) {
        int settled = final_view;   /* read before the checks: the view is final for all of them */
        if (try_open("/etc/passwd", O_RDONLY, &e) == 0 || e != ENOENT) mismatch("/etc/passwd (never in the view)", "ENOENT", 0, e);
        if (try_open("/tmp/sbthreads/a/f", O_WRONLY, &e) == 0 || !ordinary(e)) mismatch("/tmp/sbthreads/a/f for writing", "ENOENT or EACCES", 0, e);
        int r = try_open("/tmp/sbthreads/a/f", O_RDONLY, &e);
        if (!ordinary(e) || (settled && (r == 0 || e != ENOENT))) mismatch("/tmp/sbthreads/a/f for reading", settled ? "ENOENT (final view)" : "0, ENOENT or EACCES", r, e);
        r = try_open("/tmp/sbthreads/keep/f", O_RDONLY, &e);
        if (!ordinary(e) || (settled && r != 0)) mismatch("/tmp/sbthreads/keep/f for reading", settled ? "0 (final view)" : "0, ENOENT or EACCES", r, e);
        r = try_open("/tmp/sbthreads/keep/f", O_WRONLY, &e);
        if (!ordinary(e) || (settled && (r == 0 || e != EACCES))) mismatch("/tmp/sbthreads/keep/f for writing", settled ? "EACCES (final view)" : "0, ENOENT or EACCES", r, e);
        if (try_connect(10, &e) == 0 || e != EACCES) mismatch("connect 127.0.0.1:10 (no rule)", "EACCES", 0, e);
        r = try_connect(9, &e);
        if (!ordinary(e)) mismatch("connect 127.0.0.1:9", "0 or EACCES", r, e);
        if (settled) after++;
    }
    if (after < AFTER) mismatch("the checker saw the final view", "200 rounds after it", after, 0);
    return NULL;
}

static void make(const char *path, int directory)
{
    if (directory) mkdir(path, 0755);
    else close(open(path, O_WRONLY | O_CREAT, 0644));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    make("/tmp/sbthreads", 1);
    make("/tmp/sbthreads/a", 1);
    make("/tmp/sbthreads/keep", 1);
    make("/tmp/sbthreads/a/f", 0);
    make("/tmp/sbthreads/keep/f", 0);
    struct aurora_netrule nine = { 1, htonl(0x7f000001), 32, 0, 9, 9, 0 };
    if (syscall(AURORA_SYS_unveil, "/tmp/sbthreads", "r") != 0) {
        printf("sandbox calls absent (errno %d): nothing to race\nsandbox_threads: 0 wrong\n", errno);
        return 0;
    }
    int bad = 0;
    bad += syscall(AURORA_SYS_unveil, "/tmp/sbthreads/keep", "rw") != 0;
    bad += syscall(AURORA_SYS_netrule, &nine) != 0;
    if (bad) { printf("WRONG the first rules: errno %d\n", errno); wrong_total++; }
    pthread_t threads[CHECKERS];
    for (int i = 0; i < CHECKERS; i++) pthread_create(&threads[i], NULL, checker, NULL);
    /* The open layer's rules change under the checkers: /a shown and hidden, /keep's rights,
       the network rule added again; then a second layer narrows to /keep, read only. */
    for (int round = 0; round < ROUNDS; round++) {
        int failed = 0;
        failed += syscall(AURORA_SYS_unveil, "/tmp/sbthreads/a", round % 2 ? "" : "r") != 0;
        failed += syscall(AURORA_SYS_unveil, "/tmp/sbthreads/keep", round % 3 ? "rw" : "r") != 0;
        if (round % 10 == 0) failed += syscall(AURORA_SYS_netrule, NULL) != 0;
        if (failed) { mismatch("a rule in the open layer", "0", -1, errno); break; }
        sched_yield();
    }
    bad = 0;
    bad += syscall(AURORA_SYS_unveil, NULL, NULL) != 0;
    bad += syscall(AURORA_SYS_unveil, "/tmp/sbthreads/keep", "r") != 0;
    bad += syscall(AURORA_SYS_netrule, &nine) != 0;
    bad += syscall(AURORA_SYS_unveil, NULL, NULL) != 0;
    if (bad) mismatch("the final layer", "0", -1, errno);
    final_view = 1;
    for (int i = 0; i < CHECKERS; i++) pthread_join(threads[i], NULL);
    /* The narrowing thread sees the final view too. */
    int e;
    if (try_open("/tmp/sbthreads/a/f", O_RDONLY, &e) == 0 || e != ENOENT) mismatch("main: /tmp/sbthreads/a/f", "ENOENT", 0, e);
    if (try_open("/tmp/sbthreads/keep/f", O_RDONLY, &e) != 0) mismatch("main: /tmp/sbthreads/keep/f", "0", -1, e);
    printf("sandbox_threads: %d wrong\n", wrong_total);
    return wrong_total != 0;
}
