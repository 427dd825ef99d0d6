using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>The registers syscall.S saved on SYSCALL, lowest address first. Linux x86-64
/// convention: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SyscallFrame
{
    public ulong Number, Rdi, Rsi, Rdx, R10, R8, R9, Rbx, Rbp, R12, R13, R14, R15, Rip, Rflags, Rsp;
}

/// <summary>Ring 3: the SYSCALL MSRs, the kernel stack the CPU and syscall.S switch to, the
/// user thread pointer (FS base), and the first entry to user code.</summary>
internal static unsafe class UserMode
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_enter_user")]
    internal static extern void Enter(ulong instructionPointer, ulong stackPointer);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_resume_user")]
    private static extern void ResumeRaw(ulong* frame, void* fxsaveArea, ulong rax);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_set_syscall_stack")]
    private static extern void SetSyscallStack(ulong top);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_syscall_entry_address")]
    private static extern ulong SyscallEntryAddress(int pageTableIsolation);

    // Intel SDM Vol. 4 (MSR list) / Vol. 3A 5.8.8.
    private const uint MsrStar = 0xC0000081, MsrLstar = 0xC0000082, MsrFmask = 0xC0000084, MsrFsBase = 0xC0000100;
    private const ulong EferSyscallEnable = 1;

    // RFLAGS bits cleared on SYSCALL, Linux's set (arch/x86/kernel/cpu/common.c, syscall_init):
    // CF PF AF ZF SF TF IF DF OF, IOPL, NT, RF, AC, ID. The entry starts with interrupts off,
    // string operations forward, no single-stepping, SMAP's AC clear, and NT clear: a kernel
    // path that later leaves through IRETQ with NT set takes #GP(0) in ring 0.
    private const ulong SyscallFlagMask = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) |
        (3 << 12) | (1 << 14) | (1 << 16) | (1 << 18) | (1 << 21);

    internal static void Initialize()
    {
        Cpu.WriteMsr(Cpu.MsrEfer, Cpu.ReadMsr(Cpu.MsrEfer) | EferSyscallEnable);
        // STAR[47:32]: SYSCALL's CS (SS = +8). STAR[63:48]: SYSRET's base; 64-bit SYSRET loads
        // CS = base + 16 and SS = base + 8, with RPL 3 (SDM Vol. 2B SYSRET). Base 0x10 gives
        // user data 0x18 and user code 0x20, the GDT's order.
        ulong star = ((ulong)(Gdt.KernelData | 3) << 48) | ((ulong)Gdt.KernelCode << 32);
        Cpu.WriteMsr(MsrStar, star);
        // The entry with or without the root switch: isolation is decided before this
        // (Cpu.EnableProtections comes first at boot) and never changes.
        Cpu.WriteMsr(MsrLstar, SyscallEntryAddress(PageTableIsolation.Enabled ? 1 : 0));
        Cpu.WriteMsr(MsrFmask, SyscallFlagMask);
    }

    /// <summary>Where the CPU (interrupts from ring 3) and the SYSCALL entry find the running
    /// thread's kernel stack.</summary>
    internal static void SetKernelStack(ulong top)
    {
        // With page-table isolation on, RSP0 stays on the entry stack (the thread's stack is
        // not mapped in the user root); the entry code moves the frame to this top.
        if (!PageTableIsolation.Enabled) Gdt.SetKernelStack(top);
        SetSyscallStack(top);
    }

    // syscall.S pushes the 16-word frame at the very top of the kernel stack and the 512-byte
    // fxsave area right below it (the top is 16-byte aligned, so both are).
    private const int FrameBytes = 16 * 8, FpuBytes = 512;

    /// <summary>Copies the user state saved by the system call in progress on the thread whose
    /// kernel stack ends at <paramref name="kernelStackTop"/>: frame, then SSE state.</summary>
    internal static void CaptureSyscallContext(ulong kernelStackTop, byte* context)
    {
        // The fxsave area and the frame lie back to back on the stack as in the context: one copy.
        byte* frame = (byte*)(kernelStackTop - FrameBytes);
        new System.ReadOnlySpan<byte>(frame - FpuBytes, FpuBytes + FrameBytes).CopyTo(new System.Span<byte>(context, FpuBytes + FrameBytes));
    }

    /// <summary>Returns to the user code of a captured context with rax = <paramref name="result"/>.
    /// <paramref name="context"/> must be 16-byte aligned (fxrstor).</summary>
    internal static void SetContextStack(byte* context, ulong stackPointer) =>
        ((SyscallFrame*)(context + FpuBytes))->Rsp = stackPointer;

    internal static void Resume(byte* context, ulong result)
    {
        var frame = (SyscallFrame*)(context + FpuBytes);
        CheckReturnAddress(frame->Rip);
        ResumeRaw((ulong*)frame, context, result);
    }

    /// <summary>Whether <paramref name="address"/> is in the user half (canonical, bits 63..47
    /// clear): the only addresses the kernel returns to user mode at.</summary>
    internal static bool IsUserAddress(ulong address) => address < UserHalfEnd;

    private const ulong UserHalfEnd = 0x0000_8000_0000_0000;

    /// <summary>Returns to user mode that were refused because the address was not in the user
    /// half (for tests).</summary>
    internal static ulong RefusedReturns;

    /// <summary>Every return to user mode passes here first. IRETQ to a non-canonical RIP
    /// faults in ring 0 (#GP, Intel SDM Vol. 2A IRET), and on Intel CPUs so does SYSRET, on the
    /// user's stack (CVE-2012-0217): such a return never happens. The process gets SIGSEGV,
    /// as the general-protection fault it would have taken in user mode.</summary>
    internal static void CheckReturnAddress(ulong instructionPointer)
    {
        if (IsUserAddress(instructionPointer)) return;
        RefuseReturn(instructionPointer);
    }

    /// <summary>Ends the current process with SIGSEGV for a user address the kernel will not
    /// use: a return address, a signal handler or restorer outside the user half.</summary>
    internal static void RefuseReturn(ulong instructionPointer)
    {
        RefusedReturns++;
        Log.Write("user return to non-canonical or kernel address ");
        Log.WriteHex(instructionPointer, 16);
        Log.WriteLine(" refused");
        Interrupts.UserFaultHandler(13, 0, 0, instructionPointer);
        Panic.Fail("a refused return to user mode came back");
    }

    /// <summary>The user thread pointer (Linux arch_prctl ARCH_SET_FS).</summary>
    internal static void SetThreadPointer(ulong value) => Cpu.WriteMsr(MsrFsBase, value);


    /// <summary>Answers system calls (Hal.UserMode.SetSystemCallHandler: the syscall table).</summary>
    internal static delegate*<ulong, ulong*, ulong, long> SystemCallHandler;

    /// <summary>Called by syscall.S with interrupts on: the handler answers the call (rt_sigreturn
    /// included, which rewrites the whole frame and does not come back), and signals are
    /// delivered on the way back (which may rewrite the frame).</summary>
    // A runtime export, not UnmanagedCallersOnly: this runtime's reverse-P/Invoke transition does
    // nothing, and its frame and two calls were paid on every system call (issue 17).
    [RuntimeExport("syscall_dispatch")]
    [SkipLocalsInit]
    private static long Dispatch(SyscallFrame* frame)
    {
        // The six arguments are the frame's rdi, rsi, rdx, r10, r8, r9, in that order: the
        // handler reads them in place (a copy cost a stack array and its guard cookie).
        long rax = SystemCallHandler(frame->Number, &frame->Rdi, frame->Rsp);
        // The common return (nothing to deliver, restore or restart) is one inlined test; the
        // signal machinery and its UserState only when it says there is work (issue 17).
        if (Processes.Process.HasWorkBeforeSyscallReturn(rax)) rax = BeforeUserReturn(frame, rax);
        CheckReturnAddress(frame->Rip);
        return rax;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long BeforeUserReturn(SyscallFrame* frame, long rax)
    {
        // First what the call looked up in shared state (a close may sleep): a signal below may
        // stop or end the thread.
        Files.CallReferences.ReleaseAll();
        UserState state = default;
        state.Syscall = frame;
        state.Rax = rax;
        Processes.Process.BeforeUserReturn(&state);
        return state.Rax;
    }
}
