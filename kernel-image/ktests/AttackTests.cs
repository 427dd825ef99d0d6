using System;
using Aurora.Kernel.Memory;
using static Aurora.Kernel.Tests.TestRunner;
using Timer = Aurora.Kernel.Hal.Timer;

namespace Aurora.Kernel.Tests;

/// <summary>
/// The attacker's suite (issue 9): static musl programs (kernel-image/userland/attack_*.c) that
/// do what a hostile user would — fuzz every system call, race fork/copy-on-write/exit, forge
/// signal frames, run privileged instructions, pass bad pointers and huge ranges, exec
/// malformed ELF files, exhaust every table, and try to write a parent's pages through
/// mprotect. Each must leave the kernel running and give the Linux answer; each program exits
/// 0 when every answer was right and prints a WRONG line (expected and actual) otherwise.
/// These tests may crash the kernel, so <c>test=all</c> skips them: the host boots each one
/// alone (kernel-image/tests/Qemu/AttackTests.cs). The kernel options attack-seed=,
/// attack-fuzz-calls= and attack-fuzz-trace= reach the programs through /tmp/attack-options.
/// </summary>
internal static unsafe class AttackTests
{
    /// <summary>Runs the program, then waits (up to 8 s: orphans are freed by the reaper,
    /// sockets linger) until every frame and heap block it used is back. Files and
    /// directories the program left in tmpfs hold heap blocks too: they are counted apart
    /// (inodes of / and /tmp), so litter a program failed to clean up is not taken for a
    /// kernel leak.</summary>
    internal static void RunAndCheck(string program, string? group = null)
    {
        WriteOptions(group);
        ProcessTests.PrepareOutputBuffer();
        ulong freeBefore = FramesNotInUse();
        ulong liveBefore = KernelMemory.Heap.Statistics.LiveBlocks;
        ulong rootInodesBefore = Inodes("/"u8), tmpInodesBefore = Inodes("/tmp"u8);
        int processesBefore = Processes.Process.LiveProcesses(log: false);
        int status = ProcessTests.RunProgram(program, checkMemory: false);
        if (status != 0)
        {
            Log.Write("  attack: ");
            Log.Write(program);
            Log.Write(" wait status expected 0, got ");
            Log.WriteHex((ulong)status);
            Log.WriteLine(((status & 0x7F) != 0) ? " (killed by a signal)" : " (exit code: the number of wrong answers, 1 for the fuzzer)");
        }

        Check(status == 0, "the program reported wrong answers (its WRONG lines say which), or was killed");
        ulong giveUp = Timer.Ticks() + 8000;
        while ((FramesNotInUse() != freeBefore || KernelMemory.Heap.Statistics.LiveBlocks != liveBefore) && Timer.Ticks() < giveUp)
            Tasks.Scheduler.Sleep(20);
        ulong freeAfter = FramesNotInUse();
        ulong liveAfter = KernelMemory.Heap.Statistics.LiveBlocks;
        // Every process the program made has ended by now; one that has not holds what it had
        // (descriptors, memory) and is named here, so it is not taken for a kernel leak.
        int processesAfter = Processes.Process.LiveProcesses(log: false);
        if (processesAfter != processesBefore) Processes.Process.LiveProcesses(log: true);
        CheckEqual(processesBefore, processesAfter, "processes in the table before the program and after its end");
        if (freeAfter != freeBefore || liveAfter != liveBefore)
        {
            Log.Write("  attack: frames not in use expected ");
            Log.WriteDecimal(freeBefore);
            Log.Write(", got ");
            Log.WriteDecimal(freeAfter);
            Log.Write("; live heap blocks expected ");
            Log.WriteDecimal(liveBefore);
            Log.Write(", got ");
            Log.WriteDecimal(liveAfter);
            Log.WriteLine();
        }

        ulong rootInodesAfter = Inodes("/"u8), tmpInodesAfter = Inodes("/tmp"u8);
        if (rootInodesAfter != rootInodesBefore || tmpInodesAfter != tmpInodesBefore)
        {
            Log.Write("  attack: tmpfs inodes of / expected ");
            Log.WriteDecimal(rootInodesBefore);
            Log.Write(", got ");
            Log.WriteDecimal(rootInodesAfter);
            Log.Write("; of /tmp expected ");
            Log.WriteDecimal(tmpInodesBefore);
            Log.Write(", got ");
            Log.WriteDecimal(tmpInodesAfter);
            Log.WriteLine(" (files or directories the program did not remove)");
        }

        Check(rootInodesAfter == rootInodesBefore && tmpInodesAfter == tmpInodesBefore,
            "the program left files or directories behind in tmpfs (each holds heap blocks)");
        Check(freeAfter == freeBefore, "frames did not all come back within 8 s of the program's end");
        Check(liveAfter == liveBefore, "kernel heap blocks did not all come back within 8 s of the program's end");
    }

