/* sandbox_agent (/bin/agent in the reference image): runs a program under a sandbox policy (issue 15; the format is in docs/sandbox.md).
 *
 *   agent POLICY PROGRAM [ARG...]   apply POLICY, then exec PROGRAM with its arguments
 *   agent -n POLICY                 only check POLICY and print what it means
 *
 * The whole policy is read and checked before anything is applied; a malformed line is
 * refused with its number ("agent: FILE:LINE: ..."), exit status 2. Then: resource limits
 * (setrlimit, soft and hard), filesystem view (unveil, sealed), network rules (netrule),
 * working directory, promises (pledge's execpromises: the program starts with them; the
 * agent itself keeps what it needs to exec), and execve. With token lines the agent forks first and
 * stays as the runtime that holds the tokens and grants the program each with exactly its rights
 * (broker_tokens). The kernel answers every later
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
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "aurora.h"

enum { MAX_PATHS = 16, MAX_NETS = 8, MAX_LIMITS = 8, MAX_TOKENS = 8, LINE_MAX_ = 512 };
enum { TOKEN_QUEUE = 1, TOKEN_SEGMENT = 2, TOKEN_FROM = 3 };
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
    struct token {                   /* token NAME queue|segment|from ... RIGHTS */
        char name[33], variable[64];
        int kind, line;
        unsigned rights;
        unsigned long long size;
        unsigned char bytes[32];     /* filled when the policy is applied */
        long id;                     /* the runtime's id for it (the program's too, after fork) */
    } tokens[MAX_TOKENS];
    int token_count;
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

/* Rights letters (Aurora.Caps Rights): s send, r receive, m map, w map writable (implies m),
   g grant on, c control (IPC_RMID, revoke). */
static unsigned parse_rights(const char *text)
{
    static const char letters[] = "srmwgc";
    unsigned rights = 0;
    if (!text[0]) refuse("token rights are letters of srmwgc", text);
    for (const char *c = text; *c; c++) {
        const char *at = strchr(letters, *c);
        if (!at) refuse("token rights are letters of srmwgc", text);
        rights |= 1u << (at - letters);
    }
    if (rights & 8) rights |= 4;
    return rights;
}

