// The page-table format of every address space on aarch64: components/vmm's AArch64 format
// behind the surface of its x86-64 PageMapper that kernel/Memory/KernelMemory.cs uses (it
// names the type KernelPageMapper on both). The kernel's space is the TTBR1 half; a process's
// would be a TTBR0 root of its own. The AArch64 format has no copy-on-write, range or
// address-space walks yet: those answer Unsupported, so no process can be made here yet.
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
        child = default;
        return VmmError.Unsupported;
    }

    public VmmError ResolveWriteFault(AddressSpace space, ulong faultAddress, FrameRefCounts counts) => VmmError.Unsupported;

    public VmmError UnmapRange(AddressSpace space, ulong start, ulong end, FrameRefCounts counts, out ulong pages)
    {
        pages = 0;
        return VmmError.Unsupported;
    }

    public VmmError ProtectRange(AddressSpace space, ulong start, ulong end, PageFlags protection, FrameRefCounts counts, out ulong pages)
    {
        pages = 0;
        return VmmError.Unsupported;
    }

    public VmmError MoveRange(AddressSpace space, ulong from, ulong to, ulong length, out ulong pages)
    {
        pages = 0;
        return VmmError.Unsupported;
    }

    /// <summary>Only empty roots exist (no process gets pages yet): the root frame goes back.</summary>
    public void DestroyAddressSpace(AddressSpace space, FrameRefCounts counts) => default(PmmFrameSource).Free(space.Root);

    /// <summary>As PageMapper.ReleaseFrame: one reference less; the frame is freed with the last.</summary>
    public bool ReleaseFrame(ulong physicalAddress, FrameRefCounts counts)
    {
        if (!counts.IsCounted(physicalAddress)) return false;
        ushort count = counts.Get(physicalAddress);
        if (count > 1)
        {
            counts.Set(physicalAddress, (ushort)(count - 1));
            return false;
        }

        counts.Set(physicalAddress, 0);
        default(PmmFrameSource).Free(physicalAddress & ~0xFFFUL);
        return true;
    }
}
