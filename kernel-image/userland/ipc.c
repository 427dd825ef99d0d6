/* IPC named by capability tokens (SPEC IPC-1) and the syscall filter (SEC-5), through
   Aurora's conventions: msgget/shmget take a pointer to a 32-byte token where Linux takes the
   key (NULL = a new private token), calls 1000-1005 mint, grant, revoke, release and export
   tokens and install a filter. Exit status 0 when every answer was right. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "aurora.h"

enum { CAP_GRANT = AURORA_SYS_cap_grant, CAP_RELEASE = AURORA_SYS_cap_release, CAP_TOKEN = AURORA_SYS_cap_token, SYSCALL_FILTER = AURORA_SYS_syscall_filter };
enum { RIGHT_SEND = 1, RIGHT_RECEIVE = 2 };
enum { IPC_RMID_ = 0, IPC_NOWAIT_ = 04000 };

struct message { long type; char text[64]; };
struct filter { unsigned long bits[16]; unsigned int flags, reserved; };

static int wrong;
static void expect(const char *what, int ok) { if (!ok) { wrong++; dprintf(1, "WRONG: %s (errno %d)\n", what, errno); } }

static void pause_ms(long ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000L }; nanosleep(&t, NULL); }

int main(void)
{
    /* A private queue: the creator holds its token with every right. */
    long queue = syscall(AURORA_SYS_cap_msgget, NULL, 0);
    expect("msgget(private)", queue >= 0);
    unsigned char token[32];
    expect("export the token", syscall(CAP_TOKEN, queue, token) == 0);

    struct message out = { 7, "hello over a token-named queue" }, in;
    expect("msgsnd", syscall(AURORA_SYS_cap_msgsnd, queue, &out, sizeof out.text, 0) == 0);
    memset(&in, 0, sizeof in);
    expect("msgrcv", syscall(AURORA_SYS_cap_msgrcv, queue, &in, sizeof in.text, 0, 0) == (long)sizeof out.text &&
           in.type == 7 && strcmp(in.text, out.text) == 0);
    expect("empty queue, IPC_NOWAIT", syscall(AURORA_SYS_cap_msgrcv, queue, &in, sizeof in.text, 0, IPC_NOWAIT_) == -1 && errno == ENOMSG);

    /* A child that gives up its inherited holding cannot reach the queue: not by the old id,
       not by guessing ids, not even with the token's bytes, until it is granted. */
    /* The child says when its refusals are checked (a pipe): a parent that granted after a
       fixed 20 ms raced a slow child (page-table isolation on a loaded host) and the child's
       "refused with the token" check then met the grant. */
    int ready[2];
    expect("pipe", pipe(ready) == 0);
    pid_t child = fork();
    if (child == 0) {
        int bad = 0;
        close(ready[0]);
        bad += syscall(CAP_RELEASE, queue) != 0;
        bad += syscall(AURORA_SYS_cap_msgsnd, queue, &out, 8, IPC_NOWAIT_) != -1;
        for (long id = 0; id < 4096; id += 7) bad += syscall(AURORA_SYS_cap_msgsnd, id, &out, 8, IPC_NOWAIT_) != -1;
        bad += syscall(AURORA_SYS_cap_msgget, token, 0) != -1 || errno != EACCES;
        if (bad) dprintf(1, "WRONG: the child reached the queue before its grant (%d)\n", bad);
        write(ready[1], "r", 1);
        close(ready[1]);
        long granted = -1;
        for (int tries = 0; tries < 5000 && granted < 0; tries++) {   /* wait for the parent's grant (10 s at most) */
            granted = syscall(AURORA_SYS_cap_msgget, token, 0);
            if (granted < 0) pause_ms(2);
        }
        struct message reply = { 9, "child was granted send" };
        bad += granted < 0 || syscall(AURORA_SYS_cap_msgsnd, granted, &reply, sizeof reply.text, 0) != 0;
        bad += syscall(AURORA_SYS_cap_msgrcv, granted, &reply, sizeof reply.text, 0, IPC_NOWAIT_) != -1 || errno != EACCES; /* send only */
        _exit(bad);
    }
    close(ready[1]);
    char byte;
    expect("the child's refusals were checked", read(ready[0], &byte, 1) == 1);
    close(ready[0]);
    expect("grant send to the child", syscall(CAP_GRANT, token, child, RIGHT_SEND) >= 0);
    memset(&in, 0, sizeof in);
    expect("receive the child's message (blocking)", syscall(AURORA_SYS_cap_msgrcv, queue, &in, sizeof in.text, 9, 0) > 0 &&
           strcmp(in.text, "child was granted send") == 0);
    int status = 0;
    waitpid(child, &status, 0);
    expect("child's checks", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    expect("remove the queue", syscall(AURORA_SYS_cap_msgctl, queue, IPC_RMID_, NULL) == 0);
    expect("removed queue", syscall(AURORA_SYS_cap_msgsnd, queue, &out, 8, IPC_NOWAIT_) == -1 && (errno == EIDRM || errno == EINVAL));

    /* Shared memory survives fork as shared (not copy-on-write). */
    long segment = syscall(AURORA_SYS_cap_shmget, NULL, 8192, 0);
    expect("shmget(private)", segment >= 0);
    char *shared = (char *)syscall(AURORA_SYS_cap_shmat, segment, NULL, 0);
    expect("shmat", (long)shared > 0);
    if ((long)shared > 0) {
        strcpy(shared, "parent wrote");
        child = fork();
        if (child == 0) { strcpy(shared + 4096, "child wrote"); _exit(strcmp(shared, "parent wrote") != 0); }
        waitpid(child, &status, 0);
        expect("child saw the parent's write", WIFEXITED(status) && WEXITSTATUS(status) == 0);
        expect("parent sees the child's write", strcmp(shared + 4096, "child wrote") == 0);
        expect("shmdt", syscall(AURORA_SYS_cap_shmdt, shared) == 0);
        expect("shmctl(IPC_RMID)", syscall(AURORA_SYS_cap_shmctl, segment, IPC_RMID_, NULL) == 0);
    }

    /* A filter that denies getpid, inherited; a second filter cannot widen it. */
    struct filter f;
    memset(&f, 0, sizeof f);
    f.bits[SYS_getpid / 64] |= 1UL << (SYS_getpid % 64);
    f.flags = 1 | 2;                                  /* default allow (bits deny), inheritable */
    expect("install the filter", syscall(SYSCALL_FILTER, &f) == 0);
    expect("getpid denied", syscall(SYS_getpid) == -1 && errno == EPERM);
    memset(&f, 0, sizeof f);
    f.flags = 1 | 2;                                  /* "allow everything" */
    syscall(SYSCALL_FILTER, &f);
    expect("still denied after trying to widen", syscall(SYS_getpid) == -1 && errno == EPERM);
    child = fork();
    if (child == 0) _exit(syscall(SYS_getpid) == -1 && errno == EPERM ? 0 : 1);
    waitpid(child, &status, 0);
    expect("the child inherited the filter", WIFEXITED(status) && WEXITSTATUS(status) == 0);

    dprintf(1, "ipc: %d wrong\n", wrong);
    return wrong;
}
