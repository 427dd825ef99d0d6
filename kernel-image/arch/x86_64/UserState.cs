using System.Runtime;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// The user registers of a thread about to return to user mode, wherever the kernel saved them:
/// the SYSCALL frame (syscall.S) or an interrupt frame (interrupts.S), with the SSE state saved
/// below either. Portable code sees them in the Linux x86-64 <c>struct sigcontext</c> order
/// (r8 … r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags: 18 words), which is what a
/// signal frame stores.
/// </summary>
internal unsafe struct UserState
{
    public SyscallFrame* Syscall;
    public InterruptFrame* Interrupt;

    /// <summary>rax to return with (the system call's result) on the syscall path.</summary>
    public long Rax;

    internal const int RegisterCount = 18;
    internal const int Rip = 16, Rsp = 15, Rflags = 17, RaxIndex = 13, Rdi = 8, Rsi = 9, Rdx = 12;

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_resume_user_full")]
    private static extern void ResumeFull(ulong* registers, void* fxsaveArea);

    /// <summary>The saved SSE state (fxsave area, 16-byte aligned).</summary>
    public readonly byte* FpuArea =>
        Syscall != null ? (byte*)Syscall - 512 : (byte*)((((ulong)Interrupt) - 512) & ~15UL);

    public readonly void Read(ulong* r)
    {
        if (Syscall != null)
        {
            SyscallFrame* f = Syscall;
            r[0] = f->R8; r[1] = f->R9; r[2] = f->R10; r[3] = f->Rflags; r[4] = f->R12; r[5] = f->R13; r[6] = f->R14; r[7] = f->R15;
            r[8] = f->Rdi; r[9] = f->Rsi; r[10] = f->Rbp; r[11] = f->Rbx; r[12] = f->Rdx; r[13] = (ulong)Rax; r[14] = f->Rip;
            r[15] = f->Rsp; r[16] = f->Rip; r[17] = f->Rflags;
        }
        else
        {
            InterruptFrame* f = Interrupt;
            r[0] = f->R8; r[1] = f->R9; r[2] = f->R10; r[3] = f->R11; r[4] = f->R12; r[5] = f->R13; r[6] = f->R14; r[7] = f->R15;
            r[8] = f->Rdi; r[9] = f->Rsi; r[10] = f->Rbp; r[11] = f->Rbx; r[12] = f->Rdx; r[13] = f->Rax; r[14] = f->Rcx;
            r[15] = f->Rsp; r[16] = f->Rip; r[17] = f->Rflags;
        }
    }

    /// <summary>Sends the thread into a signal handler: new rip, rsp and the three argument
    /// registers; rax 0; trap and direction flags cleared (System V: DF clear on entry).</summary>
    public void EnterHandler(ulong handler, ulong stack, ulong signal, ulong info, ulong context)
    {
        const ulong ClearedFlags = (1 << 8) | (1 << 10);
        if (Syscall != null)
        {
            Syscall->Rip = handler; Syscall->Rsp = stack; Syscall->Rdi = signal; Syscall->Rsi = info; Syscall->Rdx = context;
            Syscall->Rflags &= ~ClearedFlags;
            Rax = 0;
        }
        else
        {
            Interrupt->Rip = handler; Interrupt->Rsp = stack; Interrupt->Rdi = signal; Interrupt->Rsi = info; Interrupt->Rdx = context;
            Interrupt->Rflags &= ~ClearedFlags;
            Interrupt->Rax = 0;
        }
    }

    /// <summary>Leaves the kernel for user code with exactly these registers and SSE state
    /// (rt_sigreturn). The flags are sanitised: interrupts on, IOPL 0, only user-settable bits.</summary>
    public static void ResumeWith(ulong* registers, byte* fxsave16Aligned)
    {
        // aurora_resume_user_full rebuilds RFLAGS from the user-changeable bits (rflags.h).
        UserMode.CheckReturnAddress(registers[Rip]);
        ResumeFull(registers, fxsave16Aligned);
    }

