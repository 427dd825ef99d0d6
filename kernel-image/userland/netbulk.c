/* Bulk TCP both ways with a host peer, checked byte for byte.
 * /tmp/netbulk-peer holds "A.B.C.D PORT BYTES" (the test writes it; on Linux pass them as
 * arguments). Two connections to the peer:
 *   down: send "down BYTES\n"; the peer sends BYTES bytes of the pattern and shuts down its
 *         side; we read to end of stream, check every byte, answer "ok FNV\n" (FNV-1a 64 of
 *         what arrived) and close.
 *   up:   send "up BYTES\n" and BYTES bytes of the pattern, shut down our side; the peer checks
 *         them and answers "ok FNV\n", which must match ours.
 * The pattern: byte i is the top byte of x after i+1 steps of x = x*6364136223846793005 +
 * 1442695040888963407 from x = BYTES (a 64-bit LCG), so neither side needs to store it.
 * Prints "netbulk: down N bytes ok in T ms" / "netbulk: up ..." and "netbulk: N wrong". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int wrong;

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static uint64_t step(uint64_t x) { return x * 6364136223846793005ULL + 1442695040888963407ULL; }

static int dial(const char *ip, int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { printf("netbulk: socket failed\n"); return -1; }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, ip, &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { printf("netbulk: connect failed\n"); close(s); return -1; }
    return s;
}

static int write_all(int s, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(s, p, n);
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads one line (the peer's "ok FNV") into buf. */
static int read_line(int s, char *buf, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t k = read(s, buf + n, 1);
        if (k <= 0) break;
        if (buf[n++] == '\n') break;
    }
    buf[n] = 0;
    return (int)n;
}

static void down(const char *ip, int port, long bytes)
{
    int s = dial(ip, port);
    if (s < 0) { wrong++; return; }
    char line[64];
    snprintf(line, sizeof line, "down %ld\n", bytes);
    uint64_t start = now_ms();
    write_all(s, line, strlen(line));
    static char buf[65536];
    uint64_t x = (uint64_t)bytes, fnv = 1469598103934665603ULL;
    long got = 0, bad_at = -1;
    for (;;) {
        ssize_t k = read(s, buf, sizeof buf);
        if (k < 0) { printf("netbulk: down read failed after %ld bytes\n", got); wrong++; break; }
        if (k == 0) break;
        for (ssize_t i = 0; i < k; i++) {
            x = step(x);
            unsigned char c = (unsigned char)buf[i];
            if (bad_at < 0 && c != (unsigned char)(x >> 56)) bad_at = got + i;
            fnv = (fnv ^ c) * 1099511628211ULL;
        }
        got += k;
    }
    uint64_t ms = now_ms() - start;
    snprintf(line, sizeof line, "ok %016llx\n", (unsigned long long)fnv);
    write_all(s, line, strlen(line));
    close(s);
    if (got != bytes) { printf("netbulk: down got %ld bytes, expected %ld\n", got, bytes); wrong++; }
    else if (bad_at >= 0) { printf("netbulk: down byte %ld differs from the pattern\n", bad_at); wrong++; }
    else printf("netbulk: down %ld bytes ok in %llu ms\n", bytes, (unsigned long long)ms);
}

static void up(const char *ip, int port, long bytes)
{
    int s = dial(ip, port);
    if (s < 0) { wrong++; return; }
    char line[64];
    snprintf(line, sizeof line, "up %ld\n", bytes);
    uint64_t start = now_ms();
    write_all(s, line, strlen(line));
    static char buf[65536];
    uint64_t x = (uint64_t)bytes, fnv = 1469598103934665603ULL;
    long sent = 0;
    while (sent < bytes) {
        long n = bytes - sent < (long)sizeof buf ? bytes - sent : (long)sizeof buf;
        for (long i = 0; i < n; i++) {
            x = step(x);
            buf[i] = (char)(x >> 56);
            fnv = (fnv ^ (unsigned char)buf[i]) * 1099511628211ULL;
        }
        if (write_all(s, buf, (size_t)n) != 0) { printf("netbulk: up write failed after %ld bytes\n", sent); wrong++; close(s); return; }
        sent += n;
    }
    shutdown(s, SHUT_WR);
    read_line(s, line, sizeof line);
    uint64_t ms = now_ms() - start;
    close(s);
    char expect[64];
    snprintf(expect, sizeof expect, "ok %016llx\n", (unsigned long long)fnv);
    if (strcmp(line, expect) != 0) { printf("netbulk: up: peer answered '%s', expected '%s'\n", line, expect); wrong++; }
    else printf("netbulk: up %ld bytes ok in %llu ms\n", bytes, (unsigned long long)ms);
}

int main(int argc, char **argv)
{
    char ip[32] = "10.0.2.2";
    int port = 0;
    long bytes = 0;
    if (argc == 4) {
        snprintf(ip, sizeof ip, "%s", argv[1]);
        port = atoi(argv[2]);
        bytes = atol(argv[3]);
    } else {
        FILE *f = fopen("/tmp/netbulk-peer", "r");
        if (!f || fscanf(f, "%31s %d %ld", ip, &port, &bytes) != 3) { printf("netbulk: no /tmp/netbulk-peer\n1 wrong\n"); return 1; }
        fclose(f);
    }
    down(ip, port, bytes);
    up(ip, port, bytes);
    printf("netbulk: %d wrong\n", wrong);
    return wrong != 0;
}
