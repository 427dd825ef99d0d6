/* AF_UNIX sockets with names as Linux gives them: socket(AF_UNIX); bind to a path (a socket
   node, S_IFSOCK in stat; EADDRINUSE when the path exists, also after close; ENOENT for a
   missing directory; EINVAL when bound already) and to abstract names (EADDRINUSE while bound,
   free again after close; autobind with the family alone); listen (EINVAL unbound,
   EOPNOTSUPP on datagrams); connect (ENOENT, ECONNREFUSED for a stale node or a socket that
   does not listen, EPROTOTYPE, EISCONN, EINVAL for a bad family); accept4 with the names each
   side sees, SO_PEERCRED, a connection waiting in the backlog, a listener closed with one
   pending (ECONNRESET); unconnected stream reads EINVAL, sends ENOTCONN; datagrams to a path
   and an abstract name with the sender's name from recvfrom, a connected datagram socket,
   ECONNREFUSED once the receiver is gone; readiness of a listener through poll and epoll.
   Run on Linux too (musl-gcc -static): "0 wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "unix_names: %s: got %ld (0x%lx), want %ld (0x%lx)\n", what, g_, g_, w_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }

static socklen_t path_address(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static socklen_t abstract_address(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static void paths(void)
{
    struct sockaddr_un a, got;
    socklen_t len = path_address(&a, "/tmp/un-server");
    unlink("/tmp/un-server");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT("socket(AF_UNIX)", s >= 0, 1);
    EXPECT("listen before bind", rv(listen(s, 4)), -EINVAL);
    EXPECT("bind a path", rv(bind(s, (struct sockaddr *)&a, len)), 0);
    struct stat st;
    EXPECT("the node is there", rv(stat("/tmp/un-server", &st)), 0);
    EXPECT("S_IFSOCK", S_ISSOCK(st.st_mode), 1);
    EXPECT("bind again, the same path", rv(bind(s, (struct sockaddr *)&a, len)), -EADDRINUSE);
    struct sockaddr_un a2;
    socklen_t len2 = path_address(&a2, "/tmp/un-server2");
    unlink("/tmp/un-server2");
    EXPECT("bind again, another path", rv(bind(s, (struct sockaddr *)&a2, len2)), -EINVAL);
    EXPECT("which is not left behind", rv(access("/tmp/un-server2", F_OK)), -ENOENT);
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT("bind a path that exists", rv(bind(other, (struct sockaddr *)&a, len)), -EADDRINUSE);
    struct sockaddr_un missing;
    socklen_t mlen = path_address(&missing, "/tmp/no-such-dir/x");
    EXPECT("bind in a missing directory", rv(bind(other, (struct sockaddr *)&missing, mlen)), -ENOENT);
    EXPECT("connect to a missing path", rv(connect(other, (struct sockaddr *)&missing, mlen)), -ENOENT);
    EXPECT("connect before listen", rv(connect(other, (struct sockaddr *)&a, len)), -ECONNREFUSED);
    EXPECT("a bad family", rv(connect(other, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_INET }, sizeof(struct sockaddr))), -EINVAL);
    EXPECT("unconnected read", rv(read(other, &st, 1)), -EINVAL);
    EXPECT("unconnected send", rv(send(other, "x", 1, MSG_NOSIGNAL)), -ENOTCONN);
    EXPECT("getpeername unconnected", rv(getpeername(other, (struct sockaddr *)&got, &(socklen_t){ sizeof got })), -ENOTCONN);
    struct pollfd pf = { other, POLLIN | POLLOUT, 0 };
    poll(&pf, 1, 0);
    EXPECT("poll: an unconnected stream socket", pf.revents, POLLOUT | POLLHUP);
    EXPECT("listen", rv(listen(s, 1)), 0);
    pf.fd = s;
    pf.revents = 0;
    EXPECT("poll: an idle listener", poll(&pf, 1, 0), 0);
    int regular = open("/tmp/un-regular", O_CREAT | O_WRONLY | O_TRUNC, 0600);
    close(regular);
    struct sockaddr_un reg;
    socklen_t rlen = path_address(&reg, "/tmp/un-regular");
    EXPECT("connect to a regular file", rv(connect(other, (struct sockaddr *)&reg, rlen)), -ECONNREFUSED);
    int dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
    EXPECT("connect a datagram socket to a stream listener", rv(connect(dgram, (struct sockaddr *)&a, len)), -EPROTOTYPE);
    EXPECT("listen on a datagram socket", rv(listen(dgram, 1)), -EOPNOTSUPP);
    close(dgram);

    /* A client with its own name connects; each side sees the other's. */
    struct sockaddr_un ca;
    socklen_t clen = path_address(&ca, "/tmp/un-client");
    unlink("/tmp/un-client");
    EXPECT("bind the client", rv(bind(other, (struct sockaddr *)&ca, clen)), 0);
    EXPECT("connect", rv(connect(other, (struct sockaddr *)&a, len)), 0);
    EXPECT("connect again", rv(connect(other, (struct sockaddr *)&a, len)), -EISCONN);
    pf.revents = 0;
    EXPECT("poll: a connection to accept", poll(&pf, 1, 0), 1);
    EXPECT("poll: POLLIN", pf.revents, POLLIN);
    memset(&got, 0, sizeof got);
    socklen_t glen = sizeof got;
    int c = accept4(s, (struct sockaddr *)&got, &glen, SOCK_CLOEXEC);
    EXPECT("accept4", c >= 0, 1);
    EXPECT("accept4: SOCK_CLOEXEC", fcntl(c, F_GETFD), FD_CLOEXEC);
    EXPECT("accept: the client's name length", glen, clen);
    EXPECT("accept: the client's name", strcmp(got.sun_path, "/tmp/un-client"), 0);
    glen = sizeof got;
    getsockname(c, (struct sockaddr *)&got, &glen);
    EXPECT("the accepted socket has the listener's name", strcmp(got.sun_path, "/tmp/un-server"), 0);
    glen = sizeof got;
    EXPECT("getpeername on the client", rv(getpeername(other, (struct sockaddr *)&got, &glen)), 0);
    EXPECT("the client's peer is the server's path", strcmp(got.sun_path, "/tmp/un-server"), 0);
    EXPECT("its length", glen, len);
    struct ucred cred;
    socklen_t credlen = sizeof cred;
    getsockopt(other, SOL_SOCKET, SO_PEERCRED, &cred, &credlen);
    EXPECT("SO_PEERCRED: the listener's pid", cred.pid, getpid());
    char buf[16];
    EXPECT("client writes", rv(write(other, "ping", 4)), 4);
    EXPECT("server reads", rv(read(c, buf, sizeof buf)), 4);
    EXPECT("server writes", rv(write(c, "pong!", 5)), 5);
    EXPECT("client reads", rv(read(other, buf, sizeof buf)), 5);
    EXPECT("a stream send with an address", rv(sendto(other, "x", 1, 0, (struct sockaddr *)&a, len)), -EISCONN);
    close(c);
    EXPECT("end of file when the server's end closes", rv(read(other, buf, sizeof buf)), 0);
    close(other);

    /* A connection waiting in the backlog of a listener that closes: reset. */
    int waiting = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT("connect to sit in the backlog", rv(connect(waiting, (struct sockaddr *)&a, len)), 0);
    /* listen(s, 1) holds one more than the backlog, as Linux (unix_recvq_full: more than). */
    int second = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT("a second waits too", rv(connect(second, (struct sockaddr *)&a, len)), 0);
    int third = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT("a full backlog, non-blocking: EAGAIN", rv(connect(third, (struct sockaddr *)&a, len)), -EAGAIN);
    close(third);
    close(s);
    EXPECT("the listener closed: reset", rv(read(waiting, buf, sizeof buf)), -ECONNRESET);
    EXPECT("the other one too", rv(read(second, buf, sizeof buf)), -ECONNRESET);
    close(waiting);
    close(second);
    /* The node stays after close: bind says EADDRINUSE, connect ECONNREFUSED. */
    int again = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT("the stale node: bind", rv(bind(again, (struct sockaddr *)&a, len)), -EADDRINUSE);
    EXPECT("the stale node: connect", rv(connect(again, (struct sockaddr *)&a, len)), -ECONNREFUSED);
    unlink("/tmp/un-server");
    EXPECT("after unlink, bind works", rv(bind(again, (struct sockaddr *)&a, len)), 0);
    close(again);
    unlink("/tmp/un-server");
    unlink("/tmp/un-client");
    unlink("/tmp/un-regular");
}

