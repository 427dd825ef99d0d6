using System;

namespace Aurora.Vmm.Aarch64;

// The process half of the AArch64 format: what a kernel needs of a TTBR0 root that is one
// process's address space. The same contracts as the x86_64 PageMapper's Clone,
// ResolveWriteFault, UnmapRange, ProtectRange, MoveRange, DestroyAddressSpace and ReleaseFrame
// (same share counts, same copy-on-write rules), over the lower half only: a TTBR0 root holds
// no kernel entries to share, since the kernel's half is TTBR1's own root.
//
// User memory is made of 4 KiB pages. A 2 MiB or 1 GiB block in a process root is released by
// DestroyRoot and dropped whole by UnmapRange; everything else that would have to split one
// answers Unsupported (the x86_64 mapper splits; no kernel maps user blocks here).
public unsafe partial struct Aarch64PageTables<TMemory, TFrames, TTlb>
{
    /// <summary>The end of the half a TTBR0 root translates (48-bit addresses, T0SZ = 16).</summary>
    public const ulong LowerHalfEnd = 1UL << 48;

    private const int FrameBytes = 4096;
    private const ulong Size2MiB = 1UL << 21, Size1GiB = 1UL << 30, Size512GiB = 1UL << 39;

    private static ulong NextBlock(ulong address, ulong size) => (address | (size - 1)) + 1;

    /// <summary>
    /// The page-table half of fork for a TTBR0 root: a new root whose tables copy every valid
    /// descriptor of <paramref name="parentRoot"/>, each page sharing the parent's frame. A
    /// counted frame mapped writable (or copy-on-write) becomes read-only and copy-on-write in
    /// both; a read-only or <see cref="PageFlags.Shared"/> one stays as mapped; a counted frame's
    /// count goes up by one (0 becomes 2); pinned and uncovered frames are shared as they are.
    /// The parent's TLB is flushed once if any of its descriptors changed. On failure the
    /// partial child is destroyed and its shares given back.
    /// </summary>
    /// <returns>None, OutOfFrames, RefCountOverflow, Unsupported (a block in the parent).</returns>
    public VmmError Clone(ulong parentRoot, FrameRefCounts counts, out ulong childRoot)
    {
        VmmError error = AllocateTable(out childRoot);
        if (error != VmmError.None) return error;
        bool parentChanged = false;
        error = CloneTable(Table(parentRoot), Table(childRoot), 0, counts, ref parentChanged);
        if (parentChanged) _tlb.FlushAll(parentRoot);
        if (error != VmmError.None)
        {
            DestroyRoot(childRoot, counts);
            childRoot = 0;
        }
        return error;
    }

    private VmmError CloneTable(ulong* parent, ulong* child, int level, FrameRefCounts counts, ref bool parentChanged)
    {
        for (int i = PageTableScan.NextPresent(parent, 0); i < Entries; i = PageTableScan.NextPresent(parent, i + 1))
        {
            ulong entry = parent[i];
            if (level == 3)
            {
                if (!Aarch64Descriptor.IsTable(entry)) continue;   // reserved encoding: nothing to share
                ulong frame = entry & Aarch64Descriptor.AddressMask;
                if (counts.IsCounted(frame))
                {
                    ushort* count = counts.Slot(frame);
                    if (*count >= FrameRefCounts.MaxCount) return VmmError.RefCountOverflow;
                    *count = (ushort)(*count == 0 ? 2 : *count + 1);
                    bool writableOrCow = (entry & Aarch64Descriptor.ReadOnly) == 0 || (entry & Aarch64Descriptor.CopyOnWriteBit) != 0;
                    if ((entry & Aarch64Descriptor.SharedBit) == 0 && writableOrCow)
                    {
                        ulong shared = entry | Aarch64Descriptor.ReadOnly | Aarch64Descriptor.CopyOnWriteBit;
                        if (shared != entry)
                        {
                            parent[i] = shared;
                            parentChanged = true;
                        }
                        entry = shared;
                    }
                }
                child[i] = entry;
                continue;
            }
            if (!Aarch64Descriptor.IsTable(entry)) return VmmError.Unsupported;   // a block
            VmmError error = AllocateTable(out ulong next);
            if (error != VmmError.None) return error;
            // Linked before it is filled, so that a failure leaves it reachable for DestroyRoot.
            child[i] = Aarch64Descriptor.Table(next);
            error = CloneTable(Table(entry & Aarch64Descriptor.AddressMask), Table(next), level + 1, counts, ref parentChanged);
            if (error != VmmError.None) return error;
        }
        return VmmError.None;
    }

