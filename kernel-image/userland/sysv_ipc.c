/* System V IPC with Linux's key_t semantics: message queues, shared memory and semaphores
   named by keys between two processes; IPC_PRIVATE, IPC_CREAT, IPC_EXCL (EEXIST), ENOENT;
   ipc_perm owner, mode and key in IPC_STAT; stale ids (EINVAL); msgrcv's msgtyp (0, > 0, < 0,
   MSG_EXCEPT), MSG_NOERROR and E2BIG; IPC_NOWAIT (EAGAIN, ENOMSG); blocking sends, receives
   and semops woken by another process, ended by a signal (EINTR) or by removal (EIDRM);
   semctl GETVAL/SETVAL/GETALL/SETALL/GETPID/GETNCNT/GETZCNT; SEM_UNDO applied at exit;
   semtimedop's timeout; a shared segment across fork and surviving IPC_RMID until its last
   detach; and Linux's errno for bad sizes, ids, pointers and addresses. Run on Linux too
   (musl-gcc -static, as root): the same "0 wrong". Every object it makes is removed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

static int wrong;
#define EXPECT(what, got, want) do { long g_ = (long)(got), w_ = (long)(want); \
    if (g_ != w_) { wrong++; dprintf(2, "sysv_ipc: %s: got %ld, want %ld\n", what, g_, w_); } } while (0)

static long rv(long r) { return r == -1 ? -errno : r; }
static long sys(long n, long a, long b, long c, long d, long e)
{
    return rv(syscall(n, a, b, c, d, e));
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) == -1 && errno == EINTR) { }
}

static int exit_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1000;
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return WEXITSTATUS(status);
}

static volatile int usr1;
static void on_usr1(int s) { (void)s; usr1++; }

/* Keys of our own, unlikely to meet anyone else's. */
static key_t key_base;

struct msg { long type; char text[64]; };

