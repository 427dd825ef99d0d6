namespace Aurora.Kernel.Arch.X86_64;

/// <summary>The 8254 programmable interval timer, channel 0, as the system tick (IRQ 0).</summary>
internal static unsafe class Pit
{
    internal const uint InputFrequencyHz = 1193182;
    private const ushort Channel0 = 0x40, Command = 0x43;

    internal static ushort Divisor { get; private set; }

    /// <summary>Ticks since the timer started.</summary>
    internal static ulong Ticks;

    /// <summary><see cref="Ticks"/> read afresh on every call: not inlined, so a loop waiting
    /// for the count to move cannot have the load hoisted out of it (C# has no volatile reads here).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static ulong ReadTicks() => Ticks;

    /// <summary>The kernel's tick work (the scheduler), run after the count advances.</summary>
    internal static delegate*<void> TickHandler;

    internal static void Start(uint frequencyHz)
    {
        Divisor = (ushort)((InputFrequencyHz + frequencyHz / 2) / frequencyHz);
        PortIo.Out8(Command, 0x34);                 // channel 0, lobyte/hibyte, mode 2 (rate generator)
        PortIo.Out8(Channel0, (byte)Divisor);
        PortIo.Out8(Channel0, (byte)(Divisor >> 8));
        Interrupts.Register(Interrupts.IrqBase + 0, &OnTick);
        Pic.Unmask(0);
    }

    /// <summary>Whether the last tick interrupted user code (CPL 3): the scheduler charges the
    /// tick to the thread's user or system time.</summary>
    internal static bool LastTickFromUser;

    private static bool OnTick(InterruptFrame* frame)
    {
        Ticks++;
        LastTickFromUser = (frame->Cs & 3) == 3;
        if (TickHandler != null) TickHandler();
        return true;
    }

    /// <summary>Latches and reads channel 0's current count (counts down from Divisor).</summary>
    internal static ushort ReadCount()
    {
        PortIo.Out8(Command, 0x00);                 // latch channel 0
        byte low = PortIo.In8(Channel0);
        byte high = PortIo.In8(Channel0);
        return (ushort)(low | (high << 8));
    }
}
