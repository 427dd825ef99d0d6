using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Aurora.Pmm.Benchmarks;

/// <summary>
/// Steady-state allocate-then-free with the lower half of memory in use (what a long-running
/// kernel that allocates lowest-first looks like), so every allocation has to get past the used
/// half. Simulated memory: only the allocators' metadata exists.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public unsafe class FrameAllocationBenchmarks
{
    private const ulong MiB = 1024 * 1024;
    private const ulong GiB = 1024 * MiB;

    private FrameAllocator _pmm;
    private FirstFitBitmap _peer;
    private void* _metadata;

    [Params(1, 16, 64)]
    public int MemoryGiB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ulong top = (ulong)MemoryGiB * GiB;
        MemoryRegion[] map = [new MemoryRegion(1 * MiB, top - (1 * MiB), MemoryRegionKind.Usable)];
        ulong bytes = FrameAllocator.RequiredMetadataBytes(top);
        _metadata = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        Check(_pmm.Initialize(map, _metadata, bytes));
        ulong half = _pmm.TotalFrames / 2;
        Check(_pmm.AllocateContiguous(half, 1, out _));

        _peer.Initialize(top / FrameAllocator.FrameSize);
        _peer.MarkUsed(256, half);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_metadata);
        _peer.Dispose();
    }

    private static void Check(PmmError error)
    {
        if (error != PmmError.None)
        {
            throw new InvalidOperationException(error.ToString());
        }
    }

    [Benchmark(Baseline = true, Description = "first-fit bitmap")]
    [BenchmarkCategory("frame")]
    public ulong FirstFitFrame()
    {
        ulong a = _peer.AllocateFrame();
        _peer.FreeFrame(a);
        return a;
    }

    [Benchmark(Description = "Aurora.Pmm")]
    [BenchmarkCategory("frame")]
    public ulong AuroraFrame()
    {
        _pmm.AllocateFrame(out ulong a);
        _pmm.FreeFrame(a);
        return a;
    }

    [Benchmark(Baseline = true, Description = "first-fit bitmap")]
    [BenchmarkCategory("2 MiB run")]
    public ulong FirstFitHugeRun()
    {
        ulong a = _peer.AllocateContiguous(512, 512);
        _peer.FreeContiguous(a, 512);
        return a;
    }

    [Benchmark(Description = "Aurora.Pmm")]
    [BenchmarkCategory("2 MiB run")]
    public ulong AuroraHugeRun()
    {
        _pmm.AllocateContiguous(512, 512, out ulong a);
        _pmm.FreeContiguous(a, 512);
        return a;
    }
}
