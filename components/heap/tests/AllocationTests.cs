using System;
using Xunit;

namespace Aurora.Heap.Tests;

public unsafe class AllocationTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(16, 0)]
    [InlineData(17, 1)]
    [InlineData(32, 1)]
    [InlineData(33, 2)]
    [InlineData(64, 2)]
    [InlineData(65, 3)]
    [InlineData(128, 3)]
    [InlineData(129, 4)]
    [InlineData(256, 4)]
    public void SmallRequestsAreServedByTheSlabClassOfTheirSize(int size, int expectedClass)
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);

        void* p = heap.Allocate((nuint)size);

        Assert.True(p != null);
        for (int c = 0; c < HeapGeometry.SlabClassCount; c++)
        {
            Assert.Equal(c == expectedClass ? 1UL : 0UL, heap.GetSlabClassStatistics(c).LiveObjects);
        }

        Assert.Equal((nuint)(16 << expectedClass), heap.UsableSize(p));
        Assert.Equal(0UL, heap.Statistics.Arenas);
        Assert.Equal(HeapError.None, heap.Free(p).Error);
    }

    [Fact]
    public void SlabPagesHoldAsManyObjectsAsFitAfterTheHeader()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        uint[] expected = [252, 126, 63, 31, 15];

        for (int c = 0; c < HeapGeometry.SlabClassCount; c++)
        {
            Assert.Equal(expected[c], heap.GetSlabClassStatistics(c).ObjectsPerPage);
            Assert.Equal((uint)(16 << c), heap.GetSlabClassStatistics(c).ObjectSize);
        }
    }

    [Fact]
    public void LargerRequestsAreServedByTheBlockAllocator()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);

        void* p = heap.Allocate(257);

        Assert.Equal(1UL, heap.Statistics.Arenas);
        Assert.True(heap.UsableSize(p) >= 257);
        for (int c = 0; c < HeapGeometry.SlabClassCount; c++)
        {
            Assert.Equal(0UL, heap.GetSlabClassStatistics(c).LiveObjects);
        }
    }

    [Fact]
    public void EveryBlockIsSixteenByteAlignedByDefault()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);

        for (nuint size = 1; size < 5000; size += 7)
        {
            void* p = heap.Allocate(size);
            Assert.Equal((nuint)0, (nuint)p % 16);
            Assert.True(heap.UsableSize(p) >= size);
        }

        Assert.True(heap.Validate());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(256)]
    [InlineData(300)]
    [InlineData(5000)]
    [InlineData(70000)]
    public void PowerOfTwoAlignmentsUpToAndBeyondAPageAreHonoured(int size)
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        var blocks = new System.Collections.Generic.List<nint>();

        for (nuint alignment = 1; alignment <= 65536; alignment <<= 1)
        {
            for (int i = 0; i < 3; i++)
            {
                byte* p = (byte*)heap.Allocate((nuint)size, alignment);
                Assert.True(p != null);
                Assert.Equal((nuint)0, (nuint)p % alignment);
                Assert.True(heap.UsableSize(p) >= (nuint)size);
                new Span<byte>(p, size).Fill(0x5A);
                blocks.Add((nint)p);
            }
        }

        Assert.True(heap.Validate());
        foreach (nint p in blocks)
        {
            Assert.Equal(HeapError.None, heap.Free((void*)p).Error);
        }

        Assert.True(heap.Validate());
        Assert.Equal(0UL, heap.Statistics.BytesInUse);
    }

    [Fact]
    public void BadAlignmentsAndImpossibleSizesReturnNull()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);

        Assert.True(heap.Allocate(16, 0) == null);
        Assert.True(heap.Allocate(16, 3) == null);
        Assert.True(heap.Allocate(16, 48) == null);
        Assert.True(heap.Allocate(nuint.MaxValue) == null);
        Assert.True(heap.Allocate((nuint)1 << 41) == null);
        Assert.True(heap.Allocate(16, (nuint)1 << 62) == null);
        Assert.Equal(6UL, heap.Statistics.FailedAllocations);
        Assert.Equal(0UL, heap.Statistics.Allocations);
    }

    [Fact]
    public void AllocateReturnsNullWhenThePageSourceIsExhaustedAndRecovers()
    {
        using var ledger = new PageLedger(limitPages: 64);
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        var small = new System.Collections.Generic.List<nint>();
        var large = new System.Collections.Generic.List<nint>();

        void* p;
        while ((p = heap.Allocate(64)) != null)
        {
            small.Add((nint)p);
        }

        Assert.Equal(1UL, heap.Statistics.FailedAllocations);
        Assert.True(heap.Allocate(1000) == null);
        Assert.True(ledger.PagesOutstanding <= 64);
        Assert.True(heap.Validate());

        foreach (nint q in small)
        {
            Assert.Equal(HeapError.None, heap.Free((void*)q).Error);
        }

        while ((p = heap.Allocate(3000)) != null)
        {
            large.Add((nint)p);
        }

        Assert.NotEmpty(large);
        foreach (nint q in large)
        {
            Assert.Equal(HeapError.None, heap.Free((void*)q).Error);
        }

        Assert.True(heap.Validate());
        Assert.Equal(0UL, heap.Statistics.BytesInUse);
    }

    [Fact]
    public void AllocateZeroedReturnsZeroedMemoryEvenInDebugMode()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);
        byte* dirty = (byte*)heap.Allocate(200);
        new Span<byte>(dirty, 200).Fill(0xFF);
        heap.Free(dirty);
        byte* dirtyLarge = (byte*)heap.Allocate(3000);
        new Span<byte>(dirtyLarge, 3000).Fill(0xFF);
        heap.Free(dirtyLarge);

        byte* p = (byte*)heap.AllocateZeroed(200);
        byte* q = (byte*)heap.AllocateZeroed(3000);
        byte* r = (byte*)heap.AllocateZeroed(100, 4096);

        Assert.True(new ReadOnlySpan<byte>(p, 200).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(new ReadOnlySpan<byte>(q, 3000).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(new ReadOnlySpan<byte>(r, 100).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal((nuint)0, (nuint)r % 4096);
    }

    [Fact]
    public void EmptySlabPagesGoBackToThePageSourceExceptOnePerClass()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        var blocks = new nint[63 * 3];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Allocate(64);
        }

        Assert.Equal(3UL, heap.GetSlabClassStatistics(2).Pages);
        ulong held = heap.Statistics.BytesFromPageSource;

        foreach (nint p in blocks)
        {
            Assert.Equal(HeapError.None, heap.Free((void*)p).Error);
        }

        SlabClassStatistics s = heap.GetSlabClassStatistics(2);
        Assert.Equal(1UL, s.Pages);
        Assert.Equal(1UL, s.EmptyPages);
        Assert.Equal(held - (2 * HeapGeometry.PageSize), heap.Statistics.BytesFromPageSource);
        Assert.Equal(heap.Statistics.BytesFromPageSource, ledger.PagesOutstanding * HeapGeometry.PageSize);

        // The kept page absorbs churn: no page source traffic for alloc/free pairs.
        for (int i = 0; i < 1000; i++)
        {
            heap.Free(heap.Allocate(64));
        }

        Assert.Equal(1UL, heap.GetSlabClassStatistics(2).Pages);
        Assert.True(heap.Validate());
    }

    [Fact]
    public void AdjacentFreeLargeBlocksCoalesce()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        byte* a = (byte*)heap.Allocate(1000);
        byte* b = (byte*)heap.Allocate(1000);
        byte* c = (byte*)heap.Allocate(1000);
        byte* fence = (byte*)heap.Allocate(1000);
        Assert.True(a < b && b < c && c < fence);

        heap.Free(a);
        heap.Free(c);
        heap.Free(b);
        byte* merged = (byte*)heap.Allocate(3000);

        Assert.True(merged == a);
        Assert.Equal(1UL, heap.Statistics.Arenas);
        Assert.True(heap.Validate());
    }

    [Fact]
    public void EmptyArenasGoBackToThePageSourceExceptOneStandardArena()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);

        void* huge = heap.Allocate(1 << 20);
        Assert.Equal(1UL, heap.Statistics.Arenas);
        heap.Free(huge);
        Assert.Equal(0UL, heap.Statistics.Arenas);

        void* page = heap.Allocate(4096);
        heap.Free(page);
        Assert.Equal(1UL, heap.Statistics.Arenas);
        ulong pages = ledger.PagesOutstanding;
        for (int i = 0; i < 1000; i++)
        {
            heap.Free(heap.Allocate(4096));
        }

        Assert.Equal(pages, ledger.PagesOutstanding);
        Assert.True(heap.Validate());
    }

    [Fact]
    public void StatisticsCountBytesAllocationsFreesAndPerClassTraffic()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);

        void* a = heap.Allocate(10);
        void* b = heap.Allocate(100);
        void* c = heap.Allocate(1000);
        nuint cSize = heap.UsableSize(c);
        HeapStatistics s = heap.Statistics;

        Assert.Equal(3UL, s.Allocations);
        Assert.Equal(0UL, s.Frees);
        Assert.Equal(3UL, s.LiveBlocks);
        Assert.Equal(16UL + 128UL + cSize, s.BytesInUse);
        Assert.Equal(ledger.PagesOutstanding * HeapGeometry.PageSize, s.BytesFromPageSource);
        Assert.True(s.PageMapBytes > 0);

        heap.Free(a);
        heap.Free(b);
        heap.Free(c);
        s = heap.Statistics;
        Assert.Equal(3UL, s.Frees);
        Assert.Equal(0UL, s.BytesInUse);
        Assert.Equal(1UL, heap.GetSlabClassStatistics(0).Allocations);
        Assert.Equal(1UL, heap.GetSlabClassStatistics(0).Frees);
        Assert.Equal(1UL, heap.GetSlabClassStatistics(3).Allocations);
        Assert.Equal(0UL, heap.GetSlabClassStatistics(1).Allocations);
        Assert.Equal(default, heap.GetSlabClassStatistics(5));
    }

    [Fact]
    public void TrimReturnsEveryPageWhenNothingIsLive()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);
        var blocks = new System.Collections.Generic.List<nint>();
        for (int i = 0; i < 3000; i++)
        {
            blocks.Add((nint)heap.Allocate((nuint)((i * 37) % 9000) + 1));
        }

        foreach (nint p in blocks)
        {
            heap.Free((void*)p);
        }

        Assert.True(ledger.PagesOutstanding > 0);
        heap.Trim();

        Assert.Equal(0UL, heap.Statistics.BytesFromPageSource);
        Assert.Equal(0UL, ledger.PagesOutstanding);
        Assert.Equal(0UL, heap.FaultCount);
        Assert.True(heap.Allocate(100) != null);
    }

    [Fact]
    public void FreeOfNullIsIgnored()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);

        Assert.Equal(HeapError.None, heap.Free(null).Error);
        Assert.Equal(0UL, heap.FaultCount);
        Assert.Equal(0UL, heap.Statistics.Frees);
    }
}
