using System;
using System.Runtime.CompilerServices;

namespace Aurora.Vmm;

/// <summary>
/// Builds and edits x86_64 4-level page tables (SDM Vol. 3A §4.5). It holds no state of its own
/// beyond the three pluggable pieces; an address space is just the physical address of its PML4
/// (<see cref="AddressSpace"/>). The pieces are generic struct parameters, so calls into them
/// are direct and nothing is allocated on any path.
/// <para>
/// Not thread-safe: the caller serialises operations on one address space (and on the shared
/// kernel half). Mapping a page and editing tables never touches the mapped memory itself,
/// only the tables, through <typeparamref name="TMemory"/>.
/// </para>
/// </summary>
/// <typeparam name="TMemory">Physical-to-virtual access (direct map in the kernel).</typeparam>
/// <typeparam name="TFrames">Source of 4 KiB frames for tables and copy-on-write copies.</typeparam>
/// <typeparam name="TTlb">TLB maintenance after entries change.</typeparam>
public unsafe partial struct PageMapper<TMemory, TFrames, TTlb>
    where TMemory : struct, IPhysicalMemory
    where TFrames : struct, IFrameSource
    where TTlb : struct, ITlb
{
    private const ulong PresentBit = (ulong)PageFlags.Present;
    private const ulong WritableBit = (ulong)PageFlags.Writable;
    private const ulong UserBit = (ulong)PageFlags.User;
    private const ulong HugeBit = (ulong)PageFlags.Huge;
    private const ulong CopyOnWriteBit = (ulong)PageFlags.CopyOnWrite;
    private const ulong SharedBit = (ulong)PageFlags.Shared;
    private const ulong AddressMask = PageTableEntry.AddressMask;
    private const int EntriesPerTable = 512;
    private const int FrameSize = 4096;

    /// <summary>Physical memory access.</summary>
    public TMemory Memory;

    /// <summary>Frame source.</summary>
    public TFrames Frames;

    /// <summary>TLB maintenance.</summary>
    public TTlb Tlb;

    /// <summary>Combines the three pieces.</summary>
    public PageMapper(TMemory memory, TFrames frames, TTlb tlb)
    {
        Memory = memory;
        Frames = frames;
        Tlb = tlb;
    }

    /// <summary>
    /// Maps one page of <paramref name="size"/> (4 KiB or 2 MiB) at <paramref name="virtualAddress"/>
    /// to <paramref name="physicalAddress"/>. Missing tables are taken from the frame source and
    /// zeroed. New intermediate entries are present + writable (+ user in the user half), so the
    /// leaf alone decides the rights. A 2 MiB page may replace a page table that maps nothing
    /// any more; that table's frame goes back to the frame source.
    /// </summary>
    /// <param name="space">Address space to edit.</param>
    /// <param name="virtualAddress">Canonical, aligned to <paramref name="size"/>.</param>
    /// <param name="physicalAddress">Aligned to <paramref name="size"/>, below 2^52.</param>
    /// <param name="size"><see cref="PageSize.Size4KiB"/> or <see cref="PageSize.Size2MiB"/>.</param>
    /// <param name="protection">
    /// Bits of <see cref="PageFlags.Protection"/>; <see cref="PageFlags.User"/> only in the user half;
    /// <see cref="PageFlags.CopyOnWrite"/> only without <see cref="PageFlags.Writable"/>.
    /// </param>
    /// <param name="cache">Memory type, encoded into PWT/PCD/PAT for this page size.</param>
    /// <returns>
    /// <see cref="VmmError.None"/>, or AlreadyMapped, SizeConflict (inside an existing larger
    /// page), OutOfFrames (tables created so far stay linked and are freed on destroy),
    /// NonCanonical, MisalignedVirtual, MisalignedPhysical, PhysicalOutOfRange, InvalidFlags,
    /// Unsupported (1 GiB).
    /// </returns>
    public VmmError Map(AddressSpace space, ulong virtualAddress, ulong physicalAddress, PageSize size,
        PageFlags protection, CacheMode cache = CacheMode.WriteBack)
    {
        VmmError error = CheckVirtual(virtualAddress, size);
        if (error != VmmError.None)
        {
            return error;
        }
        if ((physicalAddress & ((ulong)size - 1)) != 0)
        {
            return VmmError.MisalignedPhysical;
        }
        if (physicalAddress > PageTableEntry.MaxPhysicalAddress)
        {
            return VmmError.PhysicalOutOfRange;
        }
        bool userHalf = VirtualAddress.IsUserHalf(virtualAddress);
        if (!IsValidProtection(protection, userHalf) || (uint)cache > (uint)CacheMode.WriteCombining)
        {
            return VmmError.InvalidFlags;
        }

        ulong tableFlags = TableFlags(userHalf);
        error = Descend(Table(space.Root) + VirtualAddress.Pml4Index(virtualAddress), tableFlags, out ulong* pdpt);
        if (error != VmmError.None)
        {
            return error;
        }
        error = Descend(pdpt + VirtualAddress.PdptIndex(virtualAddress), tableFlags, out ulong* pd);
        if (error != VmmError.None)
        {
            return error;
        }

        ulong leaf = PageTableEntry.MakeLeaf(physicalAddress, size, protection, cache);
        ulong* pde = pd + VirtualAddress.PdIndex(virtualAddress);
        if (size == PageSize.Size2MiB)
        {
            ulong old = *pde;
            if ((old & PresentBit) == 0)
            {
                *pde = leaf;
                return VmmError.None;
            }
            if ((old & HugeBit) != 0 || !IsEmpty(Table(old & AddressMask)))
            {
                return VmmError.AlreadyMapped;
            }
            // The PDE that pointed at the now-unused table may be held in a paging-structure
            // cache; INVLPG of an address it covers drops it (SDM Vol. 3A §4.10.4.1).
            *pde = leaf;
            Tlb.InvalidatePage(space.Root, virtualAddress);
            Frames.Free(old & AddressMask);
            return VmmError.None;
        }

        error = Descend(pde, tableFlags, out ulong* pt);
        if (error != VmmError.None)
        {
            return error;
        }
        ulong* pte = pt + VirtualAddress.PtIndex(virtualAddress);
        if ((*pte & PresentBit) != 0)
        {
            return VmmError.AlreadyMapped;
        }
        *pte = leaf;
        return VmmError.None;
    }

    /// <summary>
    /// Removes the page of <paramref name="size"/> at <paramref name="virtualAddress"/>, reports
    /// it to the TLB and returns the physical address it mapped. The frame itself is the caller's
    /// (see <see cref="ReleaseFrame"/> for shared frames). Page tables stay until the address
    /// space is destroyed.
    /// </summary>
    /// <returns>None, NotMapped, SizeConflict, NonCanonical, MisalignedVirtual, Unsupported.</returns>
    public VmmError Unmap(AddressSpace space, ulong virtualAddress, PageSize size, out ulong physicalAddress)
    {
        physicalAddress = 0;
        VmmError error = CheckVirtual(virtualAddress, size);
        if (error != VmmError.None)
        {
            return error;
        }
        error = FindLeaf(space.Root, virtualAddress, size, out ulong* slot);
        if (error != VmmError.None)
        {
            return error;
        }
        ulong old = *slot;
        *slot = 0;
        Tlb.InvalidatePage(space.Root, virtualAddress);
        physicalAddress = old & PageTableEntry.AddressMaskFor(size);
        return VmmError.None;
    }

    /// <summary>
    /// Replaces the protection bits (<see cref="PageFlags.Protection"/>) of the page of
    /// <paramref name="size"/> at <paramref name="virtualAddress"/>; the address, memory type and
    /// accessed/dirty bits stay. The TLB is told only when the entry really changed.
    /// </summary>
    /// <returns>None, NotMapped, SizeConflict, NonCanonical, MisalignedVirtual, InvalidFlags, Unsupported.</returns>
    public VmmError Protect(AddressSpace space, ulong virtualAddress, PageSize size, PageFlags protection)
    {
        VmmError error = CheckVirtual(virtualAddress, size);
        if (error != VmmError.None)
        {
            return error;
        }
        if (!IsValidProtection(protection, VirtualAddress.IsUserHalf(virtualAddress)))
        {
            return VmmError.InvalidFlags;
        }
        error = FindLeaf(space.Root, virtualAddress, size, out ulong* slot);
        if (error != VmmError.None)
        {
            return error;
        }
        ulong old = *slot;
        ulong updated = (old & ~(ulong)PageFlags.Protection) | (ulong)protection;
        if (updated != old)
        {
            *slot = updated;
            Tlb.InvalidatePage(space.Root, virtualAddress);
        }
        return VmmError.None;
    }

    /// <summary>
    /// Walks the tables as the CPU would for <paramref name="virtualAddress"/> (any byte, no
    /// alignment needed) and reports the physical address, page size (4 KiB, 2 MiB or 1 GiB),
    /// effective rights and memory type.
    /// </summary>
    /// <returns>None, NotMapped, NonCanonical.</returns>
    public VmmError Translate(AddressSpace space, ulong virtualAddress, out Translation translation)
    {
        translation = default;
        if (!VirtualAddress.IsCanonical(virtualAddress))
        {
            return VmmError.NonCanonical;
        }
        ulong entry = Table(space.Root)[VirtualAddress.Pml4Index(virtualAddress)];
        if ((entry & PresentBit) == 0)
        {
            return VmmError.NotMapped;
        }
        // Access rights combine over the walk (SDM Vol. 3A §4.6): R/W and U/S must be set at
        // every level, XD at any level forbids fetches.
        ulong allLevels = entry;
        ulong anyLevel = entry;

        entry = Table(entry & AddressMask)[VirtualAddress.PdptIndex(virtualAddress)];
        if ((entry & PresentBit) == 0)
        {
            return VmmError.NotMapped;
        }
        allLevels &= entry;
        anyLevel |= entry;
        PageSize size = PageSize.Size1GiB;
        if ((entry & HugeBit) == 0)
        {
            entry = Table(entry & AddressMask)[VirtualAddress.PdIndex(virtualAddress)];
            if ((entry & PresentBit) == 0)
            {
                return VmmError.NotMapped;
            }
            allLevels &= entry;
            anyLevel |= entry;
            size = PageSize.Size2MiB;
            if ((entry & HugeBit) == 0)
            {
                entry = Table(entry & AddressMask)[VirtualAddress.PtIndex(virtualAddress)];
                if ((entry & PresentBit) == 0)
                {
                    return VmmError.NotMapped;
                }
                allLevels &= entry;
                anyLevel |= entry;
                size = PageSize.Size4KiB;
            }
        }

        ulong frame = entry & PageTableEntry.AddressMaskFor(size);
        const ulong fromLeaf = (ulong)(PageFlags.Present | PageFlags.Global | PageFlags.Accessed
            | PageFlags.Dirty | PageFlags.CopyOnWrite);
        translation.FrameAddress = frame;
        translation.PhysicalAddress = frame | (virtualAddress & ((ulong)size - 1));
        translation.Size = size;
        translation.Flags = (PageFlags)((entry & fromLeaf) | (allLevels & (WritableBit | UserBit))
            | (anyLevel & (ulong)PageFlags.NoExecute));
        translation.Cache = PageTableEntry.DecodeCache(entry, size);
        translation.Entry = entry;
        return VmmError.None;
    }

    /// <summary>
    /// Replaces the 2 MiB page at <paramref name="virtualAddress"/> with a page table of 512
    /// 4 KiB entries that map the same frames with the same rights and memory type (the PAT bit
    /// moves from bit 12 to bit 7). Lets part of a large page be protected or unmapped.
    /// </summary>
    /// <returns>None, NotMapped, SizeConflict, OutOfFrames, NonCanonical, MisalignedVirtual.</returns>
    public VmmError SplitLargePage(AddressSpace space, ulong virtualAddress)
    {
        VmmError error = CheckVirtual(virtualAddress, PageSize.Size2MiB);
        if (error != VmmError.None)
        {
            return error;
        }
        error = FindLeaf(space.Root, virtualAddress, PageSize.Size2MiB, out ulong* pde);
        if (error != VmmError.None)
        {
            return error;
        }
        error = Split(pde, VirtualAddress.IsUserHalf(virtualAddress));
        if (error == VmmError.None)
        {
            // Only the page size changed; SDM Vol. 3A §4.10.2.3 still asks for an invalidation so
            // that no 2 MiB and 4 KiB translations of one address coexist.
            Tlb.InvalidatePage(space.Root, virtualAddress);
        }
        return error;
    }

    private VmmError Split(ulong* pde, bool userHalf)
    {
        if (!Frames.TryAllocate(out ulong table))
        {
            return VmmError.OutOfFrames;
        }
        ulong large = *pde;
        ulong frame = large & PageTableEntry.AddressMask2MiB;
        // AddressMask covers bit 12 (PAT of a large page) and the reserved bits 20..13.
        ulong attributes = large & ~(AddressMask | HugeBit);
        if ((large & (ulong)PageFlags.PatLarge) != 0)
        {
            attributes |= (ulong)PageFlags.Pat;
        }
        ulong* pt = Table(table);
        for (int i = 0; i < EntriesPerTable; i++)
        {
            pt[i] = (frame + ((ulong)i << 12)) | attributes;
        }
        *pde = table | TableFlags(userHalf);
        return VmmError.None;
    }

    /// <summary>Finds the leaf entry of <paramref name="size"/> for an aligned address, or says why there is none.</summary>
    private VmmError FindLeaf(ulong root, ulong virtualAddress, PageSize size, out ulong* slot)
    {
        slot = null;
        ulong entry = Table(root)[VirtualAddress.Pml4Index(virtualAddress)];
        if ((entry & PresentBit) == 0)
        {
            return VmmError.NotMapped;
        }
        entry = Table(entry & AddressMask)[VirtualAddress.PdptIndex(virtualAddress)];
        if ((entry & PresentBit) == 0)
        {
            return VmmError.NotMapped;
        }
        if ((entry & HugeBit) != 0)
        {
            return VmmError.SizeConflict;
        }
        ulong* pde = Table(entry & AddressMask) + VirtualAddress.PdIndex(virtualAddress);
        entry = *pde;
        if ((entry & PresentBit) == 0)
        {
            return VmmError.NotMapped;
        }
        if (size == PageSize.Size2MiB)
        {
            if ((entry & HugeBit) != 0)
            {
                slot = pde;
                return VmmError.None;
            }
            return IsEmpty(Table(entry & AddressMask)) ? VmmError.NotMapped : VmmError.SizeConflict;
        }
        if ((entry & HugeBit) != 0)
        {
            return VmmError.SizeConflict;
        }
        ulong* pte = Table(entry & AddressMask) + VirtualAddress.PtIndex(virtualAddress);
        if ((*pte & PresentBit) == 0)
        {
            return VmmError.NotMapped;
        }
        slot = pte;
        return VmmError.None;
    }

    /// <summary>Follows a non-leaf entry, creating the table below it when it is absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private VmmError Descend(ulong* entry, ulong tableFlags, out ulong* next)
    {
        ulong value = *entry;
        if ((value & PresentBit) != 0)
        {
            if ((value & HugeBit) != 0)
            {
                next = null;
                return VmmError.SizeConflict;
            }
            next = Table(value & AddressMask);
            return VmmError.None;
        }
        VmmError error = AllocateTable(out ulong table);
        if (error != VmmError.None)
        {
            next = null;
            return error;
        }
        // The table is zeroed before it is linked: a walk never sees stale entries.
        *entry = table | tableFlags;
        next = Table(table);
        return VmmError.None;
    }

    private VmmError AllocateTable(out ulong table)
    {
        if (!Frames.TryAllocate(out table))
        {
            return VmmError.OutOfFrames;
        }
        new Span<byte>(Memory.ToVirtual(table), FrameSize).Clear();
        return VmmError.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* Table(ulong physicalAddress) => (ulong*)Memory.ToVirtual(physicalAddress);

    /// <summary>
    /// Intermediate entries grant everything the half allows, so the leaf decides. They never
    /// gain bits later: a paging-structure cache holding the old entry would otherwise cause
    /// spurious faults (SDM Vol. 3A §4.10.4.3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong TableFlags(bool userHalf) => PresentBit | WritableBit | (userHalf ? UserBit : 0);

    /// <summary>
    /// Only protection bits; no user page in the kernel half (its tables carry no U/S); and a
    /// copy-on-write page is never writable, or its first write would not fault; a shared page
    /// is never copy-on-write.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsValidProtection(PageFlags protection, bool userHalf)
        => (protection & ~PageFlags.Protection) == 0
            && (userHalf || (protection & PageFlags.User) == 0)
            && (protection & (PageFlags.Writable | PageFlags.CopyOnWrite)) != (PageFlags.Writable | PageFlags.CopyOnWrite)
            && (protection & (PageFlags.Shared | PageFlags.CopyOnWrite)) != (PageFlags.Shared | PageFlags.CopyOnWrite);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static VmmError CheckVirtual(ulong virtualAddress, PageSize size)
    {
        if (size != PageSize.Size4KiB && size != PageSize.Size2MiB)
        {
            return VmmError.Unsupported;
        }
        if (!VirtualAddress.IsCanonical(virtualAddress))
        {
            return VmmError.NonCanonical;
        }
        return (virtualAddress & ((ulong)size - 1)) != 0 ? VmmError.MisalignedVirtual : VmmError.None;
    }

    private static bool IsEmpty(ulong* table)
    {
        for (int i = 0; i < EntriesPerTable; i++)
        {
            if ((table[i] & PresentBit) != 0)
            {
                return false;
            }
        }
        return true;
    }
}
