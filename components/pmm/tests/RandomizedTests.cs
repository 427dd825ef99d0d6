using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Xunit;
using static Aurora.Pmm.Tests.PmmHarness;

namespace Aurora.Pmm.Tests;

/// <summary>
/// Random operations checked against a plain model (one bool per frame). The seed is in every
/// failure message; replay with AURORA_SEED=&lt;seed&gt; dotnet test.
/// </summary>
public unsafe class RandomizedTests
{
    private const int Rounds = 8;
    private const int OperationsPerRound = 50_000;

    [Fact]
    public void RandomMapsAndOperationsMatchTheModel()
    {
        int seed = TestSeed.Get();
        for (int round = 0; round < Rounds; round++)
        {
            new ModelRun(seed, round).Run(OperationsPerRound);
        }
    }

    [Fact]
    public void SingleFrameChurnAlwaysReturnsTheLowestFreeFrame()
    {
        int seed = TestSeed.Get();
        var random = new Random(seed);
        // 2 GiB with a hole: three summary levels above the bitmap.
        MemoryRegion[] map = [Usable(1 * MiB, 1 * GiB), Region(1 * GiB, 64 * MiB, MemoryRegionKind.Reserved), Usable((1 * GiB) + (64 * MiB), 960 * MiB)];
        using var h = new PmmHarness(map);
        Assert.True(h.Pmm.AllocateContiguous(256 * MiB / Frame, 1, out _) == PmmError.None);
        var allocated = new List<ulong>();
        var free = new SortedSet<ulong>();
        for (ulong a = 1 * MiB; a < 257 * MiB; a += Frame)
        {
            allocated.Add(a);
        }

        for (ulong a = 257 * MiB; a < 2 * GiB; a += Frame)
        {
            if (h.Pmm.IsFree(a))
            {
                free.Add(a);
            }
        }

        Assert.Equal((ulong)free.Count, h.Pmm.FreeFrames);
        for (int i = 0; i < 400_000; i++)
        {
            if (random.Next(100) < 50 && allocated.Count > 0)
            {
                int pick = random.Next(allocated.Count);
                ulong address = allocated[pick];
                allocated[pick] = allocated[^1];
                allocated.RemoveAt(allocated.Count - 1);
                if (h.Pmm.FreeFrame(address) != PmmError.None)
                {
                    Assert.Fail($"seed={seed} op={i}: free of allocated 0x{address:x} failed");
                }

                free.Add(address);
            }
            else
            {
                PmmError error = h.Pmm.AllocateFrame(out ulong address);
                if (error != PmmError.None || address != free.Min)
                {
                    Assert.Fail($"seed={seed} op={i}: got {error} 0x{address:x}, lowest free is 0x{free.Min:x}");
                }

                free.Remove(address);
                allocated.Add(address);
            }
        }

        Assert.True(h.Pmm.Validate(), $"seed={seed}");
        Assert.Equal((ulong)free.Count, h.Pmm.FreeFrames);
    }

    private sealed class ModelRun
    {
        private readonly Random _random;
        private readonly string _context;
        private readonly MemoryRegion[] _map;
        private readonly ulong _span;
        private readonly bool[] _managed;
        private readonly bool[] _allocated;
        private readonly bool[] _reserved;
        private readonly List<(ulong Start, ulong Count)> _runs = new();
        private ulong _managedCount;
        private ulong _allocatedCount;
        private int _reservations;
        private int _operation;

        public ModelRun(int seed, int round)
        {
            _random = new Random(unchecked((seed * 397) ^ (round + 1)));
            _context = $"seed={seed} round={round}";
            _map = RandomMap(_random);
            _span = FrameAllocator.HighestUsableAddress(_map) / Frame;
            _managed = new bool[_span];
            _allocated = new bool[_span];
            _reserved = new bool[_span];
            for (ulong f = 0; f < _span; f++)
            {
                _managed[f] = f >= 256 && Inside(f, MemoryRegionKind.Usable) && !Touched(f, MemoryRegionKind.Usable, MemoryRegionKind.Usable);
                _managedCount += _managed[f] ? 1UL : 0;
            }
        }

        private static MemoryRegion[] RandomMap(Random random)
        {
            var map = new List<MemoryRegion>();
            ulong address = 0;
            ulong limit = (ulong)random.Next(32, 256) * MiB;
            while (address < limit)
            {
                ulong length = ((ulong)random.Next(1, 2048) * Frame) + (random.Next(4) == 0 ? (ulong)random.Next(1, 4096) : 0);
                int k = random.Next(100);
                MemoryRegionKind kind = k < 60 ? MemoryRegionKind.Usable : k < 72 ? MemoryRegionKind.BootloaderReclaimable : (MemoryRegionKind)random.Next(1, 8);
                map.Add(new MemoryRegion(address, length, kind));
                address += length + (random.Next(3) == 0 ? (ulong)random.Next(0, 64) * Frame : 0);
            }

            for (int i = random.Next(0, 12); i > 0; i--)
            {
                map.Add(new MemoryRegion((ulong)(random.NextDouble() * limit), (ulong)random.Next(1, 64 * 1024), (MemoryRegionKind)random.Next(1, 8)));
            }

            map.Add(Usable(limit, 1 * MiB));
            return map.ToArray();
        }

