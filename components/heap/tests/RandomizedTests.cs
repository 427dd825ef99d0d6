using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Heap.Tests;

/// <summary>
/// Random allocations and frees (and misuse) checked against a list of live blocks, each filled
/// with its own byte. The seed is in every failure message; replay with
/// AURORA_SEED=&lt;seed&gt; dotnet test.
/// </summary>
public unsafe class RandomizedTests
{
    private const int Rounds = 4;
    private const int OperationsPerRound = 70_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomTrafficKeepsBlocksDisjointIntactAndAccounted(bool debug)
    {
        int seed = TestSeed.Get();
        for (int round = 0; round < Rounds; round++)
        {
            new ModelRun(seed, round, debug).Run(OperationsPerRound);
        }
    }

    private sealed class ModelRun
    {
        private readonly Random _random;
        private readonly string _context;
        private readonly bool _debug;
        private readonly List<Live> _live = new();
        private readonly SortedSet<nuint> _starts = new();
        private readonly Dictionary<nuint, nuint> _ends = new();
        private ulong _expectedFaults;
        private int _operation;
        private int _target;

        private readonly record struct Live(nuint Address, nuint Size, nuint Alignment, byte Fill);

        public ModelRun(int seed, int round, bool debug)
        {
            _random = new Random(unchecked((seed * 397) ^ (round * 31 + (debug ? 1 : 2))));
            _context = $"seed={seed} round={round} debug={debug}";
            _debug = debug;
        }

        private void Check(bool condition, string what)
        {
            if (!condition)
            {
                Assert.Fail($"{_context} op={_operation}: {what} (replay with AURORA_SEED)");
            }
        }

        public void Run(int operations)
        {
            using var ledger = new PageLedger();
            var heap = new KernelHeap<HostPageSource>(new HostPageSource(ledger), _debug);
            byte* foreign = (byte*)NativeMemory.AlignedAlloc(8192, 4096);
            try
            {
                for (_operation = 0; _operation < operations; _operation++)
                {
                    if (_operation % 5000 == 0)
                    {
                        // Phases of growth and shrinkage, so pages and arenas come and go.
                        _target = _random.Next(4) == 0 ? 0 : _random.Next(1, 3000);
                    }

                    int r = _random.Next(100);
                    if (r < 4)
                    {
                        Misuse(ref heap, foreign);
                    }
                    else if (_live.Count < _target ? r < 70 : r < 35)
                    {
                        Allocate(ref heap);
                    }
                    else
                    {
                        FreeRandom(ref heap);
                    }

                    if (_operation % 10_000 == 0)
                    {
                        VerifyAll(ref heap);
                    }
                }

                while (_live.Count > 0)
                {
                    FreeRandom(ref heap);
                }

                VerifyAll(ref heap);
                HeapStatistics s = heap.Statistics;
                Check(s.BytesInUse == 0 && s.LiveBlocks == 0, $"{s.BytesInUse} bytes in {s.LiveBlocks} blocks left after freeing everything");
                Check(s.BytesFromPageSource == ledger.PagesOutstanding * HeapGeometry.PageSize, "page accounting differs from the page source");
                heap.Trim();
                Check(ledger.PagesOutstanding == 0 && heap.Statistics.BytesFromPageSource == 0, $"{ledger.PagesOutstanding} pages leaked after Trim");
            }
            finally
            {
                NativeMemory.AlignedFree(foreign);
            }
        }

        private void VerifyAll(ref KernelHeap<HostPageSource> heap)
        {
            Check(heap.Validate(), "Validate failed");
            Check(heap.FaultCount == _expectedFaults, $"{heap.FaultCount} faults reported, {_expectedFaults} provoked; last {heap.LastFault.Error} at 0x{heap.LastFault.Address:x}");
            foreach (Live block in _live)
            {
                int bad = new ReadOnlySpan<byte>((void*)block.Address, (int)block.Size).IndexOfAnyExcept(block.Fill);
                Check(bad < 0, $"block 0x{block.Address:x} (size {block.Size}) corrupted at offset {bad}");
            }
        }

        private nuint RandomSize()
        {
            int r = _random.Next(100);
            return r < 70 ? (nuint)_random.Next(1, 257) : r < 95 ? (nuint)_random.Next(257, 8193) : (nuint)_random.Next(8193, 256 * 1024);
        }

