using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>Security issue 9, findings 7 and 8: per-account shares of every global table
/// (tokens, queues, segments, sockets, processes through RLIMIT_NPROC), the rlimit calls, a
/// tmpfs cap below real memory, and syscall filters that cover rt_sigreturn and children. Each
/// runs real musl programs (kernel-image/userland/limits.c, limits_peer.c, rlimits.c,
/// fill_tmpfs.c, filter_inherit.c); each check prints the expected and the actual value.</summary>
internal static unsafe class LimitTests
{
    private static byte* s_output;
    private static int s_outputLength;

    private static ReadOnlySpan<byte> Output => new ReadOnlySpan<byte>(s_output, s_outputLength);

    private static Process* Start(string name)
    {
        ref Boot.BootInfo info = ref KernelMain.BootInfo;
        int module = info.FindModule(name);
        Check(module >= 0, "the program is not among the boot modules");
        if (module < 0) return null;
        var program = new ReadOnlySpan<byte>((byte*)(info.ModulePhysical[module] + info.DirectMapOffset), (int)info.ModuleSize[module]);
        Process* process = Process.Start(program, info.ModuleName(module), out LoadError error);
        Check(process != null && error == LoadError.None, "the program did not load");
        return process;
    }

    /// <summary>Waits for the process; its wait status, with its output in <see cref="Output"/>.</summary>
    private static int Finish(Process* process)
    {
        if (s_output == null) s_output = (byte*)KernelMemory.Allocate(Process.OutputCapacity);
        return Process.Wait(process, new Span<byte>(s_output, Process.OutputCapacity), out s_outputLength);
    }

    private static bool OutputContains(string text)
    {
        ReadOnlySpan<byte> output = Output;
        for (int start = 0; start + text.Length <= output.Length; start++)
        {
            bool match = true;
            for (int i = 0; i < text.Length && match; i++) match = output[start + i] == text[i];
            if (match) return true;
        }

        return false;
    }

    private static ulong FramesNotInUse() =>
        KernelMemory.Frames.FreeFrames + (KernelMemory.Heap.Statistics.BytesFromPageSource / 4096);

    /// <summary>The limits.elf tree fills its share of tokens (256), queues (64), segments (64)
    /// and sockets (a quarter of the memory-sized table, thousands) from a few children — each stops with ENOSPC, EMFILE (RLIMIT_NOFILE) or
    /// ENOBUFS — and holds them while limits_peer.elf, another tree, gets its own full share of
    /// each and can fork. Afterwards every account is empty and every frame is back.</summary>
    internal static void TablesHavePerAccountShares()
    {
        ulong freeBefore = FramesNotInUse();
        Process* hog = Start("limits.elf");
        Process* peer = Start("limits_peer.elf");
        if (hog == null || peer == null) return;
        int hogAccount = ResourceLimits.AccountOf(hog->CapsHandle), peerAccount = ResourceLimits.AccountOf(peer->CapsHandle);
        Check(hogAccount != peerAccount, "two programs the kernel started share an account");
        int peerStatus = Finish(peer);
        bool peerOk = OutputContains("limits peer: 0 wrong");
        int hogStatus = Finish(hog);
        CheckShown("limits_peer.elf wait status", 0, peerStatus);
        Check(peerOk, "the peer did not get its full share of every table");
        CheckShown("limits.elf wait status", 0, hogStatus);
        Check(OutputContains("limits: tree holds its shares") && OutputContains("limits: 0 wrong"), "a table's share in the filling tree was wrong");
        Ipc.Capabilities.Lock();
        Aurora.Caps.AccountUsage usage = Ipc.Capabilities.Space.UsageOf(hogAccount);
        Ipc.Capabilities.Unlock();
        CheckShown("tokens still charged to the filling tree", 0, usage.Tokens);
        CheckShown("queues still charged to the filling tree", 0, usage.Queues + usage.Segments);
        CheckShown("processes left in the filling tree", 0, ResourceLimits.ProcessCount(hogAccount));
        CheckShown("sockets left in the filling tree", 0, ResourceLimits.SocketCount(hogAccount));
        CheckShown("frames not back", 0, (long)freeBefore - (long)FramesNotInUse());
    }

