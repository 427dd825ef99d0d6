using System;
using System.Collections.Generic;
using Aurora.Vmm.Aarch64;
using Aurora.Vmm.Tests.Simulation;
using Xunit;

namespace Aurora.Vmm.Tests;

/// <summary>
/// The process operations of the AArch64 format (fork's Clone, the copy-on-write fault, range
/// unmap/protect/move, destroy) checked two ways: cases with known answers, and a randomized
/// run against the x86_64 PageMapper, whose contracts they copy: every page of every process
/// must hold the same bytes, rights and share count under both formats after every step, and
/// both must give every frame back at the end.
/// </summary>
public unsafe class Aarch64AddressSpaceTests
{
    private const PageFlags UserRw = PageFlags.User | PageFlags.Writable | PageFlags.NoExecute;

    private static Aarch64PageTables<SimMemory, SimFrames, SimTlb> Tables(SimulatedMachine machine)
        => new(new SimMemory(machine.Ram, machine.RamBytes, machine.MemoryLog), new SimFrames(machine.Pool), new SimTlb(machine.TlbLog));

    private static ulong Tag(SimulatedMachine machine, Aarch64PageTables<SimMemory, SimFrames, SimTlb> tables, ulong root, ulong va)
    {
        Assert.Equal(VmmError.None, tables.Translate(root, va, out Translation t));
        return machine.Read(t.FrameAddress);
    }

