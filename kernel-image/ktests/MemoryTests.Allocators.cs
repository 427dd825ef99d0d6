using Aurora.Kernel.Memory;
using Aurora.Pmm;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The frame allocator and the heap, checked in the booted kernel on every
/// architecture (the aarch64 test image runs these too; MemoryTests.cs has the page-table
/// and fault tests).</summary>
internal static unsafe partial class MemoryTests
{
    private static ulong s_random = 0x9E3779B97F4A7C15;

    private static ulong NextRandom()
    {
        s_random ^= s_random << 13;
        s_random ^= s_random >> 7;
        s_random ^= s_random << 17;
        return s_random;
    }

    /// <summary>Every whole usable frame above 1 MiB in the boot map (plus, once reclaimed, the
    /// boot loader's) is managed unless the kernel reserved it (its image, modules, the boot
    /// information, the framebuffer, the allocator's own bitmap); nothing else is managed.</summary>
    internal static void FrameTotalsMatchMemoryMap()
    {
        ref Boot.BootInfo info = ref KernelMain.BootInfo;
        ref FrameAllocator frames = ref KernelMemory.Frames;
        ulong expected = 0;
        bool consistent = true;
        foreach (Pmm.MemoryRegion region in KernelMemory.Map)
        {
            bool counts = region.Kind == MemoryRegionKind.Usable
                || (region.Kind == MemoryRegionKind.BootloaderReclaimable && KernelMemory.BootloaderMemoryReclaimed);
            ulong start = region.Base < FrameAllocator.LowMemoryLimit ? FrameAllocator.LowMemoryLimit : region.Base;
            start = (start + 4095) & ~4095UL;
            ulong end = region.End & ~4095UL;
            for (ulong frame = start; frame < end; frame += 4096)
            {
                bool reserved = Within(frame, info.KernelPhysicalBase, info.KernelSize)
                    || Within(frame, info.BootInformationPhysical, info.BootInformationSize)
                    || Within(frame, KernelMemory.MetadataPhysical, KernelMemory.MetadataBytes);
                for (int m = 0; m < info.ModuleCount; m++) reserved |= Within(frame, info.ModulePhysical[m], info.ModuleSize[m]);
                bool shouldBeManaged = counts && !reserved;
                if (shouldBeManaged) expected++;
                if (frames.IsManaged(frame) != shouldBeManaged && region.Kind != MemoryRegionKind.Usable) consistent &= !frames.IsManaged(frame) || counts;
                if (shouldBeManaged && !frames.IsManaged(frame)) consistent = false;
            }
        }
        Check(consistent, "a usable frame is not managed, or a non-usable one is");
        Check(frames.FreeBytes + frames.UsedBytes == frames.TotalBytes, "free + used != total");
        Check(frames.TotalFrames == expected, "managed frames differ from the memory map's usable frames");
        Check(frames.Validate(), "frame allocator invariants broken");
    }

    private static bool Within(ulong frame, ulong start, ulong length) =>
        length != 0 && frame + 4096 > (start & ~4095UL) && frame < start + length;

    internal static void FrameAllocatorStress()
    {
        ref FrameAllocator frames = ref KernelMemory.Frames;
        ulong freeBefore = frames.FreeFrames;
        ulong* held = stackalloc ulong[256];
        int count = 0;
        for (int step = 0; step < 20000; step++)
        {
            if (count < 256 && (count == 0 || NextRandom() % 3 != 0))
            {
                if (frames.AllocateFrame(out ulong frame) != PmmError.None) { Check(false, "out of frames"); return; }
                byte* page = (byte*)(frame + KernelMemory.DirectMapOffset);
                *(ulong*)page = frame; // each frame holds its own address while held
                held[count++] = frame;
            }
            else
            {
                int i = (int)(NextRandom() % (ulong)count);
                ulong frame = held[i];
                Check(*(ulong*)(frame + KernelMemory.DirectMapOffset) == frame, "a held frame was handed out twice");
                Check(frames.FreeFrame(frame) == PmmError.None, "freeing a held frame failed");
                held[i] = held[--count];
            }
        }
        while (count > 0) frames.FreeFrame(held[--count]);
        Check(frames.FreeFrames == freeBefore, "frames leaked");
        ulong some = held[0];
        Check(frames.FreeFrame(some) == PmmError.AlreadyFree, "double free not reported");
        Check(frames.FreeFrame(0x1000) == PmmError.NotManaged, "free of unmanaged memory not reported");
        Check(frames.FreeFrame(some + 12) == PmmError.Misaligned, "misaligned free not reported");
        Check(frames.FreeFrames == freeBefore, "a rejected free changed the counts");
    }

    internal static void HeapStress()
    {
        ref var heap = ref KernelMemory.Heap;
        ulong liveBefore = heap.Statistics.LiveBlocks;
        byte** blocks = stackalloc byte*[128];
        uint* sizes = stackalloc uint[128];
        int count = 0;
        for (int step = 0; step < 30000; step++)
        {
            if (count < 128 && (count == 0 || NextRandom() % 2 == 0))
            {
                uint size = (uint)(NextRandom() % 3 == 0 ? NextRandom() % 9000 + 1 : NextRandom() % 256 + 1);
                byte* block = (byte*)KernelMemory.Allocate(size);
                if (block == null) { Check(false, "heap exhausted"); return; }
                Check(((ulong)block & 15) == 0, "block not 16-byte aligned");
                byte fill = (byte)((ulong)block >> 4);
                for (uint i = 0; i < size; i++) block[i] = fill;
                blocks[count] = block;
                sizes[count++] = size;
            }
            else
            {
                int i = (int)(NextRandom() % (ulong)count);
                byte* block = blocks[i];
                byte fill = (byte)((ulong)block >> 4);
                for (uint j = 0; j < sizes[i]; j++)
                    if (block[j] != fill) { Check(false, "live heap block corrupted (overlap?)"); return; }
                KernelMemory.Free(block);
                blocks[i] = blocks[--count];
                sizes[i] = sizes[count];
            }
        }
        while (count > 0) KernelMemory.Free(blocks[--count]);
        Check(heap.Statistics.LiveBlocks == liveBefore, "heap blocks leaked");
        Check(heap.Validate(), "heap invariants broken");
        Check(heap.DebugMode, "test kernels run the heap in debug mode");
        byte* probe = (byte*)KernelMemory.Allocate(64);
        KernelMemory.Free(probe);
        Check(heap.Free(probe).Error == Aurora.Heap.HeapError.DoubleFree, "double free not reported");
        Check(heap.Statistics.LiveBlocks == liveBefore, "a rejected free changed the heap");
    }

    internal static void RuntimeObjectsComeFromTheHeap()
    {
        ulong before = KernelMemory.Heap.Statistics.Allocations;
        object o = new int[100];
        ulong address = (ulong)System.Runtime.CompilerServices.Unsafe.As<object, nint>(ref o);
        Check(KernelMemory.Heap.Statistics.Allocations > before, "object allocation bypassed the heap");
        Check(address >= KernelMemory.DirectMapOffset && address < KernelMemory.DirectMapOffset + KernelMemory.DirectMapSize,
            "object not in heap (direct-map) memory");
    }
}
