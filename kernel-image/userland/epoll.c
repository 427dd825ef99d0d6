/* epoll as Linux gives it: epoll_create/epoll_create1 (EPOLL_CLOEXEC), epoll_ctl's errno in
   Linux's order (EFAULT, EBADF, EPERM on a regular file, EINVAL, EEXIST, ENOENT, ELOOP for
   instances that watch each other), level- and edge-triggered and one-shot watches over pipes,
   POLLHUP without asking, a watch that goes with the last descriptor of its file (and stays
   while a dup lives), an instance inside an instance (and poll on it), maxevents smaller than
   what is ready, a wait woken by another process, a signal ending a wait with EINTR, timeouts,
   epoll_pwait's and epoll_pwait2's arguments. Run on Linux too (musl-gcc -static): "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "epoll: %s: got %ld (0x%lx), want %ld (0x%lx)\n", what, g_, g_, w_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR) { }
}

static long ctl(int ep, int op, int fd, unsigned events, unsigned long data)
{
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = events;
    e.data.u64 = data;
    return rv(epoll_ctl(ep, op, fd, &e));
}

/* One wait: the count, and the first event's bits and data. */
static long wait1(int ep, int timeout, unsigned *events, unsigned long *data)
{
    struct epoll_event e[8];
    memset(e, 0, sizeof e);
    long n = rv(epoll_wait(ep, e, 8, timeout));
    if (events) *events = n > 0 ? e[0].events : 0;
    if (data) *data = n > 0 ? e[0].data.u64 : 0;
    return n;
}

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

static void creation(void)
{
#ifdef SYS_epoll_create /* x86-64 only; arm64 has epoll_create1 alone */
    EXPECT("epoll_create(0)", rv(syscall(SYS_epoll_create, 0)), -EINVAL);
    EXPECT("epoll_create(-1)", rv(syscall(SYS_epoll_create, -1)), -EINVAL);
    int a = syscall(SYS_epoll_create, 1);
#else
    int a = epoll_create1(0);
#endif
    EXPECT("epoll_create1(1)", rv(epoll_create1(1)), -EINVAL);
    EXPECT("epoll_create(1) gives a descriptor", a >= 0, 1);
    EXPECT("no FD_CLOEXEC by default", fcntl(a, F_GETFD), 0);
    int b = epoll_create1(EPOLL_CLOEXEC);
    EXPECT("EPOLL_CLOEXEC sets FD_CLOEXEC", fcntl(b, F_GETFD), FD_CLOEXEC);
    close(a);
    close(b);
}

