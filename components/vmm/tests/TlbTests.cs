using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class TlbTests
{
    [Fact]
    public void Mapping_a_page_where_nothing_was_mapped_needs_no_invalidation()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, PageFlags.Writable);
        mapper.Map(space, Va(0, 0, 1, 0), 0x20_0000, PageSize.Size2MiB, PageFlags.Writable);
        Assert.Empty(machine.TlbLog.Calls);
    }

    [Fact]
    public void Unmap_invalidates_the_page_in_its_own_address_space()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var a);
        mapper.CreateEmpty(out var b);
        mapper.Map(a, Va(0, 0, 0, 4), 0x5000, PageSize.Size4KiB, PageFlags.Writable);
        mapper.Map(b, Va(0, 0, 2, 0), 0x20_0000, PageSize.Size2MiB, PageFlags.Writable);

        mapper.Unmap(a, Va(0, 0, 0, 4), PageSize.Size4KiB, out _);
        mapper.Unmap(b, Va(0, 0, 2, 0), PageSize.Size2MiB, out _);

        Assert.Equal(new[]
        {
            (TlbOp.InvalidatePage, a.Root, Va(0, 0, 0, 4)),
            (TlbOp.InvalidatePage, b.Root, Va(0, 0, 2, 0)),
        }, machine.TlbLog.Calls);
    }

    [Fact]
    public void Protect_invalidates_only_when_the_entry_really_changes()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 0, 0, 4);
        mapper.Map(space, va, 0x5000, PageSize.Size4KiB, PageFlags.Writable);

        mapper.Protect(space, va, PageSize.Size4KiB, PageFlags.Writable);
        Assert.Empty(machine.TlbLog.Calls);
        mapper.Protect(space, va, PageSize.Size4KiB, PageFlags.NoExecute);
        Assert.Equal(new[] { (TlbOp.InvalidatePage, space.Root, va) }, machine.TlbLog.Calls);
    }

    [Fact]
    public void Clone_flushes_the_parent_once_and_resolving_faults_invalidates_each_faulting_page()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        var counts = machine.Counts;
        mapper.CreateEmpty(out var parent);
        for (int i = 0; i < 3; i++)
        {
            machine.Pool.TryAllocate(out ulong frame);
            mapper.Map(parent, Va(0, 0, 0, i), frame, PageSize.Size4KiB, PageFlags.Writable | PageFlags.User);
        }

        mapper.Clone(parent, counts, out var child);
        Assert.Equal(new[] { (TlbOp.FlushAll, parent.Root, 0UL) }, machine.TlbLog.Calls);

        machine.TlbLog.Clear();
        mapper.ResolveWriteFault(child, Va(0, 0, 0, 1, 0x10), counts);    // copies
        mapper.ResolveWriteFault(parent, Va(0, 0, 0, 1, 0x20), counts);   // last reference: reuses
        Assert.Equal(new[]
        {
            (TlbOp.InvalidatePage, child.Root, Va(0, 0, 0, 1)),
            (TlbOp.InvalidatePage, parent.Root, Va(0, 0, 0, 1)),
        }, machine.TlbLog.Calls);
    }

    [Fact]
    public void Clone_of_a_space_with_only_read_only_pages_does_not_flush()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var parent);
        machine.Pool.TryAllocate(out ulong frame);
        mapper.Map(parent, Va(0, 0, 0, 0), frame, PageSize.Size4KiB, PageFlags.User);

        Assert.Equal(VmmError.None, mapper.Clone(parent, machine.Counts, out _));
        Assert.Empty(machine.TlbLog.Calls);
    }

    [Fact]
    public void Failed_operations_make_no_TLB_calls()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 1, 0), 0x20_0000, PageSize.Size2MiB, PageFlags.Writable);

        mapper.Unmap(space, Va(0, 0, 1, 1), PageSize.Size4KiB, out _);
        mapper.Protect(space, Va(0, 0, 2, 0), PageSize.Size2MiB, PageFlags.None);
        mapper.Map(space, Va(0, 0, 1, 0), 0x40_0000, PageSize.Size2MiB, PageFlags.Writable);
        Assert.Empty(machine.TlbLog.Calls);
    }
}
