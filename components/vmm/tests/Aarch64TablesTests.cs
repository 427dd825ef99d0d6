using System;
using System.Collections.Generic;
using Aurora.Vmm.Aarch64;
using Aurora.Vmm.Tests.Simulation;
using Xunit;

namespace Aurora.Vmm.Tests;

/// <summary>
/// The AArch64 descriptor format (Aarch64Descriptor, Aarch64PageTables) checked against an
/// independent reading of the Arm ARM: <see cref="HardwareWalk"/> walks the raw tables as the
/// MMU would (VMSAv8-64, 4 KiB granule, 48-bit VA) and says what each access level may do.
/// </summary>
public unsafe class Aarch64TablesTests
{
    private static Aarch64PageTables<SimMemory, SimFrames, SimTlb> Tables(SimulatedMachine machine)
        => new(new SimMemory(machine.Ram, machine.RamBytes, machine.MemoryLog), new SimFrames(machine.Pool), new SimTlb(machine.TlbLog));

    /// <summary>What the MMU sees: the output address, the block size, and the permissions
    /// (Arm ARM D8.4 "Memory access control": AP[2:1], PXN, UXN; EL1 can never execute a page
    /// EL0 can write).</summary>
    public readonly record struct Access(ulong Physical, ulong BlockSize, bool KernelWrite, bool UserRead, bool UserWrite,
        bool KernelExecute, bool UserExecute, int AttributeIndex, bool Global);

    public static Access? HardwareWalk(SimulatedMachine machine, ulong root, ulong va)
    {
        ulong top = va >> 48;
        if (top != 0 && top != 0xFFFF) return null;   // translation fault at level 0 (TxSZ = 16)
        ulong table = root;
        for (int level = 0; level <= 3; level++)
        {
            int index = (int)((va >> (39 - 9 * level)) & 511);
            ulong d = machine.Entry(table, index);
            if ((d & 1) == 0) return null;
            bool typeBit = (d & 2) != 0;
            if (level < 3 && typeBit)
            {
                table = d & 0x0000_FFFF_FFFF_F000;
                continue;
            }
            if (level == 0 || (level == 3 && !typeBit)) return null;   // reserved encodings fault
            ulong blockSize = 1UL << (39 - 9 * level);   // 1 GiB at level 1, 2 MiB at 2, 4 KiB at 3
            ulong output = d & 0x0000_FFFF_FFFF_F000 & ~(blockSize - 1);
            bool ap1 = (d & (1UL << 6)) != 0, ap2 = (d & (1UL << 7)) != 0;
            bool pxn = (d & (1UL << 53)) != 0, uxn = (d & (1UL << 54)) != 0;
            Assert.True((d & (1UL << 10)) != 0, $"descriptor 0x{d:X} at 0x{va:X} has no access flag: the first access would fault");
            return new Access(output | (va & (blockSize - 1)), blockSize, KernelWrite: !ap2, UserRead: ap1, UserWrite: ap1 && !ap2,
                KernelExecute: !pxn && !(ap1 && !ap2), UserExecute: ap1 && !uxn, AttributeIndex: (int)((d >> 2) & 7), Global: (d & (1UL << 11)) == 0);
        }
        return null;
    }

