using System;
using Aurora.Kernel.Arch.Aarch64;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

// The aarch64 half of signal delivery (Linux arch/arm64/kernel/signal.c; arch/x86_64/SignalFrame.cs
// is the x86-64 one): the way back to EL0 with a signal pending, restarting an interrupted
// system call, and the rt_sigframe in the arm64 layout. What a signal does and when
// (kernel/Processes/Process.Signals.cs) is the same on every architecture.
internal unsafe partial struct Process
{
    /// <summary>AT_MINSIGSTKSZ: Linux arm64's MINSIGSTKSZ (uapi asm/signal.h), the least a
    /// handler's frame takes there.</summary>
    internal const ulong MinimumSignalStack = 5120;

    /// <summary>AAPCS64 has no red zone below the stack pointer (x86-64's System V has 128 bytes).</summary>
    private const ulong RedZone = 0;

    /// <summary>Called on every return to EL0 of a process's thread (UserEntry.cs): runs the
    /// default action or enters the handler of each deliverable signal, one handler per return.
    /// <paramref name="result"/> is the system call's result on that path (null otherwise).</summary>
    internal static void BeforeUserReturn(TrapFrame* frame, long* result)
    {
        Process* process = Current;
        if (process == null) return;
        KernelThread* self = Scheduler.Current;
        if (result != null) Files.CallReferences.ReleaseAll();
        if (!process->GroupExiting && !process->HasSavedSignalMask &&
            ((process->PendingSignals | self->ThreadPendingSignals) & ~self->SignalMask) == 0 &&
            (result == null || !IsRestartCode(*result)))
            return;
        int signal = NextSignalForHandler(process, self, out ulong handler);
        if (signal != 0)
        {
            if (result != null) InterruptedByHandler(frame, result, process->SignalFlags[signal - 1]);
            if (!EnterHandler(process, frame, result, signal, handler)) Exit(SignalSegmentation);
            return;
        }

        RestoreSavedMask(process);
        if (result != null && IsRestartCode(*result)) Restart(frame, result);
    }

    /// <summary>What <see cref="BeforeUserReturn"/> tests first, for a system call that returns
    /// <paramref name="result"/>: false when it would return at once.</summary>
    internal static bool HasWorkBeforeSyscallReturn(long result)
    {
        KernelThread* self = Scheduler.Current;
        if (self == null) return false;
        Process* process = (Process*)self->Process;
        if (process == null) return false;
        return process->GroupExiting || self->Return.Any ||
            ((process->PendingSignals | self->ThreadPendingSignals) & ~self->SignalMask) != 0 || IsRestartCode(result);
    }

    // -ERESTARTNOHAND (-514) to -ERESTARTSYS (-512), one unsigned compare.
    private static bool IsRestartCode(long result) => (ulong)(result + Syscalls.Errno.ERESTARTNOHAND) <= Syscalls.Errno.ERESTARTNOHAND - Syscalls.Errno.ERESTARTSYS;

    /// <summary>SA_RESTART restarts a restartable call under a handler; otherwise EINTR (Linux
    /// arch/arm64/kernel/signal.c, handle_signal).</summary>
    private static void InterruptedByHandler(TrapFrame* frame, long* result, ulong flags)
    {
        const ulong SaRestart = 0x1000_0000;
        if (*result == -Syscalls.Errno.ERESTARTNOINTR) Restart(frame, result);
        else if (*result == -Syscalls.Errno.ERESTARTSYS && (flags & SaRestart) != 0) Restart(frame, result);
        else if (*result == -Syscalls.Errno.ERESTARTSYS || *result == -Syscalls.Errno.ERESTARTNOHAND) *result = -Syscalls.Errno.EINTR;
    }

    /// <summary>Back to the `svc #0` (4 bytes) with x0 as the call had it: the frame still
    /// holds the first argument (Linux keeps orig_x0 for the same reason); x8 and x1-x5 are
    /// unchanged.</summary>
    private static void Restart(TrapFrame* frame, long* result)
    {
        frame->ExceptionLink -= 4;
        *result = (long)frame->X[0];
    }

