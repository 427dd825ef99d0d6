/* Loadable kernel modules (issue 14, docs/modules.md): the edu driver module (modules/edu)
   loaded with finit_module, used through /dev/edu, refused a second time (EEXIST), held while
   its device is open (EWOULDBLOCK), removed, then version 2 (changed source, same kernel)
   loaded with init_module and seen answering differently; busybox insmod, lsmod and rmmod;
   a module whose init fails leaves nothing behind; the hostile files of /lib/modules refused
   with Linux's errno (unsigned, tampered, truncated, short payload, foreign key, wrong kernel
   interface version, random bytes, a relocation outside the module, an init that faults or throws,
   a module for the other architecture) and
   the kernel going on;
   bad pointers, descriptors and flags; and EPERM for a caller that is not root.
   Aurora's module format is its own (a signed ELF shared object), so the loading half cannot
   run on Linux; the permission half (run as a non-root user) answers the same there. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "modules: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)
#define CHECK(what, cond) do { if (!(cond)) { wrong++; dprintf(2, "modules: %s: false\n", what); } } while (0)

#define DIR "/lib/modules/"

static long rv(long r) { return r == -1 ? -errno : r; }
static long finit(int fd, const char *params, int flags) { return rv(syscall(SYS_finit_module, fd, params, flags)); }
static long init(void *image, unsigned long length, const char *params) { return rv(syscall(SYS_init_module, image, length, params)); }
static long delete(const char *name, int flags) { return rv(syscall(SYS_delete_module, name, flags)); }

static long finit_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1000 - errno;
    long r = finit(fd, "", 0);
    close(fd);
    return r;
}

/* The whole of a small file, NUL-terminated; its length or -errno. */
static long slurp(const char *path, char *buf, long size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -errno;
    long total = 0, n;
    while (total < size - 1 && (n = read(fd, buf + total, size - 1 - total)) > 0) total += n;
    buf[total] = 0;
    close(fd);
    return total;
}

static int listed(const char *name)
{
    static char text[4096];
    if (slurp("/proc/modules", text, sizeof text) < 0) return -1;
    size_t n = strlen(name);
    for (char *line = text; *line; ) {
        if (strncmp(line, name, n) == 0 && line[n] == ' ') return 1;
        char *next = strchr(line, '\n');
        if (!next) break;
        line = next + 1;
    }
    return 0;
}

/* Writes n to /dev/edu and reads the answer line into out. */
static long ask(int n, char *out, long size)
{
    int fd = open("/dev/edu", O_RDWR);
    if (fd < 0) return -errno;
    char number[16];
    int len = snprintf(number, sizeof number, "%d", n);
    long r = rv(write(fd, number, len));
    if (r != len) { close(fd); return r < 0 ? r : -EIO; }
    long total = 0, got;
    while (total < size - 1 && (got = read(fd, out + total, size - 1 - total)) > 0) total += got;
    out[total] = 0;
    close(fd);
    return total;
}

static char out[4096];
static const char *busybox;

static int run(char *const argv[])
{
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]); close(p[1]);
        execve(busybox, argv, (char *[]){ "PATH=/bin", 0 });
        _exit(127);
    }
    close(p[1]);
    long total = 0, r;
    while (total < (long)sizeof out - 1 && (r = read(p[0], out + total, sizeof out - 1 - total)) > 0) total += r;
    out[total] = 0;
    close(p[0]);
    int status = -1;
    waitpid(pid, &status, 0);
    return status;
}

