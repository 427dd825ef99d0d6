namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The generic timer's EL1 virtual timer (ARM ARM D11): a down-counter reloaded on
/// every interrupt gives the periodic tick. The virtual timer, not the physical one, because
/// EL1 may always use it whatever a hypervisor allows (CNTHCTL_EL2).</summary>
internal static unsafe class GenericTimer
{
    /// <summary>The virtual timer's interrupt: PPI 11 (Arm BSA, Server Base System
    /// Architecture's PPI assignments), interrupt id 16 + 11.</summary>
    internal const uint Interrupt = 27;

    private const ulong Enable = 1;

    private static ulong s_interval;
    /// <summary>The counter ticks between two interrupts (CNTFRQ / the tick rate).</summary>
    internal static ulong Interval => s_interval;
    internal static ulong Frequency;
    internal static ulong Ticks;
    internal static delegate*<void> TickHandler;

    /// <summary><see cref="Ticks"/> read afresh on every call: not inlined, so a loop waiting
    /// for the tick to move (the HAL's Timer.Ticks) cannot have the read hoisted out of it.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static ulong ReadTicks() => Ticks;

    internal static void Start(uint frequencyHz)
    {
        Frequency = Native.ReadCounterFrequency();
        s_interval = Frequency / frequencyHz;
        Native.WriteVirtualTimerValue(s_interval);
        Native.WriteVirtualTimerControl(Enable);
        Gic.Unmask(Interrupt);
    }

    /// <summary>In interrupt context: the timer fired. Reloading the down-counter also clears
    /// the interrupt condition (ISTATUS drops once TVAL is positive again).</summary>
    internal static void OnInterrupt()
    {
        Native.WriteVirtualTimerValue(s_interval);
        Ticks++;
        if (TickHandler != null) TickHandler();
    }
}