    // struct rt_sigframe (Linux arch/arm64/kernel/signal.c): siginfo (128), then struct ucontext
    // (uapi asm/ucontext.h): uc_flags, uc_link, uc_stack (24), uc_sigmask (8) and padding to
    // 1024 bits of mask, then uc_mcontext (struct sigcontext, 16-aligned): fault_address,
    // regs[31], sp, pc, pstate, __reserved[4096] (16-aligned) holding the fpsimd_context
    // (magic, size 528, fpsr, fpcr, vregs[32]) and a terminating empty record.
    private const int FrameInfo = 0, FrameUcontext = 128, FrameStack = FrameUcontext + 16, FrameMask = FrameUcontext + 40,
        FrameMcontext = FrameUcontext + 176, FrameFault = FrameMcontext, FrameRegisters = FrameMcontext + 8,
        FrameSp = FrameMcontext + 256, FramePc = FrameMcontext + 264, FramePstate = FrameMcontext + 272,
        FrameReserved = FrameMcontext + 288, FrameSize = FrameReserved + 4096;
    private const uint FpsimdMagic = 0x4650_8001, FpsimdSize = 528;
    /// <summary>The PSTATE bits user code owns: the condition flags N, Z, C, V. The rest (the
    /// exception level, DAIF, single step) is the kernel's.</summary>
    private const ulong UserPstate = 0xF000_0000;
    /// <summary>A frame whose PSTATE names another mode than EL0t (M[3:0]), AArch32 (M[4]) or
    /// masks D, A, I or F (bits 9-6) is refused, as Linux's valid_user_regs refuses it
    /// (arch/arm64/kernel/ptrace.c, valid_native_regs: rt_sigreturn's SIGSEGV); the other
    /// bits are dropped, not refused.</summary>
    private const ulong RefusedPstate = 0x3DF;

    private static bool EnterHandler(Process* process, TrapFrame* frame, long* result, int signal, ulong handler)
    {
        int i = signal - 1;
        ulong flags = process->SignalFlags[i];
        // Without SA_RESTORER (glibc's arm64 sigaction), Linux returns through its vDSO's
        // trampoline; Aurora maps the same two instructions at exec (Process.SignalTrampoline).
        ulong restorer = (flags & SaRestorer) != 0 ? process->SignalRestorer[i] : process->SignalTrampoline;
        if (restorer == 0) return false;
        if (handler >= UserMemory.UserLimit || restorer >= UserMemory.UserLimit) return false;

        ulong* ucStack = stackalloc ulong[3];
        ulong sp = HandlerStack(process, frame->UserStackPointer, flags, ucStack, out bool onAlternate);
        // A frame record {x29, x30} above the sigframe, both 16-aligned (Linux's layout).
        ulong record = (sp - 16) & ~15UL;
        ulong frameAddress = (record - FrameSize) & ~15UL;
        // A frame that would leave the alternate stack is not written below it (SIGSEGV).
        if (onAlternate && !FrameOnStack(frameAddress, ucStack)) return false;
        byte* bytes = (byte*)Memory.KernelMemory.Allocate(FrameSize);
        if (bytes == null) return false;
        new Span<byte>(bytes, FrameSize).Clear();
        *(int*)(bytes + FrameInfo) = signal;
        if (process->FaultSignal == signal)
        {
            *(int*)(bytes + FrameInfo + 8) = process->FaultCode;
            *(ulong*)(bytes + FrameInfo + 16) = process->FaultAddress;
            *(ulong*)(bytes + FrameFault) = process->FaultAddress;
            process->FaultSignal = 0;
        }
        else
        {
            *(int*)(bytes + FrameInfo + 8) = process->SignalCode[i];
            *(int*)(bytes + FrameInfo + 16) = (int)process->LastSender;
            *(ulong*)(bytes + FrameInfo + 24) = process->SignalValue[i];
            process->SignalCode[i] = 0;
            process->SignalValue[i] = 0;
        }
        for (int w = 0; w < 3; w++) ((ulong*)(bytes + FrameStack))[w] = ucStack[w];
        *(ulong*)(bytes + FrameMask) = process->HasSavedSignalMask ? process->SavedSignalMask : process->BlockedSignals;
        // x0 as the interrupted code will see it: a system call's result once it returns.
        for (int r = 0; r < 31; r++) ((ulong*)(bytes + FrameRegisters))[r] = frame->X[r];
        if (result != null) *(ulong*)(bytes + FrameRegisters) = (ulong)*result;
        *(ulong*)(bytes + FrameSp) = frame->UserStackPointer;
        *(ulong*)(bytes + FramePc) = frame->ExceptionLink;
        *(ulong*)(bytes + FramePstate) = frame->SavedState;
        *(uint*)(bytes + FrameReserved) = FpsimdMagic;
        *(uint*)(bytes + FrameReserved + 4) = FpsimdSize;
        *(uint*)(bytes + FrameReserved + 8) = (uint)frame->FloatStatus;
        *(uint*)(bytes + FrameReserved + 12) = (uint)frame->FloatControl;
        for (int v = 0; v < 64; v++) ((ulong*)(bytes + FrameReserved + 16))[v] = frame->Vector[v];
        ulong* link = stackalloc ulong[2];
        link[0] = frame->X[29];
        link[1] = frame->X[30];
        bool written = UserMemory.CopyTo(process->Space, frameAddress, new ReadOnlySpan<byte>(bytes, FrameSize)) &&
            UserMemory.CopyTo(process->Space, record, new ReadOnlySpan<byte>(link, 16));
        Memory.KernelMemory.Free(bytes);
        if (!written) return false;

        process->HasSavedSignalMask = false;
        process->BlockedSignals |= process->SignalHandlerMask[i] | ((flags & SaNoDefer) == 0 ? 1UL << i : 0);
        process->BlockedSignals &= ~Unblockable;
        if ((flags & SaResetHand) != 0) process->SignalHandler[i] = HandlerDefault;
        // The handler's entry (Linux setup_return): x0 the signal, x1 the siginfo, x2 the
        // ucontext, SP the frame, x29 the frame record, x30 the restorer.
        frame->X[0] = (ulong)signal;
        frame->X[1] = frameAddress + FrameInfo;
        frame->X[2] = frameAddress + FrameUcontext;
        frame->X[29] = record;
        frame->X[30] = restorer;
        frame->UserStackPointer = frameAddress;
        frame->ExceptionLink = handler;
        if (result != null) *result = (long)(ulong)signal;   // the way back writes the result into x0
        return true;
    }