static void hostile(void)
{
    static const struct { const char *file; int errno_; } cases[] = {
        { DIR "edu-unsigned.ko", EKEYREJECTED },  /* no signature block */
        { DIR "edu-tampered.ko", EKEYREJECTED },  /* a code byte changed after signing */
        { DIR "edu-truncated.ko", EKEYREJECTED }, /* the end cut off: no signature magic */
        { DIR "edu-short.ko", EBADMSG },          /* a payload byte gone: the block's length disagrees */
        { DIR "edu-foreign.ko", ENOKEY },         /* signed with a key the kernel does not hold */
        { DIR "edu-interface.ko", ENOEXEC },      /* built for kernel interface 999 */
        { DIR "random.ko", ENOEXEC },             /* validly signed random bytes */
        { DIR "edu-cut.ko", ENOEXEC },            /* the ELF cut in half, then validly signed */
        { DIR "edu-reloc.ko", ENOEXEC },          /* a relocation pointing 1 GiB outside the module */
        { DIR "edu-broken.ko", EIO },             /* its init fails (after claiming the device) */
        { DIR "edu-fault.ko", EFAULT },           /* its init writes through a wild pointer */
        { DIR "edu-throw.ko", EFAULT },           /* its init indexes out of range (a throw) */
        { DIR "edu-other-machine.ko", ENOEXEC },  /* validly signed, built for the other architecture */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        EXPECT(cases[i].file, finit_path(cases[i].file), -cases[i].errno_);
        EXPECT("nothing listed after a refused module", listed("edu"), 0);
    }
    EXPECT("no /dev/edu after the failed init", rv(open("/dev/edu", O_RDONLY)), -ENOENT);
}

