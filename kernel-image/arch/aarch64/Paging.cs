using Aurora.Vmm;
using Aurora.Vmm.Aarch64;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// The kernel's own translation tables, built with components/vmm's AArch64 format. TTBR1 (the
/// upper half): the kernel image at <see cref="KernelVirtualBase"/> W^X (text read-execute,
/// read-only data, data read-write never-execute) and the direct map of all RAM at
/// <see cref="DirectMapBase"/> + physical, read-write, never executable, in the largest blocks
/// that fit. TTBR0 (the lower half) of the boot and of kernel threads: an identity map of the
/// RAM the firmware described (read-write, never executable: the firmware's memory map lives
/// there while the boot reads it) and the devices as Device-nGnRnE, until kernel/Memory maps
/// them in its device window. Nothing the kernel uses once it runs is reached through the
/// lower half (the runtime's heap is at its direct-map address from the start,
/// <see cref="MapBootHeap"/>): a process's TTBR0 root holds its own pages only.
/// </summary>
internal static unsafe class Paging
{
    /// <summary>Where physical memory appears in the upper half (as on x86_64, where Limine's
    /// HHDM puts it at the same address).</summary>
    internal const ulong DirectMapBase = 0xFFFF_8000_0000_0000;

    /// <summary>Where the image runs (efi_entry relocates it there): the top 2 GiB, as on x86_64.</summary>
    internal const ulong KernelVirtualBase = 0xFFFF_FFFF_8000_0000;

    private const ulong Size2MiB = 0x20_0000, Size1GiB = 0x4000_0000;

    internal static ulong IdentityRoot, DirectRoot;

    /// <summary>The direct map covers physical 0 up to here (the end of the highest RAM range;
    /// what lies between RAM ranges is not mapped).</summary>
    internal static ulong DirectMapSize;

    /// <summary>Physical memory while the tables are built and after: the identity map.</summary>
    private struct IdentityMemory : IPhysicalMemory
    {
        public byte* ToVirtual(ulong physicalAddress) => (byte*)physicalAddress;
    }

    /// <summary>Frames for tables: a bump over the largest usable region of the loader's map
    /// (never the firmware's boot-services memory or Limine's reclaimable memory, where the
    /// live tables are).</summary>
    private struct BootFrames : IFrameSource
    {
        internal static ulong Start, Next, End, Used;
        internal static bool FromAllocator;

        public bool TryAllocate(out ulong physicalAddress)
        {
            if (FromAllocator) return Memory.KernelMemory.AllocateFrame(out physicalAddress);
            physicalAddress = 0;
            if (Next + 4096 > End) return false;
            physicalAddress = Next;
            Next += 4096;
            Used++;
            return true;
        }

        public void Free(ulong physicalAddress) { }   // tables built at boot are kept
    }

    private struct Tlb : ITlb
    {
        public void InvalidatePage(ulong rootPhysicalAddress, ulong virtualAddress) => Native.InvalidatePage(virtualAddress);
        public void FlushAll(ulong rootPhysicalAddress) => Native.InvalidateAll();
    }

    private static Aarch64PageTables<IdentityMemory, BootFrames, Tlb> Tables => new(default, default, default);

