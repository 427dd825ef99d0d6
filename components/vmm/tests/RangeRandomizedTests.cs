using System;
using System.Collections.Generic;
using System.Linq;
using Aurora.Vmm.Tests.Simulation;
using Xunit;

namespace Aurora.Vmm.Tests;

/// <summary>
/// Processes map, fork, mprotect, munmap, write and exit at random over a window that crosses a
/// 1 GiB table boundary, with 4 KiB and 2 MiB pages. The model is, per process, each page's
/// contents and whether the process asked for write access. Checked: every read sees what that
/// process last wrote; a write by one process is never visible to another (a frame mapped
/// writable is mapped nowhere else); a write where write access was asked for always succeeds
/// (directly or through the fault) and elsewhere is a ProtectionViolation; share counts equal
/// the number of mappings; the range operations report the model's page counts; and once every
/// process has exited all frames are back and all counts are zero.
/// </summary>
public class RangeRandomizedTests
{
    private const ulong Page = 0x1000;
    private const ulong Size2MiB = 0x20_0000;
    private static readonly ulong WindowStart = Bits.Va(0, 0, 508, 0);   // 8 MiB below the 1 GiB boundary
    private const int WindowPages = 4096;                               // 16 MiB: 8 slots of 2 MiB

    private sealed class Process
    {
        public AddressSpace Space;
        public Dictionary<ulong, (byte Value, bool Write)> Pages = new();
    }

    private static ulong PageAt(int index) => WindowStart + (ulong)index * Page;

    [Fact]
    public void Random_map_fork_protect_unmap_write_exit_keeps_spaces_private_and_frames_balanced()
    {
        const int operations = 20_000;
        int seed = Seeds.Get();
        var rng = new Random(seed);
        using var machine = new SimulatedMachine(ramBytes: 64UL << 20, poolFrames: 12_000);
        var mapper = machine.Mapper;
        var counts = machine.Counts;
        var processes = new List<Process>();
        // 2 MiB data chunks above the pool, each used once (freed frames join the pool).
        var chunks = new Queue<ulong>(Enumerable.Range(24, 8).Select(i => (ulong)i * Size2MiB));

        int step = 0;
        try
        {
            Assert.Equal(VmmError.None, mapper.CreateEmpty(out var first));
            processes.Add(new Process { Space = first });

            for (step = 0; step < operations; step++)
            {
                Process process = processes[rng.Next(processes.Count)];
                int kind = rng.Next(100);
                if (kind < 14)
                {
                    MapRun(machine, mapper, process, rng);
                }
                else if (kind < 16)
                {
                    MapLarge(machine, mapper, process, rng, chunks);
                }
                else if (kind < 46)
                {
                    Write(machine, mapper, processes, process, rng);
                }
                else if (kind < 58)
                {
                    Read(machine, mapper, process, rng);
                }
                else if (kind < 64)
                {
                    if (processes.Count < 8)
                    {
                        Assert.Equal(VmmError.None, mapper.Clone(process.Space, counts, out var child));
                        processes.Add(new Process { Space = child, Pages = new(process.Pages) });
                    }
                }
                else if (kind < 68)
                {
                    if (processes.Count > 1)
                    {
                        mapper.DestroyAddressSpace(process.Space, counts);
                        processes.Remove(process);
                    }
                }
                else if (kind < 84)
                {
                    Protect(machine, mapper, process, rng);
                }
                else
                {
                    Unmap(machine, mapper, process, rng);
                }

                if (step % 500 == 0)
                {
                    CheckAll(machine, mapper, processes);
                }
            }
            CheckAll(machine, mapper, processes);

            foreach (Process process in processes)
            {
                mapper.DestroyAddressSpace(process.Space, counts);
            }
            Assert.Equal(0, machine.Pool.Outstanding);
            Assert.True(machine.AllCountsZero(), "a share count is left over");
        }
        catch (Exception e)
        {
            throw Seeds.Replay(seed, step, e);
        }
    }

    private static (int Start, int End) RandomRange(Random rng)
    {
        int start = rng.Next(WindowPages);
        int length = rng.Next(4) == 0 ? rng.Next(1, WindowPages) : rng.Next(1, 64);
        return (start, Math.Min(WindowPages, start + length));
    }

