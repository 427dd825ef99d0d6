using System;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Heap.Tests;

public unsafe class MisuseTests
{
    private static void AssertRejected(ref KernelHeap<HostPageSource> heap, void* p, HeapError expected)
    {
        HeapStatistics before = heap.Statistics;
        ulong faults = heap.FaultCount;

        HeapFault fault = heap.Free(p);

        Assert.Equal(expected, fault.Error);
        Assert.Equal((nuint)p, fault.Address);
        Assert.Equal(faults + 1, heap.FaultCount);
        Assert.Equal(fault.Error, heap.LastFault.Error);
        Assert.Equal(fault.Address, heap.LastFault.Address);
        HeapStatistics after = heap.Statistics;
        Assert.Equal(before.Frees, after.Frees);
        Assert.Equal(before.BytesInUse, after.BytesInUse);
        Assert.Equal(before.BytesFromPageSource, after.BytesFromPageSource);
        Assert.True(heap.Validate());
    }

    [Fact]
    public void FreeOfAPointerFromOutsideTheHeapReportsInvalidPointer()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        heap.Allocate(32);
        heap.Allocate(1000);
        byte* foreign = (byte*)NativeMemory.AlignedAlloc(4096, 4096);
        long onStack = 0;
        try
        {
            AssertRejected(ref heap, foreign, HeapError.InvalidPointer);
            AssertRejected(ref heap, &onStack, HeapError.InvalidPointer);
            AssertRejected(ref heap, (void*)1, HeapError.InvalidPointer);
            AssertRejected(ref heap, (void*)0x8000_0000_0000_0000, HeapError.InvalidPointer);
            AssertRejected(ref heap, (void*)0xFFFF_8000_0000_1000, HeapError.InvalidPointer);
            Assert.Equal((nuint)0, heap.LastFault.Block);
        }
        finally
        {
            NativeMemory.AlignedFree(foreign);
        }
    }

    [Fact]
    public void FreeOfAnInteriorPointerReportsInvalidPointerWithTheBlock()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        byte* small = (byte*)heap.Allocate(32);
        byte* large = (byte*)heap.Allocate(5000);

        AssertRejected(ref heap, small + 8, HeapError.InvalidPointer);
        Assert.Equal((nuint)small, heap.LastFault.Block);
        AssertRejected(ref heap, small + 16, HeapError.InvalidPointer);
        AssertRejected(ref heap, large + 16, HeapError.InvalidPointer);
        Assert.Equal((nuint)large, heap.LastFault.Block);
        AssertRejected(ref heap, large + 4096, HeapError.InvalidPointer);
        AssertRejected(ref heap, large - 32, HeapError.InvalidPointer);
        AssertRejected(ref heap, (byte*)((nuint)small & ~(nuint)4095), HeapError.InvalidPointer);

        Assert.Equal(HeapError.None, heap.Free(small).Error);
        Assert.Equal(HeapError.None, heap.Free(large).Error);
    }

    [Fact]
    public void DoubleFreeOfASlabObjectIsReportedAndChangesNothing()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        byte* keep = (byte*)heap.Allocate(48);
        byte* p = (byte*)heap.Allocate(48);
        new Span<byte>(keep, 48).Fill(7);
        Assert.Equal(HeapError.None, heap.Free(p).Error);

        AssertRejected(ref heap, p, HeapError.DoubleFree);

        Assert.Equal(1UL, heap.GetSlabClassStatistics(2).LiveObjects);
        Assert.True(new ReadOnlySpan<byte>(keep, 48).IndexOfAnyExcept((byte)7) < 0);
        Assert.True(heap.Allocate(48) == p);
        Assert.True(heap.Allocate(48) != p);
    }

    [Fact]
    public void DoubleFreeOfALargeBlockIsReportedEvenAfterItCoalesced()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        byte* a = (byte*)heap.Allocate(1000);
        byte* b = (byte*)heap.Allocate(1000);
        heap.Allocate(1000);

        Assert.Equal(HeapError.None, heap.Free(b).Error);
        AssertRejected(ref heap, b, HeapError.DoubleFree);
        Assert.Equal(HeapError.None, heap.Free(a).Error);
        // b's header is now inside the block that starts at a: still "already free".
        AssertRejected(ref heap, b, HeapError.DoubleFree);
        Assert.Equal((nuint)a, heap.LastFault.Block);
        AssertRejected(ref heap, a, HeapError.DoubleFree);
    }

    [Fact]
    public void DoubleFreeAfterThePageWentBackReportsInvalidPointer()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        void* huge = heap.Allocate(1 << 20);
        Assert.Equal(HeapError.None, heap.Free(huge).Error);

        AssertRejected(ref heap, huge, HeapError.InvalidPointer);
    }

    [Fact]
    public void DebugModeFillsFreedMemoryWithDeadBeef()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);
        heap.Allocate(64);
        byte* small = (byte*)heap.Allocate(64);
        heap.Allocate(2000);
        byte* large = (byte*)heap.Allocate(2000);
        heap.Allocate(2000);
        new Span<byte>(small, 64).Fill(1);
        new Span<byte>(large, 2000).Fill(1);

        heap.Free(small);
        heap.Free(large);

        for (int i = 0; i < 64; i += 4)
        {
            Assert.Equal(0xDEADBEEFu, *(uint*)(small + i));
        }

        for (int i = 0; i < 2000; i += 4)
        {
            Assert.Equal(0xDEADBEEFu, *(uint*)(large + i));
        }
    }

    [Fact]
    public void DebugModeHandsOutMemoryStillHoldingTheFill()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);

        uint* small = (uint*)heap.Allocate(100);
        uint* large = (uint*)heap.Allocate(10000);

        Assert.Equal(0xDEADBEEFu, small[0]);
        Assert.Equal(0xDEADBEEFu, small[31]);
        Assert.Equal(0xDEADBEEFu, large[0]);
        Assert.Equal(0xDEADBEEFu, large[2499]);
        Assert.Equal(0UL, heap.FaultCount);
    }

    [Fact]
    public void WriteAfterFreeOfASlabObjectIsReportedWithItsAddressWhenHandedOutAgain()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);
        byte* p = (byte*)heap.Allocate(128);
        heap.Free(p);

        p[77] = 0x42; // the bug: a stale pointer writes into freed memory
        byte* again = (byte*)heap.Allocate(128);

        Assert.True(again == p);
        Assert.Equal(1UL, heap.FaultCount);
        Assert.Equal(HeapError.WriteAfterFree, heap.LastFault.Error);
        Assert.Equal((nuint)(p + 77), heap.LastFault.Address);
        Assert.Equal((nuint)p, heap.LastFault.Block);
    }

    [Fact]
    public void WriteAfterFreeOfALargeBlockIsReportedWithItsAddressWhenHandedOutAgain()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);
        byte* p = (byte*)heap.Allocate(3000);
        heap.Allocate(3000);
        heap.Free(p);

        p[2999] = 0;
        byte* again = (byte*)heap.Allocate(3000);

        Assert.True(again == p);
        Assert.Equal(HeapError.WriteAfterFree, heap.LastFault.Error);
        Assert.Equal((nuint)(p + 2999), heap.LastFault.Address);
        Assert.Equal((nuint)p, heap.LastFault.Block);
    }

    [Fact]
    public void WriteAfterFreeIntoCoalescedMemoryIsStillCaught()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: true);
        byte* a = (byte*)heap.Allocate(1000);
        byte* b = (byte*)heap.Allocate(1000);
        heap.Allocate(1000);
        heap.Free(a);
        heap.Free(b);

        b[-8] = 1; // b's old header, now payload of the merged free block
        byte* merged = (byte*)heap.Allocate(2000);

        Assert.True(merged == a);
        Assert.Equal(HeapError.WriteAfterFree, heap.LastFault.Error);
        Assert.Equal((nuint)(b - 8), heap.LastFault.Address);
    }

    [Fact]
    public void WithoutDebugModeFreedMemoryIsNeitherFilledNorChecked()
    {
        using var ledger = new PageLedger();
        var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), debug: false);
        byte* p = (byte*)heap.Allocate(64);
        new Span<byte>(p, 64).Fill(9);
        heap.Free(p);

        Assert.Equal(9, p[10]);
        p[10] = 3;
        Assert.True(heap.Allocate(64) == p);
        Assert.Equal(0UL, heap.FaultCount);
    }

    [Fact]
    public void FaultDescriptionsAreFixedText()
    {
        Assert.Equal("no heap fault", default(HeapFault).Description);
        Assert.Contains("after it was freed", new HeapFault(HeapError.WriteAfterFree, 1, 1).Description);
        Assert.Contains("already free", new HeapFault(HeapError.DoubleFree, 1, 1).Description);
        Assert.Contains("never handed out", new HeapFault(HeapError.InvalidPointer, 1, 0).Description);
    }
}
