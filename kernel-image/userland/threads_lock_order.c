/* Two threads of one process against the lock order: one maps and unmaps a file page at a
 * fixed address (the address-space lock, then the file system's on its first touch), the other read(2)s and
 * getdents into that address (the file system's lock, then, on a fault in the copy, the
 * address-space lock). While the kernel copied under the file-system lock these could wait
 * for each other forever (or, one thread alone, take the file-system lock twice: a panic); a run
 * must end with every read a count or EFAULT. Prints
 * "threads_lock_order: N wrong" (0 on Linux and on Aurora). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROUNDS 3000
static int wrong;
static volatile int stop;
static char *spot;
static int mapped_fd;

static void *mapper(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS && !stop; i++) {
        void *p = mmap(spot, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mapped_fd, 0);
        if (p == MAP_FAILED) { dprintf(1, "threads_lock_order: mmap: %s\n", strerror(errno)); wrong++; break; }
        /* Back to an inaccessible reservation (not a hole another mapping could take). */
        mmap(spot, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    }
    stop = 1;
    return 0;
}

int main(void)
{
    int source = open("/tmp/lock_order_src", O_RDWR | O_CREAT | O_TRUNC, 0600);
    mapped_fd = open("/tmp/lock_order_map", O_RDWR | O_CREAT | O_TRUNC, 0600);
    char block[4096];
    memset(block, 'x', sizeof block);
    if (source < 0 || mapped_fd < 0 || write(source, block, sizeof block) != sizeof block ||
        write(mapped_fd, block, sizeof block) != sizeof block) { dprintf(1, "threads_lock_order: set-up failed\n"); return 1; }
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    spot = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_t t;
    pthread_create(&t, 0, mapper, 0);
    long reads = 0, faults = 0;
    while (!stop) {
        long r = pread(source, spot, 4096, 0);
        /* A count (short when the page went away between two chunks of the copy, as Linux
           stops at the first byte it cannot store) or EFAULT. */
        if (r > 0 && r <= 4096) reads++;
        else if (r < 0 && errno == EFAULT) faults++;
        else { dprintf(1, "threads_lock_order: pread gave %ld (%s)\n", r, r < 0 ? strerror(errno) : "short"); wrong++; break; }
        lseek(dir, 0, SEEK_SET);
        r = syscall(SYS_getdents64, dir, spot, 4096);
        if (r < 0 && errno != EFAULT) { dprintf(1, "threads_lock_order: getdents64: %s\n", strerror(errno)); wrong++; break; }
        r = pwrite(mapped_fd, spot, 16, 100);
        if (r < 0 && errno != EFAULT) { dprintf(1, "threads_lock_order: pwrite: %s\n", strerror(errno)); wrong++; break; }
    }
    stop = 1;
    pthread_join(t, 0);
    if (reads + faults == 0) { dprintf(1, "threads_lock_order: no read ran\n"); wrong++; }
    close(dir); close(source); close(mapped_fd);
    unlink("/tmp/lock_order_src"); unlink("/tmp/lock_order_map");
    dprintf(1, "threads_lock_order: %d wrong\n", wrong);
    return wrong != 0;
}
