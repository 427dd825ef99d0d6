namespace Aurora.Vmm;

public unsafe partial struct PageMapper<TMemory, TFrames, TTlb>
{
    /// <summary>
    /// Unmaps every page in [<paramref name="start"/>, <paramref name="end"/>) of the user half
    /// and drops each frame's share through <see cref="ReleaseFrame"/> (so a frame that no other
    /// address space shares goes back to the frame source). Only tables that exist are visited:
    /// the cost follows what is mapped, not the size of the range, so unmapping 16 TiB of
    /// mostly nothing is quick. A 2 MiB page the range covers in part is split first.
    /// </summary>
    /// <returns>In <c>pages</c>, the pages unmapped. None, MisalignedVirtual, NonCanonical (the range leaves the user half),
    /// OutOfFrames (splitting a large page the range covers in part; pages before it are already unmapped;
    /// a 2 MiB page covered whole is dropped without a split),
    /// Unsupported (a 1 GiB page).</returns>
    public VmmError UnmapRange(AddressSpace space, ulong start, ulong end, FrameRefCounts counts, out ulong pages) =>
        EditRange(space, start, end, RangeEdit.Unmap, PageFlags.None, counts, out pages);

    /// <summary>
    /// Gives every mapped page in [<paramref name="start"/>, <paramref name="end"/>) of the user
    /// half the rights <paramref name="protection"/> (Writable, User, NoExecute), without ever
    /// breaking copy-on-write: a page whose frame is shared — marked copy-on-write, or counted
    /// with more than one mapping — gets write access as <see cref="PageFlags.CopyOnWrite"/>
    /// (read-only until its first write fault copies it), never as <see cref="PageFlags.Writable"/>.
    /// Taking write access away clears both. A <see cref="PageFlags.Shared"/> page (MAP_SHARED)
    /// gets write access in place. Pages not mapped are skipped; only existing tables are visited.
    /// </summary>
    /// <returns>In <c>pages</c>, the mapped pages visited. None, MisalignedVirtual, NonCanonical, InvalidFlags (bits other than Writable,
    /// User, NoExecute, or CopyOnWrite asked for), OutOfFrames (splitting), Unsupported.</returns>
    public VmmError ProtectRange(AddressSpace space, ulong start, ulong end, PageFlags protection, FrameRefCounts counts, out ulong pages)
    {
        pages = 0;
        const PageFlags allowed = PageFlags.Writable | PageFlags.User | PageFlags.NoExecute;
        if ((protection & ~allowed) != 0)
        {
            return VmmError.InvalidFlags;
        }
        return EditRange(space, start, end, RangeEdit.Protect, protection, counts, out pages);
    }

    private enum RangeEdit { Unmap, Protect }

    private const ulong Size2MiB = 1UL << 21;
    private const ulong Size1GiB = 1UL << 30;
    private const ulong Size512GiB = 1UL << 39;

    /// <summary>The first address of the next <paramref name="size"/>-aligned block after the one
    /// holding <paramref name="address"/>.</summary>
    private static ulong NextBlock(ulong address, ulong size) => (address | (size - 1)) + 1;

    private VmmError EditRange(AddressSpace space, ulong start, ulong end, RangeEdit edit, PageFlags protection,
        FrameRefCounts counts, out ulong pages)
    {
        pages = 0;
        if (((start | end) & (FrameSize - 1)) != 0)
        {
            return VmmError.MisalignedVirtual;
        }
        if (end > VirtualAddress.UserHalfEnd || start > end)
        {
            return VmmError.NonCanonical;
        }

        ulong* pml4 = Table(space.Root);
        ulong address = start;
        while (address < end)
        {
            ulong e4 = pml4[VirtualAddress.Pml4Index(address)];
            if ((e4 & PresentBit) == 0)
            {
                address = NextBlock(address, Size512GiB);
                continue;
            }
            ulong e3 = Table(e4 & AddressMask)[VirtualAddress.PdptIndex(address)];
            if ((e3 & PresentBit) == 0)
            {
                address = NextBlock(address, Size1GiB);
                continue;
            }
            if ((e3 & HugeBit) != 0)
            {
                return VmmError.Unsupported;
            }
            ulong* pde = Table(e3 & AddressMask) + VirtualAddress.PdIndex(address);
            if ((*pde & PresentBit) == 0)
            {
                address = NextBlock(address, Size2MiB);
                continue;
            }
            if ((*pde & HugeBit) != 0)
            {
                ulong block = address & ~(Size2MiB - 1);
                if (edit == RangeEdit.Unmap && address == block && end - block >= Size2MiB)
                {
                    // The whole page goes: no table to split it into, so an unmap never fails
                    // for want of a frame. One INVLPG drops a 2 MiB translation (SDM Vol. 3A §4.10.4.1).
                    ulong large = *pde;
                    *pde = 0;
                    Tlb.InvalidatePage(space.Root, block);
                    ReleaseRange(large & PageTableEntry.AddressMask2MiB, FramesPer2MiB, counts);
                    pages += FramesPer2MiB;
                    address = block + Size2MiB;
                    continue;
                }
                // Edited 4 KiB at a time: split (the frames and rights stay the same until then).
                VmmError error = Split(pde, true);
                if (error != VmmError.None)
                {
                    return error;
                }
                Tlb.InvalidatePage(space.Root, address & ~(Size2MiB - 1));
            }

            ulong* pt = Table(*pde & AddressMask);
            ulong stop = NextBlock(address, Size2MiB);
            if (stop > end)
            {
                stop = end;
            }
            for (; address < stop; address += FrameSize)
            {
                ulong* pte = pt + VirtualAddress.PtIndex(address);
                ulong entry = *pte;
                if ((entry & PresentBit) == 0)
                {
                    continue;
                }
                pages++;
                if (edit == RangeEdit.Unmap)
                {
                    *pte = 0;
                    // The translation goes before the frame can be reused.
                    Tlb.InvalidatePage(space.Root, address);
                    ReleaseFrame(entry & AddressMask, counts);
                    continue;
                }

                ulong updated = WithProtection(entry, protection, counts);
                if (updated != entry)
                {
                    *pte = updated;
                    Tlb.InvalidatePage(space.Root, address);
                }
            }
        }
        return VmmError.None;
    }

    /// <summary>The leaf <paramref name="entry"/> with new rights, copy-on-write kept where the
    /// frame is shared (ResolveWriteFault's rules, so the next write fault does the right thing).</summary>
    private static ulong WithProtection(ulong entry, PageFlags protection, FrameRefCounts counts)
    {
        const ulong rights = WritableBit | UserBit | CopyOnWriteBit | (ulong)PageFlags.NoExecute;
        ulong updated = (entry & ~rights) | (ulong)(protection & (PageFlags.User | PageFlags.NoExecute));
        if ((protection & PageFlags.Writable) == 0)
        {
            return updated;
        }
        if ((entry & SharedBit) != 0)
        {
            return updated | WritableBit; // shared on purpose: every mapping writes the same frame
        }
        ulong frame = entry & AddressMask;
        bool counted = counts.IsCounted(frame);
        bool shared = (entry & CopyOnWriteBit) != 0
            ? !(counted && *counts.Slot(frame) <= 1)
            : counted && *counts.Slot(frame) > 1;
        return updated | (shared ? CopyOnWriteBit : WritableBit);
    }
}
