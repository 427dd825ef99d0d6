using System;

namespace Aurora.Vmm;

public unsafe partial struct PageMapper<TMemory, TFrames, TTlb>
{
    /// <summary>
    /// The address-space half of fork. The child gets the parent's kernel half (same PML4
    /// entries 256..511) and a copy of its user-half tables in which every page shares the
    /// parent's frame:
    /// <list type="bullet">
    /// <item>a counted frame mapped writable (or already copy-on-write) becomes read-only +
    /// <see cref="PageFlags.CopyOnWrite"/> in both spaces;</item>
    /// <item>a counted read-only frame, or one mapped <see cref="PageFlags.Shared"/> (MAP_SHARED),
    /// stays plainly shared, writable or not;</item>
    /// <item>either way its count goes up by one (0, meaning a single owner, becomes 2);</item>
    /// <item>a pinned or uncovered frame (device memory) is shared exactly as it is mapped.</item>
    /// </list>
    /// A writable 2 MiB page is first split into 4 KiB pages in the parent (a copy-on-write fault
    /// copies 4 KiB, and the frame source only has 4 KiB frames); a read-only one stays 2 MiB in
    /// both. Not-present entries are not copied. 1 GiB user pages are refused. The parent's TLB
    /// is flushed once (<see cref="ITlb.FlushAll"/>) if any of its entries changed.
    /// <para>
    /// On failure the partial child is destroyed (its shares are given back), and the parent stays
    /// valid: pages already marked copy-on-write are made writable again by their first write
    /// fault, since their count is back to one.
    /// </para>
    /// </summary>
    /// <returns>None, OutOfFrames, RefCountOverflow, Unsupported (1 GiB user page).</returns>
    public VmmError Clone(AddressSpace parent, FrameRefCounts counts, out AddressSpace child)
    {
        child = default;
        VmmError error = AllocateTable(out ulong childRoot);
        if (error != VmmError.None)
        {
            return error;
        }
        ulong* parentPml4 = Table(parent.Root);
        ulong* childPml4 = Table(childRoot);
        CopyKernelHalf(parentPml4, childPml4);

        bool parentChanged = false;
        int userEnd = VirtualAddress.FirstKernelPml4Index;
        for (int i4 = PageTableScan.NextPresent(parentPml4, 0, userEnd); i4 < userEnd && error == VmmError.None;
             i4 = PageTableScan.NextPresent(parentPml4, i4 + 1, userEnd))
        {
            ulong e4 = parentPml4[i4];
            error = AllocateTable(out ulong childPdpt);
            if (error != VmmError.None)
            {
                break;
            }
            // Linked before it is filled, so that a failure leaves it reachable for Destroy.
            childPml4[i4] = childPdpt | (e4 & ~AddressMask);
            error = ClonePdpt(Table(e4 & AddressMask), Table(childPdpt), counts, ref parentChanged);
        }

        if (parentChanged)
        {
            // A fork rewrites many entries: one CR3 reload is cheaper than an INVLPG each
            // (Linux's dup_mmap flushes the whole mm for the same reason).
            Tlb.FlushAll(parent.Root);
        }
        if (error != VmmError.None)
        {
            Destroy(childRoot, true, counts);
            return error;
        }
        child = new AddressSpace(childRoot);
        return VmmError.None;
    }

    /// <summary>
    /// Handles a write page fault (#PF with P = 1, W/R = 1) at <paramref name="faultAddress"/>
    /// (CR2; any byte of the page):
    /// <list type="bullet">
    /// <item>copy-on-write page whose frame other mappings still share (count &gt; 1, pinned, or
    /// uncovered): a new frame from the frame source receives a copy of the 4 KiB, is mapped
    /// writable here (count 1), and the old frame's count goes down by one;</item>
    /// <item>copy-on-write page that is the last mapping of its frame (count 0 or 1): the entry
    /// just becomes writable again;</item>
    /// <item>page that is already writable (another CPU resolved it, or a stale TLB entry): only
    /// the TLB is told;</item>
    /// <item>any other present page: <see cref="VmmError.ProtectionViolation"/> — a real fault
    /// for the kernel to deliver (SIGSEGV).</item>
    /// </list>
    /// Every entry changed is reported through <see cref="ITlb.InvalidatePage"/>.
    /// </summary>
    /// <returns>None, ProtectionViolation, NotMapped, OutOfFrames (nothing changed), NonCanonical, Unsupported (copy-on-write large page).</returns>
    public VmmError ResolveWriteFault(AddressSpace space, ulong faultAddress, FrameRefCounts counts)
    {
        if (!VirtualAddress.IsCanonical(faultAddress))
        {
            return VmmError.NonCanonical;
        }
        ulong page = faultAddress & ~(ulong)(FrameSize - 1);
        VmmError error = FindLeaf(space.Root, page, PageSize.Size4KiB, out ulong* pte);
        if (error == VmmError.SizeConflict)
        {
            return ResolveLargePageWriteFault(space, page);
        }
        if (error != VmmError.None)
        {
            return error;
        }

        ulong entry = *pte;
        if ((entry & WritableBit) != 0)
        {
            Tlb.InvalidatePage(space.Root, page);
            return VmmError.None;
        }
        if ((entry & CopyOnWriteBit) == 0)
        {
            return VmmError.ProtectionViolation;
        }

        ulong frame = entry & AddressMask;
        bool counted = counts.IsCounted(frame);
        if (counted && *counts.Slot(frame) <= 1)
        {
            *pte = (entry | WritableBit) & ~CopyOnWriteBit;
            Tlb.InvalidatePage(space.Root, page);
            return VmmError.None;
        }

        if (!Frames.TryAllocate(out ulong copy))
        {
            return VmmError.OutOfFrames;
        }
        new Span<byte>(Memory.ToVirtual(frame), FrameSize).CopyTo(new Span<byte>(Memory.ToVirtual(copy), FrameSize));
        *pte = (entry & ~(AddressMask | CopyOnWriteBit)) | copy | WritableBit;
        counts.Set(copy, 1);
        if (counted)
        {
            (*counts.Slot(frame))--;
        }
        Tlb.InvalidatePage(space.Root, page);
        return VmmError.None;
    }

