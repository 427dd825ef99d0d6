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
/// Enough to find a device by vendor and device id, read its BARs and interrupt line, and turn
/// on memory decoding and bus mastering.
/// </summary>
internal static class PciBus
{
    private const ushort ConfigAddress = 0xCF8, ConfigData = 0xCFC;
    internal const ushort NoDevice = 0xFFFF;

    // Configuration header offsets (type 0).
    internal const byte VendorId = 0x00, DeviceId = 0x02, Command = 0x04, HeaderType = 0x0E, Bar0 = 0x10, InterruptLine = 0x3C;

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

    /// <summary>Finds the first function with this vendor and device id (every bus, device and
    /// function; multi-function devices by their header type bit).</summary>
    internal static bool Find(ushort vendor, ushort device, out PciAddress found)
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
                    if (Read16(at, VendorId) == vendor && Read16(at, DeviceId) == device)
                    {
                        found = at;
                        return true;
                    }
                }
            }
        }

        found = default;
        return false;
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
