using Aurora.Caps;
using Aurora.Heap;
using Aurora.Net;
using Aurora.Pmm;
using Aurora.Vfs;
using Aurora.Vmm;

namespace Aurora.Kernel.Memory;

// The glue that hands each memory component the pieces it was designed to take as parameters.

/// <summary>Physical memory through the kernel's direct map.</summary>
internal unsafe struct DirectMap : IPhysicalMemory
{
    public byte* ToVirtual(ulong physicalAddress) => (byte*)(physicalAddress + KernelMemory.DirectMapOffset);
}

/// <summary>Page-table frames come from the physical frame allocator.</summary>
internal struct PmmFrameSource : IFrameSource
{
    public bool TryAllocate(out ulong physicalAddress) => KernelMemory.AllocateFrame(out physicalAddress);

    public void Free(ulong physicalAddress) => KernelMemory.FreeFrame(physicalAddress, "page-table frame free failed");
}

/// <summary>TLB invalidation. A user-half change matters only when its address space is the
/// live one (a switch to another root flushes the rest). The kernel half is different: every
/// address space shares its tables, so a kernel mapping changed while any root is live must be
/// invalidated now; a process's root is live almost always (a kernel stack freed and reused
/// under it once kept the freed frame in the TLB). One processor: the local TLB is all there is.</summary>
internal struct HardwareTlb : ITlb
{
    private const ulong KernelHalf = 0xFFFF_8000_0000_0000;

    public void InvalidatePage(ulong rootPhysicalAddress, ulong virtualAddress)
    {
        if (virtualAddress >= KernelHalf || rootPhysicalAddress == Hal.Paging.ActiveRootPhysical())
            Hal.Paging.InvalidatePage(virtualAddress);
    }

    public void FlushAll(ulong rootPhysicalAddress)
    {
        ulong active = Hal.Paging.ActiveRootPhysical();
        if (rootPhysicalAddress == active || rootPhysicalAddress == KernelMemory.KernelSpace.Root) Hal.Paging.ActivateRoot(active);
    }
}

/// <summary>Heap pages: physical frames seen through the direct map (which is non-executable,
/// so the heap is too).</summary>
internal unsafe struct FramePageSource : IPageSource
{
    public byte* AllocatePages(nuint count)
    {
        ulong physical;
        bool allocated = count == 1
            ? KernelMemory.AllocateFrame(out physical)
            : KernelMemory.AllocateContiguous(count, 1, out physical);
        return allocated ? (byte*)(physical + KernelMemory.DirectMapOffset) : null;
    }

    public void FreePages(byte* pages, nuint count)
    {
        ulong physical = (ulong)pages - KernelMemory.DirectMapOffset;
        if (count == 1) KernelMemory.FreeFrame(physical, "heap page free failed");
        else KernelMemory.FreeContiguous(physical, count, "heap page free failed");
    }
}

/// <summary>The VFS's inodes, directory entries and file pages come from the kernel heap.</summary>
internal unsafe struct HeapVfsMemory : IVfsMemory
{
    public void* Allocate(nuint size) => KernelMemory.Allocate(size);

    public void Free(void* block) => KernelMemory.Free(block);

    /// <summary>File pages are whole frames (seen through the direct map), so mmap can map a
    /// tmpfs file's own pages; the frame's share count starts at 0 (the file alone).</summary>
    public void* AllocatePage()
    {
        if (!KernelMemory.AllocateFrame(out ulong frame)) return null;
        Processes.UserMemory.SetCount(frame, 0);
        return (void*)(frame + KernelMemory.DirectMapOffset);
    }

    /// <summary>The file lets go of a page; a mapping that still holds it keeps the frame until
    /// its unmap (the share counts decide).</summary>
    public void FreePage(void* page) => Processes.UserMemory.ReleaseObjectFrame((ulong)page - KernelMemory.DirectMapOffset);
}

/// <summary>The capability space's tables and queued messages come from the kernel heap.</summary>
internal unsafe struct HeapCapsMemory : ICapsMemory
{
    public void* Allocate(nuint size) => KernelMemory.Allocate(size);

    public void Free(void* block) => KernelMemory.Free(block);
}

/// <summary>Capability tokens from the kernel's random source (RDRAND where present).</summary>
internal struct KernelRandomSource : IRandomSource
{
    public void Fill(System.Span<byte> destination) => KernelRandom.Fill(destination);
}

/// <summary>The network stack's sockets, buffers and queues come from the kernel heap.</summary>
internal unsafe struct HeapNetMemory : INetMemory
{
    public void* Allocate(nuint size) => KernelMemory.Allocate(size);

    public void Free(void* block) => KernelMemory.Free(block);
}

/// <summary>Each process's region map (its virtual memory areas) lives on the kernel heap.</summary>
internal unsafe struct HeapRegionStorage : IRegionStorage
{
    public void* Allocate(nuint bytes) => KernelMemory.Allocate(bytes);

    public void Free(void* block) => KernelMemory.Free(block);

    /// <summary>A mapped object's region was cut in two or copied by fork: each region holds one
    /// reference to the object's open file description (it stays open after close(2)).</summary>
    public void Retain(in Region region)
    {
        if (Processes.Process.HoldsObject(region)) Files.OpenFileDescription.Retain((Files.OpenFileDescription*)region.Tag);
    }

    public void Release(in Region region)
    {
        if (Processes.Process.HoldsObject(region)) Files.OpenFileDescription.Release((Files.OpenFileDescription*)region.Tag);
    }
}
