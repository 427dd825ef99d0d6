/* Hostile use of epoll and AF_UNIX descriptor passing: instances watching each other (ELOOP),
   bad event pointers (EFAULT, nothing written), an instance shared across fork torn down by
   both sides at once, a thousand watches closed under a waiter; SCM_RIGHTS floods until the
   queue is full, sockets sent over themselves and rings of sockets, epoll instances and pipes in
   flight when everything closes, huge and malformed control buffers; bad AF_UNIX addresses and
   a flood of connects on a backlog of 0. The kernel must answer as
   Linux, keep running, and (checked by the in-kernel test) free every socket, pipe, instance
   and watch. Run on Linux too (musl-gcc -static): "attack_readiness: 0 wrong". */
#define _GNU_SOURCE
#include <sys/syscall.h>
/* arm64 has no epoll_wait: musl's is epoll_pwait with no mask (NULL, 8: the mask's
   arguments given, not left to whatever syscall()'s variadic reads find), the same question. */
#if defined(SYS_epoll_wait)
#define EPOLL_WAIT(e, events, max, timeout) syscall(SYS_epoll_wait, e, events, max, timeout)
#else
#define EPOLL_WAIT(e, events, max, timeout) syscall(SYS_epoll_pwait, e, events, max, timeout, 0, 8)
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "attack_readiness: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static long send_fds(int sock, const int *fds, int n, int flags)
{
    char byte = 'F';
    struct iovec iov = { &byte, 1 };
    static char control[CMSG_SPACE(sizeof(int) * 253)];
    memset(control, 0, sizeof control);
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = (struct cmsghdr *)control;
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return rv(syscall(SYS_sendmsg, sock, &m, flags));
}

static void epoll_attacks(void)
{
    int a = epoll_create1(0), b = epoll_create1(0), p[2];
    pipe(p);
    struct epoll_event e = { EPOLLIN, { 0 } };
    EXPECT("A watches B", rv(epoll_ctl(a, EPOLL_CTL_ADD, b, &e)), 0);
    EXPECT("B watches A", rv(epoll_ctl(b, EPOLL_CTL_ADD, a, &e)), -ELOOP);
    EXPECT("A watches A", rv(epoll_ctl(a, EPOLL_CTL_ADD, a, &e)), -EINVAL);
    /* Bad pointers: NULL, kernel, non-canonical, a page that is not mapped. */
    /* The second page is PROT_NONE: "unmapped" for every access (a hole could be refilled). */
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(page + 4096, 4096, PROT_NONE);
    EXPECT("event NULL", rv(syscall(SYS_epoll_ctl, a, EPOLL_CTL_ADD, p[0], NULL)), -EFAULT);
    EXPECT("event in the kernel", rv(syscall(SYS_epoll_ctl, a, EPOLL_CTL_ADD, p[0], 0xffffffff80000000UL)), -EFAULT);
    EXPECT("event non-canonical", rv(syscall(SYS_epoll_ctl, a, EPOLL_CTL_ADD, p[0], 0x0000800000000000UL)), -EFAULT);
    EXPECT("event across into an unmapped page", rv(syscall(SYS_epoll_ctl, a, EPOLL_CTL_ADD, p[0], page + 4092)), -EFAULT);
    EXPECT("the watch was not added", rv(epoll_ctl(a, EPOLL_CTL_DEL, p[0], NULL)), -ENOENT);
    /* epoll_wait into memory it cannot write: EFAULT, the event stays (level-triggered). */
    EXPECT("watch the write end", rv(epoll_ctl(a, EPOLL_CTL_ADD, p[1], &(struct epoll_event){ EPOLLOUT, { 0 } })), 0);
    char *readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT("events read-only", rv(EPOLL_WAIT(a, readonly, 4, 0)), -EFAULT);
    EXPECT("events unmapped", rv(EPOLL_WAIT(a, page + 4096, 4, 0)), -EFAULT);
    EXPECT("events straddle the unmapped page", rv(EPOLL_WAIT(a, page + 4090, 4, 0)), -EFAULT);
    struct epoll_event out[4];
    EXPECT("still reported", rv(epoll_wait(a, out, 4, 0)), 1);
    EXPECT("maxevents huge, room for one", rv(EPOLL_WAIT(a, out, 0x7fffffff, 0)), -EINVAL);
    EXPECT("pwait2 timespec unmapped", rv(syscall(SYS_epoll_pwait2, a, out, 4, page + 4096, NULL, 8)), -EFAULT);

    /* A thousand watches on one instance (not inside another: Linux limits wakeup paths
       through nested instances), then every descriptor closed: the instance empties. */
    close(b);
    b = epoll_create1(0);
    int many[1000], made = 0, q0[2];
    pipe(q0);
    for (int i = 0; i < 1000; i++)
    {
        many[i] = dup(q0[0]);
        if (many[i] < 0) break;
        made++;
        if (epoll_ctl(b, EPOLL_CTL_ADD, many[i], &e) != 0) { wrong++; dprintf(2, "attack_readiness: ADD %d: %d\n", i, errno); break; }
    }

    EXPECT("a thousand watches", made, 1000);
    write(q0[1], "x", 1);
    EXPECT("a thousand ready", rv(epoll_wait(b, out, 4, 0)), 4);
    for (int i = 0; i < made; i++) close(many[i]);
    EXPECT("the description is open: its watches stay", rv(epoll_wait(b, out, 4, 0)), 4);
    close(q0[0]);
    EXPECT("its last descriptor closed: every watch gone", rv(epoll_wait(b, out, 4, 0)), 0);
    close(q0[1]);

    /* An instance shared across fork: both sides add, remove and close at once. */
    int shared = epoll_create1(0);
    pid_t child = fork();
    if (child == 0)
    {
        for (int round = 0; round < 300; round++)
        {
            int q[2];
            if (pipe(q) != 0) _exit(2);
            epoll_ctl(shared, EPOLL_CTL_ADD, q[0], &e);
            write(q[1], "c", 1);
            epoll_wait(shared, out, 4, 0);
            if (round & 1) epoll_ctl(shared, EPOLL_CTL_DEL, q[0], NULL);
            close(q[0]);
            close(q[1]);
        }

        _exit(0);
    }

    for (int round = 0; round < 300; round++)
    {
        int q[2];
        pipe(q);
        epoll_ctl(shared, EPOLL_CTL_ADD, q[1], &(struct epoll_event){ EPOLLOUT | EPOLLET, { 0 } });
        epoll_wait(shared, out, 4, 0);
        close(q[0]);
        close(q[1]);
    }

    int status = -1;
    waitpid(child, &status, 0);
    EXPECT("the child's rounds", status, 0);
    EXPECT("the shared instance is empty", rv(epoll_wait(shared, out, 4, 0)), 0);
    /* A waiter whose instance is closed by another thread of work (here: a child holding it). */
    child = fork();
    if (child == 0)
    {
        epoll_wait(shared, out, 4, 300);
        _exit(0);
    }

    close(shared);
    waitpid(child, &status, 0);
    EXPECT("a waiter on an instance its parent closed", status, 0);
    close(a); close(b); close(p[0]); close(p[1]);
    munmap(page, 8192);
    munmap(readonly, 4096);
}

