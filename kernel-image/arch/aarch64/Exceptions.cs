using System.Runtime.InteropServices;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The registers vectors.S saves on every exception, in its layout.</summary>
internal unsafe struct TrapFrame
{
    public fixed ulong X[31];
    public ulong UserStackPointer;  // SP_EL0
    public ulong ExceptionLink;     // ELR_EL1: where the exception was taken (or returns to)
    public ulong SavedState;        // SPSR_EL1
    public ulong Syndrome;          // ESR_EL1
    public ulong FaultAddress;      // FAR_EL1
    public ulong FloatControl, FloatStatus;
    public fixed ulong Vector[64];  // q0-q31
    public ulong UserThreadPointer; // TPIDR_EL0
    public ulong Padding;
}

/// <summary>
/// Exceptions at EL1: interrupts go to their handler, anything else is a panic that names the
/// exception class, decodes the fault status, and prints the registers and the chain of return
/// addresses (ARM ARM D17.2.37 ESR_EL1, D17.2.40 FAR_EL1).
/// </summary>
internal static unsafe class Exceptions
{
    /// <summary>Set by a test that raises a breakpoint on purpose: the next BRK is reported and
    /// stepped over instead of panicking.</summary>
    internal static bool ExpectBreakpoint;
    internal static ulong BreakpointsSeen;
    /// <summary>When set, a panic powers the machine off (a scripted boot must end).</summary>
    internal static bool PowerOffOnPanic;

    private const uint ClassBreakpointInstruction = 0x3C, ClassSystemCall = 0x15;
    /// <summary>vectors.S's FRAME_SIZE: the kernel stack pointer before the exception is the
    /// frame's address plus this.</summary>
    internal const ulong FrameSize = 832;

    /// <summary>Called after every interrupt's end-of-interrupt, IRQs masked (the HAL's
    /// InterruptController.SetReturnHook): where the scheduler preempts.</summary>
    internal static delegate*<void> ReturnHook;

    /// <summary>While an interrupt is handled: whether it interrupted EL0.</summary>
    internal static bool InterruptFromUser;

    internal static void Install() => Native.InstallVectors();

    /// <summary>vectors.S's vector number for a synchronous exception at EL1 whose frame would
    /// have landed in an unmapped page: the kernel stack overflowed into its guard.</summary>
    private const ulong VectorStackOverflow = 16;

    [UnmanagedCallersOnly(EntryPoint = "aurora_aarch64_exception")]
    private static void Dispatch(TrapFrame* frame, ulong vector)
    {
        if (vector == VectorStackOverflow) StackOverflow(frame);
        // A probe's fault at EL1 (SafeAccess: the in-kernel tests' reads, writes and calls
        // that may fault on purpose) resumes at its landing.
        if (vector == 4 && SafeAccess.TryRecover(frame)) return;
        switch (vector % 4)
        {
            case 1:
                // Vectors 5 and 9 are IRQs from EL1 and from EL0 (the table's second and third
                // groups of four): the tick charges user or system time by it.
                InterruptFromUser = vector >= 8;
                if (InterruptFromUser) NoteThreadPointer(frame);
                Interrupt();
                InterruptFromUser = false;
                // After the end-of-interrupt: the next thread may be switched to here, and this
                // one resumes (and returns through the vectors) when it is picked again.
                if (ReturnHook != null) ReturnHook();
                if (vector >= 8) UserEntry.InterruptReturn(frame);
                return;
            case 0:
                uint exceptionClass = (uint)(frame->Syndrome >> 26) & 0x3F;
                if (vector == 8)
                {
                    NoteThreadPointer(frame);
                    // A process's thread: the portable system calls and fault handling.
                    if (UserEntry.IsProcessThread)
                    {
                        UserEntry.Synchronous(frame, exceptionClass);
                        return;
                    }
                    // The bring-up's own program: a system call, or a fault that ends the
                    // program (not the kernel).
                    if (exceptionClass == ClassSystemCall) UserProgram.SystemCall(frame);
                    else UserProgram.Fault(frame, exceptionClass);
                    return;
                }
                // Vector 4: synchronous at EL1 on SP_EL1. Module code's fault inside a guarded
                // call ends that call with EFAULT (docs/modules.md), not the kernel.
                if (vector == 4 && Modules.ModuleGuard.TryRecover(frame)) return;
                if (exceptionClass == ClassBreakpointInstruction && ExpectBreakpoint)
                {
                    ExpectBreakpoint = false;
                    BreakpointsSeen++;
                    Log.Write("exceptions: breakpoint (BRK #");
                    Log.WriteHex(frame->Syndrome & 0xFFFF);
                    Log.Write(") at ");
                    Log.WriteHex(frame->ExceptionLink);
                    Log.WriteLine(" taken at EL1 and stepped over");
                    frame->ExceptionLink += 4;
                    return;
                }
                break;
        }
        Fatal(frame, vector);
    }

