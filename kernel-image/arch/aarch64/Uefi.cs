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
    private const int AllocatePagesOffset = 40, GetMemoryMapOffset = 56, HandleProtocolOffset = 152, ExitBootServicesOffset = 232;
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
}
