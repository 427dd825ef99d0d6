using Aurora.Kernel.Ipc;
using Aurora.Kernel.Files;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// System V IPC with Linux keys (Ipc/Sysv*.cs) and poll/select (Syscalls/PollCalls.cs), each
/// proven by a musl program that gives the same answers on Linux (it prints "N wrong").
/// </summary>
internal static class SysvIpcTests
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
