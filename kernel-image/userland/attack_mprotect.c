/* mprotect against copy-on-write and read-only attachments (issue 9, finding 2): after fork
   a child's mprotect(PROT_READ|PROT_WRITE) or PROT_EXEC on a page it shares copy-on-write
   with its parent makes only its own copy writable (the parent re-reads its values, its code
   still does what it did), also when the child's syscall filter allows nothing but mprotect
   and exit; and a read-only shared-memory attachment (SHM_RDONLY, or a grant with the map
   right only) cannot be made writable by mprotect (Linux: EACCES) nor written. Exit status:
   the number of wrong answers. */
#include "attack_common.h"
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include "aurora.h"

#define PAGE 4096UL
enum { CAP_GRANT = AURORA_SYS_cap_grant, CAP_RELEASE = AURORA_SYS_cap_release, CAP_TOKEN = AURORA_SYS_cap_token, SYSCALL_FILTER = AURORA_SYS_syscall_filter, RIGHT_MAP = 4 };

static char data[PAGE] __attribute__((aligned(4096))) = "parent data";
static const char constant[PAGE] __attribute__((aligned(4096))) = "read-only parent data";

__attribute__((noinline, aligned(4096))) static int answer(void) { return 42; }

static void *page_of(const void *p) { return (void *)((unsigned long)p & ~(PAGE - 1)); }

static int write_data(long protection)
{
    if (raw(SYS_mprotect, page_of(data), PAGE, protection) != 0) return 10;
    strcpy(data, "child wrote here");
    return strcmp(data, "child wrote here") != 0;
}

static int write_constant(long protection)
{
    if (raw(SYS_mprotect, page_of(constant), PAGE, protection) != 0) return 10;
    strcpy((char *)constant, "child wrote here");
    return 0;
}

static int read_only_then_write(long unused)
{
    (void)unused;
    if (raw(SYS_mprotect, page_of(data), PAGE, PROT_READ) != 0) return 10;
    if (raw(SYS_mprotect, page_of(data), PAGE, PROT_READ | PROT_WRITE) != 0) return 11;
    strcpy(data, "child wrote here");
    return 0;
}

