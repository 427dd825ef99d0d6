using System;
using System.Runtime.InteropServices;
using Xunit;
using static Aurora.Pmm.Tests.PmmHarness;

namespace Aurora.Pmm.Tests;

public unsafe class MemoryMapTests
{
    [Fact]
    public void OnlyUsableMemoryAboveOneMebibyteStartsFree()
    {
        using var h = new PmmHarness(
            Usable(0, 640 * KiB),
            Region(640 * KiB, 384 * KiB, MemoryRegionKind.Reserved),
            Usable(1 * MiB, 15 * MiB),
            Region(16 * MiB, 1 * MiB, MemoryRegionKind.AcpiReclaimable),
            Region(17 * MiB, 15 * MiB, MemoryRegionKind.BootloaderReclaimable),
            Usable(32 * MiB, 32 * MiB));

        Assert.Equal((15 + 32) * MiB / Frame, h.Pmm.TotalFrames);
        Assert.Equal(h.Pmm.TotalFrames, h.Pmm.FreeFrames);
        Assert.False(h.Pmm.IsFree(0));
        Assert.False(h.Pmm.IsFree(512 * KiB));
        Assert.True(h.Pmm.IsFree(1 * MiB));
        Assert.False(h.Pmm.IsFree(16 * MiB));
        Assert.False(h.Pmm.IsFree(20 * MiB));
        Assert.True(h.Pmm.IsFree(64 * MiB - Frame));
        Assert.True(h.Pmm.Validate());
    }

    [Theory]
    [InlineData(MemoryRegionKind.Reserved)]
    [InlineData(MemoryRegionKind.AcpiReclaimable)]
    [InlineData(MemoryRegionKind.AcpiNvs)]
    [InlineData(MemoryRegionKind.BadMemory)]
    [InlineData(MemoryRegionKind.BootloaderReclaimable)]
    [InlineData(MemoryRegionKind.KernelAndModules)]
    [InlineData(MemoryRegionKind.Framebuffer)]
    public void EveryNonUsableKindStartsReserved(MemoryRegionKind kind)
    {
        using var h = new PmmHarness(Usable(1 * MiB, 4 * MiB), Region(5 * MiB, 4 * MiB, kind), Usable(9 * MiB, 1 * MiB));

        Assert.Equal(5 * MiB / Frame, h.Pmm.TotalFrames);
        for (ulong a = 5 * MiB; a < 9 * MiB; a += Frame)
        {
            Assert.False(h.Pmm.IsFree(a));
            Assert.False(h.Pmm.IsManaged(a));
        }
    }

    [Fact]
    public void LimineKindNumberingIsKept()
    {
        Assert.Equal(0UL, (ulong)MemoryRegionKind.Usable);
        Assert.Equal(1UL, (ulong)MemoryRegionKind.Reserved);
        Assert.Equal(2UL, (ulong)MemoryRegionKind.AcpiReclaimable);
        Assert.Equal(3UL, (ulong)MemoryRegionKind.AcpiNvs);
        Assert.Equal(4UL, (ulong)MemoryRegionKind.BadMemory);
        Assert.Equal(5UL, (ulong)MemoryRegionKind.BootloaderReclaimable);
        Assert.Equal(6UL, (ulong)MemoryRegionKind.KernelAndModules);
        Assert.Equal(7UL, (ulong)MemoryRegionKind.Framebuffer);
        Assert.Equal(24, sizeof(MemoryRegion));
    }

