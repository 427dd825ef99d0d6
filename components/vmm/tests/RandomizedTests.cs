using System;
using System.Collections.Generic;
using Aurora.Vmm.Tests.Simulation;
using Xunit;

namespace Aurora.Vmm.Tests;

/// <summary>
/// The mapper against simple models, driven by a seeded generator. A failure names its seed;
/// <c>AURORA_SEED=&lt;n&gt; dotnet test</c> replays it.
/// </summary>
public class RandomizedTests
{
    private const ulong Size2MiB = 0x20_0000;

    private readonly record struct Page(ulong Physical, PageFlags Protection, CacheMode Cache);

    /// <summary>One half of the address space, modelled as plain dictionaries.</summary>
    private sealed class Model
    {
        public readonly Dictionary<ulong, Page> Small = new();
        public readonly Dictionary<ulong, Page> Large = new();
        public readonly Dictionary<ulong, int> SmallPerRegion = new();

        public int SmallIn(ulong region) => SmallPerRegion.TryGetValue(region, out int n) ? n : 0;

        public void AddSmall(ulong va, Page page)
        {
            Small.Add(va, page);
            SmallPerRegion[va & ~(Size2MiB - 1)] = SmallIn(va & ~(Size2MiB - 1)) + 1;
        }

        public void RemoveSmall(ulong va)
        {
            Small.Remove(va);
            SmallPerRegion[va & ~(Size2MiB - 1)]--;
        }
    }

    [Fact]
    public void Random_map_unmap_protect_translate_always_agree_with_a_dictionary_model()
    {
        const int operations = 200_000;
        int seed = Seeds.Get();
        var rng = new Random(seed);
        using var machine = new SimulatedMachine(ramBytes: 64UL << 20, poolFrames: 15_000);
        var mapper = machine.Mapper;
        var user = new Model();
        var kernel = new Model();   // shared kernel half, edited through either root

        // Few slots per level, so that operations collide, share tables and cross 2 MiB regions.
        int[] userPml4 = { 0, 1, 255 };
        int[] kernelPml4 = { 256, 300, 511 };
        int[] pdpts = { 0, 7, 511 };
        int[] ptIndices = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100, 255, 256, 300, 510, 511 };

