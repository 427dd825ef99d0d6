using Aurora.Kernel.Hal;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Memory mappings beyond anonymous private memory (issue 11, item 3) and the memory
/// accounting requirement: each program gives the same answers on a Linux host, and every
/// frame and heap block must be back once it has been reaped (RunProgram's checkMemory).
/// </summary>
internal static class MappingTests
{
    /// <summary>1000 cycles of fork, execve of busybox's `true` and wait4 (userland/exec_cycles.c):
    /// every cycle builds and frees a whole glibc process, and afterwards every frame and heap
    /// block is back.</summary>
    internal static void ExecCyclesGiveEveryFrameBack()
    {
        ulong start = Hal.Timer.Ticks();
        int status = ProcessTests.RunProgram("exec_cycles.elf", checkMemory: true);
        Log.Write("  1000 fork+exec+exit cycles took ");
        Log.WriteDecimal((long)(Hal.Timer.Ticks() - start));
        Log.WriteLine(" ms");
        Check(ProcessTests.OutputHas("exec_cycles: 1000 ok, 0 wrong"), "not every cycle ended with status 0");
        CheckEqual(0, status, "exec_cycles exit status");
    }

    /// <summary>mremap (grow in place, move, MREMAP_FIXED, shrink), madvise (DONTNEED reads
    /// back zero, also after fork), msync and mincore, with hostile arguments
    /// (userland/vm_calls.c, the same answers on Linux).</summary>
    internal static void RemapAdviseSyncFollowLinux()
    {
        int status = ProcessTests.RunProgram("vm_calls.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("vm_calls: 0 wrong"), "an answer differs from Linux's (lines above)");
        CheckEqual(0, status, "vm_calls exit status");
    }

    /// <summary>mmap of files and shared memory (userland/mmap_files.c, the same answers on
    /// Linux): MAP_PRIVATE (the file's pages copy-on-write, a write(2) seen until the page is
    /// copied, zeros past the end, SIGBUS past the last page), MAP_SHARED of a tmpfs file (one
    /// set of pages for the mapping, read/write, a forked child and another process's own
    /// mapping; alive after close and unlink; mremap), MAP_SHARED anonymous memory across fork,
    /// a private map of the read-only image, and Linux's errno for hostile requests. Every
    /// frame comes back afterwards, the shared ones included.</summary>
    internal static void FilesAndSharedMemoryMapLikeLinux()
    {
        int status = ProcessTests.RunProgram("mmap_files.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("mmap_files: 0 wrong"), "an answer differs from Linux's (lines above)");
        CheckEqual(0, status, "mmap_files exit status");
    }
}
