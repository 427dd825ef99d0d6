using System;
using System.Linq;
using Aurora.Vmm.Tests.Simulation;
using Xunit;
using static Aurora.Vmm.Tests.Simulation.Bits;

namespace Aurora.Vmm.Tests;

/// <summary>UnmapRange and ProtectRange: cost by what is mapped, shares released by count, and
/// write access never given in place to a frame another space still maps (issue 9, findings 2 and 5).</summary>
public class RangeTests
{
    private const ulong Page = 0x1000;
    private const ulong Size2MiB = 0x20_0000;
    private const PageFlags UserRw = PageFlags.User | PageFlags.Writable;
    private const PageFlags UserRo = PageFlags.User;

    private sealed class Fixture : IDisposable
    {
        public readonly SimulatedMachine Machine = new();
        public readonly AddressSpace Space;

        public Fixture()
        {
            Assert.Equal(VmmError.None, Mapper.CreateEmpty(out Space));
        }

        public PageMapper<SimMemory, SimFrames, SimTlb> Mapper => Machine.Mapper;
        public FrameRefCounts Counts => Machine.Counts;

        /// <summary>A pool frame filled with a pattern from <paramref name="seed"/>, mapped at <paramref name="va"/>.</summary>
        public ulong MapPage(AddressSpace space, ulong va, byte seed, PageFlags flags = UserRw)
        {
            Assert.True(Machine.Pool.TryAllocate(out ulong frame));
            Fill(frame, seed);
            Assert.Equal(VmmError.None, Mapper.Map(space, va, frame, PageSize.Size4KiB, flags));
            return frame;
        }

        /// <summary>The 2 MiB of data frames at 6 MiB (above the pool), each 4 KiB filled by its index, mapped at <paramref name="va"/>.</summary>
        public ulong MapLarge(AddressSpace space, ulong va, PageFlags flags)
        {
            const ulong physical = 0x60_0000;
            for (ulong i = 0; i < 512; i++)
            {
                Machine.Pool.Adopt(physical + i * Page);
                Fill(physical + i * Page, (byte)i);
            }
            Assert.Equal(VmmError.None, Mapper.Map(space, va, physical, PageSize.Size2MiB, flags));
            return physical;
        }

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

        public AddressSpace Clone(AddressSpace parent)
        {
            Assert.Equal(VmmError.None, Mapper.Clone(parent, Counts, out var child));
            return child;
        }

        public ulong UnmapRange(AddressSpace space, ulong start, ulong end)
        {
            Assert.Equal(VmmError.None, Mapper.UnmapRange(space, start, end, Counts, out ulong pages));
            return pages;
        }

        public ulong ProtectRange(AddressSpace space, ulong start, ulong end, PageFlags protection)
        {
            Assert.Equal(VmmError.None, Mapper.ProtectRange(space, start, end, protection, Counts, out ulong pages));
            return pages;
        }

        public void Dispose() => Machine.Dispose();
    }

    // ---- UnmapRange ----