    private VmmError ResolveLargePageWriteFault(AddressSpace space, ulong page)
    {
        Translate(space, page, out Translation translation);
        if ((translation.Flags & PageFlags.Writable) != 0)
        {
            Tlb.InvalidatePage(space.Root, page);
            return VmmError.None;
        }
        // Clone never leaves a large page copy-on-write; one mapped that way by the caller
        // cannot be copied with 4 KiB frames.
        return (translation.Flags & PageFlags.CopyOnWrite) != 0 ? VmmError.Unsupported : VmmError.ProtectionViolation;
    }

    private VmmError ClonePdpt(ulong* parentPdpt, ulong* childPdpt, FrameRefCounts counts, ref bool parentChanged)
    {
        for (int i3 = PageTableScan.NextPresent(parentPdpt, 0); i3 < EntriesPerTable; i3 = PageTableScan.NextPresent(parentPdpt, i3 + 1))
        {
            ulong e3 = parentPdpt[i3];
            if ((e3 & HugeBit) != 0)
            {
                return VmmError.Unsupported;
            }
            VmmError error = AllocateTable(out ulong childPd);
            if (error != VmmError.None)
            {
                return error;
            }
            childPdpt[i3] = childPd | (e3 & ~AddressMask);
            error = ClonePd(Table(e3 & AddressMask), Table(childPd), counts, ref parentChanged);
            if (error != VmmError.None)
            {
                return error;
            }
        }
        return VmmError.None;
    }

    private VmmError ClonePd(ulong* parentPd, ulong* childPd, FrameRefCounts counts, ref bool parentChanged)
    {
        for (int i2 = PageTableScan.NextPresent(parentPd, 0); i2 < EntriesPerTable; i2 = PageTableScan.NextPresent(parentPd, i2 + 1))
        {
            ulong e2 = parentPd[i2];
            VmmError error;
            if ((e2 & HugeBit) != 0)
            {
                ulong first = e2 & PageTableEntry.AddressMask2MiB;
                if ((e2 & (WritableBit | CopyOnWriteBit)) == 0 || !AnyCounted(first, counts))
                {
                    error = ShareLargePage(first, counts);
                    if (error != VmmError.None)
                    {
                        return error;
                    }
                    childPd[i2] = e2;
                    continue;
                }
                error = Split(parentPd + i2, true);
                if (error != VmmError.None)
                {
                    return error;
                }
                parentChanged = true;
                e2 = parentPd[i2];
            }
            error = AllocateTable(out ulong childPt);
            if (error != VmmError.None)
            {
                return error;
            }
            childPd[i2] = childPt | (e2 & ~AddressMask);
            error = ClonePt(Table(e2 & AddressMask), Table(childPt), counts, ref parentChanged);
            if (error != VmmError.None)
            {
                return error;
            }
        }
        return VmmError.None;
    }

    private static VmmError ClonePt(ulong* parentPt, ulong* childPt, FrameRefCounts counts, ref bool parentChanged)
    {
        for (int i1 = PageTableScan.NextPresent(parentPt, 0); i1 < EntriesPerTable; i1 = PageTableScan.NextPresent(parentPt, i1 + 1))
        {
            ulong entry = parentPt[i1];
            ulong frame = entry & AddressMask;
            if (counts.IsCounted(frame))
            {
                ushort* count = counts.Slot(frame);
                if (*count >= FrameRefCounts.MaxCount)
                {
                    return VmmError.RefCountOverflow;
                }
                *count = (ushort)(*count == 0 ? 2 : *count + 1);
                if ((entry & SharedBit) == 0 && (entry & (WritableBit | CopyOnWriteBit)) != 0)
                {
                    ulong shared = (entry & ~WritableBit) | CopyOnWriteBit;
                    if (shared != entry)
                    {
                        parentPt[i1] = shared;
                        parentChanged = true;
                    }
                    entry = shared;
                }
            }
            childPt[i1] = entry;
        }
        return VmmError.None;
    }

    /// <summary>Counts one more mapping of each covered frame of a 2 MiB page, all or none.</summary>
    private static VmmError ShareLargePage(ulong first, FrameRefCounts counts)
    {
        for (ulong i = 0; i < FramesPer2MiB; i++)
        {
            ulong frame = first + (i << 12);
            if (counts.IsCounted(frame) && *counts.Slot(frame) >= FrameRefCounts.MaxCount)
            {
                return VmmError.RefCountOverflow;
            }
        }
        for (ulong i = 0; i < FramesPer2MiB; i++)
        {
            ulong frame = first + (i << 12);
            if (counts.IsCounted(frame))
            {
                ushort* count = counts.Slot(frame);
                *count = (ushort)(*count == 0 ? 2 : *count + 1);
            }
        }
        return VmmError.None;
    }

    private static bool AnyCounted(ulong first, FrameRefCounts counts)
    {
        for (ulong i = 0; i < FramesPer2MiB; i++)
        {
            if (counts.IsCounted(first + (i << 12)))
            {
                return true;
            }
        }
        return false;
    }
}