static void control_errors(void)
{
    int ep = epoll_create1(0), p[2], other = epoll_create1(0);
    pipe(p);
    int file = open("/tmp/epoll-regular", O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT("ADD a bad event pointer", rv(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)16)), -EFAULT);
    EXPECT("ADD a kernel event pointer", rv(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)0xffffffff81000000UL)), -EFAULT);
    EXPECT("an unknown op reads the event first", rv(epoll_ctl(ep, 99, p[0], (void *)16)), -EFAULT);
    EXPECT("DEL ignores the event pointer", rv(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], (void *)16)), -ENOENT);
    EXPECT("a closed epoll descriptor", ctl(999, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), -EBADF);
    EXPECT("a closed target", ctl(ep, EPOLL_CTL_ADD, 999, EPOLLIN, 0), -EBADF);
    EXPECT("a negative target", ctl(ep, EPOLL_CTL_ADD, -1, EPOLLIN, 0), -EBADF);
    EXPECT("a regular file", ctl(ep, EPOLL_CTL_ADD, file, EPOLLIN, 0), -EPERM);
    EXPECT("a regular file before EINVAL", ctl(p[0], EPOLL_CTL_ADD, file, EPOLLIN, 0), -EPERM);
    EXPECT("an instance watching itself", ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -EINVAL);
    EXPECT("not an epoll descriptor", ctl(p[0], EPOLL_CTL_ADD, p[1], EPOLLIN, 0), -EINVAL);
    EXPECT("an unknown op", ctl(ep, 99, p[0], EPOLLIN, 0), -EINVAL);
    EXPECT("op 0", ctl(ep, 0, p[0], EPOLLIN, 0), -EINVAL);
    EXPECT("MOD before ADD", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), -ENOENT);
    EXPECT("ADD", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), 0);
    EXPECT("ADD again", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), -EEXIST);
    int d = dup(p[0]);
    EXPECT("ADD a dup (another number)", ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN, 0), 0);
    EXPECT("MOD", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 1), 0);
    EXPECT("DEL", rv(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)), 0);
    EXPECT("DEL again", rv(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)), -ENOENT);
    EXPECT("EPOLLEXCLUSIVE with MOD", ctl(ep, EPOLL_CTL_MOD, d, EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL);
    EXPECT("EPOLLEXCLUSIVE with EPOLLONESHOT", ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), -EINVAL);
    EXPECT("EPOLLEXCLUSIVE on an instance", ctl(ep, EPOLL_CTL_ADD, other, EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL);
    EXPECT("EPOLLEXCLUSIVE accepted", ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLET, 0), 0);
    EXPECT("MOD of an exclusive watch", ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 0), -EINVAL);
    EXPECT("DEL of an exclusive watch", rv(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL)), 0);

    /* Loops: A watches B, then B may not watch A; A may not watch A through C→B→A either. */
    int a = epoll_create1(0), b = epoll_create1(0), c = epoll_create1(0);
    EXPECT("A watches B", ctl(a, EPOLL_CTL_ADD, b, EPOLLIN, 0), 0);
    EXPECT("B watches A: a loop", ctl(b, EPOLL_CTL_ADD, a, EPOLLIN, 0), -ELOOP);
    EXPECT("B watches C", ctl(b, EPOLL_CTL_ADD, c, EPOLLIN, 0), 0);
    EXPECT("C watches A: a longer loop", ctl(c, EPOLL_CTL_ADD, a, EPOLLIN, 0), -ELOOP);
    EXPECT("C watches a pipe", ctl(c, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), 0);
    /* Nesting deeper than Linux's EP_MAX_NESTS (4) is ELOOP too. */
    int chain[7];
    for (int i = 0; i < 7; i++) chain[i] = epoll_create1(0);
    long last = 0;
    int depth_ok = 0;
    for (int i = 1; i < 7; i++)
    {
        last = ctl(chain[i], EPOLL_CTL_ADD, chain[i - 1], EPOLLIN, 0);
        if (last == 0) depth_ok++;
        else break;
    }

    EXPECT("instances nest four deep", depth_ok, 4);
    EXPECT("the fifth level is ELOOP", last, -ELOOP);
    for (int i = 0; i < 7; i++) close(chain[i]);
    close(a); close(b); close(c);
    close(ep); close(other); close(d); close(p[0]); close(p[1]); close(file);
    unlink("/tmp/epoll-regular");
}

static void wait_errors(void)
{
    int ep = epoll_create1(0), p[2];
    pipe(p);
    struct epoll_event e[4];
    EXPECT("maxevents 0", rv(epoll_wait(ep, e, 0, 0)), -EINVAL);
    EXPECT("maxevents -1", rv(epoll_wait(ep, e, -1, 0)), -EINVAL);
    EXPECT("a closed descriptor", rv(epoll_wait(999, e, 4, 0)), -EBADF);
    EXPECT("not an instance", rv(epoll_wait(p[0], e, 4, 0)), -EINVAL);
    EXPECT("a kernel events pointer", rv(epoll_wait(ep, (void *)0xffffffff81000000UL, 4, 0)), -EFAULT);
    EXPECT("maxevents over EP_MAX_EVENTS", rv(epoll_wait(ep, e, 0x7fffffff, 0)), -EINVAL);
    EXPECT("NULL events, nothing ready", rv(epoll_wait(ep, NULL, 4, 0)), 0);
    ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 7);
    EXPECT("NULL events, one ready", rv(epoll_wait(ep, NULL, 4, 0)), -EFAULT);
    EXPECT("the event is still there (level-triggered)", rv(epoll_wait(ep, e, 4, 0)), 1);
    EXPECT("epoll_pwait: a mask of the wrong size", rv(syscall(SYS_epoll_pwait, ep, e, 4, 0, &(sigset_t){0}, 7)), -EINVAL);
    EXPECT("epoll_pwait: no mask, any size", rv(syscall(SYS_epoll_pwait, ep, e, 4, 0, NULL, 7)), 1);
    EXPECT("epoll_pwait: a bad mask", rv(syscall(SYS_epoll_pwait, ep, e, 4, 0, (void *)16, 8)), -EFAULT);
    struct timespec zero = { 0, 0 }, bad = { 0, 1000000000L }, negative = { -1, 0 };
    EXPECT("epoll_pwait2: zero timeout", rv(syscall(SYS_epoll_pwait2, ep, e, 4, &zero, NULL, 8)), 1);
    EXPECT("epoll_pwait2: tv_nsec too big", rv(syscall(SYS_epoll_pwait2, ep, e, 4, &bad, NULL, 8)), -EINVAL);
    EXPECT("epoll_pwait2: negative", rv(syscall(SYS_epoll_pwait2, ep, e, 4, &negative, NULL, 8)), -EINVAL);
    EXPECT("epoll_pwait2: bad timespec", rv(syscall(SYS_epoll_pwait2, ep, e, 4, (void *)16, NULL, 8)), -EFAULT);
    close(ep); close(p[0]); close(p[1]);
}

