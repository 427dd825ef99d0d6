using System;
using UserState = Aurora.Kernel.Arch.X86_64.UserState;
using UserMode = Aurora.Kernel.Arch.X86_64.UserMode;
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

    /// <summary>The live process with this pid, or null. Hold <see cref="LockTable"/> while
    /// using the result, or it may be reaped meanwhile.</summary>
    internal static Process* Find(long pid)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        Process* found = s_allProcesses;
        while (found != null && (found->Id != (ulong)pid || found->Thread->State == ThreadState.Exited)) found = found->NextProcess;
        Cpu.RestoreInterrupts(interrupts);
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

    /// <summary>Called by the architecture on every return to user mode: runs the default
    /// action or enters the handler of each deliverable signal (one handler per return; the
    /// next is delivered when that one returns or calls into the kernel).</summary>
    internal static void BeforeUserReturn(UserState* state)
    {
        Process* process = Current;
        if (process == null) return;
        KernelThread* self = Scheduler.Current;
        // The common return, checked in one go (issue 17: every system call passes here):
        // nothing ends the thread, no signal to deliver, no mask to restore, nothing to restart.
        if (!process->GroupExiting && !process->HasSavedSignalMask &&
            ((process->PendingSignals | self->ThreadPendingSignals) & ~self->SignalMask) == 0 &&
            (state->Syscall == null || !IsRestartCode(state->Rax)))
            return;
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
            ulong handler = process->SignalHandler[signal - 1];
            if (signal == SigKill || signal == SigStop) handler = HandlerDefault;
            if (handler == HandlerIgnore) continue;
            if (handler == HandlerDefault)
            {
                if (IgnoredByDefault(signal)) continue;
                if (((1UL << (signal - 1)) & StopSignals) != 0)
                {
                    // The keyboard's and the terminal's stops do nothing to an orphaned group
                    // (no shell is left to continue it); SIGSTOP always stops.
                    if (signal == SigStop || !IsCurrentGroupOrphaned(process)) StopCurrent(process, signal);
                    continue;
                }

                Exit(signal);
            }

            InterruptedByHandler(state, process->SignalFlags[signal - 1]);
            if (!EnterHandler(process, state, signal, handler)) Exit(SignalSegmentation);
            return;
        }

        // No handler runs: the mask rt_sigsuspend replaced is back, and a call a signal
        // interrupted starts again, whatever kind it is.
        RestoreSavedMask(process);
        if (state->Syscall != null && IsRestartCode(state->Rax)) Restart(state);
    }

    private static bool IsRestartCode(long rax) =>
        rax == -Syscalls.Errno.ERESTARTSYS || rax == -Syscalls.Errno.ERESTARTNOHAND || rax == -Syscalls.Errno.ERESTARTNOINTR;

    private const ulong SaRestart = 0x1000_0000;

    /// <summary>A handler is about to run over a system call a signal interrupted: with
    /// SA_RESTART a restartable call (ERESTARTSYS) runs again when the handler returns;
    /// otherwise it fails with EINTR (Linux arch/x86/kernel/signal.c, handle_signal).</summary>
    private static void InterruptedByHandler(UserState* state, ulong flags)
    {
        if (state->Syscall == null) return;
        if (state->Rax == -Syscalls.Errno.ERESTARTNOINTR) Restart(state); // whatever the handler's flags
        else if (state->Rax == -Syscalls.Errno.ERESTARTSYS && (flags & SaRestart) != 0) Restart(state);
        else if (state->Rax == -Syscalls.Errno.ERESTARTSYS || state->Rax == -Syscalls.Errno.ERESTARTNOHAND) state->Rax = -Syscalls.Errno.EINTR;
    }

    /// <summary>Makes the interrupted call run again: back to the SYSCALL instruction (2 bytes,
    /// 0F 05) with the call's number in rax; the arguments are still in their registers, which
    /// the syscall path preserves (a handler's frame saves and restores them).</summary>
    private static void Restart(UserState* state)
    {
        state->Syscall->Rip -= 2;
        state->Rax = (long)state->Syscall->Number;
    }

    // rt_sigframe layout (Linux arch/x86/include/asm/sigframe.h; uapi sigcontext.h, ucontext.h):
    // pretcode, ucontext { uc_flags, uc_link, uc_stack (24), uc_mcontext (sigcontext, 256),
    // uc_sigmask (8) }, siginfo (128).
    private const int FrameUcontext = 8, FrameMcontext = FrameUcontext + 40, FrameMask = FrameUcontext + 296, FrameInfo = FrameUcontext + 304;
    private const int FrameSize = FrameInfo + 128;

    /// <summary>AT_MINSIGSTKSZ: the most a handler's entry takes of a stack — the red zone,
    /// the 512-byte fxsave area (64-aligned), the frame and its alignment (Linux computes the
    /// same from its own frame and xstate sizes).</summary>
    internal const ulong MinimumSignalStack = RedZone + 512 + 64 + FrameSize + 16 + 8;
    // struct sigcontext: 18 registers, cs/gs/fs/ss (one word), err, trapno, oldmask, cr2, then
    // fpstate: word 23 (offset 184), where musl's mcontext_t has fpregs and glibc its fpregs.
    private const int McontextFpstate = 23 * 8;

    /// <summary>struct sigcontext word 18: cs, gs, fs, ss (16 bits each); Linux's 64-bit user
    /// code selector is 0x33.</summary>
    private const int ContextSegments = 18;
    private const ushort LinuxUserCode = 0x33;
    private const ulong RedZone = 128;

    private static bool EnterHandler(Process* process, UserState* state, int signal, ulong handler)
    {
        int i = signal - 1;
        ulong flags = process->SignalFlags[i];
        if ((flags & SaRestorer) == 0) return false; // no way back from the handler
        // Both become user RIPs (the handler directly, the restorer through the handler's ret):
        // never return to user mode at an address outside the user half.
        if (!UserMode.IsUserAddress(handler)) UserMode.RefuseReturn(handler);
        if (!UserMode.IsUserAddress(process->SignalRestorer[i])) UserMode.RefuseReturn(process->SignalRestorer[i]);
        ulong* registers = stackalloc ulong[UserState.RegisterCount];
        state->Read(registers);

        // The SSE state, then the frame, below the interrupted stack and its red zone (or on
        // the alternate stack).
        ulong* ucStack = stackalloc ulong[3];
        ulong sp = HandlerStack(process, registers[UserState.Rsp], flags, ucStack);
        ulong fpu = (sp - 512) & ~63UL;
        ulong frameAddress = ((fpu - FrameSize) & ~15UL) - 8; // handler entry: rsp + 8 is 16-byte aligned
        byte* frame = stackalloc byte[FrameSize];
        new Span<byte>(frame, FrameSize).Clear();
        *(ulong*)frame = process->SignalRestorer[i];
        ulong* mcontext = (ulong*)(frame + FrameMcontext);
        for (int r = 0; r < UserState.RegisterCount; r++) mcontext[r] = registers[r];
        mcontext[ContextSegments] = 0x002B_0000_0000_0033; // cs, gs, fs, ss as Linux reports them
        mcontext[McontextFpstate / 8] = fpu;
        for (int w = 0; w < 3; w++) ((ulong*)(frame + FrameUcontext + 16))[w] = ucStack[w];
        // The mask to return to: rt_sigsuspend's caller gets its own back, not the one it waited under.
        *(ulong*)(frame + FrameMask) = process->HasSavedSignalMask ? process->SavedSignalMask : process->BlockedSignals;
        *(int*)(frame + FrameInfo) = signal;          // si_signo
        if (process->FaultSignal == signal)
        {
            // Raised by the program's own fault: si_code says why, si_addr where (the union's
            // first field, at offset 16 as si_pid is).
            *(int*)(frame + FrameInfo + 8) = process->FaultCode;
            *(ulong*)(frame + FrameInfo + 16) = process->FaultAddress;
            process->FaultSignal = 0;
        }
        else
        {
            // si_code: SI_USER for kill, else what a timer or rt_sigqueueinfo gave, with si_value.
            *(int*)(frame + FrameInfo + 8) = process->SignalCode[i];
            *(int*)(frame + FrameInfo + 16) = (int)process->LastSender; // si_pid
            *(ulong*)(frame + FrameInfo + 24) = process->SignalValue[i];
            process->SignalCode[i] = 0;
            process->SignalValue[i] = 0;
        }
        // The fxsave image without the bytes fxsave never writes (464-511, software-available):
        // on the kernel stack they are whatever was there before.
        byte* fpuImage = stackalloc byte[512];
        new ReadOnlySpan<byte>(state->FpuArea, 512).CopyTo(new Span<byte>(fpuImage, 512));
        UserState.ClearUnwrittenFpuBytes(fpuImage);
        if (!UserMemory.CopyTo(process->Space, fpu, new ReadOnlySpan<byte>(fpuImage, 512)) ||
            !UserMemory.CopyTo(process->Space, frameAddress, new ReadOnlySpan<byte>(frame, FrameSize)))
            return false;

        process->HasSavedSignalMask = false; // it is in the frame now
        process->BlockedSignals |= process->SignalHandlerMask[i] | ((flags & SaNoDefer) == 0 ? 1UL << i : 0);
        process->BlockedSignals &= ~Unblockable;
        if ((flags & SaResetHand) != 0) process->SignalHandler[i] = HandlerDefault;
        state->EnterHandler(handler, frameAddress, (ulong)signal, frameAddress + FrameInfo, frameAddress + FrameUcontext);
        return true;
    }

    /// <summary>rt_sigreturn: the handler returned through the restorer, so the rt_sigframe
    /// (minus its return address) is at the user stack pointer. Restores registers, SSE state
    /// and signal mask, and resumes the interrupted code; a damaged frame is SIGSEGV. A NULL
    /// fpstate is valid, as on Linux: the x87/SSE state starts afresh (initial state).</summary>
    internal static void SignalReturn(Process* process, ulong userStack)
    {
        ulong frameAddress = userStack - 8;
        byte* frame = stackalloc byte[FrameSize];
        byte* fpuBuffer = stackalloc byte[512 + 16];
        byte* fpu = (byte*)(((ulong)fpuBuffer + 15) & ~15UL);
        bool ok = UserMemory.CopyFrom(process->Space, frameAddress, new Span<byte>(frame, FrameSize));
        ulong* registers = (ulong*)(frame + FrameMcontext);
        ulong fpstate = ok ? registers[McontextFpstate / 8] : 0;
        if (fpstate == 0) UserState.InitialFpu(fpu);
        else ok = ok && UserMemory.CopyFrom(process->Space, fpstate, new Span<byte>(fpu, 512));
        ok = ok && UserState.IsValidFpu(fpu); // else fxrstor would fault (#GP) in the kernel
        ok = ok && UserMode.IsUserAddress(registers[UserState.Rip]) && registers[UserState.Rsp] < UserMemory.UserLimit;
        // The code segment must be the 64-bit user one the frame reported (Linux loads
        // sc.cs | 3 and a kernel selector then faults the iret: SIGSEGV; only the 64-bit user
        // selector is meaningful here). Other values are refused the same way.
        ok = ok && ((ushort)registers[ContextSegments] | 3) == LinuxUserCode;
        if (!ok) Exit(SignalSegmentation);
        process->BlockedSignals = *(ulong*)(frame + FrameMask) & ~Unblockable;
        RestoreSignalStack(process, userStack, (ulong*)(frame + FrameUcontext + 16));
        UserState.ResumeWithSignals(registers, fpu);
    }
}
