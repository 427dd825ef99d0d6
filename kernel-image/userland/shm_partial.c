// A System V segment whose attachment the program has cut up (munmap of a page, mprotect of
// another, mmap MAP_FIXED over a third) must stay alive for the pages still mapped, and must
// be freed once, when the last of them goes. Before the fix the segment's frames were freed
// by the detach at exit while pages were still mapped; tearing the space down freed them a
// second time and the kernel panicked ("page-table frame free failed: frame already free",
// the syscall fuzzer's crash). Children do the cutting and exit; the parent reaps them.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define PAGES 4

static int wrong;

static void expect(const char *what, long expected, long actual)
{
    if (expected == actual) return;
    printf("shm_partial: %s: expected %ld, got %ld\n", what, expected, actual);
    wrong++;
}

// In a child: attach, fill, mark for removal, cut the attachment as `how` says, check the
// pages left, then end (exit detaches; with IPC_RMID the segment goes with its last page).
static int child(int how)
{
    int id = shmget(IPC_PRIVATE, PAGES * PAGE, IPC_CREAT | 0600);
    if (id < 0) return 10;
    unsigned char *at = shmat(id, 0, 0);
    if (at == (void *)-1) return 11;
    for (int i = 0; i < PAGES; i++) memset(at + i * PAGE, 0x40 + i, PAGE);
    if (shmctl(id, IPC_RMID, 0) != 0) return 12;

    int first = 1; // the first page still mapped
    if (how == 0 || how == 3)
    {
        if (munmap(at, PAGE) != 0) return 13; // the attachment no longer starts at `at`
    }
    if (how == 1)
    {
        if (mprotect(at + PAGE, PAGE, PROT_READ) != 0) return 14; // split in three
        first = 0;
    }
    if (how == 2)
    {
        void *over = mmap(at, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (over != at) return 15;
    }
    for (int i = first; i < PAGES; i++)
    {
        if (at[i * PAGE] != 0x40 + i || at[i * PAGE + PAGE - 1] != 0x40 + i) return 16;
    }
    if (how == 3)
    {
        // A fork shares the rest; the child's exit must not free what the parent still maps.
        pid_t pid = fork();
        if (pid == 0) _exit(at[PAGE] == 0x41 ? 0 : 1);
        int status = -1;
        if (waitpid(pid, &status, 0) != pid || status != 0) return 17;
        at[2 * PAGE] = 0x77;
        if (at[2 * PAGE] != 0x77 || at[3 * PAGE] != 0x43) return 18;
    }
    return 0;
}

int main(void)
{
    static const char *names[] = {
        "munmap of the first page", "mprotect split", "mmap MAP_FIXED over the first page", "munmap + fork",
    };
    for (int round = 0; round < 3; round++)
    {
        for (int how = 0; how < 4; how++)
        {
            pid_t pid = fork();
            if (pid < 0)
            {
                expect("fork", 0, errno);
                continue;
            }
            if (pid == 0) _exit(child(how));
            int status = -1;
            expect("waitpid", pid, waitpid(pid, &status, 0));
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            {
                printf("shm_partial: %s (round %d): child status 0x%x\n", names[how], round, status);
                wrong++;
            }
        }
    }

    // The same in this process, whose exit (the test's wait) frees the rest.
    int id = shmget(IPC_PRIVATE, PAGES * PAGE, IPC_CREAT | 0600);
    unsigned char *at = shmat(id, 0, 0);
    expect("shmat", 1, at != (void *)-1);
    if (at != (void *)-1)
    {
        at[PAGE] = 9;
        expect("shmctl IPC_RMID", 0, shmctl(id, IPC_RMID, 0));
        expect("munmap", 0, munmap(at, PAGE));
        expect("page 1 kept", 9, at[PAGE]);
    }

    printf("shm_partial: %d wrong\n", wrong);
    return wrong != 0;
}
