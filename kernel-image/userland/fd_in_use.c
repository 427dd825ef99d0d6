/* A descriptor closed (or dup2'd over) by one thread while another thread's call is using it.
 * Linux's fdget gives each call its own reference to the open file description in a shared
 * table, so the call goes on with the file it looked up: a blocked read still reads the pipe,
 * a blocked write still writes it, a poll still watches it, and the pipe keeps its reader or
 * writer until that call ends. Regression: Aurora's calls held no reference of their own, so
 * the close dropped the last one under the call (the pipe lost its reader: the next write got
 * EPIPE, and the blocked call went on in freed kernel memory); and a poll that woke did not
 * look its descriptors up again. The last part is a storm: two
 * threads use descriptors while two others close, dup2 and reopen them. The working directory
 * is the same story: getcwd and relative opens while another thread changes directory.
 * Prints "fd_in_use: N wrong" (0 on Linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static volatile int started;

#define CHECK(cond, ...) do { if (!(cond)) { wrong++; printf("fd_in_use: " __VA_ARGS__); printf("\n"); } } while (0)

/* Lets the other thread enter its call: it set `started` just before it. */
static void settle(void)
{
    while (!started) sched_yield();
    struct timespec t = { 0, 200 * 1000 * 1000 };
    nanosleep(&t, 0);
}

/* Joins the thread whose call is checked; one still blocked after 20 s is itself the failure
 * (the program then ends at once: exit_group ends the blocked thread). */
static void join(pthread_t t, const char *what)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 20;
    int error = pthread_timedjoin_np(t, 0, &deadline);
    if (error == 0) return;
    CHECK(0, "%s: the blocked call had not ended after 20 s (join: %d)", what, error);
    printf("fd_in_use: %d wrong\n", wrong);
    _exit(1);
}

static int pipe_fds[2];
static long call_result;
static int call_errno;
static char byte;

static void *blocked_read(void *arg)
{
    (void)arg;
    started = 1;
    call_result = read(pipe_fds[0], &byte, 1);
    call_errno = errno;
    return 0;
}

static void *blocked_poll(void *arg)
{
    (void)arg;
    struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };
    started = 1;
    call_result = poll(&p, 1, 10000);
    call_errno = p.revents;
    return 0;
}

static char big[256 * 1024];

static void *blocked_write(void *arg)
{
    (void)arg;
    started = 1;
    call_result = write(pipe_fds[1], big, sizeof big);
    call_errno = errno;
    return 0;
}

/* A read blocked on an empty pipe while another thread closes (how 0) or dup2s over (how 1)
 * its descriptor, then writes one byte. */
static void read_then_close(int how)
{
    const char *what = how == 0 ? "close" : "dup2";
    if (pipe(pipe_fds) != 0) { CHECK(0, "pipe: errno %d", errno); return; }
    int read_fd = pipe_fds[0];
    started = 0;
    call_result = -2;
    pthread_t t;
    pthread_create(&t, 0, blocked_read, 0);
    settle();
    if (how == 0) CHECK(close(read_fd) == 0, "%s: close of the read end under a read: errno %d, expected 0", what, errno);
    else {
        int other = open("/dev/null", O_RDONLY);
        CHECK(dup2(other, read_fd) == read_fd, "%s: dup2 over the read end: errno %d", what, errno);
        close(other);
    }
    long n = write(pipe_fds[1], "x", 1);
    CHECK(n == 1, "%s: write to the pipe after the %s: %ld (errno %d), expected 1 (the blocked read still holds the reader)", what, what, n, errno);
    join(t, what);
    CHECK(call_result == 1 && byte == 'x', "%s: the blocked read gave %ld (errno %d, byte %d), expected 1 and 'x'", what, call_result, call_errno, byte);
    /* The read's end is gone now: the pipe has no reader left. */
    n = write(pipe_fds[1], "y", 1);
    CHECK(n == -1 && errno == EPIPE, "%s: write once the read ended: %ld errno %d, expected -1 EPIPE", what, n, errno);
    close(pipe_fds[1]);
    if (how == 1) close(read_fd);
}