    /// <summary>
    /// A write fault (a permission fault on a write at EL0, or at EL1 through the kernel's user
    /// copies) at <paramref name="faultAddress"/>: a copy-on-write page whose frame is still
    /// shared gets a copy of its own (the old frame's count goes down by one); the last mapping
    /// of its frame just becomes writable; a page that is writable already only has its TLB
    /// entry dropped; any other page is a real fault.
    /// </summary>
    /// <returns>None, ProtectionViolation, NotMapped, OutOfFrames (nothing changed), NonCanonical,
    /// Unsupported (a copy-on-write block).</returns>
    public VmmError ResolveWriteFault(ulong rootPhysical, ulong faultAddress, FrameRefCounts counts)
    {
        if (faultAddress >= LowerHalfEnd) return VmmError.NonCanonical;
        ulong page = faultAddress & ~(ulong)(FrameBytes - 1);
        VmmError error = FindLeaf(rootPhysical, page, out ulong* slot, out PageSize size);
        if (error != VmmError.None) return error;
        ulong entry = *slot;
        if ((entry & Aarch64Descriptor.ReadOnly) == 0)
        {
            _tlb.InvalidatePage(rootPhysical, page);
            return VmmError.None;
        }
        if ((entry & Aarch64Descriptor.CopyOnWriteBit) == 0) return VmmError.ProtectionViolation;
        if (size != PageSize.Size4KiB) return VmmError.Unsupported;

        ulong frame = entry & Aarch64Descriptor.AddressMask;
        bool counted = counts.IsCounted(frame);
        if (counted && *counts.Slot(frame) <= 1)
        {
            *slot = entry & ~(Aarch64Descriptor.ReadOnly | Aarch64Descriptor.CopyOnWriteBit);
            _tlb.InvalidatePage(rootPhysical, page);
            return VmmError.None;
        }
        if (!_frames.TryAllocate(out ulong copy)) return VmmError.OutOfFrames;
        new Span<byte>(_memory.ToVirtual(frame), FrameBytes).CopyTo(new Span<byte>(_memory.ToVirtual(copy), FrameBytes));
        // Break-before-make is not needed: only the permission and the output address change on
        // a page no other processor is walking (single processor; Arm ARM D8.16.1 asks it for
        // changes of output address seen by other observers).
        *slot = (entry & ~(Aarch64Descriptor.AddressMask | Aarch64Descriptor.ReadOnly | Aarch64Descriptor.CopyOnWriteBit)) | copy;
        counts.Set(copy, 1);
        if (counted) (*counts.Slot(frame))--;
        _tlb.InvalidatePage(rootPhysical, page);
        return VmmError.None;
    }

    /// <summary>Unmaps every page in [<paramref name="start"/>, <paramref name="end"/>) of the
    /// lower half and drops each frame's share (<see cref="ReleaseFrame"/>). Only tables that
    /// exist are visited; a block covered whole is dropped whole.</summary>
    /// <returns>In <c>pages</c>, the 4 KiB pages unmapped. None, MisalignedVirtual, NonCanonical,
    /// Unsupported (a block covered in part).</returns>
    public VmmError UnmapRange(ulong rootPhysical, ulong start, ulong end, FrameRefCounts counts, out ulong pages) =>
        EditRange(rootPhysical, start, end, unmap: true, PageFlags.None, counts, out pages);

    /// <summary>Gives every mapped page in [<paramref name="start"/>, <paramref name="end"/>)
    /// the rights <paramref name="protection"/> (Writable, User, NoExecute) without breaking
    /// copy-on-write: a page whose frame is shared gets write access as copy-on-write; a
    /// <see cref="PageFlags.Shared"/> page gets it in place; taking write access away clears both.</summary>
    /// <returns>In <c>pages</c>, the mapped pages visited. None, MisalignedVirtual, NonCanonical,
    /// InvalidFlags, Unsupported (a block).</returns>
    public VmmError ProtectRange(ulong rootPhysical, ulong start, ulong end, PageFlags protection, FrameRefCounts counts, out ulong pages)
    {
        pages = 0;
        if ((protection & ~(PageFlags.Writable | PageFlags.User | PageFlags.NoExecute)) != 0) return VmmError.InvalidFlags;
        return EditRange(rootPhysical, start, end, unmap: false, protection, counts, out pages);
    }

