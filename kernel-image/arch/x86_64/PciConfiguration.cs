using X86 = Aurora.Kernel.Arch.X86_64;

namespace Aurora.Kernel.Hal;

/// <summary>
/// PCI configuration space on x86_64 through the legacy I/O mechanism #1 (PCI Local Bus
/// Specification 3.0 §3.2.2.3.2: address to 0xCF8, data at 0xCFC), which every x86 machine QEMU
/// models has; INTx reaches the 8259 input the firmware wrote into the interrupt line register.
/// </summary>
internal static unsafe partial class PciConfiguration
{
    private const ushort ConfigAddress = 0xCF8, ConfigData = 0xCFC;

    internal static partial void BusRange(out int first, out int last)
    {
        first = 0;
        last = 255;
    }

    internal static partial uint Read32(byte bus, byte device, byte function, byte offset)
    {
        X86.PortIo.Out32(ConfigAddress, Address(bus, device, function, offset));
        return X86.PortIo.In32(ConfigData);
    }

    internal static partial void Write32(byte bus, byte device, byte function, byte offset, uint value)
    {
        X86.PortIo.Out32(ConfigAddress, Address(bus, device, function, offset));
        X86.PortIo.Out32(ConfigData, value);
    }

    /// <summary>The 8259's lines 0-15 (the firmware's routing; 0xFF: none).</summary>
    internal static partial int InterruptLineOf(byte bus, byte device, byte function, byte pin, byte lineRegister) =>
        pin != 0 && lineRegister < 16 ? lineRegister : -1;

    /// <summary>The BIOS assigns every BAR (SeaBIOS and OVMF alike).</summary>
    internal static partial bool MemoryWindow(bool wide, out ulong start, out ulong size)
    {
        start = size = 0;
        return false;
    }

    private static uint Address(byte bus, byte device, byte function, byte offset) =>
        0x8000_0000u | ((uint)bus << 16) | ((uint)device << 11) | ((uint)function << 8) | (uint)(offset & 0xFC);
}