    /// <summary>Inodes in use in the tmpfs holding <paramref name="path"/>.</summary>
    private static ulong Inodes(ReadOnlySpan<byte> path)
    {
        Files.FileSystem.Lock();
        Aurora.Vfs.VfsError error = Files.FileSystem.Vfs.StatFileSystem(path, out Aurora.Vfs.FileSystemStatus status);
        Files.FileSystem.Unlock();
        return error == Aurora.Vfs.VfsError.None ? status.Inodes : 0;
    }

    private static ulong FramesNotInUse() =>
        KernelMemory.Frames.FreeFrames + (KernelMemory.Heap.Statistics.BytesFromPageSource / 4096);

    /// <summary>/tmp/attack-options: the attack-* kernel options, for the programs (they have
    /// no other way to be told yet: argv is the program's name).</summary>
    private static void WriteOptions(string? group)
    {
        Files.FileSystem.Lock();
        Aurora.Vfs.FileTable files = default;
        long fd = Files.FileSystem.Vfs.Open(ref files, "/tmp/attack-options"u8, Aurora.Vfs.OpenFlags.WriteOnly | Aurora.Vfs.OpenFlags.Create | Aurora.Vfs.OpenFlags.Truncate, 0x1A4);
        if (fd >= 0)
        {
            WriteOption(ref files, (int)fd, "attack-seed");
            WriteOption(ref files, (int)fd, "attack-fuzz-calls");
            WriteOption(ref files, (int)fd, "attack-fuzz-trace");
            WriteOption(ref files, (int)fd, "attack-thread-rounds");
            if (group != null)
            {
                Files.FileSystem.Vfs.Write(ref files, (int)fd, "attack-group="u8);
                byte* text = stackalloc byte[group.Length];
                for (int i = 0; i < group.Length; i++) text[i] = (byte)group[i];
                Files.FileSystem.Vfs.Write(ref files, (int)fd, new ReadOnlySpan<byte>(text, group.Length));
                Files.FileSystem.Vfs.Write(ref files, (int)fd, " "u8);
            }

            // The machine's memory, for the exhaustion test's bound on tmpfs (a fraction of it).
            Files.FileSystem.Vfs.Write(ref files, (int)fd, "attack-memory-mib="u8);
            byte* digits = stackalloc byte[20];
            int count = 0;
            ulong mib = KernelMemory.Frames.TotalBytes >> 20;
            do { digits[19 - count++] = (byte)('0' + (int)(mib % 10)); mib /= 10; } while (mib != 0);
            Files.FileSystem.Vfs.Write(ref files, (int)fd, new ReadOnlySpan<byte>(digits + 20 - count, count));
            Files.FileSystem.Vfs.Write(ref files, (int)fd, " "u8);
        }

        Files.FileSystem.Vfs.CloseAll(ref files);
        Files.FileSystem.Unlock();
        Check(fd >= 0, "could not write /tmp/attack-options");
    }

    private static void WriteOption(ref Aurora.Vfs.FileTable files, int fd, string key)
    {
        if (!KernelMain.Command.Has(key)) return;
        byte* name = stackalloc byte[key.Length];
        for (int i = 0; i < key.Length; i++) name[i] = (byte)key[i];
        Files.FileSystem.Vfs.Write(ref files, fd, new ReadOnlySpan<byte>(name, key.Length));
        Files.FileSystem.Vfs.Write(ref files, fd, "="u8);
        Files.FileSystem.Vfs.Write(ref files, fd, KernelMain.Command.Value(key));
        Files.FileSystem.Vfs.Write(ref files, fd, " "u8);
    }

    /// <summary>At least 200,000 random system calls with hostile arguments from several
    /// processes at once (seeded; the seed is printed first); a call that SIGKILL cannot end
    /// is a failure.</summary>
    internal static void SyscallFuzzer() => RunAndCheck("attack_fuzz.elf");

    /// <summary>Threads racing each other (userland/attack_threads.c): per round, three
    /// processes of raw-clone threads and pthreads close and replace descriptors others are
    /// using, unmap and protect memory others touch or hand to calls, take and abandon PI and
    /// robust locks, signal each other and the other processes, fork, exec and exit_group
    /// while the rest are mid-call. Seeded (attack-seed=); the kernel must survive, SIGKILL
    /// must end every process, and every frame and heap block must come back.</summary>
    internal static void ThreadStorm() => RunAndCheck("attack_threads.elf");