    private VmmError EditRange(ulong rootPhysical, ulong start, ulong end, bool unmap, PageFlags protection, FrameRefCounts counts, out ulong pages)
    {
        pages = 0;
        if (((start | end) & (FrameBytes - 1)) != 0) return VmmError.MisalignedVirtual;
        if (end > LowerHalfEnd || start > end) return VmmError.NonCanonical;
        ulong address = start;
        while (address < end)
        {
            // Down to the level-3 table for this address, skipping absent tables whole.
            ulong* table = Table(rootPhysical);
            ulong* leafTable = null;
            for (int level = 0; level < 3; level++)
            {
                ulong blockSize = level == 0 ? Size512GiB : level == 1 ? Size1GiB : Size2MiB;
                ulong* slot = &table[Index(address, level)];
                if (!Aarch64Descriptor.IsValid(*slot))
                {
                    address = NextBlock(address, blockSize);
                    break;
                }
                if (!Aarch64Descriptor.IsTable(*slot))
                {
                    ulong block = address & ~(blockSize - 1);
                    if (!unmap || level == 0 || address != block || end - block < blockSize) return VmmError.Unsupported;
                    ulong first = Aarch64Descriptor.OutputAddress(*slot, level == 1 ? PageSize.Size1GiB : PageSize.Size2MiB);
                    *slot = 0;
                    _tlb.InvalidatePage(rootPhysical, block);
                    for (ulong frame = 0; frame < blockSize / FrameBytes; frame++) ReleaseFrame(first + frame * FrameBytes, counts);
                    pages += blockSize / FrameBytes;
                    address = block + blockSize;
                    break;
                }
                table = Table(*slot & Aarch64Descriptor.AddressMask);
                if (level == 2) leafTable = table;
            }
            if (leafTable == null) continue;

            ulong stop = NextBlock(address, Size2MiB);
            if (stop > end) stop = end;
            for (; address < stop; address += FrameBytes)
            {
                ulong* slot = &leafTable[Index(address, 3)];
                ulong entry = *slot;
                if (!Aarch64Descriptor.IsValid(entry)) continue;
                pages++;
                if (unmap)
                {
                    *slot = 0;
                    // The translation goes before the frame can be reused.
                    _tlb.InvalidatePage(rootPhysical, address);
                    ReleaseFrame(entry & Aarch64Descriptor.AddressMask, counts);
                    continue;
                }
                ulong updated = WithProtection(entry, protection, counts);
                if (updated != entry)
                {
                    *slot = updated;
                    _tlb.InvalidatePage(rootPhysical, address);
                }
            }
        }
        return VmmError.None;
    }

    /// <summary>A page descriptor with new rights, copy-on-write kept where the frame is shared
    /// (ResolveWriteFault's rules). Made through <see cref="Aarch64Descriptor.Leaf"/>, so the
    /// EL0 execute rules hold for the new rights too.</summary>
    private static ulong WithProtection(ulong entry, PageFlags protection, FrameRefCounts counts)
    {
        PageFlags old = Aarch64Descriptor.Protection(entry);
        PageFlags rights = (protection & (PageFlags.User | PageFlags.NoExecute)) | (old & (PageFlags.Shared | PageFlags.Global));
        if ((protection & PageFlags.Writable) != 0)
        {
            if ((old & PageFlags.Shared) != 0)
            {
                rights |= PageFlags.Writable;   // shared on purpose: every mapping writes the same frame
            }
            else
            {
                ulong frame = entry & Aarch64Descriptor.AddressMask;
                bool counted = counts.IsCounted(frame);
                bool shared = (old & PageFlags.CopyOnWrite) != 0
                    ? !(counted && *counts.Slot(frame) <= 1)
                    : counted && *counts.Slot(frame) > 1;
                rights |= shared ? PageFlags.CopyOnWrite : PageFlags.Writable;
            }
        }
        // Never executable at EL1, whatever the rights: a lower-half page is user memory, and
        // one that lost User must not become kernel code.
        return Aarch64Descriptor.Leaf(entry & Aarch64Descriptor.AddressMask, PageSize.Size4KiB, rights, Aarch64Descriptor.Cache(entry))
            | Aarch64Descriptor.PrivilegedExecuteNever;
    }

    /// <summary>mremap's page-table half: every page of [<paramref name="from"/>, + <paramref
    /// name="length"/>) moves to the same offset from <paramref name="to"/> with its frame,
    /// rights and copy-on-write state; no count changes. The destination must hold no page.
    /// A first pass makes every destination table and checks every slot, so an error leaves
    /// every page where it was.</summary>
    /// <returns>In <c>pages</c>, the pages moved. None, MisalignedVirtual, NonCanonical,
    /// InvalidFlags (the ranges overlap), AlreadyMapped, OutOfFrames, Unsupported (a block).</returns>
    public VmmError MoveRange(ulong rootPhysical, ulong from, ulong to, ulong length, out ulong pages)
    {
        pages = 0;
        if (((from | to | length) & (FrameBytes - 1)) != 0) return VmmError.MisalignedVirtual;
        if (from > LowerHalfEnd || length > LowerHalfEnd - from || to > LowerHalfEnd || length > LowerHalfEnd - to) return VmmError.NonCanonical;
        if (from < to + length && to < from + length) return VmmError.InvalidFlags;
        for (int pass = 0; pass < 2; pass++)
        {
            for (ulong address = from; NextPage(rootPhysical, ref address, from + length, out ulong* source, out VmmError error); address += FrameBytes)
            {
                if (error != VmmError.None) return error;
                error = LeafSlot(rootPhysical, to + (address - from), out ulong* target);
                if (error != VmmError.None) return error;
                if (pass == 0)
                {
                    if (Aarch64Descriptor.IsValid(*target)) return VmmError.AlreadyMapped;
                    continue;
                }
                *target = *source;
                *source = 0;
                _tlb.InvalidatePage(rootPhysical, address);
                pages++;
            }
        }
        return VmmError.None;
    }

