using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class ProtectUnmapTests
{
    [Fact]
    public void Unmap_returns_the_frame_clears_the_entry_and_keeps_the_tables()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 0, 2, 3);
        mapper.Map(space, va, 0x77_7000, PageSize.Size4KiB, PageFlags.Writable);

        Assert.Equal(VmmError.None, mapper.Unmap(space, va, PageSize.Size4KiB, out ulong frame));
        Assert.Equal(0x77_7000UL, frame);
        Assert.Equal(0UL, machine.Entry(0x4000, 3));
        Assert.Equal(VmmError.NotMapped, mapper.Translate(space, va, out _));
        Assert.Equal(4, machine.Pool.Outstanding);
    }

    [Fact]
    public void Unmap_of_a_2MiB_page_returns_its_frame_without_the_PAT_bit()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 0, 8, 0);
        mapper.Map(space, va, 0x80_0000, PageSize.Size2MiB, PageFlags.Writable, CacheMode.WriteCombining);

        Assert.Equal(VmmError.None, mapper.Unmap(space, va, PageSize.Size2MiB, out ulong frame));
        Assert.Equal(0x80_0000UL, frame);
        Assert.Equal(0UL, machine.Entry(0x3000, 8));
    }

    [Fact]
    public void Protect_replaces_only_the_protection_bits()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 0, 0, 5);
        mapper.Map(space, va, 0x5000, PageSize.Size4KiB, PageFlags.Writable | PageFlags.User, CacheMode.WriteCombining);
        machine.Write(0x4000 + 5 * 8, machine.Entry(0x4000, 5) | A | D);

        Assert.Equal(VmmError.None, mapper.Protect(space, va, PageSize.Size4KiB, PageFlags.User | PageFlags.NoExecute));
        Assert.Equal(0x5000UL | P | US | XD | A | D | Pat4K | PWT, machine.Entry(0x4000, 5));
    }

    [Fact]
    public void Protect_of_a_2MiB_page_keeps_PS_and_the_bit_12_PAT()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 0, 1, 0);
        mapper.Map(space, va, 0x20_0000, PageSize.Size2MiB, PageFlags.Writable, CacheMode.WriteProtected);

        Assert.Equal(VmmError.None, mapper.Protect(space, va, PageSize.Size2MiB, PageFlags.Global));
        Assert.Equal(0x20_0000UL | P | PS | PatLarge | G, machine.Entry(0x3000, 1));
    }

    [Fact]
    public void Splitting_a_2MiB_page_maps_the_same_frames_as_4KiB_pages_with_PAT_moved_to_bit_7()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        ulong va = Va(0, 0, 1, 0);
        mapper.Map(space, va, 0x20_0000, PageSize.Size2MiB, PageFlags.Writable | PageFlags.User | PageFlags.NoExecute, CacheMode.WriteCombining);
        machine.TlbLog.Clear();

        Assert.Equal(VmmError.None, mapper.SplitLargePage(space, va));

        Assert.Equal(0x4000UL | UserTable, machine.Entry(0x3000, 1));
        for (int i = 0; i < 512; i++)
        {
            Assert.Equal((0x20_0000UL + ((ulong)i << 12)) | P | RW | US | XD | Pat4K | PWT, machine.Entry(0x4000, i));
        }
        Assert.Equal(new[] { (TlbOp.InvalidatePage, space.Root, va) }, machine.TlbLog.Calls);

        Assert.Equal(VmmError.None, mapper.Protect(space, va + 0x5000, PageSize.Size4KiB, PageFlags.User));
        mapper.Translate(space, va + 0x5123, out var t);
        Assert.Equal(0x20_5123UL, t.PhysicalAddress);
        Assert.Equal(PageFlags.Present | PageFlags.User, t.Flags);
        Assert.Equal(CacheMode.WriteCombining, t.Cache);
    }
}