    /// <summary>EL0 writes TPIDR_EL0 itself (musl sets its thread pointer so): the kernel's
    /// copy in the thread, which a fork or a new thread inherits and the scheduler loads,
    /// follows the value each entry from EL0 brings.</summary>
    private static void NoteThreadPointer(TrapFrame* frame)
    {
        Tasks.KernelThread* thread = Tasks.Scheduler.Current;
        if (thread != null) thread->ThreadPointer = frame->UserThreadPointer;
    }

    private static void Interrupt()
    {
        while (true)
        {
            uint acknowledged = Gic.Acknowledge();
            uint id = acknowledged & 0x3FF;
            if (id == Gic.Spurious) return;
            if (id == GenericTimer.Interrupt) GenericTimer.OnInterrupt();
            else if (!DeviceInterrupts.Dispatch(id))
            {
                Log.Write("interrupt ");
                Log.WriteDecimal((ulong)id);
                Log.WriteLine(" has no handler; masked");
                Gic.Mask(id);
            }
            Gic.Complete(acknowledged);
        }
    }

    [System.Runtime.RuntimeImport("*", "aurora_a64_read_overflowed_sp"), System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    private static extern ulong ReadOverflowedStackPointer();

    /// <summary>The kernel stack ran into the unmapped guard below it (vectors.S moved the
    /// frame onto a stack of its own): the report names it, with the stack pointer that
    /// overflowed, then the registers as for any fault.</summary>
    private static void StackOverflow(TrapFrame* frame)
    {
        Native.DisableInterrupts();
        ulong overflowed = ReadOverflowedStackPointer();
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset);
        Log.Write("kernel stack overflow: SP ");
        Log.WriteHex(overflowed, 16);
        Log.Write(", FAR ");
        Log.WriteHex(frame->FaultAddress, 16);
        Log.WriteLine(" is in the unmapped guard below a thread's stack");
        Fatal(frame, 4, overflowed);
    }

