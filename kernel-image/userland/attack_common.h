/* Shared by the attack programs (userland/attack_*.c, issue 9): options from the in-kernel
   test, a child run with a deadline (a hang is a failure, not a stuck boot), and the Linux
   answers they compare against. Everything goes through dprintf (unbuffered), so a fork
   never prints a line twice. */
#ifndef ATTACK_COMMON_H
#define ATTACK_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int attack_wrong;

/* At most this many WRONG lines are printed (the rest are counted), so output stays bounded. */
#define ATTACK_MAX_REPORTS 40

static __attribute__((unused)) void attack_report(const char *what, const char *expected, long actual, int err)
{
    attack_wrong++;
    if (attack_wrong <= ATTACK_MAX_REPORTS)
        dprintf(1, "WRONG: %s: expected %s, got %ld (errno %d)\n", what, expected, actual, err);
}

/* raw system call: the result, or -errno, never touching the libc's errno. */
static __attribute__((unused)) long raw6(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return r;
}
#define raw(n, a, b, c) raw6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* Expects the call's raw result to be -err (one of up to two errnos; 0 for "any error"). */
static __attribute__((unused)) void expect_errno(const char *what, long result, int err, int alternative)
{
    int ok = result < 0 && result > -4096 && (err == 0 || -result == err || (alternative && -result == alternative));
    if (!ok) {
        char expected[48];
        if (err == 0) snprintf(expected, sizeof expected, "an error");
        else if (alternative) snprintf(expected, sizeof expected, "-%d or -%d", err, alternative);
        else snprintf(expected, sizeof expected, "-%d", err);
        attack_report(what, expected, result, 0);
    }
}

static __attribute__((unused)) void expect_true(const char *what, int ok, long actual)
{
    if (!ok) attack_report(what, "true", actual, errno);
}

static __attribute__((unused)) void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    raw(SYS_nanosleep, &t, 0, 0);
}

/* A word from /tmp/attack-options ("key=value ..."), written by the in-kernel test from the
   kernel command line; 0 when absent. */
static __attribute__((unused)) int attack_option(const char *key, char *value, int capacity)
{
    char text[512];
    int fd = open("/tmp/attack-options", O_RDONLY);
    if (fd < 0) return 0;
    int length = (int)read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return 0;
    text[length] = 0;
    size_t k = strlen(key);
    for (char *p = text; *p; ) {
        while (*p == ' ' || *p == '\n') p++;
        char *word = p;
        while (*p && *p != ' ' && *p != '\n') p++;
        if ((size_t)(p - word) > k && strncmp(word, key, k) == 0 && word[k] == '=') {
            int n = (int)(p - word - k - 1);
            if (n >= capacity) n = capacity - 1;
            memcpy(value, word + k + 1, n);
            value[n] = 0;
            return 1;
        }
    }
    return 0;
}

enum { CHILD_EXITED = 0, CHILD_TIMED_OUT = 1, CHILD_UNKILLABLE = 2 };

/* Waits for child pid for up to ms milliseconds; past that sends SIGKILL and waits up to
   kill_ms more. The wait status goes to *status. CHILD_UNKILLABLE: still there (abandoned). */
static __attribute__((unused)) int wait_with_deadline(pid_t pid, long ms, long kill_ms, int *status)
{
    *status = 0;
    for (long waited = 0; ; waited++) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) return CHILD_EXITED;
        if (r < 0) return CHILD_EXITED;
        if (waited >= ms) break;
        sleep_ms(1);
    }
    kill(pid, SIGKILL);
    for (long waited = 0; waited < kill_ms; waited++) {
        if (waitpid(pid, status, WNOHANG) == pid) return CHILD_TIMED_OUT;
        sleep_ms(1);
    }
    return CHILD_UNKILLABLE;
}

/* Runs body(arg) in a forked child that _exits with its return value; the termination is
   checked by the caller from *status. Returns what wait_with_deadline says, or -1 when fork
   failed. */
static __attribute__((unused)) int run_child(int (*body)(long), long arg, long ms, int *status)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) _exit(body(arg));
    return wait_with_deadline(pid, ms, 3000, status);
}

static __attribute__((unused)) const char *describe_status(int status, char *buffer, int capacity)
{
    if (WIFEXITED(status)) snprintf(buffer, capacity, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(buffer, capacity, "signal %d", WTERMSIG(status));
    else snprintf(buffer, capacity, "status 0x%x", status);
    return buffer;
}

#endif
