using System;
using Aurora.Heap;
using Aurora.Pmm;
using Aurora.Vmm;

namespace Aurora.Kernel.Memory;

/// <summary>
/// Brings the kernel onto its own memory (SPEC MM-1, MM-2, MM-3, MM-5): the physical frame
/// allocator over the boot memory map, the kernel's own page tables (W^X sections, a
/// non-executable direct map, the framebuffer write-combining), then the heap, which from then
/// on backs every object the runtime allocates and the kernel's kmalloc.
/// </summary>
internal static unsafe class KernelMemory
{
    /// <summary>Where the framebuffer is mapped (write-combining) once the kernel runs on its
    /// own page tables: the first of the kernel's windows, 1 TiB each, whose base KASLR chooses
    /// per boot (Hal.Layout, the architecture's KASLR; 0xFFFF_C000_0000_0000 with kaslr=off).</summary>
    internal static ulong FramebufferWindow => Hal.Layout.WindowsBase();

    /// <summary>Where kernel thread stacks are mapped: each at the top of a slot of
    /// <see cref="StackSlotSize"/> whose rest (at least a page) stays unmapped as a guard, so
    /// running off a stack faults at once instead of overwriting whatever lies below.</summary>
    internal static ulong StackWindow => Hal.Layout.WindowsBase() + (2UL << 40);
    internal const ulong StackSlotSize = 64 * 1024;
    private const int MaxStackSlots = 4096;
    private static ulong s_stackSlotsUsed;

    private struct SlotTable
    {
        public fixed ulong Slots[MaxStackSlots];
    }

    private static SlotTable s_freeStackSlots;
    private static int s_freeStackSlotCount;

