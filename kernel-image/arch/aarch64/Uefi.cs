namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The few UEFI boot services the kernel uses before it takes the machine
/// (UEFI 2.10 §4.3 system table, §7 boot services; offsets for a 64-bit table).</summary>
internal static unsafe class Uefi
{
    internal const ulong Success = 0;

    // EFI_SYSTEM_TABLE
    private const int FirmwareVendorOffset = 24, FirmwareRevisionOffset = 32, BootServicesOffset = 96,
                      TableCountOffset = 104, ConfigurationTableOffset = 112;
    // EFI_BOOT_SERVICES
    private const int AllocatePagesOffset = 40, GetMemoryMapOffset = 56, HandleProtocolOffset = 152, ExitBootServicesOffset = 232,
                      LocateProtocolOffset = 320;
    // EFI_GRAPHICS_OUTPUT_PROTOCOL (UEFI 2.10 §12.9): QueryMode, SetMode, Blt, then Mode; its
    // EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE and EFI_GRAPHICS_OUTPUT_MODE_INFORMATION.
    private const int GopModeOffset = 24, ModeInfoOffset = 8, ModeFrameBufferBaseOffset = 24,
                      InfoWidthOffset = 4, InfoHeightOffset = 8, InfoPixelFormatOffset = 12, InfoMasksOffset = 16,
                      InfoPixelsPerScanLineOffset = 32;
    private const uint PixelRedGreenBlueReserved = 0, PixelBlueGreenRedReserved = 1, PixelBitMask = 2;
    // EFI_LOADED_IMAGE_PROTOCOL
    private const int LoadOptionsSizeOffset = 48, LoadOptionsOffset = 56;

    private static byte* s_systemTable;
    private static void* s_imageHandle;

    internal static void Attach(void* imageHandle, void* systemTable)
    {
        s_imageHandle = imageHandle;
        s_systemTable = (byte*)systemTable;
    }

    private static byte* BootServices => *(byte**)(s_systemTable + BootServicesOffset);

    internal static char* FirmwareVendor => *(char**)(s_systemTable + FirmwareVendorOffset);
    internal static uint FirmwareRevision => *(uint*)(s_systemTable + FirmwareRevisionOffset);

    /// <summary>The configuration table entry with this GUID's first 4 bytes and last 8
    /// (UEFI 2.10 §4.6: {GUID, pointer} pairs), or null.</summary>
    internal static void* FindConfigurationTable(uint first, ulong last)
    {
        ulong count = *(ulong*)(s_systemTable + TableCountOffset);
        byte* table = *(byte**)(s_systemTable + ConfigurationTableOffset);
        for (ulong i = 0; i < count; i++)
        {
            byte* entry = table + i * 24;
            if (*(uint*)entry == first && *(ulong*)(entry + 8) == last) return *(void**)(entry + 16);
        }
        return null;
    }

    /// <summary>The flattened device tree (EFI_DTB_TABLE_GUID b1b621d5-f19c-41a5-830b-d9152c69aae0), or null.</summary>
    internal static void* DeviceTree => FindConfigurationTable(0xb1b621d5, 0xe0aa692c15d90b83);

    /// <summary>The ACPI 2.0 RSDP (8868e871-e4f1-11d3-bc22-0080c73c8881), or null.</summary>
    internal static void* AcpiRoot => FindConfigurationTable(0x8868e871, 0x81883cc7800022bc);

    /// <summary>AllocatePages(AllocateAnyPages, EfiLoaderData): memory that stays ours after
    /// ExitBootServices. Zeroed here (the firmware does not).</summary>
    internal static byte* AllocatePages(ulong pages)
    {
        var allocate = (delegate* unmanaged<ulong, ulong, ulong, ulong*, ulong>)*(void**)(BootServices + AllocatePagesOffset);
        ulong address = 0;
        if (allocate(0 /* AllocateAnyPages */, 2 /* EfiLoaderData */, pages, &address) != Success) return null;
        byte* memory = (byte*)address;
        for (ulong i = 0; i < pages * 4096; i += 8) *(ulong*)(memory + i) = 0;
        return memory;
    }

