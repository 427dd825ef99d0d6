/* sandbox_agent (/bin/agent in the reference image): runs a program under a sandbox policy (issue 15; the format is in docs/sandbox.md).
 *
 *   agent POLICY PROGRAM [ARG...]   apply POLICY, then exec PROGRAM with its arguments
 *   agent -n POLICY                 only check POLICY and print what it means
 *
 * The whole policy is read and checked before anything is applied; a malformed line is
 * refused with its number ("agent: FILE:LINE: ..."), exit status 2. Then: resource limits
 * (setrlimit, soft and hard), filesystem view (unveil, sealed), network rules (netrule),
 * working directory, promises (pledge's execpromises: the program starts with them; the
 * agent itself keeps what it needs to exec), and execve. The kernel answers every later
 * refusal with an errno and writes an audit line ("sandbox: pid N (name) ...") to its log.
 * Exit status: the program's, or 2 (policy), 3 (the kernel refused the policy), 126 (the
 * program cannot be run under the policy), 127 (no such program). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "aurora.h"

enum { MAX_PATHS = 16, MAX_NETS = 8, MAX_LIMITS = 8, LINE_MAX_ = 512 };
enum { NET_CONNECT = 1, NET_BIND = 2 };

struct aurora_netrule { uint32_t actions, address; uint8_t prefix, reserved0; uint16_t first_port, last_port, reserved1; };

static const char *const promise_names[] = { "stdio", "rpath", "wpath", "cpath", "dpath", "fattr", "proc", "exec",
    "inet", "unix", "ipc", "sysvipc", "tty", "id", "settime", NULL };

static struct policy {
    char promises[256];
    int has_promises, ambient_off;
    char paths[MAX_PATHS][256];
    char rights[MAX_PATHS][8];
    int path_count;
    struct aurora_netrule nets[MAX_NETS];
    int net_count, net_handled;
    int limit_resource[MAX_LIMITS];
    const char *limit_name[MAX_LIMITS];
    unsigned long long limit_value[MAX_LIMITS];
    int limit_count;
    char workdir[256];
} policy;

static const char *policy_file;
static int line_number;

static void refuse(const char *message, const char *detail)
{
    fprintf(stderr, "agent: %s:%d: %s%s%s\n", policy_file, line_number, message, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static int is_promise(const char *name)
{
    for (int i = 0; promise_names[i]; i++) if (strcmp(name, promise_names[i]) == 0) return 1;
    return 0;
}

static unsigned long long parse_size(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text || text[0] == '-') refuse("not a number", text);
    unsigned long long scale = 1;
    if (*end == 'K' || *end == 'k') scale = 1ULL << 10, end++;
    else if (*end == 'M' || *end == 'm') scale = 1ULL << 20, end++;
    else if (*end == 'G' || *end == 'g') scale = 1ULL << 30, end++;
    if (*end) refuse("not a number", text);
    if (value > ~0ULL / scale) refuse("number too large", text);
    return value * scale;
}

static unsigned parse_port(const char *text)
{
    char *end;
    unsigned long port = strtoul(text, &end, 10);
    if (end == text || *end || port > 65535) refuse("not a port (0-65535)", text);
    return (unsigned)port;
}

/* net connect|bind|any ADDRESS[/PREFIX] PORT[-PORT], or net none. */
static void parse_net(char **words, int count)
{
    policy.net_handled = 1;
    if (count == 2 && strcmp(words[1], "none") == 0) return;
    if (count != 4) refuse("expected: net connect|bind|any ADDRESS[/PREFIX] PORT[-PORT], or net none", NULL);
    if (policy.net_count == MAX_NETS) refuse("too many net lines (at most 8)", NULL);
    struct aurora_netrule *rule = &policy.nets[policy.net_count++];
    memset(rule, 0, sizeof *rule);
    if (strcmp(words[1], "connect") == 0) rule->actions = NET_CONNECT;
    else if (strcmp(words[1], "bind") == 0) rule->actions = NET_BIND;
    else if (strcmp(words[1], "any") == 0) rule->actions = NET_CONNECT | NET_BIND;
    else refuse("unknown net action (connect, bind, any)", words[1]);
    char address[64];
    snprintf(address, sizeof address, "%s", words[2]);
    int prefix = 32;
    char *slash = strchr(address, '/');
    if (slash) {
        *slash = 0;
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || p < 0 || p > 32) refuse("not a prefix length (0-32)", slash + 1);
        prefix = (int)p;
    }
    struct in_addr in;
    if (inet_pton(AF_INET, address, &in) != 1) refuse("not an IPv4 address", address);
    rule->address = in.s_addr;
    rule->prefix = (uint8_t)prefix;
    char *dash = strchr(words[3], '-');
    if (dash) {
        *dash = 0;
        rule->first_port = (uint16_t)parse_port(words[3]);
        rule->last_port = (uint16_t)parse_port(dash + 1);
    } else {
        rule->first_port = rule->last_port = (uint16_t)parse_port(words[3]);
    }
    if (rule->first_port > rule->last_port) refuse("port range runs backwards", NULL);
}

