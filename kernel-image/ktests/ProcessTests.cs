using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>User processes from static musl programs (kernel-image/userland/*.c, loaded as
/// boot modules): ELF loading, the System V start-up stack, Linux syscalls, errors for bad
/// input, and a faulting program ending alone (SPEC PROC-1, PROC-3, PROC-4).</summary>
internal static unsafe class ProcessTests
{
    private static byte* s_output;
    private static int s_outputLength;

    private static ReadOnlySpan<byte> Output => new ReadOnlySpan<byte>(s_output, s_outputLength);

    /// <summary>Runs the boot module <paramref name="name"/> to its end; the wait status, or
    /// -1 when it could not start. Checks that every frame it used came back.</summary>
    private static int Run(string name) => Run(name, checkMemory: true);

    /// <param name="checkMemory">Whether every frame and heap block must be back when the
    /// process has been reaped (not for programs whose TCP connections linger in TIME_WAIT).</param>
    private static int Run(string name, bool checkMemory, delegate*<void> whileRunning = null)
    {
        s_outputLength = 0;
        PrepareOutputBuffer();
        ref Boot.BootInfo info = ref KernelMain.BootInfo;
        int module = info.FindModule(name);
        Check(module >= 0, "the program is not among the boot modules");
        if (module < 0) return -1;
        var program = new ReadOnlySpan<byte>((byte*)(info.ModulePhysical[module] + info.DirectMapOffset), (int)info.ModuleSize[module]);
        ulong freeBefore = FramesNotInUse();
        ulong liveBefore = KernelMemory.Heap.Statistics.LiveBlocks;
        int processesBefore = Process.LiveProcesses(log: false);
        Process* process = Process.Start(program, info.ModuleName(module), out LoadError error);
        if (process == null)
        {
            Log.Write("  load error ");
            Log.WriteDecimal((long)error);
            Log.WriteLine();
        }

        Check(process != null && error == LoadError.None, "the program did not load");
        if (process == null) return -1;
        if (whileRunning != null) whileRunning(); // e.g. type on the console while it waits
        int status;
        status = Process.Wait(process, new Span<byte>(s_output, Process.OutputCapacity), out s_outputLength);
        if (checkMemory)
        {
            // An orphan the program left (reaping.elf's, which reports through a pipe and then
            // exits) may still be between its last write and its exit when the program ends;
            // what it holds is not a leak. Wait for it to end (at most 5 s), then name any
            // process still there, so a real leak is not mistaken for one.
            for (int waited = 0; waited < 5000 && Process.LiveProcesses(log: false) > processesBefore; waited += 10)
                Tasks.Scheduler.Sleep(10);
            if (Process.LiveProcesses(log: false) > processesBefore) Process.LiveProcesses(log: true);
            CheckEqual(processesBefore, Process.LiveProcesses(log: false), "processes in the table before the program and after its end");
            // A thread that ended is freed by the reaper thread, which may not have run yet.
            Check(Process.WaitForReaper(5000), "the reaper did not free the ended threads within 5 s");
            CheckEqual((long)freeBefore, (long)FramesNotInUse(), "frames not in use after the process (all must come back)");
            CheckEqual((long)liveBefore, (long)KernelMemory.Heap.Statistics.LiveBlocks, "live kernel heap blocks after the process");
        }

        return status;
    }

    /// <summary>Free frames plus the pages the kernel heap holds (it keeps some for reuse, and
    /// the kernel thread and process records come from it): what a finished process must
    /// leave exactly as it found it.</summary>
    private static ulong FramesNotInUse() =>
        KernelMemory.Frames.FreeFrames + (KernelMemory.Heap.Statistics.BytesFromPageSource / 4096);

    internal static int RunProgram(string name, bool checkMemory) => Run(name, checkMemory);

    /// <summary>As <see cref="RunProgram(string, bool)"/>, calling <paramref name="whileRunning"/>
    /// on the test's thread once the program has started.</summary>
    internal static int RunProgram(string name, bool checkMemory, delegate*<void> whileRunning) => Run(name, checkMemory, whileRunning);

    /// <summary>The buffer programs' output is copied into, allocated on first use.</summary>
    internal static void PrepareOutputBuffer()
    {
        if (s_output == null) s_output = (byte*)KernelMemory.Allocate(Process.OutputCapacity);
    }

    internal static bool OutputHas(string text) => OutputContains(text);

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

    /// <summary>printf through musl's stdio (ioctl, writev), TLS set-up (arch_prctl),
    /// set_tid_address, getpid, argv from the start-up stack, and exit status 42.</summary>
    internal static void HelloRunsAndExitsWithItsStatus()
    {
        int status = Run("hello.elf");
        Check(OutputContains("hello from musl: hello.elf, argc 1, pid "), "the program's output is missing or wrong");
        Check(status == 42 << 8, "exit status is not 42");
    }

    /// <summary>Null, kernel-half and unmapped pointers, a closed descriptor, an unknown
    /// syscall number and a huge length each give the Linux errno, and the program goes on.</summary>
    internal static void BadSyscallArgumentsReturnErrors()
    {
        int status = Run("syscall_errors.elf");
        Check(OutputContains("syscall errors: 0 wrong"), "a bad request got the wrong answer");
        Check(status == 0, "the program did not finish cleanly");
    }

    /// <summary>A write through a null pointer ends that process with SIGSEGV, and only it.</summary>
    internal static void FaultingProgramIsKilledAlone()
    {
        int status = Run("segfault.elf");
        Check(OutputContains("about to fault"), "the program did not run up to the fault");
        Check(!OutputContains("still here"), "the program ran past the fault");
        Check(status == Process.SignalSegmentation, "the status is not 'killed by SIGSEGV'");
    }

    /// <summary>malloc over brk and mmap, 4 KiB to 2 MiB and many small blocks, read back.</summary>
    internal static void ProgramHeapGrowsThroughBrkAndMmap()
    {
        int status = Run("memory.elf");
        Check(OutputContains("memory: 0 bad bytes"), "user memory did not read back");
        Check(status == 0, "the program failed");
    }

    /// <summary>fork with copy-on-write memory, getppid, waitpid for one child and for any of
    /// four, WNOHANG with no children left; every frame comes back after all of them.</summary>
    internal static void ForkCopiesOnWriteAndWaitCollectsChildren()
    {
        int status = Run("fork.elf");
        // The child's own output is its own (the console shows it); its verdict is its exit code.
        Check(OutputContains("exited with 3;"), "the child did not see its own copies, or its status was lost");
        Check(OutputContains("my copies unchanged"), "the child's writes reached the parent");
        Check(OutputContains("fork: 0 failures"), "fork/wait results were wrong");
        Check(status == 0, "the program failed");
    }

    /// <summary>Issue 9, finding 1: 24 workers each fork 40 children while all write a shared
    /// 2 MiB buffer (userland/cowstorm.c). Every process must see exactly its inherited data and
    /// its own writes, the kernel must survive, and every frame must come back. Without the
    /// frame and share-count locks this panicked ("page-table frame free failed") or killed
    /// processes with vanished pages about one boot in two; two rounds make a miss unlikely.</summary>
    internal static void ForkCowExitStormKeepsMemoryIntact()
    {
        for (int round = 0; round < 2; round++)
        {
            int status = Run("cowstorm.elf");
            Check(OutputContains("cowstorm: 24 workers x 40 children, 0 failures"), "a process saw wrong data or a fork failed");
            CheckEqual(0, status, "cowstorm wait status");
        }
    }

    /// <summary>Issue 9, findings 2 and 5 (userland/vm_ranges.c): a child's mprotect on pages
    /// shared copy-on-write gets private copies (the parent's data and text stay), huge and
    /// wrapping ranges answer at once with Linux's errno, PROT_NONE faults, untouched mappings
    /// fill in on first touch (kernel copies included) and a read-only page refuses kernel writes.</summary>
    internal static void MprotectAndHugeRangesFollowRegions()
    {
        int status = Run("vm_ranges.elf");
        Check(OutputContains("vm_ranges: 0 wrong"), "a memory call gave a wrong answer (its line says which)");
        CheckEqual(0, status, "vm_ranges wait status");
    }

    /// <summary>A program's own faults reach its handlers (userland/fault_handlers.c): SIGSEGV
    /// with si_addr and si_code whose handler fixes the page so the retried write lands,
    /// SIGFPE, SIGILL and SIGTRAP with their codes, and a blocked SIGSEGV still kills.</summary>
    internal static void FaultsReachTheProgramsHandlers()
    {
        int status = Run("fault_handlers.elf");
        Check(OutputContains("fault_handlers: 0 wrong"), "a fault signal was not delivered as on Linux (its line says which)");
        CheckEqual(0, status, "fault_handlers wait status");
    }

    /// <summary>wait4 takes Linux's options (WUNTRACED, WCONTINUED, __WALL: shells pass them) and
    /// pid 0 (the caller's group), still reporting a child's exit, and reads the pid as 32 bits as
    /// Linux does (glibc's waitpid(-1) is 0xFFFFFFFF in the register; userland/wait_options.c).</summary>
    internal static void WaitTakesLinuxsOptions()
    {
        int status = Run("wait_options.elf");
        Check(OutputContains("wait_options: 0 wrong"), "wait4 refused or misreported (its line says which)");
        CheckEqual(0, status, "wait_options wait status");
    }

    /// <summary>open/read/write/lseek/stat/fstat/mkdir/rename/getdents64/unlink/rmdir on the
    /// kernel's tmpfs, each misuse answered with its errno.</summary>
    internal static void FilesWorkThroughTheVfs()
    {
        int status = Run("files.elf");
        Check(OutputContains("files: 0 wrong"), "a file operation gave a wrong answer");
        Check(status == 0, "the program failed");
    }

    /// <summary>fork + execve of /bin/exec.elf with new argv and envp (the new image checks
    /// them and exits 42) + waitpid; execve of a missing file and of a non-ELF file fail with
    /// ENOENT and ENOEXEC.</summary>
    internal static void ExecveRunsAProgramFromTheFileTree()
    {
        int status = Run("exec.elf");
        Check(OutputContains("exec: child exited with 42"), "the exec'd program did not get its argv and environment, or its status was lost");
        Check(OutputContains("exec: 0 wrong"), "execve gave a wrong answer");
        Check(status == 0, "the program failed");
    }

    /// <summary>Handlers with siginfo, blocking and unblocking, SIG_IGN, registers intact
    /// across handlers, SIGTERM killing a child that spins in user mode, SIGKILL uncatchable.</summary>
    internal static void SignalsReachHandlersAndKill()
    {
        int status = Run("signals.elf");
        Check(OutputContains("signals: caught 6, child ended by signal 15, 0 wrong"), "a signal went wrong");
        Check(status == 0, "the program failed");
    }

    /// <summary>Token-named message queues and shared memory, grants with reduced rights, no
    /// access by guessing ids or by knowing token bytes without a grant, shared memory that
    /// stays shared across fork, and an inheritable syscall filter that cannot be widened.</summary>
    internal static void IpcNeedsCapabilityTokens()
    {
        int status = Run("ipc.elf");
        Check(OutputContains("ipc: 0 wrong"), "an IPC or filter answer was wrong");
        Check(status == 0, "the program failed");
    }

    /// <summary>Two runs of the same program see their stack, break and anonymous mappings at
    /// different addresses (a coincidence has odds of about 2^-13 at worst, for brk).</summary>
    internal static void LayoutIsRandomPerRun()
    {
        ulong* first = stackalloc ulong[3];
        ulong* second = stackalloc ulong[3];
        Check(Run("aslr.elf") == 0 && ParseAddresses(first), "the first run failed");
        Check(Run("aslr.elf") == 0 && ParseAddresses(second), "the second run failed");
        Check(first[0] != second[0], "the stack did not move");
        Check(first[1] != second[1], "the break did not move");
        Check(first[2] != second[2], "anonymous mappings did not move");
        Check(first[0] < 0x0000_8000_0000_0000 && first[2] >= Process.MappingBaseLowest, "addresses outside their ranges");
    }

    /// <summary>The three hex numbers after "aslr: " in the captured output.</summary>
    private static bool ParseAddresses(ulong* values)
    {
        ReadOnlySpan<byte> output = Output;
        int at = 0;
        while (at + 6 <= output.Length && !(output[at] == (byte)'a' && output[at + 4] == (byte)':')) at++;
        at += 6;
        for (int v = 0; v < 3; v++)
        {
            ulong value = 0;
            int digits = 0;
            for (; at < output.Length && output[at] != (byte)' ' && output[at] != (byte)'\n'; at++, digits++)
            {
                byte c = output[at];
                uint digit = c <= (byte)'9' ? (uint)(c - (byte)'0') : (uint)(c - (byte)'a' + 10);
                value = (value << 4) | digit;
            }

            if (digits != 16) return false;
            values[v] = value;
            at++;
        }

        return true;
    }

    /// <summary>Files that are not loadable executables are refused with a reason, and leave
    /// nothing behind.</summary>
    internal static void BadProgramsAreRefused()
    {
        ulong freeBefore = FramesNotInUse();
        byte* junk = stackalloc byte[256];
        for (int i = 0; i < 256; i++) junk[i] = (byte)(i * 7);
        Process* p = Process.Start(new ReadOnlySpan<byte>(junk, 256), default, out LoadError error);
        Check(p == null && error == LoadError.NotElf, "junk was not refused as not-ELF");

        ref Boot.BootInfo info = ref KernelMain.BootInfo;
        int module = info.FindModule("hello.elf");
        if (module < 0) { Check(false, "hello.elf missing"); return; }
        var hello = new ReadOnlySpan<byte>((byte*)(info.ModulePhysical[module] + info.DirectMapOffset), (int)info.ModuleSize[module]);
        p = Process.Start(hello.Slice(0, 200), default, out error);
        Check(p == null && error == LoadError.Malformed, "a truncated program was not refused as malformed");

        // The same program with its first segment claiming to sit in the kernel half.
        byte* copy = (byte*)KernelMemory.Allocate((nuint)hello.Length);
        hello.CopyTo(new Span<byte>(copy, hello.Length));
        ulong headers = *(ulong*)(copy + 32);
        *(ulong*)(copy + headers + 16) = 0xFFFF_FFFF_8000_0000;
        p = Process.Start(new ReadOnlySpan<byte>(copy, hello.Length), default, out error);
        KernelMemory.Free(copy);
        Check(p == null && error == LoadError.Malformed, "a segment in the kernel half was not refused");
        Check(FramesNotInUse() == freeBefore, "a refused program left frames behind");
    }
}
