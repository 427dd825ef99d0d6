/* The kernel benchmark (./aurora bench): one static musl program that both Aurora and Debian's
   Linux run as their first process, in the same QEMU with -icount shift=0. There the virtual
   clock advances one nanosecond per guest instruction, so rdtsc deltas count instructions; a
   `dec; jnz` loop of known length (2 instructions an iteration) calibrates the ratio rather than
   trusting it. Each operation runs as repeated batches and the cheapest batch counts: a timer
   interrupt landing in a batch is the clock's cost, not the operation's (both kernels tick).
   Prints one line per operation, "bench: NAME INSTRUCTIONS [note]", then "bench: done"; no pass
   or fail. As the first process on Linux it reboots at the end (QEMU runs with -no-reboot);
   on Aurora the kernel ends QEMU when its init exits.
   Run with the argument "exit" it exits at once (the program fork+execve runs). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { Page = 4096 };
/* include/uapi/linux/futex.h (musl-gcc sees no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128

static inline uint64_t ticks(void)
{
    uint32_t low, high;
    __asm__ volatile ("rdtsc" : "=a"(low), "=d"(high) :: "memory");
    return ((uint64_t)high << 32) | low;
}

static double ticks_per_instruction = 1.0;
static uint64_t empty_batch;   /* two rdtsc back to back: subtracted from every batch */

static void calibrate(void)
{
    uint64_t best = UINT64_MAX, empty = UINT64_MAX;
    for (int r = 0; r < 10; r++) {   /* 200,000 instructions: most runs see no timer interrupt */
        long n = 100000;
        uint64_t t0 = ticks();
        __asm__ volatile ("1: dec %0\n\tjnz 1b" : "+r"(n) :: "cc");
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
        t0 = ticks();
        d = ticks() - t0;
        if (d < empty) empty = d;
    }
    empty_batch = empty;
    ticks_per_instruction = (double)(best - empty) / 200000.0;
    dprintf(1, "bench: calibration %.4f ticks per instruction (200,000-instruction loop: %llu ticks), empty batch %llu\n",
            ticks_per_instruction, (unsigned long long)best, (unsigned long long)empty);
}

/* Instructions per operation from a batch's tick delta. */
static double per_op(uint64_t delta, long ops)
{
    double d = delta > empty_batch ? (double)(delta - empty_batch) : 0;
    return d / ticks_per_instruction / ops;
}

static void report(const char *name, double instructions, const char *note)
{
    dprintf(1, "bench: %s %.0f%s%s\n", name, instructions, note && *note ? " " : "", note ? note : "");
}

static void fail(const char *name, const char *what)
{
    dprintf(1, "bench: %s - %s (errno %d)\n", name, what, errno);
}

/* A page shared by parent and children (MAP_SHARED|MAP_ANONYMOUS): results and flags. */
struct shared {
    volatile double result;
    volatile long count[2], switches[2];
    volatile long go;
};
static struct shared *shared;

/* ---------------------------------------------------------------- getpid */
static inline long raw_getpid(void)
{
    long ret;
    __asm__ volatile ("syscall" : "=a"(ret) : "a"(SYS_getpid) : "rcx", "r11", "memory");
    return ret;
}