    /// <summary>The fuzzer's cleanup (userland/attack_cleanup.h) removes every file and directory
    /// it made under garbage names: long names, more of them than one listing holds, a
    /// directory bigger than one getdents64 buffer, deep nesting. What it missed would stay in
    /// tmpfs and fail the heap ledger of attack.syscall_fuzzer.</summary>
    internal static void FuzzerCleanupLeavesNothingBehind() => RunAndCheck("attack_cleanup.elf");

    /// <summary>Finding 1: 24 processes each forking 40 short-lived children while all write
    /// a 2 MiB static buffer; nested forks, exits while siblings write, parents exiting first;
    /// every process checks what it sees.</summary>
    internal static void ForkCowExitStress() => RunAndCheck("attack_fork.elf");

    /// <summary>Findings 6, 9, 10: privileged instructions (cli, hlt, in/out, wrmsr, lgdt, mov
    /// cr, int to kernel gates), sgdt/sidt under UMIP, user writes to kernel pages, a pending
    /// x87 error; each in a child whose ending must be Linux's.</summary>
    internal static void PrivilegedInstructions() => RunAndCheck("attack_signals.elf", "privileged");

    /// <summary>Finding 3: popf with IOPL/IF/NT/AC/TF, and system calls, signals, fork, exec
    /// and preemption with NT set.</summary>
    internal static void FlagTricks() => RunAndCheck("attack_signals.elf", "flags");

    /// <summary>Findings 4, 9: forged rt_sigreturn frames (IOPL, NT, IF, kernel CS/SS,
    /// non-canonical and kernel RIP/RSP, NULL and kernel fpstate, bad MXCSR, TF, garbage),
    /// handlers and restorers at non-canonical or kernel addresses, a syscall at the top of
    /// user space.</summary>
    internal static void ForgedSignalFrames() => RunAndCheck("attack_signals.elf", "frames");

    /// <summary>Bad pointers (null, 1, kernel half, non-canonical, unmapped, read-only for
    /// writes, crossing into unmapped) to every pointer-taking call → EFAULT (or Linux's errno).</summary>
    internal static void BadPointersGiveEfault() => RunAndCheck("attack_pointers.elf");

    /// <summary>Finding 5: huge and wrapping ranges to every range-taking call answer promptly
    /// with Linux's errno, and SIGKILL ends the call.</summary>
    internal static void HugeRangesAnswerPromptly() => RunAndCheck("attack_ranges.elf");

    /// <summary>Generated malformed ELF files execve'd from /tmp are refused with Linux's errno.</summary>
    internal static void MalformedElfFilesAreRefused() => RunAndCheck("attack_elf.elf");

    /// <summary>Finding 7: one process fills every table; each gives an error code and
    /// everything is back once it has exited.</summary>
    internal static void TableExhaustionRecovers() => RunAndCheck("attack_exhaust.elf");

    /// <summary>Finding 2: mprotect on a copy-on-write page or a read-only attachment cannot
    /// make another process's data writable.</summary>
    internal static void MprotectRespectsCowAndReadOnlyAttachments() => RunAndCheck("attack_mprotect.elf");

    /// <summary>The red team's pass (userland/attack_edges.c): the memory calls at the top of
    /// the user range, MAP_FIXED and mremap over themselves, signal frames on alternate stacks
    /// at the address-space edge and nested past a small one, iovecs with a bad entry in the
    /// middle, futex on read-only and PROT_NONE words, execve past ARG_MAX and with argv running
    /// into unmapped memory, waitid, clone, fcntl locks and ioctl with junk; each answer
    /// Linux's.</summary>
    internal static void EdgesOfTheSyscallSurface()
    {
        RunAndCheck("attack_edges.elf");
        Check(ProcessTests.OutputHas("attack_edges: 0 wrong"), "an answer differed from Linux's (see the WRONG lines)");
    }

    /// <summary>Issue 15's escape suite (userland/sandbox_escape.c, docs/sandbox.md): a process
    /// under unveil, netrule and pledge tries at least 40 ways out — "..", planted and new
    /// links, directory descriptors from before, /proc and /dev, renames and hard links, exec
    /// outside the view, mount, SysV keys and guessed ids, forged tokens, taking promises back,
    /// TIOCSTI, signals and prlimit64 to processes outside, other hosts and ports, a fork bomb
    /// and a descriptor flood past their limits — each refused with its documented errno, while
    /// what the policy allows works, and a program it execs is still inside.</summary>
    internal static void SandboxEscapesAreDenied()
    {
        RunAndCheck("sandbox_escape.elf");
        Check(ProcessTests.OutputHas("0 wrong"), "an escape attempt succeeded or an allowed action failed (see the WRONG lines)");
    }
}
