using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Signals (SPEC PROC-5), Linux x86-64 numbers and ABI: rt_sigaction, rt_sigprocmask, kill,
/// tkill, rt_sigreturn. A signal sent to a process is pending until the process next returns
/// to user mode (from a system call or an interrupt); then the lowest unblocked pending signal
/// runs its handler on the user stack in a Linux <c>rt_sigframe</c> (siginfo, ucontext with the
/// interrupted registers and signal mask, the SSE state), whose return address is the libc's
/// restorer (SA_RESTORER), which calls rt_sigreturn. Default actions: terminate, except
/// SIGCHLD, SIGURG, SIGWINCH and SIGCONT (ignored) and the stop signals (Process.Stop.cs).
/// SIGKILL and SIGSTOP cannot be caught or blocked. A signal wakes an interruptible wait
/// (WaitQueue); the call it ends is restarted or fails with EINTR here, on the way out, by
/// Linux's rules (ERESTARTSYS, ERESTARTNOHAND, SA_RESTART).
/// </summary>
internal unsafe partial struct Process
{
    internal const int SignalCount = 64;
    private const int SigKill = 9, SigStop = 19, SigChld = 17, SigUrg = 23, SigWinch = 28;
    internal const int SigHup = 1, SigInt = 2, SigQuit = 3, SigCont = 18, SigTstp = 20, SigTtin = 21, SigTtou = 22;
    private const ulong HandlerDefault = 0, HandlerIgnore = 1;
    private const ulong SaRestorer = 0x0400_0000, SaNoDefer = 0x4000_0000, SaResetHand = 0x8000_0000, SaSiginfo = 4;
    private const ulong Unblockable = (1UL << (SigKill - 1)) | (1UL << (SigStop - 1));

    private static Process* s_allProcesses;

    /// <summary>The process-table lock: the list of processes, pids, parent/child links and
    /// wait status (docs/architecture.md, "Locks"). On one processor it is interrupts off;
    /// a process found under it stays valid (it cannot be reaped) until the matching unlock.</summary>
    internal static bool LockTable() => Cpu.SaveAndDisableInterrupts();

    internal static void UnlockTable(bool flags) => Cpu.RestoreInterrupts(flags);

    /// <summary>Links a new process into the list kill searches. Interrupts off.</summary>
    private static void Register(Process* process)
    {
        process->NextProcess = s_allProcesses;
        s_allProcesses = process;
    }

