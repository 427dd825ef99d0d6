namespace Aurora.Kernel.Boot;

/// <summary>How the kernel was loaded. EfiStub: started as an EFI application by the firmware
/// (on arm64, GRUB's `linux` command starts the image so: it has no Multiboot2 there).</summary>
internal enum BootLoader : byte { Unknown, Limine, Multiboot2, EfiStub }

internal enum Firmware : byte { Unknown, Bios, Uefi }

/// <summary>Memory region kinds, numbered as the Limine protocol numbers them (and as
/// Aurora.Pmm's MemoryRegionKind does); Multiboot2 types are translated to these.</summary>
internal enum MemoryKind : uint
{
    Usable = 0, Reserved = 1, AcpiReclaimable = 2, AcpiNvs = 3, BadMemory = 4,
    BootloaderReclaimable = 5, KernelAndModules = 6, Framebuffer = 7,
}

internal struct MemoryRegion
{
    public ulong Base;
    public ulong Length;
    public MemoryKind Kind;
}

/// <summary>A linear framebuffer as the loader set it up. Address is virtual (direct map).</summary>
internal unsafe struct FramebufferInfo
{
    public byte* Address;
    public ulong PhysicalAddress;
    public uint Width, Height, Pitch;
    public byte BitsPerPixel;
    public byte RedShift, RedSize, GreenShift, GreenSize, BlueShift, BlueSize;
}

/// <summary>
/// Everything the kernel needs from the boot loader, in one loader-neutral shape. Filled by
/// LimineBoot or Multiboot2Boot; nothing above the boot layer knows which loader ran.
/// Fixed capacity (the kernel has no allocator yet when this is filled).
/// </summary>
internal unsafe struct BootInfo
{
    // Limine lists each module as a map entry of its own (the test image brings 115): adjacent
    // entries of one kind are merged as they arrive, and what still does not fit is counted
    // (DroppedMemoryRegions) and reported at boot, never silently lost.
    public const int MaxMemoryRegions = 256;
    // The test image brings every userland test program as a module (115 today, more with each
    // test); a module past the limit is counted (DroppedModules) and reported at boot.
    public const int MaxModules = 256;
    public const int MaxText = 128;
    public const int ModuleNameLength = 64;

    public BootLoader Loader;
    public Firmware Firmware;
    public fixed byte LoaderName[MaxText];
    public fixed byte LoaderVersion[MaxText];
    public fixed byte CommandLine[MaxText * 2];

    /// <summary>Virtual address of physical 0 in the direct map (Limine's HHDM).</summary>
    public ulong DirectMapOffset;
    public ulong KernelPhysicalBase;
    public ulong KernelVirtualBase;
    public ulong KernelSize;
    public ulong RsdpPhysical;

    /// <summary>The loader's own information block when it lies in usable memory
    /// (Multiboot2), so the frame allocator keeps it until it is no longer read.</summary>
    public ulong BootInformationPhysical;
    public ulong BootInformationSize;

    public int MemoryRegionCount;
    public fixed ulong MemoryBase[MaxMemoryRegions];
    public fixed ulong MemoryLength[MaxMemoryRegions];
    public fixed uint MemoryType[MaxMemoryRegions];

    /// <summary>Map entries that did not fit after merging (reported at boot); usable memory
    /// among them is simply not used.</summary>
    public int DroppedMemoryRegions;

    public int ModuleCount;

    /// <summary>Modules past <see cref="MaxModules"/> (reported at boot; not loaded).</summary>
    public int DroppedModules;
    public fixed ulong ModulePhysical[MaxModules];
    public fixed ulong ModuleSize[MaxModules];

    /// <summary>Each module's name: the last path component of the first word the loader
    /// gave (Limine: the file's path; GRUB: the module2 line's arguments), NUL-terminated.</summary>
    public fixed byte ModuleNames[MaxModules * ModuleNameLength];

    public bool HasFramebuffer;
    public bool HasVgaText;
    public FramebufferInfo Framebuffer;

    public MemoryRegion GetMemoryRegion(int index) => new MemoryRegion
    {
        Base = MemoryBase[index],
        Length = MemoryLength[index],
        Kind = (MemoryKind)MemoryType[index],
    };

    public void AddMemoryRegion(ulong baseAddress, ulong length, MemoryKind kind)
    {
        if (length == 0) return;
        int last = MemoryRegionCount - 1;
        if (last >= 0 && MemoryType[last] == (uint)kind && MemoryBase[last] + MemoryLength[last] == baseAddress)
        {
            MemoryLength[last] += length;
            return;
        }

        if (MemoryRegionCount >= MaxMemoryRegions)
        {
            DroppedMemoryRegions++;
            return;
        }

        MemoryBase[MemoryRegionCount] = baseAddress;
        MemoryLength[MemoryRegionCount] = length;
        MemoryType[MemoryRegionCount] = (uint)kind;
        MemoryRegionCount++;
    }

    public void AddModule(ulong physical, ulong size, byte* text, int maxText)
    {
        if (ModuleCount >= MaxModules)
        {
            DroppedModules++;
            return;
        }

        ModulePhysical[ModuleCount] = physical;
        ModuleSize[ModuleCount] = size;
        int start = 0, end = 0;
        if (text != null)
        {
            while (end < maxText && text[end] != 0 && text[end] != (byte)' ') end++;
            for (int i = 0; i < end; i++)
                if (text[i] == (byte)'/') start = i + 1;
        }

        fixed (byte* names = ModuleNames)
            CopyText(names + (ModuleCount * ModuleNameLength), ModuleNameLength, text + start, end - start);
        ModuleCount++;
    }

    /// <summary>The name of module <paramref name="index"/> (see <see cref="ModuleNames"/>).</summary>
    public System.ReadOnlySpan<byte> ModuleName(int index)
    {
        fixed (byte* names = ModuleNames)
        {
            byte* name = names + (index * ModuleNameLength);
            int length = 0;
            while (length < ModuleNameLength && name[length] != 0) length++;
            return new System.ReadOnlySpan<byte>(name, length);
        }
    }

    /// <summary>Index of the module named <paramref name="name"/>, or -1.</summary>
    public int FindModule(string name)
    {
        for (int i = 0; i < ModuleCount; i++)
        {
            System.ReadOnlySpan<byte> candidate = ModuleName(i);
            if (candidate.Length != name.Length) continue;
            bool same = true;
            for (int c = 0; c < name.Length && same; c++) same = candidate[c] == name[c];
            if (same) return i;
        }

        return -1;
    }

    public ulong UsableBytes
    {
        get
        {
            ulong total = 0;
            for (int i = 0; i < MemoryRegionCount; i++)
                if ((MemoryKind)MemoryType[i] == MemoryKind.Usable) total += MemoryLength[i];
            return total;
        }
    }

    public void* PhysicalToVirtual(ulong physical) => (void*)(physical + DirectMapOffset);

    public byte* LoaderNamePointer() { fixed (byte* p = LoaderName) return p; }

    public byte* LoaderVersionPointer() { fixed (byte* p = LoaderVersion) return p; }

    internal static void CopyText(byte* destination, int capacity, byte* source, int maxSource)
    {
        int i = 0;
        if (source != null)
            for (; i < capacity - 1 && i < maxSource && source[i] != 0; i++) destination[i] = source[i];
        destination[i] = 0;
    }
}