static void abstract_names(void)
{
    struct sockaddr_un a, got;
    socklen_t len = abstract_address(&a, "aurora-test");
    int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    EXPECT("bind an abstract name", rv(bind(s, (struct sockaddr *)&a, len)), 0);
    int t = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    EXPECT("the same abstract name", rv(bind(t, (struct sockaddr *)&a, len)), -EADDRINUSE);
    socklen_t glen = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &glen);
    EXPECT("getsockname: the abstract length", glen, len);
    EXPECT("getsockname: the leading NUL", got.sun_path[0], 0);
    EXPECT("listen", rv(listen(s, 4)), 0);
    EXPECT("connect by abstract name", rv(connect(t, (struct sockaddr *)&a, len)), 0);
    int c = accept(s, NULL, NULL);
    EXPECT("accept", c >= 0, 1);
    write(t, "rec", 3);
    write(t, "ord2", 4);
    char buf[16];
    EXPECT("seqpacket keeps records", rv(read(c, buf, sizeof buf)), 3);
    EXPECT("the next record", rv(read(c, buf, sizeof buf)), 4);
    close(c); close(t); close(s);
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT("the name is free after close", rv(bind(u, (struct sockaddr *)&a, len)), 0);
    close(u);
    /* Autobind: the family alone gives an abstract name of five hex digits. */
    int v = socket(AF_UNIX, SOCK_DGRAM, 0);
    EXPECT("autobind", rv(bind(v, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, sizeof(sa_family_t))), 0);
    glen = sizeof got;
    getsockname(v, (struct sockaddr *)&got, &glen);
    EXPECT("autobind: the length", glen, offsetof(struct sockaddr_un, sun_path) + 6);
    EXPECT("autobind: abstract", got.sun_path[0], 0);
    close(v);
}