    /// <summary>The Graphics Output Protocol's current mode as a linear framebuffer in
    /// <paramref name="info"/> (UEFI 2.10 §12.9; QEMU's ramfb appears as one through edk2's
    /// QemuRamfbDxe). A mode without a framebuffer (PixelBltOnly) or no GOP at all leaves
    /// <see cref="BootInfo.HasFramebuffer"/> false. Call before ExitBootServices.</summary>
    internal static void ReadGraphicsOutput(ref Boot.BootInfo info)
    {
        // EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID 9042a9de-23dc-4a38-96fb-7aded080516a
        byte* guid = stackalloc byte[16];
        *(uint*)guid = 0x9042a9de;
        *(ushort*)(guid + 4) = 0x23dc;
        *(ushort*)(guid + 6) = 0x4a38;
        guid[8] = 0x96; guid[9] = 0xfb; guid[10] = 0x7a; guid[11] = 0xde;
        guid[12] = 0xd0; guid[13] = 0x80; guid[14] = 0x51; guid[15] = 0x6a;
        var locate = (delegate* unmanaged<byte*, void*, byte**, ulong>)*(void**)(BootServices + LocateProtocolOffset);
        byte* gop = null;
        if (locate(guid, null, &gop) != Success || gop == null) return;
        byte* mode = *(byte**)(gop + GopModeOffset);
        if (mode == null) return;
        byte* modeInfo = *(byte**)(mode + ModeInfoOffset);
        ulong framebuffer = *(ulong*)(mode + ModeFrameBufferBaseOffset);
        if (modeInfo == null || framebuffer == 0) return;
        uint format = *(uint*)(modeInfo + InfoPixelFormatOffset);
        ref Boot.FramebufferInfo fb = ref info.Framebuffer;
        if (format == PixelRedGreenBlueReserved) { fb.RedShift = 0; fb.GreenShift = 8; fb.BlueShift = 16; }
        else if (format == PixelBlueGreenRedReserved) { fb.RedShift = 16; fb.GreenShift = 8; fb.BlueShift = 0; }
        else if (format == PixelBitMask)
        {
            uint* masks = (uint*)(modeInfo + InfoMasksOffset);
            if (!MaskField(masks[0], out fb.RedShift, out fb.RedSize) || !MaskField(masks[1], out fb.GreenShift, out fb.GreenSize)
                || !MaskField(masks[2], out fb.BlueShift, out fb.BlueSize)) return;
        }
        else return;   // PixelBltOnly: no linear framebuffer
        if (format != PixelBitMask) fb.RedSize = fb.GreenSize = fb.BlueSize = 8;
        fb.Width = *(uint*)(modeInfo + InfoWidthOffset);
        fb.Height = *(uint*)(modeInfo + InfoHeightOffset);
        fb.BitsPerPixel = 32;   // every GOP pixel format with a framebuffer is 32 bits
        fb.Pitch = *(uint*)(modeInfo + InfoPixelsPerScanLineOffset) * 4;
        fb.PhysicalAddress = framebuffer;
        fb.Address = (byte*)framebuffer;   // the firmware's identity map, until Paging moves it
        info.HasFramebuffer = true;
    }

    /// <summary>A contiguous colour mask as its shift and width in bits.</summary>
    private static bool MaskField(uint mask, out byte shift, out byte size)
    {
        shift = size = 0;
        if (mask == 0) return false;
        while ((mask & 1) == 0) { mask >>= 1; shift++; }
        while ((mask & 1) != 0) { mask >>= 1; size++; }
        return mask == 0;
    }

