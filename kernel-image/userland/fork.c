/* fork, copy-on-write and wait4: the child changes its copies of a stack variable, a global
   and a heap block, the parent must not see it; several children end with their own codes
   and are collected with waitpid(-1). Output goes through dprintf (unbuffered) so nothing is
   printed twice. Exit status 0 when everything held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int global = 11;

int main(void)
{
    int failures = 0;
    int local = 5;
    char *heap = malloc(64);
    strcpy(heap, "parent");
    pid_t self = getpid();

    pid_t pid = fork();
    if (pid < 0) { dprintf(1, "fork failed\n"); return 100; }
    if (pid == 0) {
        local = 7; global = 13; strcpy(heap, "child");
        int ok = getppid() == self && local == 7 && global == 13 && strcmp(heap, "child") == 0;
        dprintf(1, "child: pid %d, parent %d, copies %s\n", (int)getpid(), (int)getppid(), ok ? "ok" : "WRONG");
        _exit(ok ? 3 : 99);
    }

    int status = 0;
    pid_t waited = waitpid(pid, &status, 0);
    failures += waited != pid;
    failures += !WIFEXITED(status) || WEXITSTATUS(status) != 3;
    failures += local != 5 || global != 11 || strcmp(heap, "parent") != 0;
    dprintf(1, "parent: child %d exited with %d; my copies %s\n", (int)pid, WEXITSTATUS(status),
            local == 5 && global == 11 && strcmp(heap, "parent") == 0 ? "unchanged" : "CHANGED");

    int sum = 0;
    for (int i = 1; i <= 4; i++) {
        pid_t c = fork();
        if (c == 0) { global += i; _exit(global); }
        if (c < 0) failures++;
    }
    for (int i = 0; i < 4; i++) {
        if (waitpid(-1, &status, 0) <= 0 || !WIFEXITED(status)) failures++;
        else sum += WEXITSTATUS(status);
    }
    failures += sum != 4 * 11 + 10;
    failures += waitpid(-1, &status, WNOHANG) != -1; /* no children left: ECHILD */
    dprintf(1, "fork: %d failures\n", failures);
    return failures;
}
