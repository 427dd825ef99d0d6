using Aurora.Kernel.Memory;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Reserved memory and the out-of-memory outcome (issue 12, item 2; docs/security.md, "Memory:
/// overcommit and out of memory"). Both programs give the same answers on a Linux host, and
/// every frame and heap block must be back once they have been reaped (RunProgram's
/// checkMemory compares the frame allocator's free count before and after, exactly).
/// </summary>
internal static class ReserveTests
{
    /// <summary>userland/reserve.c: a 1&lt;&lt;44 PROT_NONE reservation and a 256 GiB one move the
    /// free-frame count (sysinfo's freeram is the frame allocator's) by fewer than 64 pages and
    /// go away at once; a read-write slice fills in on touch; sparse touches, MADV_DONTNEED
    /// and MADV_FREE, fork after sparse touches, mremap growth, RLIMIT_AS (ENOMEM), hostile
    /// ranges; a process killed while it reserves and releases 16 TiB in a loop is gone in
    /// under a second.</summary>
    internal static void ReservationsCostNothingUntilTouched()
    {
        int status = ProcessTests.RunProgram("reserve.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("reserve: 0 wrong"), "an answer differs from Linux's (lines above)");
        CheckEqual(0, status, "reserve exit status");
    }

    /// <summary>userland/mlock.c: mlock, mlock2, munlock, mlockall, munlockall answer as Linux
    /// (as root): pages resident after mlock, not after MLOCK_ONFAULT, ENOMEM for holes and
    /// PROT_NONE, EINVAL for flags and wrapping ranges. .NET's NativeAOT runtime needs mlock.</summary>
    internal static void MemoryLocksFollowLinux()
    {
        int status = ProcessTests.RunProgram("mlock.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("mlock: 0 wrong"), "an answer differs from Linux's (lines above)");
        CheckEqual(0, status, "mlock exit status");
    }

    /// <summary>userland/oom.c: a child that touches four times the machine's memory (256 MiB in
    /// the test VM) is killed with SIGKILL when only the kernel's reserve is left; a bystander
    /// keeps its memory; the kernel goes on, and every frame comes back.</summary>
    internal static void OutOfMemoryKillsTheOffenderAlone()
    {
        int status = ProcessTests.RunProgram("oom.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("oom: 0 wrong"), "the out-of-memory outcome differs (lines above)");
        CheckEqual(0, status, "oom exit status");
        Check(KernelMemory.Frames.FreeFrames > KernelMemory.UserReserveFrames, "the frames did not come back after the hog");
    }
}