static void parse_limit(char **words, int count)
{
    static const struct { const char *name; int resource; } names[] = {
        { "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC }, { "cpu", RLIMIT_CPU }, { "as", RLIMIT_AS },
        { "data", RLIMIT_DATA }, { "fsize", RLIMIT_FSIZE }, { "stack", RLIMIT_STACK }, { "core", RLIMIT_CORE }, { NULL, 0 } };
    if (count != 3) refuse("expected: limit NAME VALUE", NULL);
    int found = -1;
    for (int i = 0; names[i].name; i++) if (strcmp(words[1], names[i].name) == 0) found = i;
    if (found < 0) refuse("unknown limit (nofile, nproc, cpu, as, data, fsize, stack, core)", words[1]);
    if (policy.limit_count == MAX_LIMITS) refuse("too many limit lines (at most 8)", NULL);
    policy.limit_resource[policy.limit_count] = names[found].resource;
    policy.limit_name[policy.limit_count] = names[found].name;
    policy.limit_value[policy.limit_count++] = parse_size(words[2]);
}

static void parse_line(char *line)
{
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char *words[32];
    int count = 0;
    for (char *word = strtok(line, " \t\r\n"); word; word = strtok(NULL, " \t\r\n")) {
        if (count == 32) refuse("too many words", NULL);
        words[count++] = word;
    }
    if (count == 0) return;
    if (strcmp(words[0], "promises") == 0) {
        if (policy.has_promises) refuse("promises given twice", NULL);
        policy.has_promises = 1;
        policy.promises[0] = 0;
        for (int i = 1; i < count; i++) {
            if (!is_promise(words[i])) refuse("unknown promise", words[i]);
            if (strlen(policy.promises) + strlen(words[i]) + 2 > sizeof policy.promises) refuse("promises too long", NULL);
            if (policy.promises[0]) strcat(policy.promises, " ");
            strcat(policy.promises, words[i]);
        }
    } else if (strcmp(words[0], "path") == 0) {
        if (count != 3) refuse("expected: path PATH RIGHTS (r, w, x, c, or - for none)", NULL);
        if (words[1][0] != '/') refuse("the path must be absolute", words[1]);
        if (strlen(words[1]) > 255) refuse("path too long (at most 255 bytes)", NULL);
        if (policy.path_count == MAX_PATHS) refuse("too many path lines (at most 16)", NULL);
        const char *rights = strcmp(words[2], "-") == 0 ? "" : words[2];
        if (strspn(rights, "rwxc") != strlen(rights) || strlen(rights) > 4) refuse("rights are letters of rwxc, or -", words[2]);
        strcpy(policy.paths[policy.path_count], words[1]);
        strcpy(policy.rights[policy.path_count++], rights);
    } else if (strcmp(words[0], "net") == 0) {
        parse_net(words, count);
    } else if (strcmp(words[0], "limit") == 0) {
        parse_limit(words, count);
    } else if (strcmp(words[0], "workdir") == 0) {
        if (count != 2 || words[1][0] != '/' || strlen(words[1]) > 255) refuse("expected: workdir ABSOLUTE-PATH", NULL);
        strcpy(policy.workdir, words[1]);
    } else if (strcmp(words[0], "ipc") == 0) {
        if (count != 3 || strcmp(words[1], "ambient") != 0 || strcmp(words[2], "off") != 0) refuse("expected: ipc ambient off", NULL);
        policy.ambient_off = 1;
    } else {
        refuse("unknown directive (promises, path, net, limit, workdir, ipc)", words[0]);
    }
}

static void read_policy(const char *file)
{
    policy_file = file;
    FILE *in = fopen(file, "r");
    if (!in) { fprintf(stderr, "agent: %s: %s\n", file, strerror(errno)); exit(2); }
    char line[LINE_MAX_ + 2];
    while (fgets(line, sizeof line, in)) {
        line_number++;
        if (!strchr(line, '\n') && !feof(in)) refuse("line too long (at most 512 bytes)", NULL);
        parse_line(line);
    }
    fclose(in);
    /* ipc ambient off without promises: every promise but sysvipc. */
    if (policy.ambient_off) {
        if (!policy.has_promises) {
            policy.has_promises = 1;
            for (int i = 0; promise_names[i]; i++) {
                if (strcmp(promise_names[i], "sysvipc") == 0) continue;
                if (policy.promises[0]) strcat(policy.promises, " ");
                strcat(policy.promises, promise_names[i]);
            }
        } else if (strstr(policy.promises, "sysvipc")) {
            line_number = 0;
            refuse("ipc ambient off contradicts the sysvipc promise", NULL);
        }
    }
}

static void print_policy(void)
{
    printf("promises: %s\n", policy.has_promises ? policy.promises : "(all: no pledge)");
    for (int i = 0; i < policy.path_count; i++) printf("path %s %s\n", policy.paths[i], policy.rights[i][0] ? policy.rights[i] : "-");
    if (policy.path_count == 0) printf("paths: (all: no view)\n");
    for (int i = 0; i < policy.net_count; i++) {
        struct in_addr a = { policy.nets[i].address };
        printf("net %s %s/%d %u-%u\n", policy.nets[i].actions == 3 ? "any" : policy.nets[i].actions == 1 ? "connect" : "bind",
               inet_ntoa(a), policy.nets[i].prefix, policy.nets[i].first_port, policy.nets[i].last_port);
    }
    if (!policy.net_handled) printf("net: (all: no rules)\n");
    else if (policy.net_count == 0) printf("net: none\n");
    for (int i = 0; i < policy.limit_count; i++) printf("limit %s %llu\n", policy.limit_name[i], policy.limit_value[i]);
    if (policy.workdir[0]) printf("workdir %s\n", policy.workdir);
}

static void kernel_refused(const char *what, const char *detail)
{
    fprintf(stderr, "agent: the kernel refused %s%s%s: %s\n", what, detail ? " " : "", detail ? detail : "", strerror(errno));
    exit(3);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-n") == 0) {
        read_policy(argv[2]);
        print_policy();
        return 0;
    }
    if (argc < 3 || argv[1][0] == '-') {
        fprintf(stderr, "usage: agent POLICY PROGRAM [ARG...]\n       agent -n POLICY\n");
        return 2;
    }
    read_policy(argv[1]);
    const char *program = argv[2];
    for (int i = 0; i < policy.limit_count; i++) {
        struct rlimit r = { policy.limit_value[i], policy.limit_value[i] };
        if (setrlimit(policy.limit_resource[i], &r) != 0) kernel_refused("a limit", NULL);
    }
    for (int i = 0; i < policy.path_count; i++)
        if (syscall(AURORA_SYS_unveil, policy.paths[i], policy.rights[i]) != 0) kernel_refused("path", policy.paths[i]);
    for (int i = 0; i < policy.net_count; i++)
        if (syscall(AURORA_SYS_netrule, &policy.nets[i]) != 0) kernel_refused("a net rule", NULL);
    if (policy.net_handled && policy.net_count == 0 && syscall(AURORA_SYS_netrule, NULL) != 0) kernel_refused("net none", NULL);
    if ((policy.path_count || policy.net_handled) && syscall(AURORA_SYS_unveil, NULL, NULL) != 0) kernel_refused("sealing the view", NULL);
    if (policy.workdir[0] && chdir(policy.workdir) != 0) {
        fprintf(stderr, "agent: workdir %s: %s (is it inside a path rule?)\n", policy.workdir, strerror(errno));
        return 126;
    }
    if (policy.has_promises && syscall(AURORA_SYS_pledge, NULL, policy.promises) != 0) kernel_refused("promises", policy.promises);
    if (access(program, X_OK) != 0) {
        int e = errno;
        fprintf(stderr, "agent: cannot run %s under %s: %s%s\n", program, policy_file, strerror(e),
                e == ENOENT ? " (no path rule shows it, or it does not exist)" : e == EACCES ? " (no path rule gives it x)" : "");
        return e == ENOENT ? 127 : 126;
    }
    execv(program, argv + 2);
    int e = errno;
    fprintf(stderr, "agent: cannot run %s under %s: %s%s\n", program, policy_file, strerror(e),
            e == EACCES ? " (no path rule gives it x, or it is not executable)" : e == EPERM ? " (the policy's promises lack exec)" : "");
    return e == ENOENT ? 127 : 126;
}
