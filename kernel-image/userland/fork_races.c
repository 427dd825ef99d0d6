/* Races attack.thread_storm found around fork and execve, each leaving kernel memory or a
   process behind (the in-kernel test checks that every frame and heap block comes back):
   1. fork copies a descriptor table while other threads dup2 fresh pipes over it and close
      them: the child must get each descriptor's description, counted (it fstats them all).
   2. execve from one thread while another calls exit_group: one of them wins and the process
      ends with status 0; the new image made for a losing execve must not be left behind.
   3. a process whose threads keep forking is killed with its group: no child may escape the
      kill by being born during it (each grandchild waits, then makes a file: none may appear).
   Usage: fork_races [SEED]; "N wrong" at the end; 0 wrong on Linux. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIRST_FD 20
#define FDS 200
#define MARK_DIR "/tmp"
#define MARK_PREFIX "fork_races."

static int wrong;
static volatile int stop;
static unsigned long seed;

static void note(const char *what, long expected, long actual)
{
    if (wrong++ < 20) dprintf(1, "fork_races: WRONG %s: expected %ld, got %ld\n", what, expected, actual);
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, 0);
}

static unsigned long next(unsigned long *state)
{
    *state ^= *state << 13; *state ^= *state >> 7; *state ^= *state << 17;
    return *state;
}

/* 1. Descriptors replaced under a fork. */
static void *replacer(void *arg)
{
    unsigned long state = seed ^ (unsigned long)arg;
    while (!stop) {
        int p[2];
        if (pipe(p) != 0) continue;
        int at = FIRST_FD + (int)(next(&state) % FDS);
        dup2(p[next(&state) & 1], at);
        close(p[0]);
        close(p[1]);
        if (next(&state) % 4 == 0) close(FIRST_FD + (int)(next(&state) % FDS));
    }
    return 0;
}

static void descriptors_under_fork(void)
{
    int p[2];
    if (pipe(p) != 0) { note("pipe", 0, -errno); return; }
    for (int i = 0; i < FDS; i++) dup2(p[i & 1], FIRST_FD + i);   /* a big table: a long copy */
    close(p[0]);
    close(p[1]);
    pthread_t threads[2];
    stop = 0;
    for (long i = 0; i < 2; i++) pthread_create(&threads[i], 0, replacer, (void *)(i + 1));
    long until = now_ms() + 1500, forks = 0;
    while (now_ms() < until) {
        pid_t pid = fork();
        if (pid == 0) {
            int bad = 0;
            for (int fd = FIRST_FD; fd < FIRST_FD + FDS; fd++) {
                struct stat st;
                if (fstat(fd, &st) == 0 ? !S_ISFIFO(st.st_mode) : errno != EBADF) bad++;
            }
            _exit(bad ? 1 : 0);
        }
        if (pid < 0) { if (errno != EAGAIN) note("fork (descriptors)", 0, -errno); continue; }
        int status = -1;
        waitpid(pid, &status, 0);
        if (status != 0) note("a forked child's descriptors: each a pipe or EBADF (wait status)", 0, status);
        forks++;
    }
    stop = 1;
    for (int i = 0; i < 2; i++) pthread_join(threads[i], 0);
    for (int fd = FIRST_FD; fd < FIRST_FD + FDS; fd++) close(fd);
    dprintf(1, "fork_races: %ld forks under dup2\n", forks);
}

/* 2. execve against exit_group. */
static const char *self_path = "/proc/self/exe";
static volatile int go;

static void *exit_grouper(void *arg)
{
    long spin = (long)arg;
    while (!go) {}
    for (volatile long i = 0; i < spin; i++) {}
    syscall(SYS_exit_group, 0);
    return 0;
}

static void exec_against_exit_group(void)
{
    unsigned long state = seed ^ 0x5a5a;
    int runs = 40;
    for (int i = 0; i < runs; i++) {
        long spin = (long)(next(&state) % 200000);
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t t;
            pthread_create(&t, 0, exit_grouper, (void *)spin);
            char *argv[] = { (char *)self_path, "exec-child", 0 };
            char *envp[] = { 0 };
            go = 1;
            syscall(SYS_execve, self_path, argv, envp);
            _exit(3);   /* not reached unless execve failed: a wrong answer */
        }
        if (pid < 0) { note("fork (exec)", 0, -errno); continue; }
        int status = -1;
        waitpid(pid, &status, 0);
        if (status != 0) note("execve against exit_group: the process ends with 0 (wait status)", 0, status);
    }
    dprintf(1, "fork_races: %d execs against exit_group\n", runs);
}

/* 3. A group killed while its threads fork. */
static void *forker(void *unused)
{
    (void)unused;
    for (int n = 0; n < 60; n++) {   /* bounded: a few score grandchildren, not a fork bomb */
        sleep_ms(1);
        pid_t pid = fork();
        if (pid == 0) {
            sleep_ms(300);
            char path[64];
            snprintf(path, sizeof path, MARK_DIR "/" MARK_PREFIX "%d", (int)getpid());
            close(open(path, O_CREAT | O_WRONLY, 0600));
            _exit(0);
        }
    }
    for (;;) pause();
    return 0;
}

static int marks(int remove)
{
    int found = 0;
    DIR *dir = opendir(MARK_DIR);
    if (!dir) return 0;
    struct dirent *e;
    while ((e = readdir(dir)) != 0) {
        if (strncmp(e->d_name, MARK_PREFIX, strlen(MARK_PREFIX)) != 0) continue;
        found++;
        if (remove) {
            char path[300];
            snprintf(path, sizeof path, MARK_DIR "/%s", e->d_name);
            unlink(path);
        }
    }
    closedir(dir);
    return found;
}

static void group_kill_during_fork(void)
{
    unsigned long state = seed ^ 0xa5a5;
    int runs = 20, escaped = 0;
    marks(1);
    for (int i = 0; i < runs; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            setpgid(0, 0);
            pthread_t t;
            for (int k = 0; k < 2; k++) pthread_create(&t, 0, forker, 0);
            forker(0);
        }
        if (pid < 0) { note("fork (group)", 0, -errno); continue; }
        setpgid(pid, pid);
        sleep_ms(20 + (long)(next(&state) % 60));
        kill(-pid, SIGKILL);
        int status = -1;
        waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) note("the forking process ends by SIGKILL (wait status)", 9, status);
        /* Every member ends promptly; an orphan may take a moment to be gone. */
        long until = now_ms() + 10000;
        while (kill(-pid, 0) == 0 && now_ms() < until) sleep_ms(5);
        if (kill(-pid, 0) == 0) note("the killed group is empty within 10 s (kill -pgid 0)", -ESRCH, 0);
        kill(-pid, SIGKILL);
    }
    sleep_ms(500);   /* longer than a grandchild's wait: a survivor would have made its file */
    escaped = marks(1);
    if (escaped) note("grandchildren that escaped their group's SIGKILL (files made after it)", 0, escaped);
    dprintf(1, "fork_races: %d groups killed while forking\n", runs);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) return 0;
    seed = argc > 1 ? strtoul(argv[1], 0, 0) : (unsigned long)now_ms() | 1;
    dprintf(1, "fork_races: seed 0x%lx (replay: fork_races 0x%lx)\n", seed, seed);
    if (access(self_path, X_OK) != 0) self_path = argv[0];
    descriptors_under_fork();
    exec_against_exit_group();
    group_kill_during_fork();
    while (waitpid(-1, 0, WNOHANG) > 0) {}
    dprintf(1, "fork_races: %d wrong\n", wrong);
    return wrong != 0;
}