/* A poll on the read end while another thread closes it and writes: the write wakes the
 * poll (its wait still holds the pipe's reader), which looks the descriptor up again and
 * finds it closed: POLLNVAL, as Linux's do_poll answers. */
static void poll_then_close(void)
{
    if (pipe(pipe_fds) != 0) return;
    started = 0;
    call_result = -2;
    pthread_t t;
    pthread_create(&t, 0, blocked_poll, 0);
    settle();
    CHECK(close(pipe_fds[0]) == 0, "poll: close under a poll: errno %d", errno);
    long n = write(pipe_fds[1], "x", 1);
    CHECK(n == 1, "poll: write after the close: %ld errno %d, expected 1", n, errno);
    join(t, "poll");
    CHECK(call_result == 1 && call_errno == POLLNVAL, "poll: gave %ld revents %#x, expected 1 with POLLNVAL", call_result, call_errno);
    close(pipe_fds[1]);
}

/* A write blocked on a full pipe while another thread closes its descriptor: the write still
 * finishes once the reader drains the pipe, and only then does the reader see end of file. */
static void write_then_close(void)
{
    if (pipe(pipe_fds) != 0) return;
    started = 0;
    call_result = -2;
    memset(big, 'w', sizeof big);
    pthread_t t;
    pthread_create(&t, 0, blocked_write, 0);
    settle();
    CHECK(close(pipe_fds[1]) == 0, "write: close under a write: errno %d", errno);
    static char sink[64 * 1024];
    long total = 0, n;
    while ((n = read(pipe_fds[0], sink, sizeof sink)) > 0) {
        for (long i = 0; i < n; i++)
            if (sink[i] != 'w') { CHECK(0, "write: byte %ld is %d, expected 'w'", total + i, sink[i]); break; }
        total += n;
    }
    join(t, "write");
    CHECK(n == 0, "write: the reader's last read gave %ld errno %d, expected 0 (end of file)", n, errno);
    CHECK(total == (long)sizeof big, "write: the reader got %ld bytes, expected %ld (the blocked write's all)", total, (long)sizeof big);
    CHECK(call_result == (long)sizeof big, "write: the blocked write gave %ld (errno %d), expected %ld", call_result, call_errno, (long)sizeof big);
    close(pipe_fds[0]);
}

/* The working directory under threads (CLONE_FS): one thread changes between two long
 * directories while another asks getcwd and opens a relative name that exists in both. Every
 * answer must be one of the two whole paths, and every open must succeed. Regression: chdir
 * freed the old path while a getcwd was copying it out (or a walk started from it). */
enum { DepthParts = 14, CwdRounds = 4000 };
static char cwd_paths[2][4096];
static volatile int cwd_stop;

static void *changes_directory(void *arg)
{
    (void)arg;
    for (int i = 0; !cwd_stop; i++)
        if (chdir(cwd_paths[i & 1]) != 0) { CHECK(0, "cwd: chdir: errno %d", errno); break; }
    return 0;
}

