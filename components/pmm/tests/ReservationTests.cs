using Xunit;
using static Aurora.Pmm.Tests.PmmHarness;

namespace Aurora.Pmm.Tests;

public class ReservationTests
{
    [Fact]
    public void ReserveTakesFramesOutOfManagedMemoryForGood()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(4, 1, out ulong allocated));

        // Unaligned: widened outward to frames 2..6 relative to 1 MiB (two allocated, three free).
        Assert.Equal(PmmError.None, h.Pmm.Reserve(allocated + (2 * Frame) + 100, (4 * Frame) + 10));

        Assert.Equal(256UL - 5, h.Pmm.TotalFrames);
        Assert.Equal(256UL - 5 - 2, h.Pmm.FreeFrames);
        Assert.Equal(2UL, h.Pmm.UsedFrames);
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(allocated + (2 * Frame)));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(allocated + (6 * Frame)));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeContiguous(allocated, 4));
        Assert.Equal(PmmError.None, h.Pmm.FreeContiguous(allocated, 2));
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(3, 1, out ulong next));
        Assert.Equal(allocated + (7 * Frame), next);
        Assert.True(h.Pmm.Validate());
    }

    [Fact]
    public void ReserveOfUnmanagedOrEmptyRangesChangesNothing()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));

        Assert.Equal(PmmError.None, h.Pmm.Reserve(0, 0));
        Assert.Equal(PmmError.None, h.Pmm.Reserve(0, 1 * MiB));
        Assert.Equal(PmmError.None, h.Pmm.Reserve(1UL << 40, 1 * GiB));
        Assert.Equal(PmmError.InvalidArgument, h.Pmm.Reserve(ulong.MaxValue - 10, 100));
        Assert.Equal(256UL, h.Pmm.TotalFrames);
        Assert.Equal(256UL, h.Pmm.FreeFrames);
    }

    [Fact]
    public void ReserveReportsAFullReservationTableAndChangesNothing()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 64 * MiB));
        int i = 0;
        PmmError error;
        do
        {
            error = h.Pmm.Reserve((2 * MiB) + ((ulong)i * 2 * Frame), Frame);
            i++;
        }
        while (error == PmmError.None && i < 1000);
        ulong total = h.Pmm.TotalFrames;
        ulong free = h.Pmm.FreeFrames;

        Assert.Equal(PmmError.TooManyRanges, error);
        Assert.True(i <= FrameAllocator.ReservedRangeCapacity + 1);
        Assert.Equal(PmmError.TooManyRanges, h.Pmm.Reserve(32 * MiB, Frame));
        Assert.Equal(total, h.Pmm.TotalFrames);
        Assert.Equal(free, h.Pmm.FreeFrames);
        Assert.True(h.Pmm.IsFree(32 * MiB));
        // Reserving next to an existing reservation merges and needs no new slot.
        Assert.Equal(PmmError.None, h.Pmm.Reserve((2 * MiB) + Frame, Frame));
    }

    [Fact]
    public void ReclaimBootloaderMemoryFreesReclaimableRangesOnce()
    {
        MemoryRegion[] map =
        [
            Usable(1 * MiB, 1 * MiB),
            Region(2 * MiB, 2 * MiB, MemoryRegionKind.BootloaderReclaimable),
            Region(6 * MiB, 1 * MiB, MemoryRegionKind.BootloaderReclaimable),
        ];
        using var h = new PmmHarness(map);
        Assert.Equal(256UL, h.Pmm.TotalFrames);
        Assert.False(h.Pmm.IsManaged(2 * MiB));

        Assert.Equal(PmmError.None, h.Pmm.ReclaimBootloaderMemory(map));
        Assert.Equal(256UL * 4, h.Pmm.TotalFrames);
        Assert.Equal(256UL * 4, h.Pmm.FreeFrames);
        Assert.True(h.Pmm.IsFree(2 * MiB));
        Assert.True(h.Pmm.IsFree((7 * MiB) - Frame));

        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out _));
        Assert.Equal(PmmError.None, h.Pmm.ReclaimBootloaderMemory(map));
        Assert.Equal(256UL * 4, h.Pmm.TotalFrames);
        Assert.Equal((256UL * 4) - 1, h.Pmm.FreeFrames);
        Assert.True(h.Pmm.Validate());
    }

    [Fact]
    public void ReclaimKeepsOverlappingReservedEntriesLowMemoryAndExplicitReservationsOut()
    {
        MemoryRegion[] map =
        [
            Region(512 * KiB, 4 * MiB, MemoryRegionKind.BootloaderReclaimable),
            Region(2 * MiB, 4 * KiB, MemoryRegionKind.AcpiReclaimable),
            Usable(8 * MiB, 1 * MiB),
        ];
        using var h = new PmmHarness(map);
        Assert.Equal(PmmError.None, h.Pmm.Reserve(3 * MiB, 8 * KiB));

        Assert.Equal(PmmError.None, h.Pmm.ReclaimBootloaderMemory(map));

        Assert.False(h.Pmm.IsManaged((1 * MiB) - Frame));
        Assert.True(h.Pmm.IsManaged(1 * MiB));
        Assert.False(h.Pmm.IsManaged(2 * MiB));
        Assert.False(h.Pmm.IsManaged(3 * MiB));
        Assert.False(h.Pmm.IsManaged((3 * MiB) + Frame));
        Assert.True(h.Pmm.IsManaged((3 * MiB) + (2 * Frame)));
        Assert.False(h.Pmm.IsManaged((4 * MiB) + (512 * KiB)));
        Assert.Equal(256 + (((3 * MiB) + (512 * KiB)) / Frame) - 1 - 2, h.Pmm.TotalFrames);
        Assert.True(h.Pmm.Validate());
    }
}
