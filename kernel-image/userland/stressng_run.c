/* stress-ng on Aurora: Debian's stress-ng (a dynamically linked glibc program, staged with its
   libraries into the stress-ng test image by ./aurora build --test) run stressor by stressor,
   each as `stress-ng --NAME 2 -t 2` (process and thread counts capped) in a process group of
   its own, with a deadline.
   Prints one line per stressor, "stressng: NAME exit N" (or "signal N"), which the host test
   (kernel-image/tests/Qemu/StressNgTests.cs) compares with the same program run natively on
   Linux; "stressng: NAME hang" when it did not end within its deadline and SIGKILL to its
   group was needed, "stressng: NAME unkillable" when even that did not end it, and
   "stressng: NAME stragglers" when processes of its group outlived it.
   Exit status: the number of stressors that hung, could not be killed or left processes.
   Usage: stressng_run [STRESS_NG [TEMP_DIR]] (defaults /usr/bin/stress-ng and /tmp). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Stressors that end with status 0 on Linux 6.18 and on Aurora: process, memory, file, pipe,
   socket, signal, futex, timer, poll/epoll, mmap, fork/clone/vfork, exec and /proc stressors.
   Those Aurora lacks a feature for are listed in docs/security.md ("stress-ng"). Not open:
   stress-ng 0.15.06's open stressor leaves a file behind whenever its second open of a file
   meets EMFILE, which it does with a hard RLIMIT_NOFILE of 1024 (Aurora's default; on Linux
   too under `ulimit -n 1024`). */
static const char *const stressors[] = {
    "access", "alarm", "brk", "chdir", "chmod", "clock", "clone", "close", "dentry", "dev-shm",
    "dir", "dup", "eventfd", "exec", "exit-group", "fault", "fcntl", "fifo", "flock", "fork",
    "fstat", "full", "futex", "get", "getdent", "hrtimers", "kill", "link", "lockf", "madvise",
    "mincore", "mmap", "mprotect", "mremap", "msync", "munmap", "nanosleep", "pipe",
    "poll", "procfs", "pthread", "rename", "sendfile", "sigchld", "signal", "sigpipe",
    "sigsegv", "sigsuspend", "sock", "sockpair", "spawn", "symlink", "vfork", "wait", "zombie",
};

/* TCG is slow and shared: a 2 s stressor has this long to end by itself. */
#define DEADLINE_MS 60000
/* After SIGKILL to its group, this long for the group to be gone. */
#define KILL_DEADLINE_MS 20000

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* Waits for the child up to deadline; 1 with *status when it ended. */
static int wait_until(pid_t pid, int *status, long deadline)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) return 1;
        if (r < 0 && errno != EINTR) return 1; /* no such child: nothing left to wait for */
        if (now_ms() >= deadline) return 0;
        sleep_ms(20);
    }
}

/* Whether any process of group pgid still exists (a zombie counts until its parent waits). */
static int group_alive(pid_t pgid)
{
    return kill(-pgid, 0) == 0 || errno != ESRCH;
}

/* The last line of the stressor's output, so a failure says why (bounded). */
static void print_tail(const char *path)
{
    char buffer[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buffer - 1 ? size - (off_t)sizeof buffer + 1 : 0;
    ssize_t n = pread(fd, buffer, sizeof buffer - 1, from);
    close(fd);
    if (n <= 0) return;
    buffer[n] = 0;
    while (n > 0 && buffer[n - 1] == '\n') buffer[--n] = 0;
    char *last = strrchr(buffer, '\n');
    dprintf(1, "stressng:   %s\n", last ? last + 1 : buffer);
}

static int left_shown;

/* nftw's visitor: prints the first few paths (bounded output) and removes each. */
static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *where)
{
    if (where->level > 0 && left_shown++ < 4) dprintf(1, " %s", path);
    if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0) dprintf(1, " (removing %s: errno %d)", path, errno);
    return 0;
}

int main(int argc, char **argv)
{
    const char *program = argc > 1 ? argv[1] : "/usr/bin/stress-ng";
    const char *temp = argc > 2 ? argv[2] : "/tmp";
    char output[256], tempdir[256];
    snprintf(tempdir, sizeof tempdir, "%s/stressng-run", temp);
    snprintf(output, sizeof output, "%s/stressng-run.out", temp);
    if (access(program, X_OK) != 0) {
        dprintf(1, "stressng: %s is missing (./aurora setup installs stress-ng)\n", program);
        return 1;
    }

    int bad = 0, count = (int)(sizeof stressors / sizeof stressors[0]);
    for (int i = 0; i < count; i++) {
        const char *name = stressors[i];
        char option[64];
        snprintf(option, sizeof option, "--%s", name);
        if (mkdir(tempdir, 0700) != 0 && errno != EEXIST) {
            dprintf(1, "stressng: mkdir %s: errno %d\n", tempdir, errno);
            return 1;
        }

        long start = now_ms();
        pid_t pid = fork();
        if (pid < 0) {
            dprintf(1, "stressng: fork: errno %d\n", errno);
            return 1;
        }

        if (pid == 0) {
            setpgid(0, 0);
            int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }

            if (chdir(tempdir) != 0) _exit(126);
            /* The caps keep the process count small on a shared host (pid_max 32768):
               zombie's default is 8,192 zombies a worker, exec's 4,096 children, pthread's
               1,024 threads. stress-ng takes every stressor's options whichever runs. */
            execl(program, program, option, "2", "-t", "2", "--temp-path", tempdir,
                  "--zombie-max", "256", "--exec-max", "16", "--pthread-max", "32",
                  "--clone-max", "64", (char *)NULL);
            _exit(127);
        }

        setpgid(pid, pid); /* also here: no race with the child's own call */
        int status = 0;
        const char *trouble = NULL;
        if (!wait_until(pid, &status, start + DEADLINE_MS)) {
            trouble = "hang";
            kill(-pid, SIGKILL);
            if (!wait_until(pid, &status, now_ms() + KILL_DEADLINE_MS)) trouble = "unkillable";
        }

        /* Its stressor processes are its children: when stress-ng has ended they are gone or
           orphans still ending. Give them time, then kill what is left. */
        long deadline = now_ms() + KILL_DEADLINE_MS;
        while (group_alive(pid) && now_ms() < deadline) sleep_ms(20);
        if (group_alive(pid)) {
            if (!trouble) trouble = "stragglers";
            kill(-pid, SIGKILL);
        }

        long took = now_ms() - start;
        if (trouble) {
            bad++;
            dprintf(1, "stressng: %s %s (%ld ms)\n", name, trouble, took);
        } else if (WIFEXITED(status)) {
            dprintf(1, "stressng: %s exit %d (%ld ms)\n", name, WEXITSTATUS(status), took);
        } else {
            dprintf(1, "stressng: %s signal %d (%ld ms)\n", name, WTERMSIG(status), took);
        }

        if (trouble || !WIFEXITED(status) || WEXITSTATUS(status) != 0) print_tail(output);
        unlink(output);
        /* stress-ng removes its own files: a directory left non-empty is a failure too
           (the first few names are printed), then it is emptied for the next stressor. */
        if (rmdir(tempdir) != 0 && errno != ENOENT) {
            bad++;
            dprintf(1, "stressng: %s left files in %s (errno %d):", name, tempdir, errno);
            left_shown = 0;
            nftw(tempdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
            dprintf(1, "\n");
        }
    }

    dprintf(1, "stressng: done %d\n", count);
    return bad;
}