    [Fact]
    public void Fork_shares_frames_copy_on_write_and_the_first_write_copies()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        int before = machine.Pool.Outstanding;
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong parent));
        Assert.True(machine.Pool.TryAllocate(out ulong data));
        Assert.True(machine.Pool.TryAllocate(out ulong code));
        machine.Write(data, 0x1111);
        machine.Write(code, 0x2222);
        Assert.Equal(VmmError.None, tables.Map(parent, 0x40_1000, data, PageSize.Size4KiB, UserRw, CacheMode.WriteBack));
        Assert.Equal(VmmError.None, tables.Map(parent, 0x40_0000, code, PageSize.Size4KiB, PageFlags.User, CacheMode.WriteBack));

        Assert.Equal(VmmError.None, tables.Clone(parent, machine.Counts, out ulong child));
        Assert.Equal(2, machine.CountOf(data));
        Assert.Equal(2, machine.CountOf(code));
        foreach (ulong root in new[] { parent, child })
        {
            Aarch64TablesTests.Access page = Aarch64TablesTests.HardwareWalk(machine, root, 0x40_1000)!.Value;
            Assert.Equal(data, page.Physical);
            Assert.True(page.UserRead && !page.UserWrite && !page.UserExecute, "a shared writable page must be read-only in both after fork");
            Assert.True(tables.Translate(root, 0x40_1000, out Translation t) == VmmError.None && (t.Flags & PageFlags.CopyOnWrite) != 0);
        }
        Assert.Contains(machine.TlbLog.Calls, c => c.Op == TlbOp.FlushAll && c.Root == parent);

        // The child writes: it gets its own copy, the parent keeps the frame (count back to 1).
        Assert.Equal(VmmError.None, tables.ResolveWriteFault(child, 0x40_1008, machine.Counts));
        Aarch64TablesTests.Access copied = Aarch64TablesTests.HardwareWalk(machine, child, 0x40_1000)!.Value;
        Assert.NotEqual(data, copied.Physical);
        Assert.True(copied.UserWrite && !copied.UserExecute);
        Assert.Equal(0x1111UL, machine.Read(copied.Physical));
        Assert.Equal(1, machine.CountOf(data));
        // The parent's write finds itself the last mapping: writable in place, no copy.
        int outstanding = machine.Pool.Outstanding;
        Assert.Equal(VmmError.None, tables.ResolveWriteFault(parent, 0x40_1000, machine.Counts));
        Assert.Equal(data, Aarch64TablesTests.HardwareWalk(machine, parent, 0x40_1000)!.Value.Physical);
        Assert.True(Aarch64TablesTests.HardwareWalk(machine, parent, 0x40_1000)!.Value.UserWrite);
        Assert.Equal(outstanding, machine.Pool.Outstanding);
        // Code is not copy-on-write: a write there is a real fault; nothing mapped is NotMapped.
        Assert.Equal(VmmError.ProtectionViolation, tables.ResolveWriteFault(child, 0x40_0000, machine.Counts));
        Assert.Equal(VmmError.NotMapped, tables.ResolveWriteFault(child, 0x80_0000, machine.Counts));
        Assert.Equal(VmmError.NonCanonical, tables.ResolveWriteFault(child, 0xFFFF_8000_0000_0000, machine.Counts));

        tables.DestroyRoot(child, machine.Counts);
        tables.DestroyRoot(parent, machine.Counts);
        Assert.Equal(before, machine.Pool.Outstanding);
        Assert.True(machine.AllCountsZero());
    }

    [Fact]
    public void Ranges_visit_only_what_is_mapped_and_refuse_what_is_not_theirs()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        int before = machine.Pool.Outstanding;
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong root));
        ulong[] pages = { 0x40_0000, 0x40_1000, 0x7FFF_FFFF_E000, 0x7FFF_FFFF_F000 };
        foreach (ulong va in pages)
        {
            Assert.True(machine.Pool.TryAllocate(out ulong frame));
            Assert.Equal(VmmError.None, tables.Map(root, va, frame, PageSize.Size4KiB, UserRw, CacheMode.WriteBack));
        }
        // All of the lower half: cheap, since only four level-3 tables exist.
        long accesses = machine.MemoryLog.Accesses;
        Assert.Equal(VmmError.None, tables.ProtectRange(root, 0, Aarch64PageTables<SimMemory, SimFrames, SimTlb>.LowerHalfEnd, PageFlags.User, machine.Counts, out ulong visited));
        Assert.Equal(4UL, visited);
        Assert.True(machine.MemoryLog.Accesses - accesses < 100_000, $"{machine.MemoryLog.Accesses - accesses} accesses for four pages");
        Assert.False(Aarch64TablesTests.HardwareWalk(machine, root, 0x40_0000)!.Value.UserWrite);
        Assert.True(Aarch64TablesTests.HardwareWalk(machine, root, 0x40_0000)!.Value.UserExecute);
        Assert.Equal(VmmError.InvalidFlags, tables.ProtectRange(root, 0, 0x1000, PageFlags.User | PageFlags.Global, machine.Counts, out _));
        Assert.Equal(VmmError.MisalignedVirtual, tables.UnmapRange(root, 0x40_0001, 0x40_2000, machine.Counts, out _));
        Assert.Equal(VmmError.NonCanonical, tables.UnmapRange(root, 0, 0xFFFF_8000_0000_0000, machine.Counts, out _));

        // mremap: the two stack pages move down, the old place is empty, a mapped target refused.
        Assert.Equal(VmmError.AlreadyMapped, tables.MoveRange(root, 0x7FFF_FFFF_E000, 0x40_0000, 0x2000, out _));
        Assert.Equal(VmmError.InvalidFlags, tables.MoveRange(root, 0x40_0000, 0x40_1000, 0x2000, out _));
        Assert.Equal(VmmError.None, tables.MoveRange(root, 0x7FFF_FFFF_E000, 0x1000_0000, 0x2000, out ulong moved));
        Assert.Equal(2UL, moved);
        Assert.Null(Aarch64TablesTests.HardwareWalk(machine, root, 0x7FFF_FFFF_F000));
        Assert.NotNull(Aarch64TablesTests.HardwareWalk(machine, root, 0x1000_1000));

        Assert.Equal(VmmError.None, tables.UnmapRange(root, 0, Aarch64PageTables<SimMemory, SimFrames, SimTlb>.LowerHalfEnd, machine.Counts, out ulong unmapped));
        Assert.Equal(4UL, unmapped);
        foreach (ulong va in new ulong[] { 0x40_0000, 0x40_1000, 0x1000_0000, 0x1000_1000 }) Assert.Null(Aarch64TablesTests.HardwareWalk(machine, root, va));
        tables.DestroyRoot(root, machine.Counts);
        Assert.Equal(before, machine.Pool.Outstanding);
    }

    [Fact]
    public void A_failed_fork_gives_back_everything_it_took()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong parent));
        for (ulong i = 0; i < 8; i++)
        {
            Assert.True(machine.Pool.TryAllocate(out ulong frame));
            Assert.Equal(VmmError.None, tables.Map(parent, 0x40_0000 + i * 0x20_0000, frame, PageSize.Size4KiB, UserRw, CacheMode.WriteBack));
        }
        int outstanding = machine.Pool.Outstanding;
        for (int budget = 0; budget < 12; budget++)
        {
            machine.Pool.FailAfter = budget;
            VmmError error = tables.Clone(parent, machine.Counts, out ulong child);
            machine.Pool.FailAfter = null;
            if (error == VmmError.None)
            {
                tables.DestroyRoot(child, machine.Counts);
            }
            else
            {
                Assert.Equal(VmmError.OutOfFrames, error);
            }
            Assert.Equal(outstanding, machine.Pool.Outstanding);
            for (ulong i = 0; i < 8; i++)
            {
                Assert.Equal(VmmError.None, tables.Translate(parent, 0x40_0000 + i * 0x20_0000, out Translation t));
                Assert.True(machine.CountOf(t.FrameAddress) <= 1, "a failed or finished fork left a share behind");
            }
        }
    }

    private readonly record struct PageState(ulong Tag, PageFlags Rights, ushort Count);

    private const PageFlags Compared = PageFlags.User | PageFlags.Writable | PageFlags.NoExecute | PageFlags.CopyOnWrite | PageFlags.Shared;

    [Fact]
    public void Random_process_histories_match_the_x86_64_mapper()
    {
        const int steps = 4000;
        int seed = Seeds.Get();
        var rng = new Random(seed);
        using var arm = new SimulatedMachine(ramBytes: 16UL << 20, poolFrames: 3000);
        using var x86 = new SimulatedMachine(ramBytes: 16UL << 20, poolFrames: 3000);
        var tables = Tables(arm);
        var mapper = x86.Mapper;
        Assert.Equal(VmmError.None, mapper.CreateEmpty(out AddressSpace template));
        Assert.Equal(VmmError.None, mapper.ReserveKernelHalf(template));
        int armBefore = arm.Pool.Outstanding, x86Before = x86.Pool.Outstanding;
        var processes = new List<(ulong Arm, AddressSpace X86)>();
        // Pages in three 2 MiB regions (two sharing a level-2 table) and one far away.
        var pages = new List<ulong>();
        foreach (ulong region in new ulong[] { 0x40_0000, 0x60_0000, 0x7FFF_FFE0_0000 })
            for (ulong i = 0; i < 6; i++) pages.Add(region + i * 0x1000);
        PageFlags[] rights = { UserRw, PageFlags.User, PageFlags.User | PageFlags.NoExecute, UserRw | PageFlags.Shared };
        PageFlags[] newRights = { UserRw, PageFlags.User, PageFlags.User | PageFlags.Writable, PageFlags.User | PageFlags.NoExecute };
        ulong nextTag = 1;

        // The x86_64 Translate does not report the Shared software bit (10): read from its entry.
        PageState? State(SimulatedMachine machine, VmmError error, Translation t, bool x86Entry) =>
            error != VmmError.None ? null : new PageState(machine.Read(t.FrameAddress),
                (t.Flags | (x86Entry && (t.Entry & (ulong)PageFlags.Shared) != 0 ? PageFlags.Shared : 0)) & Compared, machine.CountOf(t.FrameAddress));

        void Compare(int step)
        {
            for (int p = 0; p < processes.Count; p++)
            {
                foreach (ulong va in pages)
                {
                    PageState? a = State(arm, tables.Translate(processes[p].Arm, va, out Translation ta), ta, false);
                    PageState? b = State(x86, mapper.Translate(processes[p].X86, va, out Translation tb), tb, true);
                    Assert.True(a == b, $"step {step}, process {p}, page 0x{va:X}: AArch64 {a}, x86_64 {b}");
                }
            }
        }

        int step = 0;
        try
        {
            processes.Add((0, default));
            Assert.Equal(VmmError.None, tables.CreateRoot(out ulong firstRoot));
            Assert.Equal(VmmError.None, mapper.CreateAddressSpace(template, out AddressSpace firstSpace));
            processes[0] = (firstRoot, firstSpace);
            for (step = 0; step < steps; step++)
            {
                if (processes.Count == 0)
                {
                    Assert.Equal(VmmError.None, tables.CreateRoot(out ulong r));
                    Assert.Equal(VmmError.None, mapper.CreateAddressSpace(template, out AddressSpace s));
                    processes.Add((r, s));
                }
                int p = rng.Next(processes.Count);
                (ulong root, AddressSpace space) = processes[p];
                ulong va = pages[rng.Next(pages.Count)];
                ulong start = pages[rng.Next(pages.Count)], end = pages[rng.Next(pages.Count)];
                if (start > end) (start, end) = (end, start);
                end += 0x1000;
                switch (rng.Next(10))
                {
                    case 0:
                    case 1:
                    {
                        // mmap of one fresh page (the same tag in both machines).
                        bool armMapped = tables.Translate(root, va, out _) == VmmError.None;
                        Assert.Equal(armMapped, mapper.Translate(space, va, out _) == VmmError.None);
                        if (armMapped) break;
                        Assert.True(arm.Pool.TryAllocate(out ulong fa));
                        Assert.True(x86.Pool.TryAllocate(out ulong fx));
                        arm.Write(fa, nextTag);
                        x86.Write(fx, nextTag++);
                        PageFlags r = rights[rng.Next(rights.Length)];
                        Assert.Equal(VmmError.None, tables.Map(root, va, fa, PageSize.Size4KiB, r, CacheMode.WriteBack));
                        Assert.Equal(VmmError.None, mapper.Map(space, va, fx, PageSize.Size4KiB, r));
                        break;
                    }
                    case 2:
                    case 3:
                    {
                        // A write: the fault is resolved, then the bytes land where the page now points.
                        VmmError ea = tables.ResolveWriteFault(root, va, arm.Counts), ex = mapper.ResolveWriteFault(space, va, x86.Counts);
                        Assert.Equal(ex, ea);
                        if (ea != VmmError.None) break;
                        tables.Translate(root, va, out Translation ta);
                        mapper.Translate(space, va, out Translation tx);
                        Assert.True((ta.Flags & PageFlags.Writable) != 0);
                        arm.Write(ta.FrameAddress, nextTag);
                        x86.Write(tx.FrameAddress, nextTag++);
                        break;
                    }
                    case 4:
                    {
                        if (processes.Count >= 5) break;
                        VmmError ea = tables.Clone(root, arm.Counts, out ulong child), ex = mapper.Clone(space, x86.Counts, out AddressSpace childSpace);
                        Assert.Equal(ex, ea);
                        if (ea == VmmError.None) processes.Add((child, childSpace));
                        break;
                    }
                    case 5:
                    {
                        VmmError ea = tables.UnmapRange(root, start, end, arm.Counts, out ulong na), ex = mapper.UnmapRange(space, start, end, x86.Counts, out ulong nx);
                        Assert.Equal(ex, ea);
                        Assert.Equal(nx, na);
                        break;
                    }
                    case 6:
                    case 7:
                    {
                        PageFlags r = newRights[rng.Next(newRights.Length)];
                        VmmError ea = tables.ProtectRange(root, start, end, r, arm.Counts, out ulong na), ex = mapper.ProtectRange(space, start, end, r, x86.Counts, out ulong nx);
                        Assert.Equal(ex, ea);
                        Assert.Equal(nx, na);
                        break;
                    }
                    case 8:
                    {
                        // mremap within the page window: to a region the range does not overlap.
                        ulong length = end - start, to = pages[rng.Next(pages.Count)];
                        // (x86_64's user half ends at 2^47, the TTBR0 half at 2^48: kept below both.)
                        if ((to + length > 0x80_0000 && to < 0x7FFF_FFE0_0000) || to + length > 0x8000_0000_0000) break;
                        VmmError ea = tables.MoveRange(root, start, to, length, out ulong na), ex = mapper.MoveRange(space, start, to, length, out ulong nx);
                        Assert.Equal(ex, ea);
                        Assert.Equal(nx, na);
                        if (ea == VmmError.None)
                            for (ulong a = to; a < to + length; a += 0x1000)
                                if (!pages.Contains(a)) pages.Add(a);
                        break;
                    }
                    default:
                        if (rng.Next(3) != 0) break;
                        tables.DestroyRoot(root, arm.Counts);
                        mapper.DestroyAddressSpace(space, x86.Counts);
                        processes.RemoveAt(p);
                        break;
                }
                Compare(step);
            }
            foreach ((ulong root, AddressSpace space) in processes)
            {
                tables.DestroyRoot(root, arm.Counts);
                mapper.DestroyAddressSpace(space, x86.Counts);
            }
            Assert.Equal(armBefore, arm.Pool.Outstanding);
            Assert.Equal(x86Before + 0, x86.Pool.Outstanding);
            Assert.True(arm.AllCountsZero(), "a share count was left behind");
        }
        catch (Exception e) when (e is not InvalidOperationException)
        {
            throw Seeds.Replay(seed, step, e);
        }
    }
}
