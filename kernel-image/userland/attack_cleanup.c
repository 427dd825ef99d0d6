/* The fuzzer's cleanup (attack_cleanup.h) leaves the file system as it found it. The fuzzer
   makes files and directories under garbage names (random bytes, up to 255 of them) in /,
   /tmp and /tmp/fuzz; whatever its cleanup leaves behind stays in tmpfs and shows up as kernel
   heap blocks that never come back (attack.syscall_fuzzer once failed on 35 such names: 70
   blocks, an inode and a directory entry each). Here the same litter is made on purpose:
   more names than fit one listing buffer, 255-byte names, a directory holding more entries
   than one getdents64 call returns, directories nested deeper than 512 bytes of path. Then the
   cleanup runs exactly as the fuzzer calls it, and / and /tmp must hold what they held before.
   The in-kernel test (attack.fuzzer_cleanup_leaves_nothing_behind) checks the heap ledger too.
   Exit status: the number of wrong answers. */
#include "attack_cleanup.h"
#include <sys/stat.h>

static unsigned long state = 0x5eed;

static unsigned long next(void)
{
    state = state * 6364136223846793005UL + 1442695040888963407UL;
    return state >> 33;
}

/* length bytes from 1-255, none '/' and the first not '.', so never "." or "..". */
static void garbage_name(char *name, int length)
{
    for (int i = 0; i < length; i++) {
        unsigned char c = (unsigned char)(1 + next() % 255);
        name[i] = (char)(c == '/' || (i == 0 && c == '.') ? 'g' : c);
    }
    name[length] = 0;
}

/* Makes dir/<garbage of length bytes>, a directory or a file with a few bytes; the path in out. */
static void make(const char *dir, int length, int directory, char *out, int capacity)
{
    char name[256];
    garbage_name(name, length);
    snprintf(out, capacity, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    if (directory) {
        expect_true("mkdir of a garbage name", mkdir(out, 0755) == 0, -errno);
    } else {
        int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0644);
        expect_true("creat of a garbage name", fd >= 0, fd);
        if (fd >= 0) { write(fd, "litter\n", 7); close(fd); }
    }
}

/* Entries of path other than . and .., counted with a buffer of our own. */
static long count_entries(const char *path)
{
    char buffer[4096];
    long count = 0, n;
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    while ((n = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
        for (long at = 0; at < n; ) {
            unsigned short length = *(unsigned short *)(buffer + at + 16);
            const char *name = buffer + at + 19;
            if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) count++;
            if (length == 0) break;
            at += length;
        }
    }
    close(fd);
    return count;
}

int main(void)
{
    static char path[4096], nested[4096];
    long root_count = count_entries("/"), tmp_count = count_entries("/tmp");
    char *root_before = list_names("/"), *tmp_before = list_names("/tmp");

    /* 48 names of 100-255 bytes in /: over 8 KiB of names, half directories. */
    for (int i = 0; i < 48; i++) make("/", 100 + (int)(next() % 156), i & 1, path, sizeof path);
    /* Short names too, and some in /tmp. */
    for (int i = 0; i < 8; i++) make("/", 1 + (int)(next() % 32), i & 1, path, sizeof path);
    for (int i = 0; i < 6; i++) make("/tmp", 1 + (int)(next() % 255), i & 1, path, sizeof path);
    /* A directory holding 40 entries of 200-255 bytes: several getdents64 buffers' worth. */
    make("/", 255, 1, nested, sizeof nested);
    for (int i = 0; i < 40; i++) make(nested, 200 + (int)(next() % 56), i % 3 == 0, path, sizeof path);
    /* Directories 6 deep with 255-byte names: a path of over 1.5 KiB. */
    make("/tmp", 255, 1, nested, sizeof nested);
    for (int depth = 0; depth < 5; depth++) {
        make(nested, 255, 1, path, sizeof path);
        strcpy(nested, path);
    }
    make(nested, 255, 0, path, sizeof path);

    /* As the fuzzer cleans up after its batches. */
    remove_new_names("/", root_before);
    remove_new_names("/tmp", tmp_before);
    free(root_before);
    free(tmp_before);

    long root_after = count_entries("/"), tmp_after = count_entries("/tmp");
    if (root_after != root_count) {
        char what[96];
        snprintf(what, sizeof what, "entries in / after the cleanup (%ld before)", root_count);
        attack_report(what, "as many as before", root_after, 0);
    }
    if (tmp_after != tmp_count) {
        char what[96];
        snprintf(what, sizeof what, "entries in /tmp after the cleanup (%ld before)", tmp_count);
        attack_report(what, "as many as before", tmp_after, 0);
    }
    dprintf(1, "attack_cleanup: / %ld -> %ld entries, /tmp %ld -> %ld, %d wrong\n", root_count, root_after, tmp_count, tmp_after, attack_wrong);
    return attack_wrong;
}
