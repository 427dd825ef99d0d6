/* The sandbox escape suite (issue 15; docs/sandbox.md, "How each escape is stopped").
 *
 * The parent builds /tmp/sbx: box/ (the view, read-write-create), box/ro/ (read only),
 * outside/ (never visible) with a secret, links planted in the box that lead out, a directory
 * descriptor and a file descriptor opened before the sandbox, a System V segment and queue,
 * and a victim process. A child then enters a sandbox (unveil + netrule + pledge) and makes
 * every escape attempt below, each of which must fail with the errno written next to it, and
 * the allowed actions, each of which must work. Afterwards the parent checks that nothing
 * outside changed and the victim lives.
 *
 * On Linux (no calls 1014-1016: ENOSYS) only the setup, the positive checks and the
 * resource limits run; it prints "0 wrong" there too.
 * Run with "probe" as argv[1] it is the program a sandboxed process execs (inheritance). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "aurora.h"

struct aurora_netrule { uint32_t actions, address; uint8_t prefix, reserved0; uint16_t first_port, last_port, reserved1; };
enum { NET_CONNECT = 1, NET_BIND = 2 };

static int wrong, attempts, sandboxed;
static char self_path[256];

static long pledge_(const char *p, const char *e) { return syscall(AURORA_SYS_pledge, p, e); }
static long unveil_(const char *p, const char *r) { return syscall(AURORA_SYS_unveil, p, r); }
static long netrule_(uint32_t actions, const char *ip, int prefix, int first, int last)
{
    struct aurora_netrule r = { actions, inet_addr(ip), (uint8_t)prefix, 0, (uint16_t)first, (uint16_t)last, 0 };
    return syscall(AURORA_SYS_netrule, &r);
}

/* An escape attempt: must fail with errno `expected`. */
static void denied(const char *what, long rc, int expected)
{
    attempts++;
    if (rc == -1 && errno == expected) return;
    wrong++;
    printf("WRONG escape %s: expected -1 errno %d, got %ld errno %d\n", what, expected, rc, rc == -1 ? errno : 0);
}

/* An allowed action: must succeed. */
static void allowed(const char *what, int ok)
{
    if (ok) return;
    wrong++;
    printf("WRONG allowed %s failed (errno %d)\n", what, errno);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) { if (write(fd, text, strlen(text)) < 0) perror("write"); close(fd); }
}

static int read_equals(const char *path, const char *text)
{
    char buffer[64] = { 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    long n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    return n == (long)strlen(text) && memcmp(buffer, text, n) == 0;
}

static void sleep_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000L }; nanosleep(&t, NULL); }

/* Hostile arguments to the sandbox calls themselves: each refused, nothing changed. */
static void bad_arguments(void)
{
    void *kernel = (void *)0xffff800000000000UL, *unmapped = (void *)0x1000;
    struct aurora_netrule rule = { NET_CONNECT, inet_addr("127.0.0.1"), 33, 0, 1, 2, 0 };
    denied("pledge(kernel pointer)", pledge_(kernel, NULL), EFAULT);
    denied("pledge(NULL, unmapped)", pledge_(NULL, unmapped), EFAULT);
    denied("unveil(unmapped, r)", unveil_(unmapped, "r"), EFAULT);
    denied("unveil(path, unmapped)", unveil_("/tmp", unmapped), EFAULT);
    denied("unveil(path, NULL)", unveil_("/tmp", NULL), EINVAL);
    denied("unveil(NULL, r)", unveil_(NULL, "r"), EINVAL);
    denied("unveil rights rz", unveil_("/tmp", "rz"), EINVAL);
    denied("unveil rights too long", unveil_("/tmp", "rwxcrwxcrwxc"), EINVAL);
    denied("netrule(unmapped)", syscall(AURORA_SYS_netrule, unmapped), EFAULT);
    denied("netrule prefix 33", syscall(AURORA_SYS_netrule, &rule), EINVAL);
    rule.prefix = 8; rule.first_port = 9; rule.last_port = 8;
    denied("netrule ports backwards", syscall(AURORA_SYS_netrule, &rule), EINVAL);
    rule.first_port = 1; rule.actions = 4;
    denied("netrule unknown action", syscall(AURORA_SYS_netrule, &rule), EINVAL);
    char longpath[300];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/'; longpath[sizeof longpath - 1] = 0;
    denied("unveil a path over 255 bytes", unveil_(longpath, "r"), ENAMETOOLONG);
    /* None of these opened a layer: the process is still unrestricted. */
    /* /bin: there on Linux and in both of Aurora's images (arm64's has no /etc yet). */
    allowed("still unrestricted after refused calls", access("/bin", F_OK) == 0 || errno != ENOENT);
}

