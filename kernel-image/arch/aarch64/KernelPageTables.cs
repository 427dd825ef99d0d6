// The page-table format of every address space on aarch64: components/vmm's AArch64 format
// behind the surface of its x86-64 PageMapper that kernel/Memory/KernelMemory.cs uses (it
// names the type KernelPageMapper on both). The kernel's space is the TTBR1 half; a process's
// is a TTBR0 root of its own, with fork's copy-on-write, the range edits and its destruction
// from the format's process half (components/vmm, Aarch64PageTables.AddressSpaces.cs).
global using KernelPageMapper = Aurora.Kernel.Memory.Aarch64KernelMapper;
using Aurora.Vmm;
using Aurora.Vmm.Aarch64;

namespace Aurora.Kernel.Memory;

internal unsafe struct Aarch64KernelMapper
{
    private Aarch64PageTables<DirectMap, PmmFrameSource, HardwareTlb> _tables;

    internal Aarch64KernelMapper(DirectMap memory, PmmFrameSource frames, HardwareTlb tlb) => _tables = new(memory, frames, tlb);

    public VmmError CreateEmpty(out AddressSpace space)
    {
        VmmError error = _tables.CreateRoot(out ulong root);
        space = new AddressSpace(root);
        return error;
    }

    /// <summary>The kernel half is its own root (TTBR1): every address space shares it as it is.</summary>
    public VmmError ReserveKernelHalf(AddressSpace kernelTemplate) => VmmError.None;

    /// <summary>A process's lower half: an empty TTBR0 root (the kernel half needs no copying).</summary>
    public VmmError CreateAddressSpace(AddressSpace kernelTemplate, out AddressSpace space) => CreateEmpty(out space);

    public VmmError Map(AddressSpace space, ulong virtualAddress, ulong physicalAddress, PageSize size,
        PageFlags protection, CacheMode cache = CacheMode.WriteBack) =>
        _tables.Map(space.Root, virtualAddress, physicalAddress, size, protection & ~PageFlags.Global, cache);

    public VmmError Unmap(AddressSpace space, ulong virtualAddress, PageSize size, out ulong physicalAddress)
    {
        VmmError error = _tables.Unmap(space.Root, virtualAddress, out physicalAddress, out PageSize mapped);
        if (error == VmmError.None && mapped != size) return VmmError.SizeConflict;
        return error;
    }

    public VmmError Protect(AddressSpace space, ulong virtualAddress, PageSize size, PageFlags protection) =>
        _tables.Protect(space.Root, virtualAddress, protection);

    public VmmError Translate(AddressSpace space, ulong virtualAddress, out Translation translation) =>
        _tables.Translate(space.Root, virtualAddress, out translation);

    public VmmError Clone(AddressSpace parent, FrameRefCounts counts, out AddressSpace child)
    {
        VmmError error = _tables.Clone(parent.Root, counts, out ulong root);
        child = new AddressSpace(root);
        return error;
    }

    public VmmError ResolveWriteFault(AddressSpace space, ulong faultAddress, FrameRefCounts counts) =>
        _tables.ResolveWriteFault(space.Root, faultAddress, counts);

    public VmmError UnmapRange(AddressSpace space, ulong start, ulong end, FrameRefCounts counts, out ulong pages) =>
        _tables.UnmapRange(space.Root, start, end, counts, out pages);

    public VmmError ProtectRange(AddressSpace space, ulong start, ulong end, PageFlags protection, FrameRefCounts counts, out ulong pages) =>
        _tables.ProtectRange(space.Root, start, end, protection, counts, out pages);

    public VmmError MoveRange(AddressSpace space, ulong from, ulong to, ulong length, out ulong pages) =>
        _tables.MoveRange(space.Root, from, to, length, out pages);

    /// <summary>A process's TTBR0 root with every table under it; each page's frame loses a share.</summary>
    public void DestroyAddressSpace(AddressSpace space, FrameRefCounts counts) => _tables.DestroyRoot(space.Root, counts);

    /// <summary>As PageMapper.ReleaseFrame: one reference less; the frame is freed with the last.</summary>
    public bool ReleaseFrame(ulong physicalAddress, FrameRefCounts counts) => _tables.ReleaseFrame(physicalAddress, counts);
}
