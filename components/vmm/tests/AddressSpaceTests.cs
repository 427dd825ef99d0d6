using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class AddressSpaceTests
{
    private static AddressSpace KernelTemplate(SimulatedMachine machine)
    {
        var mapper = machine.Mapper;
        Assert.Equal(VmmError.None, mapper.CreateEmpty(out var template));
        Assert.Equal(VmmError.None, mapper.ReserveKernelHalf(template));
        Assert.Equal(VmmError.None, mapper.Map(template, 0xFFFF_FFFF_8000_0000, 0x20_0000, PageSize.Size2MiB, PageFlags.Global));
        return template;
    }

    [Fact]
    public void Reserving_the_kernel_half_gives_entries_256_to_511_a_PDPT_without_the_user_bit()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var template);
        Assert.Equal(VmmError.None, mapper.ReserveKernelHalf(template));

        Assert.Equal(1 + 256, machine.Pool.Outstanding);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(0UL, machine.Entry(template.Root, i));
        }
        for (int i = 256; i < 512; i++)
        {
            Assert.Equal(KernelTable, machine.Entry(template.Root, i) & ~PageTableEntry.AddressMask);
        }
        Assert.Equal(VmmError.None, mapper.ReserveKernelHalf(template));
        Assert.Equal(1 + 256, machine.Pool.Outstanding);
    }

    [Fact]
    public void A_new_address_space_shares_the_templates_kernel_half_and_has_an_empty_user_half()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        var template = KernelTemplate(machine);

        Assert.Equal(VmmError.None, mapper.CreateAddressSpace(template, out var process));
        Assert.NotEqual(template.Root, process.Root);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(0UL, machine.Entry(process.Root, i));
        }
        for (int i = 256; i < 512; i++)
        {
            Assert.Equal(machine.Entry(template.Root, i), machine.Entry(process.Root, i));
        }
        Assert.Equal(VmmError.None, mapper.Translate(process, 0xFFFF_FFFF_8000_1234, out var t));
        Assert.Equal(0x20_1234UL, t.PhysicalAddress);
    }

    [Fact]
    public void Kernel_mappings_made_later_through_any_root_are_seen_by_every_address_space()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        var template = KernelTemplate(machine);
        mapper.CreateAddressSpace(template, out var a);
        mapper.CreateAddressSpace(template, out var b);

        mapper.Map(template, Va(300, 1, 2, 3), 0x9000, PageSize.Size4KiB, PageFlags.Writable);
        mapper.Map(a, Va(400, 0, 0, 0), 0xA000, PageSize.Size4KiB, PageFlags.Writable);

        foreach (var space in new[] { template, a, b })
        {
            Assert.Equal(VmmError.None, mapper.Translate(space, Va(300, 1, 2, 3), out var t1));
            Assert.Equal(0x9000UL, t1.PhysicalAddress);
            Assert.Equal(VmmError.None, mapper.Translate(space, Va(400, 0, 0, 0), out var t2));
            Assert.Equal(0xA000UL, t2.PhysicalAddress);
        }
    }

    [Fact]
    public void Destroy_frees_the_root_and_every_user_table_so_the_frame_count_returns_to_its_start()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        var template = KernelTemplate(machine);
        int start = machine.Pool.Outstanding;

        mapper.CreateAddressSpace(template, out var process);
        for (int i = 0; i < 600; i++)
        {
            Assert.Equal(VmmError.None, mapper.Map(process, Va(i % 3 * 100, i % 5, i % 7, i % 512), 0x100_0000 + (ulong)i * 0x1000,
                PageSize.Size4KiB, PageFlags.Writable | PageFlags.User));
        }
        mapper.Map(process, Va(255, 511, 511, 0), 0x4000_0000, PageSize.Size2MiB, PageFlags.User);
        Assert.True(machine.Pool.Outstanding > start + 10);

        mapper.DestroyAddressSpace(process);
        Assert.Equal(start, machine.Pool.Outstanding);
        Assert.Equal(VmmError.None, mapper.Translate(template, 0xFFFF_FFFF_8000_0000, out _));
    }

    [Fact]
    public void Destroy_never_frees_kernel_half_tables_even_ones_created_through_the_process()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        var template = KernelTemplate(machine);
        mapper.CreateAddressSpace(template, out var process);
        mapper.Map(process, Va(400, 3, 3, 3), 0x9000, PageSize.Size4KiB, PageFlags.Writable);
        int withKernelTables = machine.Pool.Outstanding;

        mapper.DestroyAddressSpace(process);

        Assert.Equal(withKernelTables - 1, machine.Pool.Outstanding);
        Assert.Equal(VmmError.None, mapper.Translate(template, Va(400, 3, 3, 3), out var t));
        Assert.Equal(0x9000UL, t.PhysicalAddress);
        Assert.Equal(machine.Pool.Outstanding, TableWalk.CountTables(machine, template.Root));
    }

    [Fact]
    public void Destroy_with_counts_returns_the_user_frames_as_well()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        var template = KernelTemplate(machine);
        int start = machine.Pool.Outstanding;
        mapper.CreateAddressSpace(template, out var process);
        for (int i = 0; i < 20; i++)
        {
            machine.Pool.TryAllocate(out ulong frame);
            mapper.Map(process, Va(0, 0, i / 8, i), frame, PageSize.Size4KiB, PageFlags.Writable | PageFlags.User);
        }

        mapper.DestroyAddressSpace(process, machine.Counts);
        Assert.Equal(start, machine.Pool.Outstanding);
        Assert.True(machine.AllCountsZero());
    }

    [Fact]
    public void Destroy_with_counts_releases_every_frame_of_a_2MiB_page()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var process);
        const ulong large = 0x60_0000;
        for (ulong f = 0; f < 512; f++)
        {
            machine.Pool.Adopt(large + f * 4096);
        }
        mapper.Map(process, Va(0, 0, 1, 0), large, PageSize.Size2MiB, PageFlags.Writable | PageFlags.User);

        mapper.DestroyAddressSpace(process, machine.Counts);
        Assert.Equal(0, machine.Pool.Outstanding);
    }

    [Fact]
    public void Destroy_with_counts_keeps_pinned_and_uncovered_frames()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        var counts = machine.Counts;
        mapper.CreateEmpty(out var process);
        ulong pinned = machine.FirstDataFrame;
        counts.Set(pinned, FrameRefCounts.Pinned);
        ulong device = 0xFD00_0000;   // far above the simulated RAM: not covered by the counts
        mapper.Map(process, Va(0, 0, 0, 0), pinned, PageSize.Size4KiB, PageFlags.User);
        mapper.Map(process, Va(0, 0, 0, 1), device, PageSize.Size4KiB, PageFlags.User | PageFlags.Writable, CacheMode.WriteCombining);

        mapper.DestroyAddressSpace(process, counts);   // the pool would throw on a frame it never handed out
        Assert.Equal(0, machine.Pool.Outstanding);
        Assert.Equal(FrameRefCounts.Pinned, counts.Get(pinned));
    }

    [Fact]
    public void Destroy_drops_a_1GiB_user_page_without_touching_its_frames()
    {
        using var machine = new SimulatedMachine();
        var mapper = machine.Mapper;
        mapper.CreateEmpty(out var process);
        mapper.Map(process, Va(0, 0, 0, 0), 0xFD00_0000, PageSize.Size4KiB, PageFlags.User);
        machine.Write(0x2000 + 8, 0x40_0000_0000UL | P | US | PS);   // uncovered 1 GiB page

        mapper.DestroyAddressSpace(process, machine.Counts);
        Assert.Equal(0, machine.Pool.Outstanding);
    }
}
