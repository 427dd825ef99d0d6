using System.Runtime.CompilerServices;

namespace Aurora.Vmm.Aarch64;

/// <summary>
/// One VMSAv8-64 stage-1 translation descriptor, 4 KiB granule, 48-bit addresses (Arm ARM
/// D8.3, "Translation table descriptor formats"): the second page-table format the component
/// speaks, in the same vocabulary as the x86_64 one (<see cref="PageFlags"/>, <see cref="CacheMode"/>).
/// <code>
///  63..59  58..55  54      53   52     51  50..48  47..12 (L3 page) / 47..21 (L2) / 47..30 (L1)  11  10  9..8  7..6   5   4..2     1     0
///  ignored  SW     UXN/XN  PXN  Cont.  DBM  res0   output address                                 nG  AF  SH    AP2:1  NS  AttrIndx  table valid
///                                                                                                                                    /page
/// </code>
/// Bit 1 is 1 in a table descriptor (levels 0-2) and in a page (level 3), 0 in a block (a 1 GiB
/// leaf at level 1, 2 MiB at level 2). Software bit 55 marks copy-on-write, 56 a deliberately
/// shared frame, as bits 9 and 10 do on x86_64.
/// </summary>
public static class Aarch64Descriptor
{
    /// <summary>Bit 0: the descriptor is valid; with it clear the hardware ignores every other bit
    /// and an access faults.</summary>
    public const ulong Valid = 1UL << 0;
    /// <summary>Table (levels 0-2) or page (level 3), as opposed to a block.</summary>
    public const ulong TableOrPage = 1UL << 1;
    /// <summary>Position of AttrIndx (bits 4..2), the index into MAIR_EL1 (<see
    /// cref="MemoryAttributes"/>); this format stores the <see cref="CacheMode"/> value
    /// there.</summary>
    public const int AttributeIndexShift = 2;
    /// <summary>AttrIndx, bits 4..2 (see <see cref="AttributeIndexShift"/>).</summary>
    public const ulong AttributeIndexMask = 7UL << AttributeIndexShift;
    /// <summary>AP[1]: EL0 may access the page.</summary>
    public const ulong UserAccess = 1UL << 6;
    /// <summary>AP[2]: read-only (at every EL that may access it).</summary>
    public const ulong ReadOnly = 1UL << 7;
    /// <summary>SH = 0b11: inner shareable (normal memory; ignored for device memory).</summary>
    public const ulong InnerShareable = 3UL << 8;
    /// <summary>AF: set at creation, so no access-flag fault is ever taken (no hardware AF management needed).</summary>
    public const ulong AccessFlag = 1UL << 10;
    /// <summary>nG: the translation is tagged with the ASID (not global).</summary>
    public const ulong NotGlobal = 1UL << 11;
    /// <summary>PXN (bit 53): not executable at EL1; set on every user page (as SMEP) and on kernel
    /// pages mapped with <see cref="PageFlags.NoExecute"/>.</summary>
    public const ulong PrivilegedExecuteNever = 1UL << 53;
    /// <summary>UXN (bit 54): not executable at EL0; set on every kernel page and on user pages
    /// mapped with <see cref="PageFlags.NoExecute"/>.</summary>
    public const ulong UserExecuteNever = 1UL << 54;
    /// <summary>Software bit 55: the page is copy-on-write (<see cref="PageFlags.CopyOnWrite"/>);
    /// ignored by the hardware.</summary>
    public const ulong CopyOnWriteBit = 1UL << 55;
    /// <summary>Software bit 56: the frame is deliberately shared and never copied on write (<see
    /// cref="PageFlags.Shared"/>); ignored by the hardware.</summary>
    public const ulong SharedBit = 1UL << 56;

    /// <summary>Output address bits 47..12.</summary>
    public const ulong AddressMask = 0x0000_FFFF_FFFF_F000;
    /// <summary>Highest physical address a descriptor can name: 48 bits.</summary>
    public const ulong MaxPhysicalAddress = 0x0000_FFFF_FFFF_FFFF;

