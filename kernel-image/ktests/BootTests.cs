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
}
