using System;
using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

public class CopyOnWriteTests
{
    private const PageFlags UserRw = PageFlags.User | PageFlags.Writable;
    private static readonly ulong WritablePage = Va(0, 0, 0, 1);
    private static readonly ulong ReadOnlyPage = Va(0, 0, 0, 2);

    /// <summary>A process with one writable and one read-only page, each on its own pool frame filled with a pattern.</summary>
    private sealed class Fixture : IDisposable
    {
        public readonly SimulatedMachine Machine = new();
        public readonly AddressSpace Template;
        public readonly AddressSpace Parent;
        public readonly ulong WritableFrame;
        public readonly ulong ReadOnlyFrame;
        public readonly int FramesAtStart;

        public Fixture()
        {
            var mapper = Machine.Mapper;
            mapper.CreateEmpty(out Template);
            mapper.ReserveKernelHalf(Template);
            mapper.Map(Template, 0xFFFF_FFFF_8000_0000, 0x20_0000, PageSize.Size2MiB, PageFlags.Global);
            FramesAtStart = Machine.Pool.Outstanding;
            mapper.CreateAddressSpace(Template, out Parent);
            Machine.Pool.TryAllocate(out WritableFrame);
            Machine.Pool.TryAllocate(out ReadOnlyFrame);
            Fill(WritableFrame, 0x11);
            Fill(ReadOnlyFrame, 0x22);
            mapper.Map(Parent, WritablePage, WritableFrame, PageSize.Size4KiB, UserRw | PageFlags.NoExecute);
            mapper.Map(Parent, ReadOnlyPage, ReadOnlyFrame, PageSize.Size4KiB, PageFlags.User);
        }

        public PageMapper<SimMemory, SimFrames, SimTlb> Mapper => Machine.Mapper;
        public FrameRefCounts Counts => Machine.Counts;

        public void Fill(ulong frame, byte seed)
        {
            Span<byte> bytes = Machine.Frame(frame);
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(seed + i);
            }
        }

