/* Fork / copy-on-write / exit storm (issue 9, finding 1): 24 workers each fork 40 short-lived
 * children while every process writes a shared 2 MiB static buffer. Each process checks that
 * the buffer holds exactly what it inherited plus its own writes. Before the kernel locked its
 * frame allocator and share counts this corrupted kernel memory about one boot in two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 24
#define CHILDREN 40
#define BUFFER_WORDS (2 * 1024 * 1024 / sizeof(unsigned long))
#define PAGE_WORDS (4096 / sizeof(unsigned long))

static unsigned long buffer[BUFFER_WORDS];

/* Writes tag into one word of every page, then checks every page's word. */
static int stamp_and_check(unsigned long tag)
{
    for (size_t i = 0; i < BUFFER_WORDS; i += PAGE_WORDS) buffer[i + (tag % PAGE_WORDS)] = tag ^ i;
    for (volatile int spin = 0; spin < 2000; spin++) {}
    for (size_t i = 0; i < BUFFER_WORDS; i += PAGE_WORDS)
        if (buffer[i + (tag % PAGE_WORDS)] != (tag ^ i)) return 0;
    return 1;
}

static int worker(int index)
{
    unsigned long mine = 1000 + (unsigned long)index;
    if (!stamp_and_check(mine)) return 3;
    for (int c = 0; c < CHILDREN; c++) {
        pid_t pid = fork();
        if (pid < 0) return 4;
        if (pid == 0) {
            /* The child still sees its parent's stamp, then writes its own. */
            for (size_t i = 0; i < BUFFER_WORDS; i += PAGE_WORDS)
                if (buffer[i + (mine % PAGE_WORDS)] != (mine ^ i)) _exit(5);
            _exit(stamp_and_check(100000 + (unsigned long)index * 100 + (unsigned long)c) ? 0 : 6);
        }
        if (!stamp_and_check(mine)) return 7;
        int status;
        if (c % 2 == 1) {
            /* Reap two at a time so children overlap. */
            for (int k = 0; k < 2; k++) {
                if (wait(&status) < 0) return 8;
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 9;
            }
        }
    }
    return stamp_and_check(mine) ? 0 : 10;
}

int main(void)
{
    for (size_t i = 0; i < BUFFER_WORDS; i++) buffer[i] = i;
    pid_t pids[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        pids[w] = fork();
        if (pids[w] < 0) { printf("cowstorm: fork failed\n"); return 1; }
        if (pids[w] == 0) _exit(worker(w));
    }

    int failures = 0;
    for (int w = 0; w < WORKERS; w++) {
        int status;
        if (waitpid(pids[w], &status, 0) != pids[w]) { failures++; continue; }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("cowstorm: worker %d status %#x\n", w, status);
            failures++;
        }
    }

    for (size_t i = 0; i < BUFFER_WORDS; i++) {
        if (buffer[i] != i) { printf("cowstorm: parent word %zu changed\n", i); failures++; break; }
    }
    printf("cowstorm: %d workers x %d children, %d failures\n", WORKERS, CHILDREN, failures);
    return failures == 0 ? 0 : 1;
}
