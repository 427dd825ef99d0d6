/* A second file system beside tmpfs: the read-only cpio image the test build mounts at /ro
   (made by tools/aurora.sh from kernel-image/userland/rofs/). Lists it with getdents64 (a small
   buffer, several calls), reads and stats its files, follows its symbolic link, walks ".." out
   of it back into tmpfs (path, openat(dirfd, ".."), chdir), and gets EROFS for every change and
   EXDEV for renames into and out of it.

   Run on Linux too, against a copy of the folder on tmpfs (cp -a kernel-image/userland/rofs
   /dev/shm/rofs; ./rofs.elf /dev/shm/rofs: ext4 answers read(2) of a directory with EINVAL, not
   tmpfs's EISDIR) — every check
   that does not need the mount gives the same answer there; the mount-specific ones (st_dev,
   EROFS, EXDEV) run only when the root is /ro. Prints "rofs: N wrong". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "rofs: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static char root[256], parent[256];

static const char *at(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ & 3];
    snprintf(p, 512, "%s/%s", root, name);
    return p;
}

/* Reads the whole file at path into buffer; its length or -errno. */
static long slurp(const char *path, char *buffer, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -errno;
    long n = read(fd, buffer, size - 1);
    close(fd);
    if (n >= 0) buffer[n] = 0;
    return n < 0 ? -errno : n;
}

struct seen { const char *name; int type; int count; };

/* Lists the directory open as fd with getdents64 and a buffer of `size` bytes; each name
   found in `want` counts there, anything else counts as unexpected. */
static int list(int fd, size_t size, struct seen *want, int n)
{
    char buffer[1024];
    int unexpected = 0;
    for (;;)
    {
        long got = syscall(SYS_getdents64, fd, buffer, size);
        if (got < 0) { dprintf(1, "rofs: getdents64 failed: %d\n", errno); return -1; }
        if (got == 0) break;
        for (long off = 0; off < got;)
        {
            struct dirent *d = (struct dirent *)(buffer + off);
            int found = 0;
            for (int i = 0; i < n; i++)
            {
                if (strcmp(d->d_name, want[i].name) == 0)
                {
                    found = 1;
                    want[i].count++;
                    if (want[i].type != d->d_type) { wrong++; dprintf(1, "rofs: %s: d_type %d, want %d\n", d->d_name, d->d_type, want[i].type); }
                }
            }

            if (!found) { unexpected++; dprintf(1, "rofs: unexpected entry %s\n", d->d_name); }
            off += d->d_reclen;
        }
    }

    return unexpected;
}

static void check_listing(const char *what, int fd, size_t size)
{
    struct seen want[] = {
        { ".", DT_DIR, 0 }, { "..", DT_DIR, 0 }, { "docs", DT_DIR, 0 }, { "hello.txt", DT_REG, 0 }, { "link", DT_LNK, 0 },
    };
    int n = sizeof want / sizeof want[0];
    EXPECT(what, list(fd, size, want, n), 0);
    for (int i = 0; i < n; i++)
        if (want[i].count != 1) { wrong++; dprintf(1, "rofs: %s: %s seen %d times\n", what, want[i].name, want[i].count); }
}

