using Aurora.Kernel.Ipc;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Syscalls;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// System V IPC with Linux keys (Ipc/Sysv*.cs) and poll/select (Syscalls/PollCalls.cs), each
/// proven by a musl program that gives the same answers on Linux (it prints "N wrong").
/// </summary>
internal static unsafe class SysvIpcTests
{
    /// <summary>Message queues, shared memory and semaphores named by keys between processes:
    /// creation flags, ipc_perm, stale ids, msgtyp, blocking calls woken by another process,
    /// by a signal (EINTR) and by removal (EIDRM), SEM_UNDO at exit, a segment across fork and
    /// past IPC_RMID; every object, frame and heap block back afterwards.</summary>
    internal static void SysvIpcFollowsLinux()
    {
        int status = ProcessTests.RunProgram("sysv_ipc.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("sysv_ipc: 0 wrong"), "a System V IPC call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(0, SysvMessages.Live + SysvSegments.Live + SysvSemaphores.Live, "System V objects left behind");
    }

    /// <summary>A segment's attachment cut up by munmap, mprotect or mmap MAP_FIXED
    /// (userland/shm_partial.c): the pages left stay usable, across fork too, and the segment's
    /// frames are freed once, with its last mapped page. Its frames used to be freed by the
    /// detach at exit while pages were still mapped, and freed again by the address space's
    /// teardown in wait4 (panic "page-table frame free failed: frame already free", found by
    /// attack.syscall_fuzzer attack-seed=0x1234).</summary>
    internal static void SegmentOutlivesItsCutUpAttachment()
    {
        int status = ProcessTests.RunProgram("shm_partial.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("shm_partial: 0 wrong"), "a cut-up attachment lost pages (its line says which)");
        CheckEqual(0, status, "shm_partial wait status");
        CheckEqual(0, SysvSegments.Live, "System V segments left behind");
    }

    /// <summary>userland/shm_detach.c: shmdt unmaps every piece of an attachment that mprotect
    /// split or munmap cut, from the attach address up to the segment's size, and nothing
    /// else (Linux's ksys_shmdt); EINVAL when no piece is left. Before the fix only the region
    /// at the attach address went. 0 wrong on Linux.</summary>
    internal static void ShmdtRemovesEveryPiece()
    {
        int status = ProcessTests.RunProgram("shm_detach.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("shm_detach: 0 wrong"), "shmdt left or took the wrong pages (its line says which)");
        CheckEqual(0, status, "shm_detach wait status");
        CheckEqual(0, SysvSegments.Live, "System V segments left behind");
    }

    /// <summary>The sandbox's check point (issue 15): a process marked AmbientIpcDenied gets
    /// EPERM from every System V call before anything is looked at (a record with no address
    /// space stands in for it: no call may reach its memory), and an unmarked one passes.</summary>
    internal static void SysvAmbientAccessCanBeDenied()
    {
        // On the heap: a process record is too big for a kernel stack frame.
        var p = (Process*)Memory.KernelMemory.Allocate((nuint)sizeof(Process));
        Check(p != null, "no memory for the stand-in process");
        if (p == null) return;
        *p = default;
        p->AmbientIpcDenied = true;
        long eperm = -Errno.EPERM;
        CheckEqual(eperm, SysvIpcCalls.MessageGet(p, 0, 0x200 | 0x180), "msgget");
        CheckEqual(eperm, SysvIpcCalls.MessageSend(p, 0, 0x1000, 8, 0), "msgsnd");
        CheckEqual(eperm, SysvIpcCalls.MessageReceive(p, 0, 0x1000, 8, 0, 0), "msgrcv");
        CheckEqual(eperm, SysvIpcCalls.MessageControl(p, 0, 2, 0x1000), "msgctl");
        CheckEqual(eperm, SysvIpcCalls.SegmentGet(p, 0, 4096, 0x200 | 0x180), "shmget");
        CheckEqual(eperm, SysvIpcCalls.SegmentAttach(p, 0, 0, 0), "shmat");
        CheckEqual(eperm, SysvIpcCalls.SegmentDetach(p, 0x1000), "shmdt");
        CheckEqual(eperm, SysvIpcCalls.SegmentControl(p, 0, 2, 0x1000), "shmctl");
        CheckEqual(eperm, SysvIpcCalls.SemaphoreGet(p, 0, 1, 0x200 | 0x180), "semget");
        CheckEqual(eperm, SysvIpcCalls.SemaphoreOperate(p, 0, 0x1000, 1, 0), "semop");
        CheckEqual(eperm, SysvIpcCalls.SemaphoreOperate(p, 0, 0x1000, 1, 0x2000), "semtimedop");
        CheckEqual(eperm, SysvIpcCalls.SemaphoreControl(p, 0, 0, 12, 0), "semctl");
        CheckEqual(0, SysvMessages.Live + SysvSegments.Live + SysvSemaphores.Live, "objects made by a denied process");
        p->AmbientIpcDenied = false;
        CheckEqual(0, SysvIpc.CheckAmbientAccess(p), "an unmarked process passes the check point");
        Memory.KernelMemory.Free(p);
    }

    /// <summary>The limits answer with Linux's errno: 64 queues, sets and segments (ENOSPC for
    /// the next, as MSGMNI/SEMMNI/SHMMNI), SHMALL (ENOSPC), SHMMAX and SEMMSL (EINVAL); after
    /// removal the tables take new objects again and every heap block is back. (Linux's tables
    /// are too big to fill in a host test, so this one runs in the kernel only, with a stand-in
    /// process: none of these calls touches user memory.)</summary>
    internal static void SysvTablesFillToEnospc()
    {
        var p = (Process*)Memory.KernelMemory.Allocate((nuint)sizeof(Process));
        Check(p != null, "no memory for the stand-in process");
        if (p == null) return;
        *p = default;
        ulong liveBefore = Memory.KernelMemory.Heap.Statistics.LiveBlocks - 1;
        const int Create = 0x200 | 0x180, Remove = 0;
        long* ids = stackalloc long[SysvIdTable.Capacity];
        for (int kind = 0; kind < 3; kind++)
        {
            int made = 0;
            for (int i = 0; i < SysvIdTable.Capacity; i++)
            {
                ids[i] = kind == 0 ? SysvIpcCalls.MessageGet(p, 0, Create)
                    : kind == 1 ? SysvIpcCalls.SemaphoreGet(p, 0, 1, Create)
                    : SysvIpcCalls.SegmentGet(p, 0, 4096, Create);
                if (ids[i] >= 0) made++;
            }

            CheckEqual(SysvIdTable.Capacity, made, "objects made before the table is full");
            long next = kind == 0 ? SysvIpcCalls.MessageGet(p, 0, Create)
                : kind == 1 ? SysvIpcCalls.SemaphoreGet(p, 0, 1, Create)
                : SysvIpcCalls.SegmentGet(p, 0, 4096, Create);
            CheckEqual(-Errno.ENOSPC, next, "one more when the table is full");
            for (int i = 0; i < SysvIdTable.Capacity; i++)
            {
                if (ids[i] < 0) continue;
                long removed = kind == 0 ? SysvIpcCalls.MessageControl(p, (int)ids[i], Remove, 0)
                    : kind == 1 ? SysvIpcCalls.SemaphoreControl(p, (int)ids[i], 0, Remove, 0)
                    : SysvIpcCalls.SegmentControl(p, (int)ids[i], Remove, 0);
                CheckEqual(0, removed, "IPC_RMID");
            }
        }

        CheckEqual(-Errno.EINVAL, SysvIpcCalls.SegmentGet(p, 0, SysvSegments.MaxSize + 1, Create), "shmget above SHMMAX");
        long big = SysvIpcCalls.SegmentGet(p, 0, SysvSegments.MaxTotalPages * 4096, Create);
        Check(big >= 0, "a segment of all of SHMALL");
        CheckEqual(-Errno.ENOSPC, SysvIpcCalls.SegmentGet(p, 0, 4096, Create), "shmget beyond SHMALL");
        if (big >= 0) SysvIpcCalls.SegmentControl(p, (int)big, Remove, 0);
        CheckEqual(-Errno.EINVAL, SysvIpcCalls.SemaphoreGet(p, 0, SysvSemaphores.MaxPerSet + 1, Create), "semget above SEMMSL");
        long again = SysvIpcCalls.MessageGet(p, 0, Create);
        Check(again >= 0, "a queue again after the removals");
        if (again >= 0) SysvIpcCalls.MessageControl(p, (int)again, Remove, 0);
        CheckEqual(0, SysvMessages.Live + SysvSegments.Live + SysvSemaphores.Live, "objects left");
        Memory.KernelMemory.Free(p);
        CheckEqual((long)liveBefore, (long)Memory.KernelMemory.Heap.Statistics.LiveBlocks, "live kernel heap blocks afterwards");
    }

    /// <summary>The console's readiness: poll on descriptor 0 finds nothing typed (timeout 0),
    /// then sleeps on the console's readers' queue until a line typed through the UART's
    /// loopback (or by the host: ConsoleTyping) wakes it with POLLIN, and the read gets the line.</summary>
    internal static void PollWakesOnConsoleInput()
    {
        int status = ProcessTests.RunProgram("poll_console.elf", checkMemory: true, &TypeALine);
        Check(ProcessTests.OutputHas("poll_console: before 0, after 1, revents 0x1, read 3, woken by the line 1"), "poll on the console did not see the typed line");
        CheckEqual(0, status, "exit status");
    }

    private static void TypeALine()
    {
        Tasks.Scheduler.Sleep(300); // the program is asleep in poll by now
        Check(ConsoleTyping.TypeHi("poll.poll_wakes_on_console_input"), "no line was typed on the console");
    }

    /// <summary>poll, ppoll, select and pselect6 over pipes, files, a UDP socket and the
    /// console: readiness bits, POLLHUP/POLLERR, waits woken by another process, timeouts and
    /// the time left, signals and the calls' own masks, POLLNVAL and EBADF.</summary>
    internal static void PollAndSelectFollowLinux()
    {
        int before = PipeFile.Live;
        int status = ProcessTests.RunProgram("poll.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("poll: 0 wrong"), "a poll or select call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        Check(PipeFile.Live == before, "a pipe outlived its last descriptor");
    }
}
