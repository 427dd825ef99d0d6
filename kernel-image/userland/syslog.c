/* syslog(2) through musl's klogctl, as busybox's dmesg and klogd use it: every action's answer
   (Linux's do_syslog), the buffer's "<level>[seconds.micro] text" lines, READ's partial reads,
   its wait ended by a signal, READ_CLEAR, and EPERM for every action of an unprivileged
   process (Linux with kernel.dmesg_restrict = 1, Debian's default).
   Prints "syslog: N wrong" (0 on Linux as root; it clears the kernel's buffer, as dmesg -c)
   and "syslog: last line: ..." (the last line READ_ALL gave, before the clear). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { printf("wrong: %s: got %ld, expected %ld\n", what, g_, w_); wrong++; } } while (0)

/* klogctl's answer, or -errno. */
static long klog(int type, char *buffer, int length)
{
    long r = klogctl(type, buffer, length);
    return r < 0 ? -errno : r;
}

static void on_alarm(int signal) { (void)signal; }

/* Every line: "<digit>[" spaces and digits "." six digits "] " text "\n". */
static int lines_look_like_linux(const char *text, long length)
{
    long at = 0;
    while (at < length) {
        const char *line = text + at;
        const char *end = memchr(line, '\n', (size_t)(length - at));
        if (!end) return 0;
        if (line[0] != '<' || line[1] < '0' || line[1] > '7' || line[2] != '>' || line[3] != '[') return 0;
        const char *close = memchr(line, ']', (size_t)(end - line));
        if (!close || close[1] != ' ' || close - line < 12 || close[-7] != '.') return 0;
        at = end - text + 1;
    }
    return 1;
}

int main(void)
{
    long size = klog(10, NULL, 0);
    EXPECT("SIZE_BUFFER is positive and a whole number of KiB", size > 0 && size % 1024 == 0, 1);
    if (size <= 0) size = 65536;
    char *buffer = malloc((size_t)size + 1);
    EXPECT("OPEN", klog(1, NULL, 0), 0);
    EXPECT("CLOSE", klog(0, NULL, 0), 0);
    EXPECT("READ_ALL into NULL: EINVAL", klog(3, NULL, 16), -EINVAL);
    EXPECT("READ_ALL with a negative length: EINVAL", klog(3, buffer, -1), -EINVAL);
    EXPECT("READ_ALL of 0 bytes", klog(3, buffer, 0), 0);
    EXPECT("READ_ALL into an unmapped page: EFAULT", klog(3, (char *)8, (int)size), -EFAULT);
    EXPECT("READ_ALL into kernel memory: EFAULT", klog(3, (char *)0xffff800000001000UL, 16), -EFAULT);
    EXPECT("READ into NULL: EINVAL", klog(2, NULL, 16), -EINVAL);
    EXPECT("an unknown action: EINVAL", klog(11, buffer, 16), -EINVAL);
    EXPECT("another unknown action: EINVAL", klog(-1, buffer, 16), -EINVAL);
    EXPECT("CONSOLE_LEVEL 0: EINVAL", klog(8, NULL, 0), -EINVAL);
    EXPECT("CONSOLE_LEVEL 9: EINVAL", klog(8, NULL, 9), -EINVAL);

    /* The whole buffer: Linux's line format, the most recent lines first cut to fit. */
    long all = klog(3, buffer, (int)size);
    EXPECT("READ_ALL gives the buffer's lines", all > 0 && all <= size, 1);
    if (all > 0) {
        buffer[all] = 0;
        EXPECT("every line is <level>[seconds.micro] text", lines_look_like_linux(buffer, all), 1);
        long start = all - 1;
        while (start > 0 && buffer[start - 1] != '\n') start--;
        printf("syslog: last line: %s", buffer + start);
        long small = klog(3, buffer, 100);
        EXPECT("READ_ALL of 100 bytes: whole lines, at most 100 bytes", small >= 0 && small <= 100, 1);
        if (small > 0) EXPECT("  they look like Linux's", lines_look_like_linux(buffer, small), 1);
    }

    /* READ takes what is unread, partly if asked, and SIZE_UNREAD follows. */
    long unread = klog(9, NULL, 0);
    EXPECT("SIZE_UNREAD is within the buffer", unread >= 0 && unread <= size, 1);
    if (unread > 10) {
        EXPECT("READ of 10 bytes", klog(2, buffer, 10), 10);
        long after = klog(9, NULL, 0);
        EXPECT("SIZE_UNREAD after it (10 fewer, or more if the kernel logged meanwhile)", after >= unread - 10, 1);
    }
    for (int i = 0; i < 64 && klog(9, NULL, 0) > 0; i++) klog(2, buffer, (int)size);
    EXPECT("everything read: SIZE_UNREAD", klog(9, NULL, 0), 0);

    /* With nothing unread READ waits; a signal without SA_RESTART ends it with EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    EXPECT("READ with nothing unread waits until a signal: EINTR", klog(2, buffer, 16), -EINTR);
    alarm(0);

    /* READ_CLEAR gives the lines and clears them for READ_ALL; CLEAR too. */
    EXPECT("READ_CLEAR", klog(4, buffer, (int)size) >= 0, 1);
    EXPECT("READ_ALL after READ_CLEAR: nothing (the kernel logged nothing since)", klog(3, buffer, (int)size), 0);
    EXPECT("CLEAR", klog(5, NULL, 0), 0);
    EXPECT("READ_ALL after CLEAR", klog(3, buffer, (int)size), 0);

    /* An unprivileged process (dmesg_restrict): EPERM for every action, checked first. */
    pid_t child = fork();
    if (child == 0) {
        if (setresuid(1000, 1000, 1000) != 0) _exit(90);
        int bad = 0;
        bad += klog(3, buffer, 16) != -EPERM;
        bad += klog(2, buffer, 16) != -EPERM;
        bad += klog(5, NULL, 0) != -EPERM;
        bad += klog(9, NULL, 0) != -EPERM;
        bad += klog(8, NULL, 9) != -EPERM; /* the permission comes before the argument */
        bad += klog(10, NULL, 0) != -EPERM;
        bad += klog(1, NULL, 0) != -EPERM;
        bad += klog(0, NULL, 0) != -EPERM;
        bad += klog(11, NULL, 0) != -EPERM;
        _exit(bad);
    }
    int status = -1;
    waitpid(child, &status, 0);
    EXPECT("unprivileged: EPERM for every action (wrong answers)", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);

    free(buffer);
    printf("syslog: %d wrong\n", wrong);
    return wrong != 0;
}
