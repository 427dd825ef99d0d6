/* The busybox suite's runner (issue 11, item 6): runs every command line of a suite file with
   `busybox sh -c LINE` and prints one record per command, so the same program run natively on a
   Linux host (with the host's /bin/busybox, the same binary) and in Aurora (/bin/busybox.elf)
   gives two lists a host test compares line by line (kernel-image/tests/Qemu/BusyboxSuiteTests.cs).

   Usage: busybox_suite.elf [SUITE [SCRATCH [EXTRA]]]; SUITE defaults to
   /busybox-suite/commands.txt (the signed cpio image of kernel-image/userland/busybox-suite/ the
   test build mounts), SCRATCH to /tmp/bbsuite (the host test passes a directory of its own);
   EXTRA, a directory the commands reach as ../extra (a symbolic link SCRATCH/extra).

   Every command starts alike: a fresh working directory SCRATCH/w holding the same input files
   (written here, byte for byte the same on both systems), standard input an empty file,
   standard output and error one pipe, a small fixed environment (PATH=SCRATCH/bin, where the
   suite file's "applets:" names are links to busybox; LC_ALL=C, TZ=UTC0), and at most
   LIMIT_SECONDS before the shell and its process group are killed. The records:
       bbsuite: <n> exit <status>|signal <number>|timeout <escaped output>
   where the output is the first OUTPUT_CAP bytes (\n, \t, \\ and bytes outside printable
   ASCII escaped, SCRATCH replaced by "@W" so the directory's name does not matter), then
       bbsuite: done <count>
   Suite file: one command per line; "#" lines and blank lines are skipped; a line "<<<" starts a
   command of several lines (here-documents) that ends at a line ">>>". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* userland/debian_suite.c runs another suite with this same runner under another name. */
#ifndef SUITE_PROGRAM
#define SUITE_PROGRAM "busybox_suite"
#define SUITE_FILE "/busybox-suite/commands.txt"
#define SUITE_SCRATCH "/tmp/bbsuite"
#define SUITE_EXTRA 0
#endif

#define LIMIT_SECONDS 12
#define OUTPUT_CAP 2048
#define MAX_COMMANDS 400

static const char *busybox;
static char scratch[256], work[300], bin[300], stdin_file[300];

static void fail(const char *what)
{
    dprintf(1, "bbsuite: fatal: %s: errno %d\n", what, errno);
    exit(2);
}

static void write_file(const char *name, const void *data, size_t size)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", work, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(path);
    if (size && write(fd, data, size) != (ssize_t)size) fail(path);
    close(fd);
}

static void make_dir(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", work, name);
    if (mkdir(path, 0755) != 0) fail(path);
}

/* The inputs every command finds in its working directory. */
static void make_inputs(void)
{
    if (mkdir(work, 0755) != 0) fail(work);
    static const char fruit[] = "apple\nbanana\ncherry\napple\ndate\nbanana\napple\n";
    static const char numbers[] = "3\n1\n20\n2\n10\n";
    static const char words[] = "the quick brown fox\njumps over the lazy dog\nThe End\n";
    static const char table[] = "name,age,city\nann,31,oslo\nbob,25,rome\ncid,40,oslo\n";
    static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                                 "user:x:1000:1000:A User:/home/user:/bin/sh\n";
    static const char spaces[] = "  leading\ttab\ntrailing   \n\nCRLF\r\nlast line without newline";
    write_file("fruit.txt", fruit, sizeof fruit - 1);
    write_file("numbers.txt", numbers, sizeof numbers - 1);
    write_file("words.txt", words, sizeof words - 1);
    write_file("table.csv", table, sizeof table - 1);
    write_file("passwd", passwd, sizeof passwd - 1);
    write_file("spaces.txt", spaces, sizeof spaces - 1);
    write_file("empty", "", 0);
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++) bytes[i] = (unsigned char)i;
    write_file("bytes.bin", bytes, sizeof bytes);
    /* 40 KiB of varied but fixed text, for compression and checksums. */
    static char big[40960];
    unsigned state = 12345;
    for (size_t i = 0; i < sizeof big; i++) {
        state = state * 1103515245u + 12345u;
        big[i] = (i % 64 == 63) ? '\n' : "abcdefgh ijklmnop"[(state >> 16) % 17];
    }
    write_file("big.txt", big, sizeof big);
    make_dir("dir");
    make_dir("dir/sub");
    write_file("dir/one.txt", "one\n", 4);
    write_file("dir/two.txt", "two\n2\n", 6);
    write_file("dir/sub/three.txt", "three\n", 6);
}