static void triggering(void)
{
    int p[2];
    unsigned ev;
    unsigned long data;
    char buf[8];

    /* Level-triggered: reported while readable. */
    int ep = epoll_create1(0);
    pipe(p);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1122334455667788UL);
    EXPECT("LT: nothing yet", wait1(ep, 0, NULL, NULL), 0);
    write(p[1], "ab", 2);
    EXPECT("LT: readable", wait1(ep, 0, &ev, &data), 1);
    EXPECT("LT: EPOLLIN", ev, EPOLLIN);
    EXPECT("LT: the data comes back whole", data == 0x1122334455667788UL, 1);
    EXPECT("LT: still readable", wait1(ep, 0, &ev, NULL), 1);
    read(p[0], buf, 1);
    EXPECT("LT: one byte left, still readable", wait1(ep, 0, NULL, NULL), 1);
    read(p[0], buf, 1);
    EXPECT("LT: drained", wait1(ep, 0, NULL, NULL), 0);
    close(p[1]);
    EXPECT("LT: no writer: an event nobody asked for", wait1(ep, 0, &ev, NULL), 1);
    EXPECT("LT: EPOLLHUP", ev, EPOLLHUP);
    close(p[0]);
    EXPECT("LT: the watch went with the last descriptor", wait1(ep, 0, NULL, NULL), 0);
    close(ep);

    /* Edge-triggered: reported once per write. */
    ep = epoll_create1(0);
    pipe(p);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 2);
    write(p[1], "a", 1);
    EXPECT("ET: readable", wait1(ep, 0, &ev, &data), 1);
    EXPECT("ET: EPOLLIN", ev, EPOLLIN);
    EXPECT("ET: not again without a new write", wait1(ep, 0, NULL, NULL), 0);
    write(p[1], "b", 1);
    EXPECT("ET: a new write, a new event", wait1(ep, 0, NULL, NULL), 1);
    read(p[0], buf, 1);
    EXPECT("ET: a read is not an edge for EPOLLIN", wait1(ep, 0, NULL, NULL), 0);
    read(p[0], buf, 1);
    write(p[1], "c", 1);
    write(p[1], "d", 1);
    EXPECT("ET: two writes before the wait, one event", wait1(ep, 0, NULL, NULL), 1);
    EXPECT("ET: and then none", wait1(ep, 0, NULL, NULL), 0);
    /* MOD looks at the file at once. */
    EXPECT("ET: MOD", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 3), 0);
    EXPECT("ET: MOD of a readable file reports it", wait1(ep, 0, NULL, &data), 1);
    EXPECT("ET: with the new data", data, 3);
    close(p[0]); close(p[1]); close(ep);

    /* One-shot: reported once, then not before MOD. */
    ep = epoll_create1(0);
    pipe(p);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT, 4);
    write(p[1], "a", 1);
    EXPECT("ONESHOT: once", wait1(ep, 0, NULL, NULL), 1);
    EXPECT("ONESHOT: not twice", wait1(ep, 0, NULL, NULL), 0);
    write(p[1], "b", 1);
    EXPECT("ONESHOT: not on a new write", wait1(ep, 0, NULL, NULL), 0);
    close(p[1]);
    EXPECT("ONESHOT: not even a hang-up", wait1(ep, 0, NULL, NULL), 0);
    EXPECT("ONESHOT: still there (ADD is EEXIST)", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), -EEXIST);
    EXPECT("ONESHOT: MOD re-arms", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 5), 0);
    EXPECT("ONESHOT: reported again", wait1(ep, 0, &ev, &data), 1);
    EXPECT("ONESHOT: readable and hung up", ev, EPOLLIN | EPOLLHUP);
    close(p[0]); close(ep);

    /* A dup keeps the watch: it goes with the last descriptor of the description. */
    ep = epoll_create1(0);
    pipe(p);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 6);
    int d = dup(p[0]);
    close(p[0]);
    write(p[1], "x", 1);
    EXPECT("a dup keeps the watch", wait1(ep, 0, NULL, &data), 1);
    EXPECT("with its data", data, 6);
    EXPECT("DEL by the closed number", rv(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)), -EBADF);
    close(d);
    EXPECT("gone with the dup", wait1(ep, 0, NULL, NULL), 0);
    close(p[1]); close(ep);

    /* Writable end and the reader going. */
    ep = epoll_create1(0);
    pipe(p);
    ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 8);
    EXPECT("write end: writable", wait1(ep, 0, &ev, NULL), 1);
    EXPECT("write end: EPOLLOUT", ev, EPOLLOUT);
    close(p[0]);
    EXPECT("write end: no reader", wait1(ep, 0, &ev, NULL), 1);
    EXPECT("write end: EPOLLOUT|EPOLLERR", ev, EPOLLOUT | EPOLLERR);
    close(p[1]); close(ep);
}

