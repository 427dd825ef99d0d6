namespace Aurora.Vmm.Aarch64;

/// <summary>
/// AArch64 stage-1 translation tables with the 4 KiB granule and 48-bit virtual addresses
/// (TCR_EL1.T0SZ = T1SZ = 16, four levels: index bits 47..39, 38..30, 29..21, 20..12; Arm ARM
/// D8.2). Each half of the address space has its own root: TTBR0_EL1 translates addresses
/// whose bits 63..48 are all 0, TTBR1_EL1 those whose bits 63..48 are all 1; the caller passes
/// the root of the half an address is in. Pages of 4 KiB and blocks of 2 MiB and 1 GiB.
/// Like <see cref="PageMapper{TMemory, TFrames, TTlb}"/>, all state lives in the tables; the
/// generic parameters reach memory, frames and the TLB.
/// </summary>
public unsafe partial struct Aarch64PageTables<TMemory, TFrames, TTlb>
    where TMemory : struct, IPhysicalMemory
    where TFrames : struct, IFrameSource
    where TTlb : struct, ITlb
{
    private const int Entries = 512;
    private TMemory _memory;
    private TFrames _frames;
    private TTlb _tlb;

    /// <summary>Page tables reached through <paramref name="memory"/> (physical to virtual), with
    /// table frames from <paramref name="frames"/> and TLB maintenance through <paramref
    /// name="tlb"/>; the structs are copied in, so their state lives in this instance.</summary>
    public Aarch64PageTables(TMemory memory, TFrames frames, TTlb tlb)
    {
        _memory = memory;
        _frames = frames;
        _tlb = tlb;
    }

    /// <summary>Bits 63..48 all 0 (the TTBR0 half) or all 1 (the TTBR1 half).</summary>
    public static bool IsValidAddress(ulong virtualAddress) => virtualAddress >> 48 is 0 or 0xFFFF;

    /// <summary>Whether <paramref name="virtualAddress"/> is in the half TTBR1_EL1 translates.</summary>
    public static bool IsUpperHalf(ulong virtualAddress) => virtualAddress >> 48 == 0xFFFF;

    private static int Index(ulong virtualAddress, int level) => (int)((virtualAddress >> (39 - 9 * level)) & 511);

    private static int LeafLevel(PageSize size) => size == PageSize.Size4KiB ? 3 : size == PageSize.Size2MiB ? 2 : 1;

    /// <summary>A new, empty root table for one half.</summary>
    public VmmError CreateRoot(out ulong rootPhysical) => AllocateTable(out rootPhysical);

    private VmmError AllocateTable(out ulong physical)
    {
        if (!_frames.TryAllocate(out physical)) return VmmError.OutOfFrames;
        ulong* table = (ulong*)_memory.ToVirtual(physical);
        for (int i = 0; i < Entries; i++) table[i] = 0;
        return VmmError.None;
    }

    private ulong* Table(ulong physical) => (ulong*)_memory.ToVirtual(physical);

    private static VmmError CheckMapping(ulong virtualAddress, ulong physicalAddress, PageSize size, PageFlags protection, CacheMode cache)
    {
        if (!IsValidAddress(virtualAddress)) return VmmError.NonCanonical;
        if ((virtualAddress & ((ulong)size - 1)) != 0) return VmmError.MisalignedVirtual;
        if ((physicalAddress & ((ulong)size - 1)) != 0) return VmmError.MisalignedPhysical;
        if (physicalAddress > Aarch64Descriptor.MaxPhysicalAddress) return VmmError.PhysicalOutOfRange;
        if ((protection & ~PageFlags.Protection) != 0 || (byte)cache > (byte)CacheMode.WriteCombining) return VmmError.InvalidFlags;
        if ((protection & PageFlags.User) != 0 && IsUpperHalf(virtualAddress)) return VmmError.InvalidFlags;
        if ((protection & (PageFlags.CopyOnWrite | PageFlags.Writable)) == (PageFlags.CopyOnWrite | PageFlags.Writable)) return VmmError.InvalidFlags;
        return VmmError.None;
    }

    /// <summary>Maps one page or block. Tables on the way are made as needed.</summary>
    public VmmError Map(ulong rootPhysical, ulong virtualAddress, ulong physicalAddress, PageSize size, PageFlags protection, CacheMode cache)
    {
        VmmError error = CheckMapping(virtualAddress, physicalAddress, size, protection, cache);
        if (error != VmmError.None) return error;
        int leafLevel = LeafLevel(size);
        ulong* table = Table(rootPhysical);
        for (int level = 0; level < leafLevel; level++)
        {
            ulong* slot = &table[Index(virtualAddress, level)];
            if (!Aarch64Descriptor.IsValid(*slot))
            {
                error = AllocateTable(out ulong next);
                if (error != VmmError.None) return error;
                *slot = Aarch64Descriptor.Table(next);
            }
            else if (!Aarch64Descriptor.IsTable(*slot))
            {
                return VmmError.SizeConflict;   // a block covers this address already
            }
            table = Table(*slot & Aarch64Descriptor.AddressMask);
        }
        ulong* leaf = &table[Index(virtualAddress, leafLevel)];
        if (Aarch64Descriptor.IsValid(*leaf))
        {
            // A table below a would-be block still maps smaller pages: a size conflict.
            return leafLevel < 3 && Aarch64Descriptor.IsTable(*leaf) ? VmmError.SizeConflict : VmmError.AlreadyMapped;
        }
        *leaf = Aarch64Descriptor.Leaf(physicalAddress, size, protection, cache);
        return VmmError.None;
    }

    /// <summary>Finds the leaf that maps <paramref name="virtualAddress"/>: its slot and level.</summary>
    private VmmError FindLeaf(ulong rootPhysical, ulong virtualAddress, out ulong* slot, out PageSize size)
    {
        slot = null;
        size = PageSize.Size4KiB;
        if (!IsValidAddress(virtualAddress)) return VmmError.NonCanonical;
        ulong* table = Table(rootPhysical);
        for (int level = 0; level <= 3; level++)
        {
            ulong* entry = &table[Index(virtualAddress, level)];
            if (!Aarch64Descriptor.IsValid(*entry)) return VmmError.NotMapped;
            if (level == 3 || !Aarch64Descriptor.IsTable(*entry))
            {
                if (level == 0) return VmmError.NotMapped;   // no blocks at level 0 with 4 KiB granules
                if (level == 3 && !Aarch64Descriptor.IsTable(*entry)) return VmmError.NotMapped;   // 0b01 at level 3 is reserved
                slot = entry;
                size = level == 3 ? PageSize.Size4KiB : level == 2 ? PageSize.Size2MiB : PageSize.Size1GiB;
                return VmmError.None;
            }
            table = Table(*entry & Aarch64Descriptor.AddressMask);
        }
        return VmmError.NotMapped;
    }

    /// <summary>What the hardware's walk would find for <paramref name="virtualAddress"/>.</summary>
    public VmmError Translate(ulong rootPhysical, ulong virtualAddress, out Translation translation)
    {
        translation = default;
        VmmError error = FindLeaf(rootPhysical, virtualAddress, out ulong* slot, out PageSize size);
        if (error != VmmError.None) return error;
        ulong descriptor = *slot;
        translation.Entry = descriptor;
        translation.Size = size;
        translation.FrameAddress = Aarch64Descriptor.OutputAddress(descriptor, size);
        translation.PhysicalAddress = translation.FrameAddress | (virtualAddress & ((ulong)size - 1));
        translation.Flags = Aarch64Descriptor.Protection(descriptor) | PageFlags.Present;
        translation.Cache = Aarch64Descriptor.Cache(descriptor);
        return VmmError.None;
    }

    /// <summary>Removes the page or block at <paramref name="virtualAddress"/> (which must be its
    /// start) and drops its translation from the TLB. Tables left empty stay (they are reused).</summary>
    public VmmError Unmap(ulong rootPhysical, ulong virtualAddress, out ulong physicalAddress, out PageSize size)
    {
        physicalAddress = 0;
        VmmError error = FindLeaf(rootPhysical, virtualAddress, out ulong* slot, out size);
        if (error != VmmError.None) return error;
        if ((virtualAddress & ((ulong)size - 1)) != 0) return VmmError.SizeConflict;
        physicalAddress = Aarch64Descriptor.OutputAddress(*slot, size);
        *slot = 0;
        _tlb.InvalidatePage(rootPhysical, virtualAddress);
        return VmmError.None;
    }

    /// <summary>Changes the protection of the page or block that starts at <paramref name="virtualAddress"/>.</summary>
    public VmmError Protect(ulong rootPhysical, ulong virtualAddress, PageFlags protection)
    {
        VmmError error = FindLeaf(rootPhysical, virtualAddress, out ulong* slot, out PageSize size);
        if (error != VmmError.None) return error;
        if ((virtualAddress & ((ulong)size - 1)) != 0) return VmmError.SizeConflict;
        ulong descriptor = *slot;
        error = CheckMapping(virtualAddress, Aarch64Descriptor.OutputAddress(descriptor, size), size, protection, Aarch64Descriptor.Cache(descriptor));
        if (error != VmmError.None) return error;
        *slot = Aarch64Descriptor.Leaf(Aarch64Descriptor.OutputAddress(descriptor, size), size, protection, Aarch64Descriptor.Cache(descriptor));
        _tlb.InvalidatePage(rootPhysical, virtualAddress);
        return VmmError.None;
    }
}
