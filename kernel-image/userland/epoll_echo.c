/* An epoll echo server under load: one process serves N connections (default 200) through one
   epoll instance, edge-triggered, reading each to EAGAIN; another process opens them all
   non-blocking (connect's completion seen as EPOLLOUT, then SO_ERROR 0), sends a message of a
   few KiB on each, reads the echo back through its own epoll instance, checks every byte and
   closes. Once over loopback TCP (127.0.0.1), once over AF_UNIX socket pairs (the TCP count
   may be lowered by /tmp/epoll-echo-tcp). Every wait has a
   deadline, so a lost wake is a failure, not a hang. Run on Linux too (musl-gcc -static):
   "epoll_echo: 0 wrong". Usage: epoll_echo [connections] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "epoll_echo: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

#define MESSAGE 3000
#define PORT 40231
#define MAXCONN 512

static char expected(int connection, int i) { return (char)(connection * 31 + i * 7); }

/* Serves until `count` connections have come and gone; listener < 0: they are there already
   (socket pairs, in fds). Returns the bytes echoed, or -1 on a stall. */
static long serve(int listener, int *fds, int count)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e;
    if (listener >= 0)
    {
        e.events = EPOLLIN;
        e.data.u64 = ~0UL;
        epoll_ctl(ep, EPOLL_CTL_ADD, listener, &e);
    }
    else
    {
        for (int i = 0; i < count; i++)
        {
            e.events = EPOLLIN | EPOLLET | EPOLLRDHUP;
            e.data.u64 = (unsigned long)fds[i];
            if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e) != 0) { wrong++; dprintf(2, "epoll_echo: server ADD: %d\n", errno); }
        }
    }

    int accepted = listener >= 0 ? 0 : count, closed = 0;
    long echoed = 0;
    char buf[8192];
    struct epoll_event events[64];
    while (closed < count)
    {
        int n = epoll_wait(ep, events, 64, 20000);
        if (n <= 0)
        {
            dprintf(2, "epoll_echo: server stalled (%d, errno %d): %d accepted, %d closed\n", n, errno, accepted, closed);
            close(ep);
            return -1;
        }

        for (int k = 0; k < n; k++)
        {
            if (events[k].data.u64 == ~0UL)
            {
                int c;
                while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                {
                    accepted++;
                    e.events = EPOLLIN | EPOLLET | EPOLLRDHUP;
                    e.data.u64 = (unsigned long)c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
                }

                if (errno != EAGAIN) { wrong++; dprintf(2, "epoll_echo: accept4: %d\n", errno); }
                continue;
            }

            int fd = (int)events[k].data.u64;
            /* Edge-triggered: read until EAGAIN or end of stream. */
            while (1)
            {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0)
                {
                    ssize_t at = 0;
                    while (at < r)
                    {
                        ssize_t w = write(fd, buf + at, r - at);
                        if (w > 0) at += w;
                        else if (w < 0 && errno == EAGAIN) { struct timespec t = { 0, 1000000 }; nanosleep(&t, NULL); }
                        else break;
                    }

                    echoed += at;
                    continue;
                }

                if (r == 0 || (r < 0 && errno != EAGAIN))
                {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                    closed++;
                }

                break;
            }
        }
    }

    close(ep);
    return echoed;
}

/* The clients: every connection sends its message and reads it back. Returns the number of
   connections whose echo came back whole and right. */
