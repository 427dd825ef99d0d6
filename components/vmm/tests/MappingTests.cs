using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class MappingTests
{
    [Fact]
    public void Mapping_a_4KiB_page_builds_each_level_at_the_exact_index()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        Assert.Equal(VmmError.None, mapper.CreateEmpty(out var space));
        Assert.Equal(0x1000UL, space.Root);

        ulong va = Va(3, 5, 7, 9);
        Assert.Equal(VmmError.None, mapper.Map(space, va, 0x0123_4567_8000, PageSize.Size4KiB,
            PageFlags.Writable | PageFlags.User | PageFlags.NoExecute));

        // Frames come from the pool in order: PDPT 0x2000, PD 0x3000, PT 0x4000.
        Assert.Equal(0x2000UL | UserTable, machine.Entry(0x1000, 3));
        Assert.Equal(0x3000UL | UserTable, machine.Entry(0x2000, 5));
        Assert.Equal(0x4000UL | UserTable, machine.Entry(0x3000, 7));
        Assert.Equal(0x0123_4567_8000UL | P | RW | US | XD, machine.Entry(0x4000, 9));
        Assert.Equal(4, machine.Pool.Outstanding);
    }

    [Fact]
    public void New_tables_are_zeroed_apart_from_the_one_entry()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(1, 2, 3, 4), 0x9000, PageSize.Size4KiB, PageFlags.None);

        for (ulong table = 0x1000; table <= 0x4000; table += 0x1000)
        {
            int nonZero = 0;
            for (int i = 0; i < 512; i++)
            {
                if (machine.Entry(table, i) != 0)
                {
                    nonZero++;
                }
            }
            Assert.Equal(1, nonZero);
        }
    }

    [Fact]
    public void Neighbouring_pages_reuse_the_existing_tables()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 1, 0), 0x10_0000, PageSize.Size4KiB, PageFlags.Writable);
        int before = machine.Pool.Outstanding;

        Assert.Equal(VmmError.None, mapper.Map(space, Va(0, 0, 1, 1), 0x10_1000, PageSize.Size4KiB, PageFlags.Writable));
        Assert.Equal(VmmError.None, mapper.Map(space, Va(0, 0, 1, 511), 0x10_2000, PageSize.Size4KiB, PageFlags.Writable));
        Assert.Equal(before, machine.Pool.Outstanding);
    }

    [Fact]
    public void Kernel_half_tables_get_no_user_bit()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(511, 510, 0, 1);
        Assert.Equal(VmmError.None, mapper.Map(space, va, 0x20_0000, PageSize.Size4KiB, PageFlags.Writable | PageFlags.Global));

        Assert.Equal(0x2000UL | KernelTable, machine.Entry(0x1000, 511));
        Assert.Equal(0x3000UL | KernelTable, machine.Entry(0x2000, 510));
        Assert.Equal(0x4000UL | KernelTable, machine.Entry(0x3000, 0));
        Assert.Equal(0x20_0000UL | P | RW | G, machine.Entry(0x4000, 1));
    }

    [Fact]
    public void A_user_read_only_page_still_gets_writable_user_intermediates_so_the_leaf_decides()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 1), 0x7000, PageSize.Size4KiB, PageFlags.User);

        Assert.Equal(0x2000UL | UserTable, machine.Entry(0x1000, 0));
        Assert.Equal(0x7000UL | P | US, machine.Entry(0x4000, 1));
        mapper.Translate(space, Va(0, 0, 0, 1), out var t);
        Assert.Equal(PageFlags.Present | PageFlags.User, t.Flags);
    }

    [Fact]
    public void A_2MiB_page_is_a_PD_entry_with_PS_and_no_page_table()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 1, 2, 0);
        Assert.Equal(VmmError.None, mapper.Map(space, va, 0x4000_0000, PageSize.Size2MiB, PageFlags.Writable | PageFlags.User));

        Assert.Equal(0x2000UL | UserTable, machine.Entry(0x1000, 0));
        Assert.Equal(0x3000UL | UserTable, machine.Entry(0x2000, 1));
        Assert.Equal(0x4000_0000UL | P | RW | US | PS, machine.Entry(0x3000, 2));
        Assert.Equal(3, machine.Pool.Outstanding);
    }

    [Fact]
    public void NX_user_and_global_bits_land_only_in_the_leaf()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(2, 0, 0, 0), 0x8000, PageSize.Size4KiB, PageFlags.User | PageFlags.NoExecute | PageFlags.Global);

        Assert.Equal(0x8000UL | P | US | XD | G, machine.Entry(0x4000, 0));
        Assert.Equal(0UL, machine.Entry(0x1000, 2) & (XD | G));
        Assert.Equal(0UL, machine.Entry(0x3000, 0) & (XD | G));
    }

    [Fact]
    public void Write_combining_sets_PAT_and_PWT_at_bit_7_for_4KiB_and_bit_12_for_2MiB()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong framebuffer = 0xFD00_0000;
        mapper.Map(space, Va(300, 0, 0, 0), framebuffer, PageSize.Size4KiB, PageFlags.Writable, CacheMode.WriteCombining);
        mapper.Map(space, Va(300, 0, 1, 0), framebuffer + 0x20_0000, PageSize.Size2MiB, PageFlags.Writable, CacheMode.WriteCombining);

        Assert.Equal(framebuffer | P | RW | Pat4K | PWT, machine.Entry(0x4000, 0));
        Assert.Equal((framebuffer + 0x20_0000) | P | RW | PS | PatLarge | PWT, machine.Entry(0x3000, 1));

        mapper.Translate(space, Va(300, 0, 0, 0), out var small);
        mapper.Translate(space, Va(300, 0, 1, 0, 0x1234), out var large);
        Assert.Equal(CacheMode.WriteCombining, small.Cache);
        Assert.Equal(CacheMode.WriteCombining, large.Cache);
        Assert.Equal(framebuffer + 0x20_1234, large.PhysicalAddress);
    }

    [Fact]
    public void Uncached_MMIO_page_sets_PCD_and_PWT()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(400, 0, 0, 0), 0xFEE0_0000, PageSize.Size4KiB, PageFlags.Writable | PageFlags.NoExecute, CacheMode.Uncached);
        Assert.Equal(0xFEE0_0000UL | P | RW | PCD | PWT | XD, machine.Entry(0x4000, 0));
    }

    [Fact]
    public void A_2MiB_page_replaces_a_page_table_that_no_longer_maps_anything()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 0, 4, 0);
        mapper.Map(space, va + 0x3000, 0x9000, PageSize.Size4KiB, PageFlags.Writable);
        mapper.Unmap(space, va + 0x3000, PageSize.Size4KiB, out _);
        Assert.Equal(4, machine.Pool.Outstanding);
        machine.TlbLog.Clear();

        Assert.Equal(VmmError.None, mapper.Map(space, va, 0x60_0000, PageSize.Size2MiB, PageFlags.Writable));

        Assert.Equal(3, machine.Pool.Outstanding);
        Assert.Equal(0x60_0000UL | P | RW | PS, machine.Entry(0x3000, 4));
        Assert.False(machine.Pool.IsAllocated(0x4000));
        Assert.Equal(new[] { (TlbOp.InvalidatePage, space.Root, va) }, machine.TlbLog.Calls);
    }
}
