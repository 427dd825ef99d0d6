using System;
using System.Collections.Generic;
using Xunit;

namespace Aurora.Heap.Tests;

/// <summary>
/// The small-object hot path (Allocate of 1-256 bytes, and Free of an object in the slab page
/// the page map found last) is separate code from the general path. These tests put the page
/// in the lookup cache first, so every misuse below reaches the hot path, and prove it reports
/// exactly what the general path does and changes nothing.
/// </summary>
public unsafe class HotPathTests
{
    private static void AssertRejected(ref KernelHeap<HostPageSource> heap, void* p, HeapError expected, nuint block)
    {
        HeapStatistics before = heap.Statistics;
        SlabClassStatistics[] classes = ClassStatistics(ref heap);
        ulong faults = heap.FaultCount;

        HeapFault fault = heap.Free(p);

        Assert.Equal(expected, fault.Error);
        Assert.Equal((nuint)p, fault.Address);
        Assert.Equal(block, fault.Block);
        Assert.Equal(faults + 1, heap.FaultCount);
        Assert.Equal(fault.Error, heap.LastFault.Error);
        HeapStatistics after = heap.Statistics;
        Assert.Equal(before.Frees, after.Frees);
        Assert.Equal(before.Allocations, after.Allocations);
        Assert.Equal(before.BytesInUse, after.BytesInUse);
        Assert.Equal(before.BytesFromPageSource, after.BytesFromPageSource);
        Assert.Equal(classes, ClassStatistics(ref heap));
        Assert.True(heap.Validate());
    }

    private static SlabClassStatistics[] ClassStatistics(ref KernelHeap<HostPageSource> heap)
    {
        var all = new SlabClassStatistics[HeapGeometry.SlabClassCount];
        for (int c = 0; c < all.Length; c++)
        {
            all[c] = heap.GetSlabClassStatistics(c);
        }

        return all;
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(128)]
    [InlineData(256)]
    public void MisuseInThePageJustFreedIntoIsReportedAndChangesNothing(int size)
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        byte* a = (byte*)heap.Allocate((nuint)size);
        byte* b = (byte*)heap.Allocate((nuint)size);
        byte* c = (byte*)heap.Allocate((nuint)size);
        byte* page = (byte*)((nuint)a & ~(HeapGeometry.PageSize - 1));
        new Span<byte>(c, size).Fill(0x5C);
        Assert.Equal(HeapError.None, heap.Free(b).Error); // b's page is now the cached one

        AssertRejected(ref heap, b, HeapError.DoubleFree, (nuint)b);
        AssertRejected(ref heap, a + 8, HeapError.InvalidPointer, (nuint)a);
        AssertRejected(ref heap, a + (size / 2), HeapError.InvalidPointer, (nuint)a);
        AssertRejected(ref heap, c - 1, HeapError.InvalidPointer, (nuint)b);
        AssertRejected(ref heap, page, HeapError.InvalidPointer, 0);
        AssertRejected(ref heap, page + 48, HeapError.InvalidPointer, 0);
        AssertRejected(ref heap, a - 16, HeapError.InvalidPointer, 0); // in the header
        AssertRejected(ref heap, page + HeapGeometry.PageSize - 8, HeapError.InvalidPointer, (nuint)(page + HeapGeometry.PageSize - size));