    /// <summary>Builds both maps from the loader's memory map (<see cref="BootSource"/>: UEFI's or
    /// Limine's, in the portable kinds) and moves the MMU onto them.</summary>
    internal static void Initialize(ref Boot.BootInfo info, ulong imagePhysical, ulong imageSize)
    {
        ulong largest = 0;
        for (int i = 0; i < info.MemoryRegionCount; i++)
        {
            if ((Boot.MemoryKind)info.MemoryType[i] == Boot.MemoryKind.Usable && info.MemoryLength[i] > largest)
            {
                largest = info.MemoryLength[i];
                BootFrames.Start = BootFrames.Next = info.MemoryBase[i];
                BootFrames.End = info.MemoryBase[i] + largest;
            }
        }
        var tables = Tables;
        if (tables.CreateRoot(out IdentityRoot) != VmmError.None || tables.CreateRoot(out DirectRoot) != VmmError.None)
            BringUp.Fail("no frames for the root tables");

        // The image, page by page with its sections' rights.
        ulong textEnd, rodataEnd;
        Native.ImageSections(&textEnd, &rodataEnd);
        for (ulong offset = 0; offset < imageSize; offset += 4096)
        {
            PageFlags rights = offset < textEnd ? PageFlags.Global
                : offset < rodataEnd ? PageFlags.Global | PageFlags.NoExecute
                : PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute;
            Check(tables.Map(DirectRoot, KernelVirtualBase + offset, imagePhysical + offset, PageSize.Size4KiB, rights, CacheMode.WriteBack), "the kernel image");
        }

        for (int i = 0; i < info.MemoryRegionCount; i++)
        {
            if (!BootSource.IsRam((Boot.MemoryKind)info.MemoryType[i])) continue;
            ulong start = info.MemoryBase[i] & ~0xFFFUL, end = (info.MemoryBase[i] + info.MemoryLength[i] + 0xFFF) & ~0xFFFUL;
            MapRange(ref tables, IdentityRoot, start, start, end - start, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.WriteBack, skipMapped: true);
            MapRange(ref tables, DirectRoot, DirectMapBase + start, start, end - start, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.WriteBack, skipMapped: false);
            if (end > DirectMapSize) DirectMapSize = end;
        }

        // Device registers: uncached, never executable.
        MapRange(ref tables, IdentityRoot, DeviceTree.GicDistributor, DeviceTree.GicDistributor, 0x1_0000, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.Uncached, skipMapped: false);
        MapRange(ref tables, IdentityRoot, DeviceTree.GicCpuInterface, DeviceTree.GicCpuInterface, 0x1_0000, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.Uncached, skipMapped: false);
        MapRange(ref tables, IdentityRoot, DeviceTree.Uart, DeviceTree.Uart, 0x1000, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.Uncached, skipMapped: false);
        MapRange(ref tables, IdentityRoot, DeviceTree.FirmwareConfig, DeviceTree.FirmwareConfig, 0x1000, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.Uncached, skipMapped: false);
        // The framebuffer, write-combining (normal non-cacheable): the console draws there
        // through its physical address until kernel/Memory gives it a place in the device
        // window (BringUp.StartKernelMemory). Under Limine its HHDM address goes with Limine's tables.
        if (info.HasFramebuffer)
        {
            ulong start = info.Framebuffer.PhysicalAddress & ~0xFFFUL;
            ulong end = (info.Framebuffer.PhysicalAddress + (ulong)info.Framebuffer.Pitch * info.Framebuffer.Height + 0xFFF) & ~0xFFFUL;
            MapRange(ref tables, IdentityRoot, start, start, end - start, PageFlags.Global | PageFlags.Writable | PageFlags.NoExecute, CacheMode.WriteCombining, skipMapped: false);
            info.Framebuffer.Address = (byte*)info.Framebuffer.PhysicalAddress;
            Screen.MoveFramebuffer(info.Framebuffer.Address);
        }

        Native.SwitchTables(Aarch64Descriptor.MemoryAttributes, TranslationControl(), IdentityRoot, DirectRoot);
    }

    /// <summary>
    /// Before the runtime starts (no managed statics yet): maps the physical range the first
    /// heap got from the loader (<see cref="BootSource.AllocateFirstHeap"/>) at
    /// <see cref="DirectMapBase"/> + physical, in 2 MiB blocks, through the running TTBR1 root
    /// (the boot tables efi_entry made, or Limine's) and the image's spare tables, so that every object the runtime allocates
    /// before kernel/Memory takes over lives in the upper half. The direct map that
    /// <see cref="Initialize"/> builds later maps the same addresses, so the objects stay
    /// where they are; and no kernel object needs the lower half, which becomes each process's
    /// own (TTBR0). <paramref name="physical"/> and <paramref name="length"/> are 2 MiB aligned;
    /// false when the range spans more than two 1 GiB slots.
    /// </summary>
    internal static bool MapBootHeap(ref Boot.BootInfo info, ulong physical, ulong length, ulong imagePhysical)
    {
        ulong* root, tables;
        ulong leafBits;
        Native.BootTables(&root, &tables, &leafBits);
        // Under Limine the running TTBR1 root is Limine's; its HHDM lies below (L0[0] on
        // aarch64's 4-level layout: 0xFFFF_0000_0000_0000), so L0[256] is free for this window.
        root = BootSource.ActiveKernelRoot(ref info, root);
        if (root[256 + (int)(physical >> 39)] != 0) return false;
        // The tables are in the image: their physical addresses are the image's plus their offset.
        ulong imageToPhysical = imagePhysical - KernelVirtualBase;
        ulong* level1 = tables;
        root[256 + (int)(physical >> 39)] = Aarch64Descriptor.Table((ulong)level1 + imageToPhysical);
        int level2Used = 0;
        for (ulong block = physical; block < physical + length; block += Size2MiB)
        {
            ulong* slot = &level1[(block >> 30) & 511];
            if (*slot == 0)
            {
                if (level2Used == 2) return false;
                *slot = Aarch64Descriptor.Table((ulong)(tables + 512 * (1 + level2Used++)) + imageToPhysical);
            }
            ulong* level2 = (ulong*)((*slot & Aarch64Descriptor.AddressMask) - imageToPhysical);
            // The same memory type, shareability and access flag as the image's pages; a block
            // (bit 1 clear), never executable at either level.
            level2[(block >> 21) & 511] = block | (leafBits & ~Aarch64Descriptor.TableOrPage)
                | Aarch64Descriptor.PrivilegedExecuteNever | Aarch64Descriptor.UserExecuteNever;
        }
        Native.InvalidateAll();
        return true;
    }

