using System;
using System.Runtime;
using System.Runtime.InteropServices;
using Aurora.Kernel.Boot;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// Kernel address space layout randomisation (SEC-1, docs/security.md "KASLR"). Before any C#
/// of the boot runs, <see cref="Prepare"/> (called by kernel_entry64 at the link address, on
/// the loader's page tables, under either loader) picks from one random seed:
/// <list type="bullet">
/// <item>the kernel's slide: a multiple of 2 MiB that keeps the image in the top 2 GiB and off
/// its link-time range (about 1,000 positions, 10 bits: Linux's text KASLR has 9);</item>
/// <item>the direct map's base: a PML4 slot (512 GiB) in 0xFFFF_8000_0000_0000 to
/// 0xFFFF_C000_0000_0000 (about 7 bits); the heap is in the direct map, so it moves too;</item>
/// <item>the base of the kernel's windows (framebuffer, device registers, thread stacks,
/// modules: 4 TiB one after another, as before) in 0xFFFF_C000_0000_0000 to
/// 0xFFFF_E000_0000_0000 (57 positions).</item>
/// </list>
/// It adds the slide to every absolute address in the image (the table tools/kaslr-relocs.py
/// made from the link's R_X86_64_64 relocations; code is RIP-relative) and builds transition
/// tables that map the image at both addresses and the direct map at both bases; boot.S loads
/// them and jumps into the slid alias. The kernel's own tables (KernelMemory) then map only the
/// new addresses. The seed is RDSEED, else RDRAND, else the time-stamp counter.
/// <c>kaslr=off</c> (or Linux's <c>nokaslr</c>) keeps the link address and the loader's layout.
/// </summary>
internal static unsafe class Kaslr
{
    /// <summary>__kernel_start at link time (arch/x86_64/linker.ld).</summary>
    internal const ulong LinkBase = 0xFFFF_FFFF_8020_0000;
    internal const ulong DefaultWindowsBase = 0xFFFF_C000_0000_0000;

    private const ulong TopTwoGiB = 0xFFFF_FFFF_8000_0000;
    private const ulong TwoMiB = 2UL << 20;
    private const ulong Present = 1, Writable = 2, LargePage = 1UL << 7;
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000;
    private const ulong Multiboot2DirectMap = 0xFFFF_8000_0000_0000;
    private const int LastKernelChunk = 1022;                 // the top 2 MiB stay unused
    private const int DirectMapFirstSlot = 256, DirectMapEndSlot = 384;
    private const int WindowsFirstSlot = 384, WindowsEndSlot = 448, WindowsSlots = 8;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_kaslr_image")]
    private static extern void ReadImage(ulong* image);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_kaslr_entropy")]
    private static extern int Entropy(ulong* value);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_kaslr_read_cr3")]
    private static extern ulong ReadCr3();

    /// <summary>What the kernel's link address moved by (0 when off).</summary>
    internal static ulong Slide;

    /// <summary>The direct map's base, or 0 when the loader's stays (off).</summary>
    internal static ulong DirectMapBase;

    private static ulong s_windowsBase;

    /// <summary>Where the framebuffer, device, stack and module windows start.</summary>
    internal static ulong WindowsBase => s_windowsBase != 0 ? s_windowsBase : DefaultWindowsBase;

    /// <summary>Positions the kernel could have taken (the log prints their count).</summary>
    internal static ulong Positions;

    /// <summary>Where the seed came from (the boot log names it).</summary>
    internal static int SeedSource;

    internal static bool Enabled;

    /// <summary>Why KASLR is off when it is (null when on).</summary>
    internal static string? OffReason => s_off switch
    {
        Off.No => null,
        Off.CommandLine => "kaslr=off",
        Off.NoRoom => "no room for the image's page tables",
        _ => "the loader's page tables have an unexpected shape",
    };

    private enum Off { No, CommandLine, NoRoom, Tables }

    private static Off s_off;

    private static BootInfo s_loaderView;