static void datagrams(void)
{
    struct sockaddr_un server, client, from;
    socklen_t slen = path_address(&server, "/tmp/un-dgram");
    socklen_t clen = abstract_address(&client, "aurora-dgram-client");
    unlink("/tmp/un-dgram");
    int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0), anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    EXPECT("bind the receiver", rv(bind(s, (struct sockaddr *)&server, slen)), 0);
    EXPECT("bind the sender", rv(bind(c, (struct sockaddr *)&client, clen)), 0);
    EXPECT("send without a destination", rv(send(anon, "x", 1, 0)), -ENOTCONN);
    EXPECT("sendto a path", rv(sendto(c, "hello", 5, 0, (struct sockaddr *)&server, slen)), 5);
    EXPECT("sendto from an unnamed socket", rv(sendto(anon, "anon", 4, 0, (struct sockaddr *)&server, slen)), 4);
    char buf[16];
    socklen_t flen = sizeof from;
    EXPECT("recvfrom", rv(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen)), 5);
    EXPECT("recvfrom: the sender's name length", flen, clen);
    EXPECT("recvfrom: abstract", from.sun_path[0] == 0 && memcmp(from.sun_path + 1, "aurora-dgram-client", 19) == 0, 1);
    flen = sizeof from;
    EXPECT("recvfrom an unnamed sender", rv(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen)), 4);
    EXPECT("no name", flen, 0);
    /* Ten datagrams from another socket fill the queue (max_dgram_qlen). */
    int sent = 0;
    for (int i = 0; i < 20; i++)
        if (sendto(c, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&server, slen) == 1) sent++;
        else break;
    EXPECT("a queue of datagrams from others holds max_dgram_qlen + 1", sent, 11);
    EXPECT("then EAGAIN", rv(sendto(c, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&server, slen)), -EAGAIN);
    while (recv(s, buf, sizeof buf, MSG_DONTWAIT) > 0) { }
    EXPECT("connect to the receiver", rv(connect(anon, (struct sockaddr *)&server, slen)), 0);
    EXPECT("send to the connected name", rv(send(anon, "conn", 4, 0)), 4);
    EXPECT("received", rv(recv(s, buf, sizeof buf, 0)), 4);
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    EXPECT("getpeername of a connected datagram socket", rv(getpeername(anon, (struct sockaddr *)&peer, &plen)), 0);
    EXPECT("its name", strcmp(peer.sun_path, "/tmp/un-dgram"), 0);
    close(s);
    EXPECT("the receiver is gone", rv(send(anon, "x", 1, 0)), -ECONNREFUSED);
    EXPECT("sendto a stale node", rv(sendto(c, "x", 1, 0, (struct sockaddr *)&server, slen)), -ECONNREFUSED);
    close(c); close(anon);
    unlink("/tmp/un-dgram");
}

static void epoll_listener(void)
{
    struct sockaddr_un a;
    socklen_t len = abstract_address(&a, "aurora-epoll");
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    bind(s, (struct sockaddr *)&a, len);
    listen(s, 16);
    int ep = epoll_create1(0);
    struct epoll_event e = { EPOLLIN | EPOLLET, { .u64 = 1 } }, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
    EXPECT("epoll: an idle listener", rv(epoll_wait(ep, out, 2, 0)), 0);
    EXPECT("accept on an idle non-blocking listener", rv(accept(s, NULL, NULL)), -EAGAIN);
    pid_t child = fork();
    if (child == 0)
    {
        int t = socket(AF_UNIX, SOCK_STREAM, 0);
        struct timespec pause = { 0, 100000000 };
        nanosleep(&pause, NULL);
        _exit(connect(t, (struct sockaddr *)&a, len) == 0 ? 0 : 1);
    }

    EXPECT("epoll: woken by another process's connect", rv(epoll_wait(ep, out, 2, 10000)), 1);
    int c = accept(s, NULL, NULL);
    EXPECT("accept it", c >= 0, 1);
    int status = -1;
    waitpid(child, &status, 0);
    EXPECT("the child connected", status, 0);
    close(c); close(ep); close(s);
}

int main(void)
{
    paths();
    abstract_names();
    datagrams();
    epoll_listener();
    printf("unix_names: %d wrong\n", wrong);
    return wrong != 0;
}