static int probe(void)
{
    /* The program a sandbox execs is in the same sandbox. */
    int bad = 0;
    bad += !(open("/tmp/sbx/outside/secret.txt", O_RDONLY) == -1 && errno == ENOENT);
    bad += !(pledge_("stdio tty", NULL) == -1 && errno == EPERM);
    bad += !read_equals("/tmp/sbx/box/in.txt", "inside\n");
    bad += !(execve("/bin/sh", (char *[]){ "sh", NULL }, NULL) == -1 && errno == ENOENT);
    /* A rule after execve starts a new layer: it narrows to its own paths, never widens. */
    bad += unveil_("/tmp/sbx/outside", "r") != 0;
    bad += !(open("/tmp/sbx/outside/secret.txt", O_RDONLY) == -1 && errno == ENOENT);
    bad += !(open("/tmp/sbx/box/in.txt", O_RDONLY) == -1 && errno == ENOENT);
    return bad;
}

static void cleanup(void)
{
    static const char *const old[] = { "/tmp/sbx/box/ro/file", "/tmp/sbx/box/in.txt", "/tmp/sbx/box/out_link",
        "/tmp/sbx/box/rel_link", "/tmp/sbx/box/dir_link", "/tmp/sbx/outside/secret.txt", "/tmp/sbx/box/new.txt",
        "/tmp/sbx/box/moved.txt", "/tmp/sbx/box/inner_link", "/tmp/sbx/box/in2.txt", "/tmp/sbx/box/mine",
        "/tmp/sbx/box/hard", "/tmp/sbx/box/stolen", "/tmp/sbx/outside/moved", "/tmp/sbx/box/dangling",
        "/tmp/sbx/outside/created", "/tmp/sbx/outside/srv.sock", "/tmp/sbx/outside/new.sock",
        "/tmp/sbx/box/ok.sock", NULL };
    for (int i = 0; old[i]; i++) unlink(old[i]);
    rmdir("/tmp/sbx/box/sub"); rmdir("/tmp/sbx/box/ro/d"); rmdir("/tmp/sbx/box/sub1"); rmdir("/tmp/sbx/box/sub2");
    rmdir("/tmp/sbx/box/tmp"); unlink("/tmp/sbx/box/race"); rmdir("/tmp/sbx/box/ro"); rmdir("/tmp/sbx/box");
    rmdir("/tmp/sbx/outside"); rmdir("/tmp/sbx");
}

static void setup(void)
{
    cleanup();
    mkdir("/tmp/sbx", 0755); mkdir("/tmp/sbx/box", 0755); mkdir("/tmp/sbx/box/ro", 0755); mkdir("/tmp/sbx/outside", 0755);
    write_file("/tmp/sbx/box/in.txt", "inside\n");
    write_file("/tmp/sbx/box/ro/file", "read only\n");
    write_file("/tmp/sbx/outside/secret.txt", "secret\n");
    /* Links someone outside planted in the view, leading out. */
    if (symlink("/tmp/sbx/outside/secret.txt", "/tmp/sbx/box/out_link") != 0) perror("symlink");
    if (symlink("../outside/secret.txt", "/tmp/sbx/box/rel_link") != 0) perror("symlink");
    if (symlink("/tmp/sbx/outside", "/tmp/sbx/box/dir_link") != 0) perror("symlink");
    if (symlink("/tmp/sbx/outside/created", "/tmp/sbx/box/dangling") != 0) perror("symlink");
}

