using System.Runtime;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>Kernel thread frames and the switch between them (context_switch.S).</summary>
internal static unsafe class ThreadContext
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_switch_context")]
    internal static extern void Switch(ulong* saveStackPointer, ulong newStackPointer);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_thread_start_address")]
    private static extern ulong ThreadStartAddress();

    // Power-on values (Intel SDM Vol. 1 11.6.4 and 8.1.5): all SIMD and x87 exceptions masked,
    // round to nearest, x87 double-extended precision.
    private const uint InitialMxcsr = 0x1F80;
    private const ushort InitialX87ControlWord = 0x037F;

    /// <summary>Writes the frame aurora_switch_context pops for a thread that has never run, at
    /// the top of its stack, and returns the stack pointer to switch to. The frame resumes in
    /// aurora_thread_start with r12 = entry, r13 = argument, r14 = exit.</summary>
    internal static ulong PrepareStack(byte* stackTop, delegate*<ulong, long> entry, ulong argument, delegate*<long, void> exit)
    {
        ulong* frame = (ulong*)(((ulong)stackTop & ~15UL) - (8 * 8));
        frame[0] = InitialMxcsr | ((ulong)InitialX87ControlWord << 32);
        frame[1] = 0;                   // r15
        frame[2] = (ulong)exit;         // r14
        frame[3] = argument;            // r13
        frame[4] = (ulong)entry;        // r12
        frame[5] = 0;                   // rbx
        frame[6] = 0;                   // rbp
        frame[7] = ThreadStartAddress();
        return (ulong)frame;
    }
}
