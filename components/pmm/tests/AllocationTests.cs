using Xunit;
using static Aurora.Pmm.Tests.PmmHarness;

namespace Aurora.Pmm.Tests;

public class AllocationTests
{
    [Fact]
    public void AllocateFrameReturnsTheLowestFreeFrame()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB), Usable(4 * MiB, 1 * MiB));

        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong a));
        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong b));
        Assert.Equal(1 * MiB, a);
        Assert.Equal((1 * MiB) + Frame, b);
        Assert.Equal(PmmError.None, h.Pmm.FreeFrame(a));
        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong c));
        Assert.Equal(a, c);
    }

    [Fact]
    public void AllocateFrameReportsOutOfMemoryWhenEveryFrameIsUsed()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 64 * Frame), Usable(3 * MiB, 3 * Frame));

        for (int i = 0; i < 67; i++)
        {
            Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong address));
            Assert.Equal(0UL, address % Frame);
        }

        Assert.Equal(PmmError.OutOfMemory, h.Pmm.AllocateFrame(out _));
        Assert.Equal(0UL, h.Pmm.FreeFrames);
        Assert.Equal(67UL, h.Pmm.UsedFrames);
        Assert.True(h.Pmm.Validate());
    }

    [Fact]
    public void CountsAreReportedInFramesAndBytes()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));

        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(10, 1, out _));
        Assert.Equal(256UL, h.Pmm.TotalFrames);
        Assert.Equal(246UL, h.Pmm.FreeFrames);
        Assert.Equal(10UL, h.Pmm.UsedFrames);
        Assert.Equal(1 * MiB, h.Pmm.TotalBytes);
        Assert.Equal(246 * Frame, h.Pmm.FreeBytes);
        Assert.Equal(10 * Frame, h.Pmm.UsedBytes);
    }

    [Fact]
    public void FreeingAFreeFrameReportsAlreadyFreeAndChangesNothing()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));
        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong a));
        Assert.Equal(PmmError.None, h.Pmm.FreeFrame(a));
        ulong free = h.Pmm.FreeFrames;

        Assert.Equal(PmmError.AlreadyFree, h.Pmm.FreeFrame(a));
        Assert.Equal(PmmError.AlreadyFree, h.Pmm.FreeFrame(a + Frame));
        Assert.Equal(free, h.Pmm.FreeFrames);
        Assert.True(h.Pmm.Validate());
    }

    [Fact]
    public void FreeingOutsideManagedMemoryReportsNotManaged()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB), Region(2 * MiB, 1 * MiB, MemoryRegionKind.AcpiNvs), Usable(3 * MiB, 1 * MiB));
        ulong free = h.Pmm.FreeFrames;

        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(0));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(2 * MiB));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(4 * MiB));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(1UL << 51));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeFrame(ulong.MaxValue & ~(Frame - 1)));
        Assert.Equal(free, h.Pmm.FreeFrames);
    }

    [Fact]
    public void FreeingAMisalignedAddressReportsMisaligned()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));
        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong a));

        Assert.Equal(PmmError.Misaligned, h.Pmm.FreeFrame(a + 8));
        Assert.Equal(PmmError.Misaligned, h.Pmm.FreeContiguous(a + 2048, 1));
        Assert.False(h.Pmm.IsFree(a));
        Assert.Equal(1UL, h.Pmm.UsedFrames);
    }

    [Fact]
    public void FreeContiguousChecksTheWholeRunBeforeFreeingAnything()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(8, 1, out ulong run));
        Assert.Equal(PmmError.None, h.Pmm.FreeFrame(run + (5 * Frame)));

        Assert.Equal(PmmError.AlreadyFree, h.Pmm.FreeContiguous(run, 8));
        for (ulong i = 0; i < 8; i++)
        {
            Assert.Equal(i == 5, h.Pmm.IsFree(run + (i * Frame)));
        }

        Assert.Equal(7UL, h.Pmm.UsedFrames);
        Assert.Equal(PmmError.None, h.Pmm.FreeContiguous(run, 5));
        Assert.Equal(PmmError.None, h.Pmm.FreeContiguous(run + (6 * Frame), 2));
        Assert.Equal(0UL, h.Pmm.UsedFrames);
    }

    [Fact]
    public void FreeContiguousOverAReservedHoleReportsNotManaged()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB), Region(2 * MiB, Frame, MemoryRegionKind.BadMemory), Usable((2 * MiB) + Frame, 1 * MiB));
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(256, 1, out ulong low));
        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong high));
        Assert.Equal((2 * MiB) + Frame, high);

        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeContiguous(low, 258));
        Assert.Equal(PmmError.NotManaged, h.Pmm.FreeContiguous(ulong.MaxValue & ~(Frame - 1), 2));
        Assert.Equal(PmmError.InvalidArgument, h.Pmm.FreeContiguous(low, 0));
        Assert.Equal(257UL, h.Pmm.UsedFrames);
    }

    [Fact]
    public void AllocateContiguousHonoursAlignmentInFrames()
    {
        using var h = new PmmHarness(Usable((1 * MiB) + Frame, 64 * MiB));

        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(512, 512, out ulong huge));
        Assert.Equal(0UL, huge % (2 * MiB));
        Assert.Equal(2 * MiB, huge);
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(3, 4, out ulong small));
        Assert.Equal(0UL, small % (4 * Frame));
        Assert.Equal((1 * MiB) + (4 * Frame), small);
        Assert.True(h.Pmm.Validate());
    }

    [Fact]
    public void AllocateContiguousSkipsHolesTooSmallForTheRun()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(256, 1, out ulong all));
        // Free holes of 3, 5 and 9 frames separated by used frames.
        Assert.Equal(PmmError.None, h.Pmm.FreeContiguous(all + (10 * Frame), 3));
        Assert.Equal(PmmError.None, h.Pmm.FreeContiguous(all + (20 * Frame), 5));
        Assert.Equal(PmmError.None, h.Pmm.FreeContiguous(all + (100 * Frame), 9));

        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(5, 1, out ulong five));
        Assert.Equal(all + (20 * Frame), five);
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(8, 1, out ulong eight));
        Assert.Equal(all + (100 * Frame), eight);
        Assert.Equal(PmmError.OutOfMemory, h.Pmm.AllocateContiguous(4, 1, out _));
        Assert.Equal(PmmError.OutOfMemory, h.Pmm.AllocateContiguous(2, 4, out _));
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(2, 2, out ulong two));
        Assert.Equal(all + (10 * Frame), two);
        Assert.Equal(2UL, h.Pmm.FreeFrames);
    }

    [Fact]
    public void AllocateContiguousRejectsZeroCountAndNonPowerOfTwoAlignment()
    {
        using var h = new PmmHarness(Usable(1 * MiB, 1 * MiB));

        Assert.Equal(PmmError.InvalidArgument, h.Pmm.AllocateContiguous(0, 1, out _));
        Assert.Equal(PmmError.InvalidArgument, h.Pmm.AllocateContiguous(1, 0, out _));
        Assert.Equal(PmmError.InvalidArgument, h.Pmm.AllocateContiguous(1, 3, out _));
        Assert.Equal(PmmError.OutOfMemory, h.Pmm.AllocateContiguous(257, 1, out _));
        Assert.Equal(PmmError.OutOfMemory, h.Pmm.AllocateContiguous(1, 1UL << 40, out _));
        Assert.Equal(0UL, h.Pmm.UsedFrames);
    }

    [Fact]
    public void AllocationFindsTheLastFreeFrameOfSixtyFourGibibytes()
    {
        using var h = new PmmHarness(Usable(1 * MiB, (64 * GiB) - (1 * MiB)));
        ulong last = (64 * GiB) - Frame;
        Assert.Equal(PmmError.None, h.Pmm.AllocateContiguous(h.Pmm.FreeFrames, 1, out ulong all));
        Assert.Equal(PmmError.None, h.Pmm.FreeFrame(last));
        Assert.Equal(PmmError.None, h.Pmm.FreeFrame(all + (5 * GiB)));

        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong first));
        Assert.Equal(all + (5 * GiB), first);
        Assert.Equal(PmmError.None, h.Pmm.AllocateFrame(out ulong second));
        Assert.Equal(last, second);
        Assert.Equal(PmmError.OutOfMemory, h.Pmm.AllocateFrame(out _));
        Assert.Equal(PmmError.None, h.Pmm.FreeContiguous(all, h.Pmm.UsedFrames));
        Assert.True(h.Pmm.Validate());
    }
}
