using System;
using Aurora.Kernel.Drivers.Console;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Terminals;

/// <summary>
/// A terminal's ioctls (Linux include/uapi/asm-generic/ioctls.h; drivers/tty/tty_io.c,
/// tty_ioctl.c, tty_jobctrl.c for the rules and errno) and job control: the controlling
/// terminal of a session, its foreground process group, and the checks that stop a background
/// group that reads (SIGTTIN) or, with TOSTOP, writes or changes settings (SIGTTOU).
/// </summary>
internal unsafe partial struct Terminal
{
    private const uint Tcgets = 0x5401, Tcsets = 0x5402, Tcsetsw = 0x5403, Tcsetsf = 0x5404, Tcsbrk = 0x5409,
        Tcxonc = 0x540A, Tcflsh = 0x540B, Tiocexcl = 0x540C, Tiocnxcl = 0x540D, Tiocsctty = 0x540E,
        Tiocgpgrp = 0x540F, Tiocspgrp = 0x5410, Tiocsti = 0x5412, Tiocoutq = 0x5411, Tiocgwinsz = 0x5413, Tiocswinsz = 0x5414,
        Fionread = 0x541B, Fionbio = 0x5421, Tiocnotty = 0x5422, Tiocgetd = 0x5424, Tcsbrkp = 0x5425,
        Tiocgsid = 0x5429;

    private const int SigWinch = 28;

