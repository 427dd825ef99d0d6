using System;
using System.Collections.Generic;
using System.Linq;
using Aurora.Vmm.Tests.Simulation;
using Xunit;

namespace Aurora.Vmm.Tests;

/// <summary>
/// RegionMap against a model that knows nothing of arrays: one entry per page of a small window
/// (its access, max access, kind, tag and flags) and the set of pages where a region starts (inserts
/// and cuts; regions are never merged). After every step the map's regions must be exactly the
/// runs the model implies (flags kept by every cut; MappedBytes counted page by page), and the
/// storage ledger must hold at most one array per map.
/// </summary>
public class RegionRandomizedTests
{
    private const ulong Page = 0x1000;
    private const ulong Base = 0x10_0000;   // page 0 of the window; above 0 so FindFree's "none" is unambiguous
    private const int Window = 256;

    private readonly record struct PageState(RegionAccess Access, RegionAccess Max, RegionKind Kind, ulong Tag, RegionFlags Flags = RegionFlags.None);

    private sealed class Model
    {
        public readonly PageState?[] Pages = new PageState?[Window];
        public readonly bool[] Starts = new bool[Window];

        public Model Copy()
        {
            var copy = new Model();
            Pages.CopyTo(copy.Pages, 0);
            Starts.CopyTo(copy.Starts, 0);
            return copy;
        }

        public bool Mapped(int page) => page >= 0 && page < Window && Pages[page] is not null;

        /// <summary>The regions the map must hold: runs of mapped pages broken at every start.</summary>
        public List<Region> Regions()
        {
            var regions = new List<Region>();
            for (int p = 0; p < Window; p++)
            {
                if (Pages[p] is not PageState state)
                {
                    continue;
                }
                int q = p + 1;
                while (q < Window && Pages[q] is not null && !Starts[q])
                {
                    Assert.Equal(state, Pages[q]);   // a model bug, not a map bug, if this fails
                    q++;
                }
                regions.Add(new Region(Address(p), Address(q), state.Access, state.Max, state.Kind, state.Tag) { Flags = state.Flags });
                p = q - 1;
            }
            return regions;
        }

        public void Insert(int start, int end, PageState state)
        {
            for (int p = start; p < end; p++)
            {
                Pages[p] = state;
                Starts[p] = false;
            }
            Starts[start] = true;
        }

        public void Remove(int start, int end)
        {
            if (start >= end)
            {
                return;
            }
            for (int p = Math.Max(start, 0); p < Math.Min(end, Window); p++)
            {
                Pages[p] = null;
                Starts[p] = false;
            }
            if (Mapped(end))
            {
                Starts[end] = true;
            }
        }

        /// <summary>Only a region whose access changes is cut.</summary>
        public void SetAccess(int start, int end, RegionAccess access)
        {
            bool cutStart = Pages[start]!.Value.Access != access;
            bool cutEnd = Mapped(end) && Pages[end]!.Value.Access != access;
            for (int p = start; p < end; p++)
            {
                Pages[p] = Pages[p]!.Value with { Access = access };
            }
            Starts[start] |= cutStart;
            if (cutEnd)
            {
                Starts[end] = true;
            }
        }
    }

    private static ulong Address(int page) => Base + (ulong)page * Page;

    private static List<Region> All(in RegionMap<TestRegionStorage> map)
    {
        var regions = new List<Region>(map.Count);
        for (int i = 0; i < map.Count; i++)
        {
            regions.Add(map[i]);
        }
        return regions;
    }