    /// <summary>TCR_EL1 (Arm ARM D17.2.131): 48-bit halves (T0SZ = T1SZ = 16), 4 KiB granules
    /// (TG0 = 0b00, TG1 = 0b10), table walks inner-shareable write-back, and the physical address
    /// size the CPU reports (ID_AA64MMFR0_EL1.PARange into IPS).</summary>
    private static ulong TranslationControl()
    {
        const ulong walk = 1UL << 8 | 1UL << 10 | 3UL << 12;   // IRGN0, ORGN0 write-back; SH0 inner
        ulong physicalSize = Native.ReadMemoryModelFeatures() & 7;
        return 16 | walk | 16UL << 16 | walk << 16 | 2UL << 30 | physicalSize << 32;
    }

    private static void MapRange(ref Aarch64PageTables<IdentityMemory, BootFrames, Tlb> tables, ulong root, ulong virtualStart, ulong physicalStart,
        ulong length, PageFlags rights, CacheMode cache, bool skipMapped)
    {
        for (ulong done = 0; done < length;)
        {
            ulong va = virtualStart + done, pa = physicalStart + done, left = length - done;
            PageSize size = PageSize.Size4KiB;
            if (((va | pa) & (Size1GiB - 1)) == 0 && left >= Size1GiB) size = PageSize.Size1GiB;
            else if (((va | pa) & (Size2MiB - 1)) == 0 && left >= Size2MiB) size = PageSize.Size2MiB;
            VmmError error = tables.Map(root, va, pa, size, rights, cache);
            if (error is VmmError.AlreadyMapped or VmmError.SizeConflict && skipMapped)
            {
                // Something (the image) is mapped inside: fill this block's pages around it.
                if (size != PageSize.Size4KiB)
                {
                    MapRange(ref tables, root, va, pa, (ulong)size, rights, cache, skipMapped);
                }
                done += (ulong)size;
                continue;
            }
            Check(error, "RAM or devices");
            done += (ulong)size;
        }
    }

    private static void Check(VmmError error, string what)
    {
        if (error != VmmError.None)
        {
            Log.Write("paging: mapping ");
            Log.Write(what);
            Log.Write(" failed: ");
            Log.WriteDecimal((ulong)error);
            Log.WriteLine();
            BringUp.Fail("the kernel's page tables could not be built");
        }
    }

    internal static ulong TableFrames => BootFrames.Used;

    /// <summary>The frames the boot bump handed out (tables, the first user pages): the
    /// frame allocator must get them as reserved memory.</summary>
    internal static void BootFramesUsed(out ulong start, out ulong end)
    {
        start = BootFrames.Start;
        end = BootFrames.Next;
    }

    /// <summary>Once kernel/Memory's frame allocator runs, every later frame (tables, user
    /// pages) comes from it.</summary>
    internal static void HandFramesToAllocator() => BootFrames.FromAllocator = true;

    /// <summary>A zeroed 4 KiB frame (from the same bump as the tables), or 0.</summary>
    internal static ulong AllocateFrame()
    {
        BootFrames frames = default;
        if (!frames.TryAllocate(out ulong frame)) return 0;
        for (ulong i = 0; i < 4096; i += 8) *(ulong*)(frame + i) = 0;
        return frame;
    }

    /// <summary>Maps a user page into the low half (TTBR0), beside the kernel's identity map:
    /// the bring-up kernel has one address space; its identity pages are not EL0-accessible.</summary>
    internal static VmmError MapUser(ulong virtualAddress, ulong frame, PageFlags rights)
        => Tables.Map(IdentityRoot, virtualAddress, frame, PageSize.Size4KiB, rights | PageFlags.User, CacheMode.WriteBack);

    /// <summary>The MMU's own answer for a read at EL1 (AT S1E1R): the physical address, or
    /// ulong.MaxValue when the walk faults (PAR_EL1.F).</summary>
    internal static ulong HardwareTranslate(ulong virtualAddress)
    {
        ulong par = Native.TranslateRead(virtualAddress);
        if ((par & 1) != 0) return ulong.MaxValue;
        return (par & 0x0000_FFFF_FFFF_F000) | (virtualAddress & 0xFFF);
    }

    internal static VmmError Translate(ulong virtualAddress, out Translation translation)
        => Tables.Translate(Aarch64PageTables<IdentityMemory, BootFrames, Tlb>.IsUpperHalf(virtualAddress) ? DirectRoot : IdentityRoot, virtualAddress, out translation);
}
