using System;
using Aurora.Kernel.Drivers.Console;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Sync;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;

namespace Aurora.Kernel.Terminals;

/// <summary>
/// One terminal (Linux's <c>tty_struct</c>): a device that prints bytes and an interrupt that
/// delivers typed ones, joined by a <see cref="LineDiscipline"/>; its window size; and for job
/// control the session it is the controlling terminal of and that session's foreground process
/// group. As a kind of file (<see cref="Operations"/>, one table for every terminal; the
/// description's object is the terminal): read (canonical lines, or VMIN/VTIME in raw mode;
/// a background group's read raises SIGTTIN), write (through OPOST; with TOSTOP a background
/// write raises SIGTTOU), ioctl (Terminal.Control.cs), poll. Terminals are made once at boot
/// (<see cref="TerminalDevices"/>) and never freed.
/// Locks: <see cref="Lock"/> (a spin lock: the interrupt handler takes it) guards the line
/// discipline and the window size; <see cref="Session"/> and <see cref="ForegroundGroup"/>
/// change under the process-table lock, as the processes' own job-control fields do.
/// </summary>
internal unsafe partial struct Terminal
{
    private const int ChunkSize = 512;

    /// <summary>The device number (Linux devices.txt: 4:64 ttyS0, 4:1 tty1).</summary>
    public int Major, Minor;
    public LineDiscipline Discipline;
    public WindowSize Size;
    public ulong Session;
    public ulong ForegroundGroup;
    public SpinLock Lock;

    /// <summary>Readers (and poll) wait here; typed input that became readable wakes them.</summary>
    public WaitQueue Readers;

    /// <summary>Readers woken by input (for tests).</summary>
    public ulong ReaderWakeups;

    private static FileOperations s_operations;

    /// <summary>The operations of every terminal description.</summary>
    internal static FileOperations* Operations
    {
        get
        {
            fixed (FileOperations* operations = &s_operations)
            {
                if (operations->Read == null)
                {
                    operations->Write = &Write;
                    operations->Stat = &Stat;
                    operations->Poll = &Poll;
                    operations->PollWait = &PollWait;
                    operations->Name = &Name;
                    operations->Ioctl = &Control;
                    operations->Read = &Read;
                }

                return operations;
            }
        }
    }

    internal void Initialize(int major, int minor, delegate*<byte, void> device, bool serial, ushort rows, ushort columns)
    {
        this = default;
        Major = major;
        Minor = minor;
        Discipline.Initialize(device, serial);
        Size.Rows = rows;
        Size.Columns = columns;
    }

    /// <summary>Bytes the device received (its interrupt handler, interrupts off): through the
    /// line discipline; readers wake when something became readable, and a keyboard signal
    /// goes to the foreground process group.</summary>
    internal static void Receive(Terminal* terminal, ReadOnlySpan<byte> bytes)
    {
        bool wake = false;
        for (int i = 0; i < bytes.Length; i++)
        {
            bool interrupts = terminal->Lock.Acquire();
            wake |= terminal->Discipline.Receive(bytes[i], out int signal);
            terminal->Lock.Release(interrupts);
            if (signal != 0 && terminal->ForegroundGroup != 0) Process.SignalGroup(terminal->ForegroundGroup, signal);
        }

        if (wake) terminal->ReaderWakeups += (ulong)terminal->Readers.WakeAll();
    }

