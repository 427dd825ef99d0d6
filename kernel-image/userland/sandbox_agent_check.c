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

enum { IPC_NOWAIT_ = 04000, IPC_RMID_ = 0, SHM_RDONLY_ = 010000 };
struct message { long type; char text[32]; };

static int token_from(const char *variable, unsigned char bytes[32])
{
    const char *hex = getenv(variable);
    if (!hex || strlen(hex) != 64) return 0;
    for (int b = 0; b < 32; b++) {
        unsigned value;
        if (sscanf(hex + 2 * b, "%2x", &value) != 1) return 0;
        bytes[b] = (unsigned char)value;
    }
    return 1;
}

static void token_hex(const unsigned char bytes[32], char hex[65])
{
    for (int b = 0; b < 32; b++) snprintf(hex + 2 * b, 3, "%02x", bytes[b]);
}

#define INSIDE_EXPECT(what, ok) do { if (!(ok)) { bad++; printf("inside tokens: WRONG %s (errno %d)\n", what, errno); } } while (0)

/* The program under "token Q queue s", "token M segment m", "token P from ... s": each token
   works for exactly its rights, and is refused (EACCES) beyond them. */
static int inside_tokens(void)
{
    int bad = 0;
    unsigned char q[32], m[32], p[32], copy[32];
    INSIDE_EXPECT("three tokens in the environment", token_from("AGENT_TOKEN_Q", q) && token_from("AGENT_TOKEN_M", m) && token_from("AGENT_TOKEN_P", p));
    long queue = syscall(AURORA_SYS_cap_msgget, q, 0);
    INSIDE_EXPECT("msgget(Q)", queue >= 0);
    struct message out = { 3, "from the agent" }, in;
    INSIDE_EXPECT("send on Q (s)", syscall(AURORA_SYS_cap_msgsnd, queue, &out, sizeof out.text, IPC_NOWAIT_) == 0);
    INSIDE_EXPECT("receive on Q refused (no r)", syscall(AURORA_SYS_cap_msgrcv, queue, &in, sizeof in.text, 0, IPC_NOWAIT_) == -1 && errno == EACCES);
    INSIDE_EXPECT("IPC_RMID on Q refused (no c)", syscall(AURORA_SYS_cap_msgctl, queue, IPC_RMID_, NULL) == -1 && errno == EACCES);
    INSIDE_EXPECT("exporting Q refused (no g)", syscall(AURORA_SYS_cap_token, queue, copy) == -1 && errno == EACCES);
    INSIDE_EXPECT("granting Q on refused (no g)", syscall(AURORA_SYS_cap_grant, q, getppid(), 1) == -1 && errno == EACCES);
    INSIDE_EXPECT("revoking Q refused (no c)", syscall(AURORA_SYS_cap_revoke, q) == -1 && errno == EACCES);
    long segment = syscall(AURORA_SYS_cap_shmget, m, 0, 0);
    INSIDE_EXPECT("shmget(M)", segment >= 0);
    char *view = (char *)syscall(AURORA_SYS_cap_shmat, segment, NULL, SHM_RDONLY_);
    INSIDE_EXPECT("read-only attach of M (m)", (long)view > 0 && view[0] == 0);
    INSIDE_EXPECT("writable attach of M refused (no w)", syscall(AURORA_SYS_cap_shmat, segment, NULL, 0) == -1 && errno == EACCES);
    long passed = syscall(AURORA_SYS_cap_msgget, p, 0);
    INSIDE_EXPECT("msgget(P)", passed >= 0);
    out.type = 5;
    INSIDE_EXPECT("send on P, passed on by the runtime (s)", syscall(AURORA_SYS_cap_msgsnd, passed, &out, sizeof out.text, IPC_NOWAIT_) == 0);
    INSIDE_EXPECT("receive on P refused (no r)", syscall(AURORA_SYS_cap_msgrcv, passed, &in, sizeof in.text, 0, IPC_NOWAIT_) == -1 && errno == EACCES);
    return bad;
}

/* Token brokering (docs/sandbox.md, "token"): this program is the service that holds a queue
   and starts an agent with it; the agent's program gets exactly what the policy says. */