        public bool Holds(ulong frame, byte seed)
        {
            Span<byte> bytes = Machine.Frame(frame);
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != (byte)(seed + i))
                {
                    return false;
                }
            }
            return true;
        }

        public ulong Leaf(AddressSpace space, ulong va)
        {
            Assert.Equal(VmmError.None, Mapper.Translate(space, va, out var t));
            return t.Entry;
        }

        public AddressSpace Clone()
        {
            Assert.Equal(VmmError.None, Mapper.Clone(Parent, Counts, out var child));
            return child;
        }

        public void Dispose() => Machine.Dispose();
    }

    [Fact]
    public void Clone_turns_writable_user_pages_read_only_copy_on_write_in_parent_and_child()
    {
        using var f = new Fixture();
        var child = f.Clone();

        ulong expected = f.WritableFrame | P | US | XD | Cow;
        Assert.Equal(expected, f.Leaf(f.Parent, WritablePage));
        Assert.Equal(expected, f.Leaf(child, WritablePage));
        Assert.Equal(2, f.Counts.Get(f.WritableFrame));
        // Own tables, not the parent's.
        Assert.NotEqual(f.Machine.Entry(f.Parent.Root, 0), f.Machine.Entry(child.Root, 0));
    }

    [Fact]
    public void Clone_leaves_read_only_pages_plainly_shared_and_counted()
    {
        using var f = new Fixture();
        var child = f.Clone();

        Assert.Equal(f.ReadOnlyFrame | P | US, f.Leaf(f.Parent, ReadOnlyPage));
        Assert.Equal(f.ReadOnlyFrame | P | US, f.Leaf(child, ReadOnlyPage));
        Assert.Equal(2, f.Counts.Get(f.ReadOnlyFrame));
    }

    [Fact]
    public void Clone_shares_the_kernel_half()
    {
        using var f = new Fixture();
        var child = f.Clone();
        for (int i = 256; i < 512; i++)
        {
            Assert.Equal(f.Machine.Entry(f.Template.Root, i), f.Machine.Entry(child.Root, i));
        }
    }

    [Fact]
    public void Write_fault_in_the_child_copies_the_page_and_the_parent_then_reuses_its_frame()
    {
        using var f = new Fixture();
        var child = f.Clone();

        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(child, WritablePage + 0x123, f.Counts));
        ulong childLeaf = f.Leaf(child, WritablePage);
        ulong copy = childLeaf & PageTableEntry.AddressMask;
        Assert.NotEqual(f.WritableFrame, copy);
        Assert.Equal(copy | P | RW | US | XD, childLeaf);
        Assert.True(f.Holds(copy, 0x11));
        Assert.Equal(1, f.Counts.Get(copy));
        Assert.Equal(1, f.Counts.Get(f.WritableFrame));
        Assert.Equal(f.WritableFrame | P | US | XD | Cow, f.Leaf(f.Parent, WritablePage));

        // The parent holds the last reference: no copy, the entry just becomes writable again.
        int allocations = f.Machine.Pool.Allocations;
        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(f.Parent, WritablePage, f.Counts));
        Assert.Equal(allocations, f.Machine.Pool.Allocations);
        Assert.Equal(f.WritableFrame | P | RW | US | XD, f.Leaf(f.Parent, WritablePage));

        // The two pages are now independent.
        f.Fill(copy, 0x77);
        Assert.True(f.Holds(f.WritableFrame, 0x11));
    }

    [Fact]
    public void Write_fault_in_the_parent_first_copies_for_the_parent_and_the_child_reuses()
    {
        using var f = new Fixture();
        var child = f.Clone();

        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(f.Parent, WritablePage, f.Counts));
        ulong parentFrame = f.Leaf(f.Parent, WritablePage) & PageTableEntry.AddressMask;
        Assert.NotEqual(f.WritableFrame, parentFrame);
        Assert.True(f.Holds(parentFrame, 0x11));

        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(child, WritablePage, f.Counts));
        Assert.Equal(f.WritableFrame | P | RW | US | XD, f.Leaf(child, WritablePage));
        Assert.Equal(1, f.Counts.Get(f.WritableFrame));
        Assert.Equal(1, f.Counts.Get(parentFrame));
    }

    [Fact]
    public void Three_generations_share_one_frame_and_the_counts_follow_each_copy()
    {
        using var f = new Fixture();
        var child = f.Clone();
        Assert.Equal(VmmError.None, f.Mapper.Clone(child, f.Counts, out var grandchild));
        Assert.Equal(3, f.Counts.Get(f.WritableFrame));

        f.Mapper.ResolveWriteFault(grandchild, WritablePage, f.Counts);
        Assert.Equal(2, f.Counts.Get(f.WritableFrame));
        f.Mapper.ResolveWriteFault(f.Parent, WritablePage, f.Counts);
        Assert.Equal(1, f.Counts.Get(f.WritableFrame));
        int allocations = f.Machine.Pool.Allocations;
        f.Mapper.ResolveWriteFault(child, WritablePage, f.Counts);
        Assert.Equal(allocations, f.Machine.Pool.Allocations);
        Assert.Equal(f.WritableFrame, f.Leaf(child, WritablePage) & PageTableEntry.AddressMask);

        f.Mapper.DestroyAddressSpace(grandchild, f.Counts);
        f.Mapper.DestroyAddressSpace(child, f.Counts);
        f.Mapper.DestroyAddressSpace(f.Parent, f.Counts);
        Assert.Equal(f.FramesAtStart, f.Machine.Pool.Outstanding);
        Assert.True(f.Machine.AllCountsZero());
    }

    [Fact]
    public void Destroying_the_child_gives_the_parent_back_sole_ownership()
    {
        using var f = new Fixture();
        var child = f.Clone();
        f.Mapper.DestroyAddressSpace(child, f.Counts);

        Assert.Equal(1, f.Counts.Get(f.WritableFrame));
        Assert.True(f.Holds(f.WritableFrame, 0x11));
        int allocations = f.Machine.Pool.Allocations;
        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(f.Parent, WritablePage, f.Counts));
        Assert.Equal(allocations, f.Machine.Pool.Allocations);
    }

    [Fact]
    public void A_write_fault_on_a_read_only_page_that_is_not_copy_on_write_is_a_ProtectionViolation()
    {
        using var f = new Fixture();
        var child = f.Clone();
        f.Machine.TlbLog.Clear();

        Assert.Equal(VmmError.ProtectionViolation, f.Mapper.ResolveWriteFault(child, ReadOnlyPage, f.Counts));
        Assert.Equal(VmmError.ProtectionViolation, f.Mapper.ResolveWriteFault(f.Parent, ReadOnlyPage + 8, f.Counts));
        Assert.Equal(f.ReadOnlyFrame | P | US, f.Leaf(child, ReadOnlyPage));
        Assert.Empty(f.Machine.TlbLog.Calls);
    }

    [Fact]
    public void A_write_fault_on_an_already_writable_page_only_invalidates_the_stale_TLB_entry()
    {
        using var f = new Fixture();
        f.Machine.TlbLog.Clear();
        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(f.Parent, WritablePage + 5, f.Counts));
        Assert.Equal(new[] { (TlbOp.InvalidatePage, f.Parent.Root, WritablePage) }, f.Machine.TlbLog.Calls);
    }

    [Fact]
    public void A_write_fault_where_nothing_is_mapped_is_NotMapped()
    {
        using var f = new Fixture();
        Assert.Equal(VmmError.NotMapped, f.Mapper.ResolveWriteFault(f.Parent, Va(0, 0, 0, 3), f.Counts));
        Assert.Equal(VmmError.NotMapped, f.Mapper.ResolveWriteFault(f.Parent, Va(7, 0, 0, 0), f.Counts));
    }

    [Fact]
    public void A_copy_that_finds_no_free_frame_is_OutOfFrames_and_changes_nothing()
    {
        using var f = new Fixture();
        var child = f.Clone();
        f.Machine.Pool.FailAfter = 0;

        Assert.Equal(VmmError.OutOfFrames, f.Mapper.ResolveWriteFault(child, WritablePage, f.Counts));
        Assert.Equal(f.WritableFrame | P | US | XD | Cow, f.Leaf(child, WritablePage));
        Assert.Equal(2, f.Counts.Get(f.WritableFrame));
    }

    [Fact]
    public void A_pinned_zero_page_mapped_copy_on_write_is_always_copied_and_stays_pinned()
    {
        using var f = new Fixture();
        ulong zeroPage = f.Machine.FirstDataFrame;
        f.Machine.Frame(zeroPage).Clear();
        f.Counts.Set(zeroPage, FrameRefCounts.Pinned);
        ulong va = Va(0, 0, 0, 10);
        f.Mapper.Map(f.Parent, va, zeroPage, PageSize.Size4KiB, PageFlags.User | PageFlags.CopyOnWrite);

        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(f.Parent, va, f.Counts));
        ulong copy = f.Leaf(f.Parent, va) & PageTableEntry.AddressMask;
        Assert.NotEqual(zeroPage, copy);
        Assert.True(f.Machine.Frame(copy).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(FrameRefCounts.Pinned, f.Counts.Get(zeroPage));
        Assert.Equal(1, f.Counts.Get(copy));
    }

    [Fact]
    public void Clone_splits_a_writable_2MiB_page_in_the_parent_and_shares_its_4KiB_frames()
    {
        using var f = new Fixture();
        const ulong large = 0x60_0000;
        for (ulong i = 0; i < 512; i++)
        {
            f.Machine.Pool.Adopt(large + i * 4096);
            f.Fill(large + i * 4096, (byte)i);
        }
        ulong va = Va(0, 0, 1, 0);
        f.Mapper.Map(f.Parent, va, large, PageSize.Size2MiB, UserRw);

        var child = f.Clone();
        for (int i = 0; i < 512; i++)
        {
            ulong frame = large + (ulong)i * 4096;
            Assert.Equal(frame | P | US | Cow, f.Leaf(f.Parent, va + (ulong)i * 4096));
            Assert.Equal(frame | P | US | Cow, f.Leaf(child, va + (ulong)i * 4096));
            Assert.Equal(2, f.Counts.Get(frame));
        }
        f.Mapper.Translate(f.Parent, va, out var t);
        Assert.Equal(PageSize.Size4KiB, t.Size);

        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(child, va + 0x5010, f.Counts));
        ulong copy = f.Leaf(child, va + 0x5000) & PageTableEntry.AddressMask;
        Assert.True(f.Holds(copy, 5));

        f.Mapper.DestroyAddressSpace(child, f.Counts);
        f.Mapper.DestroyAddressSpace(f.Parent, f.Counts);
        Assert.Equal(f.FramesAtStart, f.Machine.Pool.Outstanding);
        Assert.True(f.Machine.AllCountsZero());
    }

    [Fact]
    public void Clone_keeps_a_read_only_2MiB_page_whole_and_counts_each_of_its_frames()
    {
        using var f = new Fixture();
        const ulong large = 0x60_0000;
        for (ulong i = 0; i < 512; i++)
        {
            f.Machine.Pool.Adopt(large + i * 4096);
        }
        ulong va = Va(0, 0, 1, 0);
        f.Mapper.Map(f.Parent, va, large, PageSize.Size2MiB, PageFlags.User);
        int before = f.Machine.Pool.Outstanding;

        var child = f.Clone();
        Assert.Equal(large | P | US | PS, f.Leaf(f.Parent, va));
        Assert.Equal(large | P | US | PS, f.Leaf(child, va));
        for (ulong i = 0; i < 512; i++)
        {
            Assert.Equal(2, f.Counts.Get(large + i * 4096));
        }

        f.Mapper.DestroyAddressSpace(child, f.Counts);
        Assert.Equal(before, f.Machine.Pool.Outstanding);
        f.Mapper.DestroyAddressSpace(f.Parent, f.Counts);
        Assert.Equal(f.FramesAtStart, f.Machine.Pool.Outstanding);
        Assert.True(f.Machine.AllCountsZero());
    }

    [Fact]
    public void Clone_shares_uncovered_device_memory_exactly_as_mapped()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 0, 20);
        ulong framebuffer = 0xFD00_0000;
        f.Mapper.Map(f.Parent, va, framebuffer, PageSize.Size4KiB, UserRw, CacheMode.WriteCombining);
        ulong entry = f.Leaf(f.Parent, va);

        var child = f.Clone();
        Assert.Equal(entry, f.Leaf(f.Parent, va));
        Assert.Equal(entry, f.Leaf(child, va));
        Assert.Equal(framebuffer | P | RW | US | Pat4K | PWT, entry);
    }

    [Fact]
    public void Clone_refuses_to_push_a_count_into_the_pinned_value_and_leaks_nothing()
    {
        using var f = new Fixture();
        f.Counts.Set(f.ReadOnlyFrame, FrameRefCounts.MaxCount);
        int before = f.Machine.Pool.Outstanding;

        Assert.Equal(VmmError.RefCountOverflow, f.Mapper.Clone(f.Parent, f.Counts, out var child));
        Assert.Equal(0UL, child.Root);
        Assert.Equal(before, f.Machine.Pool.Outstanding);
        Assert.Equal(FrameRefCounts.MaxCount, f.Counts.Get(f.ReadOnlyFrame));
        Assert.Equal(1, f.Counts.Get(f.WritableFrame));   // shared, then given back by the failed child
    }

    [Fact]
    public void Clone_refuses_a_1GiB_user_page()
    {
        using var f = new Fixture();
        ulong pdpt = f.Machine.Entry(f.Parent.Root, 0) & PageTableEntry.AddressMask;
        f.Machine.Write(pdpt + 8, 0x40_0000_0000UL | P | US | PS);
        int before = f.Machine.Pool.Outstanding;

        Assert.Equal(VmmError.Unsupported, f.Mapper.Clone(f.Parent, f.Counts, out _));
        Assert.Equal(before, f.Machine.Pool.Outstanding);
    }

    [Fact]
    public void Clone_running_out_of_frames_at_any_point_leaks_nothing_and_leaves_the_parent_working()
    {
        for (int failAfter = 0; ; failAfter++)
        {
            using var f = new Fixture();
            // Pages under two PML4 entries and several tables, so a clone needs many table frames.
            for (int i = 0; i < 6; i++)
            {
                f.Machine.Pool.TryAllocate(out ulong frame);
                f.Fill(frame, (byte)(0x40 + i));
                f.Mapper.Map(f.Parent, Va(i % 2 * 3, i % 3, i, 7), frame, PageSize.Size4KiB, UserRw);
            }
            int before = f.Machine.Pool.Outstanding;
            f.Machine.Pool.FailAfter = failAfter;

            VmmError error = f.Mapper.Clone(f.Parent, f.Counts, out var child);
            f.Machine.Pool.FailAfter = null;
            if (error == VmmError.None)
            {
                Assert.True(failAfter > 5);
                f.Mapper.DestroyAddressSpace(child, f.Counts);
                Assert.Equal(before, f.Machine.Pool.Outstanding);
                return;
            }

            Assert.Equal(VmmError.OutOfFrames, error);
            Assert.Equal(before, f.Machine.Pool.Outstanding);
            for (int i = 0; i < 6; i++)
            {
                ulong va = Va(i % 2 * 3, i % 3, i, 7);
                Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(f.Parent, va, f.Counts));
                ulong entry = f.Leaf(f.Parent, va);
                Assert.Equal(RW, entry & (RW | Cow));
                Assert.True(f.Holds(entry & PageTableEntry.AddressMask, (byte)(0x40 + i)));
            }
            Assert.Equal(before, f.Machine.Pool.Outstanding);
        }
    }
}