    /// <summary>Maps a stack of <paramref name="size"/> bytes (at most a slot minus its guard
    /// page) from fresh frames; returns its lowest address, or null.</summary>
    internal static byte* AllocateStack(ulong size)
    {
        if (size > StackSlotSize - 4096) return null;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        ulong slot;
        if (s_freeStackSlotCount > 0)
        {
            slot = s_freeStackSlots.Slots[--s_freeStackSlotCount];
        }
        else if (s_stackSlotsUsed < MaxStackSlots)
        {
            slot = StackWindow + (s_stackSlotsUsed++ * StackSlotSize);
        }
        else
        {
            Hal.Cpu.RestoreInterrupts(interrupts);
            return null;
        }

        ulong top = slot + StackSlotSize;
        ulong bottom = top - ((size + 4095) & ~4095UL);
        for (ulong page = bottom; page < top; page += 4096)
        {
            if (!AllocateFrame(out ulong frame) ||
                s_mapper.Map(s_kernelSpace, page, frame, PageSize.Size4KiB, PageFlags.Writable | PageFlags.NoExecute) != VmmError.None)
            {
                UnmapStackPages(bottom, page);
                s_freeStackSlots.Slots[s_freeStackSlotCount++] = slot;
                Hal.Cpu.RestoreInterrupts(interrupts);
                return null;
            }
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        return (byte*)bottom;
    }

    /// <summary>Gives the whole stack window its page tables at boot (128 tables, 512 KiB, for
    /// 4096 slots), so creating threads never grows the kernel's tables: memory a burst of
    /// threads needs comes back entirely when they end, and the frame ledgers of the tests
    /// (and of an administrator) balance.</summary>
    private static void ReserveStackWindowTables()
    {
        const ulong TableSpan = 2UL << 20;
        Check(s_frames.AllocateFrame(out ulong probe), "a frame for reserving stack tables");
        for (ulong at = StackWindow; at < StackWindow + (MaxStackSlots * StackSlotSize); at += TableSpan)
        {
            Check(s_mapper.Map(s_kernelSpace, at, probe, PageSize.Size4KiB, PageFlags.NoExecute), "reserving stack-window tables");
            Check(s_mapper.Unmap(s_kernelSpace, at, PageSize.Size4KiB, out _), "reserving stack-window tables");
        }

        Check(s_frames.FreeFrame(probe), "returning the stack-table probe frame");
    }

    /// <summary>Unmaps a stack from <see cref="AllocateStack"/> and gives its frames back.</summary>
    internal static void FreeStack(byte* bottom, ulong size)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        ulong top = (ulong)bottom + ((size + 4095) & ~4095UL);
        UnmapStackPages((ulong)bottom, top);
        s_freeStackSlots.Slots[s_freeStackSlotCount++] = top - StackSlotSize;
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>True when <paramref name="address"/> is in a stack slot but not in its stack:
    /// the unmapped guard below it.</summary>
    internal static bool IsStackGuard(ulong address) =>
        address >= StackWindow && address < StackWindow + (MaxStackSlots * StackSlotSize) &&
        s_mapper.Translate(s_kernelSpace, address, out _) != VmmError.None;

    private static void UnmapStackPages(ulong from, ulong to)
    {
        for (ulong page = from; page < to; page += 4096)
        {
            if (s_mapper.Unmap(s_kernelSpace, page, PageSize.Size4KiB, out ulong frame) == VmmError.None)
                FreeFrame(frame, "stack frame free failed");
        }
    }

    /// <summary>Where device registers (PCI memory BARs) are mapped, uncached, one after another.</summary>
    internal static ulong DeviceWindow => Hal.Layout.WindowsBase() + (1UL << 40);
    private static ulong s_deviceCursor;   // DeviceWindow until the first mapping

    private static FrameAllocator s_frames;
    private static KernelPageMapper s_mapper;
    private static AddressSpace s_kernelSpace;
    private static KernelHeap<FramePageSource> s_heap;
    private static bool s_heapReady;

    internal static ulong DirectMapOffset;
    internal static ulong DirectMapSize;
    internal static ulong MetadataPhysical;
    internal static ulong MetadataBytes;
    internal static bool BootloaderMemoryReclaimed;

    /// <summary>The frame allocator itself: for boot-time set-up and for reading its counters.
    /// Frames are taken and given back only through <see cref="AllocateFrame"/>,
    /// <see cref="FreeFrame"/>, <see cref="AllocateContiguous"/> and <see cref="FreeContiguous"/>,
    /// which hold the frame lock.</summary>
    internal static ref FrameAllocator Frames => ref s_frames;

    /// <summary>Guards the frame allocator's bitmap and counters (docs/architecture.md, "Locks":
    /// the innermost lock; the heap's page source and the page mapper's table allocations take
    /// it while holding others).</summary>
    private static Sync.SpinLock s_frameLock;

    /// <summary>Guards the kernel heap. Taken before the frame lock (the heap grows from frames).</summary>
    private static Sync.SpinLock s_heapLock;

    /// <summary>One 4 KiB frame, or false when physical memory is exhausted.</summary>
    internal static bool AllocateFrame(out ulong physicalAddress)
    {
        bool flags = s_frameLock.Acquire();
        PmmError error = s_frames.AllocateFrame(out physicalAddress);
        s_frameLock.Release(flags);
        return error == PmmError.None;
    }

    /// <summary>Frames user memory may not take (Linux's min_free_kbytes watermark plays this
    /// part): 1/64 of memory, at least 1 MiB. When a program touches more than the machine
    /// has, its page fault finds the allocator at this floor and the program is killed
    /// (docs/security.md, "Memory: overcommit and out of memory"), while the kernel's heap,
    /// page tables and other processes' system calls still find frames to finish their work.</summary>
    internal static ulong UserReserveFrames => Math.Max(256UL, s_frames.TotalFrames / 64);

    /// <summary>One 4 KiB frame for user memory (a page filled on first touch, a copy-on-write
    /// copy), or false when only the reserve is left (<see cref="UserReserveFrames"/>).</summary>
    internal static bool AllocateUserFrame(out ulong physicalAddress)
    {
        physicalAddress = 0;
        bool flags = s_frameLock.Acquire();
        PmmError error = s_frames.FreeFrames > UserReserveFrames ? s_frames.AllocateFrame(out physicalAddress) : PmmError.OutOfMemory;
        s_frameLock.Release(flags);
        return error == PmmError.None;
    }

    /// <summary>True while user memory may still take frames (above the reserve).</summary>
    internal static bool UserFramesLeft => s_frames.FreeFrames > UserReserveFrames;

    /// <summary>Gives back a frame from <see cref="AllocateFrame"/>; a frame the allocator did
    /// not hand out (a double free) is a kernel bug and panics, naming <paramref name="owner"/>.</summary>
    internal static void FreeFrame(ulong physicalAddress, string owner)
    {
        bool flags = s_frameLock.Acquire();
        PmmError error = s_frames.FreeFrame(physicalAddress);
        s_frameLock.Release(flags);
        if (error != PmmError.None) Panic.Fail(owner, PmmErrorText(error));
    }

    /// <summary><paramref name="count"/> physically contiguous frames aligned to
    /// <paramref name="alignmentFrames"/> frames, or false.</summary>
    internal static bool AllocateContiguous(nuint count, nuint alignmentFrames, out ulong physicalAddress)
    {
        bool flags = s_frameLock.Acquire();
        PmmError error = s_frames.AllocateContiguous(count, alignmentFrames, out physicalAddress);
        s_frameLock.Release(flags);
        return error == PmmError.None;
    }

    internal static void FreeContiguous(ulong physicalAddress, nuint count, string owner)
    {
        bool flags = s_frameLock.Acquire();
        PmmError error = s_frames.FreeContiguous(physicalAddress, count);
        s_frameLock.Release(flags);
        if (error != PmmError.None) Panic.Fail(owner, PmmErrorText(error));
    }
    internal static ref KernelPageMapper Mapper => ref s_mapper;
    internal static AddressSpace KernelSpace => s_kernelSpace;
    internal static ref KernelHeap<FramePageSource> Heap => ref s_heap;
    internal static bool HeapReady => s_heapReady;

    private struct MapBuffer
    {
        public fixed ulong Words[Boot.BootInfo.MaxMemoryRegions * 3];
    }

    private static MapBuffer s_map;
    private static int s_mapCount;

    internal static ReadOnlySpan<MemoryRegion> Map
    {
        get { fixed (MapBuffer* map = &s_map) return new ReadOnlySpan<MemoryRegion>(map, s_mapCount); }
    }

    /// <summary>Step 1: the frame allocator, with everything that is not free memory reserved.</summary>
    internal static void InitializePhysical(ref Boot.BootInfo info)
    {
        DirectMapOffset = info.DirectMapOffset;
        fixed (MapBuffer* buffer = &s_map)
        {
            var regions = (MemoryRegion*)buffer;
            for (int i = 0; i < info.MemoryRegionCount; i++)
            {
                Boot.MemoryRegion r = info.GetMemoryRegion(i);
                regions[i] = new MemoryRegion(r.Base, r.Length, (MemoryRegionKind)(ulong)r.Kind);
            }
            s_mapCount = info.MemoryRegionCount;
        }

        ReadOnlySpan<MemoryRegion> map = Map;
        ulong bytes = FrameAllocator.RequiredMetadataBytes(FrameAllocator.HighestUsableAddress(map));
        // Multiboot2 reports the kernel image, the modules and the boot information as usable
        // memory: the bitmap must not land on them. The placement search avoids every region
        // another map entry overlaps, so they go in as extra reserved entries (this copy only).
        int extra = 2 + info.ModuleCount;
        MemoryRegion* search = stackalloc MemoryRegion[map.Length + extra];
        int n = 0;
        for (; n < map.Length; n++) search[n] = map[n];
        search[n++] = new MemoryRegion(info.KernelPhysicalBase, info.KernelSize, MemoryRegionKind.Reserved);
        if (info.BootInformationSize != 0)
            search[n++] = new MemoryRegion(info.BootInformationPhysical, info.BootInformationSize, MemoryRegionKind.Reserved);
        for (int i = 0; i < info.ModuleCount; i++)
        {
            if (!WithinRegionOfKind(map, info.ModulePhysical[i], info.ModuleSize[i], MemoryRegionKind.KernelAndModules))
                search[n++] = new MemoryRegion(info.ModulePhysical[i], info.ModuleSize[i], MemoryRegionKind.Reserved);
        }
        Check(FrameAllocator.FindMetadataPlacement(new ReadOnlySpan<MemoryRegion>(search, n), bytes, out MetadataPhysical),
            "no room for the frame allocator's bitmap");
        MetadataBytes = bytes;
        Check(s_frames.Initialize(map, (void*)(MetadataPhysical + DirectMapOffset), bytes, MetadataPhysical), "frame allocator initialisation");

        // Multiboot2 reports the kernel image, modules and the boot information as plain usable
        // memory; Limine already marks them (KernelAndModules, BootloaderReclaimable). A module
        // inside a KernelAndModules entry needs no reservation of its own: the allocator never
        // manages or reclaims such memory, and Limine places modules apart (page gaps), so the
        // test image's 115 took 115 of the allocator's 64 reserved-range slots (TooManyRanges,
        // a panic on every Limine boot of the test image).
        Check(s_frames.Reserve(info.KernelPhysicalBase, info.KernelSize), "reserving the kernel image");
        for (int i = 0; i < info.ModuleCount; i++)
        {
            if (!WithinRegionOfKind(map, info.ModulePhysical[i], info.ModuleSize[i], MemoryRegionKind.KernelAndModules))
                Check(s_frames.Reserve(info.ModulePhysical[i], info.ModuleSize[i]), "reserving a boot module");
        }

        if (info.BootInformationSize != 0)
            Check(s_frames.Reserve(info.BootInformationPhysical, info.BootInformationSize), "reserving the boot information");
        if (info.HasFramebuffer)
            Check(s_frames.Reserve(info.Framebuffer.PhysicalAddress, (ulong)info.Framebuffer.Pitch * info.Framebuffer.Height), "reserving the framebuffer");
    }

    /// <summary>True when [start, start + length) lies inside one map entry of <paramref name="kind"/>.</summary>
    private static bool WithinRegionOfKind(ReadOnlySpan<MemoryRegion> map, ulong start, ulong length, MemoryRegionKind kind)
    {
        foreach (MemoryRegion region in map)
        {
            if (region.Kind == kind && start >= region.Base && length <= region.Length && start - region.Base <= region.Length - length)
                return true;
        }

        return false;
    }

    /// <summary>Step 2: the kernel's own PML4, then CR3 moves away from the loader's tables.</summary>
    internal static void BuildKernelAddressSpace(ref Boot.BootInfo info, ref KernelLayout layout)
    {
        s_mapper = new KernelPageMapper(default, default, default);
        Check(s_mapper.CreateEmpty(out s_kernelSpace), "allocating the kernel PML4");
        // Every upper-half PML4 entry exists from the start, so address spaces made later share
        // the kernel half by copying these 256 entries and never go out of date.
        Check(s_mapper.ReserveKernelHalf(s_kernelSpace), "pre-allocating the kernel half");
        ReserveStackWindowTables();

        ulong slide = info.KernelVirtualBase - info.KernelPhysicalBase;

        // W^X: text read-execute, read-only data read-only and non-executable, data/bss/stack
        // read-write and non-executable. The page below the kernel stack stays unmapped as a
        // guard: an overflow faults (and the double-fault handler runs on its own IST stack).
        MapRange(layout.Start, layout.TextEnd, layout.Start - slide, PageFlags.Global);
        MapRange(layout.RodataStart, layout.RodataEnd, layout.RodataStart - slide, PageFlags.Global | PageFlags.NoExecute);
        ulong guard = layout.StackBottom - 4096;
        MapRange(layout.DataStart, guard, layout.DataStart - slide, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute);
        MapRange(layout.StackBottom, layout.End, layout.StackBottom - slide, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute);

        // The direct map of physical memory, 2 MiB pages, never executable: at least the low
        // 4 GiB (firmware tables, MMIO) and everything the memory map names.
        ulong top = 4UL << 30;
        foreach (MemoryRegion region in Map)
            if (region.Kind != MemoryRegionKind.Reserved && region.End > top) top = region.End;
        top = (top + (2UL << 20) - 1) & ~((2UL << 20) - 1);
        for (ulong address = 0; address < top; address += 2UL << 20)
            Check(s_mapper.Map(s_kernelSpace, DirectMapOffset + address, address, PageSize.Size2MiB,
                PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute), "mapping the direct map");
        DirectMapSize = top;

        // The framebuffer, write-combining: pixels are written, rarely read.
        if (info.HasFramebuffer)
        {
            ulong length = ((ulong)info.Framebuffer.Pitch * info.Framebuffer.Height + 4095) & ~4095UL;
            ulong framebufferPhysical = info.Framebuffer.PhysicalAddress & ~4095UL;
            for (ulong offset = 0; offset < length; offset += 4096)
                Check(s_mapper.Map(s_kernelSpace, FramebufferWindow + offset, framebufferPhysical + offset, PageSize.Size4KiB,
                    PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.WriteCombining), "mapping the framebuffer");
        }

        Hal.Paging.EnableNoExecute();
        Hal.Paging.ProgramCacheTypes();
        Hal.Paging.ActivateRoot(s_kernelSpace.Root);

        if (info.HasFramebuffer)
        {
            info.Framebuffer.Address = (byte*)(FramebufferWindow + (info.Framebuffer.PhysicalAddress & 4095));
            Screen.MoveFramebuffer(info.Framebuffer.Address);
        }
    }

    /// <summary>Step 2 where the architecture's boot code built the kernel's tables itself
    /// (aarch64: the TTBR1 half, with the image W^X and the direct map of
    /// <paramref name="directMapSize"/> bytes): the kernel space is that root, and the stack
    /// window gets its tables as in <see cref="BuildKernelAddressSpace"/>.</summary>
    internal static void AdoptKernelAddressSpace(ulong rootPhysical, ulong directMapSize)
    {
        DirectMapSize = directMapSize;
        s_mapper = new KernelPageMapper(default, default, default);
        s_kernelSpace = new AddressSpace(rootPhysical);
        ReserveStackWindowTables();
    }

    /// <summary>Step 3: the heap, which then takes over the runtime's object allocation.</summary>
    internal static void InitializeHeap(bool debug)
    {
        s_heap = new KernelHeap<FramePageSource>(default, debug);
        s_heapReady = true;
        Internal.Runtime.RuntimeHost.Allocate = &AllocateForRuntime;
    }

    /// <summary>Maps <paramref name="size"/> bytes of device registers at physical
    /// <paramref name="physical"/> (page-aligned) uncached, writable and non-executable;
    /// returns the virtual address, or null when the tables cannot grow.</summary>
    internal static byte* MapDevice(ulong physical, ulong size) => MapWindow(physical, size, CacheMode.Uncached);

    /// <summary>Maps <paramref name="size"/> bytes at physical <paramref name="physical"/>
    /// (page-aligned) into the device window with the memory type <paramref name="mode"/>,
    /// writable and non-executable: device registers (uncached) and DMA memory that must not be
    /// cached (<see cref="Dma"/>). Returns the virtual address, or null when the tables cannot
    /// grow. The window's addresses are never reused (it is 1 TiB; a guard page follows each
    /// mapping).</summary>
    internal static byte* MapWindow(ulong physical, ulong size, CacheMode mode)
    {
        ulong pages = (size + 4095) / 4096;
        // Interrupts off: the cursor and the kernel's tables are shared (as in AllocateStack).
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        if (s_deviceCursor == 0) s_deviceCursor = DeviceWindow;
        ulong virtualBase = s_deviceCursor;
        s_deviceCursor += (pages + 1) * 4096;
        for (ulong i = 0; i < pages; i++)
        {
            if (s_mapper.Map(s_kernelSpace, virtualBase + (i * 4096), physical + (i * 4096), PageSize.Size4KiB,
                    PageFlags.Writable | PageFlags.NoExecute, mode) != VmmError.None)
            {
                for (ulong j = 0; j < i; j++) s_mapper.Unmap(s_kernelSpace, virtualBase + (j * 4096), PageSize.Size4KiB, out _);
                Hal.Cpu.RestoreInterrupts(interrupts);
                return null;
            }
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        return (byte*)virtualBase;
    }

    /// <summary>Removes a <see cref="MapWindow"/> mapping (the frames stay the caller's).</summary>
    internal static void UnmapWindow(byte* virtualBase, ulong size)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        for (ulong offset = 0; offset < size; offset += 4096)
            s_mapper.Unmap(s_kernelSpace, (ulong)virtualBase + offset, PageSize.Size4KiB, out _);
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Step 4: once nothing reads the loader's structures any more (BootInfo holds
    /// copies; CR3 no longer points at its tables), its memory becomes free memory.</summary>
    internal static void ReclaimBootloaderMemory()
    {
        Check(s_frames.ReclaimBootloaderMemory(Map), "reclaiming boot-loader memory");
        BootloaderMemoryReclaimed = true;
    }

    // The heap is not reentrant and threads are preempted by the timer: every call runs with
    // interrupts off (one processor, so that is the whole lock).

    private static void* AllocateForRuntime(nuint size)
    {
        bool flags = s_heapLock.Acquire();
        void* memory = s_heap.AllocateZeroed(size);
        CheckHeap();
        s_heapLock.Release(flags);
        return memory;
    }

    /// <summary>kmalloc: 16-byte aligned, null when memory is exhausted.</summary>
    internal static void* Allocate(nuint size)
    {
        bool flags = s_heapLock.Acquire();
        void* memory = s_heap.Allocate(size);
        CheckHeap();
        s_heapLock.Release(flags);
        return memory;
    }

    /// <summary>kfree: a pointer the heap did not hand out, or a double free, is a kernel bug.</summary>
    internal static void Free(void* memory)
    {
        bool flags = s_heapLock.Acquire();
        HeapFault fault = s_heap.Free(memory);
        s_heapLock.Release(flags);
        if (fault.IsError) HeapPanic(fault);
    }

    /// <summary>Debug mode notices writes to freed memory when it hands a block out again.</summary>
    private static ulong s_faultsSeen;

    private static void CheckHeap()
    {
        if (s_heap.FaultCount == s_faultsSeen) return;
        s_faultsSeen = s_heap.FaultCount;
        // Bad frees are returned to (and handled by) their callers; corruption found while
        // allocating has no caller to blame and stops the kernel.
        if (s_heap.LastFault.Error == HeapError.WriteAfterFree) HeapPanic(s_heap.LastFault);
    }

    private static void HeapPanic(HeapFault fault)
    {
        Panic.Begin();
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset + "heap: ");
        Log.Write(fault.Description);
        Log.Write(" at ");
        Log.WriteHex(fault.Address, 16);
        Log.Write(" (block ");
        Log.WriteHex(fault.Block, 16);
        Log.WriteLine(")");
        Panic.WriteBacktrace(Hal.Cpu.ReadFramePointer(), 0);
        Panic.End();
    }

    private static void MapRange(ulong start, ulong end, ulong physicalStart, PageFlags flags)
    {
        for (ulong address = start & ~4095UL; address < end; address += 4096)
            Check(s_mapper.Map(s_kernelSpace, address, physicalStart + (address - (start & ~4095UL)), PageSize.Size4KiB, flags), "mapping the kernel image");
    }

    private static void Check(PmmError error, string what)
    {
        if (error != PmmError.None) Panic.Fail(what, PmmErrorText(error));
    }

    private static void Check(VmmError error, string what)
    {
        if (error != VmmError.None) Panic.Fail(what, "the page mapper reported an error");
    }

    private static string PmmErrorText(PmmError error) => error switch
    {
        PmmError.OutOfMemory => "out of physical memory",
        PmmError.InvalidArgument => "invalid argument",
        PmmError.Misaligned => "misaligned address",
        PmmError.NotManaged => "not managed memory",
        PmmError.AlreadyFree => "frame already free",
        PmmError.MetadataTooSmall => "metadata too small",
        _ => "frame allocator error",
    };
}