static void bad_arguments(void)
{
    EXPECT("init_module bad image pointer", init((void *)0x10, 4096, ""), -EFAULT);
    EXPECT("init_module bad parameters pointer", init(out, 100, (char *)0x10), -EFAULT);
    memset(out, 0, 100);
    EXPECT("init_module of 100 zero bytes", init(out, 100, ""), -EKEYREJECTED);
    EXPECT("init_module of nothing", init(out, 0, ""), -EBADMSG);
    EXPECT("finit_module bad descriptor", finit(-1, "", 0), -EBADF);
    EXPECT("finit_module closed descriptor", finit(1000, "", 0), -EBADF);
    EXPECT("finit_module unknown flags", finit(0, "", 0x100), -EINVAL);
    int dir = open("/lib/modules", O_RDONLY | O_DIRECTORY);
    EXPECT("finit_module of a directory", finit(dir, "", 0), -EINVAL);
    close(dir);
    int wronly = open("/tmp/modules-test", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT("finit_module of a write-only descriptor", finit(wronly, "", 0), -EBADF);
    close(wronly);
    unlink("/tmp/modules-test");
    EXPECT("delete_module bad name pointer", delete((char *)0x10, 0), -EFAULT);
    EXPECT("delete_module of no module", delete("no_such_module", O_NONBLOCK), -ENOENT);
    EXPECT("delete_module of an empty name", delete("", O_NONBLOCK), -ENOENT);
}

static void versions(void)
{
    EXPECT("finit_module edu v1", finit_path(DIR "edu-v1.ko"), 0);
    EXPECT("edu listed in /proc/modules", listed("edu"), 1);
    long n = ask(5, out, sizeof out);
    CHECK("v1 answers", n > 0);
    if (strcmp(out, "edu v1: 5! = 120\n") != 0) { wrong++; dprintf(2, "modules: v1 said '%s', want 'edu v1: 5! = 120\\n'\n", out); }
    ask(10, out, sizeof out);
    if (strcmp(out, "edu v1: 10! = 3628800\n") != 0) { wrong++; dprintf(2, "modules: v1 said '%s' for 10\n", out); }
    EXPECT("a second load of edu", finit_path(DIR "edu-v1.ko"), -EEXIST);
    EXPECT("v2 while v1 is loaded", finit_path(DIR "edu-v2.ko"), -EEXIST);

    int held = open("/dev/edu", O_RDONLY);
    CHECK("open /dev/edu", held >= 0);
    struct stat st;
    EXPECT("fstat /dev/edu", rv(fstat(held, &st)), 0);
    CHECK("/dev/edu is a character device", S_ISCHR(st.st_mode));
    EXPECT("delete_module while /dev/edu is open", delete("edu", O_NONBLOCK), -EWOULDBLOCK);
    EXPECT("still listed", listed("edu"), 1);
    close(held);
    EXPECT("delete_module edu", delete("edu", O_NONBLOCK), 0);
    EXPECT("edu gone from /proc/modules", listed("edu"), 0);
    EXPECT("/dev/edu gone", rv(open("/dev/edu", O_RDONLY)), -ENOENT);
    EXPECT("delete_module edu again", delete("edu", O_NONBLOCK), -ENOENT);

    /* Version 2 by init_module, from memory. */
    static char image[1 << 20];
    long size = slurp(DIR "edu-v2.ko", image, sizeof image);
    CHECK("read edu-v2.ko", size > 0);
    EXPECT("init_module edu v2", init(image, size, "unused=1"), 0);
    ask(5, out, sizeof out);
    if (strcmp(out, "edu v2: 5! = 120, ~n = 4294967290, reads 1, interrupts 1\n") != 0) {
        wrong++;
        dprintf(2, "modules: v2 said '%s', want 'edu v2: 5! = 120, ~n = 4294967290, reads 1, interrupts 1\\n'\n", out);
    }
    EXPECT("delete_module edu v2", delete("edu", 0), 0);

    /* Load and unload in a loop: each time everything comes back (checkMemory counts frames). */
    for (int i = 0; i < 5; i++) {
        EXPECT("reload v1", finit_path(DIR "edu-v1.ko"), 0);
        EXPECT("unload v1", delete("edu", O_NONBLOCK), 0);
    }
}

static void with_busybox(void)
{
    busybox = access("/bin/busybox.elf", X_OK) == 0 ? "/bin/busybox.elf" : "/bin/busybox";
    int status = run((char *[]){ "insmod", DIR "edu-v2.ko", 0 });
    EXPECT("busybox insmod status", status, 0);
    status = run((char *[]){ "lsmod", 0 });
    EXPECT("busybox lsmod status", status, 0);
    CHECK("busybox lsmod shows edu", strstr(out, "\nedu ") != NULL || strncmp(out, "edu ", 4) == 0);
    if (!strstr(out, "edu ")) dprintf(2, "modules: lsmod printed '%s'\n", out);
    char answer[128];
    ask(7, answer, sizeof answer);
    if (strcmp(answer, "edu v2: 7! = 5040, ~n = 4294967288, reads 1, interrupts 1\n") != 0) { wrong++; dprintf(2, "modules: after insmod: '%s'\n", answer); }
    status = run((char *[]){ "rmmod", "edu", 0 });
    EXPECT("busybox rmmod status", status, 0);
    EXPECT("edu gone after rmmod", listed("edu"), 0);
    status = run((char *[]){ "insmod", DIR "edu-tampered.ko", 0 });
    CHECK("busybox insmod of a tampered module fails", status != 0);
    EXPECT("nothing loaded by it", listed("edu"), 0);
}

static void unprivileged(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(100);
        int bad = 0;
        int fd = open(DIR "edu-v1.ko", O_RDONLY);
        if (finit(fd, "", 0) != -EPERM) bad++;
        if (init(out, 100, "") != -EPERM) bad++;
        if (delete("edu", O_NONBLOCK) != -EPERM) bad++;
        _exit(bad);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    EXPECT("non-root: finit, init and delete_module all EPERM (exit = wrong answers)", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--unprivileged") == 0) {
        /* On Linux as a non-root user: the permission answers only. */
        int fd = open("/dev/null", O_RDONLY);
        EXPECT("finit_module as non-root", finit(fd, "", 0), -EPERM);
        EXPECT("init_module as non-root", init(out, 100, ""), -EPERM);
        EXPECT("delete_module as non-root", delete("edu", O_NONBLOCK), -EPERM);
        printf("modules: %d wrong\n", wrong);
        return wrong != 0;
    }
    bad_arguments();
    hostile();
    versions();
    with_busybox();
    unprivileged();
    EXPECT("nothing left loaded", listed("edu"), 0);
    printf("modules: %d wrong\n", wrong);
    return wrong != 0;
}
