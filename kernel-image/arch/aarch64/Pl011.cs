namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The PL011 UART (Arm DDI 0183, PrimeCell UART): the console. The firmware has already
/// programmed its baud rate and line format; we only write bytes.</summary>
internal static unsafe class Pl011
{
    private const ulong DataRegister = 0x00, FlagRegister = 0x18;
    private const uint TransmitFifoFull = 1 << 5;

    /// <summary>The UART's physical address (QEMU virt: VIRT_UART at 0x09000000; the MMU maps
    /// it identity, as the firmware left it).</summary>
    internal static ulong Base = VirtMachine.Uart;

    internal static void Write(byte value)
    {
        while ((Hal.Mmio.Read32(Base + FlagRegister) & TransmitFifoFull) != 0) { }
        Hal.Mmio.Write32(Base + DataRegister, value);
    }
}
