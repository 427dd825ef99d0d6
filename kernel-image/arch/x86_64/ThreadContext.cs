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

    // RFLAGS of a thread that has never run: only the always-one bit 1 (interrupts off until
    // aurora_thread_start turns them on; NT, AC, DF, TF clear).
    private const ulong InitialFlags = 0x2;

    /// <summary>Writes the frame aurora_switch_context pops for a thread that has never run, at
    /// the top of its stack, and returns the stack pointer to switch to. The frame resumes in
    /// aurora_thread_start with r12 = entry, r13 = argument, r14 = exit.</summary>
    internal static ulong PrepareStack(byte* stackTop, delegate*<ulong, long> entry, ulong argument, delegate*<long, void> exit)
    {
        ulong* frame = (ulong*)(((ulong)stackTop & ~15UL) - (9 * 8)); // after the pops: 16-byte aligned
        frame[0] = InitialMxcsr | ((ulong)InitialX87ControlWord << 32);
        frame[1] = InitialFlags;        // rflags
        frame[2] = 0;                   // r15
        frame[3] = (ulong)exit;         // r14
        frame[4] = argument;            // r13
        frame[5] = (ulong)entry;        // r12
        frame[6] = 0;                   // rbx
        frame[7] = 0;                   // rbp
        frame[8] = ThreadStartAddress();
        return (ulong)frame;
    }
}
