using System;
using Aurora.Vmm;

namespace Aurora.Kernel.Memory;

/// <summary>How the processor caches a DMA buffer.</summary>
internal enum DmaCaching : byte
{
    /// <summary>Ordinary cached memory, reached through the direct map. Right for packet data
    /// on x86, whose DMA snoops the caches (the device sees what the CPU wrote).</summary>
    WriteBack,

    /// <summary>Strong uncached (UC), mapped in the kernel's device window: every CPU access
    /// goes to memory in program order. For descriptor rings and mailboxes on devices or
    /// platforms that do not snoop, and where access order against MMIO matters.</summary>
    Uncached,
}

/// <summary>A physically contiguous, page-aligned block a device reads and writes by DMA:
/// the address to give the device and the address the kernel uses.</summary>
internal unsafe struct DmaBuffer
{
    public ulong Physical;
    public byte* Virtual;
    public ulong Size;
    public DmaCaching Caching;

    public readonly bool IsValid => Virtual != null;

    public readonly Span<byte> Bytes => new Span<byte>(Virtual, (int)Size);

    /// <summary>The device-visible address of the byte at <paramref name="offset"/>.</summary>
    public readonly ulong PhysicalAt(ulong offset) => Physical + offset;
}

/// <summary>
/// The DMA allocation API drivers use instead of frames and the direct map (Linux's
/// <c>dma_alloc_coherent</c>, SerenityOS's <c>MM.allocate_dma_buffer_pages</c>): physically
/// contiguous frames, zeroed, mapped as asked. Frames come from the frame allocator (its lock);
/// uncached buffers are mapped UC in the device window (<see cref="KernelMemory.MapWindow"/>).
/// Known limit: the direct map still maps those frames write-back, an alias the SDM (Vol. 3A
/// §11.12.4) says to avoid; nothing touches that alias, and Linux's fix (set_memory_uc on the
/// direct map, which needs 2 MiB pages split) is left for when a non-snooping platform needs it.
/// </summary>
internal static unsafe class Dma
{
    /// <summary>Allocates <paramref name="size"/> bytes (rounded up to whole pages); false when
    /// no contiguous run of frames is free or the window cannot be mapped.</summary>
    internal static bool Allocate(ulong size, DmaCaching caching, out DmaBuffer buffer)
    {
        buffer = default;
        if (size == 0) return false;
        ulong pages = (size + 4095) / 4096;
        if (!KernelMemory.AllocateContiguous((nuint)pages, 1, out ulong physical)) return false;
        byte* virtualAddress = caching == DmaCaching.Uncached
            ? KernelMemory.MapWindow(physical, pages * 4096, CacheMode.Uncached)
            : (byte*)(physical + KernelMemory.DirectMapOffset);
        if (virtualAddress == null)
        {
            KernelMemory.FreeContiguous(physical, (nuint)pages, "DMA frames");
            return false;
        }

        buffer.Physical = physical;
        buffer.Virtual = virtualAddress;
        buffer.Size = pages * 4096;
        buffer.Caching = caching;
        buffer.Bytes.Clear();
        return true;
    }

    /// <summary>Gives the buffer back (the device must no longer use it) and clears it.</summary>
    internal static void Free(ref DmaBuffer buffer)
    {
        if (!buffer.IsValid) return;
        if (buffer.Caching == DmaCaching.Uncached) KernelMemory.UnmapWindow(buffer.Virtual, buffer.Size);
        KernelMemory.FreeContiguous(buffer.Physical, (nuint)(buffer.Size / 4096), "DMA frames");
        buffer = default;
    }
}