    [Fact]
    public void Random_insert_remove_protect_copy_match_a_page_model()
    {
        const int operations = 20_000;
        const int limit = 16;
        int seed = Seeds.Get();
        var rng = new Random(seed);
        using var ledger = new RegionLedger();
        var map = new RegionMap<TestRegionStorage>(ledger.Storage, limit);
        var model = new Model();
        ulong nextTag = 1;
        var origins = new Dictionary<ulong, ulong>(); // tag → where its region was inserted

        int step = 0;
        try
        {
            for (step = 0; step < operations; step++)
            {
                int kind = rng.Next(100);
                int start = rng.Next(Window + 1);
                if (kind >= 30 && map.Count > 0 && rng.Next(4) != 0)
                {
                    // Removes and protections mostly start inside a region, so they cut and cover.
                    Region near = map[rng.Next(map.Count)];
                    start = (int)((near.Start - Base) / Page) + rng.Next((int)(near.Length / Page));
                }
                int end = Math.Min(Window, start + (rng.Next(12) == 0 ? rng.Next(Window) : rng.Next(1, 12)));
                if (kind >= 55 && kind < 80 && rng.Next(2) == 0)
                {
                    // Half the protections stay on mapped pages, so they get past NotMapped.
                    int covered = start;
                    while (covered < end && model.Mapped(covered))
                    {
                        covered++;
                    }
                    end = covered;
                }
                if (rng.Next(25) == 0)
                {
                    (start, end) = (end, start);   // reversed (or empty)
                }
                ulong startAddress = Address(start);
                ulong endAddress = Address(end);
                bool misaligned = rng.Next(40) == 0;
                if (misaligned)
                {
                    startAddress += (ulong)rng.Next(1, 4096);
                }
                bool refuse = rng.Next(15) == 0;
                ledger.FailAfter = refuse ? 0 : null;
                int refusals = ledger.Refusals;
                List<Region> before = All(map);

                Model next = model.Copy();
                VmmError expected;
                VmmError actual;
                if (kind < 30)
                {
                    var max = (RegionAccess)rng.Next(8);
                    var access = rng.Next(10) == 0 ? (RegionAccess)rng.Next(8) : max & (RegionAccess)rng.Next(8);
                    var state = new PageState(access, max, (RegionKind)rng.Next(5), nextTag++, (RegionFlags)rng.Next(2));
                    var region = new Region(startAddress, endAddress, state.Access, state.Max, state.Kind, state.Tag) { Flags = state.Flags };
                    bool overlaps = false;
                    for (int p = start; p < end; p++)
                    {
                        overlaps |= model.Mapped(p);
                    }
                    if (misaligned) expected = VmmError.MisalignedVirtual;
                    else if (start >= end || (state.Access & ~state.Max) != 0) expected = VmmError.InvalidFlags;
                    else if (overlaps) expected = VmmError.AlreadyMapped;
                    else
                    {
                        next.Insert(start, end, state);
                        expected = next.Regions().Count > limit ? VmmError.OutOfFrames : VmmError.None;
                    }
                    actual = map.Insert(region);
                    if (actual == VmmError.None)
                    {
                        origins[state.Tag] = startAddress;
                    }
                }
                else if (kind < 55)
                {
                    bool everything = rng.Next(50) == 0;
                    if (everything)
                    {
                        (start, end, startAddress, endAddress, misaligned) = (0, Window, 0, VirtualAddress.UserHalfEnd, false);
                    }
                    if (misaligned) expected = VmmError.MisalignedVirtual;
                    else if (start > end) expected = VmmError.InvalidFlags;
                    else
                    {
                        next.Remove(start, end);
                        expected = next.Regions().Count > limit ? VmmError.OutOfFrames : VmmError.None;
                    }
                    actual = map.Remove(startAddress, endAddress);
                }
                else if (kind < 80)
                {
                    var access = (RegionAccess)rng.Next(8);
                    bool covered = true;
                    bool allowed = true;
                    for (int p = Math.Max(0, start); p < end; p++)
                    {
                        covered &= model.Mapped(p);
                        allowed &= !model.Mapped(p) || (access & ~model.Pages[p]!.Value.Max) == 0;
                    }
                    if (misaligned) expected = VmmError.MisalignedVirtual;
                    else if (start > end) expected = VmmError.InvalidFlags;
                    else if (start == end) expected = VmmError.None;
                    else if (!covered) expected = VmmError.NotMapped;
                    else if (!allowed) expected = VmmError.ProtectionViolation;
                    else
                    {
                        next.SetAccess(start, end, access);
                        expected = next.Regions().Count > limit ? VmmError.OutOfFrames : VmmError.None;
                    }
                    actual = map.SetAccess(startAddress, endAddress, access);
                }
                else if (kind < 83)
                {
                    // fork: the copy takes over, the original goes.
                    var copy = new RegionMap<TestRegionStorage>(ledger.Storage, limit);
                    actual = copy.CopyFrom(map);
                    expected = VmmError.None;
                    if (actual == VmmError.None)
                    {
                        Assert.Equal(All(map), All(copy));
                        map.Clear();
                        map = copy;
                    }
                    else
                    {
                        Assert.Equal(0, copy.Count);
                        copy.Clear();
                    }
                }
                else if (kind < 84)
                {
                    map.Clear();
                    Assert.Equal(0, ledger.Outstanding);
                    next = new Model();
                    actual = expected = VmmError.None;
                }
                else
                {
                    CheckQueries(map, model, rng);
                    actual = expected = VmmError.None;
                }
                ledger.FailAfter = null;

                if (actual == VmmError.OutOfFrames && expected == VmmError.None && ledger.Refusals > refusals)
                {
                    // The storage refused to grow the array: nothing may have changed.
                    expected = VmmError.OutOfFrames;
                }
                Assert.Equal(expected, actual);
                if (actual == VmmError.None)
                {
                    model = next;
                }
                else
                {
                    Assert.Equal(before, All(map));
                }

                List<Region> regions = All(map);
                for (int i = 0; i < regions.Count; i++)
                {
                    Assert.True(regions[i].Start < regions[i].End, "empty region");
                    Assert.True(i == 0 || regions[i - 1].End <= regions[i].Start, "regions out of order or overlapping");
                    // Cuts keep the offset: every piece still says where its start was in the original.
                    Assert.Equal(origins[regions[i].Tag], regions[i].Start - regions[i].Offset);
                }
                foreach (ulong tag in origins.Keys)
                {
                    // One reference per region: the insert's, plus what the map retained and released.
                    Assert.Equal(regions.Count(r => r.Tag == tag), 1 + ledger.ReferencesOf(tag));
                }
                Assert.Equal(model.Regions(), regions.Select(r => { r.Offset = 0; return r; }).ToList());
                Assert.True(ledger.Outstanding <= 1, $"{ledger.Outstanding} arrays held by one map");
                Assert.True(regions.Count <= limit);
            }
            map.Clear();
            Assert.Equal(0, ledger.Outstanding);
            Assert.Equal(ledger.Allocations, ledger.Frees);
        }
        catch (Exception e)
        {
            throw Seeds.Replay(seed, step, e);
        }
    }

