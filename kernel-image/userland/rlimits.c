/* getrlimit / setrlimit / prlimit64 with Linux semantics, and RLIMIT_NPROC stopping a fork
   bomb with EAGAIN (security issue 9, finding 7). Every call is made through syscall() so the
   kernel's own answer is checked (musl's wrappers would use prlimit64 for all three). The bomb
   holds its processes until /tmp/bomb-release exists (the in-kernel test runs another program
   meanwhile) or 10 s pass. Exit status 0 when every answer was right. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INF (~0UL)
struct pair { unsigned long soft, hard; };

static int wrong;
static void expect_eq(const char *what, long expected, long actual)
{
    if (expected != actual) { wrong++; dprintf(1, "WRONG: %s: expected %ld, got %ld\n", what, expected, actual); }
}

static long err(long r) { return r < 0 ? errno : 0; }
static void pause_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000L }; nanosleep(&t, NULL); }
static int exists(const char *path) { int fd = open(path, O_RDONLY); if (fd >= 0) close(fd); return fd >= 0; }

static void expect_pair(const char *what, int resource, unsigned long soft, unsigned long hard)
{
    struct pair p = { 1, 1 };
    long r = syscall(SYS_getrlimit, resource, &p);
    expect_eq(what, 0, err(r));
    if (p.soft != soft || p.hard != hard) {
        wrong++;
        dprintf(1, "WRONG: %s: expected %lx/%lx, got %lx/%lx\n", what, soft, hard, p.soft, p.hard);
    }
}

struct bomb { volatile int started, eagain, other, stop; };

/* Forks until fork fails; every child does the same. Then waits for stop and its children. */
static void bomb(struct bomb *b, int top)
{
    pid_t children[128];
    int count = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) { __sync_fetch_and_add(&b->started, 1); count = 0; top = 0; continue; }
        if (pid < 0) { __sync_fetch_and_add(errno == EAGAIN ? &b->eagain : &b->other, 1); break; }
        if (count < 128) children[count++] = pid;
    }
    if (top) return;
    while (!b->stop) pause_ms(10);
    for (int i = 0; i < count; i++) waitpid(children[i], NULL, 0);
    _exit(0);
}