    private static void MapRun(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper, Process process, Random rng)
    {
        if (machine.Pool.Available < 1000)
        {
            return;
        }
        int start = rng.Next(WindowPages);
        int end = Math.Min(WindowPages, start + rng.Next(1, 17));
        bool write = rng.Next(4) != 0;
        PageFlags flags = PageFlags.User | (write ? PageFlags.Writable : 0) | (rng.Next(2) == 0 ? PageFlags.NoExecute : 0);
        for (int i = start; i < end; i++)
        {
            ulong va = PageAt(i);
            if (process.Pages.ContainsKey(va))
            {
                continue;
            }
            byte value = (byte)rng.Next(256);
            Assert.True(machine.Pool.TryAllocate(out ulong frame));
            machine.Frame(frame).Fill(value);
            Assert.Equal(VmmError.None, mapper.Map(process.Space, va, frame, PageSize.Size4KiB, flags));
            process.Pages[va] = (value, write);
        }
    }

    private static void MapLarge(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper, Process process,
        Random rng, Queue<ulong> chunks)
    {
        int slot = rng.Next(WindowPages / 512);
        ulong va = PageAt(slot * 512);
        if (chunks.Count == 0 || Enumerable.Range(0, 512).Any(i => process.Pages.ContainsKey(va + (ulong)i * Page)))
        {
            return;
        }
        ulong physical = chunks.Dequeue();
        bool write = rng.Next(2) == 0;
        for (ulong i = 0; i < 512; i++)
        {
            machine.Pool.Adopt(physical + i * Page);
            byte value = (byte)rng.Next(256);
            machine.Frame(physical + i * Page).Fill(value);
            process.Pages[va + i * Page] = (value, write);
        }
        // The slot's page table, if the process had one, maps nothing: the 2 MiB page replaces it.
        Assert.Equal(VmmError.None, mapper.Map(process.Space, va, physical, PageSize.Size2MiB,
            PageFlags.User | (write ? PageFlags.Writable : 0)));
    }

    private static ulong RandomMappedPage(Process process, Random rng)
        => process.Pages.Count == 0 || rng.Next(10) == 0
            ? PageAt(rng.Next(WindowPages))
            : process.Pages.Keys.ElementAt(rng.Next(process.Pages.Count));

    private static void Write(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper,
        List<Process> processes, Process process, Random rng)
    {
        ulong va = RandomMappedPage(process, rng);
        ulong faultAddress = va + (ulong)rng.Next(4096);
        if (!process.Pages.TryGetValue(va, out var page))
        {
            Assert.Equal(VmmError.NotMapped, mapper.Translate(process.Space, va, out _));
            Assert.Equal(VmmError.NotMapped, mapper.ResolveWriteFault(process.Space, faultAddress, machine.Counts));
            return;
        }
        Assert.Equal(VmmError.None, mapper.Translate(process.Space, va, out var t));
        if ((t.Flags & PageFlags.Writable) == 0)
        {
            VmmError error = mapper.ResolveWriteFault(process.Space, faultAddress, machine.Counts);
            if (!page.Write)
            {
                Assert.Equal(VmmError.ProtectionViolation, error);
                return;
            }
            Assert.Equal(VmmError.None, error);
            Assert.Equal(VmmError.None, mapper.Translate(process.Space, va, out t));
            Assert.True((t.Flags & PageFlags.Writable) != 0, "the fault did not make the page writable");
        }
        Assert.True(page.Write, $"page 0x{va:X} is writable although the process never asked for it");
        ulong frame = t.PhysicalAddress & ~(Page - 1);
        foreach (Process other in processes)
        {
            if (other != process && mapper.Translate(other.Space, va, out var o) == VmmError.None)
            {
                Assert.NotEqual(frame, o.PhysicalAddress & ~(Page - 1));
            }
        }
        byte value = (byte)rng.Next(256);
        machine.Frame(frame).Fill(value);
        process.Pages[va] = (value, true);
    }

    private static void Read(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper, Process process, Random rng)
    {
        ulong va = RandomMappedPage(process, rng);
        if (!process.Pages.TryGetValue(va, out var page))
        {
            Assert.Equal(VmmError.NotMapped, mapper.Translate(process.Space, va, out _));
            return;
        }
        Assert.Equal(VmmError.None, mapper.Translate(process.Space, va, out var t));
        Assert.True(machine.Frame(t.PhysicalAddress & ~(Page - 1)).IndexOfAnyExcept(page.Value) < 0,
            $"page 0x{va:X} does not hold what this process last wrote");
    }

