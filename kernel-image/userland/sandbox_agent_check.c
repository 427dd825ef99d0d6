/* Checks the agent runtime (sandbox_agent.c, docs/sandbox.md) from outside: malformed policies are
 * refused with the line named, and (where the kernel has the sandbox calls) a program run
 * under a policy sees exactly the policy: its view, its promises, its limits, no network.
 * The agent and this program sit in the same directory (/bin in the test image). On Linux,
 * which has no calls 1014-1016, only the policy checks run; it prints "0 wrong" there too.
 * Run as "sandbox_agent_check.elf inside" it is the program the agent starts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "aurora.h"

static int wrong;
static char dir[200], agent[256], self[256];

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) { if (write(fd, text, strlen(text)) < 0) perror("write"); close(fd); }
}

/* Runs argv, its standard error into `err`; the wait status. */
static int run(char *const argv[], char *err, size_t size)
{
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t child = fork();
    if (child == 0) {
        dup2(p[1], 2);
        close(p[0]); close(p[1]);
        execv(argv[0], argv);
        _exit(99);
    }
    close(p[1]);
    size_t used = 0;
    long n;
    while (used + 1 < size && (n = read(p[0], err + used, size - 1 - used)) > 0) used += n;
    err[used] = 0;
    close(p[0]);
    int status = 0;
    waitpid(child, &status, 0);
    return status;
}

static void expect_refused(const char *text, const char *needle)
{
    write_file("/tmp/agent-bad.policy", text);
    char err[512];
    int status = run((char *[]){ agent, "/tmp/agent-bad.policy", "/bin/true", NULL }, err, sizeof err);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 2 && strstr(err, needle))) {
        wrong++;
        printf("WRONG policy %s: expected exit 2 and \"%s\", got status %#x and \"%s\"\n", text, needle, status, err);
    }
}