    /// <summary>rt_sigreturn's way back: as <see cref="ResumeWith"/>, but a signal the
    /// restored mask lets through (one that arrived during the handler, or was pending behind
    /// the handler's mask) is delivered first, as Linux's sigreturn leaves through
    /// exit_to_user_mode. Without this it waited for the thread's next entry to the kernel: a
    /// signal unblocked by rt_sigprocmask while another handler ran came late.</summary>
    public static void ResumeWithSignals(ulong* registers, byte* fxsave16Aligned)
    {
        // An interrupt frame on this stack, its SSE state just below it where FpuArea looks.
        byte* buffer = stackalloc byte[FxsaveSize + 16 + sizeof(InterruptFrame)];
        byte* fpu = (byte*)(((ulong)buffer + 15) & ~15UL);
        new System.ReadOnlySpan<byte>(fxsave16Aligned, FxsaveSize).CopyTo(new System.Span<byte>(fpu, FxsaveSize));
        var frame = (InterruptFrame*)(fpu + FxsaveSize);
        ulong* r = registers;
        frame->R8 = r[0]; frame->R9 = r[1]; frame->R10 = r[2]; frame->R11 = r[3]; frame->R12 = r[4]; frame->R13 = r[5]; frame->R14 = r[6]; frame->R15 = r[7];
        frame->Rdi = r[8]; frame->Rsi = r[9]; frame->Rbp = r[10]; frame->Rbx = r[11]; frame->Rdx = r[12]; frame->Rax = r[13]; frame->Rcx = r[14];
        frame->Rsp = r[15]; frame->Rip = r[16]; frame->Rflags = r[17];
        UserState state = default;
        state.Interrupt = frame;
        Processes.Process.BeforeUserReturn(&state);
        state.Read(registers);
        ResumeWith(registers, fpu);
    }

    // The fxsave image (Intel SDM Vol. 1 10.5.1, table 10-2): FCW at 0, FSW 2, abridged FTW 4,
    // MXCSR at 24, MXCSR_MASK at 28; bytes 464-511 are left to software and never written.
    private const int FxsaveFcw = 0, FxsaveMxcsr = 24, FxsaveMxcsrMask = 28, FxsaveWritten = 464, FxsaveSize = 512;
    private const ushort InitialFcw = 0x037F;
    private const uint InitialMxcsr = 0x1F80;

    private static uint s_mxcsrMask = 0xFFBF;

    /// <summary>Learns which MXCSR bits the CPU accepts (MXCSR_MASK; 0 means the default
    /// 0xFFBF, Vol. 1 11.6.6). Called once at boot.</summary>
    internal static void InitializeFpuMask()
    {
        byte* buffer = stackalloc byte[FxsaveSize + 16];
        byte* area = (byte*)(((ulong)buffer + 15) & ~15UL);
        new System.Span<byte>(area, FxsaveSize).Clear();
        Cpu.SaveFpu(area);
        uint mask = *(uint*)(area + FxsaveMxcsrMask);
        s_mxcsrMask = mask != 0 ? mask : 0xFFBF;
    }

    /// <summary>Zeroes the bytes of an fxsave image fxsave does not write, before the image
    /// leaves the kernel (a signal frame): whatever the kernel stack held there.</summary>
    public static void ClearUnwrittenFpuBytes(byte* fxsave) =>
        new System.Span<byte>(fxsave + FxsaveWritten, FxsaveSize - FxsaveWritten).Clear();

    /// <summary>The x87/SSE state of a fresh program (FNINIT, power-on MXCSR, zero registers):
    /// what rt_sigreturn restores when the frame's fpstate is NULL, as Linux does.</summary>
    public static void InitialFpu(byte* fxsave)
    {
        new System.Span<byte>(fxsave, FxsaveSize).Clear();
        *(ushort*)(fxsave + FxsaveFcw) = InitialFcw;
        *(uint*)(fxsave + FxsaveMxcsr) = InitialMxcsr;
    }

    /// <summary>Whether a user-supplied fxsave image may be given to fxrstor: MXCSR bits the CPU
    /// does not support are #GP (in the kernel). Linux refuses such a frame too (-EINVAL from
    /// the FP restore, so rt_sigreturn ends in SIGSEGV).</summary>
    public static bool IsValidFpu(byte* fxsave) => (*(uint*)(fxsave + FxsaveMxcsr) & ~s_mxcsrMask) == 0;
}
