using System;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Pmm.Tests;

/// <summary>A frame allocator over a simulated map, its metadata in host memory.</summary>
internal sealed unsafe class PmmHarness : IDisposable
{
    public const ulong KiB = 1024;
    public const ulong MiB = 1024 * KiB;
    public const ulong GiB = 1024 * MiB;
    public const ulong Frame = FrameAllocator.FrameSize;

    // A field, not a property: calls must mutate this instance, not a copy.
    public FrameAllocator Pmm;
    public readonly void* Metadata;
    public readonly ulong MetadataBytes;

    public PmmHarness(params MemoryRegion[] map)
    {
        MetadataBytes = FrameAllocator.RequiredMetadataBytes(FrameAllocator.HighestUsableAddress(map));
        Metadata = NativeMemory.AlignedAlloc((nuint)MetadataBytes, 64);
        Assert.Equal(PmmError.None, Pmm.Initialize(map, Metadata, MetadataBytes));
    }

    public static MemoryRegion Usable(ulong start, ulong length) => new(start, length, MemoryRegionKind.Usable);

    public static MemoryRegion Region(ulong start, ulong length, MemoryRegionKind kind) => new(start, length, kind);

    public void Dispose() => NativeMemory.AlignedFree(Metadata);
}

/// <summary>Seeds for randomized tests: AURORA_SEED replays a failure, otherwise a fresh one.</summary>
internal static class TestSeed
{
    public static int Get()
    {
        string? text = Environment.GetEnvironmentVariable("AURORA_SEED");
        return text != null ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
    }
}