static void message_queues(void)
{
    key_t key = key_base + 1;
    EXPECT("msgget(key) of nothing", rv(msgget(key, 0600)), -ENOENT);
    int q = msgget(key, IPC_CREAT | IPC_EXCL | 0640);
    EXPECT("msgget(IPC_CREAT|IPC_EXCL) makes one", q >= 0, 1);
    EXPECT("again with IPC_EXCL", rv(msgget(key, IPC_CREAT | IPC_EXCL | 0640)), -EEXIST);
    EXPECT("again without: the same id", msgget(key, 0), q);
    EXPECT("again with IPC_CREAT: the same id", msgget(key, IPC_CREAT | 0600), q);
    int private1 = msgget(IPC_PRIVATE, 0600), private2 = msgget(IPC_PRIVATE, 0600);
    EXPECT("IPC_PRIVATE makes new queues", private1 >= 0 && private2 >= 0 && private1 != private2 && private1 != q, 1);

    struct msqid_ds ds;
    EXPECT("IPC_STAT", rv(msgctl(q, IPC_STAT, &ds)), 0);
    EXPECT("msg_perm.__key", ds.msg_perm.__key, key);
    EXPECT("msg_perm.mode", ds.msg_perm.mode & 0777, 0640);
    EXPECT("msg_perm.uid", ds.msg_perm.uid, geteuid());
    EXPECT("msg_perm.cuid", ds.msg_perm.cuid, geteuid());
    EXPECT("msg_qbytes", ds.msg_qbytes, 16384);
    EXPECT("msg_qnum", ds.msg_qnum, 0);
    EXPECT("msg_ctime set", ds.msg_ctime > 1000000000, 1);
    EXPECT("IPC_STAT to a bad pointer", rv(msgctl(q, IPC_STAT, (struct msqid_ds *)16)), -EFAULT);
    EXPECT("msgctl of a bad command", rv(msgctl(q, 77, &ds)), -EINVAL);
    EXPECT("msgctl of a negative id", rv(msgctl(-1, IPC_STAT, &ds)), -EINVAL);

    struct msg m = { 3, "three" };
    EXPECT("msgsnd type 0", rv(msgsnd(q, &(struct msg){ 0, "x" }, 2, IPC_NOWAIT)), -EINVAL);
    EXPECT("msgsnd type -1", rv(msgsnd(q, &(struct msg){ -1, "x" }, 2, IPC_NOWAIT)), -EINVAL);
    EXPECT("msgsnd larger than MSGMAX", sys(SYS_msgsnd, q, (long)&m, 8193, IPC_NOWAIT, 0), -EINVAL);
    EXPECT("msgsnd negative size", sys(SYS_msgsnd, q, (long)&m, -1, IPC_NOWAIT, 0), -EINVAL);
    EXPECT("msgsnd bad pointer", sys(SYS_msgsnd, q, 16, 8, IPC_NOWAIT, 0), -EFAULT);
    EXPECT("msgsnd negative id", rv(msgsnd(-5, &m, 6, IPC_NOWAIT)), -EINVAL);
    EXPECT("msgsnd type 3", rv(msgsnd(q, &m, 6, 0)), 0);
    EXPECT("msgsnd type 1", rv(msgsnd(q, &(struct msg){ 1, "one" }, 4, 0)), 0);
    EXPECT("msgsnd type 2", rv(msgsnd(q, &(struct msg){ 2, "two" }, 4, 0)), 0);
    EXPECT("msgsnd type 5", rv(msgsnd(q, &(struct msg){ 5, "five, longer text" }, 18, 0)), 0);
    EXPECT("IPC_STAT after sends", rv(msgctl(q, IPC_STAT, &ds)), 0);
    EXPECT("msg_qnum 4", ds.msg_qnum, 4);
    EXPECT("msg_cbytes", ds.__msg_cbytes, 6 + 4 + 4 + 18);
    EXPECT("msg_lspid", ds.msg_lspid, getpid());

    struct msg in;
    EXPECT("msgrcv type 2", rv(msgrcv(q, &in, sizeof in.text, 2, 0)), 4);
    EXPECT("  got type 2", in.type, 2);
    EXPECT("msgrcv type <= 4 (lowest first)", rv(msgrcv(q, &in, sizeof in.text, -4, 0)), 4);
    EXPECT("  got type 1", in.type, 1);
    EXPECT("msgrcv MSG_EXCEPT 3", rv(msgrcv(q, &in, sizeof in.text, 3, MSG_EXCEPT)), 18);
    EXPECT("  got type 5", in.type, 5);
    EXPECT("msgrcv of a type not there, IPC_NOWAIT", rv(msgrcv(q, &in, sizeof in.text, 9, IPC_NOWAIT)), -ENOMSG);
    EXPECT("msgrcv too small: E2BIG", rv(msgrcv(q, &in, 2, 0, 0)), -E2BIG);
    memset(&in, 0, sizeof in);
    EXPECT("msgrcv too small with MSG_NOERROR", rv(msgrcv(q, &in, 2, 0, MSG_NOERROR)), 2);
    EXPECT("  truncated text", in.text[0] == 't' && in.text[1] == 'h' && in.text[2] == 0, 1);
    EXPECT("msgrcv empty, IPC_NOWAIT", rv(msgrcv(q, &in, sizeof in.text, 0, IPC_NOWAIT)), -ENOMSG);
    EXPECT("msgrcv negative size", sys(SYS_msgrcv, q, (long)&in, -1, 0, IPC_NOWAIT), -EINVAL);
    EXPECT("IPC_STAT: msg_lrpid", rv(msgctl(q, IPC_STAT, &ds)) == 0 && ds.msg_lrpid == getpid(), 1);

    /* IPC_SET: a smaller queue fills sooner; the mode changes. */
    ds.msg_qbytes = 10;
    ds.msg_perm.mode = 0600;
    EXPECT("IPC_SET", rv(msgctl(q, IPC_SET, &ds)), 0);
    EXPECT("IPC_SET bad pointer", rv(msgctl(q, IPC_SET, (struct msqid_ds *)16)), -EFAULT);
    memset(&ds, 0, sizeof ds);
    msgctl(q, IPC_STAT, &ds);
    EXPECT("qbytes after IPC_SET", ds.msg_qbytes, 10);
    EXPECT("mode after IPC_SET", ds.msg_perm.mode & 0777, 0600);
    EXPECT("8 bytes fit", rv(msgsnd(q, &m, 8, IPC_NOWAIT)), 0);
    EXPECT("8 more do not: EAGAIN", rv(msgsnd(q, &m, 8, IPC_NOWAIT)), -EAGAIN);
    EXPECT("drain", rv(msgrcv(q, &in, sizeof in.text, 0, IPC_NOWAIT)), 8);

    /* Two processes over the key: the child finds the queue by key and sends after a while;
       the parent's blocking receive waits for it. Then the parent sends to the child's type. */
    pid_t child = fork();
    if (child == 0) {
        int id = msgget(key, 0);
        sleep_ms(50);
        struct msg hello = { 7, "hello" };
        if (id != q || msgsnd(id, &hello, 6, 0) != 0) _exit(1);
        struct msg back;
        if (msgrcv(id, &back, sizeof back.text, 8, 0) != 6 || strcmp(back.text, "again") != 0) _exit(2);
        _exit(0);
    }
    EXPECT("blocking msgrcv gets the other process's message", rv(msgrcv(q, &in, sizeof in.text, 7, 0)), 6);
    EXPECT("  its text", strcmp(in.text, "hello"), 0);
    EXPECT("send to the child", rv(msgsnd(q, &(struct msg){ 8, "again" }, 6, 0)), 0);
    EXPECT("child over the key", exit_status(child), 0);

    /* A blocked send wakes when the receiver makes room. */
    EXPECT("fill", rv(msgsnd(q, &m, 10, IPC_NOWAIT)), 0);
    child = fork();
    if (child == 0) { sleep_ms(50); _exit(msgrcv(q, &in, sizeof in.text, 0, 0) == 10 ? 0 : 1); }
    EXPECT("blocking msgsnd waits for room", rv(msgsnd(q, &m, 4, 0)), 0);
    EXPECT("receiver child", exit_status(child), 0);
    EXPECT("drain again", rv(msgrcv(q, &in, sizeof in.text, 0, IPC_NOWAIT)), 4);

    /* A signal with a handler ends a blocked receive with EINTR. */
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    pid_t parent = getpid();
    child = fork();
    if (child == 0) { sleep_ms(50); kill(parent, SIGUSR1); _exit(0); }
    usr1 = 0;
    EXPECT("msgrcv ended by a signal: EINTR", rv(msgrcv(q, &in, sizeof in.text, 0, 0)), -EINTR);
    EXPECT("  the handler ran", usr1, 1);
    exit_status(child);

    /* Removal wakes a blocked receiver with EIDRM; the id names nothing afterwards. */
    child = fork();
    if (child == 0) { long r = rv(msgrcv(q, &in, sizeof in.text, 0, 0)); _exit(r == -EIDRM ? 0 : 1); }
    sleep_ms(50);
    EXPECT("IPC_RMID", rv(msgctl(q, IPC_RMID, 0)), 0);
    EXPECT("blocked receiver sees EIDRM", exit_status(child), 0);
    EXPECT("removed id: msgsnd EINVAL", rv(msgsnd(q, &m, 4, IPC_NOWAIT)), -EINVAL);
    EXPECT("removed id: IPC_STAT EINVAL", rv(msgctl(q, IPC_STAT, &ds)), -EINVAL);
    EXPECT("removed id: IPC_RMID EINVAL", rv(msgctl(q, IPC_RMID, 0)), -EINVAL);
    EXPECT("the key is free again", rv(msgget(key, 0)), -ENOENT);
    struct msginfo info;
    EXPECT("IPC_INFO answers the highest index", rv(msgctl(0, IPC_INFO, (struct msqid_ds *)&info)) >= 0, 1);
    EXPECT("  msgmax", info.msgmax, 8192);
    EXPECT("  msgmnb", info.msgmnb, 16384);
    msgctl(private1, IPC_RMID, 0);
    msgctl(private2, IPC_RMID, 0);
}