static void nesting_and_counts(void)
{
    int p[3][2];
    int inner = epoll_create1(0), outer = epoll_create1(0);
    for (int i = 0; i < 3; i++) pipe(p[i]);
    for (int i = 0; i < 3; i++) ctl(inner, EPOLL_CTL_ADD, p[i][0], EPOLLIN, 100 + i);
    ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 42);
    unsigned ev;
    unsigned long data;
    EXPECT("nested: nothing ready", wait1(outer, 0, NULL, NULL), 0);
    struct pollfd pf = { inner, POLLIN, 0 };
    EXPECT("poll on an idle instance", poll(&pf, 1, 0), 0);
    for (int i = 0; i < 3; i++) write(p[i][1], "z", 1);
    EXPECT("nested: the inner instance is readable", wait1(outer, 0, &ev, &data), 1);
    EXPECT("nested: EPOLLIN", ev, EPOLLIN);
    EXPECT("nested: its data", data, 42);
    pf.revents = 0;
    EXPECT("poll on a ready instance", poll(&pf, 1, 0), 1);
    EXPECT("poll: POLLIN", pf.revents, POLLIN);
    struct epoll_event e[3];
    EXPECT("maxevents 2 of 3 ready", rv(epoll_wait(inner, e, 2, 0)), 2);
    EXPECT("maxevents 2 of 3: the first's events", e[0].events, EPOLLIN);
    EXPECT("maxevents 2 of 3: the second's events", e[1].events, EPOLLIN);
    unsigned long seen = 0;
    seen |= 1UL << (e[0].data.u64 - 100);
    seen |= 1UL << (e[1].data.u64 - 100);
    EXPECT("the next call starts with the one left", rv(epoll_wait(inner, e, 1, 0)), 1);
    seen |= 1UL << (e[0].data.u64 - 100);
    EXPECT("all three seen across two calls", seen, 7);
    char c;
    for (int i = 0; i < 3; i++) read(p[i][0], &c, 1);
    EXPECT("nested: drained", wait1(outer, 0, NULL, NULL), 0);
    /* A blocking outer wait woken through the inner instance. */
    pid_t child = fork();
    if (child == 0)
    {
        sleep_ms(150);
        write(p[1][1], "w", 1);
        _exit(0);
    }

    long start = now_ms();
    EXPECT("nested: a blocking wait woken by another process", wait1(outer, 10000, NULL, &data), 1);
    EXPECT("nested: not before the write", now_ms() - start >= 100, 1);
    waitpid(child, NULL, 0);
    close(inner);
    /* The inner instance was closed: its watch in the outer one went with it. */
    EXPECT("nested: the closed instance's watch is gone", wait1(outer, 0, NULL, NULL), 0);
    close(outer);
    for (int i = 0; i < 3; i++) { close(p[i][0]); close(p[i][1]); }
}

