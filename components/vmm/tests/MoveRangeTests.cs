using System.Linq;
using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

/// <summary>MoveRange (mremap): pages move with their frames, rights and share state; a failure
/// leaves every page where it was; the cost follows what is mapped.</summary>
public class MoveRangeTests
{
    private const ulong Page = 0x1000;
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000;
    private const PageFlags UserRw = PageFlags.User | PageFlags.Writable;

    private static ulong MapPage(SimulatedMachine m, AddressSpace space, ulong va, PageFlags flags = UserRw)
    {
        Assert.True(m.Pool.TryAllocate(out ulong frame));
        m.Frame(frame)[0] = (byte)(va >> 12);
        Assert.Equal(VmmError.None, m.Mapper.Map(space, va, frame, PageSize.Size4KiB, flags));
        return frame;
    }

    private static ulong Leaf(SimulatedMachine m, AddressSpace space, ulong va)
    {
        Assert.Equal(VmmError.None, m.Mapper.Translate(space, va, out var t));
        return t.Entry;
    }

    [Fact]
    public void MoveRange_moves_each_page_with_its_frame_rights_and_copy_on_write_state()
    {
        using var m = new SimulatedMachine();
        Assert.Equal(VmmError.None, m.Mapper.CreateEmpty(out var space));
        ulong from = Va(0, 1, 0, 0), to = Va(2, 3, 4, 5);
        ulong a = MapPage(m, space, from);
        ulong b = MapPage(m, space, from + 3 * Page, PageFlags.User | PageFlags.NoExecute);
        Assert.Equal(VmmError.None, m.Mapper.Clone(space, m.Counts, out var child));
        ushort shares = m.Counts.Get(a);
        ulong cowEntry = Leaf(m, space, from);
        Assert.NotEqual(0UL, cowEntry & (ulong)PageFlags.CopyOnWrite);

        Assert.Equal(VmmError.None, m.Mapper.MoveRange(space, from, to, 8 * Page, out ulong pages));

        Assert.Equal(2UL, pages);
        Assert.Equal(cowEntry, Leaf(m, space, to));
        Assert.Equal(b | P | US | XD, Leaf(m, space, to + 3 * Page));
        Assert.Equal(VmmError.NotMapped, m.Mapper.Translate(space, from, out _));
        Assert.Equal(VmmError.NotMapped, m.Mapper.Translate(space, from + 3 * Page, out _));
        Assert.Equal(VmmError.NotMapped, m.Mapper.Translate(space, to + Page, out _));
        Assert.Equal(shares, m.Counts.Get(a));
        // The child still has its share where it was; the moved copy-on-write page still copies on write.
        Assert.Equal(a, Leaf(m, child, from) & AddressMask);
        Assert.Equal(VmmError.None, m.Mapper.ResolveWriteFault(space, to, m.Counts));
        Assert.NotEqual(a, Leaf(m, space, to) & AddressMask);
        Assert.Equal((byte)(from >> 12), m.Frame(Leaf(m, space, to) & AddressMask)[0]);
        m.Mapper.DestroyAddressSpace(space, m.Counts);
        m.Mapper.DestroyAddressSpace(child, m.Counts);
        Assert.Equal(0, m.Pool.Outstanding);
    }

    [Fact]
    public void MoveRange_without_a_frame_for_a_destination_table_changes_nothing()
    {
        using var m = new SimulatedMachine();
        Assert.Equal(VmmError.None, m.Mapper.CreateEmpty(out var space));
        ulong from = Va(0, 1, 0, 0), to = Va(5, 0, 0, 0);
        ulong[] frames = Enumerable.Range(0, 3).Select(i => MapPage(m, space, from + (ulong)i * 0x20_0000)).ToArray();
        ulong[] entries = Enumerable.Range(0, 3).Select(i => Leaf(m, space, from + (ulong)i * 0x20_0000)).ToArray();
        m.Pool.FailAfter = 3; // the first destination's PDPT, PD and PT; the second page's PT fails

        Assert.Equal(VmmError.OutOfFrames, m.Mapper.MoveRange(space, from, to, 0x60_0000, out ulong pages));

        Assert.Equal(0UL, pages);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(entries[i], Leaf(m, space, from + (ulong)i * 0x20_0000));
            Assert.Equal(VmmError.NotMapped, m.Mapper.Translate(space, to + (ulong)i * 0x20_0000, out _));
        }
    }

    [Fact]
    public void MoveRange_refuses_overlapping_unaligned_and_occupied_destinations()
    {
        using var m = new SimulatedMachine();
        Assert.Equal(VmmError.None, m.Mapper.CreateEmpty(out var space));
        ulong from = Va(0, 1, 0, 0);
        MapPage(m, space, from);
        MapPage(m, space, from + 0x10_0000);

        Assert.Equal(VmmError.InvalidFlags, m.Mapper.MoveRange(space, from, from + Page, 2 * Page, out _));
        Assert.Equal(VmmError.MisalignedVirtual, m.Mapper.MoveRange(space, from, from + 0x10_0001, Page, out _));
        Assert.Equal(VmmError.NonCanonical, m.Mapper.MoveRange(space, from, VirtualAddress.UserHalfEnd - Page, 2 * Page, out _));
        Assert.Equal(VmmError.AlreadyMapped, m.Mapper.MoveRange(space, from, from + 0x10_0000, Page, out _));
        Assert.NotEqual(0UL, Leaf(m, space, from));
    }

    [Fact]
    public void MoveRange_of_a_huge_sparse_range_visits_only_existing_tables()
    {
        using var m = new SimulatedMachine();
        Assert.Equal(VmmError.None, m.Mapper.CreateEmpty(out var space));
        ulong from = 0x10000, to = 1UL << 45;
        MapPage(m, space, from + (1UL << 40));
        m.MemoryLog.Accesses = 0;

        Assert.Equal(VmmError.None, m.Mapper.MoveRange(space, from, to, 1UL << 44, out ulong pages));

        Assert.Equal(1UL, pages);
        Assert.True(m.MemoryLog.Accesses < 10_000, $"{m.MemoryLog.Accesses} table reads");
        Assert.Equal(VmmError.None, m.Mapper.Translate(space, to + (1UL << 40), out _));
    }
}
