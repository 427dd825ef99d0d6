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

    /// <summary>The kernel log's sink on aarch64 (kernel/Log.cs's console, attached by
    /// BringUp): a newline goes out as CR LF, as the 16550's path does on x86_64.</summary>
    internal static void WriteConsole(byte value)
    {
        if (value == (byte)'\n') Write((byte)'\r');
        Write(value);
    }

    internal static void Write(byte value)
    {
        while ((Hal.Mmio.Read32(Base + FlagRegister) & TransmitFifoFull) != 0) { }
        Hal.Mmio.Write32(Base + DataRegister, value);
    }
}