int main(int argc, char **argv)
{
    int mounted = argc < 2;
    snprintf(root, sizeof root, "%s", mounted ? "/ro" : argv[1]);
    snprintf(parent, sizeof parent, "%s", root);
    char *slash = strrchr(parent, '/');
    if (slash == parent) parent[1] = 0; else if (slash) *slash = 0;

    const char hello[] = "hello from the read-only image\n";
    const char readme[] = "a second file, one directory down\n";
    char buffer[256];
    struct stat st, st2, top;

    /* Listing: a buffer for one or two records at a time, then one for all. */
    int dfd = open(root, O_RDONLY | O_DIRECTORY);
    EXPECT("open the image's root", dfd >= 0, 1);
    check_listing("getdents64, 40-byte buffer", dfd, 40);
    EXPECT("rewind the directory", rv(lseek(dfd, 0, SEEK_SET)), 0);
    check_listing("getdents64, 1 KiB buffer", dfd, 1024);
    EXPECT("getdents64 at the end", rv(syscall(SYS_getdents64, dfd, buffer, sizeof buffer)), 0);
    int sub = openat(dfd, "docs", O_RDONLY | O_DIRECTORY);
    EXPECT("openat(root, docs)", sub >= 0, 1);
    {
        struct seen want[] = { { ".", DT_DIR, 0 }, { "..", DT_DIR, 0 }, { "readme.txt", DT_REG, 0 } };
        EXPECT("list docs", list(sub, sizeof buffer, want, 3), 0);
        EXPECT("docs has readme.txt", want[2].count, 1);
    }

    /* Reading and stat. */
    EXPECT("read hello.txt", slurp(at("hello.txt"), buffer, sizeof buffer), (long)sizeof hello - 1);
    EXPECT("hello.txt's bytes", strcmp(buffer, hello), 0);
    EXPECT("read docs/readme.txt", slurp(at("docs/readme.txt"), buffer, sizeof buffer), (long)sizeof readme - 1);
    EXPECT("readme's bytes", strcmp(buffer, readme), 0);
    int f = openat(dfd, "hello.txt", O_RDONLY);
    EXPECT("openat(root, hello.txt)", f >= 0, 1);
    EXPECT("lseek 6", rv(lseek(f, 6, SEEK_SET)), 6);
    EXPECT("read after lseek", rv(read(f, buffer, 4)), 4);
    EXPECT("the bytes after lseek", memcmp(buffer, "from", 4), 0);
    EXPECT("lseek SEEK_END", rv(lseek(f, 0, SEEK_END)), (long)sizeof hello - 1);
    EXPECT("read at the end", rv(read(f, buffer, 4)), 0);
    EXPECT("stat hello.txt", rv(stat(at("hello.txt"), &st)), 0);
    EXPECT("a regular file", S_ISREG(st.st_mode), 1);
    EXPECT("its size", st.st_size, (long)sizeof hello - 1);
    EXPECT("fstat", rv(fstat(f, &st2)), 0);
    EXPECT("fstat: same inode as stat", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev, 1);
    EXPECT("stat docs", rv(stat(at("docs"), &st)), 0);
    EXPECT("a directory", S_ISDIR(st.st_mode), 1);
    EXPECT("newfstatat(root, docs/readme.txt)", rv(fstatat(dfd, "docs/readme.txt", &st, 0)), 0);
    EXPECT("its size", st.st_size, (long)sizeof readme - 1);
    EXPECT("read a directory EISDIR", rv(read(dfd, buffer, 1)), -EISDIR);
    EXPECT("a missing name ENOENT", rv(open(at("missing"), O_RDONLY)), -ENOENT);
    EXPECT("a file as a directory ENOTDIR", rv(open(at("hello.txt/x"), O_RDONLY)), -ENOTDIR);

    /* The symbolic link link -> docs/readme.txt is followed. */
    EXPECT("read through the link", slurp(at("link"), buffer, sizeof buffer), (long)sizeof readme - 1);
    EXPECT("the link's target's bytes", strcmp(buffer, readme), 0);
    EXPECT("stat through the link", rv(stat(at("link"), &st)), 0);
    EXPECT("stat docs/readme.txt", rv(stat(at("docs/readme.txt"), &st2)), 0);
    EXPECT("the link leads to readme.txt", st.st_ino == st2.st_ino && S_ISREG(st.st_mode), 1);
    EXPECT("openat(root, link) through the link", rv(close(openat(dfd, "link", O_RDONLY))), 0);

    /* ".." out of the image is its parent (on Aurora: "/", the root tmpfs). */
    EXPECT("stat the parent", rv(stat(parent, &top)), 0);
    EXPECT("stat root/..", rv(stat(at(".."), &st)), 0);
    EXPECT("root/.. is the parent", st.st_ino == top.st_ino && st.st_dev == top.st_dev, 1);
    int up = openat(dfd, "..", O_RDONLY | O_DIRECTORY);
    EXPECT("openat(root dirfd, ..)", up >= 0, 1);
    EXPECT("fstat it", rv(fstat(up, &st)), 0);
    EXPECT("openat(root dirfd, ..) is the parent", st.st_ino == top.st_ino && st.st_dev == top.st_dev, 1);
    EXPECT("newfstatat(docs dirfd, ../..)", rv(fstatat(sub, "../..", &st, 0)), 0);
    EXPECT("docs/../.. is the parent", st.st_ino == top.st_ino && st.st_dev == top.st_dev, 1);
    EXPECT("read root/docs/../hello.txt", slurp(at("docs/../hello.txt"), buffer, sizeof buffer), (long)sizeof hello - 1);
    EXPECT("chdir root/docs", rv(chdir(at("docs"))), 0);
    EXPECT("read readme.txt from the working directory", slurp("readme.txt", buffer, sizeof buffer), (long)sizeof readme - 1);
    EXPECT("chdir ../..", rv(chdir("../..")), 0);
    EXPECT("getcwd", getcwd(buffer, sizeof buffer) != NULL, 1);
    EXPECT("the working directory is the parent", strcmp(buffer, parent), 0);
    close(up);

    if (mounted)
    {
        /* A file system of its own. */
        EXPECT("stat /ro", rv(stat("/ro", &st)), 0);
        EXPECT("stat /", rv(stat("/", &st2)), 0);
        EXPECT("/ro is another device", st.st_dev != st2.st_dev, 1);
        EXPECT("stat /ro/hello.txt", rv(stat("/ro/hello.txt", &st2)), 0);
        EXPECT("a file in /ro is on /ro's device", st.st_dev == st2.st_dev, 1);

        /* Every change: EROFS; renames across the mount: EXDEV. */
        EXPECT("open O_WRONLY EROFS", rv(open("/ro/hello.txt", O_WRONLY)), -EROFS);
        EXPECT("open O_RDWR EROFS", rv(open("/ro/hello.txt", O_RDWR)), -EROFS);
        EXPECT("open O_CREAT of a new name EROFS", rv(open("/ro/new", O_WRONLY | O_CREAT, 0644)), -EROFS);
        EXPECT("openat(dirfd, O_CREAT) EROFS", rv(openat(dfd, "new", O_RDWR | O_CREAT | O_EXCL, 0644)), -EROFS);
        EXPECT("open through the link O_WRONLY EROFS", rv(open("/ro/link", O_WRONLY)), -EROFS);
        EXPECT("write to a read-only descriptor EBADF", rv(write(f, "x", 1)), -EBADF);
        EXPECT("mkdir EROFS", rv(mkdir("/ro/newdir", 0755)), -EROFS);
        EXPECT("mkdirat(dirfd) EROFS", rv(mkdirat(sub, "newdir", 0755)), -EROFS);
        EXPECT("unlink EROFS", rv(unlink("/ro/hello.txt")), -EROFS);
        EXPECT("unlink the link EROFS", rv(unlink("/ro/link")), -EROFS);
        EXPECT("unlinkat(dirfd) EROFS", rv(unlinkat(sub, "readme.txt", 0)), -EROFS);
        EXPECT("rmdir EROFS", rv(rmdir("/ro/docs")), -EROFS);
        EXPECT("rename inside /ro EROFS", rv(rename("/ro/hello.txt", "/ro/h2")), -EROFS);
        EXPECT("rename out of /ro EXDEV", rv(rename("/ro/hello.txt", "/tmp/rofs-h")), -EXDEV);
        int t = open("/tmp/rofs-file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        EXPECT("a file in /tmp", t >= 0, 1);
        EXPECT("write it", rv(write(t, "tmp\n", 4)), 4);
        close(t);
        EXPECT("rename into /ro EXDEV", rv(rename("/tmp/rofs-file", "/ro/file")), -EXDEV);
        EXPECT("renameat(dirfd) out of /ro EXDEV", rv(renameat(dfd, "docs", AT_FDCWD, "/tmp/rofs-docs")), -EXDEV);
        EXPECT("rmdir the mount point EBUSY", rv(rmdir("/ro")), -EBUSY);

        /* Nothing changed, and tmpfs beside it works on. */
        EXPECT("hello.txt is still there", slurp("/ro/hello.txt", buffer, sizeof buffer), (long)sizeof hello - 1);
        EXPECT("/ro/new does not exist", rv(stat("/ro/new", &st)), -ENOENT);
        EXPECT("/tmp/rofs-h does not exist", rv(stat("/tmp/rofs-h", &st)), -ENOENT);
        EXPECT("the /tmp file reads back", slurp("/tmp/rofs-file", buffer, sizeof buffer), 4);
        EXPECT("unlink it", rv(unlink("/tmp/rofs-file")), 0);
        EXPECT("list /ro again after the refusals", rv(lseek(dfd, 0, SEEK_SET)), 0);
        check_listing("getdents64 after the refusals", dfd, 64);
    }

    close(f);
    close(sub);
    close(dfd);
    dprintf(1, "rofs: %d wrong\n", wrong);
    return wrong != 0;
}
