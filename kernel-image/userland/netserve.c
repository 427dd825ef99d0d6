/* The guest half of the network benchmark (./aurora bench --net) and of the flood test: one
   process, one epoll instance (level-triggered), every socket non-blocking.
     TCP 8080, HTTP/1.0-ish, one request per connection, answered with "Connection: close":
       GET /            a 6-byte body ("hello\n")
       GET /bytes/N     N bytes (a repeating pattern): guest -> host bulk
       POST /sink       reads the Content-Length body and answers with its byte count: host -> guest
       GET /stats       counters of this server (connections open now and at most at once)
       GET /quit        answers, prints the counters and exits 0
     UDP 7777: every datagram goes back to its sender (echo).
   The same static binary runs as Linux's /init in the benchmark: when it is process 1 and
   /modules/order exists it loads those kernel modules (the virtio-net driver of Debian's
   kernel) and gives eth0 QEMU's user-network address (10.0.2.15/24, default route 10.0.2.2),
   which Aurora's kernel does by itself. Usage: netserve [seconds] (0: no time limit; without
   an argument /tmp/netserve-seconds may hold it: the flood test's bound). Prints "netserve:
   ready" once listening, and its counters when it ends. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HTTP_PORT 8080
#define UDP_PORT 7777
#define MAX_FDS 4096
#define HEADER_MAX 2048

enum state { FREE, READ_HEADER, READ_BODY, WRITE };

struct connection {
    enum state state;
    int header_length;
    long body_left;          /* READ_BODY: request bytes still to come */
    long body_read;
    char header[HEADER_MAX];
    char reply[256];
    int reply_length, reply_sent;
    long payload_left;       /* WRITE: pattern bytes after the reply head */
    int quit_after;
};

static struct connection *connections;
static char pattern[65536];
static char discard[65536];
static long accepted, requests, bad_requests, udp_echoed, accept_errors, resets;
static long open_now, open_peak; /* connections open at once */

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- Linux as process 1: modules and addresses (Aurora's kernel configures itself) ---- */

static void load_modules(void)
{
    FILE *order = fopen("/modules/order", "r");
    if (!order) return;
    char name[128];
    while (fscanf(order, "%127s", name) == 1) {
        char path[192];
        snprintf(path, sizeof path, "/modules/%s", name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
            printf("netserve: loading %s failed (errno %d)\n", name, errno);
        if (fd >= 0) close(fd);
    }
    fclose(order);
}

static void set_address(int s, const char *name, unsigned long request, const char *address)
{
    struct ifreq r = {0};
    strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    struct sockaddr_in *a = (struct sockaddr_in *)&r.ifr_addr;
    a->sin_family = AF_INET;
    inet_pton(AF_INET, address, &a->sin_addr);
    if (ioctl(s, request, &r) != 0) printf("netserve: %s address ioctl %#lx failed (errno %d)\n", name, request, errno);
}

static void bring_up(int s, const char *name)
{
    struct ifreq r = {0};
    strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &r) != 0) { printf("netserve: no interface %s (errno %d)\n", name, errno); return; }
    r.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &r) != 0) printf("netserve: %s up failed (errno %d)\n", name, errno);
}

static void configure_linux(void)
{
    load_modules();
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    bring_up(s, "lo");
    set_address(s, "eth0", SIOCSIFADDR, "10.0.2.15");
    set_address(s, "eth0", SIOCSIFNETMASK, "255.255.255.0");
    bring_up(s, "eth0");
    struct rtentry route = {0};
    struct sockaddr_in *gateway = (struct sockaddr_in *)&route.rt_gateway;
    gateway->sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.2.2", &gateway->sin_addr);
    ((struct sockaddr_in *)&route.rt_dst)->sin_family = AF_INET;
    ((struct sockaddr_in *)&route.rt_genmask)->sin_family = AF_INET;
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    if (ioctl(s, SIOCADDRT, &route) != 0) printf("netserve: default route failed (errno %d)\n", errno);
    close(s);
}

/* ---- the server ---- */

