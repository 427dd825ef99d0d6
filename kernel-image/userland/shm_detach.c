// shmdt of an attachment the program has cut into pieces: Linux (ipc/shm.c, ksys_shmdt)
// unmaps every piece of the segment still at its place from the attach address up to the
// segment's size, whatever mprotect split or munmap took; a mapping the program put in a hole
// stays, and so does another attachment of the same segment just above. shmdt at an address
// where no piece of an attachment starts, or of an attachment entirely unmapped, is EINVAL.
// Before the fix Aurora unmapped only the region at the attach address: after an mprotect
// split the later pieces stayed mapped, after munmap of the first page nothing was unmapped.
// Mapped or not is asked of mincore (ENOMEM for an unmapped page).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#define PAGE 4096
#define PAGES 4

static int wrong;

static void expect(const char *what, long expected, long actual)
{
    if (expected == actual) return;
    printf("shm_detach: %s: expected %ld, got %ld\n", what, expected, actual);
    wrong++;
}

// 0 when the page is mapped, else -errno (ENOMEM: not mapped).
static long mapped(void *page)
{
    unsigned char vector;
    return mincore(page, PAGE, &vector) == 0 ? 0 : -errno;
}

static void expect_pages(const char *what, unsigned char *at, const long *states)
{
    for (int i = 0; i < PAGES; i++)
    {
        char text[160];
        snprintf(text, sizeof text, "%s: page %d mapped (0) or not (-ENOMEM)", what, i);
        expect(text, states[i], mapped(at + i * PAGE));
    }
}

static long detach(void *at) { return shmdt(at) == 0 ? 0 : -errno; }

// A segment attached at a place of our choosing (a reservation first, so SHM_REMAP is safe).
static unsigned char *attach(int id, unsigned char *where)
{
    void *at = shmat(id, where, where ? SHM_REMAP : 0);
    return at == (void *)-1 ? 0 : at;
}

static long attachments(int id)
{
    struct shmid_ds status;
    return shmctl(id, IPC_STAT, &status) == 0 ? (long)status.shm_nattch : -errno;
}

int main(void)
{
    static const long gone[PAGES] = {-ENOMEM, -ENOMEM, -ENOMEM, -ENOMEM};
    static const long all[PAGES] = {0, 0, 0, 0};
    int id = shmget(IPC_PRIVATE, PAGES * PAGE, IPC_CREAT | 0600);
    expect("shmget", 1, id >= 0);
    if (id < 0) return 1;

    // 1. Split in three by mprotect: every piece goes.
    unsigned char *at = attach(id, 0);
    expect("shmat", 1, at != 0);
    if (at)
    {
        memset(at, 7, PAGES * PAGE);
        expect("mprotect of page 1", 0, mprotect(at + PAGE, PAGE, PROT_READ) == 0 ? 0 : -errno);
        expect("shmdt of a split attachment", 0, detach(at));
        expect_pages("after shmdt of a split attachment", at, gone);
        expect("attachments after shmdt", 0, attachments(id));
    }

    // 2. The first page unmapped: the rest still goes, and the attach address still names it.
    at = attach(id, 0);
    expect("shmat 2", 1, at != 0);
    if (at)
    {
        expect("munmap of page 0", 0, munmap(at, PAGE) == 0 ? 0 : -errno);
        expect("mprotect of page 2", 0, mprotect(at + 2 * PAGE, PAGE, PROT_READ) == 0 ? 0 : -errno);
        expect("shmdt without its first page", 0, detach(at));
        expect_pages("after shmdt without its first page", at, gone);
    }

    // 3. Something else mapped in a hole stays; shmdt at a piece's own start is EINVAL.
    at = attach(id, 0);
    expect("shmat 3", 1, at != 0);
    if (at)
    {
        expect("munmap of page 1", 0, munmap(at + PAGE, PAGE) == 0 ? 0 : -errno);
        void *other = mmap(at + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        expect("mmap into the hole", (long)(at + PAGE), (long)other);
        expect("shmdt at the second piece's start", -EINVAL, detach(at + 2 * PAGE));
        expect_pages("after a refused shmdt", at, all);
        expect("shmdt around a foreign mapping", 0, detach(at));
        static const long left[PAGES] = {-ENOMEM, 0, -ENOMEM, -ENOMEM};
        expect_pages("after shmdt around a foreign mapping", at, left);
        munmap(at + PAGE, PAGE);
    }

    // 4. Every piece unmapped already: nothing to detach, EINVAL.
    at = attach(id, 0);
    expect("shmat 4", 1, at != 0);
    if (at)
    {
        expect("mprotect of page 3", 0, mprotect(at + 3 * PAGE, PAGE, PROT_READ) == 0 ? 0 : -errno);
        expect("munmap of everything", 0, munmap(at, PAGES * PAGE) == 0 ? 0 : -errno);
        expect("shmdt of an unmapped attachment", -EINVAL, detach(at));
        expect("shmdt again", -EINVAL, detach(at));
    }

    // 5. The same segment attached twice, back to back, both split: only the first goes.
    unsigned char *room = mmap(0, 2 * PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    expect("mmap of room for two", 1, room != MAP_FAILED);
    if (room != MAP_FAILED)
    {
        unsigned char *first = attach(id, room), *second = attach(id, room + PAGES * PAGE);
        expect("shmat at the first place", (long)room, (long)first);
        expect("shmat at the second place", (long)(room + PAGES * PAGE), (long)second);
        if (first && second)
        {
            expect("mprotect across both", 0, mprotect(first + 2 * PAGE, 4 * PAGE, PROT_READ) == 0 ? 0 : -errno);
            expect("shmdt of the first", 0, detach(first));
            expect_pages("the first after its shmdt", first, gone);
            expect_pages("the second after the first's shmdt", second, all);
            expect("the second still reads the segment", 7, second[3 * PAGE]);
            expect("shmdt of the second", 0, detach(second));
            expect_pages("the second after its shmdt", second, gone);
        }
        munmap(room, 2 * PAGES * PAGE);
    }

    expect("attachments at the end", 0, attachments(id));
    expect("shmctl IPC_RMID", 0, shmctl(id, IPC_RMID, 0) == 0 ? 0 : -errno);
    expect("shmdt of 0", -EINVAL, detach(0));
    printf("shm_detach: %d wrong\n", wrong);
    return wrong != 0;
}
