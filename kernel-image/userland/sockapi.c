/* The socket API a server stands on, answered as Linux answers it: setsockopt/getsockopt,
   getsockname/getpeername, shutdown, accept4 and SOCK_NONBLOCK/SOCK_CLOEXEC, MSG_PEEK,
   MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL, EPIPE with SIGPIPE, FIONREAD, fstat, sendmsg/recvmsg
   with iovecs, a 256 KiB blocking write, SO_RCVTIMEO, and more sockets than the old limits.
   The connection part needs a way to reach its own listener (port 40200): on Linux 127.0.0.1;
   in Aurora the address and port in /tmp/sockapi-peer (the host's port that QEMU forwards back
   to the guest's 40200, TCP and UDP). Run on Linux too (musl-gcc -static): "0 wrong". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "sockapi: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)
#define EXPECT_TRUE(what, cond) do { if (!(cond)) { wrong++; dprintf(1, "sockapi: %s: false\n", what); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
#define LPORT 40200

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static int get_int(int s, int level, int name)
{
    int v = -12345;
    socklen_t n = sizeof v;
    long r = rv(getsockopt(s, level, name, &v, &n));
    return r < 0 ? (int)r : v;
}

static long set_int(int s, int level, int name, int v) { return rv(setsockopt(s, level, name, &v, sizeof v)); }

static volatile int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

/* Waits until fd has at least n bytes to read (FIONREAD), at most 3 s. */
/* Up to 10 s: through the host's user network under a loaded CI machine, 3 s once ran out. */
static int wait_readable(int fd, int n)
{
    for (int i = 0; i < 1000; i++) {
        int queued = -1;
        if (ioctl(fd, FIONREAD, &queued) == 0 && queued >= n) return queued;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, 10);
    }
    return -1;
}

