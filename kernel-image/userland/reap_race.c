/* Calls that name another process by pid, raced against that process's end and reap: the
   parent forks children that end at once (or after a short spin) while a second thread reaps
   them, and meanwhile asks about each child by its pid. Every answer must be the live child's
   (the limits, nice value, group and session it inherited) or ESRCH (EINVAL for a CPU clock of
   a process that is gone, as Linux): a call that found the child and used it after it was
   reaped read freed memory (docs/security.md, "Threads sharing kernel objects"). On Aurora,
   cap_grant is raced too: a grant to a child that is ending must not outlive it, so children
   forked afterwards (which may get its capability handle) never hold the token.
   Usage: reap_race [SEED] [FORKS]. 0 wrong natively on Linux (cap_grant answers ENOSYS there). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "aurora.h"

enum { RIGHT_SEND = 1 };
#define NOFILE_SOFT 300
#define NICE 3
#define DEADLINE_MS 20000

static int wrong;
static volatile int stop;
static unsigned long rng;
static long reaped;

static void note(const char *what, long expected, long actual, int pid)
{
    if (wrong++ < 20) dprintf(1, "reap_race: WRONG %s (child %d): expected %ld, got %ld\n", what, pid, expected, actual);
}

static unsigned long next_random(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return rng;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long raw(long n, long a, long b, long c, long d)
{
    long r = syscall(n, a, b, c, d);
    return r < 0 ? -errno : r;
}

/* The reaper: every child, as soon as it has ended. */
static void *reaper(void *unused)
{
    (void)unused;
    for (;;) {
        int status;
        pid_t got = waitpid(-1, &status, __WALL);
        if (got > 0) { __atomic_fetch_add(&reaped, 1, __ATOMIC_RELAXED); continue; }
        if (errno == ECHILD && stop) return 0;
        if (errno == ECHILD) sched_yield();
    }
}

/* `got` must be `live` (the child's answer) or ESRCH. */
static void live_or_gone(const char *what, long live, long got, int pid, long gone)
{
    if (got != live && got != gone) note(what, live, got, pid);
}

static void ask(int pid, int group, int session, const unsigned char *token, int have_caps)
{
    switch (next_random() % 13) {
    case 0: {
        struct rlimit old = { 1, 1 };
        long r = raw(SYS_prlimit64, pid, RLIMIT_NOFILE, 0, (long)&old);
        live_or_gone("prlimit64 read", 0, r, pid, -ESRCH);
        if (r == 0 && old.rlim_cur != NOFILE_SOFT) note("prlimit64: the child's soft RLIMIT_NOFILE", NOFILE_SOFT, (long)old.rlim_cur, pid);
        break;
    }
    case 1: {
        struct rlimit now, old;
        getrlimit(RLIMIT_NOFILE, &now);
        long r = raw(SYS_prlimit64, pid, RLIMIT_NOFILE, (long)&now, (long)&old);
        live_or_gone("prlimit64 write", 0, r, pid, -ESRCH);
        if (r == 0 && old.rlim_cur != NOFILE_SOFT) note("prlimit64: the old soft RLIMIT_NOFILE", NOFILE_SOFT, (long)old.rlim_cur, pid);
        break;
    }
    case 2: live_or_gone("getpriority (20 - nice)", 20 - NICE, raw(SYS_getpriority, PRIO_PROCESS, pid, 0, 0), pid, -ESRCH); break;
    case 3: live_or_gone("setpriority", 0, raw(SYS_setpriority, PRIO_PROCESS, pid, NICE, 0), pid, -ESRCH); break;
    case 4: live_or_gone("kill 0", 0, raw(SYS_kill, pid, 0, 0, 0), pid, -ESRCH); break;
    case 5: {
        unsigned long mask = 0;
        long r = raw(SYS_sched_getaffinity, pid, sizeof mask, (long)&mask, 0);
        if (r != -ESRCH && (r != (long)sizeof mask || mask == 0)) note("sched_getaffinity: 8 and a mask, or ESRCH", 8, r, pid);
        break;
    }
    case 6: live_or_gone("getpgid", group, raw(SYS_getpgid, pid, 0, 0, 0), pid, -ESRCH); break;
    case 7: live_or_gone("getsid", session, raw(SYS_getsid, pid, 0, 0, 0), pid, -ESRCH); break;
    case 8: {
        struct timespec t = { -1, -1 };
        clockid_t clock = (clockid_t)((~(unsigned)pid << 3) | 2); /* MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) */
        long r = raw(SYS_clock_gettime, clock, (long)&t, 0, 0);
        live_or_gone("clock_gettime of the child's CPU clock", 0, r, pid, -EINVAL);
        if (r == 0 && (t.tv_sec < 0 || t.tv_sec > 1000 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000L))
            note("the child's CPU time: seconds", 0, t.tv_sec, pid);
        break;
    }
    case 9: {
        long head = 0; size_t length = 0;
        long r = raw(SYS_get_robust_list, pid, (long)&head, (long)&length, 0);
        live_or_gone("get_robust_list", 0, r, pid, -ESRCH);
        if (r == 0 && length != 24) note("get_robust_list: the length", 24, (long)length, pid);
        break;
    }
    case 10: live_or_gone("tgkill 0", 0, raw(SYS_tgkill, pid, pid, 0, 0), pid, -ESRCH); break;
    case 11: {
        char path[64], text[256];
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        int fd = open(path, O_RDONLY);
        if (fd < 0) { if (errno != ENOENT && errno != ESRCH) note("open /proc/PID/stat: ENOENT when gone", -ENOENT, -errno, pid); break; }
        long n = read(fd, text, sizeof text - 1);
        if (n < 0 && errno != ESRCH && errno != ENOENT) note("read /proc/PID/stat", 0, -errno, pid);
        if (n > 0) {
            text[n] = 0;
            if (atoi(text) != pid) note("/proc/PID/stat: the pid it starts with", pid, atoi(text), pid);
        }
        close(fd);
        break;
    }
    default:
        if (have_caps) {
            long r = raw(AURORA_SYS_cap_grant, (long)token, pid, RIGHT_SEND, 0);
            live_or_gone("cap_grant (an id, or ESRCH)", 0, r >= 0 ? 0 : r, pid, -ESRCH);
        }
        break;
    }
}

