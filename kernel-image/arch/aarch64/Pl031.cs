namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The PL031 real-time clock (Arm DDI 0224, PrimeCell RTC): RTCDR (TRM 3.3.1) at 0x000
/// counts seconds; QEMU's starts it at the host's time as seconds since the Unix epoch (UTC,
/// QEMU's default -rtc base=utc), which is how Linux's rtc-pl031 reads it too. Read once at
/// boot for CLOCK_REALTIME's start (Hal.RealTimeClock).</summary>
internal static class Pl031
{
    private const ulong DataRegister = 0x000;

    /// <summary>The clock's registers: QEMU virt's VIRT_RTC until the device tree says where
    /// (compatible "arm,pl031"), then their place in the device window. 0 when the tree names
    /// a machine without one.</summary>
    internal static ulong Base = VirtMachine.Rtc;

    internal static long ReadUnixTime() => Base == 0 ? 0 : Hal.Mmio.Read32(Base + DataRegister);
}
