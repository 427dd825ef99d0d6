/* Cleaning up after a program that made files and directories under garbage names
   (userland/attack_fuzz.c, tested by attack_cleanup.c): what a directory held before is
   listed, and afterwards every name that was not there is removed, depth first. */
#ifndef ATTACK_CLEANUP_H
#define ATTACK_CLEANUP_H

#include "attack_common.h"

/* Why this takes care (attack.syscall_fuzzer once failed on litter left behind here: 35
   names in /, 70 heap blocks):
   - each listing is a buffer of its own that grows as needed: two static buffers used in
     turn made the listing taken at the end overwrite the one taken before, so every new name
     looked old and nothing was removed; a fixed size dropped names once over 8 KiB of them;
   - a directory is read again from the start after removing from it, until a pass removes
     nothing: Aurora's getdents64 offsets are entry indices, so removing entries while reading
     moves later ones under the offset and a single pass skips them;
   - paths get PATH_MAX bytes (255-byte names nest past 512 quickly). */
#define CLEANUP_MAX_DEPTH 16

/* Removes path: a file, or a directory with everything under it, depth first. */
static __attribute__((unused)) void remove_tree(const char *path, int depth)
{
    char buffer[2048];
    /* O_NOFOLLOW: a symbolic link is removed, never followed (rm -r), or a link to "/" made
       by the fuzzer would take the whole tree with it. */
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0) { unlink(path); return; }
    char *child = malloc(4096);
    for (int removed = 1, passes = 0; removed && child && depth < CLEANUP_MAX_DEPTH && passes < 64; passes++) {
        removed = 0;
        lseek(fd, 0, SEEK_SET);
        long n;
        while ((n = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
            for (long at = 0; at < n; ) {
                unsigned short length = *(unsigned short *)(buffer + at + 16);
                const char *name = buffer + at + 19;
                if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
                    snprintf(child, 4096, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", name);
                    remove_tree(child, depth + 1);
                    removed = 1;
                }
                if (length == 0) break;
                at += length;
            }
        }
    }
    free(child);
    close(fd);
    rmdir(path);
}

/* The names in a directory, each followed by a NUL, the list ended by an empty name: a
   buffer of the caller's (free it), or null when memory ran out. */
static __attribute__((unused)) char *list_names(const char *path)
{
    size_t capacity = 8192, used = 0;
    char *list = malloc(capacity), buffer[2048];
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    long n;
    while (list && fd >= 0 && (n = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
        for (long k = 0; k < n && list; ) {
            unsigned short length = *(unsigned short *)(buffer + k + 16);
            const char *name = buffer + k + 19;
            size_t size = strlen(name) + 1;
            if (used + size + 1 > capacity) {
                char *grown = realloc(list, capacity * 2);
                if (!grown) { free(list); list = 0; break; }
                list = grown;
                capacity *= 2;
            }
            memcpy(list + used, name, size);
            used += size;
            if (length == 0) break;
            k += length;
        }
    }
    if (fd >= 0) close(fd);
    if (list) list[used] = 0;
    return list;
}

/* Removes the entries of path that are not in the list taken before (garbage names a
   program created or renamed things to). Without a list from before, nothing is removed. */
static __attribute__((unused)) void remove_new_names(const char *path, const char *before)
{
    char child[4096];
    if (!before) { attack_report("listing a directory before the cleanup", "a list", 0, ENOMEM); return; }
    for (int removed = 1, passes = 0; removed && passes < 64; passes++) {
        removed = 0;
        char *now = list_names(path);
        if (!now) { attack_report("listing a directory for the cleanup", "a list", 0, ENOMEM); return; }
        for (char *name = now; *name; name += strlen(name) + 1) {
            int known = !strcmp(name, ".") || !strcmp(name, "..");
            for (const char *old = before; *old && !known; old += strlen(old) + 1) known = !strcmp(old, name);
            if (known) continue;
            snprintf(child, sizeof child, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", name);
            remove_tree(child, 0);
            removed = 1;
        }
        free(now);
    }
}

#endif
