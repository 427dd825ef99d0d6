/* An interactive busybox shell on the console, as an init (getty) would start one: a session
 * of its own with the console as its controlling terminal (setsid, TIOCSCTTY), then
 * `busybox sh -i`. Until the image has applet links and /proc (ash re-executes applets through
 * /proc/self/exe and, when that fails, by their bare name), copies of busybox named after the
 * applets the shell tests use are made in /tmp/applets, which is also the working directory.
 * Usage: session_shell [BUSYBOX] (default /bin/busybox.elf). Prints "session_shell: ready"
 * before the shell starts, and the shell prints "shell-ready" from its $ENV file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define APPLETS "/tmp/applets"

static void copy(const char *from, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, APPLETS "/%s", name);
    int in = open(from, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    static char buffer[65536];
    long n;
    while (in >= 0 && out >= 0 && (n = read(in, buffer, sizeof buffer)) > 0) write(out, buffer, n);
    close(in);
    close(out);
}

int main(int argc, char **argv)
{
    const char *busybox = argc > 1 ? argv[1] : "/bin/busybox.elf";
    if (setsid() < 0) dprintf(2, "session_shell: setsid: %s\n", strerror(errno));
    if (ioctl(0, TIOCSCTTY, 1) < 0) dprintf(2, "session_shell: TIOCSCTTY: %s\n", strerror(errno));
    mkdir("/tmp", 0755);
    mkdir(APPLETS, 0755);
    const char *applets[] = { "sh", "sleep", "cat", "vi", "ls", "stty" };
    for (size_t i = 0; i < sizeof applets / sizeof applets[0]; i++) copy(busybox, applets[i]);
    int profile = open(APPLETS "/profile", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dprintf(profile, "echo shell-ready\n");
    close(profile);
    if (chdir(APPLETS) != 0) dprintf(2, "session_shell: chdir: %s\n", strerror(errno));
    printf("session_shell: ready, session %d, foreground group %d\n", (int)getsid(0), (int)tcgetpgrp(0));
    fflush(stdout);
    char *shell[] = { "sh", "-i", NULL };
    char *environment[] = { "PATH=" APPLETS ":/bin", "HOME=" APPLETS, "TERM=vt100", "ENV=" APPLETS "/profile", "PS1=$ ", NULL };
    execve(busybox, shell, environment);
    dprintf(2, "session_shell: %s: %s\n", busybox, strerror(errno));
    return 127;
}
