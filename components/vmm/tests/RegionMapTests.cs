using System;
using System.Collections.Generic;
using System.Linq;
using Aurora.Vmm.Tests.Simulation;
using Xunit;

namespace Aurora.Vmm.Tests;

public class RegionMapTests
{
    private const ulong Page = 0x1000;
    private const RegionAccess R = RegionAccess.Read;
    private const RegionAccess RW = RegionAccess.Read | RegionAccess.Write;
    private const RegionAccess RWX = RegionAccess.Read | RegionAccess.Write | RegionAccess.Execute;

    /// <summary>A region from page numbers (page n is at n * 4 KiB).</summary>
    private static Region Pages(ulong first, ulong end, RegionAccess access = RW, RegionAccess max = RWX,
        RegionKind kind = RegionKind.Anonymous, ulong tag = 0)
        => new(first * Page, end * Page, access, max, kind, tag);

    /// <summary>The regions, offsets left out (the offset tests below look at them).</summary>
    private static Region[] All(in RegionMap<TestRegionStorage> map)
    {
        var regions = new Region[map.Count];
        for (int i = 0; i < map.Count; i++)
        {
            regions[i] = map[i];
            regions[i].Offset = 0;
        }
        return regions;
    }

    private static RegionMap<TestRegionStorage> MapWith(RegionLedger ledger, int limit, params Region[] regions)
    {
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, limit);
        foreach (Region region in regions)
        {
            Assert.Equal(VmmError.None, map.Insert(region));
        }
        return map;
    }

    // ---- Insert ----

    [Fact]
    public void Insert_keeps_regions_in_address_order_whatever_the_order_of_insertion()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(50, 60, tag: 3), Pages(10, 20, tag: 1), Pages(30, 40, tag: 2));

        Assert.Equal(new[] { Pages(10, 20, tag: 1), Pages(30, 40, tag: 2), Pages(50, 60, tag: 3) }, All(map));
        map.Clear();
    }

    [Fact]
    public void Insert_of_adjacent_regions_does_not_merge_them()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20, tag: 1), Pages(20, 30, tag: 2), Pages(5, 10, tag: 3));

        Assert.Equal(new[] { Pages(5, 10, tag: 3), Pages(10, 20, tag: 1), Pages(20, 30, tag: 2) }, All(map));
        Assert.True(map.Covers(5 * Page, 30 * Page));
        map.Clear();
    }

    [Theory]
    [InlineData(5, 11)]    // over the start
    [InlineData(19, 25)]   // over the end
    [InlineData(12, 13)]   // inside
    [InlineData(5, 25)]    // around
    [InlineData(10, 20)]   // exactly
    [InlineData(15, 35)]   // over two
    public void Insert_over_an_existing_region_is_AlreadyMapped_and_changes_nothing(ulong first, ulong end)
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20), Pages(30, 40));
        Region[] before = All(map);

        Assert.Equal(VmmError.AlreadyMapped, map.Insert(Pages(first, end)));
        Assert.Equal(before, All(map));
        map.Clear();
    }

    [Fact]
    public void Insert_of_an_empty_or_reversed_range_or_access_beyond_max_is_InvalidFlags()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 64);

        Assert.Equal(VmmError.InvalidFlags, map.Insert(Pages(10, 10)));
        Assert.Equal(VmmError.InvalidFlags, map.Insert(Pages(11, 10)));
        Assert.Equal(VmmError.InvalidFlags, map.Insert(Pages(10, 11, access: RW, max: R)));
        Assert.Equal(VmmError.InvalidFlags, map.Insert(Pages(10, 11, access: RegionAccess.Execute, max: RW)));
        Assert.Equal(0, map.Count);
        Assert.Equal(0, ledger.Allocations);
    }

    [Fact]
    public void Insert_of_a_misaligned_range_is_MisalignedVirtual()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 64);

        Assert.Equal(VmmError.MisalignedVirtual, map.Insert(new Region(0x1001, 0x3000, RW, RW, RegionKind.Anonymous)));
        Assert.Equal(VmmError.MisalignedVirtual, map.Insert(new Region(0x1000, 0x2FFF, RW, RW, RegionKind.Anonymous)));
        Assert.Equal(VmmError.MisalignedVirtual, map.Insert(new Region(0x1800, 0x1800, RW, RW, RegionKind.Anonymous)));
        Assert.Equal(0, map.Count);
        Assert.Equal(0, ledger.Allocations);
    }

    [Fact]
    public void Insert_at_the_limit_is_OutOfFrames_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 3, Pages(1, 2), Pages(3, 4), Pages(5, 6));
        Region[] before = All(map);

        Assert.Equal(VmmError.OutOfFrames, map.Insert(Pages(7, 8)));
        Assert.Equal(before, All(map));
        map.Clear();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void A_limit_of_zero_holds_nothing_and_allocates_nothing()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 0);

        Assert.Equal(VmmError.OutOfFrames, map.Insert(Pages(1, 2)));
        Assert.Equal(0, map.Count);
        Assert.Equal(0, ledger.Allocations);
    }

    [Fact]
    public void Insert_when_storage_refuses_the_first_array_is_OutOfFrames_and_leaves_the_map_empty()
    {
        using var ledger = new RegionLedger { FailAfter = 0 };
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 64);

        Assert.Equal(VmmError.OutOfFrames, map.Insert(Pages(1, 2)));
        Assert.Equal(0, map.Count);
        Assert.Equal(0, ledger.Outstanding);
        map.Clear();
    }

    [Fact]
    public void Insert_when_storage_refuses_to_grow_is_OutOfFrames_and_keeps_the_old_array()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 64);
        for (ulong i = 0; i < 8; i++)
        {
            Assert.Equal(VmmError.None, map.Insert(Pages(2 * i, 2 * i + 1, tag: i)));
        }
        Assert.Equal(1, ledger.Allocations);
        Region[] before = All(map);
        ledger.FailAfter = 0;

        Assert.Equal(VmmError.OutOfFrames, map.Insert(Pages(100, 101)));
        Assert.Equal(before, All(map));
        Assert.Equal(1, ledger.Outstanding);

        ledger.FailAfter = null;
        Assert.Equal(VmmError.None, map.Insert(Pages(100, 101)));
        Assert.Equal(9, map.Count);
        Assert.Equal(1, ledger.Outstanding);
        Assert.Equal(1, ledger.Frees);
        map.Clear();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void The_array_grows_by_doubling_and_never_beyond_the_limit()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 20);
        var sizes = new List<nuint>();
        for (ulong i = 0; i < 20; i++)
        {
            int allocations = ledger.Allocations;
            Assert.Equal(VmmError.None, map.Insert(Pages(2 * i, 2 * i + 1)));
            if (ledger.Allocations != allocations)
            {
                sizes.Add(ledger.LastSize);
            }
            Assert.Equal(1, ledger.Outstanding);
        }
        nuint region = (nuint)System.Runtime.CompilerServices.Unsafe.SizeOf<Region>();
        Assert.Equal(new[] { 8 * region, 16 * region, 20 * region }, sizes.ToArray());
        map.Clear();
        Assert.Equal(ledger.Allocations, ledger.Frees);
    }

    // ---- lookups ----

    [Fact]
    public void IndexOf_FirstEndingAfter_Covers_and_Overlaps_answer_by_address()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20), Pages(20, 30), Pages(40, 50));

        Assert.Equal(-1, map.IndexOf(9 * Page));
        Assert.Equal(0, map.IndexOf(10 * Page));
        Assert.Equal(0, map.IndexOf(20 * Page - 1));
        Assert.Equal(1, map.IndexOf(20 * Page));
        Assert.Equal(-1, map.IndexOf(30 * Page));
        Assert.Equal(2, map.IndexOf(49 * Page + 0xFFF));
        Assert.Equal(-1, map.IndexOf(ulong.MaxValue));

        Assert.Equal(0, map.FirstEndingAfter(0));
        Assert.Equal(1, map.FirstEndingAfter(20 * Page));
        Assert.Equal(2, map.FirstEndingAfter(30 * Page));
        Assert.Equal(3, map.FirstEndingAfter(50 * Page));

        Assert.True(map.Covers(10 * Page, 30 * Page));
        Assert.True(map.Covers(15 * Page, 25 * Page));
        Assert.False(map.Covers(15 * Page, 41 * Page));
        Assert.False(map.Covers(9 * Page, 11 * Page));
        Assert.False(map.Covers(45 * Page, 51 * Page));

        Assert.True(map.Overlaps(29 * Page, 31 * Page));
        Assert.False(map.Overlaps(30 * Page, 40 * Page));
        Assert.False(map.Overlaps(50 * Page, ulong.MaxValue));
        Assert.True(map.Overlaps(0, ulong.MaxValue));
        map.Clear();
    }

    [Fact]
    public void MappedBytes_counts_the_parts_of_regions_inside_the_range()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20), Pages(20, 30), Pages(40, 50));

        Assert.Equal(30 * Page, map.MappedBytes(0, ulong.MaxValue));
        Assert.Equal(10 * Page, map.MappedBytes(15 * Page, 25 * Page));
        Assert.Equal(7 * Page, map.MappedBytes(28 * Page, 45 * Page));
        Assert.Equal(0UL, map.MappedBytes(30 * Page, 40 * Page));
        Assert.Equal(0UL, map.MappedBytes(25 * Page, 25 * Page));
        Assert.Equal(0UL, map.MappedBytes(45 * Page, 15 * Page));
        Assert.Equal(0UL, map.MappedBytes(50 * Page, ulong.MaxValue));
        map.Clear();
        Assert.Equal(0UL, map.MappedBytes(0, ulong.MaxValue));
    }

    [Fact]
    public void MappedBytes_of_a_huge_reservation_is_its_size()
    {
        // What RLIMIT_AS measures: a 16 TiB PROT_NONE reservation counts whole, at no cost.
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, new Region(1UL << 44, 2UL << 44, RegionAccess.None, RWX, RegionKind.Anonymous));

        Assert.Equal(1UL << 44, map.MappedBytes(0, VirtualAddress.UserHalfEnd));
        Assert.Equal(1UL << 30, map.MappedBytes((2UL << 44) - (1UL << 30), ulong.MaxValue));
        map.Clear();
    }

    [Fact]
    public void An_empty_or_reversed_range_overlaps_nothing_even_inside_a_region()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.False(map.Overlaps(15 * Page, 15 * Page));
        Assert.False(map.Overlaps(18 * Page, 12 * Page));
        Assert.True(map.Overlaps(15 * Page, 15 * Page + 1));
        map.Clear();
    }

    [Fact]
    public void The_indexer_gives_a_reference_the_owner_may_update()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));
        map[0].Tag = 77;
        Assert.Equal(77UL, map[0].Tag);
        map.Clear();
    }

    // ---- Remove ----

    [Fact]
    public void Remove_inside_one_region_cuts_it_in_two_that_keep_its_access_kind_and_tag()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20, R, RW, RegionKind.Image, 9));

        Assert.Equal(VmmError.None, map.Remove(13 * Page, 15 * Page));
        Assert.Equal(new[] { Pages(10, 13, R, RW, RegionKind.Image, 9), Pages(15, 20, R, RW, RegionKind.Image, 9) }, All(map));
        map.Clear();
    }

    [Fact]
    public void Remove_across_several_regions_drops_the_inner_ones_and_trims_the_edges()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(0, 5, tag: 1), Pages(10, 20, tag: 2), Pages(20, 30, tag: 3),
            Pages(35, 40, tag: 4), Pages(50, 60, tag: 5));

        Assert.Equal(VmmError.None, map.Remove(15 * Page, 55 * Page));
        Assert.Equal(new[] { Pages(0, 5, tag: 1), Pages(10, 15, tag: 2), Pages(55, 60, tag: 5) }, All(map));

        Assert.Equal(VmmError.None, map.Remove(0, 1UL << 47));
        Assert.Equal(0, map.Count);
        map.Clear();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void Remove_of_exactly_a_region_needs_no_slot_even_at_the_limit()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 2, Pages(10, 20), Pages(30, 40));

        Assert.Equal(VmmError.None, map.Remove(10 * Page, 20 * Page));
        Assert.Equal(new[] { Pages(30, 40) }, All(map));
        Assert.Equal(VmmError.None, map.Remove(35 * Page, 40 * Page));
        Assert.Equal(new[] { Pages(30, 35) }, All(map));
        map.Clear();
    }

    [Theory]
    [InlineData(0, 10)]                 // before everything
    [InlineData(20, 30)]                // in the gap, touching both neighbours
    [InlineData(40, 0x8_0000_0000)]     // after everything, a huge range
    public void Remove_of_a_range_without_regions_changes_nothing(ulong first, ulong end)
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 2, Pages(10, 20), Pages(30, 40));
        Region[] before = All(map);
        int allocations = ledger.Allocations;

        Assert.Equal(VmmError.None, map.Remove(first * Page, end * Page));
        Assert.Equal(before, All(map));
        Assert.Equal(allocations, ledger.Allocations);
        map.Clear();
    }

    [Fact]
    public void Remove_of_an_empty_range_inside_a_region_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.Equal(VmmError.None, map.Remove(15 * Page, 15 * Page));
        Assert.Equal(new[] { Pages(10, 20) }, All(map));
        map.Clear();
    }

    [Fact]
    public void Remove_of_a_reversed_range_is_InvalidFlags_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.Equal(VmmError.InvalidFlags, map.Remove(18 * Page, 12 * Page));
        Assert.Equal(new[] { Pages(10, 20) }, All(map));
        map.Clear();
    }

    [Fact]
    public void Remove_that_cuts_a_region_in_two_at_the_limit_is_OutOfFrames_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 2, Pages(10, 20), Pages(30, 40));
        Region[] before = All(map);

        Assert.Equal(VmmError.OutOfFrames, map.Remove(12 * Page, 14 * Page));
        Assert.Equal(before, All(map));
        map.Clear();
    }

    [Fact]
    public void Remove_is_held_to_the_limit_by_its_result_not_by_the_cuts_on_the_way()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 3, Pages(10, 20, tag: 1), Pages(30, 40, tag: 2));

        // A hole in one region: two regions become three, within the limit of three.
        Assert.Equal(VmmError.None, map.Remove(12 * Page, 14 * Page));
        Assert.Equal(new[] { Pages(10, 12, tag: 1), Pages(14, 20, tag: 1), Pages(30, 40, tag: 2) }, All(map));
        // At the limit, trimming the edges of two regions and dropping one between needs no slot.
        Assert.Equal(VmmError.None, map.Remove(16 * Page, 35 * Page));
        Assert.Equal(new[] { Pages(10, 12, tag: 1), Pages(14, 16, tag: 1), Pages(35, 40, tag: 2) }, All(map));
        Assert.Equal(VmmError.None, map.Remove(11 * Page, 36 * Page));
        Assert.Equal(new[] { Pages(10, 11, tag: 1), Pages(36, 40, tag: 2) }, All(map));
        map.Clear();
    }

    [Fact]
    public void Remove_that_needs_a_bigger_array_when_storage_refuses_is_OutOfFrames_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 64);
        for (ulong i = 0; i < 8; i++)
        {
            Assert.Equal(VmmError.None, map.Insert(Pages(10 * i, 10 * i + 5, tag: i)));
        }
        Region[] before = All(map);
        ledger.FailAfter = 0;

        Assert.Equal(VmmError.OutOfFrames, map.Remove(12 * Page, 13 * Page));
        Assert.Equal(before, All(map));
        Assert.Equal(1, ledger.Outstanding);
        map.Clear();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void Remove_of_a_misaligned_range_is_MisalignedVirtual_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.Equal(VmmError.MisalignedVirtual, map.Remove(12 * Page + 1, 14 * Page));
        Assert.Equal(VmmError.MisalignedVirtual, map.Remove(12 * Page, 14 * Page - 1));
        Assert.Equal(new[] { Pages(10, 20) }, All(map));
        map.Clear();
    }

    // ---- SetAccess ----

    [Fact]
    public void SetAccess_across_several_regions_cuts_at_the_edges_and_sets_all_between()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20, RW, tag: 1), Pages(20, 30, R, tag: 2), Pages(30, 40, RW, tag: 3));

        Assert.Equal(VmmError.None, map.SetAccess(15 * Page, 35 * Page, RegionAccess.Read | RegionAccess.Execute));
        RegionAccess rx = RegionAccess.Read | RegionAccess.Execute;
        Assert.Equal(new[]
        {
            Pages(10, 15, RW, tag: 1), Pages(15, 20, rx, tag: 1), Pages(20, 30, rx, tag: 2),
            Pages(30, 35, rx, tag: 3), Pages(35, 40, RW, tag: 3),
        }, All(map));
        map.Clear();
    }

    [Fact]
    public void SetAccess_cuts_only_the_regions_whose_access_changes()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20, R, tag: 1), Pages(20, 30, RW, tag: 2), Pages(30, 40, R, tag: 3));

        Assert.Equal(VmmError.None, map.SetAccess(15 * Page, 35 * Page, RW));
        Assert.Equal(new[]
        {
            Pages(10, 15, R, tag: 1), Pages(15, 20, RW, tag: 1), Pages(20, 30, RW, tag: 2),
            Pages(30, 35, RW, tag: 3), Pages(35, 40, R, tag: 3),
        }, All(map));
        Assert.Equal(VmmError.None, map.SetAccess(12 * Page, 38 * Page, R));
        Assert.Equal(new[]
        {
            Pages(10, 15, R, tag: 1), Pages(15, 20, R, tag: 1), Pages(20, 30, R, tag: 2),
            Pages(30, 35, R, tag: 3), Pages(35, 40, R, tag: 3),
        }, All(map));
        map.Clear();
    }

    [Fact]
    public void SetAccess_that_changes_nothing_cuts_nothing_even_at_the_limit()
    {
        // A JIT's mprotect(PROT_READ) of pages that are already read-only must not fail with ENOMEM.
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 2, Pages(10, 20, R), Pages(20, 30, R));

        Assert.Equal(VmmError.None, map.SetAccess(12 * Page, 25 * Page, R));
        Assert.Equal(new[] { Pages(10, 20, R), Pages(20, 30, R) }, All(map));
        map.Clear();
    }

    [Fact]
    public void SetAccess_of_exactly_one_region_cuts_nothing()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 1, Pages(10, 20, RW));

        Assert.Equal(VmmError.None, map.SetAccess(10 * Page, 20 * Page, RegionAccess.None));
        Assert.Equal(new[] { Pages(10, 20, RegionAccess.None) }, All(map));
        map.Clear();
    }

    [Theory]
    [InlineData(15, 25)]   // runs into the gap
    [InlineData(5, 15)]    // starts before the first region
    [InlineData(25, 45)]   // spans the gap
    [InlineData(45, 50)]   // after everything
    public void SetAccess_over_pages_outside_every_region_is_NotMapped_and_changes_nothing(ulong first, ulong end)
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20), Pages(30, 40));
        Region[] before = All(map);

        Assert.Equal(VmmError.NotMapped, map.SetAccess(first * Page, end * Page, R));
        Assert.Equal(before, All(map));
        map.Clear();
    }

    [Fact]
    public void SetAccess_beyond_one_regions_MaxAccess_is_ProtectionViolation_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        // A read-only attachment between two private regions: mprotect(PROT_WRITE) over all three is refused.
        var map = MapWith(ledger, 64, Pages(10, 20, R, RWX), Pages(20, 30, R, R, RegionKind.Shared, 5), Pages(30, 40, R, RWX));
        Region[] before = All(map);

        Assert.Equal(VmmError.ProtectionViolation, map.SetAccess(15 * Page, 35 * Page, RW));
        Assert.Equal(VmmError.ProtectionViolation, map.SetAccess(25 * Page, 26 * Page, RegionAccess.Read | RegionAccess.Execute));
        Assert.Equal(before, All(map));

        // Within MaxAccess it is allowed, also on the attachment.
        Assert.Equal(VmmError.None, map.SetAccess(25 * Page, 26 * Page, RegionAccess.None));
        map.Clear();
    }

    [Fact]
    public void SetAccess_that_needs_cuts_at_the_limit_is_OutOfFrames_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 2, Pages(10, 20, RW), Pages(30, 40, RW));
        Region[] before = All(map);

        Assert.Equal(VmmError.OutOfFrames, map.SetAccess(12 * Page, 14 * Page, R));
        Assert.Equal(VmmError.OutOfFrames, map.SetAccess(10 * Page, 14 * Page, R));
        Assert.Equal(before, All(map));
        map.Clear();
    }

    [Fact]
    public void SetAccess_when_storage_refuses_is_OutOfFrames_and_changes_nothing()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 64);
        for (ulong i = 0; i < 8; i++)
        {
            Assert.Equal(VmmError.None, map.Insert(Pages(10 * i, 10 * i + 5, RW)));
        }
        Region[] before = All(map);
        ledger.FailAfter = 0;

        Assert.Equal(VmmError.OutOfFrames, map.SetAccess(1 * Page, 2 * Page, R));
        Assert.Equal(before, All(map));
        map.Clear();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void SetAccess_of_an_empty_range_changes_nothing_and_a_reversed_one_is_InvalidFlags()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20, RW));

        Assert.Equal(VmmError.None, map.SetAccess(15 * Page, 15 * Page, R));
        Assert.Equal(VmmError.None, map.SetAccess(50 * Page, 50 * Page, R));
        Assert.Equal(VmmError.InvalidFlags, map.SetAccess(18 * Page, 12 * Page, R));
        Assert.Equal(new[] { Pages(10, 20, RW) }, All(map));
        map.Clear();
    }

    [Fact]
    public void SetAccess_of_a_misaligned_range_is_MisalignedVirtual()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20, RW));

        Assert.Equal(VmmError.MisalignedVirtual, map.SetAccess(12 * Page + 8, 14 * Page, R));
        Assert.Equal(VmmError.MisalignedVirtual, map.SetAccess(12 * Page, 14 * Page + 8, R));
        Assert.Equal(new[] { Pages(10, 20, RW) }, All(map));
        map.Clear();
    }

    // ---- FindFree ----

    [Fact]
    public void FindFree_in_an_empty_map_gives_low()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 64);
        Assert.Equal(0x10000UL, map.FindFree(4 * Page, 0x10000, 1UL << 47));
    }

    [Fact]
    public void FindFree_takes_the_lowest_gap_that_is_big_enough()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(20, 30), Pages(32, 40), Pages(45, 50));

        Assert.Equal(16 * Page, map.FindFree(4 * Page, 16 * Page, 100 * Page));   // before the first region, exactly
        Assert.Equal(30 * Page, map.FindFree(2 * Page, 20 * Page, 100 * Page));   // the 2-page gap, exactly
        Assert.Equal(40 * Page, map.FindFree(3 * Page, 20 * Page, 100 * Page));   // skips the 2-page gap
        Assert.Equal(40 * Page, map.FindFree(5 * Page, 16 * Page, 100 * Page));   // skips 4 and 2 pages for 5, exactly
        Assert.Equal(50 * Page, map.FindFree(6 * Page, 16 * Page, 100 * Page));   // only after the end
        Assert.Equal(30 * Page, map.FindFree(1 * Page, 25 * Page, 100 * Page));   // low inside a region
        Assert.Equal(40 * Page, map.FindFree(1 * Page, 33 * Page, 100 * Page));   // low inside a region, next gap
        map.Clear();
    }

    [Fact]
    public void FindFree_at_the_end_fits_exactly_below_high_or_not_at_all()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.Equal(20 * Page, map.FindFree(10 * Page, 10 * Page, 30 * Page));
        Assert.Equal(0UL, map.FindFree(11 * Page, 10 * Page, 30 * Page));
        Assert.Equal(0UL, map.FindFree(1 * Page, 10 * Page, 20 * Page));   // the whole window is taken
        map.Clear();
    }

    [Fact]
    public void FindFree_of_size_zero_or_more_than_the_window_is_none()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.Equal(0UL, map.FindFree(0, 30 * Page, 100 * Page));
        Assert.Equal(0UL, map.FindFree(71 * Page, 30 * Page, 100 * Page));
        Assert.Equal(0UL, map.FindFree(1UL << 44, 0x10000, 1UL << 44));
        Assert.Equal(0UL, map.FindFree(ulong.MaxValue & ~(Page - 1), 0x10000, 1UL << 47));
        map.Clear();
    }

    [Fact]
    public void FindFree_with_wrapping_or_reversed_bounds_is_none()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.Equal(0UL, map.FindFree(Page, 30 * Page, 30 * Page));
        Assert.Equal(0UL, map.FindFree(Page, 30 * Page, 10 * Page));
        // low + size would wrap past 2^64: must not come back as a small address.
        Assert.Equal(0UL, map.FindFree(0x10 * Page, ulong.MaxValue - 0xFFF - 0x8 * Page, ulong.MaxValue));
        map.Clear();
    }

    [Fact]
    public void FindFree_after_a_region_that_ends_at_the_top_of_the_window_is_none()
    {
        using var ledger = new RegionLedger();
        ulong top = 1UL << 47;
        var map = MapWith(ledger, 64, new Region(top - 16 * Page, top, RW, RW, RegionKind.Stack));

        Assert.Equal(0UL, map.FindFree(Page, top - 16 * Page, top));
        Assert.Equal(top - 17 * Page, map.FindFree(Page, top - 17 * Page, top));
        Assert.Equal(top, map.FindFree(Page, top - 17 * Page + Page, ulong.MaxValue & ~(Page - 1)));
        map.Clear();
    }

    [Fact]
    public void FindFree_with_a_misaligned_size_or_low_is_none()
    {
        // The map holds only page-aligned regions; an unaligned answer could never be inserted.
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20));

        Assert.Equal(0UL, map.FindFree(Page + 1, 30 * Page, 100 * Page));
        Assert.Equal(0UL, map.FindFree(Page, 30 * Page + 8, 100 * Page));
        map.Clear();
    }

    // ---- CopyFrom, Clear ----

    [Fact]
    public void CopyFrom_makes_an_independent_copy()
    {
        using var ledger = new RegionLedger();
        var source = MapWith(ledger, 64, Pages(10, 20, tag: 1), Pages(30, 40, R, R, RegionKind.Shared, 2));
        var copy = MapWith(ledger, 64, Pages(1, 2), Pages(3, 4), Pages(5, 6));

        Assert.Equal(VmmError.None, copy.CopyFrom(source));
        Assert.Equal(All(source), All(copy));
        Assert.Equal(2, ledger.Outstanding);

        Assert.Equal(VmmError.None, source.Remove(12 * Page, 14 * Page));
        source[0].Tag = 99;
        Assert.Equal(new[] { Pages(10, 20, tag: 1), Pages(30, 40, R, R, RegionKind.Shared, 2) }, All(copy));

        source.Clear();
        copy.Clear();
        Assert.Equal(0, ledger.Outstanding);
        Assert.Equal(ledger.Allocations, ledger.Frees);
    }

    [Fact]
    public void CopyFrom_an_empty_map_empties_this_one_and_frees_its_array()
    {
        using var ledger = new RegionLedger();
        var source = new RegionMap<TestRegionStorage>(ledger.Storage, 64);
        var copy = MapWith(ledger, 64, Pages(1, 2));

        Assert.Equal(VmmError.None, copy.CopyFrom(source));
        Assert.Equal(0, copy.Count);
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void CopyFrom_when_storage_refuses_or_over_the_limit_is_OutOfFrames_and_leaves_this_map_empty()
    {
        using var ledger = new RegionLedger();
        var source = MapWith(ledger, 64, Pages(10, 20), Pages(30, 40), Pages(50, 60));
        var copy = MapWith(ledger, 64, Pages(1, 2));
        ledger.FailAfter = 0;

        Assert.Equal(VmmError.OutOfFrames, copy.CopyFrom(source));
        Assert.Equal(0, copy.Count);
        Assert.Equal(1, ledger.Outstanding);

        ledger.FailAfter = null;
        var small = new RegionMap<TestRegionStorage>(ledger.Storage, 2);
        Assert.Equal(VmmError.OutOfFrames, small.CopyFrom(source));
        Assert.Equal(0, small.Count);
        Assert.Equal(1, ledger.Outstanding);

        // Still usable afterwards.
        Assert.Equal(VmmError.None, copy.CopyFrom(source));
        Assert.Equal(All(source), All(copy));
        source.Clear();
        copy.Clear();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void Clear_gives_the_array_back_and_leaves_a_usable_empty_map()
    {
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, 100);
        for (ulong i = 0; i < 40; i++)
        {
            Assert.Equal(VmmError.None, map.Insert(Pages(2 * i, 2 * i + 1)));
        }
        map.Clear();
        Assert.Equal(0, map.Count);
        Assert.Equal(0, ledger.Outstanding);
        Assert.Equal(ledger.Allocations, ledger.Frees);
        map.Clear();
        Assert.Equal(ledger.Allocations, ledger.Frees);

        Assert.Equal(VmmError.None, map.Insert(Pages(3, 4)));
        Assert.Equal(-1, map.IndexOf(0));
        Assert.Equal(0, map.IndexOf(3 * Page));
        map.Clear();
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void Cuts_keep_each_piece_at_its_offset_in_the_object()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, new Region(10 * Page, 20 * Page, RW, RWX, RegionKind.ObjectShared, 7, 0x100000));

        Assert.Equal(VmmError.None, map.Remove(12 * Page, 13 * Page));
        Assert.Equal(VmmError.None, map.SetAccess(15 * Page, 16 * Page, R));

        Assert.Equal(new ulong[] { 10, 13, 15, 16 }, Enumerable.Range(0, map.Count).Select(i => map[i].Start / Page));
        for (int i = 0; i < map.Count; i++)
        {
            Assert.Equal(0x100000 + map[i].Start - 10 * Page, map[i].Offset);
        }
        map.Clear();
    }

    [Fact]
    public void Every_region_that_comes_or_goes_is_retained_or_released()
    {
        using var ledger = new RegionLedger();
        var map = MapWith(ledger, 64, Pages(10, 20, tag: 7), Pages(30, 40, tag: 8));

        Assert.Equal(VmmError.None, map.Remove(12 * Page, 13 * Page));   // a hole: two of one
        Assert.Equal(1, ledger.ReferencesOf(7));
        Assert.Equal(VmmError.None, map.SetAccess(15 * Page, 16 * Page, R)); // two cuts
        Assert.Equal(3, ledger.ReferencesOf(7));
        Assert.Equal(VmmError.None, map.SetAccess(30 * Page, 40 * Page, R)); // whole: no cut
        Assert.Equal(0, ledger.ReferencesOf(8));

        var copy = new RegionMap<TestRegionStorage>(ledger.Storage, 64);
        Assert.Equal(VmmError.None, copy.CopyFrom(map));                  // fork
        Assert.Equal(7, ledger.ReferencesOf(7));
        Assert.Equal(1, ledger.ReferencesOf(8));
        copy.Clear();
        Assert.Equal(3, ledger.ReferencesOf(7));

        Assert.Equal(VmmError.None, map.Remove(0, 39 * Page));           // four pieces of 7 go, 8 is trimmed
        Assert.Equal(-1, ledger.ReferencesOf(7));
        Assert.Equal(0, ledger.ReferencesOf(8));
        ledger.FailAfter = 0;
        map.Clear();
        Assert.Equal(-1, ledger.ReferencesOf(8));
    }
}