/* rm -rf without following symbolic links. */
static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0755); /* a command may have taken its permissions away */
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            char child[1024];
            /* Names first, then removal: removing while listing is the directory's business. */
            char *names = 0;
            size_t used = 0, size = 0;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
                size_t n = strlen(e->d_name) + 1;
                if (used + n > size) { size = (size + n) * 2; names = realloc(names, size); if (!names) fail("realloc"); }
                memcpy(names + used, e->d_name, n);
                used += n;
            }
            closedir(d);
            for (size_t at = 0; at < used; at += strlen(names + at) + 1) {
                snprintf(child, sizeof child, "%s/%s", path, names + at);
                remove_tree(child);
            }
            free(names);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Applet names on PATH: symbolic links to busybox, as `busybox --install -s` makes them. Where
   the system has no symlink(2) yet, a copy of this program instead, which started under an
   applet's name executes busybox with the same arguments (see main): what the kernel does for a
   symbolic link, at 1/30 of the memory a copy of busybox would take in tmpfs. */
static int copies;
static const char *self;
static void install_applet(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", bin, name);
    if (symlink(busybox, path) == 0) return;
    int in = open(self, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (in < 0 || out < 0) fail(path);
    static char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n) fail(path);
    close(in);
    close(out);
    copies++;
}

static volatile sig_atomic_t timed_out;
static void on_timeout(int signal) { (void)signal; timed_out = 1; }

static void print_escaped(const char *out, long length)
{
    static char line[OUTPUT_CAP * 4 + 64];
    long at = 0;
    size_t scratch_length = strlen(scratch);
    for (long i = 0; i < length; i++) {
        unsigned char c = out[i];
        if ((size_t)(length - i) >= scratch_length && !memcmp(out + i, scratch, scratch_length)) {
            at += sprintf(line + at, "@W");
            i += scratch_length - 1;
        } else if (c == '\n') at += sprintf(line + at, "\\n");
        else if (c == '\t') at += sprintf(line + at, "\\t");
        else if (c == '\\') at += sprintf(line + at, "\\\\");
        else if (c < 32 || c > 126) at += sprintf(line + at, "\\x%02x", c);
        else line[at++] = c;
    }
    line[at++] = '\n';
    write(1, line, at);
}

static void run(int index, const char *command)
{
    remove_tree(work);
    make_inputs();
    int p[2];
    if (pipe(p) != 0) fail("pipe");
    timed_out = 0;
    pid_t shell = fork();
    if (shell < 0) fail("fork");
    if (shell == 0) {
        setpgid(0, 0); /* so the time limit can end background jobs too */
        close(p[0]);
        int in = open(stdin_file, O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0) _exit(126);
        if (in > 2) close(in);
        close(p[1]);
        if (chdir(work) != 0) _exit(126);
        char path[400], home[400];
        snprintf(path, sizeof path, "PATH=%s", bin);
        snprintf(home, sizeof home, "HOME=%s", work);
        char *argv[] = { "sh", "-c", (char *)command, 0 };
        char *envp[] = { path, home, "LC_ALL=C", "TZ=UTC0", "USER=root", 0 };
        execve(busybox, argv, envp);
        _exit(127);
    }
    close(p[1]);
    pid_t runner = getpid();
    pid_t watchdog = fork();
    if (watchdog < 0) fail("fork");
    if (watchdog == 0) {
        struct timespec limit = { LIMIT_SECONDS, 0 };
        while (nanosleep(&limit, &limit) != 0 && errno == EINTR) {}
        kill(runner, SIGUSR1);
        _exit(0);
    }

    static char out[OUTPUT_CAP];
    long total = 0;
    for (;;) {
        char chunk[4096];
        ssize_t n = read(p[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR && !timed_out) continue;
        if (n <= 0) break;
        long keep = n < OUTPUT_CAP - total ? n : OUTPUT_CAP - total;
        memcpy(out + total, chunk, keep);
        total += keep; /* past the cap the rest is read and dropped, so writers never block */
    }
    if (timed_out) {
        kill(-shell, SIGKILL);
        kill(shell, SIGKILL);
    }
    close(p[0]);
    int status = 0;
    while (waitpid(shell, &status, 0) < 0 && errno == EINTR) {}
    kill(-shell, SIGKILL); /* whatever the command left running in the background */
    kill(watchdog, SIGKILL);
    while (waitpid(watchdog, 0, 0) < 0 && errno == EINTR) {}

    if (timed_out) dprintf(1, "bbsuite: %d timeout ", index);
    else if (WIFSIGNALED(status)) dprintf(1, "bbsuite: %d signal %d ", index, WTERMSIG(status));
    else dprintf(1, "bbsuite: %d exit %d ", index, WEXITSTATUS(status));
    print_escaped(out, total);
}

static char *read_suite(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) fail(path);
    size_t size = 0, capacity = 65536;
    char *text = malloc(capacity);
    ssize_t n;
    while (text && (n = read(fd, text + size, capacity - size - 1)) > 0) {
        size += n;
        if (size + 1 == capacity) text = realloc(text, capacity *= 2);
    }
    if (!text) fail("malloc");
    text[size] = 0;
    close(fd);
    return text;
}