/* token NAME queue RIGHTS | token NAME segment RIGHTS [SIZE] | token NAME from VARIABLE RIGHTS */
static void parse_token(char **words, int count)
{
    if (count < 4 || count > 5) refuse("expected: token NAME queue RIGHTS, token NAME segment RIGHTS [SIZE], or token NAME from VARIABLE RIGHTS", NULL);
    if (policy.token_count == MAX_TOKENS) refuse("too many token lines (at most 8)", NULL);
    size_t length = strlen(words[1]);
    if (length == 0 || length > 32 || strspn(words[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != length)
        refuse("a token name is 1-32 letters, digits or _", words[1]);
    for (int i = 0; i < policy.token_count; i++) if (strcmp(policy.tokens[i].name, words[1]) == 0) refuse("token named twice", words[1]);
    struct token *t = &policy.tokens[policy.token_count];
    memset(t, 0, sizeof *t);
    strcpy(t->name, words[1]);
    t->line = line_number;
    t->size = 4096;
    if (strcmp(words[2], "queue") == 0 && count == 4) {
        t->kind = TOKEN_QUEUE;
        t->rights = parse_rights(words[3]);
    } else if (strcmp(words[2], "segment") == 0) {
        t->kind = TOKEN_SEGMENT;
        t->rights = parse_rights(words[3]);
        if (count == 5) t->size = parse_size(words[4]);
        if (t->size == 0 || t->size > (1ULL << 30)) refuse("segment size is 1 byte to 1G", words[4]);
    } else if (strcmp(words[2], "from") == 0 && count == 5) {
        t->kind = TOKEN_FROM;
        if (strlen(words[3]) >= sizeof t->variable || strchr(words[3], '=')) refuse("not an environment variable name", words[3]);
        strcpy(t->variable, words[3]);
        t->rights = parse_rights(words[4]);
    } else {
        refuse("expected: token NAME queue RIGHTS, token NAME segment RIGHTS [SIZE], or token NAME from VARIABLE RIGHTS", words[2]);
    }
    policy.token_count++;
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
    } else if (strcmp(words[0], "token") == 0) {
        parse_token(words, count);
    } else {
        refuse("unknown directive (promises, path, net, limit, workdir, ipc, token)", words[0]);
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
    /* A token is only usable through the cap_* calls, which need the ipc promise. */
    if (policy.token_count && policy.has_promises && !strstr(policy.promises, "ipc")) {
        line_number = policy.tokens[0].line;
        refuse("a token needs the ipc promise", policy.tokens[0].name);
    }
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
    for (int i = 0; i < policy.token_count; i++) {
        struct token *t = &policy.tokens[i];
        char letters[8] = "", *l = letters;
        for (int b = 0; b < 6; b++) if (t->rights & (1u << b)) *l++ = "srmwgc"[b];
        *l = 0;
        if (t->kind == TOKEN_FROM) printf("token %s from $%s %s (as AGENT_TOKEN_%s)\n", t->name, t->variable, letters, t->name);
        else if (t->kind == TOKEN_QUEUE) printf("token %s queue %s (as AGENT_TOKEN_%s)\n", t->name, letters, t->name);
        else printf("token %s segment %s %llu (as AGENT_TOKEN_%s)\n", t->name, letters, t->size, t->name);
    }
}

static void kernel_refused(const char *what, const char *detail)
{
    fprintf(stderr, "agent: the kernel refused %s%s%s: %s\n", what, detail ? " " : "", detail ? detail : "", strerror(errno));
    exit(3);
}

/* A token line the runtime cannot carry out (the line named, status 3). */
static void token_failed(const struct token *t, const char *what, int error)
{
    fprintf(stderr, "agent: %s:%d: token %s: %s: %s\n", policy_file, t->line, t->name, what, strerror(error));
    exit(3);
}

/* Mints the objects the policy asks for and finds the tokens it passes on. The runtime holds
   each with its own rights (all of them for what it minted). */
static void prepare_tokens(void)
{
    for (int i = 0; i < policy.token_count; i++) {
        struct token *t = &policy.tokens[i];
        if (t->kind == TOKEN_FROM) {
            const char *hex = getenv(t->variable);
            if (!hex) token_failed(t, "the runtime's environment lacks the variable", ENOENT);
            int ok = strlen(hex) == 64;
            for (int b = 0; ok && b < 32; b++) {
                unsigned value;
                ok = sscanf(hex + 2 * b, "%2x", &value) == 1 && strchr("0123456789abcdefABCDEF", hex[2 * b]) && strchr("0123456789abcdefABCDEF", hex[2 * b + 1]);
                t->bytes[b] = (unsigned char)value;
            }
            if (!ok) token_failed(t, "the variable does not hold a token (64 hex digits)", EINVAL);
            t->id = syscall(AURORA_SYS_cap_msgget, t->bytes, 0);
            if (t->id < 0) t->id = syscall(AURORA_SYS_cap_shmget, t->bytes, 0, 0);
            if (t->id < 0) token_failed(t, "the runtime holds no queue or segment by that token", errno);
        } else {
            t->id = t->kind == TOKEN_QUEUE ? syscall(AURORA_SYS_cap_msgget, NULL, 0) : syscall(AURORA_SYS_cap_shmget, NULL, t->size, 0);
            if (t->id < 0) token_failed(t, "the kernel refused to make it", errno);
            if (syscall(AURORA_SYS_cap_token, t->id, t->bytes) != 0) token_failed(t, "the kernel refused its token", errno);
        }
    }
}

/* The runtime cannot narrow its own holdings, and a program started by exec would inherit
   them whole; so with tokens it forks. The child gives up the runtime's holdings of the
   policy's tokens, the runtime (which keeps its own) grants each back with exactly the
   policy's rights (the kernel refuses, EPERM, a right the runtime lacks), and the child goes
   on to apply the rest of the policy and exec the program with AGENT_TOKEN_NAME=hex in its
   environment. The runtime waits and exits with the program's status. Returns in the child. */
static void broker_tokens(void)
{
    int ready[2], go[2];
    if (pipe(ready) != 0 || pipe(go) != 0) { perror("agent: pipe"); exit(3); }
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) { perror("agent: fork"); exit(3); }
    if (child == 0) {
        close(ready[0]);
        close(go[1]);
        for (int i = 0; i < policy.token_count; i++)
            if (syscall(AURORA_SYS_cap_release, policy.tokens[i].id) != 0) token_failed(&policy.tokens[i], "giving up the runtime's holding", errno);
        char byte = 'r';
        if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1) _exit(3);   /* the runtime refused a grant */
        close(ready[1]);
        close(go[0]);
        for (int i = 0; i < policy.token_count; i++) {
            char name[48], hex[65];
            snprintf(name, sizeof name, "AGENT_TOKEN_%s", policy.tokens[i].name);
            for (int b = 0; b < 32; b++) snprintf(hex + 2 * b, 3, "%02x", policy.tokens[i].bytes[b]);
            setenv(name, hex, 1);
        }
        return;
    }
    close(ready[1]);
    close(go[0]);
    char byte;
    int status = 0;
    if (read(ready[0], &byte, 1) != 1) {   /* the child said why */
        waitpid(child, &status, 0);
        exit(3);
    }
    for (int i = 0; i < policy.token_count; i++) {
        struct token *t = &policy.tokens[i];
        if (syscall(AURORA_SYS_cap_grant, t->bytes, child, t->rights) < 0) {
            int e = errno;
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            token_failed(t, e == EPERM ? "the runtime does not hold every right asked for" : e == EACCES ? "the runtime may not grant it on (it lacks g)" : "granting it to the program", e);
        }
    }
    if (write(go[1], "g", 1) != 1) { perror("agent: pipe"); exit(3); }
    close(go[1]);
    close(ready[0]);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status)) exit(128 + WTERMSIG(status));
    exit(WEXITSTATUS(status));
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
    if (policy.token_count) {
        prepare_tokens();
        broker_tokens();
    }
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
