/* SCM_CREDENTIALS and SO_PASSCRED on AF_UNIX sockets, as Linux's net/core/scm.c and
   net/unix/af_unix.c answer them: every message carries its sender's process id, user and
   group (or the ones it named and was allowed to), a receiver with SO_PASSCRED gets them first
   in its control buffer, a stream read does not join messages of different senders, a short
   control buffer is MSG_CTRUNC. Prints one line per mismatch and "passcred: N wrong". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong;

static void expect(const char *what, long got, long want)
{
    if (got != want) {
        printf("passcred: %s: expected %ld, got %ld\n", what, want, got);
        wrong++;
    }
}

/* Receives one message into buf; returns the length, the credentials cmsg (if any) in *cred. */
static long receive(int fd, char *buf, int len, char *control, int controllen, struct msghdr *msg)
{
    struct iovec iov = { buf, (size_t)len };
    memset(msg, 0, sizeof *msg);
    msg->msg_iov = &iov;
    msg->msg_iovlen = 1;
    msg->msg_control = controllen ? control : NULL;
    msg->msg_controllen = (size_t)controllen;
    memset(control, 0x55, 256);
    return recvmsg(fd, msg, 0);
}

static long send_with(int fd, const char *text, int type, const void *data, int datalen, int cmsglen)
{
    char control[256];
    struct iovec iov = { (void *)text, strlen(text) };
    struct msghdr msg = { 0 };
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (type) {
        memset(control, 0, sizeof control);
        struct cmsghdr *c = (struct cmsghdr *)control;
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = type;
        c->cmsg_len = (size_t)cmsglen;
        memcpy(CMSG_DATA(c), data, (size_t)datalen);
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE((size_t)datalen);
    }
    long n = sendmsg(fd, &msg, 0);
    return n < 0 ? -errno : n;
}

static void check_creds(const char *what, struct msghdr *msg, pid_t pid, uid_t uid, gid_t gid)
{
    char line[160];
    struct cmsghdr *c = CMSG_FIRSTHDR(msg);
    snprintf(line, sizeof line, "%s: a cmsg", what);
    expect(line, c != NULL, 1);
    if (!c) return;
    struct ucred cred;
    memcpy(&cred, CMSG_DATA(c), sizeof cred);
    snprintf(line, sizeof line, "%s: level", what); expect(line, c->cmsg_level, SOL_SOCKET);
    snprintf(line, sizeof line, "%s: type", what); expect(line, c->cmsg_type, SCM_CREDENTIALS);
    snprintf(line, sizeof line, "%s: cmsg_len", what); expect(line, (long)c->cmsg_len, (long)CMSG_LEN(sizeof cred));
    snprintf(line, sizeof line, "%s: pid", what); expect(line, cred.pid, pid);
    snprintf(line, sizeof line, "%s: uid", what); expect(line, cred.uid, uid);
    snprintf(line, sizeof line, "%s: gid", what); expect(line, cred.gid, gid);
}

