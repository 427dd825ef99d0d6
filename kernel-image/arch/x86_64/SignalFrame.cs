using System;
using UserState = Aurora.Kernel.Arch.X86_64.UserState;
using UserMode = Aurora.Kernel.Arch.X86_64.UserMode;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

// The x86-64 half of signal delivery (Linux's arch/x86/kernel/signal.c): the way out of the
// kernel with a signal pending, restarting an interrupted system call, and the rt_sigframe in
// the x86-64 layout. What a signal does and when (kernel/Processes/Process.Signals.cs) is the
// same on every architecture; each arch folder supplies these members.
internal unsafe partial struct Process
{
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
        int signal = NextSignalForHandler(process, self, out ulong handler);
        if (signal != 0)
        {
            InterruptedByHandler(state, process->SignalFlags[signal - 1]);
            if (!EnterHandler(process, state, signal, handler)) Exit(SignalSegmentation);
            return;
        }

        // No handler runs: the mask rt_sigsuspend replaced is back, and a call a signal
        // interrupted starts again, whatever kind it is.
        RestoreSavedMask(process);
        if (state->Syscall != null && IsRestartCode(state->Rax)) Restart(state);
    }

    /// <summary>What <see cref="BeforeUserReturn"/> tests first, for a system call that returns
    /// <paramref name="rax"/>: false when it would return at once (the architecture's syscall
    /// exit then skips it). Reads the thread and its process once.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static bool HasWorkBeforeSyscallReturn(long rax)
    {
        KernelThread* self = Scheduler.Current;
        if (self == null) return false;
        Process* process = (Process*)self->Process;
        if (process == null) return false;
        return process->GroupExiting || self->Return.Any ||
            ((process->PendingSignals | self->ThreadPendingSignals) & ~self->SignalMask) != 0 || IsRestartCode(rax);
    }

    // -ERESTARTNOHAND (-514) to -ERESTARTSYS (-512), one unsigned compare.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool IsRestartCode(long rax) => (ulong)(rax + Syscalls.Errno.ERESTARTNOHAND) <= Syscalls.Errno.ERESTARTNOHAND - Syscalls.Errno.ERESTARTSYS;

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
        ulong sp = HandlerStack(process, registers[UserState.Rsp], flags, ucStack, out bool onAlternate);
        ulong fpu = (sp - 512) & ~63UL;
        ulong frameAddress = ((fpu - FrameSize) & ~15UL) - 8; // handler entry: rsp + 8 is 16-byte aligned
        // A frame that would leave the alternate stack is not written below it (SIGSEGV).
        if (onAlternate && !FrameOnStack(frameAddress, ucStack)) return false;
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
