using Aurora.Kernel.Boot;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// What the loader hands the aarch64 kernel, whichever loader it was: the UEFI firmware itself
/// (GRUB's `linux` starts the image as an EFI application: efi_entry, boot services still up)
/// or Limine (limine_entry: an ELF in Limine's page tables, boot services exited, the Limine
/// protocol's responses). BringUp asks this class and nothing else, as the x86_64 kernel's
/// boot/BootInfo.cs hides Multiboot2 and Limine; the answers go into the portable
/// <see cref="BootInfo"/> (KernelMain.BootInfo): memory regions, modules, framebuffer.
/// </summary>
internal static unsafe class BootSource
{
    /// <summary>Set by limine_entry's C# half before anything else runs.</summary>
    internal static bool ByLimine;

    private const ulong TwoMiB = 0x20_0000;

    /// <summary>Limine's request table index of the device tree blob request (arch/aarch64/limine.S;
    /// 0-9 are the x86_64 table's, which boot/LimineBoot.cs reads).</summary>
    private const int DeviceTreeRequest = 10;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), System.Runtime.RuntimeImport("*", "aurora_limine_requests")]
    private static extern void** LimineRequests();

    /// <summary>Before the runtime: under Limine, its responses into the boot information (the
    /// memory map, modules, framebuffer, command line, image address). Code without objects:
    /// LimineBoot.Fill allocates nothing.</summary>
    internal static void ReadEarly(ref BootInfo info)
    {
        if (!ByLimine) return;
        LimineBoot.Fill(ref info);
    }

    /// <summary>Limine's base revision 2 was accepted (always true under GRUB).</summary>
    internal static bool RevisionSupported => !ByLimine || LimineBoot.BaseRevisionSupported;

    /// <summary>The first heap's physical address, <paramref name="bytes"/> long and 2 MiB
    /// aligned, zeroed, in memory no one else will hand out; 0 when there is none. UEFI:
    /// AllocatePages (loader data). Limine: carved from the end of a usable region of the
    /// memory map, which from then on names it KernelAndModules (the frame allocator keeps off
    /// it); zeroed through Limine's HHDM.</summary>
    internal static ulong AllocateFirstHeap(ref BootInfo info, ulong bytes)
    {
        if (!ByLimine)
        {
            ulong physical = (ulong)Uefi.AllocatePages(bytes / 4096 + TwoMiB / 4096);
            return physical == 0 ? 0 : (physical + TwoMiB - 1) & ~(TwoMiB - 1);
        }

        for (int i = 0; i < info.MemoryRegionCount; i++)
        {
            if ((MemoryKind)info.MemoryType[i] != MemoryKind.Usable) continue;
            ulong start = info.MemoryBase[i], end = start + info.MemoryLength[i];
            if (end < bytes) continue;
            ulong taken = (end - bytes) & ~(TwoMiB - 1);
            if (taken < start) continue;
            info.MemoryLength[i] = taken - start;
            info.AddMemoryRegion(taken, end - taken, MemoryKind.KernelAndModules);
            for (ulong offset = 0; offset < end - taken; offset += 8) *(ulong*)(info.DirectMapOffset + taken + offset) = 0;
            return taken;
        }

        return 0;
    }

    /// <summary>The TTBR1 root the kernel runs in now, as a pointer the kernel can write
    /// through: efi_entry's boot table in the image, or Limine's (through its HHDM).</summary>
    internal static ulong* ActiveKernelRoot(ref BootInfo info, ulong* imageRoot)
        => ByLimine ? (ulong*)(info.DirectMapOffset + (Native.ReadTtbr1() & 0x0000_FFFF_FFFF_F000)) : imageRoot;

    /// <summary>The flattened device tree: from the UEFI configuration table, or Limine's
    /// device tree blob response (QEMU's tree, which Limine also takes from the firmware).</summary>
    internal static byte* DeviceTreeBlob()
    {
        if (!ByLimine) return (byte*)Uefi.DeviceTree;
        byte* response = *(byte**)((byte*)LimineRequests()[DeviceTreeRequest] + 40);
        return response == null ? null : *(byte**)(response + 8);
    }

    /// <summary>The loader's part of the kernel command line (GRUB: the `linux` line's words as
    /// the image's load options; Limine: the executable's cmdline from limine.conf), ASCII.</summary>
    internal static int CommandLine(ref BootInfo info, byte* buffer, int capacity)
    {
        if (!ByLimine) return Uefi.CommandLine(buffer, capacity);
        int length = 0;
        fixed (byte* line = info.CommandLine)
            while (length < capacity - 1 && length < BootInfo.MaxText * 2 && line[length] != 0) { buffer[length] = line[length]; length++; }
        buffer[length] = 0;
        return length;
    }

    /// <summary>"booted by ...": the firmware's vendor and revision (UEFI, GRUB's `linux`
    /// having started the image as an EFI application) or Limine's name and version and the
    /// firmware it ran on, as x86_64's KernelMain prints it.</summary>
    internal static void WriteLoader(ref BootInfo info)
    {
        if (!ByLimine)
        {
            char* vendor = Uefi.FirmwareVendor;
            for (int i = 0; i < 256 && vendor[i] != 0; i++) Log.Write(vendor[i] < 128 ? (byte)vendor[i] : (byte)'?');
            Log.Write(" (UEFI, firmware revision ");
            Log.WriteHex(Uefi.FirmwareRevision);
            Log.Write(")");
            return;
        }

        Log.WriteCString(info.LoaderNamePointer());
        Log.Write(" ");
        Log.WriteCString(info.LoaderVersionPointer());
        Log.Write(info.Firmware == Firmware.Uefi ? " (UEFI)" : "");
        Log.Write(" via the Limine protocol");
    }

    /// <summary>The memory map into <paramref name="info"/>, and the loader's services end.
    /// UEFI: the framebuffer from the Graphics Output Protocol first (it is a boot service),
    /// then ExitBootServices with the final map, translated to the Limine kinds the portable
    /// kernel speaks. Limine: the map is already there (ReadEarly) and boot services are
    /// long gone. Returns the map's entry count as the loader gave it.</summary>
    internal static int ReadMemoryAndLeaveFirmware(ref BootInfo info)
    {
        if (ByLimine) return info.MemoryRegionCount;

        // The loader, as the portable boot information names it (boot.loader_identified):
        // the EFI stub, and the firmware's vendor, read before boot services end.
        info.Loader = BootLoader.EfiStub;
        byte* vendorName = stackalloc byte[BootInfo.MaxText];
        char* vendor = Uefi.FirmwareVendor;
        int vendorLength = 0;
        for (; vendor != null && vendorLength < BootInfo.MaxText - 1 && vendor[vendorLength] != 0; vendorLength++)
            vendorName[vendorLength] = vendor[vendorLength] < 128 ? (byte)vendor[vendorLength] : (byte)'?';
        vendorName[vendorLength] = 0;
        fixed (byte* name = info.LoaderName) BootInfo.CopyText(name, BootInfo.MaxText, vendorName, vendorLength + 1);
        Uefi.ReadGraphicsOutput(ref info);
        const ulong mapPages = 16;
        byte* map = Uefi.AllocatePages(mapPages);
        if (map == null) BringUp.Fail("no memory for the UEFI memory map");
        int count = Uefi.ExitBootServices(map, mapPages * 4096, out ulong stride);
        if (count < 0) BringUp.Fail("ExitBootServices failed");
        info.Firmware = Firmware.Uefi;
        for (int i = 0; i < count; i++)
        {
            var d = (UefiMemoryDescriptor*)(map + (ulong)i * stride);
            info.AddMemoryRegion(d->PhysicalStart, d->NumberOfPages * 4096, d->Kind);
        }

        return count;
    }

    /// <summary>Memory the kernel may map as RAM (identity and direct map): everything the map
    /// calls memory, less what is not RAM or not ours to cache (reserved ranges, bad memory,
    /// the framebuffer, which gets a write-combining mapping of its own).</summary>
    internal static bool IsRam(MemoryKind kind) => kind is MemoryKind.Usable or MemoryKind.BootloaderReclaimable
        or MemoryKind.KernelAndModules or MemoryKind.AcpiReclaimable or MemoryKind.AcpiNvs;
}