static void shared_memory(void)
{
    key_t key = key_base + 2;
    EXPECT("shmget size 0", rv(shmget(IPC_PRIVATE, 0, 0600)), -EINVAL);
    EXPECT("shmget of nothing", rv(shmget(key, 4096, 0600)), -ENOENT);
    int id = shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0600);
    EXPECT("shmget creates", id >= 0, 1);
    EXPECT("IPC_EXCL: EEXIST", rv(shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0600)), -EEXIST);
    EXPECT("asking more than its size: EINVAL", rv(shmget(key, 20000, 0600)), -EINVAL);
    EXPECT("asking less: the same id", shmget(key, 100, 0600), id);
    EXPECT("size 0 finds it too", shmget(key, 0, 0600), id);

    struct shmid_ds ds;
    EXPECT("IPC_STAT", rv(shmctl(id, IPC_STAT, &ds)), 0);
    EXPECT("shm_segsz", ds.shm_segsz, 10000);
    EXPECT("shm_nattch 0", ds.shm_nattch, 0);
    EXPECT("shm_cpid", ds.shm_cpid, getpid());
    EXPECT("shm_perm.__key", ds.shm_perm.__key, key);
    EXPECT("shm_perm.mode", ds.shm_perm.mode & 0777, 0600);

    EXPECT("shmat unaligned address", rv((long)shmat(id, (void *)0x10001, 0)), -EINVAL);
    EXPECT("shmat negative id", rv((long)shmat(-1, 0, 0)), -EINVAL);
    EXPECT("shmat at a kernel address", rv((long)shmat(id, (void *)0xffff800000000000UL, 0)), -ENOMEM);
    EXPECT("shmat at a kernel address, SHM_REMAP", rv((long)shmat(id, (void *)0xffffffff80000000UL, SHM_REMAP)), -ENOMEM);
    EXPECT("shmat across the top of the user half", rv((long)shmat(id, (void *)0x7ffffffff000UL, 0)), -ENOMEM);
    char *p = shmat(id, 0, 0);
    EXPECT("shmat", (long)p > 0, 1);
    if ((long)p <= 0) return;
    EXPECT("shmat over an existing mapping: EINVAL", rv((long)shmat(id, p, 0)), -EINVAL);
    memset(p, 0, 10000);
    strcpy(p, "parent");
    EXPECT("shm_nattch 1", shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1, 1);
    EXPECT("shm_lpid", ds.shm_lpid, getpid());

    /* Across fork: the child shares the attachment; another process attaches by key. */
    pid_t child = fork();
    if (child == 0) {
        struct shmid_ds d;
        if (shmctl(id, IPC_STAT, &d) != 0 || d.shm_nattch != 2) _exit(1);
        if (strcmp(p, "parent") != 0) _exit(2);
        strcpy(p + 100, "child");
        int again = shmget(key, 0, 0);
        char *q = shmat(again, 0, SHM_RDONLY);
        if ((long)q <= 0 || strcmp(q + 100, "child") != 0) _exit(3);
        _exit(0);
    }
    EXPECT("child shares the segment", exit_status(child), 0);
    EXPECT("the child's write is seen", strcmp(p + 100, "child"), 0);
    EXPECT("its attachments are gone with it", shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1, 1);

    /* Read-only attachment: a write is SIGSEGV. */
    child = fork();
    if (child == 0) { char *r = shmat(id, 0, SHM_RDONLY); if ((long)r <= 0) _exit(1); r[0] = 1; _exit(2); }
    EXPECT("write to SHM_RDONLY: SIGSEGV", exit_status(child), -SIGSEGV);

    /* SHM_RND rounds an address down. */
    char *fixed = shmat(id, p + 5 * 1024 * 1024 + 123, SHM_RND);
    EXPECT("SHM_RND attaches at the page below", (long)fixed, (long)((unsigned long)(p + 5 * 1024 * 1024 + 123) & ~4095UL));
    if ((long)fixed > 0) {
        EXPECT("  the same memory", strcmp(fixed, "parent"), 0);
        EXPECT("shmdt of a middle address", rv(shmdt(fixed + 4096)), -EINVAL);
        EXPECT("shmdt", rv(shmdt(fixed)), 0);
    }

    /* IPC_RMID while attached: stays, keyless and marked, until the last detach. */
    EXPECT("IPC_RMID attached", rv(shmctl(id, IPC_RMID, 0)), 0);
    EXPECT("IPC_STAT still works", rv(shmctl(id, IPC_STAT, &ds)), 0);
    EXPECT("  marked SHM_DEST", (ds.shm_perm.mode & SHM_DEST) != 0, 1);
    EXPECT("  key is IPC_PRIVATE", ds.shm_perm.__key, 0);
    EXPECT("  the key finds nothing", rv(shmget(key, 0, 0)), -ENOENT);
    EXPECT("  memory still there", strcmp(p, "parent"), 0);
    EXPECT("shmdt", rv(shmdt(p)), 0);
    EXPECT("after the last detach it is gone", rv(shmctl(id, IPC_STAT, &ds)), -EINVAL);
    EXPECT("shmdt again: EINVAL", rv(shmdt(p)), -EINVAL);
    EXPECT("shmat of the gone id", rv((long)shmat(id, 0, 0)), -EINVAL);

    int once = shmget(IPC_PRIVATE, 4096, 0600);
    EXPECT("IPC_RMID unattached", rv(shmctl(once, IPC_RMID, 0)), 0);
    EXPECT("  gone at once", rv(shmctl(once, IPC_STAT, &ds)), -EINVAL);
    EXPECT("IPC_STAT bad pointer", rv(shmctl(id, IPC_STAT, (struct shmid_ds *)16)), -EINVAL);
    struct shminfo info;
    EXPECT("IPC_INFO", rv(shmctl(0, IPC_INFO, (struct shmid_ds *)&info)) >= 0, 1);
    EXPECT("  shmmin", info.shmmin, 1);
}

