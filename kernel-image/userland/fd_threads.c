/* Descriptor numbers under threads that share one table (CLONE_FILES): four threads open and
 * close their own files at once, each holding up to 48 open (so the table also grows while
 * others use it), and check every descriptor still names the file the thread opened (fstat's
 * inode) and that its close succeeds. Regression: Aurora's table had no lock, so two threads'
 * opens could take the same number (the second overwrote and closed the first's file: EBADF
 * or another file's inode), and a lookup could read a table freed by a growth. Prints
 * "fd_threads: N wrong" (0 on Linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { Threads = 4, Rounds = 400, Held = 48 };

static ino_t inode[Threads];
static int wrong[Threads];

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    char path[64];
    snprintf(path, sizeof path, "/tmp/fd_threads.%d", me);
    int fds[Held];
    for (int round = 0; round < Rounds; round++) {
        int n = 1 + (round * 7 + me) % Held;
        for (int i = 0; i < n; i++) {
            fds[i] = open(path, O_RDONLY | O_CLOEXEC);
            if (fds[i] < 0 && wrong[me]++ < 5) printf("fd_threads: thread %d open: errno %d\n", me, errno);
        }
        for (int i = 0; i < n; i++) {
            struct stat st;
            if (fds[i] < 0) continue;
            if (fstat(fds[i], &st) != 0) {
                if (wrong[me]++ < 5) printf("fd_threads: thread %d fstat(%d): errno %d (expected its own file)\n", me, fds[i], errno);
            } else if (st.st_ino != inode[me]) {
                if (wrong[me]++ < 5) printf("fd_threads: thread %d fd %d names inode %lu, expected %lu\n", me, fds[i], (unsigned long)st.st_ino, (unsigned long)inode[me]);
            }
        }
        for (int i = 0; i < n; i++) {
            if (fds[i] >= 0 && close(fds[i]) != 0 && wrong[me]++ < 5)
                printf("fd_threads: thread %d close(%d): errno %d, expected 0\n", me, fds[i], errno);
        }
    }
    return 0;
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    for (int t = 0; t < Threads; t++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/fd_threads.%d", t);
        int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
        struct stat st;
        fstat(fd, &st);
        inode[t] = st.st_ino;
        close(fd);
    }
    pthread_t threads[Threads];
    for (int t = 0; t < Threads; t++) pthread_create(&threads[t], 0, worker, (void *)(long)t);
    for (int t = 0; t < Threads; t++) pthread_join(threads[t], 0);
    int total = 0;
    for (int t = 0; t < Threads; t++) total += wrong[t];
    for (int t = 0; t < Threads; t++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/fd_threads.%d", t);
        unlink(path);
    }
    printf("fd_threads: %d wrong\n", total);
    return total != 0;
}