    [Fact]
    public void FirstMebibyteIsNeverHandedOut()
    {
        using var h = new PmmHarness(Usable(0, 8 * MiB));

        Assert.Equal(7 * MiB / Frame, h.Pmm.TotalFrames);
        while (h.Pmm.AllocateFrame(out ulong address) == PmmError.None)
        {
            Assert.True(address >= 1 * MiB);
        }

        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(0));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(1 * MiB - Frame));
    }

    [Fact]
    public void UnalignedUsableRegionsShrinkInwardToWholeFrames()
    {
        using var h = new PmmHarness(Usable((2 * MiB) + 100, (1 * MiB) - 200), Usable(8 * MiB, (1 * MiB) + 4000));

        Assert.False(h.Pmm.IsManaged(2 * MiB));
        Assert.True(h.Pmm.IsManaged((2 * MiB) + Frame));
        Assert.True(h.Pmm.IsManaged((3 * MiB) - (2 * Frame)));
        Assert.False(h.Pmm.IsManaged((3 * MiB) - Frame));
        Assert.True(h.Pmm.IsManaged((9 * MiB) - Frame));
        Assert.False(h.Pmm.IsManaged(9 * MiB));
        Assert.Equal((((1 * MiB) / Frame) - 2) + (1 * MiB / Frame), h.Pmm.TotalFrames);
    }

    [Fact]
    public void ReservedEntryWinsWhereItOverlapsUsableMemoryAndReservesWholeFrames()
    {
        using var h = new PmmHarness(
            Usable(1 * MiB, 15 * MiB),
            Region((4 * MiB) + 10, 10, MemoryRegionKind.Reserved),
            Region(8 * MiB, 2 * MiB, MemoryRegionKind.AcpiNvs),
            Region((15 * MiB) - Frame + 1, 2 * MiB, MemoryRegionKind.Framebuffer));

        Assert.False(h.Pmm.IsManaged(4 * MiB));
        Assert.True(h.Pmm.IsManaged((4 * MiB) - Frame));
        Assert.True(h.Pmm.IsManaged((4 * MiB) + Frame));
        Assert.False(h.Pmm.IsManaged(8 * MiB));
        Assert.False(h.Pmm.IsManaged((10 * MiB) - Frame));
        Assert.True(h.Pmm.IsManaged(10 * MiB));
        Assert.False(h.Pmm.IsManaged((15 * MiB) - Frame));
        Assert.True(h.Pmm.IsManaged((15 * MiB) - (2 * Frame)));
        // The framebuffer entry starts one byte into the frame below 15 MiB: that frame goes too.
        Assert.Equal((15 * MiB / Frame) - 1 - (2 * MiB / Frame) - ((1 * MiB / Frame) + 1), h.Pmm.TotalFrames);
        Assert.True(h.Pmm.Validate());
    }

    [Fact]
    public void BitmapSpansOnlyUpToTheHighestUsableAddress()
    {
        MemoryRegion[] map = [Usable(1 * MiB, 63 * MiB), Region(0xFD_0000_0000, 3 * GiB, MemoryRegionKind.Reserved)];

        Assert.Equal(64 * MiB, FrameAllocator.HighestUsableAddress(map));
        using var h = new PmmHarness(map);
        Assert.Equal(64 * MiB / Frame, h.Pmm.FrameSpan);
    }

    [Fact]
    public void RequiredMetadataIsOneBitPerFramePlusSmallSummaryAndTables()
    {
        ulong bytes = FrameAllocator.RequiredMetadataBytes(64 * GiB);
        ulong bitmap = 64 * GiB / Frame / 8;

        Assert.True(bytes >= bitmap);
        Assert.True(bytes <= bitmap + (bitmap / 60) + (8 * KiB), $"{bytes} bytes for a {bitmap}-byte bitmap");
    }

    [Fact]
    public void InitializeRejectsTooSmallMetadata()
    {
        MemoryRegion[] map = [Usable(1 * MiB, 63 * MiB)];
        ulong bytes = FrameAllocator.RequiredMetadataBytes(FrameAllocator.HighestUsableAddress(map));
        void* metadata = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            FrameAllocator pmm = default;
            Assert.Equal(PmmError.MetadataTooSmall, pmm.Initialize(map, metadata, bytes - 1));
            Assert.False(pmm.IsInitialized);
            Assert.Equal(PmmError.NotInitialized, pmm.AllocateFrame(out _));
            Assert.Equal(PmmError.InvalidArgument, pmm.Initialize(map, (byte*)metadata + 1, bytes));
            Assert.Equal(PmmError.OutOfMemory, pmm.Initialize([Region(1 * MiB, 1 * MiB, MemoryRegionKind.Reserved)], metadata, bytes));
        }
        finally
        {
            NativeMemory.AlignedFree(metadata);
        }
    }

    [Fact]
    public void MetadataPlacementAvoidsLowMemoryAndReservedOverlapsAndIsMarkedUsed()
    {
        MemoryRegion[] map =
        [
            Usable(0, 640 * KiB),
            Usable(1 * MiB, 512 * KiB),
            Region((1 * MiB) + (100 * KiB), 4 * KiB, MemoryRegionKind.Reserved),
            Usable(4 * GiB, 12 * GiB),
        ];
        ulong bytes = FrameAllocator.RequiredMetadataBytes(FrameAllocator.HighestUsableAddress(map));
        Assert.True(bytes > 512 * KiB);

        Assert.Equal(PmmError.None, FrameAllocator.FindMetadataPlacement(map, bytes, out ulong placement));
        Assert.Equal(4 * GiB, placement);

        // The kernel would map `placement` (e.g. via the HHDM); here host memory stands in for it.
        void* metadata = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            FrameAllocator pmm = default;
            Assert.Equal(PmmError.None, pmm.Initialize(map, metadata, bytes, placement));
            ulong metadataFrames = (bytes + Frame - 1) / Frame;
            Assert.Equal((512 * KiB / Frame) - 1 + (12 * GiB / Frame) - metadataFrames, pmm.TotalFrames);
            for (ulong a = placement; a < placement + (metadataFrames * Frame); a += Frame)
            {
                Assert.False(pmm.IsFree(a));
            }

            Assert.Equal(PmmError.NotManaged, pmm.FreeFrame(placement));
            Assert.True(pmm.IsFree(placement + (metadataFrames * Frame)));
            Assert.True(pmm.Validate());
        }
        finally
        {
            NativeMemory.AlignedFree(metadata);
        }
    }

    [Fact]
    public void MetadataPlacementTakesTheLowestFitAboveOneMebibyte()
    {
        MemoryRegion[] map = [Usable(0, 1 * MiB), Usable(2 * MiB, 2 * MiB), Region(2 * MiB, 8 * KiB, MemoryRegionKind.KernelAndModules)];

        Assert.Equal(PmmError.None, FrameAllocator.FindMetadataPlacement(map, 100, out ulong placement));
        Assert.Equal((2 * MiB) + (8 * KiB), placement);
    }

    [Fact]
    public void MetadataPlacementFailsWhenNoUsableRegionIsLargeEnough()
    {
        MemoryRegion[] map = [Usable(0, 1 * MiB), Usable(1 * MiB, 64 * KiB), Usable(16 * GiB, 64 * KiB)];

        Assert.Equal(PmmError.OutOfMemory, FrameAllocator.FindMetadataPlacement(map, FrameAllocator.RequiredMetadataBytes(16 * GiB), out _));
        Assert.Equal(PmmError.InvalidArgument, FrameAllocator.FindMetadataPlacement(map, 0, out _));
    }

    [Fact]
    public void MapTooFragmentedForTheRangeTableIsReported()
    {
        var map = new MemoryRegion[FrameAllocator.ManagedRangeCapacity + 1];
        for (int i = 0; i < map.Length; i++)
        {
            map[i] = Usable((2 * MiB) + ((ulong)i * 2 * Frame), Frame);
        }

        ulong bytes = FrameAllocator.RequiredMetadataBytes(FrameAllocator.HighestUsableAddress(map));
        void* metadata = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            FrameAllocator pmm = default;
            Assert.Equal(PmmError.TooManyRanges, pmm.Initialize(map, metadata, bytes));
            Assert.Equal(PmmError.None, pmm.Initialize(map.AsSpan(0, FrameAllocator.ManagedRangeCapacity), metadata, bytes));
        }
        finally
        {
            NativeMemory.AlignedFree(metadata);
        }
    }
}