        int step = 0;
        try
        {
            Assert.Equal(VmmError.None, mapper.CreateEmpty(out var template));
            Assert.Equal(VmmError.None, mapper.ReserveKernelHalf(template));
            Assert.Equal(VmmError.None, mapper.CreateAddressSpace(template, out var process));

            for (step = 0; step < operations; step++)
            {
                bool inKernel = rng.Next(4) == 0;
                Model model = inKernel ? kernel : user;
                AddressSpace space = inKernel && rng.Next(2) == 0 ? template : process;
                int[] pml4s = inKernel ? kernelPml4 : userPml4;
                int pt = ptIndices[rng.Next(ptIndices.Length)];
                ulong va = Bits.Va(pml4s[rng.Next(pml4s.Length)], pdpts[rng.Next(pdpts.Length)], rng.Next(6), pt);
                ulong region = va & ~(Size2MiB - 1);

                int kind = rng.Next(100);
                // Alternate filling and draining phases, so that page tables also become empty
                // (2 MiB unmaps and maps over emptied tables) rather than only ever fuller.
                bool draining = step / 20_000 % 2 == 1;
                if (draining && kind < 35 && rng.Next(4) != 0)
                {
                    kind = 35 + rng.Next(26);
                }
                if (kind < 30)
                {
                    var page = RandomPage(rng, inKernel, small: true);
                    VmmError expected = model.Large.ContainsKey(region) ? VmmError.SizeConflict
                        : model.Small.ContainsKey(va) ? VmmError.AlreadyMapped : VmmError.None;
                    Assert.Equal(expected, mapper.Map(space, va, page.Physical, PageSize.Size4KiB, page.Protection, page.Cache));
                    if (expected == VmmError.None)
                    {
                        model.AddSmall(va, page);
                    }
                }
                else if (kind < 35)
                {
                    var page = RandomPage(rng, inKernel, small: false);
                    VmmError expected = model.Large.ContainsKey(region) || model.SmallIn(region) > 0
                        ? VmmError.AlreadyMapped : VmmError.None;
                    Assert.Equal(expected, mapper.Map(space, region, page.Physical, PageSize.Size2MiB, page.Protection, page.Cache));
                    if (expected == VmmError.None)
                    {
                        model.Large.Add(region, page);
                    }
                }
                else if (kind < 57)
                {
                    VmmError error = mapper.Unmap(space, va, PageSize.Size4KiB, out ulong frame);
                    if (model.Large.ContainsKey(region))
                    {
                        Assert.Equal(VmmError.SizeConflict, error);
                    }
                    else if (model.Small.TryGetValue(va, out var page))
                    {
                        Assert.Equal(VmmError.None, error);
                        Assert.Equal(page.Physical, frame);
                        model.RemoveSmall(va);
                    }
                    else
                    {
                        Assert.Equal(VmmError.NotMapped, error);
                    }
                }
                else if (kind < 61)
                {
                    VmmError error = mapper.Unmap(space, region, PageSize.Size2MiB, out ulong frame);
                    if (model.Large.TryGetValue(region, out var page))
                    {
                        Assert.Equal(VmmError.None, error);
                        Assert.Equal(page.Physical, frame);
                        model.Large.Remove(region);
                    }
                    else
                    {
                        Assert.Equal(model.SmallIn(region) > 0 ? VmmError.SizeConflict : VmmError.NotMapped, error);
                    }
                }
                else if (kind < 73)
                {
                    bool large = rng.Next(4) == 0;
                    PageFlags protection = RandomProtection(rng, inKernel);
                    ulong target = large ? region : va;
                    VmmError error = mapper.Protect(space, target, large ? PageSize.Size2MiB : PageSize.Size4KiB, protection);
                    if (large)
                    {
                        if (model.Large.TryGetValue(region, out var page))
                        {
                            Assert.Equal(VmmError.None, error);
                            model.Large[region] = page with { Protection = protection };
                        }
                        else
                        {
                            Assert.Equal(model.SmallIn(region) > 0 ? VmmError.SizeConflict : VmmError.NotMapped, error);
                        }
                    }
                    else if (model.Large.ContainsKey(region))
                    {
                        Assert.Equal(VmmError.SizeConflict, error);
                    }
                    else if (model.Small.TryGetValue(va, out var page))
                    {
                        Assert.Equal(VmmError.None, error);
                        model.Small[va] = page with { Protection = protection };
                    }
                    else
                    {
                        Assert.Equal(VmmError.NotMapped, error);
                    }
                }
                else
                {
                    ulong probe = (va & ~(Size2MiB - 1)) + (ulong)rng.NextInt64((long)Size2MiB);
                    CheckTranslate(mapper, space, model, probe);
                }

                if (step % 50_000 == 0)
                {
                    CheckEverything(mapper, template, process, user, kernel);
                }
            }
            CheckEverything(mapper, template, process, user, kernel);

            mapper.DestroyAddressSpace(process);
            // Every frame still out is a table reachable from the template: nothing leaked.
            Assert.Equal(TableWalk.CountTables(machine, template.Root), machine.Pool.Outstanding);
            Assert.Equal(1, TableWalk.CountTables(machine, template.Root, 0, 256));
        }
        catch (Exception e)
        {
            throw Seeds.Replay(seed, step, e);
        }
    }

    private static void CheckEverything(PageMapper<SimMemory, SimFrames, SimTlb> mapper,
        AddressSpace template, AddressSpace process, Model user, Model kernel)
    {
        foreach (ulong va in user.Small.Keys)
        {
            CheckTranslate(mapper, process, user, va + 0xABC);
        }
        foreach (ulong va in user.Large.Keys)
        {
            CheckTranslate(mapper, process, user, va + 0x1_2345);
        }
        foreach (ulong va in kernel.Small.Keys)
        {
            CheckTranslate(mapper, template, kernel, va + 8);
            CheckTranslate(mapper, process, kernel, va + 8);
        }
        foreach (ulong va in kernel.Large.Keys)
        {
            CheckTranslate(mapper, process, kernel, va + 0x1F_FFFF);
        }
    }

    private static void CheckTranslate(PageMapper<SimMemory, SimFrames, SimTlb> mapper, AddressSpace space, Model model, ulong va)
    {
        VmmError error = mapper.Translate(space, va, out var t);
        ulong region = va & ~(Size2MiB - 1);
        ulong page4K = va & ~0xFFFUL;
        if (model.Large.TryGetValue(region, out var large))
        {
            Assert.Equal(VmmError.None, error);
            Assert.Equal(PageSize.Size2MiB, t.Size);
            Assert.Equal(large.Physical + (va - region), t.PhysicalAddress);
            Assert.Equal(PageFlags.Present | large.Protection, t.Flags);
            Assert.Equal(large.Cache, t.Cache);
        }
        else if (model.Small.TryGetValue(page4K, out var small))
        {
            Assert.Equal(VmmError.None, error);
            Assert.Equal(PageSize.Size4KiB, t.Size);
            Assert.Equal(small.Physical + (va - page4K), t.PhysicalAddress);
            Assert.Equal(PageFlags.Present | small.Protection, t.Flags);
            Assert.Equal(small.Cache, t.Cache);
        }
        else
        {
            Assert.Equal(VmmError.NotMapped, error);
        }
    }

    private static Page RandomPage(Random rng, bool inKernel, bool small)
    {
        ulong alignment = small ? 0xFFFUL : Size2MiB - 1;
        ulong physical = (ulong)rng.NextInt64(1L << 52) & ~alignment;
        return new Page(physical, RandomProtection(rng, inKernel), (CacheMode)rng.Next(6));
    }

    private static PageFlags RandomProtection(Random rng, bool inKernel)
    {
        PageFlags flags = PageFlags.None;
        if (rng.Next(2) == 0) flags |= PageFlags.Writable;
        if (!inKernel && rng.Next(4) != 0) flags |= PageFlags.User;
        if (rng.Next(4) == 0) flags |= PageFlags.Global;
        if (rng.Next(2) == 0) flags |= PageFlags.NoExecute;
        if ((flags & PageFlags.Writable) == 0 && rng.Next(4) == 0) flags |= PageFlags.CopyOnWrite;
        return flags;
    }

    /// <summary>
    /// Processes fork, write, read, remap and exit at random. The model is each process's page
    /// contents; the checks are that every read sees what that process last wrote, that the
    /// share counts equal the number of mappings of each frame, and that once every process has
    /// exited all frames are back and all counts are zero.
    /// </summary>
    [Fact]
    public void Random_fork_write_exit_keeps_contents_private_and_counts_exact()
    {
        const int operations = 25_000;
        const int pagesPerProcess = 48;
        int seed = Seeds.Get();
        var rng = new Random(seed);
        using var machine = new SimulatedMachine(ramBytes: 64UL << 20, poolFrames: 15_000);
        var mapper = machine.Mapper;
        var counts = machine.Counts;
        var processes = new List<(AddressSpace Space, Dictionary<ulong, byte> Contents)>();
        var pages = new List<ulong>();
        var readOnly = new HashSet<ulong>();

        int step = 0;
        try
        {
            mapper.CreateEmpty(out var template);
            mapper.ReserveKernelHalf(template);
            int kernelFrames = machine.Pool.Outstanding;

            mapper.CreateAddressSpace(template, out var first);
            var contents = new Dictionary<ulong, byte>();
            while (pages.Count < pagesPerProcess)
            {
                ulong va = Bits.Va(rng.Next(2), rng.Next(2), rng.Next(3), rng.Next(512));
                if (contents.ContainsKey(va))
                {
                    continue;
                }
                byte value = (byte)rng.Next(256);
                Assert.True(machine.Pool.TryAllocate(out ulong frame));
                machine.Frame(frame).Fill(value);
                bool writable = rng.Next(5) != 0;
                if (!writable)
                {
                    readOnly.Add(va);
                }
                Assert.Equal(VmmError.None, mapper.Map(first, va, frame, PageSize.Size4KiB,
                    PageFlags.User | PageFlags.NoExecute | (writable ? PageFlags.Writable : PageFlags.None)));
                contents[va] = value;
                pages.Add(va);
            }
            processes.Add((first, contents));

            for (step = 0; step < operations; step++)
            {
                var (space, model) = processes[rng.Next(processes.Count)];
                ulong va = pages[rng.Next(pages.Count)];
                int kind = rng.Next(100);
                if (kind < 55)
                {
                    byte value = (byte)rng.Next(256);
                    Assert.Equal(VmmError.None, mapper.Translate(space, va, out var t));
                    if ((t.Flags & PageFlags.Writable) == 0)
                    {
                        VmmError error = mapper.ResolveWriteFault(space, va + (ulong)rng.Next(4096), counts);
                        if (readOnly.Contains(va))
                        {
                            Assert.Equal(VmmError.ProtectionViolation, error);
                            continue;
                        }
                        Assert.Equal(VmmError.None, error);
                        Assert.Equal(VmmError.None, mapper.Translate(space, va, out t));
                        Assert.True((t.Flags & PageFlags.Writable) != 0);
                        Assert.True((t.Flags & PageFlags.CopyOnWrite) == 0);
                    }
                    machine.Frame(t.FrameAddress).Fill(value);
                    model[va] = value;
                }
                else if (kind < 80)
                {
                    Assert.Equal(VmmError.None, mapper.Translate(space, va, out var t));
                    Assert.True(machine.Frame(t.FrameAddress).IndexOfAnyExcept(model[va]) < 0, "page contents differ from the model");
                }
                else if (kind < 88 && processes.Count < 8)
                {
                    Assert.Equal(VmmError.None, mapper.Clone(space, counts, out var child));
                    processes.Add((child, new Dictionary<ulong, byte>(model)));
                }
                else if (kind < 96 && processes.Count > 1)
                {
                    mapper.DestroyAddressSpace(space, counts);
                    processes.RemoveAll(p => p.Space.Root == space.Root);
                }
                else if (!readOnly.Contains(va))
                {
                    // munmap + mmap of a fresh private page at the same address.
                    Assert.Equal(VmmError.None, mapper.Unmap(space, va, PageSize.Size4KiB, out ulong old));
                    mapper.ReleaseFrame(old, counts);
                    byte value = (byte)rng.Next(256);
                    Assert.True(machine.Pool.TryAllocate(out ulong frame));
                    machine.Frame(frame).Fill(value);
                    Assert.Equal(VmmError.None, mapper.Map(space, va, frame, PageSize.Size4KiB, PageFlags.User | PageFlags.Writable));
                    model[va] = value;
                }

                if (step % 500 == 0)
                {
                    CheckCounts(machine, mapper, processes, pages);
                }
            }
            CheckCounts(machine, mapper, processes, pages);

            foreach (var (space, _) in processes)
            {
                mapper.DestroyAddressSpace(space, counts);
            }
            Assert.Equal(kernelFrames, machine.Pool.Outstanding);
            Assert.True(machine.AllCountsZero(), "a share count is left over");
        }
        catch (Exception e)
        {
            throw Seeds.Replay(seed, step, e);
        }
    }

    /// <summary>Each frame's count equals its number of mappings (0 or 1 for a single one).</summary>
    private static void CheckCounts(SimulatedMachine machine, PageMapper<SimMemory, SimFrames, SimTlb> mapper,
        List<(AddressSpace Space, Dictionary<ulong, byte> Contents)> processes, List<ulong> pages)
    {
        var mappings = new Dictionary<ulong, int>();
        foreach (var (space, model) in processes)
        {
            foreach (ulong va in pages)
            {
                Assert.Equal(VmmError.None, mapper.Translate(space, va, out var t));
                mappings[t.FrameAddress] = (mappings.TryGetValue(t.FrameAddress, out int n) ? n : 0) + 1;
                bool shared = (t.Flags & PageFlags.CopyOnWrite) != 0;
                Assert.False(shared && (t.Flags & PageFlags.Writable) != 0, "copy-on-write page left writable");
            }
        }
        foreach (var (frame, n) in mappings)
        {
            ushort count = machine.CountOf(frame);
            if (n == 1)
            {
                Assert.True(count <= 1, $"frame 0x{frame:X} mapped once has count {count}");
            }
            else
            {
                Assert.Equal(n, (int)count);
            }
        }
    }
}