    /// <summary>
    /// MAIR_EL1 as this format's attribute indices expect it (Arm ARM D17.2.97): index i holds
    /// the memory type of <see cref="CacheMode"/> value i. WB = Normal inner/outer write-back
    /// read/write-allocate (0xFF); WT and WP = Normal write-through (0xBB; AArch64 has no
    /// write-protect type); UC- and WC = Normal non-cacheable (0x44, what Linux uses for
    /// write-combining); UC = Device-nGnRnE (0x00), for device registers.
    /// </summary>
    public const ulong MemoryAttributes = 0x00_00_44_BB_00_44_BB_FFUL;

    /// <summary>A table descriptor pointing at the next level's table.</summary>
    public static ulong Table(ulong tablePhysical) => (tablePhysical & AddressMask) | TableOrPage | Valid;

    /// <summary>A leaf: a page at level 3 (<see cref="PageSize.Size4KiB"/>) or a block.
    /// Kernel pages are never executable at EL0; user pages never at EL1 (as SMEP), so a kernel
    /// bug cannot run user code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Leaf(ulong physicalAddress, PageSize size, PageFlags protection, CacheMode cache)
    {
        ulong descriptor = (physicalAddress & AddressMask) | Valid | AccessFlag | InnerShareable
            | ((ulong)cache << AttributeIndexShift);
        if (size == PageSize.Size4KiB) descriptor |= TableOrPage;
        if ((protection & PageFlags.Writable) == 0) descriptor |= ReadOnly;
        if ((protection & PageFlags.Global) == 0) descriptor |= NotGlobal;
        if ((protection & PageFlags.User) != 0)
        {
            descriptor |= UserAccess | PrivilegedExecuteNever;
            if ((protection & PageFlags.NoExecute) != 0) descriptor |= UserExecuteNever;
        }
        else
        {
            descriptor |= UserExecuteNever;
            if ((protection & PageFlags.NoExecute) != 0) descriptor |= PrivilegedExecuteNever;
        }
        if ((protection & PageFlags.CopyOnWrite) != 0) descriptor |= CopyOnWriteBit;
        if ((protection & PageFlags.Shared) != 0) descriptor |= SharedBit;
        return descriptor;
    }

    /// <summary>Whether <paramref name="descriptor"/> has <see cref="Valid"/> set.</summary>
    public static bool IsValid(ulong descriptor) => (descriptor & Valid) != 0;

    /// <summary>At levels 0-2: the descriptor points at a table (else it is a block, or invalid).</summary>
    public static bool IsTable(ulong descriptor) => (descriptor & (Valid | TableOrPage)) == (Valid | TableOrPage);

    /// <summary>The protection a leaf grants, in <see cref="PageFlags.Protection"/> terms.</summary>
    public static PageFlags Protection(ulong descriptor)
    {
        PageFlags flags = PageFlags.None;
        if ((descriptor & ReadOnly) == 0) flags |= PageFlags.Writable;
        if ((descriptor & NotGlobal) == 0) flags |= PageFlags.Global;
        bool user = (descriptor & UserAccess) != 0;
        if (user) flags |= PageFlags.User;
        if ((descriptor & (user ? UserExecuteNever : PrivilegedExecuteNever)) != 0) flags |= PageFlags.NoExecute;
        if ((descriptor & CopyOnWriteBit) != 0) flags |= PageFlags.CopyOnWrite;
        if ((descriptor & SharedBit) != 0) flags |= PageFlags.Shared;
        return flags;
    }

    /// <summary>The <see cref="CacheMode"/> a leaf was made with (its AttrIndx).</summary>
    public static CacheMode Cache(ulong descriptor) => (CacheMode)((descriptor & AttributeIndexMask) >> AttributeIndexShift);

    /// <summary>Physical address of the page or block a leaf of size <paramref name="size"/> maps
    /// (the offset bits below the size cleared).</summary>
    public static ulong OutputAddress(ulong descriptor, PageSize size) => descriptor & AddressMask & ~((ulong)size - 1);
}
