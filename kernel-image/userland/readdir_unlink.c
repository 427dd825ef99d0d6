/* A directory read while its entries are removed (what busybox rm -r does): every entry that
   was not removed must still be returned, so one pass of getdents64 + unlink empties the
   directory. POSIX: an entry removed after opendir may or may not be returned, any other must
   be returned exactly once; Linux's tmpfs gives every one. 200 files, read with a 128-byte
   buffer (a few records per call) and unlinked as they come; then again with readdir(3).
   Run on Linux too (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FILES 200
#ifndef TOP
#define TOP "/tmp/readdir_unlink"   /* -DTOP='"/dev/shm/readdir_unlink"' for Linux's tmpfs */
#endif

struct linux_dirent64 { unsigned long long d_ino; long long d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "readdir_unlink: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static void make_files(const char *what)
{
    char name[64];
    for (int i = 0; i < FILES; i++)
    {
        snprintf(name, sizeof name, TOP "/file-%03d", i);
        int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) { wrong++; dprintf(1, "readdir_unlink: %s: create %s: %d\n", what, name, errno); continue; }
        close(fd);
    }
}

/* Index of file-NNN, or -1. */
static int index_of(const char *name)
{
    int n;
    if (strncmp(name, "file-", 5) != 0 || strlen(name) != 8 || sscanf(name + 5, "%d", &n) != 1 || n < 0 || n >= FILES) return -1;
    return n;
}

static int remaining(void)
{
    DIR *d = opendir(TOP);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

int main(void)
{
    char seen[FILES];
    char buffer[128] __attribute__((aligned(8)));
    /* Leftovers of an earlier run (on Linux). */
    char name[320];
    for (int i = 0; i < FILES; i++) { snprintf(name, sizeof name, TOP "/file-%03d", i); unlink(name); }
    rmdir(TOP);
    EXPECT("mkdir", rv(mkdir(TOP, 0755)), 0);

    /* 1: getdents64 with a small buffer, unlinkat each entry as it comes. */
    make_files("getdents64");
    EXPECT("200 files made", remaining(), FILES);
    memset(seen, 0, sizeof seen);
    int dfd = open(TOP, O_RDONLY | O_DIRECTORY);
    EXPECT("open the directory", dfd >= 0, 1);
    int passes = 0, removed = 0, calls = 0;
    while (remaining() > 0 && passes < 50)
    {
        passes++;
        EXPECT("rewind", rv(lseek(dfd, 0, SEEK_SET)), 0);
        for (;;)
        {
            long got = syscall(SYS_getdents64, dfd, buffer, sizeof buffer);
            if (got <= 0) { EXPECT("getdents64", got, 0); break; }
            calls++;
            for (long off = 0; off < got;)
            {
                struct linux_dirent64 *d = (struct linux_dirent64 *)(buffer + off);
                off += d->d_reclen;
                if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) continue;
                int i = index_of(d->d_name);
                if (i < 0) { wrong++; dprintf(1, "readdir_unlink: unexpected name %s\n", d->d_name); continue; }
                if (seen[i]++) { wrong++; dprintf(1, "readdir_unlink: %s returned again after its unlink\n", d->d_name); continue; }
                EXPECT("unlinkat an entry just read", rv(unlinkat(dfd, d->d_name, 0)), 0);
                removed++;
            }
        }
    }

    EXPECT("getdents64 + unlink: one pass empties the directory", passes, 1);
    EXPECT("getdents64 + unlink: every file returned and removed", removed, FILES);
    EXPECT("getdents64 + unlink: several calls (a small buffer)", calls > 10, 1);
    EXPECT("nothing left", remaining(), 0);
    close(dfd);

    /* 2: opendir/readdir/unlink, as rm -r does. */
    make_files("readdir");
    DIR *d = opendir(TOP);
    EXPECT("opendir", d != NULL, 1);
    removed = 0;
    memset(seen, 0, sizeof seen);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
    {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int i = index_of(e->d_name);
        if (i < 0 || seen[i]++) { wrong++; dprintf(1, "readdir_unlink: readdir gave %s\n", e->d_name); continue; }
        snprintf(name, sizeof name, TOP "/%s", e->d_name);
        EXPECT("unlink an entry just read", rv(unlink(name)), 0);
        removed++;
    }

    if (d) closedir(d);
    EXPECT("readdir + unlink: every file removed in one pass", removed, FILES);
    EXPECT("nothing left", remaining(), 0);
    EXPECT("rmdir the empty directory", rv(rmdir(TOP)), 0);
    dprintf(1, "readdir_unlink: %d wrong\n", wrong);
    return wrong != 0;
}
