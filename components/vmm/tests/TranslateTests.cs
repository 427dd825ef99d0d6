using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class TranslateTests
{
    [Fact]
    public void Translate_of_a_4KiB_page_adds_the_offset_and_reports_leaf_flags()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(1, 1, 1, 1), 0xABC_D000, PageSize.Size4KiB, PageFlags.Writable | PageFlags.User | PageFlags.NoExecute);

        Assert.Equal(VmmError.None, mapper.Translate(space, Va(1, 1, 1, 1, 0xFFF), out var t));
        Assert.Equal(0xABC_DFFFUL, t.PhysicalAddress);
        Assert.Equal(0xABC_D000UL, t.FrameAddress);
        Assert.Equal(PageSize.Size4KiB, t.Size);
        Assert.Equal(PageFlags.Present | PageFlags.Writable | PageFlags.User | PageFlags.NoExecute, t.Flags);
        Assert.Equal(CacheMode.WriteBack, t.Cache);
        Assert.Equal(0xABC_D000UL | P | RW | US | XD, t.Entry);
    }

    [Fact]
    public void Translate_inside_a_2MiB_page_keeps_21_offset_bits()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 3, 9, 0), 0x1_2340_0000, PageSize.Size2MiB, PageFlags.User);

        Assert.Equal(VmmError.None, mapper.Translate(space, Va(0, 3, 9, 0x1AB, 0x123), out var t));
        Assert.Equal(0x1_2340_0000UL + 0x1A_B123, t.PhysicalAddress);
        Assert.Equal(0x1_2340_0000UL, t.FrameAddress);
        Assert.Equal(PageSize.Size2MiB, t.Size);
        Assert.Equal(PageFlags.Present | PageFlags.User, t.Flags);
    }

    [Fact]
    public void Translate_follows_a_1GiB_page_found_in_the_PDPT()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        // Build the 1 GiB entry by hand, as boot code might: PML4[256] -> PDPT, PDPT[2] = 1 GiB leaf.
        mapper.Map(space, Va(256, 0, 0, 0), 0x5000, PageSize.Size4KiB, PageFlags.None);
        ulong pdpt = machine.Entry(space.Root, 256) & PageTableEntry.AddressMask;
        machine.Write(pdpt + 2 * 8, 0x40_0000_0000UL | P | RW | PS | G | PatLarge | PWT);

        Assert.Equal(VmmError.None, mapper.Translate(space, Va(256, 2, 5, 6, 7), out var t));
        Assert.Equal(PageSize.Size1GiB, t.Size);
        Assert.Equal(0x40_0000_0000UL, t.FrameAddress);
        Assert.Equal(0x40_0000_0000UL + (5UL << 21) + (6UL << 12) + 7, t.PhysicalAddress);
        Assert.Equal(PageFlags.Present | PageFlags.Writable | PageFlags.Global, t.Flags);
        Assert.Equal(CacheMode.WriteCombining, t.Cache);
    }

    [Fact]
    public void Translate_combines_rights_over_all_levels_as_the_CPU_does()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, PageFlags.Writable | PageFlags.User);
        // A foreign-built PD entry: read-only and no-execute. It caps the leaf's rights.
        machine.Write(0x3000, 0x4000UL | P | US | XD);

        mapper.Translate(space, Va(0, 0, 0, 0), out var t);
        Assert.Equal(PageFlags.Present | PageFlags.User | PageFlags.NoExecute, t.Flags);
    }

    [Fact]
    public void Translate_reports_accessed_dirty_and_copy_on_write_from_the_leaf()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 3), 0x5000, PageSize.Size4KiB, PageFlags.User | PageFlags.CopyOnWrite);
        machine.Write(0x4000 + 3 * 8, machine.Entry(0x4000, 3) | A | D);

        mapper.Translate(space, Va(0, 0, 0, 3), out var t);
        Assert.Equal(PageFlags.Present | PageFlags.User | PageFlags.CopyOnWrite | PageFlags.Accessed | PageFlags.Dirty, t.Flags);
    }

    [Fact]
    public void Translate_reports_not_mapped_at_every_level()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, PageFlags.None);

        Assert.Equal(VmmError.NotMapped, mapper.Translate(space, Va(1, 0, 0, 0), out _));   // PML4
        Assert.Equal(VmmError.NotMapped, mapper.Translate(space, Va(0, 1, 0, 0), out _));   // PDPT
        Assert.Equal(VmmError.NotMapped, mapper.Translate(space, Va(0, 0, 1, 0), out _));   // PD
        Assert.Equal(VmmError.NotMapped, mapper.Translate(space, Va(0, 0, 0, 1), out _));   // PT
        Assert.Equal(VmmError.NonCanonical, mapper.Translate(space, 0x0000_8000_0000_0000, out _));
    }
}
