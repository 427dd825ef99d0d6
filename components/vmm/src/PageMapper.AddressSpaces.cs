namespace Aurora.Vmm;

public unsafe partial struct PageMapper<TMemory, TFrames, TTlb>
{
    private const ulong FramesPer2MiB = 512;
    private const ulong FramesPer1GiB = 512 * 512;

    /// <summary>A new, all-empty PML4 (for example the kernel template itself).</summary>
    /// <returns>None or OutOfFrames.</returns>
    public VmmError CreateEmpty(out AddressSpace space)
    {
        space = default;
        VmmError error = AllocateTable(out ulong root);
        if (error == VmmError.None)
        {
            space = new AddressSpace(root);
        }
        return error;
    }

    /// <summary>
    /// A new per-process address space: an empty user half, and a kernel half that is the
    /// kernel template's. PML4 entries 256..511 are copied, so both roots point at the same
    /// PDPTs and any later change below them is seen by every process. A PML4 entry the template
    /// lacks at this moment is never seen by this process: call <see cref="ReserveKernelHalf"/>
    /// on the template once at boot.
    /// </summary>
    /// <returns>None or OutOfFrames.</returns>
    public VmmError CreateAddressSpace(AddressSpace kernelTemplate, out AddressSpace space)
    {
        VmmError error = CreateEmpty(out space);
        if (error == VmmError.None)
        {
            CopyKernelHalf(Table(kernelTemplate.Root), Table(space.Root));
        }
        return error;
    }

    /// <summary>
    /// Gives every kernel-half PML4 entry of the template (256..511) a PDPT, so that kernel
    /// mappings made later are shared by address spaces created earlier (costs up to 256
    /// frames, 1 MiB). Entries already present are left alone.
    /// </summary>
    /// <returns>None or OutOfFrames (entries created so far stay).</returns>
    public VmmError ReserveKernelHalf(AddressSpace kernelTemplate)
    {
        ulong* pml4 = Table(kernelTemplate.Root);
        for (int i = VirtualAddress.FirstKernelPml4Index; i < EntriesPerTable; i++)
        {
            if ((pml4[i] & PresentBit) != 0)
            {
                continue;
            }
            VmmError error = AllocateTable(out ulong pdpt);
            if (error != VmmError.None)
            {
                return error;
            }
            pml4[i] = pdpt | TableFlags(false);
        }
        return VmmError.None;
    }

    /// <summary>
    /// Frees the PML4 and every page table of the user half (PML4 entries 0..255) to the frame
    /// source. The kernel half is shared and left alone. The frames the user pages map are not
    /// touched. The space must not be loaded in CR3 on any CPU.
    /// </summary>
    public void DestroyAddressSpace(AddressSpace space) => Destroy(space.Root, false, default);

    /// <summary>
    /// Like <see cref="DestroyAddressSpace(AddressSpace)"/>, and also releases every frame a
    /// user-half leaf maps through <see cref="ReleaseFrame"/>: a frame no other address space
    /// shares goes back to the frame source; pinned and uncovered frames (device memory) are kept.
    /// </summary>
    public void DestroyAddressSpace(AddressSpace space, FrameRefCounts counts) => Destroy(space.Root, true, counts);

    /// <summary>
    /// Drops one mapping's share of a frame. When it was the last one (count 0 or 1) the count
    /// becomes 0 and the frame goes back to the frame source. Use it after
    /// <see cref="Unmap"/> of a page that may be shared.
    /// </summary>
    /// <returns>True when the frame was freed.</returns>
    public bool ReleaseFrame(ulong physicalAddress, FrameRefCounts counts)
    {
        if (!counts.IsCounted(physicalAddress))
        {
            return false;
        }
        ushort* count = counts.Slot(physicalAddress);
        if (*count > 1)
        {
            (*count)--;
            return false;
        }
        *count = 0;
        Frames.Free(physicalAddress & AddressMask);
        return true;
    }

    private void Destroy(ulong root, bool releaseFrames, FrameRefCounts counts)
    {
        ulong* pml4 = Table(root);
        int userEnd = VirtualAddress.FirstKernelPml4Index;
        for (int i4 = PageTableScan.NextPresent(pml4, 0, userEnd); i4 < userEnd; i4 = PageTableScan.NextPresent(pml4, i4 + 1, userEnd))
        {
            ulong e4 = pml4[i4];
            ulong* pdpt = Table(e4 & AddressMask);
            for (int i3 = PageTableScan.NextPresent(pdpt, 0); i3 < EntriesPerTable; i3 = PageTableScan.NextPresent(pdpt, i3 + 1))
            {
                ulong e3 = pdpt[i3];
                if ((e3 & HugeBit) != 0)
                {
                    if (releaseFrames)
                    {
                        ReleaseRange(e3 & PageTableEntry.AddressMask1GiB, FramesPer1GiB, counts);
                    }
                    continue;
                }
                ulong* pd = Table(e3 & AddressMask);
                for (int i2 = PageTableScan.NextPresent(pd, 0); i2 < EntriesPerTable; i2 = PageTableScan.NextPresent(pd, i2 + 1))
                {
                    ulong e2 = pd[i2];
                    if ((e2 & HugeBit) != 0)
                    {
                        if (releaseFrames)
                        {
                            ReleaseRange(e2 & PageTableEntry.AddressMask2MiB, FramesPer2MiB, counts);
                        }
                        continue;
                    }
                    if (releaseFrames)
                    {
                        ulong* pt = Table(e2 & AddressMask);
                        for (int i1 = PageTableScan.NextPresent(pt, 0); i1 < EntriesPerTable; i1 = PageTableScan.NextPresent(pt, i1 + 1))
                        {
                            ReleaseFrame(pt[i1] & AddressMask, counts);
                        }
                    }
                    Frames.Free(e2 & AddressMask);
                }
                Frames.Free(e3 & AddressMask);
            }
            Frames.Free(e4 & AddressMask);
        }
        Frames.Free(root);
    }

    private void ReleaseRange(ulong firstFrame, ulong frames, FrameRefCounts counts)
    {
        for (ulong i = 0; i < frames; i++)
        {
            ReleaseFrame(firstFrame + (i << 12), counts);
        }
    }

    private static void CopyKernelHalf(ulong* from, ulong* to)
    {
        for (int i = VirtualAddress.FirstKernelPml4Index; i < EntriesPerTable; i++)
        {
            to[i] = from[i];
        }
    }
}
