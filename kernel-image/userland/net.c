/* TCP and UDP round trips with the host (run by the hostnet test): connect to 10.0.2.2 (QEMU's
   user network: the host) at the TCP port in /tmp/net-peer-port, send a line, read the host's
   answer (the line in capitals), close; then send a datagram to the UDP port named second in
   that file and receive the host's answer (in capitals) with its sender address. A bad address
   pointer is EFAULT. Exit status 0 when all held. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    char text[16] = {0};
    int fd = open("/tmp/net-peer-port", O_RDONLY);
    if (fd < 0 || read(fd, text, sizeof text - 1) <= 0) { dprintf(1, "net: no port\n"); return 1; }
    close(fd);

    char *second = strchr(text, ' ');
    int udp_port = second ? atoi(second + 1) : 0;
    struct sockaddr_in host = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(text)) };
    inet_pton(AF_INET, "10.0.2.2", &host.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&host, sizeof host) != 0) { dprintf(1, "net: connect failed (errno %d)\n", errno); return 2; }

    const char line[] = "hello from aurora over tcp\n";
    if (write(s, line, sizeof line - 1) != (ssize_t)(sizeof line - 1)) { dprintf(1, "net: send failed (errno %d)\n", errno); return 3; }
    char answer[64] = {0};
    size_t got = 0;
    while (got < sizeof line - 1) {
        ssize_t n = read(s, answer + got, sizeof answer - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(s);
    int ok = got == sizeof line - 1 && strcmp(answer, "HELLO FROM AURORA OVER TCP\n") == 0;
    dprintf(1, "net: answer %s", answer);

    int wrong = 0;
    int t = socket(AF_INET, SOCK_STREAM, 0);
    wrong += connect(t, (struct sockaddr *)0x10, sizeof host) != -1 || errno != EFAULT;
    close(t);
    dprintf(1, "net: tcp round trip %s, %d wrong\n", ok ? "ok" : "FAILED", wrong);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in peer = host;
    peer.sin_port = htons((unsigned short)udp_port);
    const char ping[] = "ping over udp";
    int udp_ok = u >= 0 && sendto(u, ping, sizeof ping - 1, 0, (struct sockaddr *)&peer, sizeof peer) == (ssize_t)(sizeof ping - 1);
    char pong[64] = {0};
    struct sockaddr_in from;
    socklen_t from_length = sizeof from;
    ssize_t n = udp_ok ? recvfrom(u, pong, sizeof pong - 1, 0, (struct sockaddr *)&from, &from_length) : -1;
    udp_ok = n == (ssize_t)(sizeof ping - 1) && strcmp(pong, "PING OVER UDP") == 0 &&
             from.sin_port == peer.sin_port && from.sin_addr.s_addr == peer.sin_addr.s_addr;
    close(u);
    dprintf(1, "net: udp round trip %s\n", udp_ok ? "ok" : "FAILED");
    return ok && udp_ok && wrong == 0 ? 0 : 4;
}