    private static void Fatal(TrapFrame* frame, ulong vector, ulong stackPointer = 0)
    {
        Native.DisableInterrupts();
        ulong syndrome = frame->Syndrome;
        uint exceptionClass = (uint)(syndrome >> 26) & 0x3F;
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset);
        Log.Write(ClassName(exceptionClass));
        Log.Write(" (");
        WriteVectorName(vector);
        Log.Write(")");
        // As x86_64's report: an abort in the first 64 KiB is a null pointer with an offset.
        if (exceptionClass is 0x24 or 0x25 && frame->FaultAddress < 0x1_0000) Log.Write(" (null dereference)");
        Log.WriteLine();
        Log.Write("  ESR ");
        Log.WriteHex(syndrome, 8);
        Log.Write(" (EC ");
        Log.WriteHex(exceptionClass, 2);
        Log.Write(", ISS ");
        Log.WriteHex(syndrome & 0x1FF_FFFF);
        Log.Write(")  FAR ");
        Log.WriteHex(frame->FaultAddress, 16);
        Log.WriteLine();
        if (exceptionClass is 0x20 or 0x21 or 0x24 or 0x25)
        {
            uint status = (uint)syndrome & 0x3F;
            Log.Write("  ");
            Log.Write(exceptionClass >= 0x24 ? ((syndrome & (1 << 6)) != 0 ? "write: " : "read: ") : "fetch: ");
            Log.Write(FaultStatusName(status));
            if (status < 0x10)
            {
                Log.Write(" at level ");
                Log.WriteDecimal((ulong)(status & 3));
            }
            Log.WriteLine();
        }
        Log.Write("  ELR ");
        Log.WriteHex(frame->ExceptionLink, 16);
        Log.Write("  SPSR ");
        Log.WriteHex(frame->SavedState, 8);
        Log.Write("  SP ");
        Log.WriteHex(stackPointer != 0 ? stackPointer : (ulong)frame + FrameSize, 16);
        Log.Write("  SP_EL0 ");
        Log.WriteHex(frame->UserStackPointer, 16);
        Log.WriteLine();
        for (int i = 0; i < 31; i++)
        {
            Log.Write("  ");
            Log.Write(i < 10 ? " x" : "x");
            Log.WriteDecimal((ulong)i);
            Log.Write(" ");
            Log.WriteHex(frame->X[i], 16);
            if (i % 4 == 3 || i == 30) Log.WriteLine();
        }
        Log.Write("  LR  ");
        WriteAddress(frame->X[30]);
        Log.WriteLine(" (the caller, when the fault is in a function without a frame)");
        WriteBacktrace(frame->X[29], frame->ExceptionLink);
        Halt();
    }

    /// <summary>Follows the frame records (AAPCS64 §6.2.3: x29 points at {caller's x29, return
    /// address}) while they stay aligned and move up the stack.</summary>
    internal static void WriteBacktrace(ulong framePointer, ulong firstAddress)
    {
        Log.WriteLine("  backtrace (return addresses; image+offset is the address in aurora-aarch64.elf):");
        if (firstAddress != 0)
        {
            Log.Write("    ");
            WriteAddress(firstAddress);
            Log.WriteLine();
        }
        for (int depth = 0; depth < 32 && framePointer != 0 && (framePointer & 15) == 0; depth++)
        {
            ulong next = ((ulong*)framePointer)[0], returnAddress = ((ulong*)framePointer)[1];
            if (returnAddress == 0) break;
            Log.Write("    ");
            WriteAddress(returnAddress);
            Log.WriteLine();
            if (next <= framePointer) break;
            framePointer = next;
        }
    }

    /// <summary>Where the loader put the image (the ELF is linked at 0).</summary>
    internal static ulong ImageBase, ImageEnd;

    private static void WriteAddress(ulong address)
    {
        Log.WriteHex(address, 16);
        if (address >= ImageBase && address < ImageEnd)
        {
            Log.Write(" (image+");
            Log.WriteHex(address - ImageBase);
            Log.Write(")");
        }
    }

    internal static void Halt()
    {
        Log.WriteLine("System halted.");
        if (PowerOffOnPanic) Psci.PowerOff();
        while (true) Native.WaitForInterrupt();
    }

    private static void WriteVectorName(ulong vector)
    {
        Log.Write((vector % 4) switch { 0 => "synchronous", 1 => "IRQ", 2 => "FIQ", _ => "SError" });
        Log.Write((vector / 4) switch
        {
            0 => ", EL1 with SP_EL0",
            1 => ", EL1",
            2 => ", from EL0 (AArch64)",
            _ => ", from EL0 (AArch32)",
        });
    }

    internal static string ClassName(uint exceptionClass) => exceptionClass switch
    {
        0x00 => "unknown reason (undefined instruction)",
        0x01 => "WFI/WFE trapped",
        0x07 => "SIMD/FP access trapped",
        0x0E => "illegal execution state",
        0x15 => "SVC from AArch64",
        0x16 => "HVC from AArch64",
        0x17 => "SMC from AArch64",
        0x18 => "MSR/MRS/system instruction trapped",
        0x20 => "instruction abort from a lower EL",
        0x21 => "instruction abort",
        0x22 => "PC alignment fault",
        0x24 => "data abort from a lower EL",
        0x25 => "data abort",
        0x26 => "SP alignment fault",
        0x2C => "floating-point exception",
        0x2F => "SError interrupt",
        0x30 or 0x31 => "hardware breakpoint",
        0x32 or 0x33 => "software step",
        0x34 or 0x35 => "watchpoint",
        0x3C => "breakpoint instruction (BRK)",
        _ => "exception class not decoded",
    };

    /// <summary>DFSC/IFSC (ISS bits 5:0 of an abort).</summary>
    internal static string FaultStatusName(uint status) => (status >> 2) switch
    {
        0 => "address size fault",
        1 => "translation fault",
        2 => "access flag fault",
        3 => "permission fault",
        _ => status switch
        {
            0x10 => "synchronous external abort",
            0x21 => "alignment fault",
            0x30 => "TLB conflict abort",
            _ => "fault status not decoded",
        },
    };
}