static int inside(void)
{
    int bad = 0;
    struct rlimit r;
    if (!(open("/etc/passwd", O_RDONLY) == -1 && errno == ENOENT)) { bad++; printf("inside: /etc/passwd visible\n"); }
    write_file("made-inside", "x");
    if (access("/tmp/agentwork/made-inside", F_OK) != 0) { bad++; printf("inside: workdir not writable\n"); }
    if (!(socket(AF_INET, SOCK_DGRAM, 0) == -1 && errno == EPERM)) { bad++; printf("inside: socket allowed\n"); }
    if (!(fork() == -1 && errno == EPERM)) { bad++; printf("inside: fork allowed\n"); }
    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur != 20 || r.rlim_max != 20) { bad++; printf("inside: nofile not 20\n"); }
    if (!(syscall(AURORA_SYS_pledge, "stdio rpath wpath cpath proc", NULL) == -1 && errno == EPERM)) { bad++; printf("inside: proc came back\n"); }
    return bad;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "inside") == 0) return inside();
    long n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) strcpy(self, "/bin/sandbox_agent_check.elf");
    snprintf(dir, sizeof dir, "%s", self);
    snprintf(agent, sizeof agent, "%s/sandbox_agent.elf", dirname(dir));

    expect_refused("# fine\npromises stdio bogus\n", ":2: unknown promise: bogus");
    expect_refused("path relative r\n", ":1: the path must be absolute");
    expect_refused("\n\nnet connect 10.0.0.1/33 80\n", ":3: not a prefix length");
    expect_refused("net connect 10.0.0.300 80\n", ":1: not an IPv4 address");
    expect_refused("net bind 127.0.0.1 90-80\n", ":1: port range runs backwards");
    expect_refused("limit nofile lots\n", ":1: not a number: lots");
    expect_refused("limit memory 5\n", ":1: unknown limit");
    expect_refused("frobnicate\n", ":1: unknown directive");
    expect_refused("path /tmp rwz\n", ":1: rights are letters of rwxc");
    expect_refused("promises stdio\npromises stdio\n", ":2: promises given twice");

    char err[512];
    write_file("/tmp/agent-good.policy", "promises stdio rpath\npath /tmp r\nnet connect 10.0.2.0/24 80-81\nlimit nofile 20\n");
    int status = run((char *[]){ agent, "-n", "/tmp/agent-good.policy", NULL }, err, sizeof err);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) { wrong++; printf("WRONG agent -n: status %#x, \"%s\"\n", status, err); }

    if (syscall(AURORA_SYS_pledge, NULL, NULL) != 0) {
        printf("sandbox calls absent (errno %d): only the policy checks ran\n", errno);
    } else {
        mkdir("/tmp/agentwork", 0755);
        char policy[1024];
        snprintf(policy, sizeof policy,
                 "# the sample of docs/sandbox.md, for this program\n"
                 "promises stdio rpath wpath cpath\n"
                 "path /tmp/agentwork rwc\n"
                 "path %s rx\n"
                 "net none\n"
                 "limit nofile 20\n"
                 "workdir /tmp/agentwork\n", self);
        write_file("/tmp/agent.policy", policy);
        status = run((char *[]){ agent, "/tmp/agent.policy", self, "inside", NULL }, err, sizeof err);
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) { wrong++; printf("WRONG the program under the policy: status %#x, \"%s\"\n", status, err); }
        char hello[256];
        snprintf(hello, sizeof hello, "%s/hello.elf", dirname(strcpy(dir, self)));
        status = run((char *[]){ agent, "/tmp/agent.policy", hello, NULL }, err, sizeof err);
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 127 && strstr(err, "agent: cannot run"))) {
            wrong++;
            printf("WRONG a program outside the view: expected 127 and a message, got %#x, \"%s\"\n", status, err);
        }
        write_file("/tmp/agentwork/data", "not a program");
        chmod("/tmp/agentwork/data", 0755);
        status = run((char *[]){ agent, "/tmp/agent.policy", "/tmp/agentwork/data", NULL }, err, sizeof err);
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 126 && strstr(err, "no path rule gives it x"))) {
            wrong++;
            printf("WRONG a program without x: expected 126 and a message, got %#x, \"%s\"\n", status, err);
        }
        /* The program's own exit status comes back through the agent. */
        snprintf(policy, sizeof policy, "path %s rx\n", hello);
        write_file("/tmp/agent-hello.policy", policy);
        status = run((char *[]){ agent, "/tmp/agent-hello.policy", hello, NULL }, err, sizeof err);
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 42)) { wrong++; printf("WRONG hello under a policy: status %#x, \"%s\"\n", status, err); }
        /* The reference image's sample: busybox's shell under the sample policy's promises
           (builtins only: the test image has no applet links in /bin). */
        char busybox[256];
        snprintf(busybox, sizeof busybox, "%s/busybox.elf", dirname(strcpy(dir, self)));
        if (access(busybox, X_OK) == 0) {
            snprintf(policy, sizeof policy,
                     "promises stdio rpath wpath cpath fattr proc exec tty\npath %s rx\npath /tmp/agentwork rwc\n"
                     "workdir /tmp/agentwork\nnet none\nlimit nproc 16\n", busybox);
            write_file("/tmp/agent-shell.policy", policy);
            status = run((char *[]){ agent, "/tmp/agent-shell.policy", busybox, "sh", "-c",
                                     "echo notes > notes.txt && read line < notes.txt && echo $line >&2 && read x < /etc/passwd",
                                     NULL }, err, sizeof err);
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 1 && strstr(err, "notes\n") &&
                  strstr(err, "can't open /etc/passwd: no such file"))) {
                wrong++;
                printf("WRONG busybox sh under the sample policy: expected exit 1, notes, and /etc/passwd hidden; got %#x, \"%s\"\n", status, err);
            }
            unlink("/tmp/agentwork/notes.txt");
            unlink("/tmp/agent-shell.policy");
        }
        unlink("/tmp/agentwork/made-inside");
        unlink("/tmp/agentwork/data");
        rmdir("/tmp/agentwork");
        unlink("/tmp/agent.policy");
        unlink("/tmp/agent-hello.policy");
    }
    unlink("/tmp/agent-bad.policy");
    unlink("/tmp/agent-good.policy");
    printf("agent: %d wrong\n", wrong);
    return wrong != 0;
}
