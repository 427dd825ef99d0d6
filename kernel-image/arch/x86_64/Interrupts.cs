using System.Runtime.InteropServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>The registers interrupt_common (interrupts.S) saved, lowest address first.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct InterruptFrame
{
    public ulong R15, R14, R13, R12, R11, R10, R9, R8, Rbp, Rdi, Rsi, Rdx, Rcx, Rbx, Rax;
    public ulong Vector, ErrorCode;
    public ulong Rip, Cs, Rflags, Rsp, Ss;
}

/// <summary>Routes each vector to its handler: CPU exceptions to the panic handler unless
/// something registered for them (the page-fault handler, a test), hardware IRQs to their
/// driver followed by an end-of-interrupt.</summary>
internal static unsafe class Interrupts
{
    internal const int IrqBase = 32;

    private struct HandlerTable
    {
        public fixed ulong Handlers[256];
    }

    private static HandlerTable s_handlers;

    /// <summary>Run after a hardware interrupt's end-of-interrupt, before the interrupted code
    /// resumes (interrupts still off): the scheduler's preemption point. The EOI comes first,
    /// so the timer keeps ticking for whichever thread runs next.</summary>
    internal static delegate*<void> ReturnHook;

    /// <summary>A CPU exception raised by user code (CPL 3) that no handler resolved: the
    /// kernel resolves it (copy-on-write) and returns true, or ends the process instead of
    /// panicking. Arguments: vector, error code, CR2 (page faults), RIP.</summary>
    internal static delegate*<ulong, ulong, ulong, ulong, bool> UserFaultHandler;

    /// <summary>A handler returns true when it dealt with the event; false falls through to
    /// the panic handler (for exceptions).</summary>
    internal static void Register(int vector, delegate*<InterruptFrame*, bool> handler) =>
        s_handlers.Handlers[vector] = (ulong)handler;

    internal static void Unregister(int vector) => s_handlers.Handlers[vector] = 0;

    /// <summary>The vector the local APIC raises for a spurious interrupt (programmed in
    /// DeviceInterrupts' LocalApic) and how many arrived.</summary>
    internal const int LocalApicSpuriousVector = 0xFF;
    internal static ulong SpuriousInterrupts;

    [UnmanagedCallersOnly(EntryPoint = "interrupt_dispatch")]
    private static void Dispatch(InterruptFrame* frame)
    {
        int vector = (int)frame->Vector;
        // Page-table isolation: a user-half PML4 entry made since the user root was last
        // synchronised (PageTableIsolation.TryResolveUserFault); the access is retried.
        if (vector == 14 && (frame->Cs & 3) == 3 && PageTableIsolation.TryResolveUserFault(Cpu.ReadCr2())) return;
        var handler = (delegate*<InterruptFrame*, bool>)s_handlers.Handlers[vector];
        if (vector >= IrqBase && vector < IrqBase + 16)
        {
            int irq = vector - IrqBase;
            if (Pic.IsSpurious(irq)) return;
            if (handler != null) handler(frame);
            DeviceInterrupts.Dispatch(vector);
            Pic.EndOfInterrupt(irq);
            if (ReturnHook != null) ReturnHook();
            ReturningToUser(frame);
            return;
        }
        // The local APIC's spurious vector (DeviceInterrupts: 0xFF): nothing to do and no EOI
        // (Intel SDM Vol. 3A 11.9).
        if (vector == LocalApicSpuriousVector)
        {
            SpuriousInterrupts++;
            return;
        }

        if (DeviceInterrupts.IsMessageVector(vector))
        {
            DeviceInterrupts.Dispatch(vector);
            LocalApic.EndOfInterrupt();
            if (ReturnHook != null) ReturnHook();
            ReturningToUser(frame);
            return;
        }

        if (handler != null && handler(frame))
        {
            ReturningToUser(frame);
            return;
        }

        if ((frame->Cs & 3) == 3 && UserFaultHandler != null)
        {
            if (UserFaultHandler(frame->Vector, frame->ErrorCode, vector == 14 ? Cpu.ReadCr2() : 0, frame->Rip))
            {
                ReturningToUser(frame);
                return;
            }
        }

        ExceptionReport.Panic(frame);
    }

    /// <summary>An interrupt taken in user mode is about to return there: pending signals are
    /// delivered now (a thread in a loop that makes no system call still gets them), and the
    /// return address is checked (interrupts.S sanitises the flags).</summary>
    private static void ReturningToUser(InterruptFrame* frame)
    {
        if ((frame->Cs & 3) != 3) return;
        UserState state = default;
        state.Interrupt = frame;
        Processes.Process.BeforeUserReturn(&state);
        UserMode.CheckReturnAddress(frame->Rip);
    }

    internal static string ExceptionName(ulong vector) => vector switch
    {
        0 => "Divide error (#DE): division by zero",
        1 => "Debug (#DB)",
        2 => "Non-maskable interrupt",
        3 => "Breakpoint (#BP)",
        4 => "Overflow (#OF)",
        5 => "Bound range exceeded (#BR)",
        6 => "Invalid opcode (#UD)",
        7 => "Device not available (#NM)",
        8 => "Double fault (#DF)",
        10 => "Invalid TSS (#TS)",
        11 => "Segment not present (#NP)",
        12 => "Stack-segment fault (#SS)",
        13 => "General protection fault (#GP)",
        14 => "Page fault (#PF)",
        16 => "x87 floating-point error (#MF)",
        17 => "Alignment check (#AC)",
        18 => "Machine check (#MC)",
        19 => "SIMD floating-point exception (#XM)",
        20 => "Virtualization exception (#VE)",
        21 => "Control protection exception (#CP)",
        _ => vector < 32 ? "Reserved CPU exception" : "Unexpected interrupt",
    };
}