static void passing_attacks(void)
{
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    pipe(p);
    /* Flood: 200 descriptions a message until the queue is full. */
    int fds[253];
    for (int i = 0; i < 200; i++) fds[i] = i & 1 ? p[0] : sv[1];
    long r = 0;
    int messages = 0;
    while (messages < 100000 && (r = send_fds(sv[0], fds, 200, 0)) == 1) messages++;
    dprintf(2, "attack_readiness: flood: %d messages, then %ld\n", messages, r);
    EXPECT("the flood ends with EAGAIN", r, -EAGAIN);
    EXPECT("after some messages", messages > 10, 1);
    /* Huge and malformed control buffers. */
    char byte = 'x';
    struct iovec iov = { &byte, 1 };
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = fds;
    m.msg_controllen = ~0UL >> 1 | 0; /* > INT_MAX */
    *(unsigned long *)((char *)&m + 40) = 1UL << 62;
    EXPECT("msg_controllen 2^62", rv(syscall(SYS_sendmsg, sv[1], &m, 0)), -ENOBUFS);
    *(unsigned long *)((char *)&m + 40) = 0x80000000UL;
    EXPECT("msg_controllen 2^31", rv(syscall(SYS_sendmsg, sv[1], &m, 0)), -ENOBUFS);
    *(unsigned long *)((char *)&m + 40) = 4096;
    m.msg_control = (void *)0xffffffff80000000UL;
    EXPECT("control in the kernel", rv(syscall(SYS_sendmsg, sv[1], &m, 0)), -EFAULT);
    /* recvmsg with a control pointer it cannot write: some answer, and the kernel runs on. */
    int other[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, other);
    send_fds(other[0], &p[0], 1, 0);
    struct msghdr in;
    memset(&in, 0, sizeof in);
    in.msg_iov = &iov;
    in.msg_iovlen = 1;
    in.msg_control = (void *)16;
    in.msg_controllen = 64;
    r = rv(syscall(SYS_recvmsg, other[1], &in, 0));
    EXPECT("recvmsg into a bad control buffer: an answer", r == 1 || r == -EFAULT, 1);
    close(other[0]); close(other[1]);

    /* Sockets sent over themselves, rings, and instances in flight: then everything closes. */
    for (int round = 0; round < 50; round++)
    {
        int s[2], t[2], ep = epoll_create1(0);
        socketpair(AF_UNIX, round & 1 ? SOCK_DGRAM : SOCK_STREAM, 0, s);
        socketpair(AF_UNIX, SOCK_SEQPACKET, 0, t);
        struct epoll_event e = { EPOLLIN, { 0 } };
        epoll_ctl(ep, EPOLL_CTL_ADD, s[0], &e);
        epoll_ctl(ep, EPOLL_CTL_ADD, t[1], &e);
        int ring[4] = { s[0], s[1], t[0], ep };
        send_fds(s[0], ring, 4, MSG_DONTWAIT);
        send_fds(t[0], ring, 4, MSG_DONTWAIT);
        send_fds(s[1], &t[1], 1, MSG_DONTWAIT);
        close(s[0]); close(s[1]); close(t[0]); close(t[1]); close(ep);
    }

    close(sv[0]);
    close(sv[1]);
    signal(SIGPIPE, SIG_IGN);
    EXPECT("the pipe's readers were in flight and are gone", rv(write(p[1], "x", 1)), 1);
    close(p[0]);
    /* The readers in flight went with the unreachable sockets (Linux collects them in the
       background: give it a while). */
    long last = 0;
    for (int i = 0; i < 300 && (last = rv(write(p[1], "x", 1))) != -EPIPE; i++)
    {
        struct timespec t = { 0, 10000000 };
        nanosleep(&t, NULL);
    }

    EXPECT("with the last reader closed", last, -EPIPE);
    close(p[1]);
}

