using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Drivers.Pci;

/// <summary>A PCI function's address (bus, device, function).</summary>
internal struct PciAddress
{
    public byte Bus, Device, Function;
}

/// <summary>
/// The PCI bus over whichever configuration-space access the machine has (Hal.PciConfiguration:
/// I/O mechanism #1 on x86_64, ECAM on arm64): enumeration, BARs (assigned from the host
/// bridge's window where the firmware left one unassigned), the interrupt line, the capability
/// list, memory decoding and bus mastering; drivers see functions as <see cref="PciDevice"/>s
/// (PciDevice.cs).
/// </summary>
internal static unsafe class PciBus
{
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

    internal static uint Read32(PciAddress at, byte offset) =>
        PciConfiguration.Read32(at.Bus, at.Device, at.Function, (byte)(offset & 0xFC));

    internal static void Write32(PciAddress at, byte offset, uint value) =>
        PciConfiguration.Write32(at.Bus, at.Device, at.Function, (byte)(offset & 0xFC), value);

    internal static ushort Read16(PciAddress at, byte offset) => (ushort)(Read32(at, (byte)(offset & 0xFC)) >> ((offset & 2) * 8));

    internal static byte Read8(PciAddress at, byte offset) => (byte)(Read32(at, (byte)(offset & 0xFC)) >> ((offset & 3) * 8));

    /// <summary>Writes 16 bits by read-modify-write of the dword (mechanism #1 moves dwords,
    /// and so does the ECAM accessor).
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
        PciConfiguration.BusRange(out int first, out int last);
        for (int bus = first; bus <= last && bus < 256; bus++)
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

    /// <summary>
    /// Notes the memory BARs the firmware assigned, so that <see cref="AssignUnassignedBars"/>
    /// places new ones above them in each window (called for every function first).
    /// </summary>
    internal static void ReserveAssignedBars(PciAddress at)
    {
        if (!HasWindow || (Read8(at, HeaderType) & 0x7F) != 0) return;
        for (int index = 0; index < 6; index++)
        {
            byte offset = (byte)(Bar0 + (index * 4));
            uint low = Read32(at, offset);
            if ((low & 1) != 0) continue;
            bool wide = ((low >> 1) & 3) == 2;
            ulong address = (low & 0xFFFF_FFF0) | (wide ? (ulong)Read32(at, (byte)(offset + 4)) << 32 : 0);
            if (address != 0)
            {
                ulong end = address + SizeOf(at, offset, wide);
                Reserve(false, address, end);
                Reserve(true, address, end);
            }

            if (wide) index++;
        }
    }

    /// <summary>
    /// Gives every memory BAR of a type-0 function that the firmware left at 0 an address from
    /// the host bridge's window (Hal.PciConfiguration.MemoryWindow), naturally aligned as the
    /// BAR's size demands (PCI Local Bus 3.0 §6.2.5.1: write all ones, the bits that stay 0 give
    /// the size), above every BAR <see cref="ReserveAssignedBars"/> noted; a 64-bit BAR goes to
    /// the 64-bit window, else the 32-bit one. Memory decoding is off while a BAR is sized.
    /// Returns how many it assigned; -1 when one did not fit (that BAR stays 0 and its driver's
    /// probe fails).
    /// </summary>
    internal static int AssignUnassignedBars(PciAddress at)
    {
        if (!HasWindow || (Read8(at, HeaderType) & 0x7F) != 0) return 0;   // bridges keep the firmware's windows
        int assigned = 0;
        for (int index = 0; index < 6; index++)
        {
            byte offset = (byte)(Bar0 + (index * 4));
            uint low = Read32(at, offset);
            if ((low & 1) != 0) continue;                      // I/O BAR
            bool wide = ((low >> 1) & 3) == 2;
            ulong address = (low & 0xFFFF_FFF0) | (wide ? (ulong)Read32(at, (byte)(offset + 4)) << 32 : 0);
            ulong size = SizeOf(at, offset, wide);
            if (size != 0 && address == 0)
            {
                if (!Place(wide, size, out address) && !(wide && Place(false, size, out address))) return -1;
                Write32(at, offset, (uint)address | (low & 0xF));
                if (wide) Write32(at, (byte)(offset + 4), (uint)(address >> 32));
                assigned++;
            }

            if (wide) index++;
        }

        return assigned;
    }

    /// <summary>Whether the kernel places BARs at all (x86_64: the BIOS assigns every one, and
    /// no BAR is sized).</summary>
    private static bool HasWindow => PciConfiguration.MemoryWindow(false, out _, out _) || PciConfiguration.MemoryWindow(true, out _, out _);

    /// <summary>How many bytes the memory BAR at <paramref name="offset"/> decodes (0: none).</summary>
    internal static ulong SizeOf(PciAddress at, byte offset, bool wide)
    {
        uint command = Read32(at, Command);
        Write32(at, Command, command & ~(uint)MemorySpace);
        uint low = Read32(at, offset);
        Write32(at, offset, 0xFFFF_FFFF);
        ulong mask = Read32(at, offset) & 0xFFFF_FFF0;
        Write32(at, offset, low);
        if (wide)
        {
            uint high = Read32(at, (byte)(offset + 4));
            Write32(at, (byte)(offset + 4), 0xFFFF_FFFF);
            mask |= (ulong)Read32(at, (byte)(offset + 4)) << 32;
            Write32(at, (byte)(offset + 4), high);
        }
        else
        {
            mask |= 0xFFFF_FFFF_0000_0000;
        }

        Write32(at, Command, command);
        return mask == 0xFFFF_FFFF_0000_0000 || mask == 0 ? 0 : ~mask + 1;
    }

    /// <summary>The next free address of the 32- and 64-bit windows (0: the window's start).</summary>
    private static ulong s_next32, s_next64;

    /// <summary>Moves the window's next free address past [start, end) when the range lies in it.</summary>
    private static void Reserve(bool wide, ulong start, ulong end)
    {
        if (!PciConfiguration.MemoryWindow(wide, out ulong windowStart, out ulong length)) return;
        if (start < windowStart || end > windowStart + length) return;
        ref ulong next = ref wide ? ref s_next64 : ref s_next32;
        if (next < end) next = end;
    }

    /// <summary>The next naturally aligned <paramref name="size"/> bytes of the 32- or 64-bit window.</summary>
    private static bool Place(bool wide, ulong size, out ulong address)
    {
        address = 0;
        if (!PciConfiguration.MemoryWindow(wide, out ulong start, out ulong length) || length == 0) return false;
        ref ulong next = ref wide ? ref s_next64 : ref s_next32;
        if (next < start) next = start;
        ulong candidate = (next + size - 1) & ~(size - 1);
        if (candidate < start || candidate + size > start + length || candidate + size < candidate) return false;
        address = candidate;
        next = candidate + size;
        return true;
    }
}