    /// <summary>A canonical read from kernel code (tests): one complete line, 0 at end of
    /// file, -1 when none is complete yet.</summary>
    internal static int TryReadLine(Terminal* terminal, Span<byte> destination)
    {
        bool interrupts = terminal->Lock.Acquire();
        int n = terminal->Discipline.ReadLine(destination);
        terminal->Lock.Release(interrupts);
        return n;
    }

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        var terminal = (Terminal*)description->Object;
        if (length == 0) return 0;
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Syscalls.Errno.EFAULT;
        long allowed = CheckJobControl(terminal, process, Process.SigTtin);
        if (allowed < 0) return allowed;
        byte* chunk = stackalloc byte[ChunkSize];
        int want = (int)Math.Min(length, (ulong)ChunkSize);
        long n = ReadInto(terminal, description, process, new Span<byte>(chunk, want));
        if (n > 0 && !UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(chunk, (int)n))) return -Syscalls.Errno.EFAULT;
        return n;
    }

    /// <summary>Waits for input as the mode says (POSIX 11.1.6, 11.1.7): canonical — a complete
    /// line; raw — VMIN bytes, with VTIME tenths of a second as a timer between bytes (or for
    /// the whole read when VMIN is 0; VMIN 0 and VTIME 0 answer at once). A signal ends an
    /// empty wait with ERESTARTSYS; O_NONBLOCK answers EAGAIN instead of waiting.</summary>
    private static long ReadInto(Terminal* terminal, OpenFileDescription* description, Process* process, Span<byte> destination)
    {
        int total = 0;
        while (true)
        {
            terminal->Readers.Prepare(interruptible: true);
            bool interrupts = terminal->Lock.Acquire();
            bool canonical = terminal->Discipline.IsCanonical;
            int minimum = terminal->Discipline.Settings.Control[Termios.Vmin];
            int time = terminal->Discipline.Settings.Control[Termios.Vtime];
            int n = canonical ? terminal->Discipline.ReadLine(destination) : terminal->Discipline.ReadAvailable(destination.Slice(total));
            terminal->Lock.Release(interrupts);
            if (canonical && n >= 0)
            {
                terminal->Readers.Cancel();
                return n;
            }

            if (!canonical)
            {
                total += n;
                bool done = total == destination.Length || (minimum == 0 && (time == 0 || total > 0)) || (minimum > 0 && total >= minimum);
                if (done)
                {
                    terminal->Readers.Cancel();
                    return total;
                }
            }

            if (description->IsNonBlocking || Process.HasDeliverableSignal(process))
            {
                terminal->Readers.Cancel();
                if (total > 0) return total;
                return description->IsNonBlocking ? -Syscalls.Errno.EAGAIN : -Syscalls.Errno.ERESTARTSYS;
            }

            bool timed = !canonical && time > 0 && (minimum == 0 || total > 0);
            WakeReason reason = terminal->Readers.Sleep(timed ? (ulong)time * 100 : WaitQueue.Forever);
            if (timed && reason == WakeReason.TimedOut)
            {
                // One last look: a byte may have come with the timeout.
                interrupts = terminal->Lock.Acquire();
                total += terminal->Discipline.ReadAvailable(destination.Slice(total));
                terminal->Lock.Release(interrupts);
                return total;
            }
        }
    }

    private static long Write(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        var terminal = (Terminal*)description->Object;
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: false)) return -Syscalls.Errno.EFAULT;
        if ((terminal->Discipline.Settings.LocalFlags & Termios.Tostop) != 0)
        {
            long allowed = CheckJobControl(terminal, process, Process.SigTtou);
            if (allowed < 0) return allowed;
        }

        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        while (done < length)
        {
            int n = (int)Math.Min((ulong)ChunkSize, length - done);
            var bytes = new Span<byte>(chunk, n);
            if (!UserMemory.CopyFrom(process->Space, buffer + done, bytes)) return done > 0 ? (long)done : -Syscalls.Errno.EFAULT;
            process->Capture(bytes); // the copy tests read
            for (int i = 0; i < n; i++)
            {
                // One byte per hold: echo from the interrupt handler is never kept waiting long.
                bool interrupts = terminal->Lock.Acquire();
                terminal->Discipline.Output(bytes[i]);
                terminal->Lock.Release(interrupts);
            }

            done += (ulong)n;
            // A signal ends a long write with what went out so far (Linux's n_tty_write checks
            // between chunks): a 4 MiB write to the serial console took seconds and SIGKILL
            // waited for all of it (attack.syscall_fuzzer's batch that did not end).
            if (done < length && Process.HasDeliverableSignal(process)) break;
        }

        return (long)done;
    }

    /// <summary>Kernel output to a terminal (the console's own messages are Log's).</summary>
    internal static void WriteText(Terminal* terminal, ReadOnlySpan<byte> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            bool interrupts = terminal->Lock.Acquire();
            terminal->Discipline.Output(text[i]);
            terminal->Lock.Release(interrupts);
        }
    }

    private static long Stat(OpenFileDescription* description, FileStatus* status)
    {
        var terminal = (Terminal*)description->Object;
        status->Mode = 0x2000 | 0x190; // S_IFCHR, rw--w----, as a tty device node is
        status->SpecialDevice = (ulong)((terminal->Major << 8) | terminal->Minor); // makedev for small numbers
        status->BlockSize = 1024;
        return 0;
    }

    private static int Poll(OpenFileDescription* description)
    {
        var terminal = (Terminal*)description->Object;
        bool interrupts = terminal->Lock.Acquire();
        bool readable = terminal->Discipline.CanRead;
        terminal->Lock.Release(interrupts);
        return Readiness.Out | (readable ? Readiness.In : 0);
    }

    /// <summary>poll and select sleep on the readers' queue: input that becomes readable wakes it.</summary>
    private static void PollWait(OpenFileDescription* description, Tasks.PollTable* table) =>
        table->Add(ref ((Terminal*)description->Object)->Readers);

    /// <summary>What /proc/PID/fd shows: the terminal's device node.</summary>
    private static int Name(OpenFileDescription* description, Span<byte> name)
    {
        var terminal = (Terminal*)description->Object;
        ReadOnlySpan<byte> path = terminal->Major == 4 && terminal->Minor == 64 ? "/dev/ttyS0"u8 : "/dev/tty1"u8;
        int n = Math.Min(path.Length, name.Length);
        path.Slice(0, n).CopyTo(name);
        return n;
    }
}
