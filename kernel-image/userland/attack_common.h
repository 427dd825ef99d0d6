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
#if defined(__x86_64__)
static __attribute__((unused)) long raw6(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return r;
}
#elif defined(__aarch64__)
/* svc #0: the number in x8, the arguments in x0-x5, the result in x0 (Linux
   Documentation/arch/arm64, the arm64 syscall ABI; the same as musl's __syscall6). */
static __attribute__((unused)) long raw_svc6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c,
                  x3 __asm__("x3") = d, x4 __asm__("x4") = e, x5 __asm__("x5") = f;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}

/* arm64 (asm-generic) has none of x86-64's legacy calls (open, stat, fork, pipe, poll...):
   the programs name them, and raw() makes on arm64 the call musl makes for the libc function
   of that name (src/fcntl/open.c, src/stat/stat.c, src/process/fork.c...), so each check asks
   the kernel the same question on both architectures. The pseudo numbers lie above every real
   one and never reach the kernel. */
#define ATTACK_LEGACY 0x40000
#define SYS_open (ATTACK_LEGACY + 2)
#define SYS_stat (ATTACK_LEGACY + 4)
#define SYS_lstat (ATTACK_LEGACY + 6)
#define SYS_poll (ATTACK_LEGACY + 7)
#define SYS_access (ATTACK_LEGACY + 21)
#define SYS_pipe (ATTACK_LEGACY + 22)
#define SYS_dup2 (ATTACK_LEGACY + 33)
#define SYS_pause (ATTACK_LEGACY + 34)
#define SYS_fork (ATTACK_LEGACY + 57)
#define SYS_rename (ATTACK_LEGACY + 82)
#define SYS_mkdir (ATTACK_LEGACY + 83)
#define SYS_rmdir (ATTACK_LEGACY + 84)
#define SYS_link (ATTACK_LEGACY + 86)
#define SYS_unlink (ATTACK_LEGACY + 87)
#define SYS_symlink (ATTACK_LEGACY + 88)
#define SYS_readlink (ATTACK_LEGACY + 89)
#define SYS_chmod (ATTACK_LEGACY + 90)
#define SYS_chown (ATTACK_LEGACY + 92)
#define SYS_mknod (ATTACK_LEGACY + 133)
#define SYS_epoll_wait (ATTACK_LEGACY + 232)

static __attribute__((unused)) long raw6(long n, long a, long b, long c, long d, long e, long f)
{
    const long cwd = -100 /* AT_FDCWD */;
    switch (n) {
    case SYS_open: return raw_svc6(SYS_openat, cwd, a, b, c, 0, 0);
    case SYS_stat: return raw_svc6(SYS_newfstatat, cwd, a, b, 0, 0, 0);
    case SYS_lstat: return raw_svc6(SYS_newfstatat, cwd, a, b, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0, 0);
    case SYS_poll: {
        /* musl's poll: a timeout of n ms as a timespec, none when negative. */
        struct timespec t = { c / 1000, (c % 1000) * 1000000L };
        return raw_svc6(SYS_ppoll, a, b, c >= 0 ? (long)&t : 0, 0, 8, 0);
    }
    case SYS_access: return raw_svc6(SYS_faccessat, cwd, a, b, 0, 0, 0);
    case SYS_pipe: return raw_svc6(SYS_pipe2, a, 0, 0, 0, 0, 0);
    case SYS_dup2:
        /* musl's dup2: dup3 refuses old == new; dup2 answers whether old is open. */
        if (a == b) { long r = raw_svc6(SYS_fcntl, a, F_GETFD, 0, 0, 0, 0); return r < 0 ? r : a; }
        return raw_svc6(SYS_dup3, a, b, 0, 0, 0, 0);
    case SYS_pause: return raw_svc6(SYS_ppoll, 0, 0, 0, 0, 0, 0);
    case SYS_fork: return raw_svc6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    case SYS_rename: return raw_svc6(SYS_renameat, cwd, a, cwd, b, 0, 0);
    case SYS_mkdir: return raw_svc6(SYS_mkdirat, cwd, a, b, 0, 0, 0);
    case SYS_rmdir: return raw_svc6(SYS_unlinkat, cwd, a, 0x200 /* AT_REMOVEDIR */, 0, 0, 0);
    case SYS_link: return raw_svc6(SYS_linkat, cwd, a, cwd, b, 0, 0);
    case SYS_unlink: return raw_svc6(SYS_unlinkat, cwd, a, 0, 0, 0, 0);
    case SYS_symlink: return raw_svc6(SYS_symlinkat, a, cwd, b, 0, 0, 0);
    case SYS_readlink: return raw_svc6(SYS_readlinkat, cwd, a, b, c, 0, 0);
    case SYS_chmod: return raw_svc6(SYS_fchmodat, cwd, a, b, 0, 0, 0);
    case SYS_chown: return raw_svc6(SYS_fchownat, cwd, a, b, c, 0, 0);
    case SYS_mknod: return raw_svc6(SYS_mknodat, cwd, a, b, c, 0, 0);
    case SYS_epoll_wait: return raw_svc6(SYS_epoll_pwait, a, b, c, d, 0, 8);
    default: return raw_svc6(n, a, b, c, d, e, f);
    }
}
#else
#error "attack_common.h: raw system calls for x86_64 and aarch64 only"
#endif
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