    [Fact]
    public void UnmapRange_of_16_TiB_with_a_few_pages_visits_only_existing_tables_and_frees_exactly_their_frames()
    {
        using var f = new Fixture();
        const ulong start = 0x10000;
        const ulong end = start + (1UL << 44);
        ulong[] inside =
        {
            start, start + Page, Va(0, 1, 0, 0), Va(0, 5, 7, 9), Va(3, 0, 0, 0), Va(31, 511, 511, 511), Va(32, 0, 0, 15),
        };
        ulong[] outside = { start - Page, end, Va(40, 0, 0, 0) };
        var frames = inside.Select((va, i) => f.MapPage(f.Space, va, (byte)i)).ToArray();
        var kept = outside.Select((va, i) => f.MapPage(f.Space, va, (byte)(100 + i))).ToArray();
        int tables = TableWalk.CountTables(f.Machine, f.Space.Root);
        int outstanding = f.Machine.Pool.Outstanding;
        int frees = f.Machine.Pool.Frees;
        f.Machine.TlbLog.Clear();
        f.Machine.MemoryLog.Accesses = 0;

        Assert.Equal((ulong)inside.Length, f.UnmapRange(f.Space, start, end));

        // One look at each entry of each table that exists, at most; a page-by-page walk would be 2^32 steps.
        Assert.True(f.Machine.MemoryLog.Accesses <= 512L * tables, $"{f.Machine.MemoryLog.Accesses} table reads for {tables} tables");
        Assert.Equal(frees + inside.Length, f.Machine.Pool.Frees);
        Assert.Equal(outstanding - inside.Length, f.Machine.Pool.Outstanding);
        Assert.All(frames, frame => Assert.False(f.Machine.Pool.IsAllocated(frame)));
        Assert.All(kept, frame => Assert.True(f.Machine.Pool.IsAllocated(frame)));
        Assert.Equal(inside.Select(va => (TlbOp.InvalidatePage, f.Space.Root, va)), f.Machine.TlbLog.Calls);
        foreach (ulong va in inside)
        {
            Assert.Equal(VmmError.NotMapped, f.Mapper.Translate(f.Space, va, out _));
        }
        for (int i = 0; i < outside.Length; i++)
        {
            Assert.Equal(kept[i] | P | RW | US, f.Leaf(f.Space, outside[i]));
            Assert.True(f.Holds(kept[i], (byte)(100 + i)));
        }
        // Tables stay until the space is destroyed; destroy then leaks nothing.
        Assert.Equal(tables, TableWalk.CountTables(f.Machine, f.Space.Root));
        f.Mapper.DestroyAddressSpace(f.Space, f.Counts);
        Assert.Equal(0, f.Machine.Pool.Outstanding);
    }

    [Fact]
    public void UnmapRange_of_the_whole_user_half_of_an_empty_space_reads_only_the_PML4()
    {
        using var f = new Fixture();
        f.Machine.MemoryLog.Accesses = 0;

        Assert.Equal(0UL, f.UnmapRange(f.Space, 0, VirtualAddress.UserHalfEnd));
        Assert.Equal(1, f.Machine.MemoryLog.Accesses);
        Assert.Empty(f.Machine.TlbLog.Calls);
        Assert.Equal(1, f.Machine.Pool.Outstanding);
    }