static void local_calls(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    EXPECT("SOCK_NONBLOCK sets O_NONBLOCK", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, 1);
    EXPECT("SOCK_CLOEXEC sets FD_CLOEXEC", fcntl(s, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT("a stray type flag is EINVAL", rv(socket(AF_INET, SOCK_STREAM | 0x10, 0)), -EINVAL);
    int u = socket(AF_INET, SOCK_DGRAM, 0);

    EXPECT("SO_TYPE stream", get_int(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    EXPECT("SO_TYPE dgram", get_int(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
    EXPECT("SO_DOMAIN", get_int(s, SOL_SOCKET, SO_DOMAIN), AF_INET);
    EXPECT("SO_PROTOCOL tcp", get_int(s, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    EXPECT("SO_PROTOCOL udp", get_int(u, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
    EXPECT("SO_ERROR fresh", get_int(s, SOL_SOCKET, SO_ERROR), 0);
    EXPECT("SO_ACCEPTCONN before listen", get_int(s, SOL_SOCKET, SO_ACCEPTCONN), 0);
    EXPECT("setting SO_TYPE", set_int(s, SOL_SOCKET, SO_TYPE, 2), -ENOPROTOOPT);

    EXPECT("SO_REUSEADDR default", get_int(s, SOL_SOCKET, SO_REUSEADDR), 0);
    EXPECT("SO_REUSEADDR set", set_int(s, SOL_SOCKET, SO_REUSEADDR, 7), 0);
    EXPECT("SO_REUSEADDR is 1", get_int(s, SOL_SOCKET, SO_REUSEADDR), 1);
    short tiny = 1;
    EXPECT("an int option shorter than an int", rv(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &tiny, sizeof tiny)), -EINVAL);
    EXPECT("an option from a bad pointer", rv(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (void *)16, 4)), -EFAULT);
    EXPECT("SO_REUSEPORT set", set_int(s, SOL_SOCKET, SO_REUSEPORT, 1), 0);
    EXPECT("SO_REUSEPORT is 1", get_int(s, SOL_SOCKET, SO_REUSEPORT), 1);
    EXPECT("SO_KEEPALIVE set", set_int(s, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
    EXPECT("SO_KEEPALIVE is 1", get_int(s, SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT("SO_KEEPALIVE cleared", set_int(s, SOL_SOCKET, SO_KEEPALIVE, 0), 0);
    EXPECT("SO_KEEPALIVE is 0", get_int(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    EXPECT("SO_RCVBUF set", set_int(s, SOL_SOCKET, SO_RCVBUF, 65536), 0);
    EXPECT("SO_RCVBUF is doubled", get_int(s, SOL_SOCKET, SO_RCVBUF), 131072);
    EXPECT("SO_SNDBUF set", set_int(s, SOL_SOCKET, SO_SNDBUF, 65536), 0);
    EXPECT("SO_SNDBUF is doubled", get_int(s, SOL_SOCKET, SO_SNDBUF), 131072);
    EXPECT_TRUE("SO_RCVBUF of udp is positive", get_int(u, SOL_SOCKET, SO_RCVBUF) > 0);
    EXPECT("an unknown SOL_SOCKET option", set_int(s, SOL_SOCKET, 9999, 1), -ENOPROTOOPT);
    EXPECT("getsockopt at an unknown level", get_int(s, 9999, 1), -EOPNOTSUPP);
    EXPECT("setsockopt at an unknown level", set_int(s, 9999, 1, 1), -ENOPROTOOPT);
    EXPECT("getsockopt TCP_NODELAY on udp", get_int(u, IPPROTO_TCP, TCP_NODELAY), -EOPNOTSUPP);

    EXPECT("TCP_NODELAY default", get_int(s, IPPROTO_TCP, TCP_NODELAY), 0);
    EXPECT("TCP_NODELAY set", set_int(s, IPPROTO_TCP, TCP_NODELAY, 1), 0);
    EXPECT("TCP_NODELAY is 1", get_int(s, IPPROTO_TCP, TCP_NODELAY), 1);
    EXPECT("TCP_NODELAY on udp", set_int(u, IPPROTO_TCP, TCP_NODELAY, 1), -ENOPROTOOPT);
    EXPECT("TCP_KEEPIDLE default", get_int(s, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
    EXPECT("TCP_KEEPIDLE 0", set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 0), -EINVAL);
    EXPECT("TCP_KEEPIDLE 60", set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 60), 0);
    EXPECT("TCP_KEEPIDLE is 60", get_int(s, IPPROTO_TCP, TCP_KEEPIDLE), 60);
    EXPECT("TCP_KEEPINTVL default", get_int(s, IPPROTO_TCP, TCP_KEEPINTVL), 75);
    EXPECT("TCP_KEEPCNT default", get_int(s, IPPROTO_TCP, TCP_KEEPCNT), 9);
    EXPECT("TCP_KEEPCNT 128", set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 128), -EINVAL);

    EXPECT("IP_TTL default", get_int(s, IPPROTO_IP, IP_TTL), 64);
    EXPECT("IP_TTL 0", set_int(s, IPPROTO_IP, IP_TTL, 0), -EINVAL);
    EXPECT("IP_TTL 32", set_int(s, IPPROTO_IP, IP_TTL, 32), 0);
    EXPECT("IP_TTL is 32", get_int(s, IPPROTO_IP, IP_TTL), 32);
    EXPECT("IP_TTL -1", set_int(s, IPPROTO_IP, IP_TTL, -1), 0);
    EXPECT("IP_TTL back to 64", get_int(s, IPPROTO_IP, IP_TTL), 64);

    struct linger l = { 1, 5 }, l2 = { 0, 0 };
    socklen_t n = sizeof l2;
    EXPECT("SO_LINGER set", rv(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l)), 0);
    EXPECT("SO_LINGER get", rv(getsockopt(s, SOL_SOCKET, SO_LINGER, &l2, &n)), 0);
    EXPECT("  l_onoff", l2.l_onoff, 1);
    EXPECT("  l_linger", l2.l_linger, 5);
    EXPECT("  length", n, sizeof l2);
    EXPECT("SO_LINGER short", rv(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, 4)), -EINVAL);

    struct timeval tv = { 0, 250000 }, tv2 = { 9, 9 };
    n = sizeof tv2;
    EXPECT("SO_RCVTIMEO set", rv(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)), 0);
    EXPECT("SO_RCVTIMEO get", rv(getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv2, &n)), 0);
    EXPECT("  tv_sec", tv2.tv_sec, 0);
    EXPECT_TRUE("  tv_usec (250 ms, rounded up to the clock tick)", tv2.tv_usec >= 250000 && tv2.tv_usec <= 260000);
    struct timeval bad = { 1, 1000000 };
    EXPECT("SO_RCVTIMEO with 1000000 us", rv(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad)), -EDOM);
    EXPECT("SO_SNDTIMEO short", rv(setsockopt(u, SOL_SOCKET, SO_SNDTIMEO, &tv, 8)), -EINVAL);

    int v = 0x12345678;
    n = 2;
    EXPECT("getsockopt into 2 bytes", rv(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &n)), 0);
    EXPECT("  length 2", n, 2);
    EXPECT("  low bytes only", v, 0x12340001);
    n = (socklen_t)-1;
    EXPECT("getsockopt with a negative length", rv(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &n)), -EINVAL);
    EXPECT("getsockopt with a bad length pointer", rv(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)16)), -EFAULT);
    int p[2];
    pipe(p);
    EXPECT("setsockopt on a pipe", set_int(p[0], SOL_SOCKET, SO_REUSEADDR, 1), -ENOTSOCK);
    EXPECT("getsockopt on a closed descriptor", get_int(999, SOL_SOCKET, SO_TYPE), -EBADF);

    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(&a, 0xff, sizeof a);
    EXPECT("getsockname unbound", rv(getsockname(s, (struct sockaddr *)&a, &alen)), 0);
    EXPECT("  family", a.sin_family, AF_INET);
    EXPECT("  port 0", a.sin_port, 0);
    EXPECT("  address 0", a.sin_addr.s_addr, 0);
    EXPECT("  length", alen, 16);
    struct sockaddr_in any = { .sin_family = AF_INET };
    EXPECT("bind udp to port 0", rv(bind(u, (struct sockaddr *)&any, sizeof any)), 0);
    alen = sizeof a;
    getsockname(u, (struct sockaddr *)&a, &alen);
    EXPECT_TRUE("getsockname gives the port bind chose", ntohs(a.sin_port) != 0);
    alen = 4;
    memset(&a, 0xff, sizeof a);
    EXPECT("getsockname into 4 bytes", rv(getsockname(u, (struct sockaddr *)&a, &alen)), 0);
    EXPECT("  full length back", alen, 16);
    EXPECT("  address untouched", a.sin_addr.s_addr, 0xffffffffu);
    alen = (socklen_t)-1;
    EXPECT("getsockname with a negative length", rv(getsockname(u, (struct sockaddr *)&a, &alen)), -EINVAL);
    alen = sizeof a;
    EXPECT("getsockname to a bad pointer", rv(getsockname(u, (struct sockaddr *)16, &alen)), -EFAULT);
    EXPECT("getsockname of a pipe", rv(getsockname(p[0], (struct sockaddr *)&a, &alen)), -ENOTSOCK);
    EXPECT("getpeername unconnected tcp", rv(getpeername(s, (struct sockaddr *)&a, &alen)), -ENOTCONN);
    EXPECT("getpeername udp", rv(getpeername(u, (struct sockaddr *)&a, &alen)), -ENOTCONN);

    EXPECT("shutdown how 3", rv(shutdown(s, 3)), -EINVAL);
    EXPECT("shutdown how -1", rv(shutdown(s, -1)), -EINVAL);
    EXPECT("shutdown unconnected", rv(shutdown(s, SHUT_RDWR)), -ENOTCONN);
    EXPECT("shutdown a pipe", rv(shutdown(p[0], SHUT_RD)), -ENOTSOCK);

    struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(LPORT + 1) };
    EXPECT("bind the listener", rv(bind(s, (struct sockaddr *)&la, sizeof la)), 0);
    EXPECT("listen", rv(listen(s, 8)), 0);
    EXPECT("SO_ACCEPTCONN listening", get_int(s, SOL_SOCKET, SO_ACCEPTCONN), 1);
    EXPECT("accept4 with no one waiting", rv(accept4(s, NULL, NULL, SOCK_CLOEXEC)), -EAGAIN);
    EXPECT("accept4 on udp", rv(accept4(u, NULL, NULL, 0)), -EOPNOTSUPP);
    int queued = -1;
    EXPECT("FIONREAD on a listener", rv(ioctl(s, FIONREAD, &queued)), -EINVAL);
    EXPECT("FIONREAD on empty udp", rv(ioctl(u, FIONREAD, &queued)), 0);
    EXPECT("  0 bytes", queued, 0);
    struct stat st;
    EXPECT("fstat a socket", rv(fstat(u, &st)), 0);
    EXPECT("  S_IFSOCK", S_ISSOCK(st.st_mode), 1);

    /* "Without waiting" is told from "waited for the timeout" with a 10 s timeout and a 3 s
       bound: a loaded host (CI runs two emulators on two cores) can stall a guest for more
       than 100 ms of its clock between two calls, so short bounds gave false failures. */
    char buf[16];
    struct timeval ten = { 10, 0 };
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &ten, sizeof ten);
    long t0 = now_ms();
    EXPECT("MSG_DONTWAIT on a blocking socket", rv(recv(u, buf, sizeof buf, MSG_DONTWAIT)), -EAGAIN);
    EXPECT_TRUE("  without waiting", now_ms() - t0 < 3000);
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    t0 = now_ms();
    EXPECT("recv past SO_RCVTIMEO", rv(recv(u, buf, sizeof buf, 0)), -EAGAIN);
    long waited = now_ms() - t0;
    EXPECT_TRUE("  after about 250 ms", waited >= 200 && waited < 10000);   /* a loaded host stalls the guest */

    struct iovec many[1025];
    for (int i = 0; i < 1025; i++) { many[i].iov_base = buf; many[i].iov_len = 1; }
    struct msghdr m = { .msg_iov = many, .msg_iovlen = 1025 };
    EXPECT("sendmsg with 1025 iovecs", rv(sendmsg(u, &m, 0)), -EMSGSIZE);
    EXPECT("recvmsg from a bad header", rv(syscall(SYS_recvmsg, u, 16, MSG_DONTWAIT)), -EFAULT);
    m.msg_iovlen = 1;
    EXPECT("recvmsg with nothing queued", rv(recvmsg(u, &m, MSG_DONTWAIT)), -EAGAIN);

    /* More sockets than the old 16 per process and 32 system-wide. */
    int fds[40], opened = 0;
    for (int i = 0; i < 40; i++) if ((fds[i] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0) opened++;
    EXPECT("40 more sockets open", opened, 40);
    for (int i = 0; i < 40; i++) if (fds[i] >= 0) close(fds[i]);
    close(p[0]); close(p[1]); close(s); close(u);
}

/* Reads exactly n bytes from a blocking descriptor; returns how many came. */
static long read_all(int fd, char *buf, long n)
{
    long got = 0;
    while (got < n) {
        long r = read(fd, buf + got, n - got);
        if (r <= 0) break;
        got += r;
    }
    return got;
}

static void connection_calls(struct sockaddr_in peer)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    set_int(l, SOL_SOCKET, SO_REUSEADDR, 1);
    set_int(l, SOL_SOCKET, SO_KEEPALIVE, 1);
    struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(LPORT) };
    EXPECT("bind the listener", rv(bind(l, (struct sockaddr *)&la, sizeof la)), 0);
    EXPECT("listen", rv(listen(l, 4)), 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT("connect", rv(connect(c, (struct sockaddr *)&peer, sizeof peer)), 0);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    int a = accept4(l, (struct sockaddr *)&from, &flen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_TRUE("accept4", a >= 0);
    if (a < 0) return;
    EXPECT("accept4 SOCK_NONBLOCK", (fcntl(a, F_GETFL) & O_NONBLOCK) != 0, 1);
    EXPECT("accept4 SOCK_CLOEXEC", fcntl(a, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT("the listener's SO_KEEPALIVE is inherited", get_int(a, SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT("  peer length", flen, 16);
    EXPECT("  peer family", from.sin_family, AF_INET);
    struct sockaddr_in name;
    socklen_t nlen = sizeof name;
    EXPECT("getsockname accepted", rv(getsockname(a, (struct sockaddr *)&name, &nlen)), 0);
    EXPECT("  the listener's port", ntohs(name.sin_port), LPORT);
    nlen = sizeof name;
    EXPECT("getpeername connected", rv(getpeername(c, (struct sockaddr *)&name, &nlen)), 0);
    EXPECT("  the peer's address", name.sin_addr.s_addr, peer.sin_addr.s_addr);
    EXPECT("  the peer's port", name.sin_port, peer.sin_port);
    nlen = sizeof name;
    EXPECT("getpeername accepted", rv(getpeername(a, (struct sockaddr *)&name, &nlen)), 0);
    EXPECT("  same as accept said", name.sin_port, from.sin_port);

    char buf[64] = {0};
    EXPECT("send", rv(send(c, "hello world", 11, 0)), 11);
    EXPECT("FIONREAD", wait_readable(a, 11), 11);
    EXPECT("MSG_PEEK part", rv(recv(a, buf, 5, MSG_PEEK)), 5);
    EXPECT("  peeked", memcmp(buf, "hello", 5), 0);
    EXPECT("MSG_PEEK all", rv(recv(a, buf, sizeof buf, MSG_PEEK)), 11);
    EXPECT("FIONREAD after peeking", wait_readable(a, 11), 11);
    memset(buf, 0, sizeof buf);
    EXPECT("recv after peeking", rv(recv(a, buf, sizeof buf, 0)), 11);
    EXPECT("  the same bytes", memcmp(buf, "hello world", 11), 0);
    EXPECT("recv non-blocking, empty", rv(recv(a, buf, sizeof buf, 0)), -EAGAIN);
    long t0 = now_ms();
    EXPECT("MSG_DONTWAIT on a blocking connection", rv(recv(c, buf, sizeof buf, MSG_DONTWAIT)), -EAGAIN);
    EXPECT_TRUE("  without waiting", now_ms() - t0 < 3000);   /* blocking would never end */
    struct stat st;
    EXPECT("fstat a connection", rv(fstat(a, &st)), 0);
    EXPECT("  S_IFSOCK", S_ISSOCK(st.st_mode), 1);

    struct iovec out[3] = { { "ab", 2 }, { "cde", 3 }, { "fgh", 3 } };
    struct msghdr m = { .msg_iov = out, .msg_iovlen = 3 };
    EXPECT("sendmsg 3 iovecs", rv(sendmsg(c, &m, 0)), 8);
    EXPECT("FIONREAD of the message", wait_readable(a, 8), 8);
    char x[3] = {0}, y[3] = {0}, z[10] = {0};
    struct iovec in[3] = { { x, 3 }, { y, 3 }, { z, 10 } };
    struct sockaddr_in junk;
    struct msghdr r = { .msg_name = &junk, .msg_namelen = sizeof junk, .msg_iov = in, .msg_iovlen = 3,
                        .msg_control = buf, .msg_controllen = 32, .msg_flags = -1 };
    EXPECT("recvmsg 3 iovecs", rv(recvmsg(a, &r, 0)), 8);
    EXPECT("  scattered", memcmp(x, "abc", 3) == 0 && memcmp(y, "def", 3) == 0 && memcmp(z, "gh", 2) == 0, 1);
    EXPECT("  msg_flags", r.msg_flags, 0);
    EXPECT("  msg_controllen", r.msg_controllen, 0);
    EXPECT("  msg_namelen (tcp)", r.msg_namelen, 0);

    /* One 256 KiB write on a blocking socket sends everything; a child reads it. */
    enum { Big = 256 * 1024 };
    char *big = malloc(Big);
    for (int i = 0; i < Big; i++) big[i] = (char)(i * 7 + i / 256);
    int fl = fcntl(a, F_GETFL);
    fcntl(a, F_SETFL, fl & ~O_NONBLOCK);
    pid_t child = fork();
    if (child == 0) {
        char *got = malloc(Big);
        long n = read_all(a, got, Big);
        _exit(n == Big && memcmp(got, big, Big) == 0 ? 0 : 1);
    }
    EXPECT("one 256 KiB write", rv(write(c, big, Big)), Big);
    int status = -1;
    waitpid(child, &status, 0);
    EXPECT("  the reader got it all, in order", status, 0);

    /* MSG_WAITALL waits for the whole request across two sends. */
    child = fork();
    if (child == 0) {
        send(c, big, 1000, 0);
        usleep(50000);
        send(c, big + 1000, 1000, 0);
        _exit(0);
    }
    char *two = malloc(2000);
    EXPECT("MSG_WAITALL", rv(recv(a, two, 2000, MSG_WAITALL)), 2000);
    EXPECT("  in order", memcmp(two, big, 2000), 0);
    waitpid(child, &status, 0);

    struct timeval tv = { 0, 200000 };
    setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    t0 = now_ms();
    EXPECT("recv past SO_RCVTIMEO (tcp)", rv(recv(a, buf, sizeof buf, 0)), -EAGAIN);
    EXPECT_TRUE("  after about 200 ms", now_ms() - t0 >= 150 && now_ms() - t0 < 10000);
    struct timeval forever = { 0, 0 };
    setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof forever); /* the FIN may take longer */

    /* Half close: our FIN ends the peer's stream, we still read, writes are EPIPE (SIGPIPE). */
    signal(SIGPIPE, on_sigpipe);
    EXPECT("shutdown SHUT_WR", rv(shutdown(c, SHUT_WR)), 0);
    EXPECT("the peer reads the end", rv(recv(a, buf, sizeof buf, 0)), 0);
    EXPECT("send after SHUT_WR with MSG_NOSIGNAL", rv(send(c, "x", 1, MSG_NOSIGNAL)), -EPIPE);
    EXPECT("  no SIGPIPE", sigpipes, 0);
    EXPECT("write after SHUT_WR", rv(write(c, "x", 1)), -EPIPE);
    EXPECT("  SIGPIPE", sigpipes, 1);
    EXPECT("the other way still works", rv(send(a, "back", 4, 0)), 4);
    memset(buf, 0, sizeof buf);
    EXPECT("  read", read_all(c, buf, 4), 4);
    EXPECT("  the bytes", memcmp(buf, "back", 4), 0);
    close(a);
    close(c);

    /* SHUT_RD: a blocking read ends at once. A reset peer: the error once, then EPIPE. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT("connect again", rv(connect(c, (struct sockaddr *)&peer, sizeof peer)), 0);
    a = accept(l, NULL, NULL);
    EXPECT_TRUE("accept again", a >= 0);
    EXPECT("shutdown SHUT_RD", rv(shutdown(a, SHUT_RD)), 0);
    t0 = now_ms();
    EXPECT("recv after SHUT_RD", rv(recv(a, buf, sizeof buf, 0)), 0);
    EXPECT_TRUE("  without waiting", now_ms() - t0 < 3000);   /* blocking would never end */
    send(c, "unread", 6, 0);
    wait_readable(a, 6);
    close(a); /* unread data: the connection is reset */
    long first = 0;
    /* Through the host's forwarding (slirp, then the host's own stack) the reset takes a
       chain of hops to come back: up to 10 s on a loaded host. */
    for (int i = 0; i < 500 && first >= 0; i++) {
        first = rv(send(c, "x", 1, MSG_NOSIGNAL));
        if (first >= 0) usleep(20000);
    }
    EXPECT_TRUE("a send to a reset connection fails with ECONNRESET or EPIPE", first == -ECONNRESET || first == -EPIPE);
    int before = sigpipes;
    EXPECT("the next write", rv(write(c, "x", 1)), -EPIPE);
    EXPECT("  SIGPIPE", sigpipes, before + 1);
    EXPECT("SO_ERROR after it was reported", get_int(c, SOL_SOCKET, SO_ERROR), 0);
    close(c);

    /* SO_LINGER {1, 0}: close resets the connection (only checked where the peer is this
       stack itself, over loopback: a forwarding peer in between answers the reset its own way). */
    if (peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
        c = socket(AF_INET, SOCK_STREAM, 0);
        EXPECT("connect a third time", rv(connect(c, (struct sockaddr *)&peer, sizeof peer)), 0);
        a = accept(l, NULL, NULL);
        struct linger now_ = { 1, 0 };
        EXPECT("SO_LINGER {1, 0}", rv(setsockopt(a, SOL_SOCKET, SO_LINGER, &now_, sizeof now_)), 0);
        close(a);
        struct pollfd pc = { .fd = c, .events = POLLIN };
        poll(&pc, 1, 2000);
        EXPECT("recv after the peer's abortive close", rv(recv(c, buf, sizeof buf, 0)), -ECONNRESET);
        close(c);
    }
    close(l);

    /* UDP: sendmsg gathers one datagram, recvmsg scatters it with the sender; MSG_PEEK keeps it. */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = { .sin_family = AF_INET, .sin_port = htons(LPORT) };
    EXPECT("bind udp", rv(bind(u, (struct sockaddr *)&ua, sizeof ua)), 0);
    struct iovec dg[2] = { { "data", 4 }, { "gram", 4 } };
    struct msghdr dm = { .msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = dg, .msg_iovlen = 2 };
    EXPECT("sendmsg a datagram", rv(sendmsg(u, &dm, 0)), 8);
    EXPECT("FIONREAD is the datagram's length", wait_readable(u, 8), 8);
    EXPECT("MSG_PEEK a datagram", rv(recv(u, buf, 3, MSG_PEEK)), 3);
    char p1[5] = {0}, p2[5] = {0};
    struct iovec din[2] = { { p1, 5 }, { p2, 2 } };
    struct sockaddr_in src;
    struct msghdr rm = { .msg_name = &src, .msg_namelen = sizeof src, .msg_iov = din, .msg_iovlen = 2 };
    EXPECT("recvmsg a datagram cut short", rv(recvmsg(u, &rm, 0)), 7);
    EXPECT("  scattered", memcmp(p1, "datag", 5) == 0 && memcmp(p2, "ra", 2) == 0, 1);
    EXPECT("  MSG_TRUNC", rm.msg_flags, MSG_TRUNC);
    EXPECT("  msg_namelen", rm.msg_namelen, 16);
    EXPECT("  the sender's family", src.sin_family, AF_INET);
    close(u);
    dprintf(1, "sockapi: connection tests ran\n");
}

int main(void)
{
    int probe = socket(AF_INET, SOCK_DGRAM, 0);
    if (probe < 0 && errno == EAFNOSUPPORT) { dprintf(1, "sockapi: no network card\n"); return 2; }
    close(probe);
    local_calls();

    struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(LPORT) };
    inet_pton(AF_INET, "127.0.0.1", &peer.sin_addr);
    char text[64] = {0};
    int fd = open("/tmp/sockapi-peer", O_RDONLY);
    if (fd >= 0 && read(fd, text, sizeof text - 1) > 0) {
        char *space = strchr(text, ' ');
        if (space) { *space = 0; inet_pton(AF_INET, text, &peer.sin_addr); peer.sin_port = htons((unsigned short)atoi(space + 1)); }
    }
    if (fd >= 0) close(fd);
    /* "none": no way back to our own listener (a boot without the host's forwarding). */
    if (strncmp(text, "none", 4) == 0) dprintf(1, "sockapi: connection tests skipped\n");
    else connection_calls(peer);
    dprintf(1, "sockapi: %d wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
