using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>sigaltstack's stack (Linux stack_t: ss_sp, ss_flags, ss_size).</summary>
internal struct SignalStack
{
    public ulong Base;
    public ulong Size;

    /// <summary>SS_AUTODISARM as given; disabled is Size 0.</summary>
    public int Flags;
}

/// <summary>
/// Waiting for signals and where handlers run (Linux kernel/signal.c): rt_sigsuspend, pause,
/// rt_sigpending, rt_sigtimedwait, sigaltstack, and posting a signal to a process (kill, the
/// interval timers). A signal whose action is to be ignored is discarded when sent, unless the
/// process blocks it (Linux sig_ignored), so it never ends a wait.
/// </summary>
internal unsafe partial struct Process
{
    private const ulong SaOnStack = 0x0800_0000;
    private const int SsOnStack = 1, SsDisable = 2;
    private const int SsAutoDisarm = unchecked((int)0x8000_0000);
    private const ulong MinSignalStackSize = 2048; // MINSIGSTKSZ

    // siginfo si_code values (Linux include/uapi/asm-generic/siginfo.h).
    private const int SiUser = 0, SiTkill = -6; // and SiKernel (Process.Lifecycle.cs)

    /// <summary>Sends <paramref name="signal"/> to <paramref name="target"/> from the kernel or a
    /// process (<paramref name="sender"/>, 0 for the kernel) with siginfo's si_code and si_value,
    /// as <see cref="SendLocked"/> does (stop and continue rules, ignored signals dropped).
    /// Holds interrupts off itself; called with the table lock held or from the timer tick.</summary>
    internal static void Post(Process* target, int signal, ulong sender, int code = SiUser, ulong value = 0)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        SendLocked(target, signal, sender, code, value);
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>rt_sigqueueinfo(pid, sig, info): sends with the caller's siginfo (its si_code,
    /// si_pid and si_value; si_signo becomes sig). Linux's order: EFAULT for the copy; EPERM
    /// for a code that poses as kill or the kernel (si_code &gt;= 0, or SI_TKILL) to another
    /// process; ESRCH for no such process; EINVAL for a bad signal. Signal 0 only checks.</summary>
    internal static long QueueSignal(Process* sender, int pid, int signal, ulong infoAddress)
    {
        byte* info = stackalloc byte[128];
        if (!UserMemory.CopyFrom(sender->Space, infoAddress, new Span<byte>(info, 128))) return -Syscalls.Errno.EFAULT;
        int code = *(int*)(info + 8);
        if ((code >= 0 || code == SiTkill) && (ulong)pid != sender->Id) return -Syscalls.Errno.EPERM;
        bool table = LockTable();
        Process* target = pid > 0 ? FindLocked(pid) : null;
        long result = target == null ? -Syscalls.Errno.ESRCH : signal < 0 || signal > SignalCount ? -Syscalls.Errno.EINVAL
            : !sender->Sandbox.MayReach(target->Sandbox) ? -Syscalls.Errno.EPERM : 0;
        if (result == 0 && signal != 0) Post(target, signal, (uint)*(int*)(info + 16), code, *(ulong*)(info + 24));
        UnlockTable(table);
        return result;
    }

    /// <summary>Sleeps until a signal is deliverable under the current mask. Interruptible.</summary>
    private static void SleepUntilSignal(Process* process)
    {
        while (true)
        {
            Scheduler.PrepareWait(interruptible: true);
            if (HasDeliverableSignal(process))
            {
                Scheduler.EndWait();
                return;
            }

            Scheduler.BlockUntilWoken(Scheduler.NoDeadline);
        }
    }

    /// <summary>pause(): until a signal runs a handler (then EINTR) or ends the process.</summary>
    internal static long Pause(Process* process)
    {
        SleepUntilSignal(process);
        return -Syscalls.Errno.ERESTARTNOHAND;
    }

    /// <summary>rt_sigsuspend(mask, sigsetsize): waits under <paramref name="maskAddress"/>'s
    /// mask; the old mask comes back when the handler returns (the frame records it), or at
    /// once when no handler runs (<see cref="BeforeUserReturn"/>). Always EINTR.</summary>
    internal static long SignalSuspend(Process* process, ulong maskAddress, ulong setSize)
    {
        if (setSize != 8) return -Syscalls.Errno.EINVAL;
        ulong mask;
        if (!UserMemory.CopyFrom(process->Space, maskAddress, new Span<byte>(&mask, 8))) return -Syscalls.Errno.EFAULT;
        BeginTemporaryMask(process, mask);
        SleepUntilSignal(process);
        return -Syscalls.Errno.ERESTARTNOHAND;
    }

    /// <summary>The mask rt_sigsuspend replaced is back (no handler ran, or the frame took it).</summary>
    private static void RestoreSavedMask(Process* process)
    {
        if (!process->HasSavedSignalMask) return;
        process->HasSavedSignalMask = false;
        process->BlockedSignals = process->SavedSignalMask;
    }