    /// <summary>Advances <paramref name="address"/> to the next valid 4 KiB page below
    /// <paramref name="end"/>, skipping absent tables whole. False at the end; true with
    /// Unsupported when a block is met.</summary>
    private bool NextPage(ulong rootPhysical, ref ulong address, ulong end, out ulong* slot, out VmmError error)
    {
        slot = null;
        error = VmmError.None;
        while (address < end)
        {
            ulong* table = Table(rootPhysical);
            bool descended = true;
            for (int level = 0; level < 3; level++)
            {
                ulong entry = table[Index(address, level)];
                if (!Aarch64Descriptor.IsValid(entry))
                {
                    address = NextBlock(address, level == 0 ? Size512GiB : level == 1 ? Size1GiB : Size2MiB);
                    descended = false;
                    break;
                }
                if (!Aarch64Descriptor.IsTable(entry))
                {
                    error = VmmError.Unsupported;
                    return true;
                }
                table = Table(entry & Aarch64Descriptor.AddressMask);
            }
            if (!descended) continue;
            for (ulong stop = NextBlock(address, Size2MiB); address < stop && address < end; address += FrameBytes)
            {
                ulong* entry = &table[Index(address, 3)];
                if (Aarch64Descriptor.IsValid(*entry))
                {
                    slot = entry;
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The level-3 slot for a lower-half address, making the tables above it.</summary>
    private VmmError LeafSlot(ulong rootPhysical, ulong address, out ulong* slot)
    {
        slot = null;
        ulong* table = Table(rootPhysical);
        for (int level = 0; level < 3; level++)
        {
            ulong* entry = &table[Index(address, level)];
            if (!Aarch64Descriptor.IsValid(*entry))
            {
                VmmError error = AllocateTable(out ulong next);
                if (error != VmmError.None) return error;
                *entry = Aarch64Descriptor.Table(next);
            }
            else if (!Aarch64Descriptor.IsTable(*entry))
            {
                return VmmError.Unsupported;
            }
            table = Table(*entry & Aarch64Descriptor.AddressMask);
        }
        slot = &table[Index(address, 3)];
        return VmmError.None;
    }

    /// <summary>Frees a TTBR0 root and every table under it, releasing each frame a page or
    /// block maps through <see cref="ReleaseFrame"/> (pinned and uncovered frames are kept).
    /// The root must not be in TTBR0 of any processor.</summary>
    public void DestroyRoot(ulong rootPhysical, FrameRefCounts counts)
    {
        DestroyTable(Table(rootPhysical), 0, counts);
        _frames.Free(rootPhysical);
    }

    private void DestroyTable(ulong* table, int level, FrameRefCounts counts)
    {
        for (int i = PageTableScan.NextPresent(table, 0); i < Entries; i = PageTableScan.NextPresent(table, i + 1))
        {
            ulong entry = table[i];
            if (level == 3)
            {
                if (Aarch64Descriptor.IsTable(entry)) ReleaseFrame(entry & Aarch64Descriptor.AddressMask, counts);
                continue;
            }
            if (!Aarch64Descriptor.IsTable(entry))
            {
                if (level == 0) continue;   // no blocks at level 0: a reserved encoding, nothing mapped
                PageSize size = level == 1 ? PageSize.Size1GiB : PageSize.Size2MiB;
                ulong first = Aarch64Descriptor.OutputAddress(entry, size);
                for (ulong frame = 0; frame < (ulong)size / FrameBytes; frame++) ReleaseFrame(first + frame * FrameBytes, counts);
                continue;
            }
            ulong next = entry & Aarch64Descriptor.AddressMask;
            DestroyTable(Table(next), level + 1, counts);
            _frames.Free(next);
        }
    }

    /// <summary>Drops one mapping's share of a frame; with the last one (count 0 or 1) the
    /// frame goes back to the frame source.</summary>
    /// <returns>True when the frame was freed.</returns>
    public bool ReleaseFrame(ulong physicalAddress, FrameRefCounts counts)
    {
        if (!counts.IsCounted(physicalAddress)) return false;
        ushort* count = counts.Slot(physicalAddress);
        if (*count > 1)
        {
            (*count)--;
            return false;
        }
        *count = 0;
        _frames.Free(physicalAddress & Aarch64Descriptor.AddressMask);
        return true;
    }
}
