/* Edges of the system-call surface the other attack programs do not reach (the red team's
   pass): the memory calls at the top of the user range (the last mappable page below
   0x7ffffffff000, the unmappable page above it, non-canonical addresses), MAP_FIXED over
   existing mappings, MAP_GROWSDOWN, mremap onto itself and with zero and wrapping sizes;
   signal frames on an alternate stack at the address-space edge, at kernel and
   non-canonical addresses, and nested signals overflowing a small one; iovec arrays with a
   bad entry in the middle and lengths that overflow when added; futex on read-only,
   PROT_NONE and unmapped words; execve with argv and envp past Linux's limits and an argv
   array that runs into unmapped memory; waitid, clone and fcntl locks with junk.
   Every expectation is Linux's answer (run natively: `attack_edges`, 0 wrong). Each case that
   may end its process runs in a forked child with a deadline. No randomness: the cases are
   fixed, so a failure replays exactly. Exit status: the number of wrong answers. */
#define _GNU_SOURCE
#include "attack_common.h"
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

#define PAGE 4096L
#define TOP 0x7ffffffff000L            /* Linux's TASK_SIZE: the first address no mapping may reach */
#define LAST (TOP - PAGE)              /* the last page a program may map */

static void expect_value(const char *what, long got, long want)
{
    if (got != want) {
        char expected[40];
        snprintf(expected, sizeof expected, "%ld", want);
        attack_report(what, expected, got, 0);
    }
}

/* The ending of a child (exit code, or signal) as Linux gives it. */
static void expect_end(const char *what, int (*body)(long), long arg, int want_exit, int want_signal)
{
    int status;
    int r = run_child(body, arg, 10000, &status);
    char text[32], expected[32];
    if (r != CHILD_EXITED) { attack_report(what, "an end within 10 s", r, 0); return; }
    int ok = want_signal ? WIFSIGNALED(status) && WTERMSIG(status) == want_signal
                         : WIFEXITED(status) && WEXITSTATUS(status) == want_exit;
    if (!ok) {
        if (want_signal) snprintf(expected, sizeof expected, "signal %d", want_signal);
        else snprintf(expected, sizeof expected, "exit %d", want_exit);
        char line[200];
        snprintf(line, sizeof line, "%s (ended: %s)", what, describe_status(status, text, sizeof text));
        attack_report(line, expected, status, 0);
    }
}