    /// <summary>rt_sigpending(set, sigsetsize): the pending signals that are blocked (an
    /// unblocked one would have been delivered). A size above 8 is EINVAL; a smaller one
    /// copies that many bytes, as Linux.</summary>
    internal static long SignalPending(Process* process, ulong setAddress, ulong setSize)
    {
        if (setSize > 8) return -Syscalls.Errno.EINVAL;
        ulong pending = (process->PendingSignals | Scheduler.Current->ThreadPendingSignals) & process->BlockedSignals;
        return UserMemory.CopyTo(process->Space, setAddress, new ReadOnlySpan<byte>(&pending, (int)setSize)) ? 0 : -Syscalls.Errno.EFAULT;
    }

    /// <summary>rt_sigtimedwait(set, info, timeout, sigsetsize): takes the lowest pending signal
    /// of the set without running its handler and answers its number (and its siginfo); waits
    /// for one up to the timeout (NULL: forever): EAGAIN when it runs out, EINTR when another
    /// signal arrives. While it waits the set is unblocked so a signal of the set wakes it.</summary>
    internal static long SignalTimedWait(Process* process, ulong setAddress, ulong infoAddress, ulong timeoutAddress, ulong setSize)
    {
        if (setSize != 8) return -Syscalls.Errno.EINVAL;
        ulong set;
        if (!UserMemory.CopyFrom(process->Space, setAddress, new Span<byte>(&set, 8))) return -Syscalls.Errno.EFAULT;
        set &= ~Unblockable;
        ulong deadlineTick = Scheduler.NoDeadline;
        if (timeoutAddress != 0)
        {
            long* time = stackalloc long[2];
            if (!UserMemory.CopyFrom(process->Space, timeoutAddress, new Span<byte>(time, 16))) return -Syscalls.Errno.EFAULT;
            if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Syscalls.Errno.EINVAL;
            deadlineTick = Syscalls.TimeCalls.DeadlineTick(Syscalls.TimeCalls.MonotonicNanoseconds(), time[0], time[1]);
        }

        int signal = 0;
        bool timedOut = false;
        // The set's signals wake the wait though blocked (Linux unblocks them into real_blocked).
        process->SignalWaitSet = set;
        while (true)
        {
            Scheduler.PrepareWait(interruptible: true);
            signal = DequeueSignal(process, set);
            if (signal != 0 || HasDeliverableSignal(process) || timedOut || Timer.Ticks() >= deadlineTick)
            {
                Scheduler.EndWait();
                break;
            }

            timedOut = Scheduler.BlockUntilWoken(deadlineTick) == WakeReason.TimedOut;
        }

        process->SignalWaitSet = 0;
        if (signal == 0) return HasDeliverableSignal(process) ? -Syscalls.Errno.EINTR : -Syscalls.Errno.EAGAIN;
        TakeSignalInfo(process, signal, out int takenCode, out ulong takenValue);
        if (infoAddress != 0)
        {
            byte* info = stackalloc byte[128];
            new Span<byte>(info, 128).Clear();
            *(int*)info = signal;                        // si_signo
            *(int*)(info + 8) = takenCode;                  // si_code
            *(int*)(info + 16) = (int)process->LastSender; // si_pid
            *(ulong*)(info + 24) = takenValue;             // si_value
            if (!UserMemory.CopyTo(process->Space, infoAddress, new ReadOnlySpan<byte>(info, 128))) return -Syscalls.Errno.EFAULT;
        }

        return signal;
    }

    /// <summary>Takes the lowest pending signal of <paramref name="set"/> off the calling
    /// thread's pending set, or else the process's (Linux dequeue_signal's order), without
    /// running its handler; 0 when none is pending. Take its siginfo next with
    /// <see cref="TakeSignalInfo"/>. Used by rt_sigtimedwait and signalfd's read.</summary>
    internal static int DequeueSignal(Process* process, ulong set)
    {
        int signal = 0;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = Scheduler.Current;
        ulong ready = self->ThreadPendingSignals & set;
        if (ready != 0)
        {
            signal = System.Numerics.BitOperations.TrailingZeroCount(ready) + 1;
            self->ThreadPendingSignals &= ~(1UL << (signal - 1));
        }
        else if ((ready = process->PendingSignals & set) != 0)
        {
            signal = System.Numerics.BitOperations.TrailingZeroCount(ready) + 1;
            process->PendingSignals &= ~(1UL << (signal - 1));
        }

        Cpu.RestoreInterrupts(interrupts);
        return signal;
    }

    /// <summary>Whether a signal of <paramref name="set"/> is pending for the calling thread or
    /// its process (signalfd's readiness).</summary>
    internal static bool HasPendingSignal(Process* process, ulong set) =>
        ((Scheduler.Current->ThreadPendingSignals | process->PendingSignals) & set) != 0;

    /// <summary>A dequeued signal's si_code and si_value (then reset); its sender is
    /// <see cref="LastSender"/>.</summary>
    internal static void TakeSignalInfo(Process* process, int signal, out int code, out ulong value)
    {
        code = process->SignalCode[signal - 1];
        value = process->SignalValue[signal - 1];
        process->SignalCode[signal - 1] = SiUser;
        process->SignalValue[signal - 1] = 0;
    }

