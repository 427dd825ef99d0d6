using System.Runtime.CompilerServices;

namespace Aurora.Vmm;

/// <summary>
/// One 64-bit paging-structure entry (SDM Vol. 3A §4.5, the PML4E/PDPTE/PDE/PTE format tables).
/// <code>
///  63  62..52  51..12 (4 KiB) / 51..21 (2 MiB) / 51..30 (1 GiB)  12   11..9  8  7   6 5 4   3   2   1 0
///  NX  avail.  physical address                                   PAT* avail. G  PS/ D A PCD PWT U/S R/W P
///                                                                 (large)        PAT
/// </code>
/// Bit 7 is PS in a PDPTE/PDE and PAT in a PTE; bit 12 is PAT only in a 2 MiB/1 GiB leaf.
/// Bit 9 (available to software) marks copy-on-write.
/// </summary>
public readonly struct PageTableEntry
{
    /// <summary>Address bits 51..12: a table address or a 4 KiB frame.</summary>
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000;

    /// <summary>Address bits 51..21 of a 2 MiB leaf (bits 20..13 are reserved, bit 12 is PAT).</summary>
    public const ulong AddressMask2MiB = 0x000F_FFFF_FFE0_0000;

    /// <summary>Address bits 51..30 of a 1 GiB leaf.</summary>
    public const ulong AddressMask1GiB = 0x000F_FFFF_C000_0000;

    /// <summary>Highest physical address an entry can hold (MAXPHYADDR is at most 52).</summary>
    public const ulong MaxPhysicalAddress = 0x000F_FFFF_FFFF_FFFF;

    /// <summary>The raw 64-bit value.</summary>
    public readonly ulong Value;

    /// <summary>Wraps a raw entry.</summary>
    public PageTableEntry(ulong value) => Value = value;

    /// <summary>P is set.</summary>
    public bool IsPresent => (Value & (ulong)PageFlags.Present) != 0;

    /// <summary>PS is set. Meaningful only in a PDPTE or PDE: in a PTE bit 7 is PAT.</summary>
    public bool IsHuge => (Value & (ulong)PageFlags.Huge) != 0;

    /// <summary>Every bit outside the address field, as flags.</summary>
    public PageFlags Flags => (PageFlags)(Value & ~AddressMask);

    /// <summary>Address of the next-level table (entry that is not a leaf).</summary>
    public ulong TableAddress => Value & AddressMask;

    /// <summary>Frame address of a leaf of the given size.</summary>
    public ulong FrameAddress(PageSize size) => Value & AddressMaskFor(size);

    /// <summary>Memory type of a leaf of the given size.</summary>
    public CacheMode Cache(PageSize size) => DecodeCache(Value, size);

    /// <summary>A leaf entry: present, the caller's protection bits, the cache bits, PS for large pages.</summary>
    public static PageTableEntry Leaf(ulong physicalAddress, PageSize size, PageFlags protection, CacheMode cache)
        => new PageTableEntry(MakeLeaf(physicalAddress, size, protection, cache));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong AddressMaskFor(PageSize size)
        => size == PageSize.Size4KiB ? AddressMask : size == PageSize.Size2MiB ? AddressMask2MiB : AddressMask1GiB;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MakeLeaf(ulong physicalAddress, PageSize size, PageFlags protection, CacheMode cache)
    {
        ulong entry = physicalAddress | (ulong)PageFlags.Present | (ulong)(protection & PageFlags.Protection)
            | EncodeCache(cache, size);
        if (size != PageSize.Size4KiB)
        {
            entry |= (ulong)PageFlags.Huge;
        }
        return entry;
    }

    /// <summary>
    /// PAT index bit 0 is PWT, bit 1 is PCD, bit 2 is PAT, whose position depends on the level:
    /// bit 7 in a PTE, bit 12 in a PDE/PDPTE that maps a page (SDM Vol. 3A §4.9.2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong EncodeCache(CacheMode cache, PageSize size)
    {
        ulong index = (ulong)cache;
        ulong bits = 0;
        if ((index & 1) != 0)
        {
            bits |= (ulong)PageFlags.WriteThrough;
        }
        if ((index & 2) != 0)
        {
            bits |= (ulong)PageFlags.CacheDisable;
        }
        if ((index & 4) != 0)
        {
            bits |= size == PageSize.Size4KiB ? (ulong)PageFlags.Pat : (ulong)PageFlags.PatLarge;
        }
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CacheMode DecodeCache(ulong entry, PageSize size)
    {
        ulong patBit = size == PageSize.Size4KiB ? (ulong)PageFlags.Pat : (ulong)PageFlags.PatLarge;
        int index = ((entry & (ulong)PageFlags.WriteThrough) != 0 ? 1 : 0)
            | ((entry & (ulong)PageFlags.CacheDisable) != 0 ? 2 : 0)
            | ((entry & patBit) != 0 ? 4 : 0);
        // PAT6 and PAT7 hold UC in the layout this enum assumes.
        return index > 5 ? CacheMode.Uncached : (CacheMode)index;
    }
}
