/* Debian's busybox-static reading /proc and /dev (issue 11 item 4): ps, top -b -n1, mount,
   free, uptime, df and cat /proc/version, each with its output on a pipe. What they print
   depends on the machine, so instead of comparing text this checks the structure Linux's
   busybox prints — the header lines and columns, the program's own line — and prints one
   verdict per command: "proc_busybox: NAME ok" or "proc_busybox: NAME FAILED: <output's
   start>". On a Linux host (busybox at /bin/busybox) every verdict is "ok". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *binary;
static char out[1 << 17];

/* Runs busybox with argv; its output (stdout and stderr) in `out`, its wait status returned. */
static int run(char *const argv[])
{
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]); close(p[1]);
        execve(binary, argv, (char *[]){ "PATH=/bin", 0 });
        _exit(127);
    }
    close(p[1]);
    long total = 0, r;
    while (total < (long)sizeof out - 1 && (r = read(p[0], out + total, sizeof out - 1 - total)) > 0) total += r;
    out[total] = 0;
    close(p[0]);
    int status = -1;
    waitpid(pid, &status, 0);
    return status;
}

static void verdict(const char *name, int ok)
{
    if (ok) { printf("proc_busybox: %s ok\n", name); return; }
    char start[121];
    int n = 0;
    for (const char *c = out; *c && n < 120; c++) start[n++] = *c == '\n' ? '|' : *c;
    start[n] = 0;
    printf("proc_busybox: %s FAILED: %s\n", name, start);
}

/* A line of `out` that begins with `prefix`. */
static const char *line_starting(const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, prefix, n) == 0) return line;
    return NULL;
}

int main(void)
{
    binary = open("/bin/busybox.elf", O_RDONLY) >= 0 ? "/bin/busybox.elf" : "/bin/busybox"; /* Aurora : Linux */

    /* ps: busybox's default columns, and ps's own line with its command line. */
    int status = run((char *[]){ "busybox", "ps", 0 });
    verdict("ps", status == 0 && strncmp(out, "PID   USER     COMMAND\n", 23) == 0 && strstr(out, " busybox ps\n") != NULL);

    /* top in batch mode, one round: the summary lines from meminfo, stat and loadavg, then the
       process table with top's own line. */
    status = run((char *[]){ "busybox", "top", "-b", "-n1", 0 });
    verdict("top", status == 0 && line_starting("Mem: ") && line_starting("CPU:") && line_starting("Load average: ") &&
            line_starting("  PID  PPID USER     STAT   VSZ %VSZ") && strstr(out, "busybox top -b -n1") != NULL);

    /* mount with no arguments lists /proc/mounts as "SOURCE on TARGET type TYPE (OPTIONS)". */
    status = run((char *[]){ "busybox", "mount", 0 });
    verdict("mount", status == 0 && line_starting("proc on /proc type proc (rw"));

    status = run((char *[]){ "busybox", "cat", "/proc/version", 0 });
    verdict("version", status == 0 && strstr(out, " version ") != NULL);

    /* free (sysinfo and /proc/meminfo): the header and the Mem: and Swap: lines. */
    status = run((char *[]){ "busybox", "free", 0 });
    verdict("free", status == 0 && strstr(out, "total") && strstr(out, "used") && line_starting("Mem:") && line_starting("Swap:"));

    /* uptime (sysinfo): " HH:MM:SS up ..., load average: a, b, c". */
    status = run((char *[]){ "busybox", "uptime", 0 });
    verdict("uptime", status == 0 && strstr(out, " up ") && strstr(out, "load average: "));

    /* df (statfs of every line of /proc/mounts): the header, and the root file system. */
    status = run((char *[]){ "busybox", "df", "/", 0 });
    verdict("df", status == 0 && line_starting("Filesystem ") && strstr(out, "Mounted on\n") && strstr(out, "% /\n"));

    /* A device node through busybox: cat of /dev/null is empty, head of /dev/zero is zeros. */
    status = run((char *[]){ "busybox", "sh", "-c", "cat /dev/null; head -c 4 /dev/zero | od -An -tx1", 0 });
    verdict("dev", status == 0 && strstr(out, "00 00 00 00") != NULL);

    printf("proc_busybox: done\n");
    return 0;
}