    /// <summary>Whether <paramref name="sp"/> is on the process's alternate stack (Linux
    /// on_sig_stack: an auto-disarming stack never counts).</summary>
    private static bool OnSignalStack(Process* process, ulong sp)
    {
        ref SignalStack stack = ref process->AlternateStack;
        if ((stack.Flags & SsAutoDisarm) != 0) return false;
        return sp > stack.Base && sp - stack.Base <= stack.Size;
    }

    /// <summary>stack_t's ss_flags for the caller at <paramref name="sp"/>.</summary>
    private static int SignalStackFlags(Process* process, ulong sp)
    {
        ref SignalStack stack = ref process->AlternateStack;
        if (stack.Size == 0) return SsDisable;
        return (OnSignalStack(process, sp) ? SsOnStack : 0) | stack.Flags;
    }

    /// <summary>sigaltstack's rules (Linux do_sigaltstack): EPERM while running on the stack,
    /// EINVAL for unknown flags, ENOMEM for a stack under MINSIGSTKSZ.</summary>
    private static long ChangeSignalStack(Process* process, ulong sp, ulong stackBase, int flags, ulong size)
    {
        if (OnSignalStack(process, sp)) return -Syscalls.Errno.EPERM;
        int mode = flags & ~SsAutoDisarm;
        if (mode != 0 && mode != SsDisable && mode != SsOnStack) return -Syscalls.Errno.EINVAL;
        if (mode == SsDisable)
        {
            process->AlternateStack = default;
            return 0;
        }

        if (size < MinSignalStackSize) return -Syscalls.Errno.ENOMEM;
        process->AlternateStack.Base = stackBase;
        process->AlternateStack.Size = size;
        process->AlternateStack.Flags = flags & SsAutoDisarm;
        return 0;
    }

    /// <summary>sigaltstack(ss, old_ss).</summary>
    internal static long SignalStackCall(Process* process, ulong newAddress, ulong oldAddress)
    {
        ulong sp = process->UserStackAtCall;
        ulong* old = stackalloc ulong[3];
        old[0] = process->AlternateStack.Base;
        old[1] = (uint)SignalStackFlags(process, sp);
        old[2] = process->AlternateStack.Size;
        if (newAddress != 0)
        {
            ulong* next = stackalloc ulong[3];
            if (!UserMemory.CopyFrom(process->Space, newAddress, new Span<byte>(next, 24))) return -Syscalls.Errno.EFAULT;
            long result = ChangeSignalStack(process, sp, next[0], (int)next[1], next[2]);
            if (result != 0) return result;
        }

        if (oldAddress != 0 && !UserMemory.CopyTo(process->Space, oldAddress, new ReadOnlySpan<byte>(old, 24))) return -Syscalls.Errno.EFAULT;
        return 0;
    }

    /// <summary>Where a handler's frame goes: below the interrupted stack and its red zone, or
    /// at the top of the alternate stack for an SA_ONSTACK handler not already on it. Fills
    /// the frame's uc_stack with the stack as it was, then disarms an SS_AUTODISARM stack.
    /// <paramref name="onAlternate"/>: the frame is on the alternate stack (entering it, or
    /// nested on it) and must fit inside [uc_stack.ss_sp, ss_sp + ss_size): Linux's
    /// get_sigframe gives SIGSEGV for a frame that would overflow it rather than write below
    /// it into whatever memory lies there.</summary>
    private static ulong HandlerStack(Process* process, ulong sp, ulong flags, ulong* ucStack, out bool onAlternate)
    {
        ucStack[0] = process->AlternateStack.Base;
        ucStack[1] = (uint)SignalStackFlags(process, sp);
        ucStack[2] = process->AlternateStack.Size;
        // Linux's get_sigframe: nested by the interrupted stack pointer, entering by the one
        // below the red zone (64 bytes above the stack's base enters it again, at its top).
        onAlternate = OnSignalStack(process, sp);
        ulong below = sp - RedZone;
        if ((flags & SaOnStack) == 0 || process->AlternateStack.Size == 0 || OnSignalStack(process, below)) return below;
        onAlternate = true;
        ulong top = process->AlternateStack.Base + process->AlternateStack.Size;
        if ((process->AlternateStack.Flags & SsAutoDisarm) != 0) process->AlternateStack = default;
        return top;
    }

    /// <summary>Whether a frame starting at <paramref name="frame"/> lies on the alternate stack
    /// <paramref name="ucStack"/> described (Linux's __on_sig_stack, with the stack's bounds
    /// as they were before an SS_AUTODISARM stack was disarmed).</summary>
    private static bool FrameOnStack(ulong frame, ulong* ucStack) => frame > ucStack[0] && frame - ucStack[0] <= ucStack[2];

    /// <summary>rt_sigreturn puts back the stack the frame recorded (an auto-disarmed one comes
    /// back); refused changes are ignored, as Linux's restore_altstack ignores them.</summary>
    private static void RestoreSignalStack(Process* process, ulong sp, ulong* ucStack) =>
        ChangeSignalStack(process, sp, ucStack[0], (int)ucStack[1], ucStack[2]);
}