/* Patches `answer` to return 7 in its own copy of the code page. */
static int patch_code(long unused)
{
    (void)unused;
    unsigned char *code = (unsigned char *)answer;
    if (raw(SYS_mprotect, page_of(code), PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return 10;
#if defined(__aarch64__)
    /* mov w0, #7; ret (Arm ARM C6.2: MOVZ, RET); then the instruction cache learns of it. */
    unsigned int patch[2] = { 0x528000e0, 0xd65f03c0 };
    memcpy(code, patch, sizeof patch);
    __builtin___clear_cache((char *)code, (char *)code + sizeof patch);
#else
    /* mov $7, %eax; ret */
    code[0] = 0xb8; code[1] = 7; code[2] = 0; code[3] = 0; code[4] = 0; code[5] = 0xc3;
#endif
    return answer() == 7 ? 0 : 12;
}

/* A child allowed nothing but mprotect and exit. */
static int filtered_child(long unused)
{
    (void)unused;
    struct { unsigned long bits[16]; unsigned int flags, reserved; } f;
    memset(&f, 0, sizeof f);
    f.bits[SYS_mprotect / 64] |= 1UL << (SYS_mprotect % 64);
    f.bits[SYS_exit / 64] |= 1UL << (SYS_exit % 64);
    f.bits[SYS_exit_group / 64] |= 1UL << (SYS_exit_group % 64);
    f.flags = 0;                                         /* default deny, bits allow */
    if (raw(SYSCALL_FILTER, &f, 0, 0) != 0) return 20;
    if (raw(SYS_getpid, 0, 0, 0) != -EPERM) return 21;
    return write_data(PROT_READ | PROT_WRITE);
}

static void check_parent(const char *what)
{
    if (strcmp(data, "parent data") != 0) {
        char w[128];
        snprintf(w, sizeof w, "%s: the parent's data now reads \"%.20s\"", what, data);
        attack_report(w, "\"parent data\"", 0, 0);
        strcpy(data, "parent data");
    }
    if (strcmp(constant, "read-only parent data") != 0) attack_report(what, "the parent's read-only data unchanged", 0, 0);
    if (answer() != 42) attack_report(what, "the parent's code still returning 42", answer(), 0);
}

static void run(const char *what, int (*body)(long), long arg, int want_exit, int want_signal)
{
    int status;
    int how = run_child(body, arg, 5000, &status);
    int ok = how == CHILD_EXITED && (want_signal ? WIFSIGNALED(status) && WTERMSIG(status) == want_signal
                                                 : WIFEXITED(status) && WEXITSTATUS(status) == want_exit);
    if (!ok) {
        char got[48], expected[32];
        describe_status(status, got, sizeof got);
        if (want_signal) snprintf(expected, sizeof expected, "signal %d", want_signal);
        else snprintf(expected, sizeof expected, "exit %d", want_exit);
        attack_wrong++;
        dprintf(1, "WRONG: %s: child expected %s, got %s%s\n", what, expected, how == CHILD_EXITED ? "" : "no end: ", got);
    }
    check_parent(what);
}

static char *owner_view;
static unsigned char token[32];
static long segment;

/* The child drops what it inherited, is granted the map right only, and tries to write. */
static int map_only_child(long unused)
{
    (void)unused;
    raw(AURORA_SYS_cap_shmdt, owner_view, 0, 0);
    raw(CAP_RELEASE, segment, 0, 0);
    long id = -1;
    for (int tries = 0; tries < 500 && id < 0; tries++) { id = raw(AURORA_SYS_cap_shmget, token, 0, 0); if (id < 0) sleep_ms(2); }
    if (id < 0) return 30;
    if (raw(AURORA_SYS_cap_shmat, id, 0, 0) != -EACCES) return 31;            /* writable attach needs MapWrite */
    long view = raw(AURORA_SYS_cap_shmat, id, 0, SHM_RDONLY);
    if (view < 0) return 32;
    long r = raw(SYS_mprotect, view, PAGE, PROT_READ | PROT_WRITE);
    if (r != -EACCES) dprintf(1, "  map-only child: mprotect(PROT_READ|PROT_WRITE) on a read-only attachment gave %ld, Linux -13\n", r);
    strcpy((char *)view, "child wrote here");                      /* must fault */
    return 33;
}

static int own_read_only_attachment(long unused)
{
    (void)unused;
    long view = raw(AURORA_SYS_cap_shmat, segment, 0, SHM_RDONLY);
    if (view < 0) return 40;
    long r = raw(SYS_mprotect, view, PAGE, PROT_READ | PROT_WRITE);
    if (r != -EACCES) dprintf(1, "  mprotect(PROT_READ|PROT_WRITE) on an SHM_RDONLY attachment gave %ld, Linux -13\n", r);
    strcpy((char *)view, "child wrote here");                      /* must fault */
    return 41;
}

int main(void)
{
    if (answer() != 42) return 100;
    run("child mprotect(RW) on a copy-on-write data page, then writes", write_data, PROT_READ | PROT_WRITE, 0, 0);
    run("child mprotect(RWX) on a copy-on-write data page, then writes", write_data, PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0);
    run("child mprotect(R), then mprotect(RW), then writes", read_only_then_write, 0, 0, 0);
    run("child mprotect(RW) on read-only data (.rodata), then writes", write_constant, PROT_READ | PROT_WRITE, 0, 0);
    run("child mprotect(RWX) on its code page and patches a function", patch_code, 0, 0, 0);
    run("child filtered to mprotect and exit patches data", filtered_child, 0, 0, 0);
    /* The parent itself, afterwards: its own mprotect and writes still work on its pages. */
    expect_true("parent mprotect(RW) on its data page", raw(SYS_mprotect, page_of(data), PAGE, PROT_READ | PROT_WRITE) == 0, 0);

    segment = raw(AURORA_SYS_cap_shmget, 0, PAGE, 0);
    owner_view = (char *)raw(AURORA_SYS_cap_shmat, segment, 0, 0);
    expect_true("shmget + shmat", segment >= 0 && (long)owner_view > 0, (long)owner_view);
    if (segment >= 0 && (long)owner_view > 0) {
        strcpy(owner_view, "owner data");
        expect_true("export the segment's token", raw(CAP_TOKEN, segment, token, 0) == 0, 0);
        {
            int status;
            int how = run_child(own_read_only_attachment, 0, 5000, &status);
            expect_true("SHM_RDONLY attachment: mprotect cannot make it writable (the write is SIGSEGV)", how == CHILD_EXITED && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, status);
        }
        pid_t pid = fork();
        if (pid == 0) _exit(map_only_child(0));
        sleep_ms(20);
        expect_true("grant the map right only", raw(CAP_GRANT, token, pid, RIGHT_MAP) >= 0, 0);
        int status;
        int how = wait_with_deadline(pid, 5000, 3000, &status);
        char got[32];
        if (!(how == CHILD_EXITED && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)) {
            attack_wrong++;
            dprintf(1, "WRONG: map-only grantee writes through mprotect: expected signal 11, got %s (exit 3x: which step failed)\n", describe_status(status, got, sizeof got));
        }
        if (strcmp(owner_view, "owner data") != 0) attack_report("the owner's segment after the map-only grantee", "\"owner data\"", 0, 0);
        raw(AURORA_SYS_cap_shmdt, owner_view, 0, 0);
        raw(AURORA_SYS_cap_shmctl, segment, IPC_RMID, 0);
    }
    dprintf(1, "attack_mprotect: %d wrong\n", attack_wrong);
    return attack_wrong;
}