static void escapes_from_the_file_system(int outside_dir, int secret_fd)
{
    char buffer[32];
    denied("open outside", open("/tmp/sbx/outside/secret.txt", O_RDONLY), ENOENT);
    denied("open box/../outside", open("/tmp/sbx/box/../outside/secret.txt", O_RDONLY), ENOENT);
    denied("open planted absolute link", open("/tmp/sbx/box/out_link", O_RDONLY), ENOENT);
    denied("open planted relative link", open("/tmp/sbx/box/rel_link", O_RDONLY), ENOENT);
    denied("open through planted directory link", open("/tmp/sbx/box/dir_link/secret.txt", O_RDONLY), ENOENT);
    denied("create through a planted dangling link", open("/tmp/sbx/box/dangling", O_WRONLY | O_CREAT, 0644), ENOENT);
    denied("openat from a directory opened before", openat(outside_dir, "secret.txt", O_RDONLY), ENOENT);
    denied("openat directory fd ..", openat(outside_dir, "../box/in.txt", O_RDONLY | O_NOFOLLOW), ENOENT);
    denied("fchdir to a directory opened before", fchdir(outside_dir), ENOENT);
#if defined(SYS_stat)
    denied("stat outside", syscall(SYS_stat, "/tmp/sbx/outside", buffer), ENOENT);
    denied("stat /etc/passwd", syscall(SYS_stat, "/etc/passwd", buffer), ENOENT);
#else
    /* arm64 has no stat: musl's stat is fstatat(AT_FDCWD, path, buffer, 0). */
    denied("stat outside", syscall(SYS_newfstatat, AT_FDCWD, "/tmp/sbx/outside", buffer, 0), ENOENT);
    denied("stat /etc/passwd", syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", buffer, 0), ENOENT);
#endif
    denied("walk through a hidden directory", open("/etc/../tmp/sbx/box/in.txt", O_RDONLY), ENOENT);
    denied("walk through a missing hidden name", open("/tmp/sbx/nothing/../box/in.txt", O_RDONLY), ENOENT);
    denied("readlink outside", readlink("/proc/self/exe", buffer, sizeof buffer), ENOENT);
    denied("/proc/self/cwd", open("/proc/self/cwd/secret.txt", O_RDONLY), ENOENT);
    denied("/proc/1/root", open("/proc/1/root/tmp/sbx/outside/secret.txt", O_RDONLY), ENOENT);
    denied("/proc/self/mem", open("/proc/self/mem", O_RDWR), ENOENT);
    denied("/dev/mem", open("/dev/mem", O_RDONLY), ENOENT);
    denied("chdir box then ..", chdir("/tmp/sbx/box") == 0 ? chdir("..") : 0, ENOENT);
    denied("relative ../outside from the box", open("../outside/secret.txt", O_RDONLY), ENOENT);
    denied("plant an absolute link out", symlink("/tmp/sbx/outside/secret.txt", "/tmp/sbx/box/mine"), EACCES);
    denied("plant a relative link out", symlink("../outside", "/tmp/sbx/box/mine"), EACCES);
    denied("plant a link to /", symlink("/", "/tmp/sbx/box/mine"), EACCES);
    denied("hard link from outside", link("/tmp/sbx/outside/secret.txt", "/tmp/sbx/box/hard"), ENOENT);
    denied("hard link to a planted link", link("/tmp/sbx/box/out_link", "/tmp/sbx/box/hard"), EACCES);
    denied("rename a planted link (racing lookups)", rename("/tmp/sbx/box/out_link", "/tmp/sbx/box/in2.txt"), EACCES);
    denied("rename out of the view", rename("/tmp/sbx/box/in.txt", "/tmp/sbx/outside/moved"), ENOENT);
    denied("rename into the view", rename("/tmp/sbx/outside/secret.txt", "/tmp/sbx/box/stolen"), ENOENT);
    denied("renameat from a directory opened before", renameat(outside_dir, "secret.txt", AT_FDCWD, "/tmp/sbx/box/stolen"), ENOENT);
    denied("write a read-only view", open("/tmp/sbx/box/ro/file", O_WRONLY), EACCES);
    denied("truncate a read-only view", truncate("/tmp/sbx/box/ro/file", 0), EACCES);
    denied("unlink in a read-only view", unlink("/tmp/sbx/box/ro/file"), EACCES);
    denied("mkdir in a read-only view", mkdir("/tmp/sbx/box/ro/d", 0755), EACCES);
    denied("chmod in a read-only view", chmod("/tmp/sbx/box/ro/file", 0777), EACCES);
    denied("execve outside the view", execve("/bin/sh", (char *[]){ "sh", NULL }, NULL), ENOENT);
    denied("execve without x", execve("/tmp/sbx/box/in.txt", (char *[]){ "x", NULL }, NULL), EACCES);
    denied("mount tmpfs (no promise)", mount("none", "/tmp/sbx/box", "tmpfs", 0, NULL), EPERM);
    denied("umount (no promise)", umount2("/tmp", 0), EPERM);
    /* Widening: a new rule starts a new layer, which only narrows. */
    allowed("unveil outside after sealing (accepted)", unveil_("/tmp/sbx/outside", "rwc") == 0);
    denied("open outside after unveiling it again", open("/tmp/sbx/outside/secret.txt", O_RDONLY), ENOENT);
    allowed("unveil / after sealing (accepted)", unveil_("/", "rwxc") == 0);
    denied("read /etc after unveiling /", open("/etc/passwd", O_RDONLY), ENOENT);
    allowed("seal the new layer", unveil_(NULL, NULL) == 0);
    /* A file descriptor opened before stays usable: descriptors are capabilities. */
    allowed("read a file descriptor opened before", pread(secret_fd, buffer, 7, 0) == 7 && memcmp(buffer, "secret\n", 7) == 0);
}

/* Renames racing with lookups: one child keeps trying to put a link that leads out at
   box/race (planting it, moving the planted one there) and swapping box/sub1 and box/sub2,
   while another keeps opening box/race/secret.txt and box/sub1/../../outside/secret.txt.
   Bounded by time (1.5 s), not by a count, so it holds under load. */
static void renames_racing_with_lookups(void)
{
    mkdir("/tmp/sbx/box/sub1", 0755);
    mkdir("/tmp/sbx/box/sub2", 0755);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t swapper = fork();
    if (swapper == 0) {
        int planted = 0;
        do {
            planted += symlink("/tmp/sbx/outside", "/tmp/sbx/box/race") == 0;
            planted += rename("/tmp/sbx/box/dir_link", "/tmp/sbx/box/race") == 0;
            rename("/tmp/sbx/box/sub1", "/tmp/sbx/box/tmp");
            rename("/tmp/sbx/box/sub2", "/tmp/sbx/box/sub1");
            rename("/tmp/sbx/box/tmp", "/tmp/sbx/box/sub2");
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 1500);
        _exit(planted > 250 ? 250 : planted);
    }
    int opened = 0, tries = 0;
    do {
        int fd = open("/tmp/sbx/box/race/secret.txt", O_RDONLY);
        if (fd >= 0) { opened++; close(fd); }
        fd = open("/tmp/sbx/box/sub1/../../outside/secret.txt", O_RDONLY);
        if (fd >= 0) { opened++; close(fd); }
        tries++;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 1500);
    int status = 0;
    waitpid(swapper, &status, 0);
    attempts += 2;
    allowed("no link planted while racing", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("renames racing with lookups: %d lookups in 1.5 s\n", tries * 2);
    if (opened) { wrong++; printf("WRONG renames racing with lookups: %d of %d opens reached the secret\n", opened, tries * 2); }
    rmdir("/tmp/sbx/box/sub1");
    rmdir("/tmp/sbx/box/sub2");
    rmdir("/tmp/sbx/box/tmp");
}

static void escapes_by_promises(int shm_id, int msg_id)
{
    char byte = 'x';
    denied("shmget(IPC_PRIVATE) without sysvipc", shmget(IPC_PRIVATE, 4096, 0600), EPERM);
    denied("shmget by key", shmget(0x5ab0, 4096, 0), EPERM);
    denied("msgget by key", msgget(0x5ab1, 0), EPERM);
    denied("semget by key", syscall(SYS_semget, 0x5ab2, 1, 0), EPERM);
    denied("shmat a guessed id", (long)shmat(shm_id, NULL, 0) == -1 ? -1 : 0, EPERM);
    denied("msgsnd to a guessed id", msgsnd(msg_id, &(struct { long t; char c; }){ 1, 'x' }, 1, IPC_NOWAIT), EPERM);
    denied("take back a promise", pledge_("stdio rpath wpath cpath fattr proc exec inet ipc tty", NULL), EPERM);
    denied("take back a promise at exec", pledge_(NULL, "stdio tty"), EPERM);
    denied("unknown promise", pledge_("stdio bogus", NULL), EINVAL);
    denied("TIOCSTI without tty", ioctl(0, TIOCSTI, &byte), EPERM);
    denied("TCSETS without tty", ioctl(0, TCSETS, &(char[64]){ 0 }), EPERM);
    denied("setuid without id", syscall(SYS_setuid, 0), EPERM);
    denied("sethostname without settime", sethostname("evil", 4), EPERM);
    denied("ptrace (no promise, not served)", syscall(SYS_ptrace, 16, 1, 0, 0), EPERM);
    denied("process_vm_readv (no promise)", syscall(SYS_process_vm_readv, 1, 0, 0, 0, 0, 0), EPERM);
    /* Forged and guessed capability tokens. */
    unsigned char forged[32];
    for (int i = 0; i < 32; i++) forged[i] = (unsigned char)(i * 37 + 11);
    denied("forged token", syscall(AURORA_SYS_cap_msgget, forged, 0), EACCES);
    int guessed = 0;
    for (long id = 0; id < 512; id++) guessed += syscall(AURORA_SYS_cap_msgsnd, id, &(struct { long t; char c; }){ 1, 'x' }, 1, IPC_NOWAIT) == 0;
    denied("guessed capability ids", guessed ? 0 : (errno = EINVAL, -1), EINVAL);
    long queue = syscall(AURORA_SYS_cap_msgget, NULL, 0);
    allowed("a private token-named queue (ipc)", queue >= 0);
    pid_t child = fork();
    if (child == 0) {
        int bad = pledge_("stdio", NULL) != 0;
        bad += !(syscall(AURORA_SYS_cap_msgget, NULL, 0) == -1 && errno == EPERM);
        bad += !(fork() == -1 && errno == EPERM);
        _exit(bad);
    }
    int status = 0;
    waitpid(child, &status, 0);
    attempts += 2;
    allowed("a child without ipc and proc is refused both", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* A token granted with send only (as the agent runtime grants one, docs/sandbox.md):
       receiving, removing, exporting, granting itself more and revoking are all refused. */
    unsigned char token[32];
    int ready[2], go[2];
    allowed("the queue's token", syscall(AURORA_SYS_cap_token, queue, token) == 0 && pipe(ready) == 0 && pipe(go) == 0);
    child = fork();
    if (child == 0) {
        char byte = 'r';
        int bad = syscall(AURORA_SYS_cap_release, queue) != 0;   /* the inherited holding, all rights */
        bad += write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1;
        long id = syscall(AURORA_SYS_cap_msgget, token, 0);
        struct { long t; char c[8]; } m = { 1, "x" };
        bad += id < 0 || syscall(AURORA_SYS_cap_msgsnd, id, &m, 1, IPC_NOWAIT) != 0;
        bad += !(syscall(AURORA_SYS_cap_msgrcv, id, &m, sizeof m.c, 0, IPC_NOWAIT) == -1 && errno == EACCES);
        bad += !(syscall(AURORA_SYS_cap_msgctl, id, IPC_RMID, NULL) == -1 && errno == EACCES);
        bad += !(syscall(AURORA_SYS_cap_token, id, forged) == -1 && errno == EACCES);
        bad += !(syscall(AURORA_SYS_cap_grant, token, getpid(), 3) == -1 && errno == EACCES);
        bad += !(syscall(AURORA_SYS_cap_revoke, token) == -1 && errno == EACCES);
        _exit(bad);
    }
    allowed("the grandchild gave up its holding", read(ready[0], &byte, 1) == 1);
    allowed("grant send only", syscall(AURORA_SYS_cap_grant, token, child, 1) >= 0);
    allowed("let it try", write(go[1], "g", 1) == 1);
    waitpid(child, &status, 0);
    attempts += 5;
    allowed("a send-only token cannot receive, remove, export, widen or revoke", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
}

static void escapes_by_signals(pid_t parent, pid_t victim)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_code = SI_QUEUE;
    denied("kill the parent", kill(parent, SIGTERM), EPERM);
    denied("kill a process outside", kill(victim, SIGKILL), EPERM);
    denied("probe a process outside (signal 0)", kill(victim, 0), EPERM);
    denied("kill -1", kill(-1, SIGKILL), EPERM);
    denied("tgkill the parent", syscall(SYS_tgkill, parent, parent, SIGTERM), EPERM);
    denied("rt_sigqueueinfo the parent", syscall(SYS_rt_sigqueueinfo, parent, SIGUSR1, &info), EPERM);
    struct rlimit wide = { 1024, 1024 };
    denied("prlimit64 on the parent", syscall(SYS_prlimit64, parent, RLIMIT_NOFILE, &wide, NULL), EPERM);
    /* Inside: its own children and itself. */
    allowed("signal 0 to itself", kill(getpid(), 0) == 0);
    pid_t child = fork();
    if (child == 0) { for (;;) pause(); }
    allowed("kill its own child", child > 0 && kill(child, SIGKILL) == 0);
    int status = 0;
    allowed("its child died of it", waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void escapes_over_the_network(void)
{
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (udp < 0 && errno == EAFNOSUPPORT) { printf("no network card: network rules not tried\n"); return; }
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = inet_addr("127.0.0.1");
    a.sin_port = htons(7000);
    allowed("bind 127.0.0.1:7000 (rule)", bind(udp, (struct sockaddr *)&a, sizeof a) == 0);
    a.sin_port = htons(7001);
    allowed("sendto 127.0.0.1:7001 (rule)", sendto(udp, "hi", 2, 0, (struct sockaddr *)&a, sizeof a) == 2);
    a.sin_port = htons(7002);
    denied("sendto a port outside the rule", sendto(udp, "hi", 2, 0, (struct sockaddr *)&a, sizeof a), EACCES);
    a.sin_addr.s_addr = inet_addr("10.0.2.2");
    a.sin_port = htons(53);
    denied("sendto another host", sendto(udp, "hi", 2, 0, (struct sockaddr *)&a, sizeof a), EACCES);
    struct msghdr m = { .msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &(struct iovec){ "hi", 2 }, .msg_iovlen = 1 };
    denied("sendmsg another host", sendmsg(udp, &m, 0), EACCES);
    int other = socket(AF_INET, SOCK_DGRAM, 0);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(8080);
    denied("bind any:8080", bind(other, (struct sockaddr *)&a, sizeof a), EACCES);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_addr.s_addr = inet_addr("10.0.2.2");
    a.sin_port = htons(80);
    denied("connect 10.0.2.2:80", connect(tcp, (struct sockaddr *)&a, sizeof a), EACCES);
    a.sin_addr.s_addr = inet_addr("127.0.0.1");
    a.sin_port = htons(22);
    denied("connect 127.0.0.1:22", connect(tcp, (struct sockaddr *)&a, sizeof a), EACCES);
    close(udp); close(other); close(tcp);
}

/* AF_UNIX names are paths: the view judges bind and connect as it judges open; a new AF_UNIX
   socket needs the unix promise. `early` and `early2` were made before the pledge. */
static void escapes_over_unix_sockets(int early, int early2)
{
    denied("AF_UNIX socket without the unix promise", socket(AF_UNIX, SOCK_STREAM, 0), EPERM);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path, "/tmp/sbx/outside/srv.sock");
    denied("connect to a listener outside the view", connect(early, (struct sockaddr *)&a, sizeof a), ENOENT);
    strcpy(a.sun_path, "/tmp/sbx/box/dir_link/srv.sock");
    denied("connect through a planted link", connect(early, (struct sockaddr *)&a, sizeof a), ENOENT);
    strcpy(a.sun_path, "/tmp/sbx/outside/new.sock");
    denied("bind a name outside the view", bind(early, (struct sockaddr *)&a, sizeof a), ENOENT);
    strcpy(a.sun_path, "/tmp/sbx/box/ok.sock");
    allowed("bind a name inside the view", bind(early2, (struct sockaddr *)&a, sizeof a) == 0);
    close(early);
    close(early2);
}

/* A directory descriptor of the outside that arrives after the sandbox was entered (sent over
   AF_UNIX with SCM_RIGHTS, in flight since before the pledge): what it names is judged by its
   path like every other, so it opens nothing outside the view. */
static void escapes_through_a_received_descriptor(int channel)
{
    char byte;
    union { struct cmsghdr align; char space[CMSG_SPACE(sizeof(int))]; } control;
    struct iovec iov = { &byte, 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space };
    long got = recvmsg(channel, &m, 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    int received = -1;
    if (got == 1 && c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&received, CMSG_DATA(c), sizeof received);
    allowed("receive a directory descriptor of the outside", received >= 0);
    if (received < 0) return;
    denied("openat from a received directory", openat(received, "secret.txt", O_RDONLY), ENOENT);
    denied("fchdir to a received directory", fchdir(received), ENOENT);
    struct stat st;
    denied("fstatat through a received directory", fstatat(received, "secret.txt", &st, 0), ENOENT);
    denied("mkdirat in a received directory", mkdirat(received, "made", 0755), ENOENT);
    close(received);
    close(channel);
}

/* Limits: a fork bomb and a descriptor flood stay inside, and cannot raise their limits. */
static void exhaustion(void)
{
    /* Linux lets root fork past RLIMIT_NPROC (CAP_SYS_RESOURCE); Aurora's sandbox does not. */
    pid_t bomb = sandboxed ? fork() : -1;
    if (bomb == 0) {
        struct rlimit r = { 12, 12 };
        int bad = setrlimit(RLIMIT_NPROC, &r) != 0;
        pid_t kids[64];
        int made = 0, last = 0;
        while (made < 64) {
            pid_t k = fork();
            if (k == 0) { sleep_ms(3000); _exit(0); }
            if (k < 0) { last = errno; break; }
            kids[made++] = k;
        }
        bad += made >= 12 || last != EAGAIN;
        if (bad) printf("fork bomb: %d forks, last errno %d\n", made, last);
        r.rlim_cur = r.rlim_max = 4096;
        int raised = setrlimit(RLIMIT_NPROC, &r);
        bad += sandboxed ? !(raised == -1 && errno == EPERM) : 0;
        for (int i = 0; i < made; i++) { kill(kids[i], SIGKILL); waitpid(kids[i], NULL, 0); }
        _exit(bad);
    }
    int status = 0;
    if (bomb > 0) {
        waitpid(bomb, &status, 0);
        attempts += 2;
        allowed("fork bomb stays under RLIMIT_NPROC and cannot raise it", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    pid_t hog = fork();
    if (hog == 0) {
        /* RLIMIT_AS: a mapping past it is ENOMEM (Linux enforces it too), brk stays. */
        struct rlimit r = { 64 << 20, 64 << 20 };
        int bad = setrlimit(RLIMIT_AS, &r) != 0;
        void *big = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        bad += !(big == MAP_FAILED && errno == ENOMEM);
        void *small = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        bad += small == MAP_FAILED;
        void *before = sbrk(0);
        bad += !(sbrk(96 << 20) == (void *)-1 && sbrk(0) == before);
        r.rlim_cur = r.rlim_max = 1ULL << 40;
        int raised = setrlimit(RLIMIT_AS, &r);
        bad += sandboxed ? !(raised == -1 && errno == EPERM) : 0;
        if (bad) printf("RLIMIT_AS: %d wrong\n", bad);
        _exit(bad);
    }
    int hog_status = 0;
    waitpid(hog, &hog_status, 0);
    attempts += 2;
    allowed("memory stays under RLIMIT_AS and cannot raise it", WIFEXITED(hog_status) && WEXITSTATUS(hog_status) == 0);

    pid_t flood = fork();
    if (flood == 0) {
        struct rlimit r = { 16, 16 };
        int bad = setrlimit(RLIMIT_NOFILE, &r) != 0;
        int opened = 0, last = 0;
        for (int i = 0; i < 64; i++) {
            if (open("/tmp/sbx/box/in.txt", O_RDONLY) < 0) { last = errno; break; }
            opened++;
        }
        bad += opened >= 16 || last != EMFILE;
        r.rlim_cur = r.rlim_max = 64;
        int raised = setrlimit(RLIMIT_NOFILE, &r);
        bad += sandboxed ? !(raised == -1 && errno == EPERM) : 0;
        _exit(bad);
    }
    waitpid(flood, &status, 0);
    attempts += 2;
    allowed("descriptor flood stays under RLIMIT_NOFILE and cannot raise it", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void allowed_actions(int exec_checks)
{
    allowed("read inside", read_equals("/tmp/sbx/box/in.txt", "inside\n"));
    allowed("read a read-only view", read_equals("/tmp/sbx/box/ro/file", "read only\n"));
    write_file("/tmp/sbx/box/new.txt", "new\n");
    allowed("create and read back", read_equals("/tmp/sbx/box/new.txt", "new\n"));
    allowed("rename inside", rename("/tmp/sbx/box/new.txt", "/tmp/sbx/box/moved.txt") == 0);
    allowed("mkdir and rmdir inside", mkdir("/tmp/sbx/box/sub", 0755) == 0 && rmdir("/tmp/sbx/box/sub") == 0);
    allowed("a link that stays inside", symlink("in.txt", "/tmp/sbx/box/inner_link") == 0 &&
            read_equals("/tmp/sbx/box/inner_link", "inside\n"));
    allowed("chdir and a relative open", chdir("/tmp/sbx/box") == 0 && read_equals("moved.txt", "new\n"));
    allowed("unlink inside", unlink("/tmp/sbx/box/moved.txt") == 0 && unlink("/tmp/sbx/box/inner_link") == 0);
    allowed("stat inside", access("/tmp/sbx/box/in.txt", R_OK) == 0);
    if (!exec_checks) return;
    pid_t child = fork();
    if (child == 0) { execve(self_path, (char *[]){ "sandbox_escape", "probe", NULL }, NULL); _exit(100 + errno); }
    int status = 0;
    waitpid(child, &status, 0);
    attempts += 4;
    allowed("exec the unveiled program, which stays in the sandbox", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) printf("probe status %#x\n", status);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "probe") == 0) return probe();
    long n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n <= 0) strcpy(self_path, "/bin/sandbox_escape.elf");
    setup();
    int outside_dir = open("/tmp/sbx/outside", O_RDONLY | O_DIRECTORY);
    int secret_fd = open("/tmp/sbx/outside/secret.txt", O_RDONLY);
    int shm_id = shmget(IPC_PRIVATE, 4096, 0600);
    int msg_id = msgget(IPC_PRIVATE, 0600);
    /* A listener outside the view, for the AF_UNIX escapes. */
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un la = { .sun_family = AF_UNIX };
    strcpy(la.sun_path, "/tmp/sbx/outside/srv.sock");
    if (listener < 0 || bind(listener, (struct sockaddr *)&la, sizeof la) != 0 || listen(listener, 4) != 0) perror("unix listener");
    pid_t parent = getpid();
    pid_t victim = fork();
    if (victim == 0) { for (;;) pause(); }

    pid_t child = fork();
    if (child == 0) {
        sandboxed = syscall(AURORA_SYS_pledge, NULL, NULL) == 0;
        if (sandboxed) bad_arguments();
        sandboxed = sandboxed && unveil_("/tmp/sbx/box", "rwc") == 0;
        if (!sandboxed) {
            printf("sandbox calls absent (errno %d): escape attempts not made\n", errno);
            allowed_actions(0);
            exhaustion();
            _exit(wrong > 250 ? 250 : wrong);
        }
        int early = socket(AF_UNIX, SOCK_STREAM, 0), early2 = socket(AF_UNIX, SOCK_STREAM, 0);
        /* The outside directory's descriptor, put in flight now and received inside. */
        int channel[2] = { -1, -1 };
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, channel) == 0) {
            union { struct cmsghdr align; char space[CMSG_SPACE(sizeof(int))]; } control;
            memset(&control, 0, sizeof control);
            struct iovec iov = { "d", 1 };
            struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space };
            struct cmsghdr *c = CMSG_FIRSTHDR(&m);
            c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &outside_dir, sizeof outside_dir);
            if (sendmsg(channel[0], &m, 0) != 1) perror("sendmsg");
            close(channel[0]);
        }
        int bad = unveil_("/tmp/sbx/box/ro", "r") != 0;
        bad += unveil_(self_path, "rx") != 0;
        bad += netrule_(NET_CONNECT | NET_BIND, "127.0.0.1", 32, 7000, 7001) != 0;
        bad += unveil_(NULL, NULL) != 0;
        /* Before the pledge: a view alone must be enough to forbid mounting. */
        denied("mount proc inside the view (unveil only)", mount("proc", "/tmp/sbx/box", "proc", 0, NULL), EPERM);
        bad += pledge_("stdio rpath wpath cpath fattr proc exec inet ipc", NULL) != 0;
        allowed("enter the sandbox", bad == 0);
        /* A working directory from before the sandbox, outside it. */
        escapes_from_the_file_system(outside_dir, secret_fd);
        renames_racing_with_lookups();
        escapes_by_promises(shm_id, msg_id);
        escapes_by_signals(parent, victim);
        escapes_over_the_network();
        escapes_over_unix_sockets(early, early2);
        if (channel[1] >= 0) escapes_through_a_received_descriptor(channel[1]);
        allowed_actions(1);
        exhaustion();
        printf("%d escape attempts made\n", attempts);
        if (attempts < 40) { wrong++; printf("WRONG only %d escape attempts\n", attempts); }
        _exit(wrong > 250 ? 250 : wrong);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status)) { wrong++; printf("WRONG sandboxed child ended with status %#x\n", status); }
    else wrong += WEXITSTATUS(status);
    allowed("the victim outside lives", kill(victim, 0) == 0);
    kill(victim, SIGKILL);
    waitpid(victim, NULL, 0);
    allowed("the secret is intact", read_equals("/tmp/sbx/outside/secret.txt", "secret\n"));
    struct stat st;
    allowed("nothing moved out", stat("/tmp/sbx/outside/moved", &st) == -1 && errno == ENOENT);
    allowed("nothing created outside", stat("/tmp/sbx/outside/created", &st) == -1 && errno == ENOENT);
    allowed("nothing moved in", stat("/tmp/sbx/box/stolen", &st) == -1 && errno == ENOENT);
    allowed("no link planted", lstat("/tmp/sbx/box/mine", &st) == -1 && lstat("/tmp/sbx/box/hard", &st) == -1);
    allowed("the planted link was not moved", lstat("/tmp/sbx/box/out_link", &st) == 0);
    shmctl(shm_id, IPC_RMID, NULL);
    msgctl(msg_id, IPC_RMID, NULL);
    close(outside_dir);
    close(secret_fd);
    close(listener);
    chdir("/");
    cleanup();
    printf("%d wrong\n", wrong);
    return wrong != 0;
}
