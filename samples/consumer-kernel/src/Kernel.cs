using System;
using System.Runtime.InteropServices;
using Aurora.Heap;
using Aurora.Pmm;
using Internal.Runtime;

namespace ConsumerKernel;

/// <summary>
/// The consumer kernel: starts the runtime, hands the boot memory map to Aurora.Pmm, puts
/// Aurora.Heap on top of it, exercises both, reports on COM1 and ends QEMU with the result.
/// </summary>
internal static unsafe class Kernel
{
    private const byte ExitPass = 0x10;          // QEMU exit status 33
    private const byte ExitFail = 0x11;          // QEMU exit status 35
    private const int MaxRegions = 128;

    private static FrameAllocator s_frames;
    private static KernelHeap<FramePages> s_heap;

    internal static ref FrameAllocator Frames => ref s_frames;

    [UnmanagedCallersOnly(EntryPoint = "consumer_main")]
    private static void Main(uint magic, ulong information)
    {
        // Aurora.Runtime needs memory for objects and a way to stop before any C# allocates
        // or touches a static of reference type; then the module's statics are set up.
        RuntimeHost.Allocate = &BootArena.Allocate;
        RuntimeHost.FailFast = &Fail;
        Serial.Initialize();
        void** modulesStart, modulesEnd;
        ulong kernelStart, kernelEnd;
        Machine.ImageBounds(&modulesStart, &modulesEnd, &kernelStart, &kernelEnd);
        ModuleInitializer.InitializeModules(modulesStart, modulesEnd);

        Serial.WriteLine("consumer kernel: C# running on Aurora.Runtime");
        if (magic != Multiboot2.BootloaderMagic) Fail("not started by a Multiboot2 boot loader", null);

        StartFrameAllocator(information, kernelStart, kernelEnd);
        ExerciseFrames();
        ExerciseHeap();

        Serial.WriteLine("consumer kernel: all checks passed");
        Machine.ExitQemu(ExitPass);
    }

    private static void StartFrameAllocator(ulong information, ulong kernelStart, ulong kernelEnd)
    {
        MemoryRegion* map = stackalloc MemoryRegion[MaxRegions];
        int count = Multiboot2.ReadMemoryMap(information, map, MaxRegions - 2);
        // GRUB reports the memory holding this kernel and the boot information as available;
        // they are in use (the allocator lets any other kind win over Usable where they overlap).
        map[count++] = new MemoryRegion(kernelStart, kernelEnd - kernelStart, MemoryRegionKind.KernelAndModules);
        map[count++] = new MemoryRegion(information, Multiboot2.TotalSize(information), MemoryRegionKind.BootloaderReclaimable);
        var regions = new ReadOnlySpan<MemoryRegion>(map, count);

        ulong metadataBytes = FrameAllocator.RequiredMetadataBytes(FrameAllocator.HighestUsableAddress(regions));
        Check(FrameAllocator.FindMetadataPlacement(regions, metadataBytes, out ulong metadata), "placing the frame allocator's metadata");
        Check(s_frames.Initialize(regions, (void*)metadata, metadataBytes, metadata), "building the frame allocator");

        Serial.Write("pmm: ");
        Serial.Write((ulong)(count - 2));
        Serial.Write(" memory map entries, ");
        Serial.Write(s_frames.TotalBytes / (1024 * 1024));
        Serial.Write(" MiB managed, ");
        Serial.Write(s_frames.FreeFrames);
        Serial.Write(" frames free, metadata at ");
        Serial.WriteHex(metadata);
        Serial.WriteLine("");
    }

