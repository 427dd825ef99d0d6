/* fork / copy-on-write / exit stress (issue 9, finding 1): 24 processes each fork 40
   short-lived children while all of them write a shared 2 MiB static buffer; every process
   checks what it sees (the content it inherited and its own writes, and that nobody else's
   writes reached it). Variants: nested forks (a child's child's child), short-lived processes
   that exit at once while their siblings write, and parents that exit before their children
   (the orphans report through a shared-memory segment). Several rounds. Exit status 0 when
   every process saw exactly its own data. */
#include "attack_common.h"
#include <sys/shm.h>

#define PAGES 512                   /* 2 MiB */
#define WORDS (4096 / 8)
#define WORKERS 24
#define CHILDREN 40
#define ROUNDS 3
#define ORPHAN_PARENTS 8
#define ORPHANS_EACH 5

static unsigned long buffer[PAGES][WORDS] __attribute__((aligned(4096)));
static unsigned long round_number;

struct report { volatile long orphans_ok, orphans_bad, first_bad_page, first_bad_value; };
static struct report *report;

static unsigned long value(unsigned long who, unsigned long page, unsigned long word)
{
    unsigned long x = (round_number << 48) ^ (who << 32) ^ (page << 12) ^ word;
    x *= 0x9e3779b97f4a7c15UL;
    return x ^ (x >> 29);
}

/* Word 0 and 511 of every page (and one in between): main's pattern; word 1: the worker's
   (its id) on the pages it has written; word 2: each child's own tag on every 7th page (a
   nested child also sees its ancestors' tags). */
struct lineage { int count; unsigned long tags[4]; };

static unsigned long expected_word2(unsigned long page, const struct lineage *line)
{
    unsigned long expected = 0;
    for (int i = 0; i < line->count; i++)
        if (page % 7 == line->tags[i] % 7) expected = value(line->tags[i], page, 2);
    return expected;
}

static int check_page(unsigned long page, unsigned long worker_tag, const struct lineage *line, long *bad_page)
{
    unsigned long *w = buffer[page];
    int bad = 0;
    bad += w[0] != value(0, page, 0);
    bad += w[WORDS - 1] != value(0, page, WORDS - 1);
    bad += w[100 + page % 300] != value(0, page, 100 + page % 300);
    bad += w[1] != (worker_tag ? value(worker_tag, page, 1) : 0);
    bad += w[2] != expected_word2(page, line);
    if (bad && *bad_page < 0) *bad_page = (long)page;
    return bad;
}

static const struct lineage nobody = { 0, { 0 } };

/* A child of worker `worker` that has written pages [0, written): checks all it inherited,
   writes its own tag into every 7th page, checks again; with nested > 0 it forks a child of
   its own, which does the same one level down, before its last check. */
static int child_body(unsigned long worker, unsigned long written, unsigned long tag, struct lineage line, int nested)
{
    long bad_page = -1;
    int bad = 0;
    for (unsigned long p = 0; p < PAGES; p++) bad += check_page(p, p < written ? worker : 0, &line, &bad_page);
    line.tags[line.count++] = tag;
    for (unsigned long p = tag % 7; p < PAGES; p += 7) buffer[p][2] = value(tag, p, 2);
    if (nested > 0) {
        pid_t pid = fork();
        if (pid == 0) _exit(child_body(worker, written, tag + 1, line, nested - 1) != 0);
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) bad++;
    }
    for (unsigned long p = 0; p < PAGES; p++) bad += check_page(p, p < written ? worker : 0, &line, &bad_page);
    if (bad) dprintf(1, "WRONG: round %lu worker %lu child %lu (depth %d): %d bad words, first on page %ld\n", round_number, worker, tag, line.count, bad, bad_page);
    return bad;
}

static int worker_body(unsigned long worker)
{
    int bad = 0;
    unsigned long written = 0, per_child = PAGES / CHILDREN + 1;
    pid_t pending = 0;
    for (int c = 0; c < CHILDREN; c++) {
        unsigned long tag = 100 + (worker * CHILDREN + c) * 4;
        pid_t pid = fork();
        if (pid == 0) _exit(child_body(worker, written, tag, nobody, c % 10 == 9 ? 2 : 0) != 0);
        if (pid < 0) { dprintf(1, "WRONG: round %lu worker %lu: fork %d failed (errno %d)\n", round_number, worker, c, errno); bad++; continue; }
        /* Write while the child runs: whole pages, so each is copied. */
        for (unsigned long k = 0; k < per_child && written < PAGES; k++, written++)
            buffer[written][1] = value(worker, written, 1);
        /* Every third child is left running while the next ones are forked (one at a time,
           so there are at most 49 processes, as in the finding). */
        if (c % 3 == 2) { pid_t older = pending; pending = pid; pid = older; }
        if (pid > 0) {
            int status = 0;
            if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                char s[32];
                dprintf(1, "WRONG: round %lu worker %lu: child %d ended with %s\n", round_number, worker, c, describe_status(status, s, sizeof s));
                bad++;
            }
        }
    }
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) > 0) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char s[32];
            dprintf(1, "WRONG: round %lu worker %lu: a child ended with %s\n", round_number, worker, describe_status(status, s, sizeof s));
            bad++;
        }
    }
    long bad_page = -1;
    int words = 0;
    for (unsigned long p = 0; p < PAGES; p++) words += check_page(p, p < written ? worker : 0, &nobody, &bad_page);
    if (words) dprintf(1, "WRONG: round %lu worker %lu: %d bad words in its own copy, first on page %ld\n", round_number, worker, words, bad_page);
    return bad + (words != 0);
}

