/* fork + execve + waitpid, the way a shell starts a program: the child becomes this same
   program from /bin with other arguments and an environment, checks that it got exactly
   those and exits with 42; the parent collects that status. Also: execve of a missing file
   and of a non-ELF file fail and the caller goes on. Exit status 0 when everything held. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv_in)
{
    if (argc > 1 && strcmp(argv_in[1], "check-args") == 0) {
        const char *aurora = getenv("AURORA");
        int ok = argc == 3 && strcmp(argv_in[0], "exec-by-exec") == 0 && strcmp(argv_in[2], "two") == 0 &&
                 aurora != NULL && strcmp(aurora, "1") == 0;
        dprintf(1, "exec'd: argc %d, argv[0] %s, AURORA=%s\n", argc, argv_in[0], aurora ? aurora : "(unset)");
        return ok ? 42 : 1;
    }

    int wrong = 0;
    char *argv[] = { "exec-by-exec", "check-args", "two", NULL };
    char *envp[] = { "AURORA=1", NULL };

    pid_t pid = fork();
    if (pid == 0) {
        execve("/bin/exec.elf", argv, envp);
        _exit(127);
    }
    int status = 0;
    wrong += waitpid(pid, &status, 0) != pid;
    wrong += !WIFEXITED(status) || WEXITSTATUS(status) != 42;
    dprintf(1, "exec: child exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    errno = 0;
    wrong += execve("/bin/no-such-program", argv, envp) != -1 || errno != ENOENT;
    int fd = open("/tmp/not-a-program", O_CREAT | O_WRONLY, 0755);
    write(fd, "#!/bin/sh\n", 10);
    close(fd);
    errno = 0;
    wrong += execve("/tmp/not-a-program", argv, envp) != -1 || errno != ENOEXEC;
    unlink("/tmp/not-a-program");
    dprintf(1, "exec: %d wrong\n", wrong);
    return wrong;
}
