/* A kernel copy out of user memory racing another thread's munmap of the page (userland for
 * process.copies_from_user_memory_survive_an_unmap). The main thread maps a fresh page (not yet
 * touched: the copy must fault it in) and write()s 16 bytes of it into a pipe while a second
 * thread keeps unmapping that page. Each write either copies the page's zeros (read back from
 * the pipe) or fails with EFAULT, as on Linux; the kernel once looked the page up again after
 * its fault-in without a lock, so an unmap in between made it read physical address 0: a
 * kernel panic on arm64, the bytes at physical 0 on x86_64. Runs 3 s. Prints
 * "copy_unmap_race: N wrong" (0 on Linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
static char *const target = (char *)0x7e0000000000UL;
static volatile int stop;

static void *unmapper(void *unused)
{
    (void)unused;
    while (!stop) {
        munmap(target, PAGE);
        sched_yield();
    }
    return 0;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    int p[2];
    if (pipe(p) != 0) { printf("copy_unmap_race: pipe failed (errno %d)\n1 wrong\n", errno); return 1; }
    pthread_t thread;
    pthread_create(&thread, 0, unmapper, 0);
    long start = now_ms(), copies = 0, faults = 0, wrong = 0;
    while (now_ms() - start < 3000) {
        if (mmap(target, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != target) continue;
        ssize_t n = write(p[1], target + 100, 16);
        if (n < 0) {
            if (errno != EFAULT && wrong++ < 10) printf("copy_unmap_race: write: expected 16 or EFAULT, got errno %d\n", errno);
            faults++;
            continue;
        }
        unsigned char back[16];
        if (n != 16 || read(p[0], back, 16) != 16) {
            if (wrong++ < 10) printf("copy_unmap_race: write of 16 bytes wrote %zd\n", n);
            continue;
        }
        copies++;
        for (int i = 0; i < 16; i++) {
            if (back[i] != 0) {
                if (wrong++ < 10) printf("copy_unmap_race: byte %d of a fresh page read back as 0x%02x, expected 0\n", i, back[i]);
                break;
            }
        }
    }
    stop = 1;
    pthread_join(thread, 0);
    printf("copy_unmap_race: %ld copies, %ld EFAULT\n", copies, faults);
    printf("copy_unmap_race: %ld wrong\n", wrong);
    return wrong != 0;
}