        private void Allocate(ref KernelHeap<HostPageSource> heap)
        {
            nuint size = RandomSize();
            nuint alignment = _random.Next(100) < 85 ? 16 : (nuint)1 << _random.Next(5, 14);
            HeapStatistics before = heap.Statistics;
            byte* p = (byte*)heap.Allocate(size, alignment);
            Check(p != null, $"Allocate({size}, {alignment}) returned null with an unlimited page source");
            nuint address = (nuint)p;
            Check(address % alignment == 0, $"0x{address:x} not aligned to {alignment}");
            nuint usable = heap.UsableSize(p);
            Check(usable >= size, $"usable size {usable} < requested {size}");
            Check(heap.Statistics.BytesInUse == before.BytesInUse + usable, "BytesInUse did not grow by the usable size");

            // Disjoint from every live block (usable extents, not just requested sizes).
            nuint end = address + usable;
            SortedSet<nuint> below = _starts.GetViewBetween(0, address);
            Check(below.Count == 0 || _ends[below.Max] <= address, $"0x{address:x} overlaps the block at 0x{(below.Count == 0 ? 0 : below.Max):x}");
            SortedSet<nuint> above = _starts.GetViewBetween(address, nuint.MaxValue);
            Check(above.Count == 0 || above.Min >= end, $"0x{address:x}+{usable} overlaps the block at 0x{(above.Count == 0 ? 0 : above.Min):x}");

            if (_debug)
            {
                // Fresh blocks still hold the free fill: proves the fill survives splits and merges.
                for (nuint i = 0; i < size; i++)
                {
                    byte expected = (byte)(0xDEADBEEFu >> (int)(8 * ((address + i) & 3)));
                    if (p[i] != expected)
                    {
                        Check(false, $"fresh block 0x{address:x} byte {i} is 0x{p[i]:x2}, not the fill");
                    }
                }
            }

            byte fill = (byte)_random.Next(256);
            new Span<byte>(p, (int)size).Fill(fill);
            _live.Add(new Live(address, size, alignment, fill));
            _starts.Add(address);
            _ends[address] = end;
        }

        private void FreeRandom(ref KernelHeap<HostPageSource> heap)
        {
            if (_live.Count == 0)
            {
                return;
            }

            int pick = _random.Next(_live.Count);
            Live block = _live[pick];
            _live[pick] = _live[^1];
            _live.RemoveAt(_live.Count - 1);
            _starts.Remove(block.Address);
            _ends.Remove(block.Address);

            int bad = new ReadOnlySpan<byte>((void*)block.Address, (int)block.Size).IndexOfAnyExcept(block.Fill);
            Check(bad < 0, $"block 0x{block.Address:x} (size {block.Size}) corrupted at offset {bad}");
            nuint usable = heap.UsableSize((void*)block.Address);
            ulong inUse = heap.Statistics.BytesInUse;
            HeapFault fault = heap.Free((void*)block.Address);
            Check(!fault.IsError, $"free of live 0x{block.Address:x} reported {fault.Error}");
            Check(heap.Statistics.BytesInUse == inUse - usable, "BytesInUse did not shrink by the usable size");

            if (_random.Next(50) == 0)
            {
                // Double free right away: nothing has been handed out in between.
                ExpectRejected(ref heap, (void*)block.Address, HeapError.DoubleFree, HeapError.InvalidPointer);
            }
        }

        private void Misuse(ref KernelHeap<HostPageSource> heap, byte* foreign)
        {
            int kind = _random.Next(3);
            if (kind == 0 || _live.Count == 0)
            {
                long local = 0;
                void* p = _random.Next(2) == 0 ? foreign + (_random.Next(512) * 16) : &local;
                ExpectRejected(ref heap, p, HeapError.InvalidPointer, HeapError.InvalidPointer);
                return;
            }

            // Strictly inside the block: p + size may already be the next block's header.
            Live block = _live[_random.Next(_live.Count)];
            int interiorSteps = (int)((block.Size - 1) / 16);
            nuint offset = kind == 1 || interiorSteps == 0 || heap.UsableSize((void*)block.Address) <= 256
                ? (nuint)_random.Next(1, 16)
                : (nuint)(16 * _random.Next(1, interiorSteps + 1));
            ExpectRejected(ref heap, (byte*)block.Address + offset, HeapError.InvalidPointer, HeapError.InvalidPointer);
        }

        private void ExpectRejected(ref KernelHeap<HostPageSource> heap, void* p, HeapError expected, HeapError alsoAccepted)
        {
            HeapStatistics before = heap.Statistics;
            HeapFault fault = heap.Free(p);
            _expectedFaults++;
            Check(fault.Error == expected || fault.Error == alsoAccepted, $"free of 0x{(nuint)p:x} gave {fault.Error}, expected {expected}");
            Check(fault.Address == (nuint)p && heap.LastFault.Address == (nuint)p, "fault does not carry the address");
            HeapStatistics after = heap.Statistics;
            Check(after.Frees == before.Frees && after.BytesInUse == before.BytesInUse && after.BytesFromPageSource == before.BytesFromPageSource,
                "a rejected free changed the statistics");
        }
    }
}