static void blocking(void)
{
    int ep = epoll_create1(0), p[2];
    pipe(p);
    ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
    long start = now_ms();
    EXPECT("a timeout with nothing ready", wait1(ep, 120, NULL, NULL), 0);
    long took = now_ms() - start;
    EXPECT("waited the timeout", took >= 110, 1);
    EXPECT("but not much longer", took < 5000, 1);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART; /* epoll_wait is EINTR even so */
    sigaction(SIGALRM, &sa, NULL);
    alarms = 0;
    alarm(1);
    EXPECT("a signal ends the wait with EINTR", wait1(ep, 10000, NULL, NULL), -EINTR);
    EXPECT("the handler ran", alarms, 1);

    /* epoll_pwait with SIGALRM blocked during the wait: the signal waits too. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    alarms = 0;
    alarm(1);
    struct epoll_event e[2];
    start = now_ms();
    EXPECT("epoll_pwait: SIGALRM blocked for the wait", rv(epoll_pwait(ep, e, 2, 1600, &block)), 0);
    EXPECT("epoll_pwait: the handler ran after the wait", alarms, 1);
    close(p[0]); close(p[1]); close(ep);
}

/* A TCP connection over loopback: the peer's FIN is EPOLLIN|EPOLLRDHUP, its close after that
   EPOLLHUP too only once both sides are done. */
static void tcp_read_hangup(void)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(40232) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 4) != 0)
    {
        dprintf(2, "epoll: (no TCP loopback: skipped)\n");
        close(listener);
        return;
    }

    int client = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT("TCP: connect", rv(connect(client, (struct sockaddr *)&address, sizeof address)), 0);
    int server = accept(listener, NULL, NULL);
    int ep = epoll_create1(0);
    struct epoll_event e = { EPOLLIN | EPOLLRDHUP | EPOLLET, { .u64 = 5 } }, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, server, &e);
    EXPECT("TCP: nothing yet", rv(epoll_wait(ep, out, 2, 0)), 0);
    write(client, "d", 1);
    EXPECT("TCP: data", rv(epoll_wait(ep, out, 2, 5000)), 1);
    EXPECT("TCP: EPOLLIN", out[0].events, EPOLLIN);
    char c;
    read(server, &c, 1);
    shutdown(client, SHUT_WR);
    /* Edge-triggered: the FIN is a new edge (more events may come on other traffic here). */
    long n = rv(epoll_wait(ep, out, 2, 5000));
    EXPECT("TCP: the peer's FIN", n, 1);
    EXPECT("TCP: EPOLLIN|EPOLLRDHUP", n == 1 ? out[0].events : 0, EPOLLIN | EPOLLRDHUP);
    EXPECT("TCP: end of stream", rv(read(server, &c, 1)), 0);
    close(ep); close(server); close(client); close(listener);

    /* A non-blocking connect nobody answers: done when writable, SO_ERROR says how (once). */
    int refused = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    address.sin_port = htons(40233);
    long r = rv(connect(refused, (struct sockaddr *)&address, sizeof address));
    EXPECT("TCP: a refused non-blocking connect", r == -EINPROGRESS || r == -ECONNREFUSED, 1);
    if (r == -EINPROGRESS)
    {
        struct pollfd pf = { refused, POLLOUT, 0 };
        EXPECT("TCP: poll ends", poll(&pf, 1, 5000), 1);
        EXPECT("TCP: writable with an error", pf.revents & (POLLOUT | POLLERR), POLLOUT | POLLERR);
        int error = -1;
        socklen_t len = sizeof error;
        getsockopt(refused, SOL_SOCKET, SO_ERROR, &error, &len);
        EXPECT("TCP: SO_ERROR", error, ECONNREFUSED);
        getsockopt(refused, SOL_SOCKET, SO_ERROR, &error, &len);
        EXPECT("TCP: SO_ERROR once", error, 0);
    }

    close(refused);
}

/* Twenty ready at once, one call: every event whole (its mask and its own data), each watch
   once. (The kernel lays its events out as the user's struct epoll_event in place: 12 bytes
   on x86-64, 16 on arm64, where the events after the first were once overwritten.) */
static void many_ready(void)
{
    enum { N = 20 };
    int ep = epoll_create1(0), p[N][2];
    for (int i = 0; i < N; i++)
    {
        pipe(p[i]);
        ctl(ep, EPOLL_CTL_ADD, p[i][0], EPOLLIN, 0x500000000UL + i);
        write(p[i][1], "m", 1);
    }
    struct epoll_event e[32];
    memset(e, 0x5a, sizeof e);
    EXPECT("twenty ready: one call takes them all", rv(epoll_wait(ep, e, 32, 0)), N);
    unsigned long seen = 0;
    int whole = 0;
    for (int i = 0; i < N; i++)
    {
        unsigned long d = e[i].data.u64;
        if (e[i].events == EPOLLIN && d >= 0x500000000UL && d < 0x500000000UL + N) { seen |= 1UL << (d - 0x500000000UL); whole++; }
    }
    EXPECT("twenty ready: events with their mask and data", whole, N);
    EXPECT("twenty ready: each watch once", seen, (1UL << N) - 1);
    for (int i = 0; i < N; i++) { close(p[i][0]); close(p[i][1]); }
    close(ep);
}

int main(void)
{
    creation();
    many_ready();
    control_errors();
    wait_errors();
    triggering();
    nesting_and_counts();
    blocking();
    tcp_read_hangup();
    printf("epoll: %d wrong\n", wrong);
    return wrong != 0;
}