static void name_attacks(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    char big[200];
    memset(big, 'a', sizeof big);
    ((struct sockaddr *)big)->sa_family = AF_UNIX;
    EXPECT("bind: addrlen past sockaddr_un", rv(bind(s, (struct sockaddr *)big, 111)), -EINVAL);
    EXPECT("bind: addrlen past sockaddr_storage", rv(bind(s, (struct sockaddr *)big, 129)), -EINVAL);
    EXPECT("bind: addrlen 1", rv(bind(s, (struct sockaddr *)big, 1)), -EINVAL);
    EXPECT("bind: a NULL address", rv(bind(s, NULL, 20)), -EFAULT);
    EXPECT("connect: an unmapped address", rv(connect(s, (struct sockaddr *)16, 20)), -EFAULT);
    EXPECT("accept: not listening", rv(accept(s, NULL, NULL)), -EINVAL);
    /* An abstract listener with backlog 0 and a flood of non-blocking connects. */
    char name[16] = { 0, 0, 0 };
    ((struct sockaddr *)name)->sa_family = AF_UNIX;
    memcpy(name + 3, "floodx", 6);
    EXPECT("bind abstract", rv(bind(s, (struct sockaddr *)name, 9)), 0);
    EXPECT("listen 0", rv(listen(s, 0)), 0);
    int made = 0, refused = 0, clients[64];
    for (int i = 0; i < 64; i++)
    {
        clients[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        long r = rv(connect(clients[i], (struct sockaddr *)name, 9));
        if (r == 0) made++;
        else if (r == -EAGAIN) refused++;
    }

    EXPECT("backlog 0 holds one", made, 1);
    EXPECT("the rest EAGAIN", refused, 63);
    struct sockaddr_un peer;
    socklen_t len = 1;
    int c = accept(s, (struct sockaddr *)&peer, &len);
    EXPECT("accept with a one-byte address buffer", c >= 0, 1);
    EXPECT("the full length comes back", len, sizeof(sa_family_t));
    close(c);
    for (int i = 0; i < 64; i++) close(clients[i]);
    close(s);
}

int main(void)
{
    pid_t child = fork();
    if (child == 0)
    {
        alarm(60); /* a hang is a failure */
        epoll_attacks();
        passing_attacks();
        name_attacks();
        _exit(wrong > 255 ? 255 : wrong);
    }

    int status = -1;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status)) { wrong++; dprintf(2, "attack_readiness: the attacker died (status 0x%x)\n", status); }
    else wrong += WEXITSTATUS(status);
    printf("attack_readiness: %d wrong\n", wrong);
    return wrong != 0;
}
