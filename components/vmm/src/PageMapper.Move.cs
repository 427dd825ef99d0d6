namespace Aurora.Vmm;

public unsafe partial struct PageMapper<TMemory, TFrames, TTlb>
{
    /// <summary>
    /// mremap's page-table half: every mapped page of [<paramref name="from"/>,
    /// <paramref name="from"/> + <paramref name="length"/>) moves to the same offset from
    /// <paramref name="to"/> with its frame, rights and copy-on-write state (Linux's
    /// move_page_tables): no frame is copied and no share count changes. The destination must
    /// hold no page (the caller unmaps it first). Two passes: the first splits 2 MiB pages of
    /// the source and creates every destination table, and is the only one that can fail; so an
    /// error leaves every page where it was. Only tables that exist at the source are visited.
    /// </summary>
    /// <returns>In <c>pages</c>, the pages moved. None, MisalignedVirtual, NonCanonical (either
    /// range leaves the user half), InvalidFlags (the ranges overlap), AlreadyMapped (a page at
    /// the destination), OutOfFrames, Unsupported (a 1 GiB page).</returns>
    public VmmError MoveRange(AddressSpace space, ulong from, ulong to, ulong length, out ulong pages)
    {
        pages = 0;
        if (((from | to | length) & (FrameSize - 1)) != 0)
        {
            return VmmError.MisalignedVirtual;
        }
        if (from > VirtualAddress.UserHalfEnd || length > VirtualAddress.UserHalfEnd - from ||
            to > VirtualAddress.UserHalfEnd || length > VirtualAddress.UserHalfEnd - to)
        {
            return VmmError.NonCanonical;
        }
        if (from < to + length && to < from + length)
        {
            return VmmError.InvalidFlags;
        }

        ulong tableFlags = TableFlags(true);
        for (ulong address = from; NextMappedPage(space, ref address, from + length, out ulong* source, out VmmError error); address += FrameSize)
        {
            if (error != VmmError.None)
            {
                return error;
            }
            error = DestinationSlot(space, to + (address - from), tableFlags, out ulong* target);
            if (error != VmmError.None)
            {
                return error;
            }
            if ((*target & PresentBit) != 0)
            {
                return VmmError.AlreadyMapped;
            }
        }

        for (ulong address = from; NextMappedPage(space, ref address, from + length, out ulong* source, out _); address += FrameSize)
        {
            DestinationSlot(space, to + (address - from), tableFlags, out ulong* target);
            *target = *source;
            *source = 0;
            Tlb.InvalidatePage(space.Root, address);
            pages++;
        }
        return VmmError.None;
    }

    /// <summary>Advances <paramref name="address"/> to the next present 4 KiB leaf below
    /// <paramref name="end"/> (skipping absent tables whole; splitting a 2 MiB page it meets)
    /// and gives its entry. False at the end; true with an error when a split failed or a
    /// 1 GiB page was met.</summary>
    private bool NextMappedPage(AddressSpace space, ref ulong address, ulong end, out ulong* pte, out VmmError error)
    {
        pte = null;
        error = VmmError.None;
        ulong* pml4 = Table(space.Root);
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
                error = VmmError.Unsupported;
                return true;
            }
            ulong* pde = Table(e3 & AddressMask) + VirtualAddress.PdIndex(address);
            if ((*pde & PresentBit) == 0)
            {
                address = NextBlock(address, Size2MiB);
                continue;
            }
            if ((*pde & HugeBit) != 0)
            {
                error = Split(pde, true);
                if (error != VmmError.None)
                {
                    return true;
                }
                Tlb.InvalidatePage(space.Root, address & ~(Size2MiB - 1));
            }
            ulong* pt = Table(*pde & AddressMask);
            ulong stop = NextBlock(address, Size2MiB);
            for (; address < stop && address < end; address += FrameSize)
            {
                ulong* entry = pt + VirtualAddress.PtIndex(address);
                if ((*entry & PresentBit) != 0)
                {
                    pte = entry;
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The 4 KiB leaf slot for a user address, creating the tables above it.</summary>
    private VmmError DestinationSlot(AddressSpace space, ulong address, ulong tableFlags, out ulong* pte)
    {
        pte = null;
        VmmError error = Descend(Table(space.Root) + VirtualAddress.Pml4Index(address), tableFlags, out ulong* pdpt);
        if (error != VmmError.None)
        {
            return error;
        }
        error = Descend(pdpt + VirtualAddress.PdptIndex(address), tableFlags, out ulong* pd);
        if (error != VmmError.None)
        {
            return error;
        }
        error = Descend(pd + VirtualAddress.PdIndex(address), tableFlags, out ulong* pt);
        if (error != VmmError.None)
        {
            return error;
        }
        pte = pt + VirtualAddress.PtIndex(address);
        return VmmError.None;
    }
}
