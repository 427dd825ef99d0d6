using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

/// <summary>PageFlags.Shared (MAP_SHARED): counted like any user frame, but fork shares the
/// entry as it is and mprotect gives write access in place, so every mapping writes one frame.</summary>
public class SharedPageTests
{
    private const ulong Shared = 1UL << 10;
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000;
    private const PageFlags UserRwShared = PageFlags.User | PageFlags.Writable | PageFlags.Shared;

    private static ulong Leaf(SimulatedMachine m, AddressSpace space, ulong va)
    {
        Assert.Equal(VmmError.None, m.Mapper.Translate(space, va, out var t));
        return t.Entry;
    }

    [Fact]
    public void Clone_shares_a_shared_page_writable_in_both_spaces_and_counts_it()
    {
        using var m = new SimulatedMachine();
        Assert.Equal(VmmError.None, m.Mapper.CreateEmpty(out var parent));
        ulong va = Va(0, 0, 1, 2);
        Assert.True(m.Pool.TryAllocate(out ulong frame));
        Assert.Equal(VmmError.None, m.Mapper.Map(parent, va, frame, PageSize.Size4KiB, UserRwShared));
        ulong entry = Leaf(m, parent, va);
        m.TlbLog.Clear();

        Assert.Equal(VmmError.None, m.Mapper.Clone(parent, m.Counts, out var child));

        Assert.Equal(entry, Leaf(m, parent, va));
        Assert.Equal(entry, Leaf(m, child, va));
        Assert.Equal(frame | P | RW | US | Shared, entry);
        Assert.Equal((ushort)2, m.Counts.Get(frame));
        Assert.Empty(m.TlbLog.Calls); // the parent's entries did not change

        // Each unmap drops one share; the last frees the frame.
        Assert.Equal(VmmError.None, m.Mapper.UnmapRange(child, va, va + 0x1000, m.Counts, out _));
        Assert.True(m.Pool.IsAllocated(frame));
        Assert.Equal(VmmError.None, m.Mapper.UnmapRange(parent, va, va + 0x1000, m.Counts, out _));
        Assert.False(m.Pool.IsAllocated(frame));
        m.Mapper.DestroyAddressSpace(parent, m.Counts);
        m.Mapper.DestroyAddressSpace(child, m.Counts);
        Assert.Equal(0, m.Pool.Outstanding);
    }

    [Fact]
    public void ProtectRange_gives_a_shared_page_write_access_in_place_even_with_other_sharers()
    {
        using var m = new SimulatedMachine();
        Assert.Equal(VmmError.None, m.Mapper.CreateEmpty(out var space));
        ulong va = Va(0, 0, 1, 2);
        Assert.True(m.Pool.TryAllocate(out ulong frame));
        Assert.Equal(VmmError.None, m.Mapper.Map(space, va, frame, PageSize.Size4KiB, PageFlags.User | PageFlags.Shared));
        m.Counts.Set(frame, 3); // other mappings elsewhere

        Assert.Equal(VmmError.None, m.Mapper.ProtectRange(space, va, va + 0x1000, PageFlags.User | PageFlags.Writable, m.Counts, out _));
        Assert.Equal(frame | P | RW | US | Shared, Leaf(m, space, va));

        Assert.Equal(VmmError.None, m.Mapper.ProtectRange(space, va, va + 0x1000, PageFlags.User, m.Counts, out _));
        Assert.Equal(frame | P | US | Shared, Leaf(m, space, va));
        // A write to it now is a real violation, never a copy.
        Assert.Equal(VmmError.ProtectionViolation, m.Mapper.ResolveWriteFault(space, va, m.Counts));
    }

    [Fact]
    public void Shared_and_copy_on_write_together_are_refused()
    {
        using var m = new SimulatedMachine();
        Assert.Equal(VmmError.None, m.Mapper.CreateEmpty(out var space));
        Assert.Equal(VmmError.InvalidFlags, m.Mapper.Map(space, Va(0, 0, 1, 2), 0x5000, PageSize.Size4KiB,
            PageFlags.User | PageFlags.Shared | PageFlags.CopyOnWrite));
    }
}