static void watch(int ep, int op, int fd, unsigned events)
{
    struct epoll_event e = { .events = events, .data.fd = fd };
    if (epoll_ctl(ep, op, fd, &e) != 0 && op != EPOLL_CTL_DEL) printf("netserve: epoll_ctl %d on %d failed (errno %d)\n", op, fd, errno);
}

static void finish(int ep, int fd)
{
    watch(ep, EPOLL_CTL_DEL, fd, 0);
    close(fd);
    connections[fd].state = FREE;
    open_now--;
}

static void print_counters(const char *why)
{
    printf("netserve: %s: %ld connections (at most %ld open at once), %ld requests, %ld bad, %ld udp echoed, %ld accept errors, %ld resets\n",
           why, accepted, open_peak, requests, bad_requests, udp_echoed, accept_errors, resets);
    fflush(stdout);
}

static void reply(struct connection *c, int status, const char *reason, long length, const char *body)
{
    c->reply_length = snprintf(c->reply, sizeof c->reply,
                               "HTTP/1.0 %d %s\r\nContent-Length: %ld\r\nConnection: close\r\n\r\n%s",
                               status, reason, length, body ? body : "");
    c->reply_sent = 0;
    c->payload_left = body ? 0 : length;
    c->state = WRITE;
}

/* The header is complete: decide what to do. */
static void route_request(struct connection *c)
{
    requests++;
    char method[8] = "", path[128] = "";
    sscanf(c->header, "%7s %127s", method, path);
    if (strcmp(method, "GET") == 0 && strcmp(path, "/") == 0) {
        reply(c, 200, "OK", 6, "hello\n");
    } else if (strcmp(method, "GET") == 0 && strncmp(path, "/bytes/", 7) == 0) {
        reply(c, 200, "OK", atol(path + 7), NULL);
    } else if (strcmp(method, "GET") == 0 && strcmp(path, "/stats") == 0) {
        char text[160];
        int n = snprintf(text, sizeof text, "open %ld peak %ld accepted %ld requests %ld udp %ld accept-errors %ld\n",
                         open_now, open_peak, accepted, requests, udp_echoed, accept_errors);
        reply(c, 200, "OK", n, text);
    } else if (strcmp(method, "GET") == 0 && strcmp(path, "/quit") == 0) {
        reply(c, 200, "OK", 4, "bye\n");
        c->quit_after = 1;
    } else if (strcmp(method, "POST") == 0 && strcmp(path, "/sink") == 0) {
        const char *length = strcasestr(c->header, "\ncontent-length:");
        c->body_left = length ? atol(length + 16) : 0;
        c->body_read = 0;
        /* Body bytes that came with the header. */
        char *end = strstr(c->header, "\r\n\r\n");
        long extra = c->header_length - (end + 4 - c->header);
        c->body_left -= extra;
        c->body_read += extra;
        c->state = READ_BODY;
    } else {
        bad_requests++;
        reply(c, 404, "Not Found", 0, "");
    }
}