union semun { int val; struct semid_ds *buf; unsigned short *array; };

static void semaphores(void)
{
    key_t key = key_base + 3;
    EXPECT("semget nsems 0 creating", rv(semget(IPC_PRIVATE, 0, 0600)), -EINVAL);
    EXPECT("semget nsems -1", rv(semget(IPC_PRIVATE, -1, 0600)), -EINVAL);
    EXPECT("semget of nothing", rv(semget(key, 1, 0600)), -ENOENT);
    int s = semget(key, 3, IPC_CREAT | IPC_EXCL | 0600);
    EXPECT("semget creates", s >= 0, 1);
    EXPECT("IPC_EXCL: EEXIST", rv(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600)), -EEXIST);
    EXPECT("more semaphores than it has: EINVAL", rv(semget(key, 4, 0600)), -EINVAL);
    EXPECT("nsems 0 finds it", semget(key, 0, 0600), s);

    struct semid_ds ds;
    EXPECT("IPC_STAT", rv(semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds })), 0);
    EXPECT("sem_nsems", ds.sem_nsems, 3);
    EXPECT("sem_perm.__key", ds.sem_perm.__key, key);
    EXPECT("sem_otime 0", ds.sem_otime, 0);

    EXPECT("GETVAL new", semctl(s, 1, GETVAL), 0);
    EXPECT("SETVAL 5", rv(semctl(s, 1, SETVAL, (union semun){ .val = 5 })), 0);
    EXPECT("GETVAL 5", semctl(s, 1, GETVAL), 5);
    EXPECT("SETVAL above SEMVMX: ERANGE", rv(semctl(s, 1, SETVAL, (union semun){ .val = 40000 })), -ERANGE);
    EXPECT("SETVAL negative: ERANGE", rv(semctl(s, 1, SETVAL, (union semun){ .val = -1 })), -ERANGE);
    EXPECT("GETVAL semnum 3: EINVAL", rv(semctl(s, 3, GETVAL)), -EINVAL);
    EXPECT("GETPID after SETVAL", semctl(s, 1, GETPID), getpid());
    unsigned short all[3] = { 1, 2, 3 }, got[3] = { 0 };
    EXPECT("SETALL", rv(semctl(s, 0, SETALL, (union semun){ .array = all })), 0);
    EXPECT("GETALL", rv(semctl(s, 0, GETALL, (union semun){ .array = got })), 0);
    EXPECT("  values", got[0] * 100 + got[1] * 10 + got[2], 123);
    EXPECT("GETALL bad pointer", rv(semctl(s, 0, GETALL, (union semun){ .array = (unsigned short *)16 })), -EFAULT);
    EXPECT("semctl bad command", rv(semctl(s, 0, 99)), -EINVAL);

    struct sembuf down = { 0, -1, IPC_NOWAIT };
    EXPECT("semop 1 -> 0", rv(semop(s, &down, 1)), 0);
    EXPECT("semop at 0, IPC_NOWAIT: EAGAIN", rv(semop(s, &down, 1)), -EAGAIN);
    EXPECT("  value unchanged", semctl(s, 0, GETVAL), 0);
    EXPECT("semop nsops 0: EINVAL", rv(semop(s, &down, 0)), -EINVAL);
    EXPECT("semop nsops 501: E2BIG", sys(SYS_semop, s, (long)&down, 501, 0, 0), -E2BIG);
    EXPECT("semop sem_num 7: EFBIG", rv(semop(s, &(struct sembuf){ 7, 1, 0 }, 1)), -EFBIG);
    EXPECT("semop bad pointer", sys(SYS_semop, s, 16, 1, 0, 0), -EFAULT);
    EXPECT("semop negative id", rv(semop(-1, &down, 1)), -EINVAL);
    /* All or nothing: the second operation cannot go, so the first is not applied. */
    struct sembuf pair[2] = { { 1, -1, 0 }, { 0, -1, IPC_NOWAIT } };
    EXPECT("two operations, the second blocks", rv(semop(s, pair, 2)), -EAGAIN);
    EXPECT("  the first was not applied", semctl(s, 1, GETVAL), 2);
    EXPECT("semop result above SEMVMX: ERANGE", rv(semop(s, &(struct sembuf){ 2, 32767, 0 }, 1)), -ERANGE);
    EXPECT("GETPID after semop", semctl(s, 0, GETPID), getpid());
    EXPECT("IPC_STAT: sem_otime set", semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds }) == 0 && ds.sem_otime > 1000000000, 1);

    struct timespec t = { 0, 50 * 1000000 };
    struct sembuf wait_down = { 0, -1, 0 };
    EXPECT("semtimedop times out: EAGAIN", sys(SYS_semtimedop, s, (long)&wait_down, 1, (long)&t, 0), -EAGAIN);
    struct timespec bad = { 0, 2000000000 };
    EXPECT("semtimedop bad timespec: EINVAL", sys(SYS_semtimedop, s, (long)&wait_down, 1, (long)&bad, 0), -EINVAL);
    EXPECT("semtimedop timespec pointer bad: EFAULT", sys(SYS_semtimedop, s, (long)&wait_down, 1, 16, 0), -EFAULT);

    /* A blocked down is woken by another process's up; GETNCNT counts it meanwhile. */
    pid_t child = fork();
    if (child == 0) {
        int id = semget(key, 0, 0);
        struct sembuf d = { 0, -1, 0 };
        _exit(id == s && semop(id, &d, 1) == 0 ? 0 : 1);
    }
    sleep_ms(80);
    EXPECT("GETNCNT: one waiter", semctl(s, 0, GETNCNT), 1);
    EXPECT("GETZCNT: none", semctl(s, 0, GETZCNT), 0);
    EXPECT("up", rv(semop(s, &(struct sembuf){ 0, 1, 0 }, 1)), 0);
    EXPECT("the waiter went through", exit_status(child), 0);
    EXPECT("GETNCNT: none now", semctl(s, 0, GETNCNT), 0);
    EXPECT("GETPID: the child's", semctl(s, 0, GETPID), child);

    /* Wait-for-zero: GETZCNT counts it; reaching zero wakes it. */
    semctl(s, 2, SETVAL, (union semun){ .val = 1 });
    child = fork();
    if (child == 0) _exit(semop(s, &(struct sembuf){ 2, 0, 0 }, 1) == 0 ? 0 : 1);
    sleep_ms(80);
    EXPECT("GETZCNT: one waiter", semctl(s, 2, GETZCNT), 1);
    EXPECT("down to zero", rv(semop(s, &(struct sembuf){ 2, -1, 0 }, 1)), 0);
    EXPECT("the zero waiter went through", exit_status(child), 0);

    /* SEM_UNDO: a child's +3 and -1 are undone when it exits. */
    semctl(s, 1, SETVAL, (union semun){ .val = 1 });
    child = fork();
    if (child == 0) {
        struct sembuf ops[2] = { { 1, 3, SEM_UNDO }, { 1, -1, SEM_UNDO } };
        if (semop(s, ops, 2) != 0) _exit(1);
        _exit(semctl(s, 1, GETVAL) == 3 ? 0 : 2);
    }
    EXPECT("SEM_UNDO child", exit_status(child), 0);
    EXPECT("  undone at its exit", semctl(s, 1, GETVAL), 1);
    /* SETVAL clears adjustments: the child's undo no longer applies. */
    child = fork();
    if (child == 0) {
        semop(s, &(struct sembuf){ 1, 2, SEM_UNDO }, 1);
        semctl(s, 1, SETVAL, (union semun){ .val = 7 });
        _exit(0);
    }
    exit_status(child);
    EXPECT("SETVAL cleared the undo", semctl(s, 1, GETVAL), 7);

    /* A signal with a handler ends a blocked semop with EINTR. */
    pid_t parent = getpid();
    child = fork();
    if (child == 0) { sleep_ms(50); kill(parent, SIGUSR1); _exit(0); }
    usr1 = 0;
    semctl(s, 0, SETVAL, (union semun){ .val = 0 });
    EXPECT("semop ended by a signal: EINTR", rv(semop(s, &wait_down, 1)), -EINTR);
    EXPECT("  the handler ran", usr1, 1);
    exit_status(child);

    /* Removal wakes a blocked semop with EIDRM. */
    child = fork();
    if (child == 0) _exit(rv(semop(s, &wait_down, 1)) == -EIDRM ? 0 : 1);
    sleep_ms(50);
    EXPECT("IPC_RMID", rv(semctl(s, 0, IPC_RMID)), 0);
    EXPECT("blocked semop sees EIDRM", exit_status(child), 0);
    EXPECT("removed id: GETVAL EINVAL", rv(semctl(s, 0, GETVAL)), -EINVAL);
    EXPECT("removed id: semop EINVAL", rv(semop(s, &down, 1)), -EINVAL);
    struct seminfo info;
    EXPECT("IPC_INFO", rv(semctl(0, 0, IPC_INFO, (union semun){ .buf = (struct semid_ds *)&info })) >= 0, 1);
    EXPECT("  semvmx", info.semvmx, 32767);
}

