namespace Aurora.Kernel.Boot;

/// <summary>
/// Reads the Multiboot2 boot information (Multiboot2 specification §3.6) into a BootInfo. The
/// 32-bit entry in boot.S has already built the same direct map Limine provides, at
/// <see cref="DirectMapOffset"/>, so the information is read through it.
/// </summary>
internal static unsafe class Multiboot2Boot
{
    internal const ulong DirectMapOffset = 0xFFFF800000000000;
    private const ulong KernelVirtualBase = 0xFFFFFFFF80000000;

    private const uint TagEnd = 0, TagCommandLine = 1, TagLoaderName = 2, TagModule = 3,
        TagMemoryMap = 6, TagFramebuffer = 8, TagEfi32 = 11, TagEfi64 = 12, TagAcpiOld = 14, TagAcpiNew = 15;

    internal static void Fill(ref BootInfo info, ulong informationPhysical, ulong kernelStart, ulong kernelEnd)
    {
        info.Loader = BootLoader.Multiboot2;
        info.Firmware = Firmware.Bios;
        info.DirectMapOffset = DirectMapOffset;
        info.KernelVirtualBase = kernelStart;
        info.KernelPhysicalBase = kernelStart - KernelVirtualBase;
        info.KernelSize = kernelEnd - kernelStart;

        byte* start = (byte*)(informationPhysical + DirectMapOffset);
        uint totalSize = *(uint*)start;
        info.BootInformationPhysical = informationPhysical;
        info.BootInformationSize = totalSize;
        byte* tag = start + 8;
        byte* end = start + totalSize;
        while (tag + 8 <= end)
        {
            uint type = *(uint*)tag;
            uint size = *(uint*)(tag + 4);
            if (type == TagEnd || size < 8) break;
            switch (type)
            {
                case TagCommandLine:
                    fixed (byte* commandLine = info.CommandLine)
                        BootInfo.CopyText(commandLine, BootInfo.MaxText * 2, tag + 8, (int)size - 8);
                    break;
                case TagLoaderName:
                    ReadLoaderName(ref info, tag + 8, (int)size - 8);
                    break;
                case TagModule:
                    uint moduleStart = *(uint*)(tag + 8);
                    uint moduleEnd = *(uint*)(tag + 12);
                    info.AddModule(moduleStart, moduleEnd - moduleStart, tag + 16, (int)size - 16);
                    break;
                case TagMemoryMap:
                    ReadMemoryMap(ref info, tag, size);
                    break;
                case TagFramebuffer:
                    ReadFramebuffer(ref info, tag);
                    break;
                case TagEfi32:
                case TagEfi64:
                    info.Firmware = Firmware.Uefi;
                    break;
                case TagAcpiOld:
                case TagAcpiNew:
                    if (info.RsdpPhysical == 0 || type == TagAcpiNew)
                        info.RsdpPhysical = (ulong)(tag + 8) - DirectMapOffset;
                    break;
            }
            tag += (size + 7) & ~7u;
        }
    }

    // GRUB names itself "GRUB 2.06-13+deb12u1": the name, a space, the version.
    private static void ReadLoaderName(ref BootInfo info, byte* text, int length)
    {
        int space = 0;
        while (space < length && text[space] != 0 && text[space] != (byte)' ') space++;
        fixed (byte* name = info.LoaderName) BootInfo.CopyText(name, BootInfo.MaxText, text, space);
        if (space < length && text[space] == (byte)' ')
            fixed (byte* version = info.LoaderVersion) BootInfo.CopyText(version, BootInfo.MaxText, text + space + 1, length - space - 1);
    }

    private static void ReadMemoryMap(ref BootInfo info, byte* tag, uint size)
    {
        uint entrySize = *(uint*)(tag + 8);
        if (entrySize < 24) return;
        for (byte* entry = tag + 16; entry + entrySize <= tag + size; entry += entrySize)
        {
            ulong baseAddress = *(ulong*)entry;
            ulong length = *(ulong*)(entry + 8);
            uint type = *(uint*)(entry + 16);
            MemoryKind kind = type switch
            {
                1 => MemoryKind.Usable,
                3 => MemoryKind.AcpiReclaimable,
                4 => MemoryKind.AcpiNvs,
                5 => MemoryKind.BadMemory,
                _ => MemoryKind.Reserved,
            };
            info.AddMemoryRegion(baseAddress, length, kind);
        }
    }

    private static void ReadFramebuffer(ref BootInfo info, byte* tag)
    {
        ulong address = *(ulong*)(tag + 8);
        byte type = tag[29];
        if (type == 2)
        {
            info.HasVgaText = true; // EGA text mode at 0xB8000
            return;
        }
        if (type != 1) return; // indexed colour: not supported
        info.HasFramebuffer = true;
        info.Framebuffer.PhysicalAddress = address;
        info.Framebuffer.Address = (byte*)(address + DirectMapOffset);
        info.Framebuffer.Pitch = *(uint*)(tag + 16);
        info.Framebuffer.Width = *(uint*)(tag + 20);
        info.Framebuffer.Height = *(uint*)(tag + 24);
        info.Framebuffer.BitsPerPixel = tag[28];
        info.Framebuffer.RedShift = tag[32];
        info.Framebuffer.RedSize = tag[33];
        info.Framebuffer.GreenShift = tag[34];
        info.Framebuffer.GreenSize = tag[35];
        info.Framebuffer.BlueShift = tag[36];
        info.Framebuffer.BlueSize = tag[37];
    }
}