/* Returns 1 when the server should stop. */
static int on_connection(int ep, int fd, unsigned events)
{
    struct connection *c = &connections[fd];
    if (c->state == READ_HEADER) {
        ssize_t n = read(fd, c->header + c->header_length, HEADER_MAX - 1 - c->header_length);
        if (n < 0 && errno == EAGAIN) return 0;
        if (n <= 0) { if (n < 0) resets++; finish(ep, fd); return 0; }
        c->header_length += (int)n;
        c->header[c->header_length] = 0;
        if (strstr(c->header, "\r\n\r\n")) route_request(c);
        else if (c->header_length >= HEADER_MAX - 1) { bad_requests++; finish(ep, fd); return 0; }
    } else if (c->state == READ_BODY) {
        ssize_t n = read(fd, discard, sizeof discard);
        if (n < 0 && errno == EAGAIN) return 0;
        if (n <= 0) { if (n < 0) resets++; finish(ep, fd); return 0; }
        c->body_left -= n;
        c->body_read += n;
    }
    if (c->state == READ_BODY && c->body_left <= 0) {
        char text[32];
        int n = snprintf(text, sizeof text, "%ld\n", c->body_read);
        reply(c, 200, "OK", n, text);
    }
    if (c->state == WRITE) {
        if (!(events & EPOLLOUT)) watch(ep, EPOLL_CTL_MOD, fd, EPOLLOUT);
        while (c->reply_sent < c->reply_length) {
            ssize_t n = write(fd, c->reply + c->reply_sent, c->reply_length - c->reply_sent);
            if (n < 0 && errno == EAGAIN) return 0;
            if (n <= 0) { resets++; finish(ep, fd); return 0; }
            c->reply_sent += (int)n;
        }
        while (c->payload_left > 0) {
            size_t chunk = c->payload_left < (long)sizeof pattern ? (size_t)c->payload_left : sizeof pattern;
            ssize_t n = write(fd, pattern, chunk);
            if (n < 0 && errno == EAGAIN) return 0;
            if (n <= 0) { resets++; finish(ep, fd); return 0; }
            c->payload_left -= n;
        }
        int quit = c->quit_after;
        finish(ep, fd);
        return quit;
    }
    return 0;
}

static void on_listener(int ep, int listener)
{
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR) accept_errors++;
            return;
        }
        if (fd >= MAX_FDS) { close(fd); accept_errors++; continue; }
        accepted++;
        if (++open_now > open_peak) open_peak = open_now;
        struct connection *c = &connections[fd];
        c->state = READ_HEADER;
        c->header_length = 0;
        c->quit_after = 0;
        watch(ep, EPOLL_CTL_ADD, fd, EPOLLIN);
    }
}

static void on_udp(int u)
{
    char datagram[2048];
    for (;;) {
        struct sockaddr_in from;
        socklen_t length = sizeof from;
        ssize_t n = recvfrom(u, datagram, sizeof datagram, 0, (struct sockaddr *)&from, &length);
        if (n < 0) return;
        if (sendto(u, datagram, (size_t)n, 0, (struct sockaddr *)&from, length) == n) udp_echoed++;
    }
}

int main(int argc, char **argv)
{
    long seconds = argc > 1 ? atol(argv[1]) : 0;
    FILE *limit = argc > 1 ? NULL : fopen("/tmp/netserve-seconds", "r"); /* the flood test's bound */
    if (limit) { if (fscanf(limit, "%ld", &seconds) != 1) seconds = 0; fclose(limit); }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getpid() == 1 && access("/modules/order", R_OK) == 0) configure_linux();
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    connections = calloc(MAX_FDS, sizeof *connections);
    for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (char)('a' + i % 26);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(HTTP_PORT) };
    if (bind(listener, (struct sockaddr *)&any, sizeof any) != 0 || listen(listener, 4096) != 0) {
        printf("netserve: cannot listen on %d (errno %d)\n", HTTP_PORT, errno);
        return 1;
    }
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    any.sin_port = htons(UDP_PORT);
    if (bind(u, (struct sockaddr *)&any, sizeof any) != 0) { printf("netserve: cannot bind udp %d (errno %d)\n", UDP_PORT, errno); return 1; }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    watch(ep, EPOLL_CTL_ADD, listener, EPOLLIN);
    watch(ep, EPOLL_CTL_ADD, u, EPOLLIN);
    printf("netserve: ready (tcp %d, udp %d)\n", HTTP_PORT, UDP_PORT);

    long deadline = seconds > 0 ? now_ms() + seconds * 1000 : 0;
    struct epoll_event events[256];
    for (;;) {
        int timeout = 1000;
        if (deadline && now_ms() >= deadline) { print_counters("time is up"); return 2; }
        int n = epoll_wait(ep, events, 256, timeout);
        if (n < 0 && errno != EINTR) { printf("netserve: epoll_wait failed (errno %d)\n", errno); return 1; }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) on_listener(ep, listener);
            else if (fd == u) on_udp(u);
            else if (connections[fd].state != FREE && on_connection(ep, fd, events[i].events)) {
                print_counters("quit");
                return 0;
            }
        }
    }
}