    private static void ExerciseFrames()
    {
        ulong freeBefore = s_frames.FreeFrames;
        ulong* frames = stackalloc ulong[8];
        for (int i = 0; i < 8; i++)
        {
            Check(s_frames.AllocateFrame(out frames[i]), "allocating a frame");
            // The frame is real memory: fill it and read it back.
            ulong* words = (ulong*)frames[i];
            for (int w = 0; w < 512; w++) words[w] = frames[i] ^ (ulong)w;
            for (int w = 0; w < 512; w++)
                if (words[w] != (frames[i] ^ (ulong)w)) Fail("a frame did not keep what was written to it", null);
        }
        Check(s_frames.AllocateContiguous(512, 512, out ulong huge), "allocating a 2 MiB-aligned run of 512 frames");
        if ((huge & 0x1FFFFF) != 0) Fail("the 2 MiB run is not 2 MiB aligned", null);

        Serial.Write("pmm: allocated 8 frames from ");
        Serial.WriteHex(frames[0]);
        Serial.Write(" and 2 MiB at ");
        Serial.WriteHex(huge);
        Serial.WriteLine("");

        if (s_frames.FreeFrame(frames[3]) != PmmError.None) Fail("freeing a frame", null);
        if (s_frames.FreeFrame(frames[3]) != PmmError.AlreadyFree) Fail("a double free was not reported", null);
        for (int i = 0; i < 8; i++)
            if (i != 3) Check(s_frames.FreeFrame(frames[i]), "freeing a frame");
        Check(s_frames.FreeContiguous(huge, 512), "freeing the 2 MiB run");
        if (s_frames.FreeFrames != freeBefore) Fail("frames went missing between allocation and free", null);
        Serial.WriteLine("pmm: freed them all; a double free was reported as AlreadyFree");
    }

    private static void ExerciseHeap()
    {
        s_heap = new KernelHeap<FramePages>(default, debug: true);
        byte* small = (byte*)s_heap.Allocate(48);
        byte* large = (byte*)s_heap.Allocate(20000);
        if (small == null || large == null) Fail("the heap returned null", null);
        for (int i = 0; i < 48; i++) small[i] = (byte)i;
        for (int i = 0; i < 20000; i++) large[i] = (byte)(i * 7);
        for (int i = 0; i < 20000; i++)
            if (large[i] != (byte)(i * 7)) Fail("a heap block did not keep what was written to it", null);

        HeapStatistics stats = s_heap.Statistics;
        Serial.Write("heap: 2 blocks live, ");
        Serial.Write(stats.BytesInUse);
        Serial.Write(" bytes in use, ");
        Serial.Write(stats.BytesFromPageSource / 4096);
        Serial.WriteLine(" pages taken from the pmm");

        if (s_heap.Free(small).IsError || s_heap.Free(large).IsError) Fail("freeing a heap block", null);
        HeapFault doubleFree = s_heap.Free(small);
        if (!doubleFree.IsError) Fail("a double free on the heap was not reported", null);
        Serial.Write("heap: freed both; a double free was reported: ");
        Serial.WriteLine(doubleFree.Description);
        if (!s_heap.Validate()) Fail("the heap's own consistency check failed", null);
    }

    private static void Check(PmmError error, string what)
    {
        if (error != PmmError.None) Fail(what, "the frame allocator returned an error");
    }

    internal static void Fail(string reason, string? detail)
    {
        Serial.Write("consumer kernel: FAILED: ");
        Serial.WriteLine(reason);
        if (detail != null) Serial.WriteLine(detail);
        Machine.ExitQemu(ExitFail);
    }
}

/// <summary>Memory for the few objects the runtime creates (static holders, exceptions on their
/// way to <see cref="Kernel.Fail"/>): a bump allocator over .bss that never frees.</summary>
internal static unsafe class BootArena
{
    private const int Size = 64 * 1024;

    private struct Arena
    {
        public fixed byte Bytes[Size];
    }

    private static Arena s_arena;
    private static nuint s_used;

    internal static void* Allocate(nuint size)
    {
        nuint aligned = (size + 15) & ~(nuint)15;
        if (aligned > Size - s_used) return null;
        fixed (Arena* arena = &s_arena)
        {
            byte* result = arena->Bytes + s_used;
            s_used += aligned;
            return result;                       // .bss is zeroed and never reused
        }
    }
}