    /// <summary>Runs at the link address, right after .bss is cleared and before any other C#
    /// (kernel_entry64), so no address has been taken yet. Returns the physical root of the transition tables
    /// (0: stay where the loader put us) and stores the slide.</summary>
    [UnmanagedCallersOnly(EntryPoint = "aurora_kaslr_prepare")]
    private static ulong Prepare(ulong loader, ulong information, ulong* slideOut)
    {
        *slideOut = 0;
        ulong* image = stackalloc ulong[5];
        ReadImage(image);
        ulong start = image[0], end = image[1];
        uint* relocations = (uint*)image[2];
        uint* relocationsEnd = (uint*)image[3];
        ulong* tables = (ulong*)image[4];

        // The command line, and where the loader put the image physically and its direct map
        // (a static: a 13 KiB frame would need stack probes, which the kernel has none of).
        ref BootInfo info = ref s_loaderView;
        if (loader == 1)
        {
            if (!LimineBoot.BaseRevisionSupported) return 0;   // kernel_main says why
            LimineBoot.Fill(ref info);
            if (info.KernelVirtualBase != start) return Refuse(Off.Tables);
        }
        else if (loader == 2)
        {
            Multiboot2Boot.Fill(ref info, information, start, end);
            info.DirectMapOffset = Multiboot2DirectMap;
        }
        else
        {
            return 0;
        }

        CommandLine commandLine = default;
        commandLine.Load(ref info);
        if (commandLine.Has("nokaslr") || IsOff(commandLine.Value("kaslr"))) return Refuse(Off.CommandLine);

        ulong loaderDirectMap = info.DirectMapOffset;
        ulong physicalBase = info.KernelPhysicalBase;
        ulong size = end - start;
        if (loaderDirectMap == 0 || (start & (TwoMiB - 1)) != 0) return Refuse(Off.Tables);
        for (uint* at = relocations; at < relocationsEnd; at++)
            if (*at > size - 8) return Refuse(Off.Tables);   // a broken table: stay where we are

        ulong seed;
        SeedSource = Entropy(&seed);
        ulong state = seed;

        // The slide: chunk c of the image (2 MiB, from the top 2 GiB's start) moves to c + k;
        // k at least the image's chunk count keeps the two aliases apart.
        int firstChunk = (int)((start - TopTwoGiB) / TwoMiB);
        int lastChunk = (int)((end - 1 - TopTwoGiB) / TwoMiB);
        int chunks = lastChunk - firstChunk + 1;
        int positions = LastKernelChunk - lastChunk - chunks + 1;
        if (positions <= 0) return Refuse(Off.NoRoom);
        int slideChunks = chunks + (int)(Next(ref state) % (ulong)positions);
        Positions = (ulong)positions;

        // The loader's tables, read through its direct map.
        ulong* current = (ulong*)(loaderDirectMap + (ReadCr3() & AddressMask));
        int loaderSlot = (int)((loaderDirectMap >> 39) & 511);
        int directMapSlots = 0;
        while (loaderSlot + directMapSlots < 511 && (current[loaderSlot + directMapSlots] & Present) != 0) directMapSlots++;
        if (directMapSlots == 0 || (current[511] & Present) == 0) return Refuse(Off.Tables);
        int directMapSlot = ChooseDirectMapSlot(current, loaderSlot, directMapSlots, Next(ref state));
        if (directMapSlot < 0) return Refuse(Off.NoRoom);
        ulong windowsSlot = (ulong)(WindowsFirstSlot + (int)(Next(ref state) % (ulong)(WindowsEndSlot - WindowsSlots - WindowsFirstSlot + 1)));

        // Transition tables: the loader's PML4 entries, the direct map again at its new slot, and
        // a new top 2 GiB where the image's chunks appear at both addresses (same page tables
        // or same 2 MiB pages: the slide is a multiple of 2 MiB).
        ulong* pml4 = tables, pdpt = tables + 512, directory = tables + 1024;
        for (int i = 0; i < 4 * 512; i++) tables[i] = 0;
        for (int i = 0; i < 511; i++) pml4[i] = current[i];
        for (int i = 0; i < directMapSlots; i++) pml4[directMapSlot + i] = current[loaderSlot + i];
        ulong* loaderPdpt = (ulong*)(loaderDirectMap + (current[511] & AddressMask));
        for (int i = 0; i < 510; i++) pdpt[i] = loaderPdpt[i];
        for (int half = 0; half < 2; half++)
        {
            ulong entry = loaderPdpt[510 + half];
            if ((entry & Present) == 0) continue;
            if ((entry & LargePage) != 0) return Refuse(Off.Tables);
            ulong* loaderDirectory = (ulong*)(loaderDirectMap + (entry & AddressMask));
            for (int i = 0; i < 512; i++) directory[(half * 512) + i] = loaderDirectory[i];
        }

        for (int chunk = firstChunk; chunk <= lastChunk; chunk++)
        {
            if ((directory[chunk] & Present) == 0) return Refuse(Off.Tables);
            directory[chunk + slideChunks] = directory[chunk];
        }

        pdpt[510] = (physicalBase + ((ulong)directory - start)) | Present | Writable;
        pdpt[511] = (physicalBase + ((ulong)(directory + 512) - start)) | Present | Writable;
        pml4[511] = (physicalBase + ((ulong)pdpt - start)) | Present | Writable;

        // Every absolute address in the image, through the loader's direct map (read-only pages
        // included). From here on nothing may follow a pointer stored in the image's data.
        ulong slide = (ulong)slideChunks * TwoMiB;
        for (uint* at = relocations; at < relocationsEnd; at++)
            *(ulong*)(loaderDirectMap + physicalBase + *at) += slide;

        Slide = slide;
        DirectMapBase = (0xFFFF_0000_0000_0000UL | ((ulong)directMapSlot << 39)) + (loaderDirectMap & ((1UL << 39) - 1));
        s_windowsBase = 0xFFFF_0000_0000_0000UL | (windowsSlot << 39);
        Enabled = true;
        *slideOut = slide;
        return physicalBase + ((ulong)pml4 - start);
    }