static int clients(int *fds, int count, int connecting)
{
    int ep = epoll_create1(0);
    int *sent = calloc(count, sizeof(int)), *got = calloc(count, sizeof(int)), *done = calloc(count, sizeof(int));
    char message[MESSAGE], buf[MESSAGE];
    struct epoll_event e;
    for (int i = 0; i < count; i++)
    {
        e.events = EPOLLIN | EPOLLOUT;
        e.data.u64 = (unsigned long)i;
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
    }

    int good = 0, finished = 0;
    struct epoll_event events[64];
    while (finished < count)
    {
        int n = epoll_wait(ep, events, 64, 20000);
        if (n <= 0)
        {
            dprintf(2, "epoll_echo: clients stalled (%d): %d finished\n", n, finished);
            break;
        }

        for (int k = 0; k < n; k++)
        {
            int i = (int)events[k].data.u64, fd = fds[i];
            if ((events[k].events & EPOLLOUT) && sent[i] < MESSAGE)
            {
                if (connecting && sent[i] == 0)
                {
                    int error = -1;
                    socklen_t len = sizeof error;
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
                    if (error != 0) { wrong++; dprintf(2, "epoll_echo: connection %d: SO_ERROR %d\n", i, error); }
                }

                for (int b = 0; b < MESSAGE; b++) message[b] = expected(i, b);
                ssize_t w = write(fd, message + sent[i], MESSAGE - sent[i]);
                if (w > 0) sent[i] += w;
                if (sent[i] == MESSAGE)
                {
                    e.events = EPOLLIN; /* level-triggered from here on */
                    e.data.u64 = (unsigned long)i;
                    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
                }
            }

            if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0)
                {
                    for (ssize_t b = 0; b < r; b++)
                        if (buf[b] != expected(i, got[i] + (int)b)) { wrong++; dprintf(2, "epoll_echo: connection %d byte %ld wrong\n", i, (long)(got[i] + b)); break; }
                    got[i] += (int)r;
                }

                if (got[i] >= MESSAGE || r == 0 || (r < 0 && errno != EAGAIN))
                {
                    if (got[i] == MESSAGE) good++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                    done[i] = 1;
                    finished++;
                }
            }
        }
    }

    close(ep);
    free(sent); free(got); free(done);
    return good;
}

static void over_tcp(int count)
{
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT("bind", bind(listener, (struct sockaddr *)&address, sizeof address), 0);
    EXPECT("listen", listen(listener, 1024), 0);
    pid_t child = fork();
    if (child == 0)
    {
        close(listener);
        int *fds = calloc(count, sizeof(int));
        int inprogress = 0;
        for (int i = 0; i < count; i++)
        {
            fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            int r = connect(fds[i], (struct sockaddr *)&address, sizeof address);
            if (r == 0 || errno == EINPROGRESS) inprogress++;
            else dprintf(2, "epoll_echo: connect %d: errno %d\n", i, errno);
        }

        int good = clients(fds, count, 1);
        if (good != count) dprintf(2, "epoll_echo: TCP: %d of %d echoes whole (%d connecting)\n", good, count, inprogress);
        _exit(good == count && wrong == 0 ? 0 : 1);
    }

    long echoed = serve(listener, NULL, count);
    int status = -1;
    waitpid(child, &status, 0);
    EXPECT("TCP: the server echoed every byte", echoed, (long)count * MESSAGE);
    EXPECT("TCP: every client got its echo", status, 0);
    close(listener);
}

static void over_unix(int count)
{
    int *ours = calloc(count, sizeof(int)), *theirs = calloc(count, sizeof(int));
    for (int i = 0; i < count; i++)
    {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) { wrong++; dprintf(2, "epoll_echo: socketpair: %d\n", errno); return; }
        ours[i] = sv[0];
        theirs[i] = sv[1];
    }

    pid_t child = fork();
    if (child == 0)
    {
        for (int i = 0; i < count; i++) close(ours[i]);
        int good = clients(theirs, count, 0);
        if (good != count) dprintf(2, "epoll_echo: AF_UNIX: %d of %d echoes whole\n", good, count);
        _exit(good == count && wrong == 0 ? 0 : 1);
    }

    for (int i = 0; i < count; i++) close(theirs[i]);
    long echoed = serve(-1, ours, count);
    int status = -1;
    waitpid(child, &status, 0);
    EXPECT("AF_UNIX: the server echoed every byte", echoed, (long)count * MESSAGE);
    EXPECT("AF_UNIX: every client got its echo", status, 0);
}

static int tcp_connections(int fallback)
{
    /* The in-kernel test writes a smaller TCP count while the kernel's sockets per process
       tree (ResourceLimits.SocketsPerAccount) are fewer than both ends of 200 connections. */
    char text[16] = { 0 };
    int fd = open("/tmp/epoll-echo-tcp", O_RDONLY);
    if (fd < 0) return fallback;
    read(fd, text, sizeof text - 1);
    close(fd);
    int n = atoi(text);
    return n >= 1 && n <= MAXCONN ? n : fallback;
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 200;
    if (count < 1 || count > MAXCONN) count = 200;
    int tcp = tcp_connections(count);
    signal(SIGPIPE, SIG_IGN);
    over_unix(count);
    over_tcp(tcp);
    printf("epoll_echo: %d AF_UNIX and %d TCP connections, %d wrong\n", count, tcp, wrong);
    return wrong != 0;
}
