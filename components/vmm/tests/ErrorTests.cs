using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class ErrorTests
{
    private const PageFlags Rw = PageFlags.Writable;

    [Fact]
    public void Mapping_over_a_mapped_4KiB_page_is_AlreadyMapped_and_changes_nothing()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 1), 0x5000, PageSize.Size4KiB, Rw);

        Assert.Equal(VmmError.AlreadyMapped, mapper.Map(space, Va(0, 0, 0, 1), 0x6000, PageSize.Size4KiB, Rw));
        Assert.Equal(0x5000UL | P | RW, machine.Entry(0x4000, 1));
    }

    [Fact]
    public void Mapping_2MiB_over_a_2MiB_page_or_over_live_4KiB_pages_is_AlreadyMapped()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 1, 0), 0x20_0000, PageSize.Size2MiB, Rw);
        mapper.Map(space, Va(0, 0, 2, 7), 0x5000, PageSize.Size4KiB, Rw);

        Assert.Equal(VmmError.AlreadyMapped, mapper.Map(space, Va(0, 0, 1, 0), 0x40_0000, PageSize.Size2MiB, Rw));
        Assert.Equal(VmmError.AlreadyMapped, mapper.Map(space, Va(0, 0, 2, 0), 0x40_0000, PageSize.Size2MiB, Rw));
        Assert.Equal(0x5000UL | P | RW, machine.Entry(0x4000, 7));
    }

    [Fact]
    public void A_4KiB_operation_inside_a_2MiB_page_is_a_SizeConflict()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 1, 0), 0x20_0000, PageSize.Size2MiB, Rw);
        ulong inside = Va(0, 0, 1, 17);
        int frames = machine.Pool.Outstanding;

        Assert.Equal(VmmError.SizeConflict, mapper.Map(space, inside, 0x5000, PageSize.Size4KiB, Rw));
        Assert.Equal(VmmError.SizeConflict, mapper.Unmap(space, inside, PageSize.Size4KiB, out _));
        Assert.Equal(VmmError.SizeConflict, mapper.Protect(space, inside, PageSize.Size4KiB, PageFlags.None));
        Assert.Equal(frames, machine.Pool.Outstanding);
        Assert.Equal(0x20_0000UL | P | RW | PS, machine.Entry(0x3000, 1));
    }

    [Fact]
    public void A_2MiB_operation_over_a_table_of_4KiB_pages_is_a_SizeConflict()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 1, 4), 0x5000, PageSize.Size4KiB, Rw);

        Assert.Equal(VmmError.SizeConflict, mapper.Unmap(space, Va(0, 0, 1, 0), PageSize.Size2MiB, out _));
        Assert.Equal(VmmError.SizeConflict, mapper.Protect(space, Va(0, 0, 1, 0), PageSize.Size2MiB, Rw));
    }

    [Fact]
    public void Anything_under_a_1GiB_page_is_a_SizeConflict()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, Rw);
        machine.Write(0x2000 + 8, 0x4000_0000UL | P | RW | PS);   // PDPT[1] = 1 GiB page

        Assert.Equal(VmmError.SizeConflict, mapper.Map(space, Va(0, 1, 3, 0), 0x5000, PageSize.Size4KiB, Rw));
        Assert.Equal(VmmError.SizeConflict, mapper.Map(space, Va(0, 1, 3, 0), 0x20_0000, PageSize.Size2MiB, Rw));
        Assert.Equal(VmmError.SizeConflict, mapper.Unmap(space, Va(0, 1, 3, 0), PageSize.Size2MiB, out _));
        Assert.Equal(VmmError.SizeConflict, mapper.Protect(space, Va(0, 1, 0, 0), PageSize.Size4KiB, Rw));
    }

    [Fact]
    public void Unmap_and_protect_of_nothing_are_NotMapped_at_every_level()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, Rw);

        foreach (ulong va in new[] { Va(1, 0, 0, 0), Va(0, 1, 0, 0), Va(0, 0, 1, 0), Va(0, 0, 0, 1) })
        {
            Assert.Equal(VmmError.NotMapped, mapper.Unmap(space, va, PageSize.Size4KiB, out ulong frame));
            Assert.Equal(0UL, frame);
            Assert.Equal(VmmError.NotMapped, mapper.Protect(space, va, PageSize.Size4KiB, Rw));
        }
        Assert.Equal(VmmError.NotMapped, mapper.Unmap(space, Va(0, 0, 1, 0), PageSize.Size2MiB, out _));
        Assert.Empty(machine.TlbLog.Calls);
    }

    [Fact]
    public void A_2MiB_unmap_over_an_emptied_page_table_is_NotMapped()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        mapper.Map(space, Va(0, 0, 0, 9), 0x5000, PageSize.Size4KiB, Rw);
        mapper.Unmap(space, Va(0, 0, 0, 9), PageSize.Size4KiB, out _);

        Assert.Equal(VmmError.NotMapped, mapper.Unmap(space, Va(0, 0, 0, 0), PageSize.Size2MiB, out _));
    }

    [Theory]
    [InlineData(0x1001UL, PageSize.Size4KiB)]
    [InlineData(0x1800UL, PageSize.Size4KiB)]
    [InlineData(0x1000UL, PageSize.Size2MiB)]
    [InlineData(0x30_0000UL, PageSize.Size2MiB)]
    public void A_misaligned_virtual_address_is_MisalignedVirtual(ulong va, PageSize size)
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);

        ulong pa = size == PageSize.Size4KiB ? 0x5000UL : 0x20_0000UL;
        Assert.Equal(VmmError.MisalignedVirtual, mapper.Map(space, va, pa, size, Rw));
        Assert.Equal(VmmError.MisalignedVirtual, mapper.Unmap(space, va, size, out _));
        Assert.Equal(VmmError.MisalignedVirtual, mapper.Protect(space, va, size, Rw));
        Assert.Equal(1, machine.Pool.Outstanding);
    }

    [Theory]
    [InlineData(0x5008UL, PageSize.Size4KiB)]
    [InlineData(0x5000UL, PageSize.Size2MiB)]
    [InlineData(0x30_0000UL, PageSize.Size2MiB)]
    public void A_misaligned_physical_address_is_MisalignedPhysical(ulong pa, PageSize size)
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        Assert.Equal(VmmError.MisalignedPhysical, mapper.Map(space, Va(0, 0, 1, 0), pa, size, Rw));
        Assert.Equal(1, machine.Pool.Outstanding);
    }

    [Fact]
    public void A_physical_address_beyond_52_bits_is_PhysicalOutOfRange()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        Assert.Equal(VmmError.PhysicalOutOfRange, mapper.Map(space, Va(0, 0, 1, 0), 1UL << 52, PageSize.Size4KiB, Rw));
        Assert.Equal(VmmError.PhysicalOutOfRange, mapper.Map(space, Va(0, 0, 1, 0), 0x8000_0000_0000_0000, PageSize.Size2MiB, Rw));
        Assert.Equal(VmmError.None, mapper.Map(space, Va(0, 0, 1, 0), 0x000F_FFFF_FFFF_F000, PageSize.Size4KiB, Rw));
    }

    [Theory]
    [InlineData(0x0000_8000_0000_0000UL)]
    [InlineData(0xFFFF_7FFF_FFFF_F000UL)]
    [InlineData(0x1000_0000_0000_0000UL)]
    public void A_non_canonical_address_is_NonCanonical_everywhere(ulong va)
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        Assert.Equal(VmmError.NonCanonical, mapper.Map(space, va, 0x5000, PageSize.Size4KiB, Rw));
        Assert.Equal(VmmError.NonCanonical, mapper.Unmap(space, va, PageSize.Size4KiB, out _));
        Assert.Equal(VmmError.NonCanonical, mapper.Protect(space, va, PageSize.Size4KiB, Rw));
        Assert.Equal(VmmError.NonCanonical, mapper.Translate(space, va, out _));
        Assert.Equal(VmmError.NonCanonical, mapper.ResolveWriteFault(space, va, machine.Counts));
    }

    [Theory]
    [InlineData(PageFlags.Present)]
    [InlineData(PageFlags.Huge)]
    [InlineData(PageFlags.Accessed)]
    [InlineData(PageFlags.Dirty)]
    [InlineData(PageFlags.CacheDisable)]
    [InlineData(PageFlags.PatLarge)]
    public void Flags_the_mapper_owns_are_InvalidFlags(PageFlags flags)
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        Assert.Equal(VmmError.InvalidFlags, mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, flags | Rw));
        mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, Rw);
        Assert.Equal(VmmError.InvalidFlags, mapper.Protect(space, Va(0, 0, 0, 0), PageSize.Size4KiB, flags));
    }

    [Fact]
    public void A_user_page_in_the_kernel_half_and_an_unknown_cache_mode_are_InvalidFlags()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        Assert.Equal(VmmError.InvalidFlags, mapper.Map(space, Va(256, 0, 0, 0), 0x5000, PageSize.Size4KiB, PageFlags.User));
        Assert.Equal(VmmError.InvalidFlags, mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, Rw, (CacheMode)6));
        mapper.Map(space, Va(256, 0, 0, 0), 0x5000, PageSize.Size4KiB, Rw);
        Assert.Equal(VmmError.InvalidFlags, mapper.Protect(space, Va(256, 0, 0, 0), PageSize.Size4KiB, PageFlags.User));
    }

    [Fact]
    public void A_writable_copy_on_write_page_is_InvalidFlags()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        const PageFlags both = PageFlags.Writable | PageFlags.CopyOnWrite | PageFlags.User;
        Assert.Equal(VmmError.InvalidFlags, mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, both));
        mapper.Map(space, Va(0, 0, 0, 0), 0x5000, PageSize.Size4KiB, PageFlags.User | PageFlags.CopyOnWrite);
        Assert.Equal(VmmError.InvalidFlags, mapper.Protect(space, Va(0, 0, 0, 0), PageSize.Size4KiB, both));
    }

    [Fact]
    public void Mapping_a_1GiB_page_is_Unsupported()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        Assert.Equal(VmmError.Unsupported, mapper.Map(space, 0x4000_0000, 0x4000_0000, PageSize.Size1GiB, Rw));
        Assert.Equal(VmmError.Unsupported, mapper.Unmap(space, 0x4000_0000, PageSize.Size1GiB, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Running_out_of_frames_mid_walk_is_OutOfFrames_and_destroy_still_frees_every_table(int framesBeforeFailure)
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        int start = machine.Pool.Outstanding;
        mapper.CreateEmpty(out var space);
        machine.Pool.FailAfter = framesBeforeFailure;

        Assert.Equal(VmmError.OutOfFrames, mapper.Map(space, Va(5, 6, 7, 8), 0x5000, PageSize.Size4KiB, Rw));
        Assert.Equal(1 + framesBeforeFailure, machine.Pool.Outstanding - start);
        Assert.Equal(VmmError.NotMapped, mapper.Translate(space, Va(5, 6, 7, 8), out _));

        machine.Pool.FailAfter = null;
        Assert.Equal(VmmError.None, mapper.Map(space, Va(5, 6, 7, 8), 0x5000, PageSize.Size4KiB, Rw));
        Assert.Equal(4, machine.Pool.Outstanding - start);
        mapper.DestroyAddressSpace(space);
        Assert.Equal(start, machine.Pool.Outstanding);
    }

    [Fact]
    public void Tables_left_by_a_failed_map_are_freed_on_destroy()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var space);
        machine.Pool.FailAfter = 2;
        Assert.Equal(VmmError.OutOfFrames, mapper.Map(space, Va(5, 6, 7, 8), 0x5000, PageSize.Size4KiB, Rw));
        machine.Pool.FailAfter = null;

        mapper.DestroyAddressSpace(space);
        Assert.Equal(0, machine.Pool.Outstanding);
    }
}