int main(void)
{
    int sv[2], on = 1, value = -1;
    socklen_t vlen = sizeof value;
    char buf[64], control[256];
    struct msghdr msg;
    struct ucred me = { getpid(), getuid(), getgid() };

    /* Datagrams. */
    expect("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    expect("SO_PASSCRED default", getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &value, &vlen), 0);
    expect("SO_PASSCRED default value", value, 0);
    expect("SO_PASSCRED on", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0);
    vlen = sizeof value;
    expect("SO_PASSCRED read back", getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &value, &vlen), 0);
    expect("SO_PASSCRED value", value, 1);
    expect("SO_PASSCRED length", vlen, 4);
    expect("SO_PASSCRED short optlen", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, 2) < 0 ? errno : 0, EINVAL);

    /* No control sent: the sender's own credentials. */
    expect("plain send", send_with(sv[0], "hi", 0, NULL, 0, 0), 2);
    expect("plain receive", receive(sv[1], buf, sizeof buf, control, sizeof control, &msg), 2);
    expect("plain controllen", (long)msg.msg_controllen, (long)CMSG_SPACE(sizeof(struct ucred)));
    expect("plain flags", msg.msg_flags, 0);
    check_creds("plain", &msg, me.pid, me.uid, me.gid);

    /* Named explicitly. */
    expect("explicit send", send_with(sv[0], "abc", SCM_CREDENTIALS, &me, sizeof me, CMSG_LEN(sizeof me)), 3);
    expect("explicit receive", receive(sv[1], buf, sizeof buf, control, sizeof control, &msg), 3);
    check_creds("explicit", &msg, me.pid, me.uid, me.gid);

    /* A malformed length, a process that is not ours. */
    expect("short cmsg_len", send_with(sv[0], "x", SCM_CREDENTIALS, &me, sizeof me, CMSG_LEN(8)), -EINVAL);
    struct ucred other = me;
    other.pid = 999999;
    expect("another pid", send_with(sv[0], "x", SCM_CREDENTIALS, &other, sizeof other, CMSG_LEN(sizeof other)),
           getuid() == 0 ? -ESRCH : -EPERM);

    /* A short control buffer: the cmsg cut, MSG_CTRUNC. */
    send_with(sv[0], "t1", 0, NULL, 0, 0);
    expect("short control receive", receive(sv[1], buf, sizeof buf, control, 20, &msg), 2);
    expect("short control flags", msg.msg_flags & MSG_CTRUNC, MSG_CTRUNC);
    expect("short control controllen", (long)msg.msg_controllen, 20);
    expect("short control cmsg_len", (long)((struct cmsghdr *)control)->cmsg_len, 20);
    send_with(sv[0], "t2", 0, NULL, 0, 0);
    expect("tiny control receive", receive(sv[1], buf, sizeof buf, control, 8, &msg), 2);
    expect("tiny control flags", msg.msg_flags & MSG_CTRUNC, MSG_CTRUNC);
    expect("tiny control controllen", (long)msg.msg_controllen, 0);

    /* Credentials and a descriptor: credentials first. */
    int passed = sv[0];
    expect("rights send", send_with(sv[0], "r", SCM_RIGHTS, &passed, sizeof passed, CMSG_LEN(sizeof passed)), 1);
    expect("rights receive", receive(sv[1], buf, sizeof buf, control, sizeof control, &msg), 1);
    check_creds("rights", &msg, me.pid, me.uid, me.gid);
    struct cmsghdr *second = CMSG_FIRSTHDR(&msg) ? CMSG_NXTHDR(&msg, CMSG_FIRSTHDR(&msg)) : NULL;
    expect("rights second cmsg", second != NULL && second->cmsg_type == SCM_RIGHTS, 1);
    expect("rights controllen", (long)msg.msg_controllen, (long)(CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))));
    if (second != NULL && second->cmsg_type == SCM_RIGHTS) { int fd; memcpy(&fd, CMSG_DATA(second), sizeof fd); close(fd); }

    /* Without SO_PASSCRED: nothing in the control buffer. */
    send_with(sv[1], "back", 0, NULL, 0, 0);
    expect("no passcred receive", receive(sv[0], buf, sizeof buf, control, sizeof control, &msg), 4);
    expect("no passcred controllen", (long)msg.msg_controllen, 0);
    close(sv[0]);
    close(sv[1]);

    /* Streams: messages of one sender join, another sender's do not. */
    expect("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    write(sv[0], "ab", 2);
    write(sv[0], "cd", 2);
    pid_t child = fork();
    if (child == 0) {
        write(sv[0], "zz", 2);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    expect("stream first read", receive(sv[1], buf, sizeof buf, control, sizeof control, &msg), 4);
    expect("stream first bytes", memcmp(buf, "abcd", 4), 0);
    check_creds("stream first", &msg, me.pid, me.uid, me.gid);
    expect("stream second read", receive(sv[1], buf, sizeof buf, control, sizeof control, &msg), 2);
    expect("stream second bytes", memcmp(buf, "zz", 2), 0);
    check_creds("stream second", &msg, child, me.uid, me.gid);
    close(sv[0]);
    close(sv[1]);

    printf("passcred: %d wrong\n", wrong);
    return wrong != 0;
}
