using System.Runtime.InteropServices;

namespace Aurora.Pmm;

/// <summary>
/// Kind of a boot memory map entry. The numbering is Limine's (Limine protocol, "Memory Map
/// Feature", <c>LIMINE_MEMMAP_*</c>), so a Limine entry's type converts without a table.
/// </summary>
public enum MemoryRegionKind : ulong
{
    Usable = 0,
    Reserved = 1,
    AcpiReclaimable = 2,
    AcpiNvs = 3,
    BadMemory = 4,
    BootloaderReclaimable = 5,
    KernelAndModules = 6,
    Framebuffer = 7,
}

/// <summary>
/// One boot memory map entry. Same layout as Limine's <c>struct limine_memmap_entry</c>
/// (base, length, type: three 64-bit fields), so an entry can be copied or reinterpreted as is.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct MemoryRegion
{
    public ulong Base;
    public ulong Length;
    public MemoryRegionKind Kind;

    public MemoryRegion(ulong @base, ulong length, MemoryRegionKind kind)
    {
        Base = @base;
        Length = length;
        Kind = kind;
    }

    /// <summary>One past the last byte; saturates instead of wrapping for a bogus entry.</summary>
    public readonly ulong End => Length > ulong.MaxValue - Base ? ulong.MaxValue : Base + Length;
}