    /// <summary>The kernel command line: the image's load options (UTF-16; GRUB's `linux`
    /// puts the words after the kernel's path there), as ASCII into <paramref name="buffer"/>.</summary>
    internal static int CommandLine(byte* buffer, int capacity)
    {
        // EFI_LOADED_IMAGE_PROTOCOL_GUID 5B1B31A1-9562-11d2-8E3F-00A0C969723B
        byte* guid = stackalloc byte[16];
        *(uint*)guid = 0x5B1B31A1;
        *(ushort*)(guid + 4) = 0x9562;
        *(ushort*)(guid + 6) = 0x11d2;
        guid[8] = 0x8E; guid[9] = 0x3F; guid[10] = 0x00; guid[11] = 0xA0;
        guid[12] = 0xC9; guid[13] = 0x69; guid[14] = 0x72; guid[15] = 0x3B;
        var handleProtocol = (delegate* unmanaged<void*, byte*, byte**, ulong>)*(void**)(BootServices + HandleProtocolOffset);
        byte* image = null;
        if (handleProtocol(s_imageHandle, guid, &image) != Success || image == null) return 0;
        uint size = *(uint*)(image + LoadOptionsSizeOffset);
        char* options = *(char**)(image + LoadOptionsOffset);
        int length = 0;
        for (uint i = 0; options != null && i < size / 2 && options[i] != 0 && length < capacity - 1; i++)
            buffer[length++] = options[i] < 128 ? (byte)options[i] : (byte)'?';
        buffer[length] = 0;
        return length;
    }

    /// <summary>Reads the memory map into <paramref name="buffer"/> and leaves boot services
    /// (UEFI 2.10 §7.4.6: the map key must be the latest; a changed map means read it again).
    /// Returns the entry count, or -1.</summary>
    internal static int ExitBootServices(byte* buffer, ulong capacity, out ulong descriptorSize)
    {
        var getMemoryMap = (delegate* unmanaged<ulong*, byte*, ulong*, ulong*, uint*, ulong>)*(void**)(BootServices + GetMemoryMapOffset);
        var exit = (delegate* unmanaged<void*, ulong, ulong>)*(void**)(BootServices + ExitBootServicesOffset);
        descriptorSize = 0;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            ulong size = capacity, key = 0, stride = 0;
            uint version = 0;
            if (getMemoryMap(&size, buffer, &key, &stride, &version) != Success || stride == 0) return -1;
            if (exit(s_imageHandle, key) == Success)
            {
                descriptorSize = stride;
                return (int)(size / stride);
            }
        }
        return -1;
    }
}

/// <summary>One EFI_MEMORY_DESCRIPTOR (UEFI 2.10 §7.2.3); the firmware says its stride.</summary>
internal struct UefiMemoryDescriptor
{
    public uint Type;
    public uint Padding;
    public ulong PhysicalStart;
    public ulong VirtualStart;
    public ulong NumberOfPages;
    public ulong Attribute;

    internal const uint LoaderCode = 1, LoaderData = 2, BootServicesCode = 3, BootServicesData = 4, Conventional = 7;

    /// <summary>Free once boot services are gone. Loader memory is not: the kernel image and
    /// what it allocated live there.</summary>
    internal readonly bool FreeAfterExit => Type == Conventional || Type == BootServicesCode || Type == BootServicesData;

    /// <summary>The portable kernel's name for this type of memory (Limine's kinds, boot/BootInfo.cs).
    /// Boot services' memory is BootloaderReclaimable: the frame allocator takes it once the
    /// kernel's own tables run (BringUp.StartKernelMemory); the firmware's runtime services'
    /// memory is not the kernel's.</summary>
    internal readonly Boot.MemoryKind Kind => Type switch
    {
        Conventional => Boot.MemoryKind.Usable,
        LoaderCode or LoaderData => Boot.MemoryKind.KernelAndModules,
        BootServicesCode or BootServicesData => Boot.MemoryKind.BootloaderReclaimable,
        9 => Boot.MemoryKind.AcpiReclaimable,    // EfiACPIReclaimMemory
        10 => Boot.MemoryKind.AcpiNvs,           // EfiACPIMemoryNVS
        8 => Boot.MemoryKind.BadMemory,          // EfiUnusableMemory
        _ => Boot.MemoryKind.Reserved,
    };
}