static void cwd_race(void)
{
    for (int which = 0; which < 2; which++) {
        char *path = cwd_paths[which];
        strcpy(path, which ? "/tmp/fd_in_use.b" : "/tmp/fd_in_use.a");
        mkdir(path, 0700);
        for (int part = 0; part < DepthParts; part++) {
            size_t at = strlen(path);
            path[at] = '/';
            memset(path + at + 1, which ? 'b' : 'a', 250);
            path[at + 1 + 250] = 0;
            if (mkdir(path, 0700) != 0 && errno != EEXIST) { CHECK(0, "cwd: mkdir: errno %d", errno); return; }
        }
        char file[4200];
        snprintf(file, sizeof file, "%s/f", path);
        int fd = open(file, O_CREAT | O_WRONLY, 0600);
        close(fd);
    }
    cwd_stop = 0;
    if (chdir(cwd_paths[0]) != 0) { CHECK(0, "cwd: chdir: errno %d", errno); return; }
    pthread_t t;
    pthread_create(&t, 0, changes_directory, 0);
    static char answer[4096];
    int bad_getcwd = 0, bad_open = 0;
    for (int round = 0; round < CwdRounds; round++) {
        if (getcwd(answer, sizeof answer) == 0) { if (bad_getcwd++ < 3) CHECK(0, "cwd: getcwd: errno %d", errno); continue; }
        if (strcmp(answer, cwd_paths[0]) != 0 && strcmp(answer, cwd_paths[1]) != 0 && bad_getcwd++ < 3)
            CHECK(0, "cwd: getcwd gave %zu bytes starting \"%.40s\", expected one of the two %zu-byte paths", strlen(answer), answer, strlen(cwd_paths[0]));
        int fd = open("f", O_RDONLY);
        if (fd < 0) { if (bad_open++ < 3) CHECK(0, "cwd: open of the relative name: errno %d, expected success", errno); }
        else close(fd);
    }
    cwd_stop = 1;
    pthread_join(t, 0);
    chdir("/");
    /* Leaves nothing behind (the test compares the kernel heap before and after). */
    for (int which = 0; which < 2; which++) {
        char *path = cwd_paths[which];
        char file[4200];
        snprintf(file, sizeof file, "%s/f", path);
        unlink(file);
        /* Up to the tree's own top, never /tmp itself. */
        for (char *slash; rmdir(path) == 0 && strcmp(path, which ? "/tmp/fd_in_use.b" : "/tmp/fd_in_use.a") != 0 &&
                          (slash = strrchr(path, '/')) != 0;)
            *slash = 0;
    }
}

/* The storm: users read, write, fstat and lseek descriptors 10-17 while changers close them,
 * dup2 other files over them and reopen them. Any answer is fine (EBADF, a short count); the
 * kernel must not fall over, and nothing may leak (the test checks the heap afterwards). */
enum { Slots = 8, FirstSlot = 10, Rounds = 3000 };
static volatile int stop;

static void *user(void *arg)
{
    unsigned seed = (unsigned)(long)arg;
    char buffer[64];
    while (!stop) {
        seed = seed * 1103515245 + 12345;
        int fd = FirstSlot + (seed >> 16) % Slots;
        struct stat st;
        switch ((seed >> 8) % 4) {
        case 0: (void)!read(fd, buffer, sizeof buffer); break;
        case 1: (void)!write(fd, buffer, sizeof buffer); break;
        case 2: fstat(fd, &st); break;
        default: lseek(fd, 0, SEEK_SET); break;
        }
    }
    return 0;
}

static void *changer(void *arg)
{
    unsigned seed = (unsigned)(long)arg;
    for (int round = 0; round < Rounds; round++) {
        seed = seed * 1103515245 + 12345;
        int fd = FirstSlot + (seed >> 16) % Slots;
        switch ((seed >> 8) % 3) {
        case 0: close(fd); break;
        case 1: {
            int p[2];
            if (pipe2(p, O_NONBLOCK) == 0) { dup2(p[seed & 1], fd); close(p[0]); close(p[1]); }
            break;
        }
        default: {
            int f = open("/tmp/fd_in_use.file", O_RDWR | O_CREAT, 0600);
            if (f >= 0) { dup2(f, fd); close(f); }
            break;
        }
        }
    }
    return 0;
}

static void storm(void)
{
    pthread_t users[2], changers[2];
    stop = 0;
    for (int i = 0; i < 2; i++) pthread_create(&users[i], 0, user, (void *)(long)(i + 1));
    for (int i = 0; i < 2; i++) pthread_create(&changers[i], 0, changer, (void *)(long)(i + 7));
    for (int i = 0; i < 2; i++) pthread_join(changers[i], 0);
    stop = 1;
    for (int i = 0; i < 2; i++) pthread_join(users[i], 0);
    for (int fd = FirstSlot; fd < FirstSlot + Slots; fd++) close(fd);
    unlink("/tmp/fd_in_use.file");
    /* The table still works: a new descriptor is the lowest free one. */
    int f = open("/dev/null", O_RDONLY);
    CHECK(f >= 0 && f < FirstSlot, "storm: open afterwards gave %d errno %d, expected a low descriptor", f, errno);
    close(f);
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    read_then_close(0);
    read_then_close(1);
    poll_then_close();
    write_then_close();
    cwd_race();
    storm();
    printf("fd_in_use: %d wrong\n", wrong);
    return wrong != 0;
}
