using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Drivers.Pci;

/// <summary>A PCI function's address (bus, device, function).</summary>
internal struct PciAddress
{
    public byte Bus, Device, Function;
}

/// <summary>
/// PCI configuration space through the legacy I/O mechanism #1 (PCI Local Bus Specification 3.0
/// §3.2.2.3.2: address to 0xCF8, data at 0xCFC), which every x86 machine QEMU models has.
/// Enumeration, BARs, the interrupt line, the capability list, memory decoding and bus
/// mastering; drivers see functions as <see cref="PciDevice"/>s (PciDevice.cs).
/// </summary>
internal static unsafe class PciBus
{
    private const ushort ConfigAddress = 0xCF8, ConfigData = 0xCFC;
    internal const ushort NoDevice = 0xFFFF;

    // Configuration header offsets (type 0).
    internal const byte VendorId = 0x00, DeviceId = 0x02, Command = 0x04, Status = 0x06, ClassCode = 0x08,
        HeaderType = 0x0E, Bar0 = 0x10, CapabilitiesPointer = 0x34, InterruptLine = 0x3C, InterruptPin = 0x3D;

    // Status register: a capability list is present (PCI Local Bus 3.0 §6.2.3).
    internal const ushort StatusCapabilities = 1 << 4;

    // Command register: INTx disable (PCI 3.0 §6.2.2), set when the function signals by MSI.
    internal const ushort InterruptDisable = 1 << 10;

    // Command register bits.
    internal const ushort MemorySpace = 1 << 1, BusMaster = 1 << 2;

    internal static uint Read32(PciAddress at, byte offset)
    {
        Io.Out32(ConfigAddress, Address(at, offset));
        return Io.In32(ConfigData);
    }

    internal static void Write32(PciAddress at, byte offset, uint value)
    {
        Io.Out32(ConfigAddress, Address(at, offset));
        Io.Out32(ConfigData, value);
    }

    internal static ushort Read16(PciAddress at, byte offset) => (ushort)(Read32(at, (byte)(offset & 0xFC)) >> ((offset & 2) * 8));

    internal static byte Read8(PciAddress at, byte offset) => (byte)(Read32(at, (byte)(offset & 0xFC)) >> ((offset & 3) * 8));

    /// <summary>Writes 16 bits by read-modify-write of the dword (mechanism #1 moves dwords).
    /// Not for registers with write-1-to-clear bits in the other half (Status).</summary>
    internal static void Write16(PciAddress at, byte offset, ushort value)
    {
        byte aligned = (byte)(offset & 0xFC);
        int shift = (offset & 2) * 8;
        uint dword = Read32(at, aligned);
        dword = (dword & ~(0xFFFFu << shift)) | ((uint)value << shift);
        Write32(at, aligned, dword);
    }

    /// <summary>Offset of the first capability with this id in the function's list (PCI 3.0
    /// §6.7: Status bit 4, pointer at 0x34, each entry id then next), or 0. At most 48 entries
    /// are followed, so a looping list ends.</summary>
    internal static byte FindCapability(PciAddress at, byte id)
    {
        if ((Read16(at, Status) & StatusCapabilities) == 0) return 0;
        byte offset = (byte)(Read8(at, CapabilitiesPointer) & 0xFC);
        for (int i = 0; i < 48 && offset >= 0x40; i++)
        {
            if (Read8(at, offset) == id) return offset;
            offset = (byte)(Read8(at, (byte)(offset + 1)) & 0xFC);
        }

        return 0;
    }

    /// <summary>Calls <paramref name="found"/> for every function present (every bus, device
    /// and function; multi-function devices by their header type bit).</summary>
    internal static void Enumerate(delegate*<PciAddress, void> found)
    {
        for (int bus = 0; bus < 256; bus++)
        {
            for (byte slot = 0; slot < 32; slot++)
            {
                var at = new PciAddress { Bus = (byte)bus, Device = slot, Function = 0 };
                if (Read16(at, VendorId) == NoDevice) continue;
                int functions = (Read32(at, 0x0C) >> 16 & 0x80) != 0 ? 8 : 1;
                for (byte function = 0; function < functions; function++)
                {
                    at.Function = function;
                    if (Read16(at, VendorId) != NoDevice) found(at);
                }
            }
        }
    }

    /// <summary>Physical address of a 32- or 64-bit memory BAR (0 for an I/O BAR).</summary>
    internal static ulong MemoryBar(PciAddress at, int index)
    {
        byte offset = (byte)(Bar0 + (index * 4));
        uint low = Read32(at, offset);
        if ((low & 1) != 0) return 0;
        ulong address = low & 0xFFFF_FFF0;
        if (((low >> 1) & 3) == 2) address |= (ulong)Read32(at, (byte)(offset + 4)) << 32;
        return address;
    }

    internal static void EnableMemoryAndBusMastering(PciAddress at)
    {
        uint value = Read32(at, Command);
        Write32(at, Command, value | MemorySpace | BusMaster);
    }

    private static uint Address(PciAddress at, byte offset) =>
        0x8000_0000u | ((uint)at.Bus << 16) | ((uint)at.Device << 11) | ((uint)at.Function << 8) | (uint)(offset & 0xFC);
}