    [Fact]
    public void UnmapRange_of_part_of_a_2MiB_page_splits_it_and_frees_only_the_covered_frames()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 1, 0);
        ulong physical = f.MapLarge(f.Space, va, UserRw | PageFlags.NoExecute);
        f.Machine.TlbLog.Clear();

        Assert.Equal(10UL, f.UnmapRange(f.Space, va + 10 * Page, va + 20 * Page));

        Assert.Equal(physical + 9 * Page | P | RW | US | XD, f.Leaf(f.Space, va + 9 * Page));
        Assert.Equal(physical + 20 * Page | P | RW | US | XD, f.Leaf(f.Space, va + 20 * Page));
        Assert.Equal(VmmError.NotMapped, f.Mapper.Translate(f.Space, va + 10 * Page, out _));
        Assert.Equal(VmmError.NotMapped, f.Mapper.Translate(f.Space, va + 19 * Page, out _));
        for (ulong i = 0; i < 512; i++)
        {
            Assert.Equal(i < 10 || i >= 20, f.Machine.Pool.IsAllocated(physical + i * Page));
        }
        Assert.True(f.Holds(physical + 20 * Page, 20));
        // The split first (a 2 MiB and 4 KiB translation must not coexist), then each page.
        Assert.Equal((TlbOp.InvalidatePage, f.Space.Root, va), f.Machine.TlbLog.Calls[0]);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (TlbOp.InvalidatePage, f.Space.Root, va + (ulong)i * Page)),
            f.Machine.TlbLog.Calls.Skip(1));
    }

    [Fact]
    public void UnmapRange_of_a_whole_2MiB_page_needs_no_frame_and_frees_all_512()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 1, 0);
        ulong physical = f.MapLarge(f.Space, va, UserRw);
        ulong before = f.MapPage(f.Space, va - Page, 1);
        f.Machine.TlbLog.Clear();
        f.Machine.Pool.FailAfter = 0;   // munmap must not fail for want of memory

        Assert.Equal(513UL, f.UnmapRange(f.Space, va - Page, va + Size2MiB + Page));

        Assert.Equal(0UL, f.Machine.Entry(0x3000, 1));
        for (ulong i = 0; i < 512; i++)
        {
            Assert.False(f.Machine.Pool.IsAllocated(physical + i * Page));
        }
        Assert.False(f.Machine.Pool.IsAllocated(before));
        Assert.Contains((TlbOp.InvalidatePage, f.Space.Root, va), f.Machine.TlbLog.Calls);
        Assert.Equal(2, f.Machine.TlbLog.Calls.Count);
        Assert.Equal(VmmError.NotMapped, f.Mapper.Translate(f.Space, va + 0x1234, out _));
    }

    [Fact]
    public void UnmapRange_of_part_of_a_2MiB_page_without_a_frame_to_split_is_OutOfFrames_and_keeps_the_page()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 1, 0);
        ulong physical = f.MapLarge(f.Space, va, UserRw);
        f.Machine.TlbLog.Clear();
        f.Machine.Pool.FailAfter = 0;

        Assert.Equal(VmmError.OutOfFrames, f.Mapper.UnmapRange(f.Space, va, va + Page, f.Counts, out ulong pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(physical | P | RW | US | PS, f.Leaf(f.Space, va));
        Assert.Empty(f.Machine.TlbLog.Calls);
    }

    [Fact]
    public void UnmapRange_after_Clone_drops_shares_and_frees_a_frame_only_at_its_last_mapping()
    {
        using var f = new Fixture();
        ulong a = f.MapPage(f.Space, Va(0, 0, 0, 1), 0x11);
        ulong b = f.MapPage(f.Space, Va(0, 0, 0, 2), 0x22, UserRo);
        var child = f.Clone(f.Space);
        int frees = f.Machine.Pool.Frees;

        Assert.Equal(2UL, f.UnmapRange(child, Va(0, 0, 0, 0), Va(0, 0, 1, 0)));
        Assert.Equal(frees, f.Machine.Pool.Frees);
        Assert.Equal(1, f.Counts.Get(a));
        Assert.Equal(1, f.Counts.Get(b));
        Assert.True(f.Holds(a, 0x11));
        Assert.True(f.Holds(b, 0x22));
        Assert.Equal(a | P | US | Cow, f.Leaf(f.Space, Va(0, 0, 0, 1)));

        // The parent's copy-on-write page is now its own: the fault reuses it without a copy.
        int allocations = f.Machine.Pool.Allocations;
        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(f.Space, Va(0, 0, 0, 1), f.Counts));
        Assert.Equal(allocations, f.Machine.Pool.Allocations);
        Assert.Equal(a | P | RW | US, f.Leaf(f.Space, Va(0, 0, 0, 1)));

        Assert.Equal(2UL, f.UnmapRange(f.Space, 0, VirtualAddress.UserHalfEnd));
        Assert.False(f.Machine.Pool.IsAllocated(a));
        Assert.False(f.Machine.Pool.IsAllocated(b));
        Assert.True(f.Machine.AllCountsZero());
        f.Mapper.DestroyAddressSpace(child, f.Counts);
        f.Mapper.DestroyAddressSpace(f.Space, f.Counts);
        Assert.Equal(0, f.Machine.Pool.Outstanding);
    }

    [Fact]
    public void UnmapRange_of_a_read_only_2MiB_page_shared_by_Clone_leaves_the_other_space_mapping_it()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 1, 0);
        ulong physical = f.MapLarge(f.Space, va, UserRo);
        var child = f.Clone(f.Space);
        Assert.Equal(2, f.Counts.Get(physical + 7 * Page));

        Assert.Equal(512UL, f.UnmapRange(child, va, va + Size2MiB));
        for (ulong i = 0; i < 512; i++)
        {
            Assert.Equal(1, f.Counts.Get(physical + i * Page));
            Assert.True(f.Machine.Pool.IsAllocated(physical + i * Page));
        }
        Assert.Equal(physical | P | US | PS, f.Leaf(f.Space, va));
        Assert.True(f.Holds(physical + 300 * Page, unchecked((byte)300)));

        // Part of it in the parent now: split there, those frames were the last mappings.
        Assert.Equal(2UL, f.UnmapRange(f.Space, va + 100 * Page, va + 102 * Page));
        Assert.False(f.Machine.Pool.IsAllocated(physical + 100 * Page));
        Assert.False(f.Machine.Pool.IsAllocated(physical + 101 * Page));
        Assert.True(f.Machine.Pool.IsAllocated(physical + 102 * Page));
        Assert.Equal(physical + 102 * Page | P | US, f.Leaf(f.Space, va + 102 * Page));

        f.Mapper.DestroyAddressSpace(child, f.Counts);
        f.Mapper.DestroyAddressSpace(f.Space, f.Counts);
        Assert.Equal(0, f.Machine.Pool.Outstanding);
        Assert.True(f.Machine.AllCountsZero());
    }

    [Fact]
    public void UnmapRange_stops_at_a_1GiB_page_with_Unsupported_after_the_pages_before_it()
    {
        using var f = new Fixture();
        ulong a = f.MapPage(f.Space, Va(0, 0, 0, 1), 1);
        ulong pdpt = f.Machine.Entry(f.Space.Root, 0) & PageTableEntry.AddressMask;
        f.Machine.Write(pdpt + 8, 0x4000_0000UL | P | RW | US | PS);   // PDPT[1] = 1 GiB page

        Assert.Equal(VmmError.Unsupported, f.Mapper.UnmapRange(f.Space, 0, Va(0, 2, 0, 0), f.Counts, out ulong pages));
        Assert.Equal(1UL, pages);
        Assert.False(f.Machine.Pool.IsAllocated(a));
        Assert.Equal(0x4000_0000UL | P | RW | US | PS, f.Machine.Entry(pdpt, 1));
    }

    [Theory]
    [InlineData(0x1001UL, 0x3000UL, VmmError.MisalignedVirtual)]
    [InlineData(0x1000UL, 0x3008UL, VmmError.MisalignedVirtual)]
    [InlineData(0x3000UL, 0x1000UL, VmmError.NonCanonical)]                       // reversed
    [InlineData(0x7FFF_FFFF_F000UL, 0x8000_0000_1000UL, VmmError.NonCanonical)]   // leaves the user half
    [InlineData(0xFFFF_8000_0000_0000UL, 0xFFFF_8000_0010_0000UL, VmmError.NonCanonical)]   // kernel half
    [InlineData(0x1000UL, 0xFFFF_FFFF_FFFF_F000UL, VmmError.NonCanonical)]         // wraps into the kernel half
    public void Range_operations_refuse_misaligned_reversed_and_non_user_ranges_and_touch_nothing(ulong start, ulong end, VmmError expected)
    {
        using var f = new Fixture();
        ulong frame = f.MapPage(f.Space, Va(0, 0, 0, 1), 1);
        f.Machine.TlbLog.Clear();

        Assert.Equal(expected, f.Mapper.UnmapRange(f.Space, start, end, f.Counts, out ulong unmapped));
        Assert.Equal(expected, f.Mapper.ProtectRange(f.Space, start, end, UserRo, f.Counts, out ulong protectedPages));
        Assert.Equal(0UL, unmapped);
        Assert.Equal(0UL, protectedPages);
        Assert.Equal(frame | P | RW | US, f.Leaf(f.Space, Va(0, 0, 0, 1)));
        Assert.Empty(f.Machine.TlbLog.Calls);
    }

    [Fact]
    public void Range_operations_on_an_empty_range_or_up_to_the_end_of_the_user_half_succeed()
    {
        using var f = new Fixture();
        ulong top = VirtualAddress.UserHalfEnd - Page;
        ulong frame = f.MapPage(f.Space, top, 1);

        Assert.Equal(0UL, f.UnmapRange(f.Space, top, top));
        Assert.Equal(0UL, f.ProtectRange(f.Space, top, top, UserRo));
        Assert.Equal(frame | P | RW | US, f.Leaf(f.Space, top));
        Assert.Equal(1UL, f.ProtectRange(f.Space, top, VirtualAddress.UserHalfEnd, UserRo));
        Assert.Equal(1UL, f.UnmapRange(f.Space, top, VirtualAddress.UserHalfEnd));
        Assert.False(f.Machine.Pool.IsAllocated(frame));
    }

    // ---- ProtectRange ----

    [Fact]
    public void ProtectRange_Writable_on_a_page_shared_copy_on_write_keeps_it_copy_on_write_and_the_parent_untouched()
    {
        // Issue 9 finding 2: mprotect(PROT_READ|PROT_WRITE) in a fork child wrote into the parent's frame.
        using var f = new Fixture();
        ulong va = Va(0, 0, 0, 1);
        ulong frame = f.MapPage(f.Space, va, 0x11, UserRw | PageFlags.NoExecute);
        var child = f.Clone(f.Space);
        f.Machine.TlbLog.Clear();

        Assert.Equal(1UL, f.ProtectRange(child, va, va + Page, UserRw));

        Assert.Equal(frame | P | US | Cow, f.Leaf(child, va));
        Assert.Equal(frame | P | US | XD | Cow, f.Leaf(f.Space, va));
        Assert.Equal(VmmError.None, f.Mapper.Translate(child, va, out var t));
        Assert.Equal(PageFlags.None, t.Flags & PageFlags.Writable);
        Assert.Equal(new[] { (TlbOp.InvalidatePage, child.Root, va) }, f.Machine.TlbLog.Calls);

        // The child's first write copies; the parent's frame keeps its data.
        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(child, va, f.Counts));
        ulong copy = f.Leaf(child, va) & PageTableEntry.AddressMask;
        Assert.NotEqual(frame, copy);
        Assert.Equal(copy | P | RW | US, f.Leaf(child, va));
        f.Fill(copy, 0x77);
        Assert.True(f.Holds(frame, 0x11));
        Assert.Equal(frame | P | US | XD | Cow, f.Leaf(f.Space, va));
        Assert.Equal(1, f.Counts.Get(frame));
    }

    [Fact]
    public void ProtectRange_Writable_in_the_parent_after_Clone_keeps_copy_on_write_too()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 0, 1);
        ulong frame = f.MapPage(f.Space, va, 0x11);
        var child = f.Clone(f.Space);

        Assert.Equal(1UL, f.ProtectRange(f.Space, va, va + Page, UserRw));
        Assert.Equal(frame | P | US | Cow, f.Leaf(f.Space, va));
        Assert.Equal(frame | P | US | Cow, f.Leaf(child, va));
        Assert.Equal(2, f.Counts.Get(frame));
    }

    [Fact]
    public void ProtectRange_Writable_on_a_read_only_page_shared_by_Clone_gives_copy_on_write()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 0, 2);
        ulong frame = f.MapPage(f.Space, va, 0x22, UserRo);
        var child = f.Clone(f.Space);
        Assert.Equal(2, f.Counts.Get(frame));

        Assert.Equal(1UL, f.ProtectRange(child, va, va + Page, UserRw));

        Assert.Equal(frame | P | US | Cow, f.Leaf(child, va));
        Assert.Equal(frame | P | US, f.Leaf(f.Space, va));
        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(child, va, f.Counts));
        ulong copy = f.Leaf(child, va) & PageTableEntry.AddressMask;
        Assert.NotEqual(frame, copy);
        Assert.True(f.Holds(copy, 0x22));
        f.Fill(copy, 0x99);
        Assert.True(f.Holds(frame, 0x22));
        // The parent never asked for write access: still a real fault there.
        Assert.Equal(VmmError.ProtectionViolation, f.Mapper.ResolveWriteFault(f.Space, va, f.Counts));
    }

    [Fact]
    public void ProtectRange_Writable_on_a_read_only_page_with_one_mapping_gives_Writable()
    {
        using var f = new Fixture();
        ulong once = f.MapPage(f.Space, Va(0, 0, 0, 2), 2, UserRo);
        var child = f.Clone(f.Space);
        Assert.Equal(1UL, f.UnmapRange(child, Va(0, 0, 0, 2), Va(0, 0, 0, 3)));   // count back to 1
        Assert.Equal(1, f.Counts.Get(once));
        ulong never = f.MapPage(f.Space, Va(0, 0, 0, 1), 1, UserRo);          // count 0: never shared

        Assert.Equal(2UL, f.ProtectRange(f.Space, Va(0, 0, 0, 1), Va(0, 0, 0, 3), UserRw));
        Assert.Equal(never | P | RW | US, f.Leaf(f.Space, Va(0, 0, 0, 1)));
        Assert.Equal(once | P | RW | US, f.Leaf(f.Space, Va(0, 0, 0, 2)));
    }

    [Fact]
    public void ProtectRange_Writable_on_a_copy_on_write_page_whose_other_mapping_is_gone_gives_Writable()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 0, 1);
        ulong frame = f.MapPage(f.Space, va, 0x11);
        var child = f.Clone(f.Space);
        f.Mapper.DestroyAddressSpace(child, f.Counts);
        Assert.Equal(1, f.Counts.Get(frame));

        Assert.Equal(1UL, f.ProtectRange(f.Space, va, va + Page, UserRw));
        Assert.Equal(frame | P | RW | US, f.Leaf(f.Space, va));
    }

    [Fact]
    public void ProtectRange_without_Writable_clears_copy_on_write_so_a_write_is_a_ProtectionViolation()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 0, 1);
        ulong frame = f.MapPage(f.Space, va, 0x11);
        var child = f.Clone(f.Space);

        Assert.Equal(1UL, f.ProtectRange(child, va, va + Page, UserRo | PageFlags.NoExecute));
        Assert.Equal(frame | P | US | XD, f.Leaf(child, va));
        Assert.Equal(VmmError.ProtectionViolation, f.Mapper.ResolveWriteFault(child, va, f.Counts));
        Assert.Equal(2, f.Counts.Get(frame));

        // Write access back while still shared: copy-on-write again, never writable in place.
        Assert.Equal(1UL, f.ProtectRange(child, va, va + Page, UserRw));
        Assert.Equal(frame | P | US | Cow, f.Leaf(child, va));
        Assert.True(f.Holds(frame, 0x11));
    }

    [Fact]
    public void ProtectRange_on_pinned_and_uncovered_frames_follows_the_fault_rules()
    {
        using var f = new Fixture();
        ulong pinned = f.Machine.FirstDataFrame;
        f.Counts.Set(pinned, FrameRefCounts.Pinned);
        const ulong device = 0x1_0000_0000;   // beyond the counted RAM
        Assert.Equal(VmmError.None, f.Mapper.Map(f.Space, Va(0, 0, 0, 1), pinned, PageSize.Size4KiB, UserRo | PageFlags.CopyOnWrite));
        Assert.Equal(VmmError.None, f.Mapper.Map(f.Space, Va(0, 0, 0, 2), pinned, PageSize.Size4KiB, UserRo));
        Assert.Equal(VmmError.None, f.Mapper.Map(f.Space, Va(0, 0, 0, 3), device, PageSize.Size4KiB, UserRo | PageFlags.CopyOnWrite));
        Assert.Equal(VmmError.None, f.Mapper.Map(f.Space, Va(0, 0, 0, 4), device, PageSize.Size4KiB, UserRo));

        Assert.Equal(4UL, f.ProtectRange(f.Space, Va(0, 0, 0, 1), Va(0, 0, 0, 5), UserRw));

        // A copy-on-write page of a frame the scheme does not own stays copy-on-write (its fault copies) …
        Assert.Equal(pinned | P | US | Cow, f.Leaf(f.Space, Va(0, 0, 0, 1)));
        Assert.Equal(device | P | US | Cow, f.Leaf(f.Space, Va(0, 0, 0, 3)));
        // … and a plain mapping of one (device memory, shared as-is by Clone) becomes writable.
        Assert.Equal(pinned | P | RW | US, f.Leaf(f.Space, Va(0, 0, 0, 2)));
        Assert.Equal(device | P | RW | US, f.Leaf(f.Space, Va(0, 0, 0, 4)));
        Assert.Equal(FrameRefCounts.Pinned, f.Counts.Get(pinned));
    }

    [Fact]
    public void ProtectRange_keeps_address_memory_type_accessed_dirty_and_global_bits()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 0, 5);
        Assert.Equal(VmmError.None, f.Mapper.Map(f.Space, va, 0x5000, PageSize.Size4KiB,
            UserRw | PageFlags.Global, CacheMode.WriteCombining));
        f.Machine.Write(0x4000 + 5 * 8, f.Machine.Entry(0x4000, 5) | A | D);

        Assert.Equal(1UL, f.ProtectRange(f.Space, va, va + Page, UserRo | PageFlags.NoExecute));
        Assert.Equal(0x5000UL | P | US | XD | A | D | G | Pat4K | PWT, f.Machine.Entry(0x4000, 5));
        Assert.Equal(1UL, f.ProtectRange(f.Space, va, va + Page, PageFlags.Writable));
        Assert.Equal(0x5000UL | P | RW | A | D | G | Pat4K | PWT, f.Machine.Entry(0x4000, 5));
    }

    [Fact]
    public void ProtectRange_counts_mapped_pages_and_tells_the_TLB_only_about_entries_it_changed()
    {
        using var f = new Fixture();
        f.MapPage(f.Space, Va(0, 0, 0, 1), 1, UserRw);
        f.MapPage(f.Space, Va(0, 0, 0, 3), 3, UserRo);
        f.MapPage(f.Space, Va(0, 2, 0, 0), 4, UserRo);
        f.Machine.TlbLog.Clear();

        Assert.Equal(3UL, f.ProtectRange(f.Space, 0, Va(1, 0, 0, 0), UserRo));
        Assert.Equal(new[] { (TlbOp.InvalidatePage, f.Space.Root, Va(0, 0, 0, 1)) }, f.Machine.TlbLog.Calls);
    }

    [Fact]
    public void ProtectRange_of_part_of_a_2MiB_page_splits_it_and_changes_only_the_covered_pages()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 1, 0);
        ulong physical = f.MapLarge(f.Space, va, UserRw);
        f.Machine.TlbLog.Clear();

        Assert.Equal(2UL, f.ProtectRange(f.Space, va + 4 * Page, va + 6 * Page, UserRo | PageFlags.NoExecute));
        Assert.Equal(physical + 3 * Page | P | RW | US, f.Leaf(f.Space, va + 3 * Page));
        Assert.Equal(physical + 4 * Page | P | US | XD, f.Leaf(f.Space, va + 4 * Page));
        Assert.Equal(physical + 5 * Page | P | US | XD, f.Leaf(f.Space, va + 5 * Page));
        Assert.Equal(physical + 6 * Page | P | RW | US, f.Leaf(f.Space, va + 6 * Page));
        Assert.Equal(new[]
        {
            (TlbOp.InvalidatePage, f.Space.Root, va),
            (TlbOp.InvalidatePage, f.Space.Root, va + 4 * Page),
            (TlbOp.InvalidatePage, f.Space.Root, va + 5 * Page),
        }, f.Machine.TlbLog.Calls);
    }

    [Fact]
    public void ProtectRange_Writable_on_a_read_only_2MiB_page_shared_by_Clone_makes_4KiB_copy_on_write_pages_in_this_space_only()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 1, 0);
        ulong physical = f.MapLarge(f.Space, va, UserRo);
        var child = f.Clone(f.Space);

        Assert.Equal(512UL, f.ProtectRange(child, va, va + Size2MiB, UserRw));
        Assert.Equal(physical + 9 * Page | P | US | Cow, f.Leaf(child, va + 9 * Page));
        Assert.Equal(physical | P | US | PS, f.Leaf(f.Space, va));

        Assert.Equal(VmmError.None, f.Mapper.ResolveWriteFault(child, va + 9 * Page, f.Counts));
        ulong copy = f.Leaf(child, va + 9 * Page) & PageTableEntry.AddressMask;
        f.Fill(copy, 0xEE);
        Assert.True(f.Holds(physical + 9 * Page, 9));
        Assert.Equal(1, f.Counts.Get(physical + 9 * Page));
        Assert.Equal(2, f.Counts.Get(physical + 10 * Page));

        f.Mapper.DestroyAddressSpace(child, f.Counts);
        f.Mapper.DestroyAddressSpace(f.Space, f.Counts);
        Assert.Equal(0, f.Machine.Pool.Outstanding);
        Assert.True(f.Machine.AllCountsZero());
    }

    [Theory]
    [InlineData(PageFlags.Global)]
    [InlineData(PageFlags.CopyOnWrite)]
    [InlineData(PageFlags.Present)]
    [InlineData(PageFlags.Huge)]
    [InlineData(PageFlags.Writable | PageFlags.CopyOnWrite)]
    [InlineData(PageFlags.User | PageFlags.Dirty)]
    public void ProtectRange_with_bits_other_than_Writable_User_NoExecute_is_InvalidFlags_and_changes_nothing(PageFlags protection)
    {
        using var f = new Fixture();
        ulong frame = f.MapPage(f.Space, Va(0, 0, 0, 1), 1, UserRo);
        f.Machine.TlbLog.Clear();

        Assert.Equal(VmmError.InvalidFlags, f.Mapper.ProtectRange(f.Space, 0, Va(1, 0, 0, 0), protection, f.Counts, out ulong pages));
        Assert.Equal(0UL, pages);
        Assert.Equal(frame | P | US, f.Leaf(f.Space, Va(0, 0, 0, 1)));
        Assert.Empty(f.Machine.TlbLog.Calls);
    }

    [Fact]
    public void ProtectRange_of_part_of_a_2MiB_page_without_a_frame_to_split_is_OutOfFrames_and_keeps_the_page()
    {
        using var f = new Fixture();
        ulong va = Va(0, 0, 1, 0);
        ulong physical = f.MapLarge(f.Space, va, UserRw);
        f.Machine.TlbLog.Clear();
        f.Machine.Pool.FailAfter = 0;

        Assert.Equal(VmmError.OutOfFrames, f.Mapper.ProtectRange(f.Space, va, va + Page, UserRo, f.Counts, out _));
        Assert.Equal(physical | P | RW | US | PS, f.Leaf(f.Space, va));
        Assert.Empty(f.Machine.TlbLog.Calls);
    }
}