    /// <summary>rt_sigreturn: the restorer runs with SP at the rt_sigframe. Registers, SIMD
    /// state, mask and alternate stack come back; PSTATE keeps only the condition flags from
    /// the frame (the rest is EL0's as it was); a damaged frame — misaligned, unreadable, a PC
    /// outside the user half, a PSTATE of another mode or with D, A, I or F masked, no fpsimd
    /// record first — is SIGSEGV, as on Linux.</summary>
    internal static void SignalReturn(Process* process, ulong userStack)
    {
        byte* bytes = (byte*)Memory.KernelMemory.Allocate(FrameSize);
        bool ok = bytes != null && (userStack & 15) == 0 &&
            UserMemory.CopyFrom(process->Space, userStack, new Span<byte>(bytes, FrameSize));
        ok = ok && *(ulong*)(bytes + FramePc) < UserMemory.UserLimit && *(ulong*)(bytes + FrameSp) < UserMemory.UserLimit &&
            (*(ulong*)(bytes + FramePstate) & RefusedPstate) == 0 &&
            *(uint*)(bytes + FrameReserved) == FpsimdMagic && *(uint*)(bytes + FrameReserved + 4) == FpsimdSize;
        if (!ok)
        {
            if (bytes != null) Memory.KernelMemory.Free(bytes);
            Exit(SignalSegmentation);
        }
        // The system call's own frame, at the top of this thread's kernel stack, becomes the
        // interrupted context.
        TrapFrame* frame = Hal.UserMode.CurrentFrame();
        for (int r = 0; r < 31; r++) frame->X[r] = ((ulong*)(bytes + FrameRegisters))[r];
        frame->UserStackPointer = *(ulong*)(bytes + FrameSp);
        frame->ExceptionLink = *(ulong*)(bytes + FramePc);
        frame->SavedState = (frame->SavedState & ~UserPstate) | (*(ulong*)(bytes + FramePstate) & UserPstate);
        frame->FloatStatus = *(uint*)(bytes + FrameReserved + 8);
        frame->FloatControl = *(uint*)(bytes + FrameReserved + 12);
        for (int v = 0; v < 64; v++) frame->Vector[v] = ((ulong*)(bytes + FrameReserved + 16))[v];
        process->BlockedSignals = *(ulong*)(bytes + FrameMask) & ~Unblockable;
        RestoreSignalStack(process, userStack, (ulong*)(bytes + FrameStack));
        Memory.KernelMemory.Free(bytes);
        // A signal the restored mask lets through goes first, as Linux's sigreturn leaves
        // through exit_to_user_mode.
        Process.BeforeUserReturn(frame, null);
        Hal.UserMode.ResumeFrame(frame);
    }
}