        private bool Inside(ulong frame, MemoryRegionKind kind)
        {
            foreach (MemoryRegion r in _map)
            {
                if (r.Kind == kind && r.Base <= frame * Frame && (frame + 1) * Frame <= r.End)
                {
                    return true;
                }
            }

            return false;
        }

        private bool Touched(ulong frame, MemoryRegionKind allowed1, MemoryRegionKind allowed2)
        {
            foreach (MemoryRegion r in _map)
            {
                if (r.Kind != allowed1 && r.Kind != allowed2 && r.Length != 0 && r.Base < (frame + 1) * Frame && frame * Frame < r.End)
                {
                    return true;
                }
            }

            return false;
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
            using var h = new PmmHarness(_map);
            Check(h.Pmm.TotalFrames == _managedCount, $"managed {h.Pmm.TotalFrames}, model {_managedCount}");
            int reclaimAt = _random.Next(operations);
            for (_operation = 0; _operation < operations; _operation++)
            {
                int r = _random.Next(1000);
                if (_operation == reclaimAt)
                {
                    Reclaim(h);
                }
                else if (r < 350)
                {
                    AllocateOne(h);
                }
                else if (r < 450)
                {
                    AllocateRun(h);
                }
                else if (r < 850)
                {
                    FreeRandomRun(h);
                }
                else if (r < 998)
                {
                    Misuse(h);
                }
                else
                {
                    Reserve(h);
                }

                Check(h.Pmm.FreeFrames == _managedCount - _allocatedCount, $"free {h.Pmm.FreeFrames}, model {_managedCount - _allocatedCount}");
                Check(h.Pmm.TotalFrames == _managedCount, $"total {h.Pmm.TotalFrames}, model {_managedCount}");
                if (_operation % 10_000 == 0)
                {
                    CompareEveryFrame(h);
                }
            }

            while (_runs.Count > 0)
            {
                FreeRandomRun(h);
            }

            Check(h.Pmm.FreeFrames == h.Pmm.TotalFrames, "frames leaked after freeing everything");
            CompareEveryFrame(h);
        }

        private void CompareEveryFrame(PmmHarness h)
        {
            Check(h.Pmm.Validate(), "Validate failed");
            for (ulong f = 0; f < _span; f++)
            {
                if (h.Pmm.IsManaged(f * Frame) != _managed[f] || h.Pmm.IsFree(f * Frame) != (_managed[f] && !_allocated[f]))
                {
                    Check(false, $"frame {f}: pmm managed={h.Pmm.IsManaged(f * Frame)} free={h.Pmm.IsFree(f * Frame)}, model managed={_managed[f]} allocated={_allocated[f]}");
                }
            }
        }

        private void Take(ulong address, ulong count, ulong alignment)
        {
            ulong start = address / Frame;
            Check(address % Frame == 0 && start % alignment == 0, $"run 0x{address:x} not aligned to {alignment} frames");
            for (ulong f = start; f < start + count; f++)
            {
                Check(f < _span && _managed[f] && !_allocated[f], $"frame {f} handed out but model says managed={f < _span && _managed[f]} allocated={f < _span && _allocated[f]}");
                _allocated[f] = true;
            }

            _allocatedCount += count;
            _runs.Add((start, count));
        }

        private void AllocateOne(PmmHarness h)
        {
            PmmError error = h.Pmm.AllocateFrame(out ulong address);
            if (_allocatedCount == _managedCount)
            {
                Check(error == PmmError.OutOfMemory, $"expected OutOfMemory, got {error}");
                return;
            }

            Check(error == PmmError.None, $"allocation failed with {_managedCount - _allocatedCount} frames free: {error}");
            Take(address, 1, 1);
        }

        private void AllocateRun(PmmHarness h)
        {
            ulong count = _random.Next(10) == 0 ? (ulong)_random.Next(64, 700) : (ulong)_random.Next(1, 64);
            ulong alignment = 1UL << _random.Next(0, 10);
            PmmError error = h.Pmm.AllocateContiguous(count, alignment, out ulong address);
            if (error == PmmError.None)
            {
                Take(address, count, alignment);
                return;
            }

            Check(error == PmmError.OutOfMemory, $"AllocateContiguous({count}, {alignment}) gave {error}");
            if (_random.Next(8) == 0)
            {
                for (ulong s = 0; s + count <= _span; s += alignment)
                {
                    bool fits = true;
                    for (ulong f = s; f < s + count && fits; f++)
                    {
                        fits = _managed[f] && !_allocated[f];
                    }

                    Check(!fits, $"OutOfMemory for {count} frames aligned {alignment}, but frame {s} starts a free run");
                }
            }
        }

