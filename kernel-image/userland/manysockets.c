/* Ten thousand sockets in one process (issue 13: socket tables sized by memory, not a constant):
   RLIMIT_NOFILE raised as Linux needs it, 10,000 sockets (TCP and UDP alternating) each bound
   to its own loopback port, the last TCP one listening and taking a connection that carries
   data both ways, a UDP datagram to the last UDP one, then everything closed and the same
   count opened again (the table gave its slots back). Prints "N wrong"; 0 on Linux. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { COUNT = 10000, BASE_PORT = 30000 };

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { wrong++; printf("WRONG: %s: expected %ld, got %ld\n", what, expected, actual); }
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    return a;
}

static int open_all(int *fds)
{
    int opened = 0;
    for (int i = 0; i < COUNT; i++) {
        fds[i] = socket(AF_INET, i % 2 == 0 ? SOCK_STREAM : SOCK_DGRAM, 0);
        if (fds[i] < 0) { printf("WRONG: socket %d: errno %d\n", i, errno); wrong++; break; }
        opened++;
        struct sockaddr_in a = loopback(BASE_PORT + i);
        if (bind(fds[i], (struct sockaddr *)&a, sizeof a) != 0) { printf("WRONG: bind %d: errno %d\n", i, errno); wrong++; }
    }
    return opened;
}

int main(void)
{
    /* The default (1024) is too small, as on Linux; the hard limit may be raised (root). */
    struct rlimit before, big = { COUNT + 100, COUNT + 100 };
    getrlimit(RLIMIT_NOFILE, &before);
    expect("setrlimit(NOFILE, 10100)", 0, setrlimit(RLIMIT_NOFILE, &big));
    int *fds = malloc(sizeof(int) * COUNT);
    int opened = open_all(fds);
    expect("sockets opened", COUNT, opened);
    /* A descriptor past the limit is still refused. */
    int extra[200], n = 0, error = 0;
    for (; n < 200; n++) { extra[n] = socket(AF_INET, SOCK_DGRAM, 0); if (extra[n] < 0) { error = errno; break; } }
    expect("sockets up to RLIMIT_NOFILE, then EMFILE", EMFILE, error);
    for (int i = 0; i < n; i++) close(extra[i]);

    if (opened == COUNT) {
        int listener = fds[COUNT - 2];
        expect("listen on socket 9998", 0, listen(listener, 4));
        int client = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in to = loopback(BASE_PORT + COUNT - 2);
        expect("connect to it", 0, connect(client, (struct sockaddr *)&to, sizeof to));
        int server = accept(listener, NULL, NULL);
        expect("accept", 1, server >= 0);
        char buffer[16] = { 0 };
        expect("write", 5, write(client, "hello", 5));
        expect("read", 5, read(server, buffer, sizeof buffer));
        expect("bytes", 0, memcmp(buffer, "hello", 5));
        expect("write back", 3, write(server, "bye", 3));
        expect("read back", 3, read(client, buffer, sizeof buffer));
        /* An abortive close (no TIME-WAIT left behind holding buffers). */
        struct linger abort_now = { 1, 0 };
        setsockopt(client, SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now);
        close(client);
        close(server);

        int udp = fds[COUNT - 1];
        struct sockaddr_in u = loopback(BASE_PORT + COUNT - 1);
        expect("sendto the last UDP socket", 4, sendto(fds[1], "ping", 4, 0, (struct sockaddr *)&u, sizeof u));
        expect("recv on it", 4, recv(udp, buffer, sizeof buffer, 0));
    }

    for (int i = 0; i < opened; i++) expect("close", 0, close(fds[i]));
    /* The slots came back: all of them again (the ports too). */
    opened = open_all(fds);
    expect("sockets opened again", COUNT, opened);
    for (int i = 0; i < opened; i++) close(fds[i]);
    free(fds);
    setrlimit(RLIMIT_NOFILE, &before);
    printf("manysockets: %d wrong\n", wrong);
    return wrong != 0;
}
