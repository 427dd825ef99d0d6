using Aurora.Kernel.Memory;
using Aurora.Kernel.Boot;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

internal static unsafe class BootTests
{
    internal static void MemoryMapHasUsableMemory()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        Check(info.MemoryRegionCount > 0, "empty memory map");
        // QEMU runs the tests with 256 MiB; firmware and loader keep some of it.
        ulong usableMiB = info.UsableBytes >> 20;
        Check(usableMiB >= 128 && usableMiB <= 256, "usable memory is not between 128 and 256 MiB");
        // Usable regions never overlap one another (both loaders promise it).
        for (int i = 0; i < info.MemoryRegionCount; i++)
            for (int j = i + 1; j < info.MemoryRegionCount; j++)
            {
                MemoryRegion a = info.GetMemoryRegion(i), b = info.GetMemoryRegion(j);
                if (a.Kind == MemoryKind.Usable && b.Kind == MemoryKind.Usable && a.Base < b.Base + b.Length && b.Base < a.Base + a.Length)
                    Check(false, "usable regions overlap");
            }
    }

    internal static void LoaderIdentified()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        Check(info.Loader != BootLoader.Unknown, "loader unknown");
        Check(info.LoaderNamePointer()[0] != 0, "loader name empty");
        Check(info.Firmware != Firmware.Unknown, "firmware unknown");
        Check(info.DirectMapOffset >= 0xFFFF800000000000, "direct map not in the higher half");
    }

    internal static void DirectMapReachesKernelImage()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        ref KernelLayout layout = ref KernelMain.Layout;
        // The same byte of the kernel image read through its link address and through the
        // direct map of its physical address must be identical.
        byte* linked = (byte*)layout.RodataStart;
        byte* direct = (byte*)(info.DirectMapOffset + info.KernelPhysicalBase + (layout.RodataStart - info.KernelVirtualBase));
        bool same = true;
        for (int i = 0; i < 256; i++) if (linked[i] != direct[i]) same = false;
        Check(same, "direct map and kernel mapping disagree");
    }

    /// <summary>KASLR (Arch.X86_64.Kaslr): the image runs at link base + slide, every absolute
    /// address in it was moved (the interrupt stubs' table, a string literal's MethodTable),
    /// nothing is left at the link address, and the direct map and the windows are where the
    /// boot log says.</summary>
    internal static void KernelLayoutIsConsistent()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        ref KernelLayout layout = ref KernelMain.Layout;
        ulong slide = Arch.X86_64.Kaslr.Slide;
        CheckEqual((long)(Arch.X86_64.Kaslr.LinkBase + slide), (long)(layout.Start), "image start = link base + slide");
        CheckEqual((long)(layout.Start), (long)(info.KernelVirtualBase), "boot information's kernel base");
        CheckEqual((long)(0UL), (long)(slide % (2UL << 20)), "slide is a multiple of 2 MiB");
        for (int vector = 0; vector < 48; vector++)
        {
            ulong stub = layout.InterruptStubs[vector];
            Check(stub >= layout.Start && stub < layout.TextEnd, "an interrupt stub address outside the running text");
        }

        fixed (char* text = "kaslr")
        {
            ulong methodTable = *(ulong*)((byte*)text - 12);   // header: MethodTable*, then the length
            Check(methodTable >= layout.Start && methodTable < layout.End, "a frozen string's MethodTable outside the running image");
        }

        CheckEqual((long)(KernelMemory.DirectMapOffset), (long)(info.DirectMapOffset), "direct map offset");
        CheckEqual((long)(Arch.X86_64.Kaslr.WindowsBase + (2UL << 40)), (long)(KernelMemory.StackWindow), "stack window");
        CheckEqual((long)(Arch.X86_64.Kaslr.WindowsBase + (3UL << 40)), (long)(Modules.ModuleLoader.ModuleWindow), "module window");
        if (Arch.X86_64.Kaslr.Enabled)
        {
            Check(slide != 0, "KASLR on with a zero slide");
            CheckEqual((long)(Arch.X86_64.Kaslr.DirectMapBase), (long)(info.DirectMapOffset), "the chosen direct map is the one in use");
            Check(!Arch.X86_64.SafeAccess.TryRead64(Arch.X86_64.Kaslr.LinkBase, out _), "the link-time alias is still mapped");
            Check(!Arch.X86_64.SafeAccess.TryRead64(Arch.X86_64.Kaslr.LinkBase + (layout.DataStart - layout.Start), out _), "the link-time data alias is still mapped");
        }
        else
        {
            CheckEqual((long)(0UL), (long)(slide), "KASLR off with a slide");
            CheckEqual(unchecked((long)Arch.X86_64.Kaslr.DefaultWindowsBase), (long)(Arch.X86_64.Kaslr.WindowsBase), "windows at their default with KASLR off");
        }
    }
}