static long map(long address, long length, int prot, int flags)
{
    return raw6(SYS_mmap, address, length, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* ---- memory calls at the top of the user range ---- */

static void top_of_user_range(void)
{
    long r = map(LAST, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
    expect_value("mmap(last user page, MAP_FIXED)", r, LAST);
    if (r == LAST) {
        volatile char *p = (char *)LAST;
        p[PAGE - 1] = 7;
        expect_value("the last user page keeps a byte", p[PAGE - 1], 7);
        expect_value("FUTEX_WAKE on the last word below 0x7ffffffff000", raw6(SYS_futex, TOP - 4, 1 /* FUTEX_WAKE */, 1, 0, 0, 0), 0);
        expect_errno("FUTEX_WAIT on the last word below 0x7ffffffff000 (value differs)", raw6(SYS_futex, TOP - 4, 0 /* FUTEX_WAIT */, 1, 0, 0, 0), EAGAIN, 0);
        expect_errno("mremap(last page, grow in place)", raw6(SYS_mremap, LAST, PAGE, 2 * PAGE, 0, 0, 0), ENOMEM, 0);
        expect_errno("mprotect(last page, 2 pages)", raw(SYS_mprotect, LAST, 2 * PAGE, PROT_READ), ENOMEM, 0);
        expect_value("madvise(last page, DONTNEED)", raw(SYS_madvise, LAST, PAGE, MADV_DONTNEED), 0);
        expect_value("the last user page reads zero after DONTNEED", p[PAGE - 1], 0);
        expect_errno("madvise(last page, 2 pages)", raw(SYS_madvise, LAST, 2 * PAGE, MADV_DONTNEED), ENOMEM, 0);
        expect_errno("msync(last page, 2 pages)", raw(SYS_msync, LAST, 2 * PAGE, MS_ASYNC), ENOMEM, 0);
        long moved = raw6(SYS_mremap, LAST, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0, 0);
        expect_true("mremap(last page, grow, MAYMOVE) moves below", moved > 0 && moved < LAST, moved);
        if (moved > 0 && moved < LAST) {
            expect_value("the moved page keeps its byte", ((volatile char *)moved)[PAGE - 1], 0);
            expect_value("munmap(moved)", raw(SYS_munmap, moved, 2 * PAGE, 0), 0);
        }
        r = map(LAST, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
        expect_value("mmap(last user page again)", r, LAST);
        expect_errno("mremap(last page, FIXED onto the unmappable page)", raw6(SYS_mremap, LAST, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, TOP, 0), EINVAL, 0);
        expect_errno("mremap(last page, FIXED onto non-canonical)", raw6(SYS_mremap, LAST, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, 0x800000000000L, 0), EINVAL, 0);
        expect_errno("mremap(last page, FIXED onto itself)", raw6(SYS_mremap, LAST, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, LAST, 0), EINVAL, 0);
        expect_value("munmap(last user page)", raw(SYS_munmap, LAST, PAGE, 0), 0);
    }
    expect_errno("mmap(0x7ffffffff000, MAP_FIXED)", map(TOP, PAGE, PROT_READ, MAP_FIXED), ENOMEM, 0);
    expect_errno("mmap(last page, 2 pages, MAP_FIXED)", map(LAST, 2 * PAGE, PROT_READ, MAP_FIXED), ENOMEM, 0);
    expect_errno("mmap(0x7ffffffff000, MAP_FIXED_NOREPLACE)", map(TOP, PAGE, PROT_READ, MAP_FIXED_NOREPLACE), ENOMEM, 0);
    expect_errno("mmap(last page + 1, MAP_FIXED) (unaligned, past the limit)", map(LAST + 1, PAGE, PROT_READ, MAP_FIXED), ENOMEM, EINVAL);
    expect_errno("mmap(0x10000001, MAP_FIXED) (unaligned)", map(0x10000001, PAGE, PROT_READ, MAP_FIXED), EINVAL, 0);
    r = map(TOP, PAGE, PROT_READ, 0);
    expect_true("mmap(hint 0x7ffffffff000) is placed below it", r > 0 && r < TOP, r);
    if (r > 0) raw(SYS_munmap, r, PAGE, 0);
    r = map(0x7ffffffffffffL & ~(PAGE - 1), PAGE, PROT_READ, 0);
    expect_true("mmap(hint 0x7ffffffffff000) is placed below the limit", r > 0 && r < TOP, r);
    if (r > 0) raw(SYS_munmap, r, PAGE, 0);
    expect_errno("munmap(0x7ffffffff000, 1 page)", raw(SYS_munmap, TOP, PAGE, 0), EINVAL, 0);
    expect_errno("munmap(0x7ffffffff000, 0)", raw(SYS_munmap, TOP, 0, 0), EINVAL, 0);
    expect_errno("mprotect(0x7ffffffff000, 1 page)", raw(SYS_mprotect, TOP, PAGE, PROT_READ), ENOMEM, 0);
    expect_value("mprotect(0x7ffffffff000, 0)", raw(SYS_mprotect, TOP, 0, PROT_READ), 0);
    expect_errno("madvise(0x7ffffffff000, 1 page)", raw(SYS_madvise, TOP, PAGE, MADV_DONTNEED), ENOMEM, 0);
    expect_errno("mremap(0x7ffffffff000)", raw6(SYS_mremap, TOP, PAGE, PAGE, 0, 0, 0), EFAULT, 0);
    expect_errno("mlock(0x7ffffffff000, 1 page)", raw(SYS_mlock, TOP, PAGE, 0), ENOMEM, 0);
    expect_errno("munlock(last page, 2 pages) (unmapped)", raw(SYS_munlock, LAST, 2 * PAGE, 0), ENOMEM, 0);
    long current = raw(SYS_brk, 0, 0, 0);
    expect_value("brk(0x7ffffffff000) keeps the break", raw(SYS_brk, TOP, 0, 0), current);
    expect_value("brk(non-canonical) keeps the break", raw(SYS_brk, 0x800000000000L, 0, 0), current);
    expect_value("brk(-4096) keeps the break", raw(SYS_brk, -PAGE, 0, 0), current);
    expect_value("brk(1) keeps the break", raw(SYS_brk, 1, 0, 0), current);
    unsigned char vector[2];
    expect_errno("mincore(last page) (unmapped)", raw(SYS_mincore, LAST, PAGE, vector), ENOMEM, 0);
    expect_errno("mincore(0x7ffffffff000)", raw(SYS_mincore, TOP, PAGE, vector), ENOMEM, 0);
}

/* ---- the break around a mapping placed inside its old range ---- */

/* Linux's brk adds [old break, new break) and leaves what lies below alone: a mapping a program
   put inside the heap's range (MAP_FIXED) stays that mapping, with its own rules. */
static void break_around_mappings(void)
{
    long start = raw(SYS_brk, 0, 0, 0);
    long base = (start + PAGE - 1) & ~(PAGE - 1);
    if (raw(SYS_brk, base + 3 * PAGE, 0, 0) != base + 3 * PAGE) { attack_report("brk(+3 pages)", "the new break", 0, 0); return; }
    char *shared = (char *)raw6(SYS_mmap, base + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    expect_value("mmap(MAP_SHARED|MAP_FIXED inside the heap)", (long)shared, base + PAGE);
    int fd = open("/tmp/attack-edges-brk", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(fd, "file bytes", 10);
    close(fd);
    fd = open("/tmp/attack-edges-brk", O_RDONLY);
    char *file = (char *)raw6(SYS_mmap, base + 2 * PAGE, PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    expect_value("mmap(read-only file, MAP_SHARED|MAP_FIXED inside the heap)", (long)file, base + 2 * PAGE);
    close(fd);
    if ((long)shared == base + PAGE && (long)file == base + 2 * PAGE) {
        shared[0] = 'Q';
        expect_value("brk(+4 pages) past the mappings", raw(SYS_brk, base + 4 * PAGE, 0, 0), base + 4 * PAGE);
        expect_errno("MADV_FREE on the shared mapping after brk", raw(SYS_madvise, base + PAGE, PAGE, MADV_FREE), EINVAL, 0);
        expect_value("the shared mapping keeps its byte after brk", shared[0], 'Q');
        expect_errno("mprotect(PROT_WRITE) on the read-only file mapping after brk", raw(SYS_mprotect, base + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE), EACCES, 0);
        expect_value("the file mapping still shows the file", file[0], 'f');
    }
    raw(SYS_brk, start, 0, 0);
    expect_errno("the mappings went with the break (mprotect)", raw(SYS_mprotect, base + PAGE, 2 * PAGE, PROT_READ), ENOMEM, 0);
    unlink("/tmp/attack-edges-brk");
}

/* ---- MAP_FIXED over what exists, MAP_GROWSDOWN, mremap onto itself, zero and wrapping ---- */

static void fixed_and_mremap(void)
{
    char *a = (char *)map(0, 4 * PAGE, PROT_READ | PROT_WRITE, 0);
    if ((long)a < 0) { attack_report("mmap 4 pages", "a mapping", (long)a, 0); return; }
    memset(a, 0x5a, 4 * PAGE);
    long r = map((long)a + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
    expect_value("mmap(MAP_FIXED) over the second page", r, (long)a + PAGE);
    expect_value("the replaced page reads zero", a[PAGE], 0);
    expect_value("the page before it keeps its bytes", a[PAGE - 1], 0x5a);
    expect_value("the page after it keeps its bytes", a[2 * PAGE], 0x5a);
    expect_errno("mmap(MAP_FIXED_NOREPLACE) over the third page", map((long)a + 2 * PAGE, PAGE, PROT_READ, MAP_FIXED_NOREPLACE), EEXIST, 0);
    expect_value("the third page is still there", a[2 * PAGE + 5], 0x5a);

    /* mremap onto itself or over itself: EINVAL whatever the sizes. */
    expect_errno("mremap(FIXED|MAYMOVE onto itself)", raw6(SYS_mremap, (long)a, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)a, 0), EINVAL, 0);
    expect_errno("mremap(FIXED|MAYMOVE, overlapping after)", raw6(SYS_mremap, (long)a, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)a + PAGE, 0), EINVAL, 0);
    expect_errno("mremap(FIXED|MAYMOVE, growing over itself)", raw6(SYS_mremap, (long)a + PAGE, PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)a, 0), EINVAL, 0);
    expect_errno("mremap(FIXED without MAYMOVE)", raw6(SYS_mremap, (long)a, PAGE, PAGE, MREMAP_FIXED, (long)a + 8 * PAGE, 0), EINVAL, 0);
    expect_errno("mremap(new size 0)", raw6(SYS_mremap, (long)a, PAGE, 0, 0, 0, 0), EINVAL, 0);
    expect_errno("mremap(new size wraps when rounded)", raw6(SYS_mremap, (long)a, PAGE, -1L, MREMAP_MAYMOVE, 0, 0), EINVAL, 0);
    expect_errno("mremap(unaligned old)", raw6(SYS_mremap, (long)a + 1, PAGE, PAGE, 0, 0, 0), EINVAL, 0);
    expect_errno("mremap(unknown flag)", raw6(SYS_mremap, (long)a, PAGE, PAGE, 8, 0, 0), EINVAL, 0);
    expect_errno("mremap(DONTUNMAP, sizes differ)", raw6(SYS_mremap, (long)a, PAGE, 2 * PAGE, MREMAP_MAYMOVE | 4, 0, 0), EINVAL, 0);
    /* A private mapping cannot be duplicated with old size 0 (Linux: EINVAL; only shared ones). */
    expect_errno("mremap(private, old size 0, MAYMOVE)", raw6(SYS_mremap, (long)a, 0, PAGE, MREMAP_MAYMOVE, 0, 0), EINVAL, 0);
    /* Shrinking with an old size that wraps the address space: EINVAL, nothing unmapped. */
    expect_errno("mremap(shrink, old size 2^64 - 1 page)", raw6(SYS_mremap, (long)a + 2 * PAGE, -PAGE, PAGE, 0, 0, 0), EINVAL, 0);
    expect_value("the first page survives the wrapping shrink", a[5], 0x5a);
    expect_value("the fourth page survives the wrapping shrink", a[3 * PAGE + 5], 0x5a);
    expect_errno("mremap(shrink, old size past the user limit)", raw6(SYS_mremap, (long)a + 2 * PAGE, TOP, PAGE, 0, 0, 0), EINVAL, 0);
    expect_value("the fourth page survives the huge shrink", a[3 * PAGE + 5], 0x5a);
    /* Shrinking in place is fine; the tail is gone. */
    expect_value("mremap(shrink 4 -> 3 pages)", raw6(SYS_mremap, (long)a, 4 * PAGE, 3 * PAGE, 0, 0, 0), (long)a);
    expect_errno("the shrunk tail is unmapped (mprotect)", raw(SYS_mprotect, (long)a + 3 * PAGE, PAGE, PROT_READ), ENOMEM, 0);
    raw(SYS_munmap, (long)a, 4 * PAGE, 0);

    /* A shared anonymous mapping can be duplicated with old size 0: both see the same page. */
    char *s = (char *)raw6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if ((long)s > 0) {
        s[0] = 'x';
        char *twin = (char *)raw6(SYS_mremap, (long)s, 0, PAGE, MREMAP_MAYMOVE, 0, 0);
        expect_true("mremap(shared, old size 0, MAYMOVE) duplicates", (long)twin > 0 && twin != s, (long)twin);
        if ((long)twin > 0) {
            expect_value("the duplicate shows the page", twin[0], 'x');
            twin[1] = 'y';
            expect_value("the original sees a write through the duplicate", s[1], 'y');
            raw(SYS_munmap, (long)twin, PAGE, 0);
        }
        raw(SYS_munmap, (long)s, PAGE, 0);
    }

    /* MAP_GROWSDOWN: a mapping like any other for what lies inside it. */
    char *g = (char *)map(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_GROWSDOWN);
    expect_true("mmap(MAP_GROWSDOWN)", (long)g > 0, (long)g);
    if ((long)g > 0) {
        g[0] = 1;
        g[4 * PAGE - 1] = 2;
        expect_value("MAP_GROWSDOWN pages keep bytes", g[0] + g[4 * PAGE - 1], 3);
        raw(SYS_munmap, (long)g, 4 * PAGE, 0);
    }
    expect_errno("mmap(MAP_SHARED|MAP_GROWSDOWN anonymous)", raw6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0), EINVAL, 0);

    /* Zero lengths. */
    expect_errno("mmap(length 0)", map(0, 0, PROT_READ, 0), EINVAL, 0);
    expect_errno("munmap(length 0)", raw(SYS_munmap, 0x10000000, 0, 0), EINVAL, 0);
    expect_value("mprotect(length 0, unmapped)", raw(SYS_mprotect, 0x10000000, 0, PROT_READ), 0);
    expect_value("madvise(length 0, unmapped)", raw(SYS_madvise, 0x10000000, 0, MADV_DONTNEED), 0);
    expect_value("msync(length 0, unmapped)", raw(SYS_msync, 0x10000000, 0, MS_SYNC), 0);
    expect_value("mlock(length 0, unmapped)", raw(SYS_mlock, 0x10000000, 0, 0), 0);
    expect_errno("mprotect(PROT_GROWSDOWN|PROT_GROWSUP)", raw(SYS_mprotect, 0x10000000, PAGE, PROT_READ | 0x01000000 | 0x02000000), EINVAL, 0);

    /* Protection bits beyond READ|WRITE|EXEC: mmap ignores them (Linux never checked), mprotect
       takes PROT_SEM (0x8) on x86 and refuses the rest. */
    long sem = map(0, PAGE, PROT_READ | PROT_WRITE | 0x8, 0);
    expect_true("mmap(PROT_SEM)", sem > 0, sem);
    if (sem > 0) {
        ((volatile char *)sem)[0] = 1;
        expect_value("mprotect(PROT_READ|PROT_SEM)", raw(SYS_mprotect, sem, PAGE, PROT_READ | 0x8), 0);
        expect_errno("mprotect(0x10)", raw(SYS_mprotect, sem, PAGE, PROT_READ | 0x10), EINVAL, 0);
        raw(SYS_munmap, sem, PAGE, 0);
    }

    /* Wrapping lengths. */
    char *w = (char *)map(0, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
    if ((long)w > 0) {
        w[0] = 9;
        expect_errno("mprotect(length wraps)", raw(SYS_mprotect, (long)w, -PAGE, PROT_READ), ENOMEM, EINVAL);
        expect_errno("munmap(length wraps)", raw(SYS_munmap, (long)w, -PAGE, 0), EINVAL, 0);
        expect_errno("madvise(length wraps)", raw(SYS_madvise, (long)w, -PAGE, MADV_DONTNEED), EINVAL, 0);
        expect_errno("msync(length wraps)", raw(SYS_msync, (long)w, -PAGE, MS_SYNC), ENOMEM, 0);
        expect_errno("mlock(length wraps)", raw(SYS_mlock, (long)w, -PAGE, 0), ENOMEM, EINVAL);
        expect_value("the mapping survives the wrapping calls", w[0], 9);
        raw(SYS_munmap, (long)w, 2 * PAGE, 0);
    }
}

/* ---- signal frames on alternate stacks at the edges ---- */

static volatile int handled;
static void count_handler(int s) { (void)s; handled++; }

struct altstack { long sp; int flags; long size; };

static int altstack_child(long where)
{
    stack_t ss = { .ss_sp = (void *)where, .ss_flags = 0, .ss_size = 4 * PAGE };
    struct sigaction sa = { .sa_handler = count_handler, .sa_flags = SA_ONSTACK };
    if (sigaltstack(&ss, 0) != 0) return 100 + errno;
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    return handled == 1 ? 0 : 50;
}

static int top_altstack_child(long unused)
{
    (void)unused;
    /* The alternate stack is the last four user pages: the frame is written just below 0x7ffffffff000. */
    long base = TOP - 4 * PAGE;
    if (map(base, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_FIXED) != base) return 90;
    return altstack_child(base);
}

/* A signal that arrives while the program runs on its alternate stack (nested, as Linux
   judges it: by the stack pointer) with too little of the stack left: Linux refuses the frame
   that would leave the alternate stack (SIGSEGV) instead of writing below it. The page under
   the stack is mapped and must stay untouched. The stack pointer is put just above the
   stack's base and the signal sent from there, so the outcome does not depend on frame sizes:
   512 bytes above it the frame cannot fit; 64 bytes above it the stack pointer less the red
   zone is below the stack, so Linux counts the signal as entering the stack, at its top. */
#if defined(__x86_64__)
static volatile char *guard;
static int nested_child(long offset)
{
    stack_t ss = { .ss_sp = (void *)(guard + PAGE), .ss_flags = 0, .ss_size = 4 * PAGE };
    struct sigaction sa = { .sa_handler = count_handler, .sa_flags = SA_ONSTACK };
    if (sigaltstack(&ss, 0) != 0) return 100 + errno;
    sigaction(SIGUSR2, &sa, 0);
    long nr = SYS_kill, pid = getpid(), low = (long)guard + PAGE + offset;
    __asm__ volatile("movq %%rsp, %%r12\n\tmovq %1, %%rsp\n\tsyscall\n\tmovq %%r12, %%rsp"
                     : "+a"(nr) : "r"(low), "D"(pid), "S"((long)SIGUSR2) : "rcx", "r11", "r12", "memory");
    return handled ? 0 : 62;
}
#endif

/* The alternate stack disabled while on it: EPERM. */
static void onstack_handler(int s)
{
    (void)s;
    stack_t ss = { .ss_flags = SS_DISABLE };
    handled = sigaltstack(&ss, 0) == -1 && errno == EPERM ? 1 : 2;
    stack_t old;
    sigaltstack(0, &old);
    if (!(old.ss_flags & SS_ONSTACK)) handled = 3;
}

static int onstack_child(long unused)
{
    (void)unused;
    static char stack[4 * PAGE] __attribute__((aligned(16)));
    stack_t ss = { .ss_sp = stack, .ss_flags = 0, .ss_size = sizeof stack };
    struct sigaction sa = { .sa_handler = onstack_handler, .sa_flags = SA_ONSTACK };
    sigaltstack(&ss, 0);
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    return handled == 1 ? 0 : 70 + handled;
}

static void signal_stacks(void)
{
    expect_end("signal frame on an alternate stack ending at 0x7ffffffff000", top_altstack_child, 0, 0, 0);
    /* Linux takes any address for the alternate stack; the frame that cannot be written there
       is SIGSEGV, and nothing is written to the kernel. */
    expect_end("alternate stack in the kernel half", altstack_child, (long)0xffff800000000000UL, 0, SIGSEGV);
    expect_end("alternate stack at the kernel image", altstack_child, (long)0xffffffff80000000UL, 0, SIGSEGV);
    expect_end("alternate stack at non-canonical 0x800000000000", altstack_child, 0x800000000000L, 0, SIGSEGV);
    expect_end("alternate stack straddling 0x7ffffffff000", altstack_child, TOP - 2 * PAGE, 0, SIGSEGV);
    expect_end("alternate stack unmapped", altstack_child, 0x10000000L, 0, SIGSEGV);
    expect_end("alternate stack at page 0", altstack_child, 0, 0, SIGSEGV);

    stack_t ss = { .ss_sp = (void *)0x1000, .ss_flags = 0, .ss_size = 1024 };
    expect_errno("sigaltstack(size below MINSIGSTKSZ)", raw(SYS_sigaltstack, &ss, 0, 0), ENOMEM, 0);
    ss.ss_size = 4 * PAGE; ss.ss_flags = 0x7;
    expect_errno("sigaltstack(junk flags)", raw(SYS_sigaltstack, &ss, 0, 0), EINVAL, 0);
    ss.ss_flags = SS_ONSTACK;
    expect_errno("sigaltstack(SS_ONSTACK as a new flag)", raw(SYS_sigaltstack, &ss, 0, 0) == 0 ? -EINVAL : 0, EINVAL, 0);
    expect_end("sigaltstack(SS_DISABLE) while on it", onstack_child, 0, 0, 0);

    /* The nested case: the stack has a mapped page below it that must stay zero. x86-64's
       answer: arm64 Linux has no red zone and does not check that a nested frame stays on
       the alternate stack (arch/arm64/kernel/signal.c, get_sigframe: access_ok only), so
       there the frame lands below it; not checked on arm64. */
#if defined(__x86_64__)
    guard = (volatile char *)raw6(SYS_mmap, 0, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if ((long)guard > 0) {
        expect_end("a signal on an alternate stack 512 bytes above its base", nested_child, 512, 0, SIGSEGV);
        long dirty = 0;
        for (long i = 0; i < PAGE; i++) dirty += guard[i] != 0;
        expect_value("bytes written below the alternate stack", dirty, 0);
        expect_end("a signal on an alternate stack 64 bytes above its base (its top is used)", nested_child, 64, 0, 0);
        dirty = 0;
        for (long i = 0; i < PAGE; i++) dirty += guard[i] != 0;
        expect_value("bytes written below the alternate stack (after both)", dirty, 0);
        raw(SYS_munmap, (long)guard, 6 * PAGE, 0);
    }
#endif
}

#if defined(__x86_64__)
/* A single-step trap held back by MOV SS until after the next instruction, which enters the
   kernel: the trap is raised at the kernel's first instruction, still on the user stack
   (CVE-2018-8897's shape, with TF instead of a data breakpoint). Linux ends the program with
   SIGTRAP or lets it go on; the kernel must not fault on it. */
static int mov_ss_then(long how)
{
    unsigned long flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags));
    flags |= 0x100;
    if (how == 0) {
        long nr = SYS_getpid;
        __asm__ volatile("movw %%ss, %%cx\n\tpushq %1\n\tpopfq\n\tmovw %%cx, %%ss\n\tsyscall\n\t"
                         "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq"
                         : "+a"(nr) : "r"(flags) : "rcx", "r11", "memory", "cc");
    } else if (how == 1) {
        __asm__ volatile("movw %%ss, %%cx\n\tpushq %0\n\tpopfq\n\tmovw %%cx, %%ss\n\tint3\n\t"
                         "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq"
                         : : "r"(flags) : "rcx", "memory", "cc");
    } else {
        /* The same with the user stack pointer aimed at the kernel half first. */
        long nr = SYS_getpid;
        __asm__ volatile("movq %%rsp, %%r12\n\tmovw %%ss, %%cx\n\tpushq %1\n\tpopfq\n\t"
                         "movq $0xffff800000001000, %%rsp\n\tmovw %%cx, %%ss\n\tsyscall\n\t"
                         "movq %%r12, %%rsp\n\tpushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq"
                         : "+a"(nr) : "r"(flags) : "rcx", "r11", "r12", "memory", "cc");
    }
    return 0;
}

static void mov_ss(void)
{
    const char *names[] = { "MOV SS then syscall with TF", "MOV SS then int3 with TF", "MOV SS then syscall with TF and a kernel-half RSP" };
    for (long how = 0; how < 3; how++) {
        int status;
        int r = run_child(mov_ss_then, how, 10000, &status);
        char text[32];
        dprintf(1, "attack_edges: %s: %s\n", names[how], r == CHILD_EXITED ? describe_status(status, text, sizeof text) : "no end");
        expect_true(names[how], r == CHILD_EXITED && (WIFEXITED(status) ? WEXITSTATUS(status) == 0 : WTERMSIG(status) == SIGTRAP || WTERMSIG(status) == SIGSEGV), status);
    }
}

/* ---- iovec arrays ---- */

#endif

static int short_readv_child(long socket);

static void iovecs(void)
{
    int p[2];
    if (pipe2(p, O_NONBLOCK) != 0) { attack_report("pipe", "0", -1, errno); return; }
    static char a[16] = "0123456789abcdef", b[16];
    char *hole = (char *)map(0, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
    raw(SYS_munmap, (long)hole + PAGE, PAGE, 0);
    /* A regular file takes what the vectors give up to the bad one (a pipe takes all or
       nothing on Linux); the pipe below only sees refusals that move no bytes. */
    int file = open("/tmp/attack-edges-iov", O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct iovec bad_middle[3] = { { a, 4 }, { (void *)0x10, 4 }, { a + 8, 4 } };
    expect_value("writev(file, bad entry in the middle): the first entry", raw(SYS_writev, file, bad_middle, 3), 4);
    expect_value("the file holds the first entry", lseek(file, 0, SEEK_END), 4);
    struct iovec kernel_middle[3] = { { a, 4 }, { (void *)0xffff800000000000UL, 4 }, { a + 8, 4 } };
    /* Linux's import_iovec checks every entry against the user range first: EFAULT before anything. */
    expect_errno("writev(kernel entry in the middle)", raw(SYS_writev, p[1], kernel_middle, 3), EFAULT, 0);
    struct iovec noncanon_middle[3] = { { a, 4 }, { (void *)0x800000000000UL, 4 }, { a + 8, 4 } };
    expect_errno("writev(non-canonical entry in the middle)", raw(SYS_writev, p[1], noncanon_middle, 3), EFAULT, 0);
    struct iovec crossing[2] = { { a, 4 }, { hole + PAGE - 2, 4 } };
    hole[PAGE - 2] = 'x'; hole[PAGE - 1] = 'y';
    lseek(file, 0, SEEK_SET);
    /* Linux writes the two bytes before the hole too (6); Aurora's file write copies a vector
       whole or not at all (4). Both stop there. */
    long crossed = raw(SYS_writev, file, crossing, 2);
    expect_true("writev(file, entry crossing into unmapped): the first entry, and at most the bytes before the hole", crossed == 6 || crossed == 4, crossed);
    struct iovec overflow[2] = { { a, 0x7fffffffffffffffL }, { a, 2 } };
    /* Linux checks each entry against the user half (EFAULT) and caps the sum: no EINVAL. */
    expect_errno("writev(lengths overflow ssize_t)", raw(SYS_writev, p[1], overflow, 2), EFAULT, 0);
    struct iovec negative[1] = { { a, (size_t)-1 } };
    expect_errno("writev(negative length)", raw(SYS_writev, p[1], negative, 1), EINVAL, 0);
    expect_errno("writev(count 1025)", raw(SYS_writev, p[1], bad_middle, 1025), EINVAL, 0);
    expect_errno("writev(count -1)", raw(SYS_writev, p[1], bad_middle, -1), EINVAL, 0);
    expect_value("writev(count 0)", raw(SYS_writev, p[1], bad_middle, 0), 0);
    expect_errno("writev(array at the kernel)", raw(SYS_writev, p[1], 0xffff800000000000UL, 1), EFAULT, 0);
    expect_errno("writev(array crossing into unmapped)", raw(SYS_writev, p[1], hole + PAGE - 8, 1), EFAULT, 0);
    /* readv from the file with the bad entry in the middle: the first entry. */
    lseek(file, 0, SEEK_SET);
    struct iovec rbad[3] = { { b, 4 }, { (void *)0x10, 4 }, { b + 8, 4 } };
    expect_value("readv(file, bad entry in the middle): the first entry", raw(SYS_readv, file, rbad, 3), 4);
    expect_value("readv left the offset after the first entry", lseek(file, 0, SEEK_CUR), 4);
    struct iovec rro[2] = { { b, 2 }, { (void *)"read-only string", 4 } };
    lseek(file, 0, SEEK_SET);
    expect_value("readv(file, into a read-only entry second)", raw(SYS_readv, file, rro, 2), 2);
    close(file);
    /* preadv/pwritev with an offset that overflows, and on a pipe. */
    expect_errno("pwritev(pipe)", raw6(SYS_pwritev, p[1], (long)bad_middle, 1, 0, 0, 0), ESPIPE, 0);
    int f = open("/tmp/attack-edges-iov", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f >= 0) {
        expect_errno("pwritev(offset -1)", raw6(SYS_pwritev, f, (long)bad_middle, 1, -1, 0, 0), EINVAL, 0);
        expect_value("pwritev(bad entry in the middle)", raw6(SYS_pwritev, f, (long)bad_middle, 3, 100, 0, 0), 4);
        expect_errno("preadv(offset -4096)", raw6(SYS_preadv, f, (long)rbad, 1, -4096, 0, 0), EINVAL, 0);
        struct iovec one = { b, 16 };
        expect_errno("pwritev(offset 2^63 - 2, 16 bytes): the end overflows", raw6(SYS_pwritev, f, (long)&one, 1, 0x7ffffffffffffffeL, 0, 0), EINVAL, 0);
        close(f);
        unlink("/tmp/attack-edges-iov");
    }
    /* sendmsg/recvmsg with an iovec whose length overflows. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        struct msghdr m = { 0 };
        m.msg_iov = overflow; m.msg_iovlen = 2;
        expect_errno("sendmsg(iov lengths overflow)", raw(SYS_sendmsg, sv[0], &m, 0), EFAULT, 0);
        m.msg_iov = bad_middle; m.msg_iovlen = 1025;
        expect_errno("sendmsg(iovlen 1025)", raw(SYS_sendmsg, sv[0], &m, 0), EMSGSIZE, 0);
        m.msg_iov = kernel_middle; m.msg_iovlen = 3;
        expect_errno("sendmsg(kernel entry in the middle)", raw(SYS_sendmsg, sv[0], &m, 0), EFAULT, 0);
        m.msg_iov = bad_middle; m.msg_iovlen = 3;
        long sent = raw(SYS_sendmsg, sv[0], &m, 0);
        expect_true("sendmsg(bad entry in the middle): EFAULT or the first entry", sent == -EFAULT || sent == 4, sent);
        m.msg_iov = bad_middle; m.msg_iovlen = 1;
        m.msg_control = (void *)0xffff800000000000UL; m.msg_controllen = 64;
        expect_errno("sendmsg(control at the kernel)", raw(SYS_sendmsg, sv[0], &m, 0), EFAULT, 0);
        m.msg_control = 0; m.msg_controllen = 0;
        m.msg_name = (void *)0x10; m.msg_namelen = 0x7fffffff;
        expect_errno("sendmsg(name at 0x10, length huge: cut to 128, then read)", raw(SYS_sendmsg, sv[0], &m, 0), EFAULT, EISCONN);
        close(sv[0]); close(sv[1]);
    }
    close(p[0]); close(p[1]);
    raw(SYS_munmap, (long)hole, PAGE, 0);
    expect_end("readv(2 x 8 bytes) from a pipe holding 4, then 4 vectors for 3", short_readv_child, 0, 0, 0);
    expect_end("readv(2 x 8 bytes) from a socket holding 4, then 4 vectors for 3", short_readv_child, 1, 0, 0);
}

/* ---- futex on words that are not plain writable memory ---- */

static const int read_only_word __attribute__((aligned(4096))) = 5;

static void futexes(void)
{
    struct timespec short_wait = { 0, 1000000 };
    /* FUTEX_WAIT only reads the word: a read-only page is fine (value differs: EAGAIN). */
    expect_errno("FUTEX_WAIT on a read-only word (value differs)", raw6(SYS_futex, (long)&read_only_word, FUTEX_WAIT, 4, (long)&short_wait, 0, 0), EAGAIN, 0);
    expect_errno("FUTEX_WAIT on a read-only word (times out)", raw6(SYS_futex, (long)&read_only_word, FUTEX_WAIT, 5, (long)&short_wait, 0, 0), ETIMEDOUT, 0);
    expect_value("FUTEX_WAKE on a read-only word", raw6(SYS_futex, (long)&read_only_word, FUTEX_WAKE, 1, 0, 0, 0), 0);
    expect_errno("FUTEX_LOCK_PI on a read-only word", raw6(SYS_futex, (long)&read_only_word, FUTEX_LOCK_PI, 0, 0, 0, 0), EFAULT, 0);
    expect_errno("FUTEX_TRYLOCK_PI on a read-only word", raw6(SYS_futex, (long)&read_only_word, FUTEX_TRYLOCK_PI, 0, 0, 0, 0), EFAULT, 0);
    static int word;
    expect_errno("FUTEX_WAKE_OP with a read-only second word", raw6(SYS_futex, (long)&word, FUTEX_WAKE_OP, 1, 1, (long)&read_only_word, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)), EFAULT, 0);
    expect_value("the read-only word is unchanged", read_only_word, 5);
    long none = map(0, PAGE, PROT_NONE, 0);
    expect_errno("FUTEX_WAIT on a PROT_NONE word", raw6(SYS_futex, none, FUTEX_WAIT, 0, (long)&short_wait, 0, 0), EFAULT, 0);
    expect_errno("FUTEX_WAKE_OP on a PROT_NONE word", raw6(SYS_futex, (long)&word, FUTEX_WAKE_OP, 1, 1, none, 0), EFAULT, 0);
    raw(SYS_munmap, none, PAGE, 0);
    expect_errno("FUTEX_WAIT on an unmapped word", raw6(SYS_futex, 0x10000000, FUTEX_WAIT, 0, (long)&short_wait, 0, 0), EFAULT, 0);
    expect_errno("FUTEX_WAIT on a kernel word", raw6(SYS_futex, (long)0xffff800000000000UL, FUTEX_WAIT, 0, (long)&short_wait, 0, 0), EFAULT, 0);
    expect_errno("FUTEX_WAIT on a misaligned word", raw6(SYS_futex, (long)&word + 1, FUTEX_WAIT, 0, (long)&short_wait, 0, 0), EINVAL, 0);
    expect_errno("FUTEX_WAIT at 0x7ffffffffffc", raw6(SYS_futex, 0x7ffffffffffcL, FUTEX_WAIT, 0, (long)&short_wait, 0, 0), EFAULT, 0);
    struct timespec bad = { 0, 1000000000L };
    expect_errno("FUTEX_WAIT with tv_nsec 1e9", raw6(SYS_futex, (long)&word, FUTEX_WAIT, 0, (long)&bad, 0, 0), EINVAL, 0);
    struct timespec negative = { -1, 0 };
    expect_errno("FUTEX_WAIT with a negative timeout", raw6(SYS_futex, (long)&word, FUTEX_WAIT, 0, (long)&negative, 0, 0), EINVAL, 0);
    expect_errno("FUTEX_REQUEUE to a misaligned word", raw6(SYS_futex, (long)&word, FUTEX_REQUEUE, 1, 1, (long)&word + 2, 0), EINVAL, 0);
    expect_errno("FUTEX_CMP_REQUEUE, negative count", raw6(SYS_futex, (long)&word, FUTEX_CMP_REQUEUE, -1, 1, (long)&word, 0), EINVAL, 0);
    expect_errno("futex(op 99)", raw6(SYS_futex, (long)&word, 99, 0, 0, 0, 0), ENOSYS, 0);
    expect_errno("FUTEX_WAIT_BITSET with bitset 0", raw6(SYS_futex, (long)&word, FUTEX_WAIT_BITSET, 0, 0, 0, 0), EINVAL, 0);
    expect_errno("FUTEX_UNLOCK_PI on an unowned word", raw6(SYS_futex, (long)&word, FUTEX_UNLOCK_PI, 0, 0, 0, 0), EPERM, 0);
}

/* ---- execve limits and an argv that runs into unmapped memory ---- */

static char **exec_argv;
static int exec_child(long envp)
{
    long r = raw(SYS_execve, "/proc/self/exe", exec_argv, envp);
    return r == -E2BIG ? 1 : r == -EFAULT ? 2 : r == -ENOENT ? 3 : 4;
}

static void exec_limits(void)
{
    /* One argument longer than MAX_ARG_STRLEN (32 pages): E2BIG. */
    long big = 32 * PAGE + 16;
    char *huge = (char *)map(0, big + PAGE, PROT_READ | PROT_WRITE, 0);
    if ((long)huge < 0) return;
    memset(huge, 'a', big);
    huge[big] = 0;
    char *argv1[3] = { "x", huge, 0 };
    exec_argv = argv1;
    expect_end("execve(an argument of 128 KiB + 16)", exec_child, 0, 1, 0);
    /* Within Linux's limits, execve works: an argument of 100 KiB, 5,000 arguments, 1.5 MiB
       of environment (the program then ends at once with 5: argv[0] is "x"). */
    huge[100 * 1024] = 0;
    expect_end("execve(an argument of 100 KiB)", exec_child, 0, 5, 0);
    huge[100 * 1024] = 'a';
    {
        long n = 5000;
        char **list = (char **)map(0, (n + 1) * 8, PROT_READ | PROT_WRITE, 0);
        if ((long)list > 0) {
            huge[40] = 0;
            list[0] = "x";
            for (long i = 1; i < n; i++) list[i] = huge;    /* 41 bytes each: 200 KiB */
            list[n] = 0;
            exec_argv = list;
            expect_end("execve(5,000 arguments, 200 KiB)", exec_child, 0, 5, 0);
            huge[40] = 'a';
            huge[100 * 1024] = 0;
            for (long i = 0; i < 15; i++) list[i] = huge;   /* 15 x 100 KiB of environment */
            list[15] = 0;
            char *argv0[2] = { "x", 0 };
            exec_argv = argv0;
            expect_end("execve(1.5 MiB of environment)", exec_child, (long)list, 5, 0);
            for (long i = 0; i < 21; i++) list[i] = huge;   /* 2.1 MiB: past ARG_MAX */
            list[21] = 0;
            expect_end("execve(2.1 MiB of environment)", exec_child, (long)list, 1, 0);
            huge[100 * 1024] = 'a';
            raw(SYS_munmap, (long)list, (n + 1) * 8, 0);
        }
    }
    exec_argv = argv1;
    /* Many small arguments past ARG_MAX (a quarter of the 8 MiB stack limit = 2 MiB). */
    long count = 300000;
    char **many = (char **)map(0, (count + 1) * 8, PROT_READ | PROT_WRITE, 0);
    if ((long)many > 0) {
        huge[64] = 0;
        for (long i = 0; i < count; i++) many[i] = huge;   /* 65 bytes each: 19.5 MiB */
        many[count] = 0;
        exec_argv = many;
        expect_end("execve(300,000 arguments of 64 bytes)", exec_child, 0, 1, 0);
        /* The environment past ARG_MAX too. */
        char *argv0[2] = { "x", 0 };
        exec_argv = argv0;
        expect_end("execve(an environment of 300,000 strings)", exec_child, (long)many, 1, 0);
        raw(SYS_munmap, (long)many, (count + 1) * 8, 0);
    }
    /* An argv array whose pointers run into an unmapped page: EFAULT. */
    char **edge = (char **)map(0, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
    raw(SYS_munmap, (long)edge + PAGE, PAGE, 0);
    for (int i = 0; i < PAGE / 8; i++) edge[i] = "a";
    exec_argv = edge;
    expect_end("execve(argv array running into unmapped)", exec_child, 0, 2, 0);
    /* A pointer in the middle that is bad. */
    edge[0] = "x"; edge[1] = (char *)0x10; edge[2] = 0;
    expect_end("execve(argv with a bad pointer in the middle)", exec_child, 0, 2, 0);
    edge[1] = (char *)0xffff800000000000UL;
    expect_end("execve(argv with a kernel pointer in the middle)", exec_child, 0, 2, 0);
    /* A string crossing into the unmapped page. */
    char *s = (char *)edge + PAGE - 3;
    s[0] = 'a'; s[1] = 'b'; s[2] = 'c';
    char *argv2[3] = { "x", s, 0 };
    exec_argv = argv2;
    expect_end("execve(argument running into unmapped)", exec_child, 0, 2, 0);
    /* A bad path with good arguments: EFAULT; envp at a kernel address: EFAULT. */
    expect_errno("execve(path at the kernel)", raw(SYS_execve, 0xffff800000000000UL, argv1, 0), EFAULT, 0);
    exec_argv = argv1 + 2;
    expect_end("execve(envp at a kernel address)", exec_child, (long)0xffff800000000000UL, 2, 0);
    raw(SYS_munmap, (long)edge, PAGE, 0);
    raw(SYS_munmap, (long)huge, big + PAGE, 0);
}

/* ---- waitid, clone, fcntl locks with junk ---- */

/* A clone that should be refused; one that was not ends its child at once and is reaped. */
static long clone_junk(long flags, long parent_tid)
{
    long r = raw6(SYS_clone, flags, 0, parent_tid, 0, 0, 0);
    if (r == 0) _exit(99);
    if (r > 0) { int status; waitpid((pid_t)r, &status, __WALL); }
    return r;
}

static void junk(void)
{
    siginfo_t info;
    expect_errno("waitid(idtype 7)", raw6(SYS_waitid, 7, 0, (long)&info, WEXITED, 0, 0), EINVAL, 0);
    expect_errno("waitid(no options)", raw6(SYS_waitid, P_ALL, 0, (long)&info, 0, 0, 0), EINVAL, 0);
    expect_errno("waitid(unknown option bits)", raw6(SYS_waitid, P_ALL, 0, (long)&info, WEXITED | 0x100000, 0, 0), EINVAL, 0);
    expect_errno("waitid(P_PID -1)", raw6(SYS_waitid, P_PID, -1, (long)&info, WEXITED, 0, 0), EINVAL, ECHILD);
    expect_errno("waitid(P_PGID -5)", raw6(SYS_waitid, P_PGID, -5, (long)&info, WEXITED, 0, 0), EINVAL, ECHILD);
    expect_errno("waitid(P_PIDFD, bad fd)", raw6(SYS_waitid, 3 /* P_PIDFD */, 999, (long)&info, WEXITED, 0, 0), EBADF, EINVAL);
    expect_errno("waitid(no children)", raw6(SYS_waitid, P_ALL, 0, (long)&info, WEXITED | WNOHANG, 0, 0), ECHILD, 0);
    pid_t child = fork();
    if (child == 0) _exit(3);
    /* A child to reap, a kernel-half info pointer: Linux reaps and answers EFAULT. */
    sleep_ms(50);
    long r = raw6(SYS_waitid, P_PID, child, (long)0xffff800000000000UL, WEXITED, 0, 0);
    expect_errno("waitid(info at the kernel)", r, EFAULT, 0);
    int status;
    waitpid(child, &status, 0);

    expect_errno("clone(CLONE_SIGHAND without CLONE_VM)", clone_junk(CLONE_SIGHAND | SIGCHLD, 0), EINVAL, 0);
    expect_errno("clone(CLONE_THREAD without CLONE_SIGHAND)", clone_junk(CLONE_THREAD | CLONE_VM, 0), EINVAL, 0);
    expect_errno("clone(CLONE_FS|CLONE_NEWUSER)", clone_junk(CLONE_FS | CLONE_NEWUSER | SIGCHLD, 0), EINVAL, 0);
    expect_errno("clone(CLONE_THREAD|CLONE_SIGHAND without CLONE_VM)", clone_junk(CLONE_THREAD | CLONE_SIGHAND, 0), EINVAL, 0);
    expect_errno("clone(CLONE_FS|CLONE_NEWNS)", clone_junk(CLONE_FS | CLONE_NEWNS | SIGCHLD, 0), EINVAL, 0);
    expect_errno("clone(CLONE_PIDFD|CLONE_DETACHED)", clone_junk(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0), EINVAL, 0);
    expect_errno("clone(CLONE_PIDFD|CLONE_PARENT_SETTID, same pointer)", clone_junk(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, (long)&info), EINVAL, 0);

    int f = open("/tmp/attack-edges-lock", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f >= 0) {
        struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = -1, .l_len = 1 };
        expect_errno("F_SETLK(start -1)", raw(SYS_fcntl, f, F_SETLK, &l), EINVAL, 0);
        l.l_start = 10; l.l_len = -20;
        expect_errno("F_SETLK(length reaching below 0)", raw(SYS_fcntl, f, F_SETLK, &l), EINVAL, 0);
        l.l_start = 0x7fffffffffffffffL; l.l_len = 2;
        expect_errno("F_SETLK(start + length overflows)", raw(SYS_fcntl, f, F_SETLK, &l), EOVERFLOW, 0);
        l.l_start = 0; l.l_len = 0; l.l_whence = 7;
        expect_errno("F_SETLK(whence 7)", raw(SYS_fcntl, f, F_SETLK, &l), EINVAL, 0);
        l.l_whence = SEEK_SET; l.l_type = 9;
        expect_errno("F_SETLK(type 9)", raw(SYS_fcntl, f, F_SETLK, &l), EINVAL, 0);
        expect_errno("F_GETLK(type 9)", raw(SYS_fcntl, f, F_GETLK, &l), EINVAL, 0);
        expect_errno("F_SETLK(lock at the kernel)", raw(SYS_fcntl, f, F_SETLK, 0xffff800000000000UL), EFAULT, 0);
        expect_errno("F_GETLK(lock at 0x7ffffffffff8)", raw(SYS_fcntl, f, F_GETLK, 0x7ffffffffff8L), EFAULT, 0);
        l.l_type = F_WRLCK; l.l_pid = 1;
        expect_errno("F_OFD_SETLK(l_pid not 0)", raw(SYS_fcntl, f, F_OFD_SETLK, &l), EINVAL, 0);
        l.l_pid = 0; l.l_whence = SEEK_END; l.l_start = -5; l.l_len = 0;
        expect_errno("F_SETLK(SEEK_END -5 on an empty file)", raw(SYS_fcntl, f, F_SETLK, &l), EINVAL, 0);
        l.l_whence = SEEK_CUR; l.l_start = 0x7fffffffffffffffL; l.l_len = 0;
        lseek(f, 10, SEEK_SET);
        expect_errno("F_SETLK(SEEK_CUR + start overflows)", raw(SYS_fcntl, f, F_SETLK, &l), EOVERFLOW, 0);
        /* (A lock on the very last byte, l_start 2^63 - 1 and l_len 1, is Linux's 0 and
           Aurora's EOVERFLOW: its lock ends are exclusive and cannot name 2^63. Not asked.) */
        l.l_type = F_UNLCK; l.l_start = 0; l.l_len = 0;
        expect_value("F_SETLK(unlock everything)", raw(SYS_fcntl, f, F_SETLK, &l), 0);
        expect_errno("fcntl(cmd 9999)", raw(SYS_fcntl, f, 9999, 0), EINVAL, 0);
        expect_errno("fcntl(F_DUPFD, -1)", raw(SYS_fcntl, f, F_DUPFD, -1), EINVAL, 0);
        expect_errno("fcntl(F_DUPFD, 1 << 20)", raw(SYS_fcntl, f, F_DUPFD, 1 << 20), EINVAL, 0);
        close(f);
        unlink("/tmp/attack-edges-lock");
    }
}

/* ---- ioctl on every kind of descriptor ---- */

/* Requests that take a pointer: with a kernel-half pointer each must be an error on every
   kind of file (EFAULT where the request is served, ENOTTY or EINVAL where it is not). */
static const unsigned long pointer_requests[] = {
    0x5401 /* TCGETS */, 0x5402 /* TCSETS */, 0x5413 /* TIOCGWINSZ */, 0x5414 /* TIOCSWINSZ */,
    0x541B /* FIONREAD */, 0x5421 /* FIONBIO */, 0x5452 /* FIOASYNC */, 0x540F /* TIOCGPGRP */,
    0x5410 /* TIOCSPGRP */, 0x5411 /* TIOCOUTQ */, 0x5429 /* TIOCGSID */, 0x8912 /* SIOCGIFCONF */,
    0x8927 /* SIOCGIFHWADDR */, 0x5412 /* TIOCSTI */, 0x80045430 /* TIOCGPTN */, 0x40045431 /* TIOCSPTLCK */,
};

static void ioctls(void)
{
    int fds[16], n = 0, p[2], sv[2];
    if (pipe(p) == 0) { fds[n++] = p[0]; fds[n++] = p[1]; }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) { fds[n++] = sv[0]; fds[n++] = sv[1]; }
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (udp >= 0) fds[n++] = udp;
    int file = open("/tmp/attack-edges-ioctl", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (file >= 0) fds[n++] = file;
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    if (dir >= 0) fds[n++] = dir;
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) fds[n++] = null;
    int zero = open("/dev/zero", O_RDONLY);
    if (zero >= 0) fds[n++] = zero;
    int proc = open("/proc/self/status", O_RDONLY);
    if (proc >= 0) fds[n++] = proc;
    int epoll = (int)raw(SYS_epoll_create1, 0, 0, 0);
    if (epoll >= 0) fds[n++] = epoll;
    static const long bad[] = { (long)0xffff800000000000UL, (long)0xffffffff80000000UL, 0x800000000000L, TOP - 2 };
    for (int f = 0; f < n; f++) {
        for (unsigned k = 0; k < sizeof pointer_requests / sizeof *pointer_requests; k++) {
            for (unsigned b = 0; b < sizeof bad / sizeof *bad; b++) {
                long r = raw(SYS_ioctl, fds[f], pointer_requests[k], bad[b]);
                if (r == 0) {
                    char what[96];
                    snprintf(what, sizeof what, "ioctl(descriptor %d of %d, 0x%lx, 0x%lx)", f, n, pointer_requests[k], bad[b]);
                    attack_report(what, "an error", r, 0);
                }
            }
        }
        /* Junk requests and arguments: any answer, the kernel keeps running. */
        unsigned long x = 0x9e3779b97f4a7c15UL * (unsigned long)(f + 1);
        for (int k = 0; k < 64; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            unsigned long request = k & 1 ? (x & 0xffffffffUL) : (0x5400 | (x & 0xff));
            long argument = k & 2 ? bad[(x >> 40) % 4] : (long)(x >> 20);
            if (request == 0x5412 || request == 0x5410 || request == 0x5422 || request == 0x540E || request == 0x5437) continue; /* TIOCSTI, TIOCSPGRP, TIOCNOTTY, TIOCSCTTY, TIOCVHANGUP: terminal state, not junk */
            raw(SYS_ioctl, fds[f], request, argument);
        }
        expect_value("FIOCLEX on every kind", raw(SYS_ioctl, fds[f], 0x5451, 0), 0);
    }
    expect_errno("ioctl(closed descriptor)", raw(SYS_ioctl, 999, 0x541B, 0), EBADF, 0);
    for (int f = 0; f < n; f++) close(fds[f]);
    unlink("/tmp/attack-edges-ioctl");
}

/* readv from a pipe or socket holding fewer bytes than the vectors' sum: what is there, at once. */
static int short_readv_child(long socket)
{
    int p[2];
    if (socket ? socketpair(AF_UNIX, SOCK_STREAM, 0, p) != 0 : pipe(p) != 0) return 90;
    write(p[1], "abcd", 4);
    char a[8], b[8];
    struct iovec in[2] = { { a, 8 }, { b, 8 } };
    if (raw(SYS_readv, p[0], in, 2) != 4) return 91;
    struct iovec ones[4] = { { a, 1 }, { a + 1, 1 }, { b, 1 }, { b + 1, 8 } };
    write(p[1], "xyz", 3);
    if (raw(SYS_readv, p[0], ones, 4) != 3) return 92;
    return 0;
}

/* ---- vector I/O from a process with a second thread ---- */

/* With another thread sharing the descriptor table, every descriptor a call looks up is held
   for the call (Linux's fdget): readv and writev with many vectors must not take one hold per
   vector (the kernel has room for a few). */
static volatile int thread_stop;
static int thread_pipe[2];
static void *idle_thread(void *unused)
{
    (void)unused;
    char c;
    read(thread_pipe[0], &c, 1);
    return 0;
}

static void vectors_with_threads(void)
{
    pthread_t thread;
    if (pipe(thread_pipe) != 0 || pthread_create(&thread, 0, idle_thread, 0) != 0) { attack_report("a second thread", "0", -1, errno); return; }
    static char bytes[64], back[64];
    for (int i = 0; i < 64; i++) bytes[i] = (char)('A' + i % 26);
    struct iovec out[64], in[64];
    for (int i = 0; i < 64; i++) { out[i].iov_base = bytes + i; out[i].iov_len = 1; in[i].iov_base = back + 63 - i; in[i].iov_len = 1; }
    int f = open("/tmp/attack-edges-threads", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f >= 0) {
        expect_value("writev(64 vectors) beside a thread", raw(SYS_writev, f, out, 64), 64);
        lseek(f, 0, SEEK_SET);
        expect_value("readv(64 vectors) beside a thread", raw(SYS_readv, f, in, 64), 64);
        expect_value("readv put the bytes in the vectors' order", back[63] == 'A' && back[0] == bytes[63], 1);
        expect_value("pwritev(64 vectors) beside a thread", raw6(SYS_pwritev, f, (long)out, 64, 64, 0, 0), 64);
        expect_value("preadv(64 vectors) beside a thread", raw6(SYS_preadv, f, (long)in, 64, 64, 0, 0), 64);
        close(f);
        unlink("/tmp/attack-edges-threads");
    }
    int p[2];
    if (pipe(p) == 0) {
        expect_value("writev(64 vectors to a pipe) beside a thread", raw(SYS_writev, p[1], out, 64), 64);
        expect_value("readv(64 vectors from a pipe) beside a thread", raw(SYS_readv, p[0], in, 64), 64);
        close(p[0]); close(p[1]);
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        expect_value("writev(64 vectors to a socket) beside a thread", raw(SYS_writev, sv[0], out, 64), 64);
        expect_value("readv(64 vectors from a socket) beside a thread", raw(SYS_readv, sv[1], in, 64), 64);
        struct msghdr m = { 0 };
        m.msg_iov = out; m.msg_iovlen = 64;
        expect_value("sendmsg(64 vectors) beside a thread", raw(SYS_sendmsg, sv[0], &m, 0), 64);
        m.msg_iov = in;
        expect_value("recvmsg(64 vectors) beside a thread", raw(SYS_recvmsg, sv[1], &m, 0), 64);
        close(sv[0]); close(sv[1]);
    }
    /* A path through /proc/self/fd/D twelve times: each crossing reads the descriptor table. */
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
        char path[600];
        int length = snprintf(path, sizeof path, "/proc/self/fd/%d", dir);
        for (int i = 0; i < 11; i++) length += snprintf(path + length, sizeof path - length, "/../proc/self/fd/%d", dir);
        struct stat through, direct;
        long r = raw(SYS_stat, path, &through, 0);
        expect_value("stat(/proc/self/fd/D x 12) beside a thread", r, 0);
        stat("/tmp", &direct);
        expect_value("the path through /proc/self/fd is /tmp", r == 0 && through.st_ino == direct.st_ino, 1);
        r = raw(SYS_readlink, path, back, sizeof back);
        expect_value("readlink(that path): its last link's target, /tmp", r, 4);
        close(dir);
    }
    /* A path through ten other processes' /proc/PID/cwd (each /tmp, each its own block). */
    int hold[2], ready[2];
    pid_t children[10];
    if (pipe(hold) == 0 && pipe(ready) == 0) {
        int made = 0;
        for (; made < 10; made++) {
            children[made] = fork();
            if (children[made] < 0) break;
            if (children[made] == 0) {
                char c;
                close(hold[1]);
                if (chdir("/tmp") != 0) _exit(1);
                write(ready[1], "r", 1);
                read(hold[0], &c, 1);
                _exit(0);
            }
        }
        close(hold[0]);
        close(ready[1]);
        char c;
        for (int i = 0; i < made; i++) read(ready[0], &c, 1);   /* every child has changed directory */
        close(ready[0]);
        char path[600];
        int length = 0;
        for (int i = 0; i < made; i++) length += snprintf(path + length, sizeof path - length, "%s/proc/%d/cwd", i ? "/.." : "", (int)children[i]);
        struct stat through, direct;
        long r = raw(SYS_stat, path, &through, 0);
        expect_value("stat(through ten processes' /proc/PID/cwd)", r, 0);
        stat("/tmp", &direct);
        expect_value("the path through their cwd links is /tmp", r == 0 && through.st_ino == direct.st_ino, 1);
        close(hold[1]);
        for (int i = 0; i < made; i++) { int status; waitpid(children[i], &status, 0); }
    }
    write(thread_pipe[1], "x", 1);
    pthread_join(thread, 0);
    close(thread_pipe[0]); close(thread_pipe[1]);
}

int main(int argc, char **argv)
{
    /* The execve cases must fail; one that runs the program anyway ends at once. */
    if (argc == 0 || strcmp(argv[0], "x") == 0) return 5;
    dprintf(1, "attack_edges: memory top\n");
    top_of_user_range();
    dprintf(1, "attack_edges: the break around mappings\n");
    break_around_mappings();
    dprintf(1, "attack_edges: MAP_FIXED and mremap\n");
    fixed_and_mremap();
    dprintf(1, "attack_edges: signal stacks\n");
    signal_stacks();
    dprintf(1, "attack_edges: MOV SS shadows\n");
#if defined(__x86_64__)
    mov_ss();   /* MOV SS and TF are x86 (arm64 has neither) */
#endif
    dprintf(1, "attack_edges: iovecs\n");
    iovecs();
    dprintf(1, "attack_edges: futex\n");
    futexes();
    dprintf(1, "attack_edges: execve limits\n");
    /* ARG_MAX follows RLIMIT_STACK on Linux (a quarter of it): the default 8 MiB, as Aurora's. */
    struct rlimit stack_limit = { 8 << 20, 8 << 20 };
    getrlimit(RLIMIT_STACK, &stack_limit);
    stack_limit.rlim_cur = 8 << 20;
    setrlimit(RLIMIT_STACK, &stack_limit);
    exec_limits();
    dprintf(1, "attack_edges: waitid, clone, fcntl\n");
    junk();
    dprintf(1, "attack_edges: ioctl on every kind of descriptor\n");
    ioctls();
    /* Last: before its fix this one took the kernel down. */
    dprintf(1, "attack_edges: vector I/O beside a thread\n");
    vectors_with_threads();
    dprintf(1, "attack_edges: %d wrong\n", attack_wrong);
    return attack_wrong > 255 ? 255 : attack_wrong;
}