    /// <summary>A PML4 slot for the direct map, from a random start, that the loader does not
    /// use (its own direct map's slots only when it is that one), or -1.</summary>
    private static int ChooseDirectMapSlot(ulong* current, int loaderSlot, int slots, ulong random)
    {
        int candidates = DirectMapEndSlot - slots - DirectMapFirstSlot + 1;
        if (candidates <= 0) return -1;
        for (int tried = 0; tried < candidates; tried++)
        {
            int slot = DirectMapFirstSlot + (int)((random + (ulong)tried) % (ulong)candidates);
            if (slot == loaderSlot) return slot;
            bool free = true;
            for (int i = 0; i < slots && free; i++) free = (current[slot + i] & Present) == 0;
            if (free) return slot;
        }

        return -1;
    }

    private static ulong Refuse(Off reason)
    {
        s_off = reason;
        return 0;
    }

    private static bool IsOff(ReadOnlySpan<byte> value) =>
        (value.Length == 3 && value[0] == (byte)'o' && value[1] == (byte)'f' && value[2] == (byte)'f') ||
        (value.Length == 1 && value[0] == (byte)'0');

    /// <summary>SplitMix64: independent values from one seed.</summary>
    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>After the loader's information is read (at the slid address): the boot
    /// information's addresses as they are now.</summary>
    internal static void Apply(ref BootInfo info, ulong imageStart)
    {
        info.KernelVirtualBase = imageStart;
        if (DirectMapBase == 0 || DirectMapBase == info.DirectMapOffset) return;
        if (info.HasFramebuffer) info.Framebuffer.Address = (byte*)(info.Framebuffer.PhysicalAddress + DirectMapBase);
        info.DirectMapOffset = DirectMapBase;
    }

    /// <summary>The boot log's line: where the kernel is and how it got there.</summary>
    internal static void Report()
    {
        Log.Write("kaslr: ");
        if (!Enabled)
        {
            Log.Write("off (");
            Log.Write(OffReason ?? "not prepared");
            Log.WriteLine("), kernel at its link address");
            return;
        }

        Log.Write("slide ");
        Log.WriteHex(Slide);
        Log.Write(" (one of ");
        Log.WriteDecimal(Positions);
        Log.Write(" positions), direct map ");
        Log.WriteHex(DirectMapBase);
        Log.Write(", windows ");
        Log.WriteHex(WindowsBase);
        Log.Write(", seed from ");
        Log.WriteLine(SeedSource == 2 ? "RDSEED" : SeedSource == 1 ? "RDRAND" : "the time-stamp counter");
    }
}
