using Aurora.Pmm;

namespace ConsumerKernel;

/// <summary>Reads the memory map out of the Multiboot2 boot information (Multiboot2
/// specification, 3.6 "Boot information format" and 3.6.8 "Memory map").</summary>
internal static unsafe class Multiboot2
{
    internal const uint BootloaderMagic = 0x36D76289;
    private const uint MemoryMapTag = 6;

    /// <summary>Total size of the boot information (its first field).</summary>
    internal static ulong TotalSize(ulong information) => *(uint*)information;

    /// <summary>Copies the memory map into <paramref name="regions"/> in Aurora.Pmm's form and
    /// returns how many entries it wrote.</summary>
    internal static int ReadMemoryMap(ulong information, MemoryRegion* regions, int capacity)
    {
        byte* tag = (byte*)information + 8;
        byte* end = (byte*)information + TotalSize(information);
        int count = 0;
        while (tag < end)
        {
            uint type = *(uint*)tag;
            uint size = *(uint*)(tag + 4);
            if (type == 0) break;
            if (type == MemoryMapTag)
            {
                uint entrySize = *(uint*)(tag + 8);
                for (byte* entry = tag + 16; entry + entrySize <= tag + size && count < capacity; entry += entrySize)
                {
                    regions[count++] = new MemoryRegion(*(ulong*)entry, *(ulong*)(entry + 8), KindOf(*(uint*)(entry + 16)));
                }
            }
            tag += (size + 7) & ~7u;                // tags are 8-byte aligned
        }
        return count;
    }

    // Multiboot2 memory types: 1 available, 3 ACPI reclaimable, 4 ACPI NVS (preserve on
    // hibernation), 5 defective RAM; anything else is reserved.
    private static MemoryRegionKind KindOf(uint type) => type switch
    {
        1 => MemoryRegionKind.Usable,
        3 => MemoryRegionKind.AcpiReclaimable,
        4 => MemoryRegionKind.AcpiNvs,
        5 => MemoryRegionKind.BadMemory,
        _ => MemoryRegionKind.Reserved,
    };
}
