/* Deep trees of long names in /tmp: paths of ~3.5 KiB (near PATH_MAX), made with mkdir, a file
   at the bottom made with open(O_CREAT), then torn down with unlink and rmdir, twice over. The
   kernel test runs it with the heap compared before and after: every block the kernel took for
   the tree must come back, and nothing else may go (a heap-accounting anomaly was first seen
   with exactly this sequence). Also ENAMETOOLONG for a path past 4095 bytes and for a name past
   255. Run on Linux too (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "deep_paths: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

#define LEVELS 14
#define NAME 250

static char path[4200];
static char saved[2][4200];

/* Cuts the last "/name" off path; its new length. */
static size_t cut(size_t length)
{
    while (length > 0 && path[length - 1] != '/') length--;
    if (length > 0) length--;
    path[length] = 0;
    return length;
}

/* Makes /tmp/deep_paths.<which>, 14 levels of 250-byte names below it and a file "f" at the
   bottom (a path of ~3.5 KiB), and checks the limits there. */
static void tree(char which)
{
    size_t length = (size_t)sprintf(path, "/tmp/deep_paths.%c", which);
    EXPECT("mkdir the top", rv(mkdir(path, 0755)), 0);
    for (int level = 0; level < LEVELS; level++)
    {
        path[length++] = '/';
        memset(path + length, which, NAME);
        length += NAME;
        path[length] = 0;
        EXPECT("mkdir a level", rv(mkdir(path, 0755)), 0);
    }

    EXPECT("the path is long", length > 3500 && length < 4000, 1);
    strcpy(path + length, "/f");
    int f = open(path, O_CREAT | O_WRONLY, 0600);
    EXPECT("create the file at the bottom", f >= 0, 1);
    if (f >= 0) EXPECT("write to it", rv(write(f, "x", 1)), 1);
    if (f >= 0) close(f);
    struct stat st;
    EXPECT("stat the file", rv(stat(path, &st)), 0);
    EXPECT("its size", st.st_size, 1);

    /* Hostile: one name past NAME_MAX, and a path past PATH_MAX. */
    size_t save = length;
    path[length++] = '/';
    memset(path + length, 'z', 256);
    length += 256;
    path[length] = 0;
    EXPECT("a 256-byte name ENAMETOOLONG", rv(mkdir(path, 0755)), -ENAMETOOLONG);
    length = save;
    path[length++] = '/';
    memset(path + length, 'z', 200);
    path[length + 200] = '/';
    memset(path + length + 201, 'z', 200);
    path[length + 401] = '/';
    memset(path + length + 402, 'z', 200);
    length += 602;
    path[length] = 0;
    EXPECT("a path past 4095 bytes ENAMETOOLONG", rv(mkdir(path, 0755)), -ENAMETOOLONG);
    length = save;
    path[length] = 0;

    strcpy(path + length, "/f");
    strcpy(saved[which - 'a'], path);
}

/* Removes the file and the tree, cutting one name at a time up to the tree's own top and no
   further: "/tmp" is not the program's. (Cutting until rmdir fails removes /tmp too once it is
   empty, as on Linux: that was the "anomaly".) */
static void teardown(char which)
{
    char topPath[32];
    snprintf(topPath, sizeof topPath, "/tmp/deep_paths.%c", which);
    size_t top = strlen(topPath);
    strcpy(path, saved[which - 'a']);
    size_t length = strlen(path) - 2;
    struct stat st;
    EXPECT("unlink the file", rv(unlink(path)), 0);
    path[length] = 0;
    EXPECT("rmdir a non-empty directory ENOTEMPTY", rv(rmdir(topPath)), -ENOTEMPTY);
    int removed = 0;
    while (length > 4)
    {
        if (rmdir(path) != 0) break;
        removed++;
        if (length == top) break;
        length = cut(length);
    }

    EXPECT("directories removed", removed, LEVELS + 1);
    EXPECT("the top is gone", rv(stat(topPath, &st)), -ENOENT);
}

int main(void)
{
    /* Leftovers of an interrupted run (on Linux) would make mkdir EEXIST. */
    tree('a');
    tree('b');
    teardown('a');
    teardown('b');
    struct stat st;
    EXPECT("/tmp is still there", rv(stat("/tmp", &st)), 0);
    EXPECT("/tmp is still a directory", S_ISDIR(st.st_mode), 1);
    printf("deep_paths: %d wrong\n", wrong);
    return wrong != 0;
}
