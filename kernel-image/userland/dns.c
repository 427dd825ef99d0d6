/* Name resolution through musl's resolver (issue 13): getaddrinfo for names in /etc/hosts
   (localhost, aurora) and for names a DNS server answers. The server is this program's own
   child: a tiny responder on 127.0.0.1:53 answering A queries for dns-test.aurora with
   10.9.8.7, AAAA queries with no answer and anything else with NXDOMAIN. /etc/resolv.conf must
   name 127.0.0.1 while it runs (the in-kernel test writes it and puts the lease's back; on
   Linux: unshare -m with a bind mount over /etc/resolv.conf). Prints "N wrong"; 0 on Linux. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, const char *expected, const char *actual)
{
    if (strcmp(expected, actual) != 0) { wrong++; printf("WRONG: %s: expected %s, got %s\n", what, expected, actual); }
    else printf(" %s: %s\n", what, actual);
}

/* The first IPv4 address getaddrinfo gives for name, or the error's name. */
static void lookup(const char *name, char *out, size_t size)
{
    struct addrinfo hints, *result = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int r = getaddrinfo(name, "80", &hints, &result);
    if (r != 0) { snprintf(out, size, "%s", r == EAI_NONAME ? "EAI_NONAME" : gai_strerror(r)); return; }
    snprintf(out, size, "none");
    for (struct addrinfo *a = result; a; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, out, (socklen_t)size);
            break;
        }
    }
    freeaddrinfo(result);
}

/* Answers queries until killed. */
static void responder(int fd)
{
    unsigned char q[512], r[600];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fromlen);
        if (n < 12 + 5) continue;
        /* The question: labels from byte 12, then type and class. */
        char name[256];
        int at = 12, len = 0;
        while (at < n && q[at] != 0 && len < 200) {
            int l = q[at++];
            if (len) name[len++] = '.';
            for (int i = 0; i < l && at < n; i++) name[len++] = (char)q[at++];
        }
        name[len] = 0;
        at++;
        if (at + 4 > n) continue;
        int type = q[at] << 8 | q[at + 1];
        int end = at + 4;
        memcpy(r, q, (size_t)end);
        r[2] = 0x81; r[3] = 0x80;                  /* response, recursion desired and available */
        r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0; /* answers, authority, additional */
        int known = strcmp(name, "dns-test.aurora") == 0;
        if (!known) r[3] = 0x83;                   /* NXDOMAIN */
        if (known && type == 1) {
            r[7] = 1;
            unsigned char answer[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 9, 8, 7 };
            memcpy(r + end, answer, sizeof answer);
            end += sizeof answer;
        }
        sendto(fd, r, (size_t)end, 0, (struct sockaddr *)&from, fromlen);
    }
}

int main(void)
{
    char got[64];
    lookup("localhost", got, sizeof got);
    expect("localhost (/etc/hosts)", "127.0.0.1", got);
    lookup("aurora", got, sizeof got);
    expect("aurora (/etc/hosts)", "127.0.1.1", got);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { printf("WRONG: bind 127.0.0.1:53: errno %d\n", errno); wrong++; }
    pid_t child = fork();
    if (child == 0) { responder(fd); _exit(0); }
    close(fd);

    lookup("dns-test.aurora", got, sizeof got);
    expect("dns-test.aurora (DNS)", "10.9.8.7", got);
    lookup("dns-test.aurora.", got, sizeof got);
    expect("dns-test.aurora. (DNS, absolute)", "10.9.8.7", got);
    lookup("missing.aurora", got, sizeof got);
    expect("missing.aurora (NXDOMAIN)", "EAI_NONAME", got);
    lookup("10.1.2.3", got, sizeof got);
    expect("a numeric address", "10.1.2.3", got);

    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    printf("dns: %d wrong\n", wrong);
    return wrong != 0;
}