    private static long Control(OpenFileDescription* description, Process* process, ulong request, ulong argument)
    {
        var terminal = (Terminal*)description->Object;
        switch ((uint)request) // the command is an unsigned int
        {
            case Tcgets:
            {
                Termios settings;
                bool interrupts = terminal->Lock.Acquire();
                settings = terminal->Discipline.Settings;
                terminal->Lock.Release(interrupts);
                return CopyOut(process, argument, &settings, Termios.Size);
            }
            case Tcsets:
            case Tcsetsw:
            case Tcsetsf:
                return SetAttributes(terminal, process, argument, flush: (uint)request == Tcsetsf);
            case Tiocgwinsz:
            {
                WindowSize size = terminal->Size;
                return CopyOut(process, argument, &size, sizeof(WindowSize));
            }
            case Tiocswinsz:
            {
                WindowSize size;
                if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(&size, sizeof(WindowSize)))) return -Syscalls.Errno.EFAULT;
                bool changed = size.Rows != terminal->Size.Rows || size.Columns != terminal->Size.Columns ||
                    size.PixelWidth != terminal->Size.PixelWidth || size.PixelHeight != terminal->Size.PixelHeight;
                terminal->Size = size;
                if (changed && terminal->ForegroundGroup != 0) Process.SignalGroup(terminal->ForegroundGroup, SigWinch);
                return 0;
            }
            case Tiocgpgrp:
            {
                if (process->ControllingTerminal != terminal) return -Syscalls.Errno.ENOTTY;
                int group = (int)terminal->ForegroundGroup;
                return CopyOut(process, argument, &group, sizeof(int));
            }
            case Tiocspgrp:
                return SetForegroundGroup(terminal, process, argument);
            case Tiocgsid:
            {
                if (process->ControllingTerminal != terminal || terminal->Session == 0) return -Syscalls.Errno.ENOTTY;
                int session = (int)terminal->Session;
                return CopyOut(process, argument, &session, sizeof(int));
            }
            case Tiocsctty:
                return MakeControlling(terminal, process, argument == 1);
            case Tiocnotty:
                if (process->ControllingTerminal != terminal) return -Syscalls.Errno.ENOTTY;
                if (process->SessionId == process->Id) Disassociate(process);
                else process->ControllingTerminal = null;
                return 0;
            case Fionread:
            {
                bool interrupts = terminal->Lock.Acquire();
                int available = terminal->Discipline.Available;
                terminal->Lock.Release(interrupts);
                return CopyOut(process, argument, &available, sizeof(int));
            }
            case Tiocsti:
            {
                // Pretend the byte was typed (every process is root, which Linux allows even
                // for a terminal that is not the caller's controlling one).
                byte typed;
                if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(&typed, 1))) return -Syscalls.Errno.EFAULT;
                Receive(terminal, new ReadOnlySpan<byte>(&typed, 1));
                return 0;
            }
            case Tiocoutq:
            {
                int queued = 0; // output is written to the device at once
                return CopyOut(process, argument, &queued, sizeof(int));
            }
            case Tcflsh:
            {
                long allowed = CheckJobControl(terminal, process, Process.SigTtou);
                if (allowed < 0) return allowed;
                if (argument > 2) return -Syscalls.Errno.EINVAL; // TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2
                if (argument != 1)
                {
                    bool interrupts = terminal->Lock.Acquire();
                    terminal->Discipline.FlushInput();
                    terminal->Lock.Release(interrupts);
                }

                return 0;
            }
            case Tcxonc:
            {
                long allowed = CheckJobControl(terminal, process, Process.SigTtou);
                if (allowed < 0) return allowed;
                // TCOOFF, TCOON, TCIOFF, TCION: output never waits here, so nothing to suspend.
                return argument <= 3 ? 0 : -Syscalls.Errno.EINVAL;
            }
            case Tcsbrk:
            case Tcsbrkp:
                return 0; // tcdrain and breaks: output is already out
            case Fionbio:
            {
                int on;
                if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(&on, sizeof(int)))) return -Syscalls.Errno.EFAULT;
                if (on != 0) description->StatusFlags |= OpenFileDescription.NonBlocking;
                else description->StatusFlags &= ~OpenFileDescription.NonBlocking;
                return 0;
            }
            case Tiocgetd:
            {
                int discipline = 0; // N_TTY
                return CopyOut(process, argument, &discipline, sizeof(int));
            }
            case Tiocexcl:
            case Tiocnxcl:
                return 0;
            default:
                return -Syscalls.Errno.ENOTTY;
        }
    }

    private static long CopyOut(Process* process, ulong address, void* value, int size) =>
        UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(value, size)) ? 0 : -Syscalls.Errno.EFAULT;

    /// <summary>TCSETS, TCSETSW (output is always drained), TCSETSF (typed input dropped too).</summary>
    private static long SetAttributes(Terminal* terminal, Process* process, ulong argument, bool flush)
    {
        long allowed = CheckJobControl(terminal, process, Process.SigTtou);
        if (allowed < 0) return allowed;
        Termios settings;
        if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(&settings, Termios.Size))) return -Syscalls.Errno.EFAULT;
        bool interrupts = terminal->Lock.Acquire();
        if (flush) terminal->Discipline.FlushInput();
        bool readable = terminal->Discipline.Apply(settings);
        terminal->Lock.Release(interrupts);
        // New VMIN/VTIME or a mode change may satisfy a waiting reader: it looks again.
        if (readable) terminal->Readers.WakeAll();
        return 0;
    }

    /// <summary>TIOCSPGRP (tcsetpgrp): the caller's controlling terminal of its own session
    /// (else ENOTTY) gets a foreground group of that session (EPERM otherwise; ESRCH when no
    /// such group exists); a background caller gets SIGTTOU first, as for TCSETS.</summary>
    private static long SetForegroundGroup(Terminal* terminal, Process* process, ulong argument)
    {
        long allowed = CheckJobControl(terminal, process, Process.SigTtou);
        if (allowed == -Syscalls.Errno.EIO) return -Syscalls.Errno.ENOTTY;
        if (allowed < 0) return allowed;
        int group;
        if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(&group, sizeof(int)))) return -Syscalls.Errno.EFAULT;
        if (group < 0) return -Syscalls.Errno.EINVAL;
        bool table = Process.LockTable();
        long result = 0;
        if (process->ControllingTerminal != terminal || terminal->Session != process->SessionId) result = -Syscalls.Errno.ENOTTY;
        else if (!Process.GroupExists((ulong)group)) result = -Syscalls.Errno.ESRCH;
        else if (!Process.GroupInSession((ulong)group, process->SessionId)) result = -Syscalls.Errno.EPERM;
        else terminal->ForegroundGroup = (ulong)group;
        Process.UnlockTable(table);
        return result;
    }

    /// <summary>TIOCSCTTY: a session leader without a controlling terminal takes this one (its
    /// group becomes the foreground). EPERM for a non-leader or one that has another terminal,
    /// and for a terminal another session holds unless <paramref name="steal"/> (root may).</summary>
    private static long MakeControlling(Terminal* terminal, Process* process, bool steal)
    {
        bool table = Process.LockTable();
        long result = 0;
        bool leader = process->SessionId == process->Id;
        if (leader && terminal->Session == process->SessionId)
        {
            result = 0;
        }
        else if (!leader || process->ControllingTerminal != null)
        {
            result = -Syscalls.Errno.EPERM;
        }
        else if (terminal->Session != 0 && !steal)
        {
            result = -Syscalls.Errno.EPERM;
        }
        else
        {
            if (terminal->Session != 0) ForgetInSession(terminal->Session, terminal);
            Attach(terminal, process);
        }

        Process.UnlockTable(table);
        return result;
    }

    /// <summary>Makes the terminal the controlling terminal of the caller's session (TIOCSCTTY,
    /// or an open without O_NOCTTY by a leader that has none). Table lock held.</summary>
    internal static void Attach(Terminal* terminal, Process* leader)
    {
        terminal->Session = leader->SessionId;
        terminal->ForegroundGroup = leader->GroupId;
        leader->ControllingTerminal = terminal;
    }

    /// <summary>The session leader gives up its controlling terminal (TIOCNOTTY by the leader,
    /// or the leader's exit): the foreground group gets SIGHUP and SIGCONT, no process of the
    /// session keeps the terminal, and the terminal has no session (Linux disassociate_ctty).</summary>
    internal static void Disassociate(Process* leader)
    {
        bool table = Process.LockTable();
        Terminal* terminal = leader->ControllingTerminal;
        if (terminal != null && terminal->Session == leader->SessionId)
        {
            ulong foreground = terminal->ForegroundGroup;
            if (foreground != 0)
            {
                Process.SignalGroup(foreground, Process.SigHup);
                Process.SignalGroup(foreground, Process.SigCont);
            }

            ForgetInSession(leader->SessionId, terminal);
            terminal->Session = 0;
            terminal->ForegroundGroup = 0;
        }

        leader->ControllingTerminal = null;
        Process.UnlockTable(table);
    }

    /// <summary>Every process of the session loses the terminal. Table lock held.</summary>
    private static void ForgetInSession(ulong session, Terminal* terminal) => Process.ForgetTerminal(session, terminal);

    /// <summary>POSIX job control at a terminal (Linux __tty_check_change): a process whose
    /// controlling terminal this is, in a group other than the foreground one, gets
    /// <paramref name="signal"/> (SIGTTIN for a read, SIGTTOU for a write under TOSTOP or a
    /// change of settings) sent to its whole group and the call is restarted once it is
    /// continued (ERESTARTSYS). When it ignores or blocks the signal, a read fails with EIO and
    /// the rest goes ahead; an orphaned group cannot be stopped: EIO. 0: go ahead.</summary>
    private static long CheckJobControl(Terminal* terminal, Process* process, int signal)
    {
        if (process->ControllingTerminal != terminal) return 0;
        bool table = Process.LockTable();
        ulong foreground = terminal->ForegroundGroup;
        long result = 0;
        if (foreground != 0 && process->GroupId != foreground)
        {
            if (Process.IgnoresOrBlocks(process, signal)) result = signal == Process.SigTtin ? -Syscalls.Errno.EIO : 0;
            else if (Process.IsGroupOrphaned(process->GroupId)) result = -Syscalls.Errno.EIO;
            else
            {
                Process.SignalGroup(process->GroupId, signal);
                result = -Syscalls.Errno.ERESTARTSYS;
            }
        }

        Process.UnlockTable(table);
        return result;
    }
}