static int exit_at_once(long unused) { (void)unused; return 0; }

static void fill(void)
{
    for (unsigned long p = 0; p < PAGES; p++)
        for (unsigned long w = 0; w < WORDS; w++) buffer[p][w] = (w == 1 || w == 2) ? 0 : value(0, p, w);
}

static int orphan_parent(long which)
{
    unsigned long parent = (unsigned long)which;
    for (unsigned long p = 0; p < 64; p++) buffer[p][1] = value(parent + 1, p, 1);
    for (int c = 0; c < ORPHANS_EACH; c++) {
        pid_t pid = fork();
        if (pid == 0) {
            sleep_ms(20 + c * 3);             /* the parent is gone by now */
            unsigned long tag = 5000 + parent * ORPHANS_EACH + c;
            long bad_page = -1;
            int bad = 0;
            for (unsigned long p = tag % 7; p < PAGES; p += 7) buffer[p][2] = value(tag, p, 2);
            struct lineage line = { 1, { tag } };
            for (unsigned long p = 0; p < PAGES; p++) bad += check_page(p, p < 64 ? parent + 1 : 0, &line, &bad_page);
            if (bad) { __sync_fetch_and_add(&report->orphans_bad, 1); report->first_bad_page = bad_page; }
            else __sync_fetch_and_add(&report->orphans_ok, 1);
            _exit(0);
        }
    }
    return 0;   /* exits before its children */
}

int main(void)
{
    long id = syscall(SYS_shmget, 0, 4096, 0);
    report = id >= 0 ? (struct report *)syscall(SYS_shmat, id, 0, 0) : 0;
    if (id < 0 || (long)report <= 0) { dprintf(1, "attack_fork: no shared memory\n"); return 2; }
    syscall(SYS_shmctl, id, IPC_RMID, 0);   /* System V: freed with the last detach, whatever happens */
    pid_t workers[WORKERS];
    for (round_number = 1; round_number <= ROUNDS; round_number++) {
        fill();
        for (unsigned long w = 0; w < WORKERS; w++) {
            workers[w] = fork();
            if (workers[w] == 0) _exit(worker_body(w + 1) != 0);
            if (workers[w] < 0) attack_report("fork a worker", "a pid", workers[w], errno);
            /* Short-lived siblings that exit at once while the others write. */
            int status;
            if (w % 4 == 0) run_child(exit_at_once, 0, 5000, &status);
        }
        for (unsigned long w = 0; w < WORKERS; w++) {
            int status = 0;
            if (workers[w] <= 0) continue;
            int how = wait_with_deadline(workers[w], 120000, 3000, &status);
            if (how != CHILD_EXITED || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                char s[32], what[64];
                snprintf(what, sizeof what, "round %lu worker %lu (%s)", round_number, w + 1, how == CHILD_EXITED ? "ended" : "hung");
                attack_report(what, "exit 0", status, 0);
                dprintf(1, "  ... it ended with %s\n", describe_status(status, s, sizeof s));
            }
        }
        long bad_page = -1;
        int words = 0;
        for (unsigned long p = 0; p < PAGES; p++) words += check_page(p, 0, &nobody, &bad_page);
        if (words) dprintf(1, "WRONG: round %lu: main's copy has %d bad words, first on page %ld\n", round_number, words, bad_page);
        attack_wrong += words != 0;
        dprintf(1, "attack_fork: round %lu: %d workers x %d children done, %d wrong so far\n", round_number, WORKERS, CHILDREN, attack_wrong);
    }

    /* Parents that exit before their children. */
    round_number = ROUNDS + 1;
    fill();
    for (unsigned long p = 0; p < ORPHAN_PARENTS; p++) {
        int status;
        int how = run_child(orphan_parent, (long)p, 10000, &status);
        expect_true("an orphans' parent exited at once", how == CHILD_EXITED && WIFEXITED(status) && WEXITSTATUS(status) == 0, status);
    }
    for (int waited = 0; waited < 10000 && report->orphans_ok + report->orphans_bad < ORPHAN_PARENTS * ORPHANS_EACH; waited += 10) sleep_ms(10);
    if (report->orphans_ok != ORPHAN_PARENTS * ORPHANS_EACH) {
        char what[96];
        snprintf(what, sizeof what, "orphans that saw their data (bad %ld, first bad page %ld)", report->orphans_bad, report->first_bad_page);
        attack_report(what, "40", report->orphans_ok, 0);
    }
    syscall(SYS_shmdt, report);
    dprintf(1, "attack_fork: %d rounds of %d x %d, nested forks, orphans: %d wrong\n", ROUNDS, WORKERS, CHILDREN, attack_wrong);
    return attack_wrong;
}