    private static void CheckQueries(in RegionMap<TestRegionStorage> map, Model model, Random rng)
    {
        int start = rng.Next(Window + 8);
        int end = Math.Min(Window + 8, start + rng.Next(0, 40));

        ulong address = Address(start) + (ulong)rng.Next(4096);
        int index = map.IndexOf(address);
        if (model.Mapped(start))
        {
            Assert.True(index >= 0 && map[index].Contains(address));
        }
        else
        {
            Assert.Equal(-1, index);
        }

        bool covered = true;
        bool overlaps = false;
        for (int p = start; p < end; p++)
        {
            covered &= model.Mapped(p);
            overlaps |= model.Mapped(p);
        }
        Assert.True(covered == map.Covers(Address(start), Address(end)), $"Covers({start}, {end}) model {covered}: " + string.Join(" ", All(map).Select(r => $"[{(r.Start - Base) / Page},{(r.End - Base) / Page})")));
        Assert.Equal(overlaps, map.Overlaps(Address(start), Address(end)));
        int mappedPages = 0;
        for (int p = start; p < end; p++)
        {
            mappedPages += model.Mapped(p) ? 1 : 0;
        }
        Assert.Equal((ulong)mappedPages * Page, map.MappedBytes(Address(start), Address(end)));

        int first = map.FirstEndingAfter(Address(start));
        Assert.True(first == map.Count || map[first].End > Address(start));
        Assert.True(first == 0 || map[first - 1].End <= Address(start));

        int size = rng.Next(0, 48);
        int high = rng.Next(Window + 16);
        int found = -1;
        for (int c = start; size > 0 && c + size <= high && found < 0; c++)
        {
            bool free = true;
            for (int p = c; p < c + size && free; p++)
            {
                free = !model.Mapped(p);
            }
            found = free ? c : -1;
        }
        ulong expected = found < 0 ? 0 : Address(found);
        Assert.Equal(expected, map.FindFree((ulong)size * Page, Address(start), Address(high)));
    }
}