        private void FreeRandomRun(PmmHarness h)
        {
            if (_runs.Count == 0)
            {
                return;
            }

            int pick = _random.Next(_runs.Count);
            (ulong start, ulong count) = _runs[pick];
            _runs[pick] = _runs[^1];
            _runs.RemoveAt(_runs.Count - 1);

            // Reservations may have taken frames out of the run since: free what is still ours,
            // as maximal pieces, sometimes frame by frame.
            ulong f = start;
            while (f < start + count)
            {
                if (!_allocated[f])
                {
                    f++;
                    continue;
                }

                ulong end = f;
                while (end < start + count && _allocated[end])
                {
                    end++;
                }

                if (end - f == 1 || _random.Next(4) == 0)
                {
                    for (ulong g = f; g < end; g++)
                    {
                        PmmError error = h.Pmm.FreeFrame(g * Frame);
                        Check(error == PmmError.None, $"FreeFrame({g}) gave {error}");
                    }
                }
                else
                {
                    PmmError error = h.Pmm.FreeContiguous(f * Frame, end - f);
                    Check(error == PmmError.None, $"FreeContiguous({f}, {end - f}) gave {error}");
                }

                for (ulong g = f; g < end; g++)
                {
                    _allocated[g] = false;
                }

                _allocatedCount -= end - f;
                f = end;
            }
        }

        private void Misuse(PmmHarness h)
        {
            ulong free = h.Pmm.FreeFrames;
            ulong start;
            ulong count;
            int kind = _random.Next(4);
            if (kind == 0 && _runs.Count > 0)
            {
                (ulong runStart, ulong runCount) = _runs[_random.Next(_runs.Count)];
                ulong address = ((runStart + (ulong)_random.Next((int)runCount)) * Frame) + (ulong)_random.Next(1, 4096);
                Check(h.Pmm.FreeFrame(address) == PmmError.Misaligned, $"misaligned free of 0x{address:x} not reported");
                Check(h.Pmm.FreeContiguous(address, runCount) == PmmError.Misaligned, $"misaligned run free of 0x{address:x} not reported");
                Check(h.Pmm.FreeFrames == free, "misaligned free changed the free count");
                return;
            }

            if (kind == 1)
            {
                start = (ulong)_random.NextInt64((long)_span + 1024);
                count = 1;
            }
            else
            {
                start = (ulong)_random.NextInt64((long)_span);
                count = (ulong)_random.Next(2, 40);
            }

            PmmError expected = PmmError.None;
            for (ulong f = start; f < start + count; f++)
            {
                if (f >= _span || !_managed[f])
                {
                    expected = PmmError.NotManaged;
                    break;
                }

                if (!_allocated[f])
                {
                    expected = PmmError.AlreadyFree;
                }
            }

            if (expected == PmmError.None)
            {
                return; // Every frame is allocated: that free would be legitimate.
            }

            PmmError error = count == 1 ? h.Pmm.FreeFrame(start * Frame) : h.Pmm.FreeContiguous(start * Frame, count);
            Check(error == expected, $"free of frames [{start}, +{count}) gave {error}, expected {expected}");
            Check(h.Pmm.FreeFrames == free, "a rejected free changed the free count");
            for (ulong f = start; f < start + count && f < _span; f++)
            {
                Check(h.Pmm.IsFree(f * Frame) == (_managed[f] && !_allocated[f]), $"a rejected free changed frame {f}");
            }
        }

        private void Reserve(PmmHarness h)
        {
            if (_reservations >= 40)
            {
                return;
            }

            _reservations++;
            ulong address = (ulong)_random.NextInt64((long)(_span * Frame));
            ulong length = (ulong)_random.Next(1, 64 * 1024);
            Check(h.Pmm.Reserve(address, length) == PmmError.None, "Reserve failed");
            for (ulong f = address / Frame; f < (address + length + Frame - 1) / Frame && f < _span; f++)
            {
                _reserved[f] = true;
                if (_managed[f])
                {
                    _managed[f] = false;
                    _managedCount--;
                    if (_allocated[f])
                    {
                        _allocated[f] = false;
                        _allocatedCount--;
                    }
                }
            }
        }

        private void Reclaim(PmmHarness h)
        {
            Check(h.Pmm.ReclaimBootloaderMemory(_map) == PmmError.None, "Reclaim failed");
            for (ulong f = 256; f < _span; f++)
            {
                if (!_managed[f] && !_reserved[f] && Inside(f, MemoryRegionKind.BootloaderReclaimable) &&
                    !Touched(f, MemoryRegionKind.Usable, MemoryRegionKind.BootloaderReclaimable))
                {
                    _managed[f] = true;
                    _managedCount++;
                }
            }
        }
    }
}
