/* Runs Debian's busybox-static (a boot module, /bin/busybox.elf; /bin/busybox on a Linux host)
   with a few command lines, each with its standard output and error on a pipe, and prints one
   line per command: "busybox_run: <n> status=<wait status> out=<output, \n as \\n>". The
   in-kernel test (ktests/BusyboxTests.cs) compares the lines with what the same binary prints
   on Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Applet links (no symbolic links yet): copies of the binary named after the applet, in a
   directory of their own on PATH, so the shell finds the same programs on both systems. */
#define APPLETS "/tmp/busybox_run"
static const char *binary;

static void link_applet(const char *name)
{
    char path[64];
    snprintf(path, sizeof path, APPLETS "/%s", name);
    int in = open(binary, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    static char buf[65536];
    long n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
    close(in); close(out);
}

static void run(int n, char *const argv[])
{
    int p[2];
    if (pipe(p) != 0) { dprintf(1, "busybox_run: %d pipe failed: %d\n", n, errno); return; }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]); close(p[1]);
        execve(binary, argv, (char *[]){ "PATH=" APPLETS, 0 });
        dprintf(2, "execve: %d", errno);
        _exit(127);
    }
    close(p[1]);
    static char out[8192];
    long total = 0, r;
    while (total < (long)sizeof out - 1 && (r = read(p[0], out + total, sizeof out - 1 - total)) > 0) total += r;
    close(p[0]);
    int status = -1;
    waitpid(pid, &status, 0);
    dprintf(1, "busybox_run: %d status=%d out=", n, status);
    for (long i = 0; i < total; i++) {
        if (out[i] == '\n') dprintf(1, "\\n");
        else dprintf(1, "%c", out[i]);
    }
    dprintf(1, "\n");
}

int main(void)
{
    binary = open("/bin/busybox.elf", O_RDONLY) >= 0 ? "/bin/busybox.elf" : "/bin/busybox"; /* Aurora : Linux */
    mkdir(APPLETS, 0755);
    link_applet("cat"); link_applet("wc"); link_applet("tr"); link_applet("sort");
    run(1, (char *[]){ "busybox", "echo", "hello", 0 });
    run(2, (char *[]){ "busybox", "sh", "-c", "echo a | cat", 0 });
    run(3, (char *[]){ "busybox", "uname", "-s", 0 });
    run(4, (char *[]){ "busybox", "ls", "/bin", 0 });
    /* One pipeline per shell. (Two in one `sh -c` once lost the second's output on Aurora: the
       kernel read wait4's pid -1 from glibc as 0xffffffff, so the shell never saw its children
       end; the busybox suite, busybox_suite.c, runs many such lines now.) */
    run(5, (char *[]){ "busybox", "sh", "-c", "echo one two three | wc -w", 0 });
    run(6, (char *[]){ "busybox", "sh", "-c", "printf 'b\\na\\n' | sort | tr a-z A-Z", 0 });
    unlink(APPLETS "/cat"); unlink(APPLETS "/wc"); unlink(APPLETS "/tr"); unlink(APPLETS "/sort");
    rmdir(APPLETS);
    dprintf(1, "busybox_run: done\n");
    return 0;
}
