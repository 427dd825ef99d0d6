/* A small shell for the reference image (./aurora run --init /bin/sh.elf): reads lines from
   the serial console, runs programs from /bin with fork + execve + waitpid ("hello" finds
   /bin/hello.elf), and has the built-ins echo, ls, cat, help and exit. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void list(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) { dprintf(1, "ls: %s: cannot open\n", path); return; }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.') dprintf(1, "%s%s\n", entry->d_name, entry->d_type == DT_DIR ? "/" : "");
    closedir(dir);
}

static void show(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) { dprintf(1, "cat: %s: no such file\n", path); return; }
    char buffer[256];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) write(1, buffer, (size_t)n);
    close(fd);
}

static void run(char **argv)
{
    char path[256];
    if (strchr(argv[0], '/')) snprintf(path, sizeof path, "%s", argv[0]);
    else snprintf(path, sizeof path, "/bin/%s.elf", argv[0]);
    pid_t child = fork();
    if (child == 0) {
        char *envp[] = { "PATH=/bin", NULL };
        execve(path, argv, envp);
        dprintf(1, "%s: not found\n", argv[0]);
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) dprintf(1, "[%s killed by signal %d]\n", argv[0], WTERMSIG(status));
    else if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 127) dprintf(1, "[%s exited with %d]\n", argv[0], WEXITSTATUS(status));
}

int main(void)
{
    char line[256];
    dprintf(1, "Aurora shell: programs in /bin, built-ins echo ls cat help exit\n");
    for (;;) {
        dprintf(1, "aurora$ ");
        ssize_t n = read(0, line, sizeof line - 1);
        if (n <= 0) break;
        line[n] = 0;
        char *argv[16];
        int argc = 0;
        for (char *word = strtok(line, " \t\n"); word && argc < 15; word = strtok(NULL, " \t\n")) argv[argc++] = word;
        argv[argc] = NULL;
        if (argc == 0) continue;
        if (strcmp(argv[0], "exit") == 0) break;
        if (strcmp(argv[0], "help") == 0) { dprintf(1, "echo WORDS | ls [DIR] | cat FILE | exit | NAME runs /bin/NAME.elf\n"); continue; }
        if (strcmp(argv[0], "echo") == 0) {
            for (int i = 1; i < argc; i++) dprintf(1, "%s%s", argv[i], i + 1 < argc ? " " : "");
            dprintf(1, "\n");
            continue;
        }
        if (strcmp(argv[0], "ls") == 0) { list(argc > 1 ? argv[1] : "/"); continue; }
        if (strcmp(argv[0], "cat") == 0) { if (argc > 1) show(argv[1]); continue; }
        run(argv);
    }
    dprintf(1, "bye\n");
    return 0;
}