static void bench_getpid(void)
{
    enum { Batch = 1000, Batches = 20 };
    uint64_t best = UINT64_MAX;
    for (int b = 0; b < Batches; b++) {
        uint64_t t0 = ticks();
        for (int i = 0; i < Batch; i++) raw_getpid();
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    report("getpid", per_op(best, Batch), "");
}

/* ---------------------------------------------------------------- faults */
/* Writes one byte to each page of [base, base + pages), batches of Batch pages; the cheapest. */
static double touch_pages(char *base, long pages)
{
    enum { Batch = 16 };
    uint64_t best = UINT64_MAX;
    for (long p = 0; p + Batch <= pages; p += Batch) {
        uint64_t t0 = ticks();
        for (long i = 0; i < Batch; i++) ((volatile char *)base)[(p + i) * Page] = 1;
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    return per_op(best, Batch);
}

static char *anonymous(long bytes)
{
    char *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 0;
    madvise(p, bytes, MADV_NOHUGEPAGE);   /* one 4 KiB page a fault on Linux too (EINVAL elsewhere is fine) */
    return p;
}

static void bench_demand_zero(void)
{
    enum { Pages = 256 };
    char *p = anonymous(Pages * Page);
    if (!p) { fail("demand_zero_fault", "mmap"); return; }
    report("demand_zero_fault", touch_pages(p, Pages), "");
    munmap(p, Pages * Page);
}

static void bench_cow(void)
{
    enum { Pages = 256 };
    char *p = anonymous(Pages * Page);
    if (!p) { fail("cow_fault", "mmap"); return; }
    for (long i = 0; i < Pages; i++) p[i * Page] = 2;   /* the parent's own pages, shared at fork */
    shared->result = -1;
    pid_t child = fork();
    if (child == 0) { shared->result = touch_pages(p, Pages); _exit(0); }
    if (child < 0) { fail("cow_fault", "fork"); munmap(p, Pages * Page); return; }
    waitpid(child, 0, 0);
    report("cow_fault", shared->result, "");
    munmap(p, Pages * Page);
}

/* ---------------------------------------------------------------- processes */
static void bench_fork(void)
{
    enum { Batches = 20 };
    uint64_t best = UINT64_MAX;
    for (int b = 0; b < Batches; b++) {
        uint64_t t0 = ticks();
        pid_t child = fork();
        if (child == 0) _exit(0);
        if (child < 0) { fail("fork_exit_wait", "fork"); return; }
        waitpid(child, 0, 0);
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    report("fork_exit_wait", per_op(best, 1), "");
}

static void bench_fork_exec(const char *self)
{
    enum { Batches = 10 };
    uint64_t best = UINT64_MAX;
    for (int b = 0; b < Batches; b++) {
        int status = -1;
        uint64_t t0 = ticks();
        pid_t child = fork();
        if (child == 0) {
            char *argv[] = { (char *)self, "exit", 0 }, *envp[] = { 0 };
            execve(self, argv, envp);
            _exit(127);
        }
        if (child < 0) { fail("fork_execve_wait", "fork"); return; }
        waitpid(child, &status, 0);
        uint64_t d = ticks() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fail("fork_execve_wait", "execve"); return; }
        if (d < best) best = d;
    }
    report("fork_execve_wait", per_op(best, 1), "");
}

/* Both processes yield Yields times; each counts the yields after which the other had run. */
static void bench_yield(void)
{
    enum { Yields = 2000 };
    memset((void *)shared, 0, sizeof *shared);
    pid_t child = fork();
    if (child == 0) {
        while (!shared->go) sched_yield();
        for (int i = 0; i < Yields; i++) {
            long before = shared->count[0];
            sched_yield();
            if (shared->count[0] != before) shared->switches[1]++;
            shared->count[1]++;
        }
        _exit(0);
    }
    if (child < 0) { fail("sched_yield", "fork"); return; }
    shared->go = 1;
    long child_before = shared->count[1];
    uint64_t t0 = ticks();
    for (int i = 0; i < Yields; i++) {
        long before = shared->count[1];
        sched_yield();
        if (shared->count[1] != before) shared->switches[0]++;
        shared->count[0]++;
    }
    uint64_t d = ticks() - t0;
    long yields = Yields + shared->count[1] - child_before;
    long switched = shared->switches[0];
    waitpid(child, 0, 0);
    char note[96];
    snprintf(note, sizeof note, "(%ld of %d yields handed over to the other process)", switched, Yields);
    report("sched_yield", per_op(d, yields), note);
}

/* ---------------------------------------------------------------- ping-pong between two processes */
/* run(): one round trip from the parent's side; serve(): the child's side, until it returns < 0. */
static void ping_pong(const char *name, int (*run)(void), int (*serve)(void), void (*child_setup)(void))
{
    enum { Batch = 100, Batches = 10 };
    pid_t child = fork();
    if (child == 0) {
        if (child_setup) child_setup();
        while (serve() >= 0) {}
        _exit(0);
    }
    if (child < 0) { fail(name, "fork"); return; }
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 10; i++) if (run() < 0) { fail(name, "warm-up round trip"); goto out; }
    for (int b = 0; b < Batches; b++) {
        uint64_t t0 = ticks();
        for (int i = 0; i < Batch; i++) if (run() < 0) { fail(name, "round trip"); goto out; }
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    report(name, per_op(best, Batch), "");
out:;
}

static int to_child[2], to_parent[2];
static int pipe_run(void)
{
    char c = 'x';
    if (write(to_child[1], &c, 1) != 1) return -1;
    return read(to_parent[0], &c, 1) == 1 ? 0 : -1;
}
static int pipe_serve(void)
{
    char c;
    if (read(to_child[0], &c, 1) != 1) return -1;
    return write(to_parent[1], &c, 1) == 1 ? 0 : -1;
}

static void pipe_child_setup(void) { close(to_child[1]); close(to_parent[0]); }

static void bench_pipe(void)
{
    if (pipe(to_child) || pipe(to_parent)) { fail("pipe_pingpong", "pipe"); return; }
    ping_pong("pipe_pingpong", pipe_run, pipe_serve, pipe_child_setup);
    close(to_child[1]);   /* the child's read sees end of file and it exits */
    while (wait(0) > 0) {}
    close(to_child[0]); close(to_parent[0]); close(to_parent[1]);
}

static int queue;
struct message { long type; char text[64]; };
static int msg_run(void)
{
    struct message m = { 1, "ping" };
    if (msgsnd(queue, &m, sizeof m.text, 0)) return -1;
    return msgrcv(queue, &m, sizeof m.text, 2, 0) == sizeof m.text ? 0 : -1;
}
static int msg_serve(void)
{
    struct message m;
    if (msgrcv(queue, &m, sizeof m.text, 1, 0) != sizeof m.text) return -1;
    m.type = 2;
    return msgsnd(queue, &m, sizeof m.text, 0) ? -1 : 0;
}

static void bench_msg(void)
{
    queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (queue < 0) { fail("msgqueue_64b_pingpong", "msgget"); return; }
    ping_pong("msgqueue_64b_pingpong", msg_run, msg_serve, 0);
    msgctl(queue, IPC_RMID, 0);   /* the child's msgrcv fails (EIDRM) and it exits */
    while (wait(0) > 0) {}
}

static int tcp_client, tcp_listener;
static int tcp_run(void)
{
    char c = 'x';
    if (send(tcp_client, &c, 1, 0) != 1) return -1;
    return recv(tcp_client, &c, 1, 0) == 1 ? 0 : -1;
}
static int tcp_server_fd = -1;
static void tcp_child_setup(void)
{
    close(tcp_client);
    tcp_server_fd = accept(tcp_listener, 0, 0);
    close(tcp_listener);
    int one = 1;
    setsockopt(tcp_server_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}
static int tcp_serve(void)
{
    char c;
    if (recv(tcp_server_fd, &c, 1, 0) != 1) return -1;
    return send(tcp_server_fd, &c, 1, 0) == 1 ? 0 : -1;
}

static void bench_tcp(void)
{
    /* The first process on Linux finds lo down: bring it up (Aurora's loopback needs nothing). */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0) close(s);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(40300), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    tcp_listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(tcp_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (tcp_listener < 0 || bind(tcp_listener, (struct sockaddr *)&a, sizeof a) || listen(tcp_listener, 1)) {
        fail("tcp_loopback_pingpong", "listen"); return;
    }
    tcp_client = socket(AF_INET, SOCK_STREAM, 0);
    if (tcp_client < 0 || connect(tcp_client, (struct sockaddr *)&a, sizeof a)) { fail("tcp_loopback_pingpong", "connect"); return; }
    setsockopt(tcp_client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ping_pong("tcp_loopback_pingpong", tcp_run, tcp_serve, tcp_child_setup);
    close(tcp_client);   /* the child's recv sees end of stream and it exits */
    while (wait(0) > 0) {}
    close(tcp_listener);
}

/* ---------------------------------------------------------------- futex ping-pong between threads */
static volatile int ping, pong;
static long futex(volatile int *word, int op, int value)
{
    return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, value, 0, 0, 0);
}
static void await_one(volatile int *word)   /* until *word is 1, then back to 0 */
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != 1) futex(word, FUTEX_WAIT, 0);
    __atomic_store_n(word, 0, __ATOMIC_RELEASE);
}
static void post(volatile int *word)
{
    __atomic_store_n(word, 1, __ATOMIC_RELEASE);
    futex(word, FUTEX_WAKE, 1);
}
static volatile int futex_stop;
static void *futex_partner(void *unused)
{
    (void)unused;
    for (;;) {
        await_one(&ping);
        if (futex_stop) return 0;
        post(&pong);
    }
}

static void bench_futex(void)
{
    enum { Batch = 100, Batches = 10 };
    pthread_t thread;
    futex_stop = 0;
    ping = pong = 0;
    if (pthread_create(&thread, 0, futex_partner, 0)) { fail("futex_pingpong_threads", "pthread_create"); return; }
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 10; i++) { post(&ping); await_one(&pong); }
    for (int b = 0; b < Batches; b++) {
        uint64_t t0 = ticks();
        for (int i = 0; i < Batch; i++) { post(&ping); await_one(&pong); }
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    futex_stop = 1;
    post(&ping);
    pthread_join(thread, 0);
    report("futex_pingpong_threads", per_op(best, Batch), "");
}

/* ---------------------------------------------------------------- thread create + join */
static void *thread_nothing(void *unused) { (void)unused; return 0; }
static void bench_thread(void)
{
    enum { Batch = 20, Batches = 10 };
    uint64_t best = UINT64_MAX;
    pthread_t thread;
    for (int b = 0; b < Batches; b++) {
        uint64_t t0 = ticks();
        for (int i = 0; i < Batch; i++) {
            if (pthread_create(&thread, 0, thread_nothing, 0)) { fail("thread_create_join", "pthread_create"); return; }
            pthread_join(thread, 0);
        }
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    report("thread_create_join", per_op(best, Batch), "");
}

/* ---------------------------------------------------------------- memory and files */
static void bench_mmap(void)
{
    enum { Batch = 100, Batches = 10, Bytes = 1 << 20 };
    uint64_t best = UINT64_MAX;
    for (int b = 0; b < Batches; b++) {
        uint64_t t0 = ticks();
        for (int i = 0; i < Batch; i++) {
            void *p = mmap(0, Bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) { fail("mmap_munmap_1mib", "mmap"); return; }
            munmap(p, Bytes);
        }
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    report("mmap_munmap_1mib", per_op(best, Batch), "");
}

static void bench_file(void)
{
    enum { Batch = 100, Batches = 10 };
    static char data[Page];
    const char *path = "/tmp/bench.dat";
    mkdir("/tmp", 01777);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    memset(data, 'b', sizeof data);
    if (fd < 0 || write(fd, data, sizeof data) != sizeof data) { fail("open_read4k_close", "create"); return; }
    close(fd);
    uint64_t best = UINT64_MAX;
    for (int b = 0; b < Batches; b++) {
        uint64_t t0 = ticks();
        for (int i = 0; i < Batch; i++) {
            fd = open(path, O_RDONLY);
            if (fd < 0 || read(fd, data, sizeof data) != sizeof data) { fail("open_read4k_close", "read"); return; }
            close(fd);
        }
        uint64_t d = ticks() - t0;
        if (d < best) best = d;
    }
    unlink(path);
    report("open_read4k_close", per_op(best, Batch), "");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exit") == 0) return 0;
    shared = mmap(0, Page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) { fail("setup", "shared page"); return 1; }
    /* The path this program was started from, for execve: Linux starts it as /init. */
    const char *self = argv[0] && argv[0][0] == '/' ? argv[0] : "/proc/self/exe";
    calibrate();
    bench_getpid();
    bench_pipe();
    bench_yield();
    bench_cow();
    bench_demand_zero();
    bench_fork();
    bench_fork_exec(self);
    bench_mmap();
    bench_file();
    bench_msg();
    bench_tcp();
    bench_futex();
    bench_thread();
    dprintf(1, "bench: done\n");
    if (getpid() == 1) { sync(); reboot(RB_AUTOBOOT); }   /* Linux: QEMU's -no-reboot ends it */
    return 0;
}