static void check_tokens(void)
{
    char err[512], policy[1024], hex[65], buffer[600];
    unsigned char service[32];
    long queue = syscall(AURORA_SYS_cap_msgget, NULL, 0);
    if (queue < 0 || syscall(AURORA_SYS_cap_token, queue, service) != 0) { wrong++; printf("WRONG the service's queue: errno %d\n", errno); return; }
    token_hex(service, hex);
    setenv("AGENT_CHECK_SERVICE", hex, 1);
    snprintf(policy, sizeof policy,
             "promises stdio ipc\npath %s rx\ntoken Q queue s\ntoken M segment m 8192\ntoken P from AGENT_CHECK_SERVICE s\n", self);
    write_file("/tmp/agent-tokens.policy", policy);
    int status = run((char *[]){ agent, "/tmp/agent-tokens.policy", self, "tokens", NULL }, err, sizeof err);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) { wrong++; printf("WRONG the program with tokens: status %#x, \"%s\"\n", status, err); }
    struct message in;
    memset(&in, 0, sizeof in);
    if (!(syscall(AURORA_SYS_cap_msgrcv, queue, &in, sizeof in.text, 5, IPC_NOWAIT_) > 0 && strcmp(in.text, "from the agent") == 0)) {
        wrong++;
        printf("WRONG the service did not get the agent's message (errno %d)\n", errno);
    }
    /* Rights only narrow: an inner agent that holds Q with send and grant (from the outer
       one) cannot pass it on with receive (EPERM), nor at all without grant (EACCES); it says
       which line, exit 3. */
    snprintf(policy, sizeof policy, "token X from AGENT_TOKEN_Q sr\n");
    write_file("/tmp/agent-inner.policy", policy);
    snprintf(policy, sizeof policy, "promises stdio rpath ipc proc exec\npath %s rx\npath %s rx\npath /tmp/agent-inner.policy r\ntoken Q queue sg\n", agent, self);
    write_file("/tmp/agent-outer.policy", policy);
    status = run((char *[]){ agent, "/tmp/agent-outer.policy", agent, "/tmp/agent-inner.policy", self, "tokens", NULL }, err, sizeof err);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 3 && strstr(err, "agent-inner.policy:1: token X: the runtime does not hold every right asked for"))) {
        wrong++;
        printf("WRONG a grant wider than the runtime holds: expected exit 3 and the line, got %#x, \"%s\"\n", status, err);
    }
    snprintf(policy, sizeof policy, "promises stdio rpath ipc proc exec\npath %s rx\npath %s rx\npath /tmp/agent-inner.policy r\ntoken Q queue s\n", agent, self);
    write_file("/tmp/agent-outer.policy", policy);
    status = run((char *[]){ agent, "/tmp/agent-outer.policy", agent, "/tmp/agent-inner.policy", self, "tokens", NULL }, err, sizeof err);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 3 && strstr(err, "agent-inner.policy:1: token X: the runtime may not grant it on"))) {
        wrong++;
        printf("WRONG passing on a token held without g: expected exit 3 and the line, got %#x, \"%s\"\n", status, err);
    }
    /* A variable that is not set: refused, the line named. */
    snprintf(policy, sizeof policy, "\ntoken P from AGENT_CHECK_NOT_SET s\n");
    write_file("/tmp/agent-inner.policy", policy);
    status = run((char *[]){ agent, "/tmp/agent-inner.policy", self, "tokens", NULL }, err, sizeof err);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 3 && strstr(err, "agent-inner.policy:2: token P: the runtime's environment lacks"))) {
        wrong++;
        printf("WRONG an unset token variable: expected exit 3 and the line, got %#x, \"%s\"\n", status, err);
    }
    syscall(AURORA_SYS_cap_msgctl, queue, IPC_RMID_, NULL);
    (void)buffer;
    unlink("/tmp/agent-tokens.policy");
    unlink("/tmp/agent-inner.policy");
    unlink("/tmp/agent-outer.policy");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "inside") == 0) return inside();
    if (argc > 1 && strcmp(argv[1], "tokens") == 0) return inside_tokens();
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
    expect_refused("token q box s\n", ":1: expected: token NAME queue RIGHTS");
    expect_refused("token q queue sz\n", ":1: token rights are letters of srmwgc: sz");
    expect_refused("token bad-name queue s\n", ":1: a token name is");
    expect_refused("token q queue s\ntoken q segment r\n", ":2: token named twice");
    expect_refused("promises stdio\n\ntoken q queue s\n", ":3: a token needs the ipc promise");
    expect_refused("token q segment m 0\n", ":1: segment size is 1 byte to 1G");

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
        check_tokens();
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