    private static void Protect(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper, Process process, Random rng)
    {
        bool write = rng.Next(2) == 0;
        PageFlags protection = PageFlags.User | (write ? PageFlags.Writable : 0) | (rng.Next(2) == 0 ? PageFlags.NoExecute : 0);
        ulong start, end;
        if (rng.Next(30) == 0)
        {
            (start, end) = (0, VirtualAddress.UserHalfEnd);
        }
        else
        {
            var (first, last) = RandomRange(rng);
            (start, end) = (PageAt(first), PageAt(last));
        }
        var inRange = process.Pages.Keys.Where(va => va >= start && va < end).ToList();

        Assert.Equal(VmmError.None, mapper.ProtectRange(process.Space, start, end, protection, machine.Counts, out ulong pages));
        Assert.Equal((ulong)inRange.Count, pages);
        foreach (ulong va in inRange)
        {
            process.Pages[va] = (process.Pages[va].Value, write);
            Assert.Equal(VmmError.None, mapper.Translate(process.Space, va, out var t));
            bool writable = (t.Flags & PageFlags.Writable) != 0;
            bool copyOnWrite = (t.Flags & PageFlags.CopyOnWrite) != 0;
            Assert.Equal(PageSize.Size4KiB, t.Size);
            Assert.Equal(write, writable || copyOnWrite);
            Assert.False(writable && copyOnWrite, "copy-on-write page left writable");
            Assert.False(writable && machine.CountOf(t.FrameAddress) > 1, "a shared frame was made writable in place");
        }
    }

    private static void Unmap(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper, Process process, Random rng)
    {
        ulong start, end;
        if (rng.Next(40) == 0)
        {
            (start, end) = (0x10000, 0x10000 + (1UL << 44));
        }
        else
        {
            var (first, last) = RandomRange(rng);
            (start, end) = (PageAt(first), PageAt(last));
        }
        var inRange = process.Pages.Keys.Where(va => va >= start && va < end).ToList();

        Assert.Equal(VmmError.None, mapper.UnmapRange(process.Space, start, end, machine.Counts, out ulong pages));
        Assert.Equal((ulong)inRange.Count, pages);
        foreach (ulong va in inRange)
        {
            process.Pages.Remove(va);
            Assert.Equal(VmmError.NotMapped, mapper.Translate(process.Space, va, out _));
        }
    }

    /// <summary>Every process reads its model, nothing else is mapped in the window, and each frame's
    /// share count equals its number of mappings; a frame mapped writable is mapped once.</summary>
    private static void CheckAll(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper, List<Process> processes)
    {
        var mappings = new Dictionary<ulong, (int Count, bool Writable)>();
        foreach (Process process in processes)
        {
            for (int i = 0; i < WindowPages; i++)
            {
                ulong va = PageAt(i);
                VmmError error = mapper.Translate(process.Space, va, out var t);
                if (!process.Pages.TryGetValue(va, out var page))
                {
                    Assert.Equal(VmmError.NotMapped, error);
                    continue;
                }
                Assert.Equal(VmmError.None, error);
                ulong frame = t.PhysicalAddress & ~(Page - 1);
                Assert.True(machine.Frame(frame).IndexOfAnyExcept(page.Value) < 0, $"page 0x{va:X} differs from the model");
                bool writable = (t.Flags & PageFlags.Writable) != 0;
                Assert.False(writable && !page.Write, $"page 0x{va:X} writable without write access asked for");
                Assert.False(writable && (t.Flags & PageFlags.CopyOnWrite) != 0, "copy-on-write page left writable");
                var (n, w) = mappings.TryGetValue(frame, out var m) ? m : (0, false);
                mappings[frame] = (n + 1, w || writable);
            }
        }
        foreach (var (frame, (n, writable)) in mappings)
        {
            ushort count = machine.CountOf(frame);
            Assert.False(writable && n > 1, $"frame 0x{frame:X} is writable in one space and mapped in {n}");
            if (n == 1)
            {
                Assert.True(count <= 1, $"frame 0x{frame:X} mapped once has count {count}");
            }
            else
            {
                Assert.Equal(n, (int)count);
            }
        }
    }
}