int main(void)
{
    /* Defaults. */
    expect_pair("RLIMIT_NPROC default", RLIMIT_NPROC, 256, 256);
    expect_pair("RLIMIT_NOFILE default (highest descriptor + 1)", RLIMIT_NOFILE, 1024, 1024);
    expect_pair("RLIMIT_CPU default", RLIMIT_CPU, INF, INF);
    expect_pair("RLIMIT_STACK default", RLIMIT_STACK, 8UL << 20, INF);
    expect_pair("RLIMIT_CORE default", RLIMIT_CORE, 0, INF);

    /* getrlimit errors. */
    struct pair p = { 0, 0 }, old = { 0, 0 };
    expect_eq("getrlimit(16) EINVAL", EINVAL, err(syscall(SYS_getrlimit, 16, &p)));
    expect_eq("getrlimit(1000) EINVAL", EINVAL, err(syscall(SYS_getrlimit, 1000, &p)));
    expect_eq("getrlimit(NOFILE, NULL) EFAULT", EFAULT, err(syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL)));
    expect_eq("getrlimit(NOFILE, kernel address) EFAULT", EFAULT, err(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)0xffff800000000000UL)));
    expect_eq("getrlimit(16, NULL) EINVAL first", EINVAL, err(syscall(SYS_getrlimit, 16, NULL)));

    /* setrlimit rules. */
    p = (struct pair){ 10, 5 };
    expect_eq("setrlimit soft > hard EINVAL", EINVAL, err(syscall(SYS_setrlimit, RLIMIT_CORE, &p)));
    expect_eq("setrlimit(CORE, NULL) EFAULT", EFAULT, err(syscall(SYS_setrlimit, RLIMIT_CORE, NULL)));
    p = (struct pair){ 1, 2 };
    expect_eq("setrlimit(99) EINVAL", EINVAL, err(syscall(SYS_setrlimit, 99, &p)));
    p = (struct pair){ 100, 1048577 };
    expect_eq("setrlimit NOFILE above nr_open (1048576) EPERM", EPERM, err(syscall(SYS_setrlimit, RLIMIT_NOFILE, &p)));
    p = (struct pair){ 1024, 4096 };
    expect_eq("setrlimit NOFILE hard 4096 (root may raise it)", 0, err(syscall(SYS_setrlimit, RLIMIT_NOFILE, &p)));
    p = (struct pair){ 1024, 1024 };
    expect_eq("setrlimit NOFILE back to 1024", 0, err(syscall(SYS_setrlimit, RLIMIT_NOFILE, &p)));
    p = (struct pair){ 4096, 8192 };
    expect_eq("setrlimit(CORE, 4096/8192)", 0, err(syscall(SYS_setrlimit, RLIMIT_CORE, &p)));
    expect_pair("RLIMIT_CORE after set", RLIMIT_CORE, 4096, 8192);
    p = (struct pair){ 100, 100 };
    expect_eq("lower the hard limit", 0, err(syscall(SYS_setrlimit, RLIMIT_CORE, &p)));
    p = (struct pair){ INF, INF };
    expect_eq("raise the hard limit again (root may)", 0, err(syscall(SYS_setrlimit, RLIMIT_CORE, &p)));
    expect_pair("RLIMIT_CORE raised", RLIMIT_CORE, INF, INF);
    p = (struct pair){ 4096, 8192 };
    syscall(SYS_setrlimit, RLIMIT_CORE, &p);

    /* prlimit64. */
    expect_eq("prlimit64(0, NPROC, NULL, &old)", 0, err(syscall(SYS_prlimit64, 0, RLIMIT_NPROC, NULL, &old)));
    expect_eq("prlimit64 old soft", 256, old.soft);
    expect_eq("prlimit64(999999) ESRCH", ESRCH, err(syscall(SYS_prlimit64, 999999, RLIMIT_CORE, NULL, &old)));
    expect_eq("prlimit64(-5) ESRCH", ESRCH, err(syscall(SYS_prlimit64, -5, RLIMIT_CORE, NULL, &old)));
    expect_eq("prlimit64(0, 16) EINVAL", EINVAL, err(syscall(SYS_prlimit64, 0, 16, NULL, &old)));
    expect_eq("prlimit64 bad new EFAULT", EFAULT, err(syscall(SYS_prlimit64, 0, RLIMIT_CORE, (void *)8, NULL)));
    expect_eq("prlimit64 bad old EFAULT", EFAULT, err(syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, (void *)8)));
    p = (struct pair){ 3, 2 };
    expect_eq("prlimit64 soft > hard EINVAL", EINVAL, err(syscall(SYS_prlimit64, 0, RLIMIT_CORE, &p, NULL)));

    /* A child gets a copy; prlimit64 on the child's pid changes the child's alone. */
    unlink("/tmp/rl-set");
    unlink("/tmp/rl-read");
    pid_t child = fork();
    if (child == 0) {
        struct pair mine;
        int bad = syscall(SYS_getrlimit, RLIMIT_CORE, &mine) != 0 || mine.soft != 4096 || mine.hard != 8192;
        close(open("/tmp/rl-read", O_WRONLY | O_CREAT, 0644));
        while (!exists("/tmp/rl-set")) pause_ms(5);
        bad |= (syscall(SYS_getrlimit, RLIMIT_CORE, &mine) != 0 || mine.soft != 1 || mine.hard != 2) << 1;
        _exit(bad);
    }
    while (!exists("/tmp/rl-read")) pause_ms(5);
    p = (struct pair){ 1, 2 };
    old = (struct pair){ 0, 0 };
    expect_eq("prlimit64(child, CORE, 1/2, &old)", 0, err(syscall(SYS_prlimit64, child, RLIMIT_CORE, &p, &old)));
    expect_eq("the child's old soft (inherited)", 4096, old.soft);
    expect_pair("the parent's own is unchanged", RLIMIT_CORE, 4096, 8192);
    int fd = open("/tmp/rl-set", O_WRONLY | O_CREAT, 0644);
    close(fd);
    int status = 0;
    waitpid(child, &status, 0);
    expect_eq("the child saw the inherited, then the changed limit (exit 0)", 0, WIFEXITED(status) ? WEXITSTATUS(status) : 99);
    unlink("/tmp/rl-set");
    unlink("/tmp/rl-read");

    /* A lowered RLIMIT_NPROC: 3 processes in this tree, so two children, then EAGAIN. */
    p = (struct pair){ 3, 64 };
    expect_eq("setrlimit(NPROC, 3/64)", 0, err(syscall(SYS_setrlimit, RLIMIT_NPROC, &p)));
    pid_t held[8];
    int forked = 0;
    long error = 0;
    for (int i = 0; i < 8; i++) {
        pid_t pid = fork();
        if (pid == 0) { pause_ms(300); _exit(0); }
        if (pid < 0) { error = errno; break; }
        held[forked++] = pid;
    }
    expect_eq("children under RLIMIT_NPROC 3", 2, forked);
    expect_eq("then fork errno (EAGAIN)", EAGAIN, error);
    for (int i = 0; i < forked; i++) waitpid(held[i], NULL, 0);
    p = (struct pair){ 64, 64 };
    syscall(SYS_setrlimit, RLIMIT_NPROC, &p);
    dprintf(1, "rlimits: calls checked, %d wrong so far\n", wrong);

    /* The fork bomb: every process forks until fork fails. */
    long segment = syscall(SYS_shmget, NULL, 4096, 0);
    struct bomb *b = (struct bomb *)syscall(SYS_shmat, segment, NULL, 0);
    if ((long)b <= 0) { dprintf(1, "WRONG: no shared page for the bomb\n"); return 1; }
    syscall(SYS_shmctl, segment, 0, NULL);          /* freed with the last detach */
    unlink("/tmp/bomb-release");
    bomb(b, 1);
    int last = -1;
    for (int quiet = 0; quiet < 30; ) { pause_ms(20); if (b->started == last) quiet++; else { last = b->started; quiet = 0; } }
    dprintf(1, "rlimits: fork bomb holds %d processes (expected 63 + this one = RLIMIT_NPROC 64); "
               "forks refused with EAGAIN %d, otherwise %d\n", b->started, b->eagain, b->other);
    expect_eq("processes the bomb made", 63, b->started);
    expect_eq("forks refused otherwise than EAGAIN", 0, b->other);
    expect_eq("some forks were refused", 1, b->eagain > 0);
    for (int i = 0; i < 500 && !exists("/tmp/bomb-release"); i++) pause_ms(20);
    b->stop = 1;
    while (wait(NULL) > 0) { }
    unlink("/tmp/bomb-release");

    /* The kernel and this tree are fine afterwards. */
    child = fork();
    if (child == 0) _exit(5);
    waitpid(child, &status, 0);
    expect_eq("fork after the bomb, the child's status", 5, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    dprintf(1, "rlimits: %d wrong\n", wrong);
    return wrong != 0;
}