    /// <summary>Unlinks a process that is being freed. Interrupts off.</summary>
    private static void Unregister(Process* process)
    {
        if (s_allProcesses == process)
        {
            s_allProcesses = process->NextProcess;
            return;
        }

        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            if (p->NextProcess == process)
            {
                p->NextProcess = process->NextProcess;
                return;
            }
        }
    }

    /// <summary>Whether a live process has this pid. Only the answer leaves the lock: a process
    /// found is used only under the table lock (<see cref="FindLocked"/>), or it may be reaped
    /// and freed meanwhile.</summary>
    internal static bool Exists(long pid)
    {
        bool table = LockTable();
        bool found = FindLocked(pid) != null;
        UnlockTable(table);
        return found;
    }

    /// <summary>rt_sigaction(sig, act, oact, sigsetsize): struct k_sigaction is handler,
    /// flags, restorer, mask (4 words).</summary>
    internal static long SignalAction(Process* process, ulong signal, ulong action, ulong oldAction, ulong setSize)
    {
        if (signal < 1 || signal > SignalCount || setSize != 8) return -Syscalls.Errno.EINVAL;
        int i = (int)signal - 1;
        ulong* old = stackalloc ulong[4];
        old[0] = process->SignalHandler[i]; old[1] = process->SignalFlags[i]; old[2] = process->SignalRestorer[i]; old[3] = process->SignalHandlerMask[i];
        if (action != 0)
        {
            if (signal == SigKill || signal == SigStop) return -Syscalls.Errno.EINVAL;
            ulong* next = stackalloc ulong[4];
            if (!UserMemory.CopyFrom(process->Space, action, new Span<byte>(next, 32))) return -Syscalls.Errno.EFAULT;
            process->SignalHandler[i] = next[0];
            process->SignalFlags[i] = next[1];
            process->SignalRestorer[i] = next[2];
            process->SignalHandlerMask[i] = next[3] & ~Unblockable;
        }

        if (oldAction != 0 && !UserMemory.CopyTo(process->Space, oldAction, new ReadOnlySpan<byte>(old, 32))) return -Syscalls.Errno.EFAULT;
        return 0;
    }

    /// <summary>rt_sigprocmask(how, set, oldset, sigsetsize).</summary>
    internal static long SignalMask(Process* process, ulong how, ulong set, ulong oldSet, ulong setSize)
    {
        if (setSize != 8) return -Syscalls.Errno.EINVAL;
        ulong old = process->BlockedSignals;
        if (set != 0)
        {
            ulong value;
            if (!UserMemory.CopyFrom(process->Space, set, new Span<byte>(&value, 8))) return -Syscalls.Errno.EFAULT;
            ulong blocked = how switch { 0 => old | value, 1 => old & ~value, 2 => value, _ => ulong.MaxValue };
            if (blocked == ulong.MaxValue && how > 2) return -Syscalls.Errno.EINVAL;
            process->BlockedSignals = blocked & ~Unblockable;
        }

        if (oldSet != 0 && !UserMemory.CopyTo(process->Space, oldSet, new ReadOnlySpan<byte>(&old, 8))) return -Syscalls.Errno.EFAULT;
        return 0;
    }

    /// <summary>Makes <paramref name="signal"/> pending for <paramref name="target"/> as
    /// Linux's prepare_signal and send_signal do: a stop signal discards a pending SIGCONT,
    /// SIGCONT discards pending stop signals and continues a stopped process, SIGKILL wakes a
    /// stopped one; a signal the target ignores (SIG_IGN, or a default action of ignoring)
    /// and does not block is dropped at once, so it ends no wait. Signal 0 does nothing.
    /// Table lock held.</summary>
    internal static void SendLocked(Process* target, int signal, ulong senderId, int code = SiUser, ulong value = 0)
    {
        if (signal <= 0 || signal > SignalCount) return;
        ulong bit = 1UL << (signal - 1);
        if ((bit & StopSignals) != 0) target->PendingSignals &= ~(1UL << (SigCont - 1));
        if (signal == SigCont)
        {
            target->PendingSignals &= ~StopSignals;
            if (target->Stopped) Continue(target);
        }

        ulong handler = target->SignalHandler[signal - 1];
        bool ignored = signal != SigKill && signal != SigStop &&
            (handler == HandlerIgnore || (handler == HandlerDefault && IgnoredByDefault(signal)));
        if (ignored && (target->BlockedSignals & bit) == 0) return;
        target->PendingSignals |= bit;
        target->LastSender = senderId;
        target->SignalCode[signal - 1] = code;
        target->SignalValue[signal - 1] = value;
        if (signal == SigKill && target->Stopped) target->Resumed.WakeAll();
        // An interruptible wait (wait4, read, msgrcv, sockets, nanosleep) ends now so the
        // signal is seen at once; a blocked signal waits until it is unblocked.
        InterruptThreads(target, bit);
        Files.SignalFile.SignalPosted(); // signalfd readers and pollers look again

    }

    /// <summary>Ends the interruptible waits of every thread of <paramref name="target"/> that
    /// does not block a signal in <paramref name="bits"/> or waits for one in rt_sigtimedwait
    /// (SIGKILL: all): whichever returns to user mode first takes it and the others restart
    /// their calls. Interrupts off.</summary>
    private static void InterruptThreads(Process* target, ulong bits)
    {
        bool kill = (bits & (1UL << (SigKill - 1))) != 0;
        if (kill || Wants(target->Thread, bits)) Scheduler.Interrupt(target->Thread);
        for (KernelThread* t = target->OtherThreads; t != null; t = t->NextInGroup)
            if (kill || Wants(t, bits)) Scheduler.Interrupt(t);
    }

    private static bool Wants(KernelThread* thread, ulong bits) => (bits & (~thread->SignalMask | thread->SignalWaitSet)) != 0;

    /// <summary>tgkill/tkill to one thread: pending for that thread alone. Table lock held.</summary>
    internal static void SendToThreadLocked(Process* target, KernelThread* thread, int signal, ulong senderId)
    {
        if (signal <= 0 || signal > SignalCount) return;
        ulong bit = 1UL << (signal - 1);
        ulong handler = target->SignalHandler[signal - 1];
        bool ignored = signal != SigKill && signal != SigStop &&
            (handler == HandlerIgnore || (handler == HandlerDefault && IgnoredByDefault(signal)));
        if (ignored && (thread->SignalMask & bit) == 0) return;
        thread->ThreadPendingSignals |= bit;
        target->LastSender = senderId;
        target->SignalCode[signal - 1] = SiTkill;
        target->SignalValue[signal - 1] = 0;
        if (Wants(thread, bit) || signal == SigKill) Scheduler.Interrupt(thread);
        Files.SignalFile.SignalPosted();
    }


    /// <summary>ppoll/pselect6/rt_sigsuspend: waits under <paramref name="mask"/> until
    /// <see cref="EndTemporaryMask"/>.</summary>
    internal static void BeginTemporaryMask(Process* process, ulong mask)
    {
        process->SavedSignalMask = process->BlockedSignals;
        process->HasSavedSignalMask = true;
        process->BlockedSignals = mask & ~Unblockable;
    }

    /// <summary>The wait is over: the old mask comes back now, unless a signal interrupted it
    /// (<paramref name="interrupted"/>); then it stays until the handler's frame has saved the
    /// old mask, or until the return to user mode when no handler runs (Linux
    /// restore_saved_sigmask_unless).</summary>
    internal static void EndTemporaryMask(Process* process, bool interrupted)
    {
        if (!process->HasSavedSignalMask || interrupted) return;
        process->BlockedSignals = process->SavedSignalMask;
        process->HasSavedSignalMask = false;
    }

    /// <summary>Whether the process has a signal that would interrupt a wait (pending and unblocked,
    /// or one rt_sigtimedwait waits for).</summary>
    internal static bool HasDeliverableSignal(Process* process)
    {
        ulong pending = process->PendingSignals;
        KernelThread* self = Scheduler.Current;
        if (self != null && self->Process == process)
        {
            // Another thread ends the group: every wait of this one ends too.
            if (MustEndThread(process)) return true;
            pending |= self->ThreadPendingSignals;
        }

        return (pending & (~process->BlockedSignals | process->SignalWaitSet)) != 0;
    }

    /// <summary>The way back to user mode, on every architecture (arch/*/SignalFrame.cs enter
    /// the handler): takes deliverable signals off the thread's and the process's pending sets
    /// and does what each asks until one has a handler to run, whose number it returns (0: none
    /// left). Default actions happen here: ignored, stop (not for the keyboard's and the
    /// terminal's stops in an orphaned group: no shell is left to continue it; SIGSTOP always),
    /// or the end of the process; a thread whose group is ending ends here.</summary>
    internal static int NextSignalForHandler(Process* process, KernelThread* self, out ulong handler)
    {
        while (true)
        {
            if (MustEndThread(process)) EndThisThread(process);
            ulong deliverable = (process->PendingSignals | self->ThreadPendingSignals) & ~process->BlockedSignals;
            if (deliverable == 0) break;
            int signal = System.Numerics.BitOperations.TrailingZeroCount(deliverable) + 1;
            // A fault this thread raised goes before any other signal but SIGKILL (Linux's
            // dequeue_synchronous_signal): its handler must see the faulting instruction. Taken
            // in number order, a SIGUSR1 that arrived meanwhile ran first and the fault's
            // handler saw that handler's entry as the faulting context.
            int fault = process->FaultSignal;
            if (fault > 0 && signal != SigKill && (self->ThreadPendingSignals & deliverable & (1UL << (fault - 1))) != 0) signal = fault;
            // A signal sent to this thread first (Linux dequeues the thread's own queue first).
            if ((self->ThreadPendingSignals & (1UL << (signal - 1))) != 0) self->ThreadPendingSignals &= ~(1UL << (signal - 1));
            else process->PendingSignals &= ~(1UL << (signal - 1));
            handler = process->SignalHandler[signal - 1];
            if (signal == SigKill || signal == SigStop) handler = HandlerDefault;
            if (handler == HandlerIgnore) continue;
            if (handler == HandlerDefault)
            {
                if (IgnoredByDefault(signal)) continue;
                if (((1UL << (signal - 1)) & StopSignals) != 0)
                {
                    if (signal == SigStop || !IsCurrentGroupOrphaned(process)) StopCurrent(process, signal);
                    continue;
                }

                Exit(signal);
            }

            return signal;
        }

        handler = 0;
        return 0;
    }
}