        Assert.True(new ReadOnlySpan<byte>(c, size).IndexOfAnyExcept((byte)0x5C) < 0);
        Assert.Equal(HeapError.None, heap.Free(a).Error);
        Assert.Equal(HeapError.None, heap.Free(c).Error);
        Assert.Equal(0UL, heap.Statistics.BytesInUse);
        Assert.Equal(3UL, heap.Statistics.Frees);
        Assert.True(heap.Validate());
    }

    [Fact]
    public void AllocateOfZeroBytesStillGivesASixteenByteObject()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        heap.Free(heap.Allocate(16)); // a page with free objects: Allocate(0) could take the hot path

        void* p = heap.Allocate(0);

        Assert.True(p != null);
        Assert.Equal((nuint)16, heap.UsableSize(p));
        Assert.Equal(1UL, heap.GetSlabClassStatistics(0).LiveObjects);
        Assert.Equal(HeapError.None, heap.Free(p).Error);
    }

    [Fact]
    public void PagesThatFillAndEmptyKeepListsAndCountsExact()
    {
        // 256-byte objects, 15 per page: the hot path hands the last free object of a page,
        // the first free into a full page and a second empty page to the general path.
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        var blocks = new nint[40];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Allocate(256);
            Assert.True(heap.Validate());
            Assert.Equal((ulong)(i + 1), heap.GetSlabClassStatistics(4).LiveObjects);
        }

        Assert.Equal(3UL, heap.GetSlabClassStatistics(4).Pages);
        Assert.Equal(0UL, heap.GetSlabClassStatistics(4).EmptyPages);

        // Free one object in each full page, then take them again: they come back.
        Assert.Equal(HeapError.None, heap.Free((void*)blocks[3]).Error);
        Assert.Equal(HeapError.None, heap.Free((void*)blocks[20]).Error);
        Assert.True(heap.Validate());
        var again = new[] { (nint)heap.Allocate(256), (nint)heap.Allocate(256) };
        Assert.Contains(blocks[3], again);
        Assert.Contains(blocks[20], again);
        Assert.True(heap.Validate());

        // Free everything, alternating ends, and churn in between.
        for (int i = 0; i < blocks.Length / 2; i++)
        {
            Assert.Equal(HeapError.None, heap.Free((void*)blocks[i]).Error);
            Assert.Equal(HeapError.None, heap.Free((void*)blocks[blocks.Length - 1 - i]).Error);
            heap.Free(heap.Allocate(200));
            Assert.True(heap.Validate());
            Assert.True(heap.GetSlabClassStatistics(4).EmptyPages <= 1);
        }

        SlabClassStatistics s = heap.GetSlabClassStatistics(4);
        Assert.Equal(0UL, s.LiveObjects);
        Assert.Equal(1UL, s.Pages);
        Assert.Equal(1UL, s.EmptyPages);
        Assert.Equal(s.Allocations, s.Frees);
        Assert.Equal(0UL, heap.Statistics.BytesInUse);
        Assert.Equal(heap.Statistics.BytesFromPageSource, ledger.PagesOutstanding * HeapGeometry.PageSize);
    }

    [Fact]
    public void AFreeIntoAFullCachedPageMakesItsObjectAvailableAgain()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        var full = new nint[15]; // one full page of 256-byte objects
        for (int i = 0; i < full.Length; i++)
        {
            full[i] = (nint)heap.Allocate(256);
        }

        heap.Allocate(256); // a second page, now first in the class's list
        Assert.Equal(HeapError.None, heap.Free((void*)full[0]).Error); // caches the first page
        Assert.True(heap.Allocate(256) == (void*)full[0]); // and fills it again

        Assert.Equal(HeapError.None, heap.Free((void*)full[1]).Error); // a full page in the cache
        Assert.True(heap.Validate());

        Assert.True(heap.Allocate(256) == (void*)full[1]);
        Assert.Equal(2UL, heap.GetSlabClassStatistics(4).Pages);
        Assert.True(heap.Validate());
    }

    [Fact]
    public void AStalePointerIntoASlabPageThatWentBackReportsInvalidPointer()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        var blocks = new nint[30]; // two full pages of 256-byte objects
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = (nint)heap.Allocate(256);
        }

        foreach (nint p in blocks)
        {
            Assert.Equal(HeapError.None, heap.Free((void*)p).Error);
        }

        Assert.Equal(1UL, heap.GetSlabClassStatistics(4).Pages);
        int invalid = 0;
        int doubles = 0;
        foreach (nint p in blocks)
        {
            // The heap must not read the page it gave back: the page map says it is not heap.
            HeapFault fault = heap.Free((void*)p);
            invalid += fault.Error == HeapError.InvalidPointer ? 1 : 0;
            doubles += fault.Error == HeapError.DoubleFree ? 1 : 0;
        }

        Assert.Equal(15, invalid);
        Assert.Equal(15, doubles);
        Assert.Equal(30UL, heap.FaultCount);
        Assert.Equal(30UL, heap.Statistics.Frees);
        Assert.True(heap.Validate());
    }

    [Fact]
    public void DebugModeFillsAndChecksObjectsFreedIntoTheCachedPage()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);
        byte* a = (byte*)heap.Allocate(32);
        byte* b = (byte*)heap.Allocate(32);
        Assert.Equal(HeapError.None, heap.Free(b).Error);
        Assert.Equal(HeapError.None, heap.Free(a).Error); // same page: the cached one

        for (int i = 0; i < 32; i += 4)
        {
            Assert.Equal(0xDEADBEEFu, *(uint*)(a + i));
        }

        a[5] = 0x42;
        byte* again = (byte*)heap.Allocate(32);

        Assert.True(again == a);
        Assert.Equal(1UL, heap.FaultCount);
        Assert.Equal(HeapError.WriteAfterFree, heap.LastFault.Error);
        Assert.Equal((nuint)(a + 5), heap.LastFault.Address);
        Assert.Equal((nuint)a, heap.LastFault.Block);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomSmallObjectChurnKeepsObjectsIntactAndCountsExact(bool debug)
    {
        // Small objects only, freed mostly in the order opposite to allocation, so most frees hit
        // the cached page and take the hot path, with pages filling up and emptying in between.
        int seed = TestSeed.Get();
        string context = $"seed={seed} debug={debug} (replay with AURORA_SEED)";
        var random = new Random(unchecked((seed * 397) ^ (debug ? 1 : 2)));
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug);
        var live = new List<(nint Address, int Size, byte Fill)>();
        var freed = new List<nint>();
        var liveSet = new HashSet<nint>();
        ulong faults = 0;
        ulong bytes = 0;
        int target = 0;
        for (int op = 0; op < 200_000; op++)
        {
            if (op % 4000 == 0)
            {
                target = random.Next(4) == 0 ? 0 : random.Next(1, 1500);
            }

            int r = random.Next(100);
            if (r < 3 && live.Count > 0)
            {
                // An interior pointer into a live object, or a pointer freed earlier and not
                // handed out since: reported, nothing changes.
                (nint address, int size, _) = live[random.Next(live.Count)];
                nint p = address + random.Next(1, 16);
                HeapError expected = HeapError.InvalidPointer;
                if (r == 0 && freed.Count > 0 && !liveSet.Contains(freed[^1]))
                {
                    p = freed[^1];
                    expected = HeapError.DoubleFree;
                }

                HeapStatistics before = heap.Statistics;
                HeapError error = heap.Free((void*)p).Error;
                faults++;
                Assert.True(error == expected || error == HeapError.InvalidPointer, $"{context} op={op}: free of 0x{p:x} gave {error}");
                Assert.True(heap.Statistics.Frees == before.Frees && heap.Statistics.BytesInUse == before.BytesInUse, $"{context} op={op}: a rejected free changed the statistics");
            }
            else if (live.Count == 0 || (live.Count < target ? r < 65 : r < 35))
            {
                int size = random.Next(1, 257);
                byte* p = (byte*)heap.Allocate((nuint)size);
                Assert.True(p != null, context);
                if (debug)
                {
                    Assert.True(*(uint*)p == 0xDEADBEEFu, $"{context} op={op}: fresh object 0x{(nint)p:x} lost the fill");
                }

                byte fill = (byte)random.Next(256);
                new Span<byte>(p, size).Fill(fill);
                live.Add(((nint)p, size, fill));
                Assert.True(liveSet.Add((nint)p), $"{context} op={op}: 0x{(nint)p:x} handed out twice");
                bytes += heap.UsableSize(p);
            }
            else
            {
                // Mostly the newest objects; sometimes any.
                int pick = random.Next(4) == 0 ? random.Next(live.Count) : Math.Max(0, live.Count - 1 - random.Next(3));
                (nint address, int size, byte fill) = live[pick];
                live.RemoveAt(pick);
                liveSet.Remove(address);
                Assert.True(new ReadOnlySpan<byte>((void*)address, size).IndexOfAnyExcept(fill) < 0, $"{context} op={op}: object 0x{address:x} corrupted");
                bytes -= heap.UsableSize((void*)address);
                Assert.Equal(HeapError.None, heap.Free((void*)address).Error);
                freed.Add(address);
            }

            if (op % 500 == 0)
            {
                Assert.True(heap.Validate(), $"{context} op={op}: Validate failed");
                Assert.True(heap.FaultCount == faults, $"{context} op={op}: {heap.FaultCount} faults, {faults} provoked");
                Assert.True(heap.Statistics.LiveBlocks == (ulong)live.Count && heap.Statistics.BytesInUse == bytes, $"{context} op={op}: statistics differ from the model");
            }
        }

        foreach ((nint address, _, _) in live)
        {
            Assert.Equal(HeapError.None, heap.Free((void*)address).Error);
        }

        Assert.True(heap.Validate(), context);
        Assert.Equal(0UL, heap.Statistics.BytesInUse);
        heap.Trim();
        Assert.Equal(0UL, ledger.PagesOutstanding);
    }
}