/* Four processes increment a counter in a shared segment 300 times each under a semaphore
   used as a lock (down, read, yield, write, up): no increment may be lost. */
static void semaphore_guards_shared_counter(void)
{
    int id = shmget(IPC_PRIVATE, 4096, 0600), s = semget(IPC_PRIVATE, 1, 0600);
    volatile long *counter = shmat(id, 0, 0);
    shmctl(id, IPC_RMID, 0);
    EXPECT("segment and semaphore for the counter", id >= 0 && s >= 0 && (long)counter > 0, 1);
    if ((long)counter <= 0) return;
    *counter = 0;
    semctl(s, 0, SETVAL, (union semun){ .val = 1 });
    pid_t workers[4];
    for (int w = 0; w < 4; w++) {
        workers[w] = fork();
        if (workers[w] == 0) {
            for (int i = 0; i < 300; i++) {
                if (semop(s, &(struct sembuf){ 0, -1, SEM_UNDO }, 1) != 0) _exit(1);
                long v = *counter;
                if (i % 16 == 0) sched_yield();
                *counter = v + 1;
                if (semop(s, &(struct sembuf){ 0, 1, SEM_UNDO }, 1) != 0) _exit(2);
            }
            _exit(0);
        }
    }
    int bad = 0;
    for (int w = 0; w < 4; w++) bad += exit_status(workers[w]) != 0;
    EXPECT("workers", bad, 0);
    EXPECT("no increment lost", *counter, 1200);
    EXPECT("the lock is free again", semctl(s, 0, GETVAL), 1);
    shmdt((void *)counter);
    semctl(s, 0, IPC_RMID);
}

int main(void)
{
    key_base = 0x5e000000 + (getpid() & 0xffff) * 16;
    message_queues();
    shared_memory();
    semaphores();
    semaphore_guards_shared_counter();
    printf("sysv_ipc: %d wrong\n", wrong);
    return wrong != 0;
}
