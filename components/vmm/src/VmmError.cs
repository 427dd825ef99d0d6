namespace Aurora.Vmm;

/// <summary>Result of a page-table operation. Errors are values: nothing here throws.</summary>
public enum VmmError
{
    /// <summary>Success.</summary>
    None = 0,

    /// <summary>Map: the virtual page (or part of the 2 MiB range) is already mapped.</summary>
    AlreadyMapped,

    /// <summary>Unmap/protect/translate/fault: nothing is mapped at that virtual address.</summary>
    NotMapped,

    /// <summary>The virtual address is not aligned to the page size of the operation.</summary>
    MisalignedVirtual,

    /// <summary>The physical address is not aligned to the page size of the operation.</summary>
    MisalignedPhysical,

    /// <summary>The physical address does not fit the 52-bit address field of an entry.</summary>
    PhysicalOutOfRange,

    /// <summary>Bits 63..47 of the virtual address are not all equal (SDM Vol. 3A §4.5).</summary>
    NonCanonical,

    /// <summary>The frame source had no frame for a page table (or a copy-on-write copy).</summary>
    OutOfFrames,

    /// <summary>
    /// The page size of the operation does not match the mapping found there: a 4 KiB operation
    /// inside a 2 MiB page, a 2 MiB operation over a page table that still maps 4 KiB pages, or
    /// anything under a 1 GiB page.
    /// </summary>
    SizeConflict,

    /// <summary>
    /// Flags outside <see cref="PageFlags.Protection"/>, a <see cref="PageFlags.User"/> page in
    /// the kernel half, <see cref="PageFlags.CopyOnWrite"/> together with
    /// <see cref="PageFlags.Writable"/>, or a cache mode outside <see cref="CacheMode"/>.
    /// </summary>
    InvalidFlags,

    /// <summary>The page size is not one this operation creates (1 GiB pages are only recognised).</summary>
    Unsupported,

    /// <summary>A write fault on a present page that is neither writable nor copy-on-write.</summary>
    ProtectionViolation,

    /// <summary>Sharing one more time would push a frame's count into <see cref="FrameRefCounts.Pinned"/>.</summary>
    RefCountOverflow,
}