int main(int argc, char **argv, char **envp)
{
    struct stat st; /* stat, not access(2): the choice must not depend on a call under test */
    busybox = stat("/bin/busybox.elf", &st) == 0 ? "/bin/busybox.elf" : "/bin/busybox"; /* Aurora : Linux */
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strncmp(name, SUITE_PROGRAM, strlen(SUITE_PROGRAM)) != 0) { /* started as an applet link (install_applet) */
        argv[0] = (char *)name;
        execve(busybox, argv, envp);
        dprintf(2, "%s: cannot execute %s: errno %d\n", name, busybox, errno);
        return 127;
    }
    static char self_path[300];
    if (strchr(argv[0], '/')) snprintf(self_path, sizeof self_path, "%s", argv[0]);
    else snprintf(self_path, sizeof self_path, "/bin/%s", argv[0]);
    self = self_path;
    const char *suite = argc > 1 ? argv[1] : SUITE_FILE;
    snprintf(scratch, sizeof scratch, "%s", argc > 2 ? argv[2] : SUITE_SCRATCH);
    const char *extra = argc > 3 ? argv[3] : SUITE_EXTRA;
    snprintf(work, sizeof work, "%s/w", scratch);
    snprintf(bin, sizeof bin, "%s/bin", scratch);
    snprintf(stdin_file, sizeof stdin_file, "%s/stdin", scratch);
    umask(022);
    /* Ignored signals and the signal mask survive execve: whoever started this program (the
       .NET test host ignores SIGPIPE) must not decide how `yes | head` ends. */
    for (int sig = 1; sig < 65; sig++) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    struct sigaction timeout = { .sa_handler = on_timeout }; /* no SA_RESTART: read ends with EINTR */
    sigaction(SIGUSR1, &timeout, 0);

    remove_tree(scratch);
    if (mkdir(scratch, 0755) != 0 || mkdir(bin, 0755) != 0) fail(scratch);
    if (extra) { /* SCRATCH/extra: a directory of programs the commands name as ../extra/NAME */
        char link[300];
        snprintf(link, sizeof link, "%s/extra", scratch);
        if (symlink(extra, link) != 0) fail(link);
    }
    int fd = open(stdin_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(stdin_file);
    close(fd);

    char *text = read_suite(suite);
    static char *commands[MAX_COMMANDS];
    int count = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (!strncmp(line, "applets:", 8)) {
            for (char *name = strtok(line + 8, " "); name; name = strtok(0, " ")) install_applet(name);
            continue;
        }
        if (line[0] == '#' || line[0] == 0) continue;
        if (!strcmp(line, "<<<")) {
            char *start = next, *end = next;
            while (end && strncmp(end, ">>>\n", 4) && strcmp(end, ">>>")) {
                end = strchr(end, '\n');
                if (end) end++;
            }
            if (!end || end == start) { errno = 0; fail("a <<< block without >>>"); }
            end[-1] = 0;
            next = strchr(end, '\n');
            if (next) next++;
            line = start;
        }
        if (count == MAX_COMMANDS) { errno = 0; fail("too many commands"); }
        commands[count++] = line;
    }
    if (copies) dprintf(1, "bbsuite: applets are %d copies of this program (no symlink(2))\n", copies);
    for (int i = 0; i < count; i++) run(i + 1, commands[i]);
    remove_tree(scratch);
    dprintf(1, "bbsuite: done %d\n", count);
    return 0;
}
