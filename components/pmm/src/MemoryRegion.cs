using System.Runtime.InteropServices;

namespace Aurora.Pmm;

/// <summary>
/// Kind of a boot memory map entry. The numbering is Limine's (Limine protocol, "Memory Map
/// Feature", <c>LIMINE_MEMMAP_*</c>), so a Limine entry's type converts without a table.
/// </summary>
public enum MemoryRegionKind : ulong
{
    /// <summary>RAM free for the kernel to use (<c>LIMINE_MEMMAP_USABLE</c>): the only kind the
    /// allocator manages from the start.</summary>
    Usable = 0,
    /// <summary>Reserved by the firmware or hardware; never managed.</summary>
    Reserved = 1,
    /// <summary>ACPI tables; reusable once the kernel has read them (the allocator does not reclaim
    /// it).</summary>
    AcpiReclaimable = 2,
    /// <summary>ACPI non-volatile storage; must be preserved, never managed.</summary>
    AcpiNvs = 3,
    /// <summary>Defective RAM; never managed.</summary>
    BadMemory = 4,
    /// <summary>Used by the bootloader (its page tables, the memory map itself); becomes managed
    /// through <see cref="FrameAllocator.ReclaimBootloaderMemory"/> once the kernel no longer needs
    /// it.</summary>
    BootloaderReclaimable = 5,
    /// <summary>The kernel image and boot modules as loaded; never managed.</summary>
    KernelAndModules = 6,
    /// <summary>The boot framebuffer; never managed.</summary>
    Framebuffer = 7,
}

/// <summary>
/// One boot memory map entry. Same layout as Limine's <c>struct limine_memmap_entry</c>
/// (base, length, type: three 64-bit fields), so an entry can be copied or reinterpreted as is.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct MemoryRegion
{
    /// <summary>Physical address of the first byte. Need not be frame aligned: the allocator
    /// manages only the whole frames inside the entry.</summary>
    public ulong Base;
    /// <summary>Length in bytes.</summary>
    public ulong Length;
    /// <summary>What the memory is (Limine's type number).</summary>
    public MemoryRegionKind Kind;

    /// <summary>An entry of <paramref name="length"/> bytes from physical address <paramref
    /// name="base"/> of kind <paramref name="kind"/>.</summary>
    public MemoryRegion(ulong @base, ulong length, MemoryRegionKind kind)
    {
        Base = @base;
        Length = length;
        Kind = kind;
    }

    /// <summary>One past the last byte; saturates instead of wrapping for a bogus entry.</summary>
    public readonly ulong End => Length > ulong.MaxValue - Base ? ulong.MaxValue : Base + Length;
}
