/* Sockets are ordinary descriptors: the lowest free number, fstat S_IFSOCK, O_NONBLOCK on the
   shared description (fcntl), dup'ed and used across fork, and closed by the last holder only
   (its port stays bound until then). Run on Linux too (musl-gcc -static): the same "0 wrong". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (got), w_ = (want); \
    if (g_ != w_) { wrong++; dprintf(1, "fd_socket: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
static long lowest_free(void) { int fd = dup(0); close(fd); return fd; }

#define PORT 40123

static struct sockaddr_in address(const char *ip, int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

/* Binds a new UDP socket to PORT: 0, or -errno (EADDRINUSE while another holds it). */
static long bind_again(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in any = address("0.0.0.0", PORT);
    long r = rv(bind(s, (struct sockaddr *)&any, sizeof any));
    close(s);
    return r;
}

int main(void)
{
    long low = lowest_free();
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 && errno == EAFNOSUPPORT) { dprintf(1, "fd_socket: no network card\n"); return 2; }
    EXPECT("a socket takes the lowest free descriptor", s, low);
    struct sockaddr_in any = address("0.0.0.0", PORT), peer = address("10.0.2.2", 9);
    EXPECT("bind", rv(bind(s, (struct sockaddr *)&any, sizeof any)), 0);
    struct stat st;
    EXPECT("fstat of a socket", rv(fstat(s, &st)), 0);
    EXPECT("  S_IFSOCK", S_ISSOCK(st.st_mode), 1);
    EXPECT("F_GETFL of a socket is O_RDWR", rv(fcntl(s, F_GETFL)), O_RDWR);
    int d = dup(s);
    EXPECT("dup of a socket is the next", d, low + 1);
    EXPECT("F_SETFL O_NONBLOCK through the dup", rv(fcntl(d, F_SETFL, O_NONBLOCK)), 0);
    char buf[8];
    EXPECT("recv on the original is non-blocking now", rv(recv(s, buf, sizeof buf, 0)), -EAGAIN);
    EXPECT("read on a socket goes to the socket", rv(read(s, buf, sizeof buf)), -EAGAIN);
    EXPECT("write on an unconnected UDP socket EDESTADDRREQ", rv(write(d, "x", 1)), -EDESTADDRREQ);
    EXPECT("lseek on a socket ESPIPE", rv(lseek(s, 0, SEEK_SET)), -ESPIPE);
    EXPECT("getdents64 on a socket ENOTDIR", rv(syscall(SYS_getdents64, s, buf, sizeof buf)), -ENOTDIR);
    EXPECT("the port is taken", bind_again(), -EADDRINUSE);
    EXPECT("bind on a descriptor of another kind ENOTSOCK", rv(bind(0, (struct sockaddr *)&any, sizeof any)), -ENOTSOCK);
    EXPECT("bind on a closed descriptor EBADF", rv(bind(900, (struct sockaddr *)&any, sizeof any)), -EBADF);
    EXPECT("dup2 of a socket", rv(dup2(s, 20)), 20);
    EXPECT("close the dup2 copy", rv(close(20)), 0);

    pid_t pid = fork();
    if (pid == 0) {
        /* The parent closes both of its descriptors meanwhile: the socket lives on in us. */
        struct timespec wait = { 0, 200 * 1000 * 1000 };
        nanosleep(&wait, 0);
        EXPECT("sendto through the inherited dup", rv(sendto(d, "hi", 2, 0, (struct sockaddr *)&peer, sizeof peer)), 2);
        EXPECT("recv through the inherited original", rv(recv(s, buf, sizeof buf, 0)), -EAGAIN);
        EXPECT("the port is still taken (we hold it)", bind_again(), -EADDRINUSE);
        EXPECT("close one", rv(close(s)), 0);
        EXPECT("the port is still taken (the dup holds it)", bind_again(), -EADDRINUSE);
        EXPECT("close the last", rv(close(d)), 0);
        EXPECT("the last close freed the port", bind_again(), 0);
        _exit(wrong);
    }
    EXPECT("the parent closes its original", rv(close(s)), 0);
    EXPECT("the parent closes its dup", rv(close(d)), 0);
    int status = -1;
    waitpid(pid, &status, 0);
    EXPECT("the child", status, 0);
    EXPECT("the port is free after everyone closed", bind_again(), 0);
    EXPECT("every descriptor is back", lowest_free(), low);
    dprintf(1, "fd_socket: %d wrong\n", wrong);
    return wrong != 0;
}
