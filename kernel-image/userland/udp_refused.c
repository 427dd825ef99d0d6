/* Connected UDP sockets over the loopback interface, checked against Linux: connect sets the
 * peer (getpeername), send without an address goes to it, recv hears only it, and a datagram to
 * a closed port comes back as ICMP port unreachable: the next recv (or send) fails once with
 * ECONNREFUSED, as Linux's sock_error. Prints "udp_refused: N wrong". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { printf("udp_refused: %s: expected %ld, got %ld\n", what, w_, g_); wrong++; } } while (0)

static struct sockaddr_in at(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* Waits (bounded) until fd is readable; the ICMP error makes it so. */
static int readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 5000);
}

int main(void)
{
    /* A closed port: bind one, remember its number, close it. */
    int probe = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any = at(0);
    bind(probe, (struct sockaddr *)&any, sizeof any);
    socklen_t len = sizeof any;
    getsockname(probe, (struct sockaddr *)&any, &len);
    int closed_port = ntohs(any.sin_port);
    close(probe);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in peer = at(closed_port), got;
    EXPECT("connect", connect(u, (struct sockaddr *)&peer, sizeof peer), 0);
    len = sizeof got;
    EXPECT("getpeername", getpeername(u, (struct sockaddr *)&got, &len), 0);
    EXPECT("getpeername port", ntohs(got.sin_port), closed_port);
    EXPECT("send to the closed port", send(u, "ping", 4, 0), 4);
    EXPECT("readable after the ICMP error", readable(u), 1);
    char buf[64];
    errno = 0;
    EXPECT("recv fails", recv(u, buf, sizeof buf, MSG_DONTWAIT), -1);
    EXPECT("recv errno", errno, ECONNREFUSED);
    errno = 0;
    EXPECT("then nothing", recv(u, buf, sizeof buf, MSG_DONTWAIT), -1);
    EXPECT("then nothing errno", errno, EAGAIN);

    /* Again: this time SO_ERROR reports it (and clears it). */
    EXPECT("send again", send(u, "ping", 4, 0), 4);
    EXPECT("readable again", readable(u), 1);
    int error = 0;
    len = sizeof error;
    EXPECT("SO_ERROR call", getsockopt(u, SOL_SOCKET, SO_ERROR, &error, &len), 0);
    EXPECT("SO_ERROR", error, ECONNREFUSED);
    len = sizeof error;
    EXPECT("SO_ERROR again call", getsockopt(u, SOL_SOCKET, SO_ERROR, &error, &len), 0);
    EXPECT("SO_ERROR cleared", error, 0);
    errno = 0;
    EXPECT("recv after SO_ERROR", recv(u, buf, sizeof buf, MSG_DONTWAIT), -1);
    EXPECT("recv after SO_ERROR errno", errno, EAGAIN);

    /* A listener connected to a peer hears only that peer. */
    int server = socket(AF_INET, SOCK_DGRAM, 0), a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in s_addr = at(0), a_addr = at(0);
    bind(server, (struct sockaddr *)&s_addr, sizeof s_addr);
    len = sizeof s_addr;
    getsockname(server, (struct sockaddr *)&s_addr, &len);
    bind(a, (struct sockaddr *)&a_addr, sizeof a_addr);
    len = sizeof a_addr;
    getsockname(a, (struct sockaddr *)&a_addr, &len);
    EXPECT("connect to a", connect(server, (struct sockaddr *)&a_addr, sizeof a_addr), 0);
    EXPECT("b sends", sendto(b, "from b", 6, 0, (struct sockaddr *)&s_addr, sizeof s_addr), 6);
    EXPECT("a sends", sendto(a, "from a", 6, 0, (struct sockaddr *)&s_addr, sizeof s_addr), 6);
    EXPECT("readable", readable(server), 1);
    memset(buf, 0, sizeof buf);
    EXPECT("recv from a", recv(server, buf, sizeof buf, 0), 6);
    EXPECT("it is a's", strcmp(buf, "from a"), 0);
    EXPECT("write to a", write(server, "back", 4), 4);
    EXPECT("a readable", readable(a), 1);
    EXPECT("a gets it", recv(a, buf, sizeof buf, MSG_DONTWAIT), 4);
    errno = 0;
    EXPECT("nothing else for server", recv(server, buf, sizeof buf, MSG_DONTWAIT), -1);
    EXPECT("nothing else errno", errno, EAGAIN);
    close(u); close(server); close(a); close(b);
    printf("udp_refused: %d wrong\n", wrong);
    return wrong != 0;
}