    [Fact]
    public void A_kernel_page_is_readable_by_the_kernel_only_and_never_runs_at_EL0()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong root));
        ulong va = 0xFFFF_8000_0012_3000, pa = machine.FirstDataFrame;
        Assert.Equal(VmmError.None, tables.Map(root, va, pa, PageSize.Size4KiB, PageFlags.Writable | PageFlags.Global, CacheMode.WriteBack));
        Access access = HardwareWalk(machine, root, va + 0x45)!.Value;
        Assert.Equal(pa + 0x45, access.Physical);
        Assert.True(access.KernelWrite && access.KernelExecute && access.Global);
        Assert.False(access.UserRead || access.UserWrite || access.UserExecute);
        Assert.Equal(0, access.AttributeIndex);
    }

    [Fact]
    public void A_user_page_never_runs_at_EL1_and_honours_no_execute_for_EL0()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong root));
        ulong pa = machine.FirstDataFrame;
        Assert.Equal(VmmError.None, tables.Map(root, 0x40_0000, pa, PageSize.Size4KiB, PageFlags.User, CacheMode.WriteBack));
        Assert.Equal(VmmError.None, tables.Map(root, 0x40_1000, pa, PageSize.Size4KiB, PageFlags.User | PageFlags.Writable | PageFlags.NoExecute, CacheMode.WriteBack));
        Access code = HardwareWalk(machine, root, 0x40_0000)!.Value, data = HardwareWalk(machine, root, 0x40_1000)!.Value;
        Assert.True(code.UserRead && code.UserExecute && !code.UserWrite && !code.KernelExecute && !code.Global);
        Assert.True(data.UserRead && data.UserWrite && !data.UserExecute && !data.KernelExecute);
    }

    [Fact]
    public void Cache_modes_select_the_memory_types_the_MAIR_constant_holds()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong root));
        // Device registers must be Device-nGnRnE (0x00), RAM Normal write-back (0xFF).
        byte[] expected = { 0xFF, 0xBB, 0x44, 0x00, 0xBB, 0x44 };
        for (int mode = 0; mode <= (int)CacheMode.WriteCombining; mode++)
        {
            ulong va = 0x1000_0000UL + (ulong)mode * 4096;
            Assert.Equal(VmmError.None, tables.Map(root, va, machine.FirstDataFrame, PageSize.Size4KiB, PageFlags.Writable, (CacheMode)mode));
            int index = HardwareWalk(machine, root, va)!.Value.AttributeIndex;
            Assert.Equal(expected[mode], (byte)(Aarch64Descriptor.MemoryAttributes >> (8 * index)));
        }
    }

    [Fact]
    public void Blocks_of_2MiB_and_1GiB_translate_with_their_offsets()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong root));
        Assert.Equal(VmmError.None, tables.Map(root, 0xFFFF_8000_0000_0000, 0x4000_0000, PageSize.Size1GiB, PageFlags.Writable | PageFlags.NoExecute, CacheMode.WriteBack));
        Assert.Equal(VmmError.None, tables.Map(root, 0xFFFF_8000_4020_0000, 0x0800_0000, PageSize.Size2MiB, PageFlags.Writable | PageFlags.NoExecute, CacheMode.Uncached));
        Access gib = HardwareWalk(machine, root, 0xFFFF_8000_1234_5678)!.Value;
        Assert.Equal(0x4000_0000UL + 0x1234_5678, gib.Physical);
        Assert.Equal(1UL << 30, gib.BlockSize);
        Assert.False(gib.KernelExecute);
        Access mib = HardwareWalk(machine, root, 0xFFFF_8000_4021_0010)!.Value;
        Assert.Equal(0x0801_0010UL, mib.Physical);
        Assert.Equal(3, mib.AttributeIndex);
        Assert.Equal(VmmError.None, tables.Translate(root, 0xFFFF_8000_4021_0010, out Translation t));
        Assert.Equal(PageSize.Size2MiB, t.Size);
        Assert.Equal(CacheMode.Uncached, t.Cache);
    }

    [Fact]
    public void Bad_requests_are_refused_with_their_reason()
    {
        using var machine = new SimulatedMachine();
        var tables = Tables(machine);
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong root));
        ulong pa = machine.FirstDataFrame;
        Assert.Equal(VmmError.NonCanonical, tables.Map(root, 0x0001_0000_0000_0000, pa, PageSize.Size4KiB, PageFlags.None, CacheMode.WriteBack));
        Assert.Equal(VmmError.MisalignedVirtual, tables.Map(root, 0x1001, pa, PageSize.Size4KiB, PageFlags.None, CacheMode.WriteBack));
        Assert.Equal(VmmError.MisalignedPhysical, tables.Map(root, 0x20_0000, pa + 0x1000, PageSize.Size2MiB, PageFlags.None, CacheMode.WriteBack));
        Assert.Equal(VmmError.PhysicalOutOfRange, tables.Map(root, 0x1000, 1UL << 48, PageSize.Size4KiB, PageFlags.None, CacheMode.WriteBack));
        Assert.Equal(VmmError.InvalidFlags, tables.Map(root, 0xFFFF_0000_0000_1000, pa, PageSize.Size4KiB, PageFlags.User, CacheMode.WriteBack));
        Assert.Equal(VmmError.InvalidFlags, tables.Map(root, 0x1000, pa, PageSize.Size4KiB, PageFlags.Writable | PageFlags.CopyOnWrite, CacheMode.WriteBack));
        Assert.Equal(VmmError.None, tables.Map(root, 0x1000, pa, PageSize.Size4KiB, PageFlags.None, CacheMode.WriteBack));
        Assert.Equal(VmmError.AlreadyMapped, tables.Map(root, 0x1000, pa, PageSize.Size4KiB, PageFlags.None, CacheMode.WriteBack));
        Assert.Equal(VmmError.SizeConflict, tables.Map(root, 0, 0, PageSize.Size2MiB, PageFlags.None, CacheMode.WriteBack));
        Assert.Equal(VmmError.NotMapped, tables.Unmap(root, 0x2000, out _, out _));
    }

    private readonly record struct Page(ulong Physical, PageSize Size, PageFlags Protection, CacheMode Cache);

    [Fact]
    public void Random_map_unmap_protect_translate_agree_with_a_model_and_the_hardware_walk()
    {
        const int operations = 50_000;
        int seed = Seeds.Get();
        var rng = new Random(seed);
        using var machine = new SimulatedMachine(ramBytes: 16UL << 20, poolFrames: 3000);
        var tables = Tables(machine);
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong lowRoot));
        Assert.Equal(VmmError.None, tables.CreateRoot(out ulong highRoot));
        var model = new Dictionary<ulong, Page>();   // page/block start -> mapping
        ulong[] gibs = { 0x0000_0000_0000_0000, 0x0000_0000_4000_0000, 0x0000_7FFF_C000_0000, 0xFFFF_8000_0000_0000, 0xFFFF_FFFF_C000_0000 };
        PageFlags[] protections =
        {
            PageFlags.None, PageFlags.Writable, PageFlags.Writable | PageFlags.NoExecute, PageFlags.Global | PageFlags.Writable,
            PageFlags.User, PageFlags.User | PageFlags.Writable | PageFlags.NoExecute, PageFlags.User | PageFlags.CopyOnWrite, PageFlags.User | PageFlags.Shared | PageFlags.Writable,
        };

        // The model's own answer for an address: the mapping covering it, if any.
        Page? Covering(ulong va, out ulong start)
        {
            foreach (ulong size in new[] { 0x1000UL, 0x20_0000UL, 0x4000_0000UL })
            {
                start = va & ~(size - 1);
                if (model.TryGetValue(start, out Page page) && (ulong)page.Size == size) return page;
            }
            start = 0;
            return null;
        }

        bool Overlaps(ulong va, ulong size)
        {
            foreach ((ulong start, Page page) in model)
                if (start < va + size && va < start + (ulong)page.Size) return true;
            return false;
        }

        int step = 0;
        try
        {
            for (step = 0; step < operations; step++)
            {
                ulong gib = gibs[rng.Next(gibs.Length)];
                ulong root = Aarch64PageTables<SimMemory, SimFrames, SimTlb>.IsUpperHalf(gib) ? highRoot : lowRoot;
                PageSize size = rng.Next(20) switch { 0 => PageSize.Size1GiB, < 4 => PageSize.Size2MiB, _ => PageSize.Size4KiB };
                // A few 2 MiB regions and pages in each, so mappings collide and share tables.
                ulong va = gib + (size == PageSize.Size1GiB ? 0 : (ulong)rng.Next(4) * 0x20_0000 + (size == PageSize.Size4KiB ? (ulong)rng.Next(8) * 0x1000 : 0));
                PageFlags protection = protections[rng.Next(protections.Length)];
                if (Aarch64PageTables<SimMemory, SimFrames, SimTlb>.IsUpperHalf(va)) protection &= ~(PageFlags.User | PageFlags.CopyOnWrite | PageFlags.Shared);
                var cache = (CacheMode)rng.Next(6);
                ulong pa = (ulong)rng.Next(1, 1 << 16) * (ulong)size;   // below 2^48 for every size
                switch (rng.Next(4))
                {
                    case 0:
                    case 1:
                    {
                        VmmError error = tables.Map(root, va, pa, size, protection, cache);
                        bool free = !Overlaps(va, (ulong)size);
                        if (error == VmmError.None)
                        {
                            Assert.True(free, $"mapped 0x{va:X} over an existing mapping");
                            model[va] = new Page(pa, size, protection, cache);
                        }
                        else
                        {
                            Assert.True(error is VmmError.AlreadyMapped or VmmError.SizeConflict, $"map 0x{va:X}: {error}");
                            // Refused: either something covers it, or a table below still exists for
                            // smaller pages that were unmapped (tables are kept), only for blocks.
                            Assert.True(!free || size != PageSize.Size4KiB, $"map 0x{va:X} ({size}) refused with {error} over free space");
                        }
                        break;
                    }
                    case 2:
                    {
                        VmmError error = tables.Unmap(root, va, out ulong physical, out PageSize found);
                        if (model.TryGetValue(va, out Page page))
                        {
                            Assert.Equal(VmmError.None, error);
                            Assert.Equal(page.Physical, physical);
                            Assert.Equal(page.Size, found);
                            model.Remove(va);
                        }
                        else
                        {
                            Assert.NotEqual(VmmError.None, error);
                        }
                        break;
                    }
                    default:
                    {
                        VmmError error = tables.Protect(root, va, protection);
                        if (model.TryGetValue(va, out Page page))
                        {
                            Assert.Equal(VmmError.None, error);
                            model[va] = page with { Protection = protection };
                        }
                        else
                        {
                            Assert.NotEqual(VmmError.None, error);
                        }
                        break;
                    }
                }

                // Probe a few addresses around the operation through all three views.
                for (int probe = 0; probe < 4; probe++)
                {
                    ulong address = gib + (ulong)rng.Next(4) * 0x20_0000 + (ulong)rng.Next(10) * 0x1000 + (ulong)rng.Next(4096);
                    ulong probeRoot = Aarch64PageTables<SimMemory, SimFrames, SimTlb>.IsUpperHalf(address) ? highRoot : lowRoot;
                    Page? expected = Covering(address, out ulong start);
                    Access? hardware = HardwareWalk(machine, probeRoot, address);
                    VmmError error = tables.Translate(probeRoot, address, out Translation translation);
                    if (expected is not Page page)
                    {
                        Assert.Null(hardware);
                        Assert.Equal(VmmError.NotMapped, error);
                        continue;
                    }
                    ulong physical = page.Physical + (address - start);
                    Assert.Equal(VmmError.None, error);
                    Assert.Equal(physical, translation.PhysicalAddress);
                    Assert.Equal(page.Size, translation.Size);
                    Assert.Equal(page.Cache, translation.Cache);
                    Assert.Equal(page.Protection | PageFlags.Present, translation.Flags);
                    Access access = hardware!.Value;
                    bool user = (page.Protection & PageFlags.User) != 0, writable = (page.Protection & PageFlags.Writable) != 0;
                    bool executable = (page.Protection & PageFlags.NoExecute) == 0;
                    Assert.Equal(physical, access.Physical);
                    Assert.Equal((ulong)page.Size, access.BlockSize);
                    Assert.Equal(writable, access.KernelWrite);
                    Assert.Equal(user, access.UserRead);
                    Assert.Equal(user && writable, access.UserWrite);
                    Assert.Equal(!user && executable, access.KernelExecute);
                    Assert.Equal(user && executable, access.UserExecute);
                    Assert.Equal((int)page.Cache, access.AttributeIndex);
                    Assert.Equal((page.Protection & PageFlags.Global) != 0, access.Global);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Seeds.Replay(seed, step, e);
        }
    }
}