int main(int argc, char **argv)
{
    rng = argc > 1 ? strtoul(argv[1], 0, 0) : (unsigned long)now_ms() | 1;
    long forks = argc > 2 ? atol(argv[2]) : 3000;
    dprintf(1, "reap_race: seed 0x%lx, %ld children (replay: reap_race 0x%lx %ld)\n", rng, forks, rng, forks);
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = NOFILE_SOFT;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) note("setrlimit", 0, -errno, 0);
    if (setpriority(PRIO_PROCESS, 0, NICE) != 0) note("setpriority of the parent", 0, -errno, 0);
    int group = getpgid(0), session = getsid(0);

    /* A queue only this process holds; children get it only through cap_grant. */
    unsigned char token[32];
    long queue = syscall(AURORA_SYS_cap_msgget, NULL, 0);
    int have_caps = queue >= 0 && syscall(AURORA_SYS_cap_token, queue, token) == 0;
    dprintf(1, "reap_race: capability calls %s\n", have_caps ? "raced too" : "absent (ENOSYS: not Aurora)");

    pthread_t thread;
    if (pthread_create(&thread, 0, reaper, 0) != 0) { dprintf(1, "reap_race: no reaper thread\n1 wrong\n"); return 1; }
    long started = now_ms(), made = 0;
    for (long i = 0; i < forks && now_ms() - started < DEADLINE_MS; i++) {
        unsigned spin = (unsigned)(next_random() % 4000);
        pid_t pid = fork();
        if (pid == 0) {
            for (volatile unsigned k = 0; k < spin; k++) {}
            _exit(0);
        }
        if (pid < 0) {
            if (errno != EAGAIN) note("fork", 0, -errno, 0);
            sched_yield();
            continue;
        }
        made++;
        int calls = 1 + (int)(next_random() % 6);
        for (int c = 0; c < calls; c++) ask(pid, group, session, token, have_caps);
    }
    stop = 1;
    pthread_join(thread, 0);

    /* Children that were never granted the token must not hold it, whichever handle they got
       (a grant that reached an ending child after its capabilities were dropped would stay
       on its handle for the next process). */
    if (have_caps) {
        for (int i = 0; i < 32; i++) {
            pid_t pid = fork();
            /* It gives up the holding fork gave it; nothing else may be left. */
            if (pid == 0) _exit(syscall(AURORA_SYS_cap_release, queue) != 0 ? 3 : syscall(AURORA_SYS_cap_msgget, token, 0) >= 0 ? 1 : errno == EACCES ? 0 : 2);
            int status = -1;
            if (pid < 0 || waitpid(pid, &status, 0) != pid) { note("fork of a checker", 0, -errno, 0); continue; }
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                note("a child never granted the token: cap_msgget EACCES (exit 0; 1: it held the token)", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status), pid);
        }
    }

    dprintf(1, "reap_race: %ld children in %ld ms, %ld reaped\n", made, now_ms() - started, reaped);
    if (reaped != made) note("children reaped", made, reaped, 0);
    dprintf(1, "reap_race: %d wrong\n", wrong);
    return wrong != 0;
}