    /// <summary>getrlimit/setrlimit/prlimit64 answers (defaults, EINVAL, EFAULT, EPERM, ESRCH,
    /// inheritance, prlimit64 on a child), a lowered RLIMIT_NPROC, then a fork bomb: its tree
    /// never has more than RLIMIT_NPROC (64) processes, every refused fork is EAGAIN, another
    /// program forks meanwhile, and all comes back.</summary>
    internal static void RlimitNprocStopsAForkBomb()
    {
        ulong freeBefore = FramesNotInUse();
        Process* bomb = Start("rlimits.elf");
        if (bomb == null) return;
        int account = ResourceLimits.AccountOf(bomb->CapsHandle);
        int most = 0;
        int steady = 0;
        // Watch the tree's process count until it has stayed at its peak for 0.5 s (at most 30 s).
        for (int waited = 0; waited < 30_000 && steady < 50; waited += 10)
        {
            Tasks.Scheduler.Sleep(10);
            int now = ResourceLimits.ProcessCount(account);
            if (now > most) { most = now; steady = 0; }
            else if (most >= 64) steady++;
        }

        CheckShown("most processes the fork bomb's tree ever had (RLIMIT_NPROC)", 64, most);
        // Another tree still forks while the bomb holds its 64.
        int status = ProcessTests.RunProgram("fork.elf", checkMemory: false);
        CheckShown("fork.elf (another tree) during the bomb, wait status", 0, status);
        Check(ProcessTests.OutputHas("fork: 0 failures"), "fork.elf failed while the bomb held its share");
        CheckShown("processes in the bomb's tree after the other program", 64, ResourceLimits.ProcessCount(account));
        FileSystem.Lock();
        FileTable files = default;
        long fd = FileSystem.Vfs.Open(ref files, "/tmp/bomb-release"u8, OpenFlags.WriteOnly | OpenFlags.Create, 0x1A4);
        if (fd >= 0) FileSystem.Vfs.Close(ref files, (int)fd);
        FileSystem.Unlock();
        status = Finish(bomb);
        CheckShown("rlimits.elf wait status", 0, status);
        Check(OutputContains("rlimits: calls checked") && OutputContains("rlimits: 0 wrong"), "an rlimit answer or the bomb was wrong");
        CheckShown("processes left in the bomb's tree", 0, ResourceLimits.ProcessCount(account));
        // The stack window's page tables exist from boot (KernelMemory.ReserveStackWindowTables),
        // so a burst of threads leaves nothing behind.
        CheckShown("frames not back after the fork bomb", 0, (long)freeBefore - (long)FramesNotInUse());
    }

    /// <summary>The root tmpfs cap is at most a quarter of usable memory; a program writing
    /// until it fails gets ENOSPC near the cap and the kernel runs on; unlink gives the space back.</summary>
    internal static void FillingTmpfsGivesEnospc()
    {
        ulong usable = KernelMemory.Frames.TotalBytes;
        FileSystem.Lock();
        FileSystem.Vfs.StatFileSystem("/"u8, out FileSystemStatus before);
        FileSystem.Unlock();
        CheckShown("tmpfs cap in KiB (a quarter of usable memory, in whole pages)", (long)((usable / 4 + 4095) / 4096 * 4), (long)(before.CapacityBytes / 1024));
        Check(before.CapacityBytes < usable / 4 + 4096 && before.CapacityBytes > 0, "the tmpfs cap is above a quarter of memory");
        ulong freeBefore = FramesNotInUse();
        Process* process = Start("fill_tmpfs.elf");
        if (process == null) return;
        int status = Finish(process);
        CheckShown("fill_tmpfs.elf wait status", 0, status);
        Check(OutputContains("tmpfs: 0 wrong"), "filling tmpfs did not end in ENOSPC, or the space did not come back");
        ulong written = ParseAfter("tmpfs: ENOSPC after ");
        ulong room = before.CapacityBytes - before.UsedBytes;
        CheckShown("bytes written before ENOSPC, in pages (room left in the tmpfs)", (long)(room / 4096), (long)(written / 4096));
        FileSystem.Lock();
        FileSystem.Vfs.StatFileSystem("/"u8, out FileSystemStatus after);
        FileSystem.Unlock();
        CheckShown("tmpfs bytes in use after the program", (long)before.UsedBytes, (long)after.UsedBytes);
        CheckShown("frames not back", 0, (long)freeBefore - (long)FramesNotInUse());
    }

    /// <summary>A filter denying rt_sigreturn makes it return EPERM (the restorer goes on and
    /// reports it); a filter installed without the Inheritable flag applies to the child, the
    /// grandchild and a program the child execve's.</summary>
    internal static void FiltersCoverSigreturnAndChildren()
    {
        ulong freeBefore = FramesNotInUse();
        Process* process = Start("filter_inherit.elf");
        if (process == null) return;
        int status = Finish(process);
        CheckShown("filter_inherit.elf wait status", 0, status);
        Check(OutputContains("filter: 0 wrong"), "rt_sigreturn escaped the filter, or a child escaped its parent's filter");
        CheckShown("frames not back", 0, (long)freeBefore - (long)FramesNotInUse());
    }

    private static ulong ParseAfter(string prefix)
    {
        ReadOnlySpan<byte> output = Output;
        for (int start = 0; start + prefix.Length <= output.Length; start++)
        {
            bool match = true;
            for (int i = 0; i < prefix.Length && match; i++) match = output[start + i] == prefix[i];
            if (!match) continue;
            ulong value = 0;
            for (int at = start + prefix.Length; at < output.Length && output[at] >= (byte)'0' && output[at] <= (byte)'9'; at++)
                value = (value * 10) + (ulong)(output[at] - (byte)'0');
            return value;
        }

        return 0;
    }
}
