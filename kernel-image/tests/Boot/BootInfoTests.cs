using Aurora.Kernel.Boot;
using Xunit;

namespace Aurora.KernelImage.Tests.Boot;

/// <summary>
/// The boot information's fixed tables (kernel-image/boot/BootInfo.cs). Limine 8.2 lists each
/// module as a map entry of its own: the test image's 115 modules made a 128-entry map that was
/// cut off silently, the modules above the cut lay outside what the frame allocator managed, and
/// the kernel panicked ("reserving a boot module: frame allocator error") on every Limine boot of
/// the test image. Adjacent entries of one kind now merge, and what still does not fit is counted.
/// </summary>
public unsafe class BootInfoTests
{
    private const ulong Page = 4096;

    [Fact]
    public void LimineMapWithAnEntryPerModuleKeepsEveryByte()
    {
        var info = new BootInfo();
        info.AddMemoryRegion(0, 0x9f000, MemoryKind.Usable);
        info.AddMemoryRegion(0x100000, 0x1000000, MemoryKind.Usable);
        ulong at = 0x1100000;
        // 200 modules of varying size, each its own KernelAndModules entry, back to back, then
        // the rest of memory usable: the shape Limine's map had (more entries than the table).
        for (int i = 0; i < 200; i++)
        {
            ulong size = (ulong)(1 + (i % 7)) * Page;
            info.AddMemoryRegion(at, size, MemoryKind.KernelAndModules);
            at += size;
        }

        info.AddMemoryRegion(at, 0x8000000 - at, MemoryKind.Usable);
        info.AddMemoryRegion(0xfd000000, 0x400000, MemoryKind.Framebuffer);

        Assert.Equal(0, info.DroppedMemoryRegions);
        Assert.Equal(5, info.MemoryRegionCount);
        MemoryRegion modules = info.GetMemoryRegion(2);
        Assert.Equal((0x1100000UL, at - 0x1100000UL, MemoryKind.KernelAndModules), (modules.Base, modules.Length, modules.Kind));
        MemoryRegion last = info.GetMemoryRegion(3);
        Assert.Equal(0x8000000UL, last.Base + last.Length);
    }

    [Fact]
    public void EntriesThatCannotMergeAreCountedWhenTheTableIsFull()
    {
        var info = new BootInfo();
        // Alternating kinds never merge.
        for (int i = 0; i < BootInfo.MaxMemoryRegions + 10; i++)
        {
            info.AddMemoryRegion((ulong)i * Page, Page, i % 2 == 0 ? MemoryKind.Usable : MemoryKind.Reserved);
        }

        Assert.Equal(BootInfo.MaxMemoryRegions, info.MemoryRegionCount);
        Assert.Equal(10, info.DroppedMemoryRegions);
    }

    [Fact]
    public void EntriesOfOneKindWithAGapStaySeparate()
    {
        var info = new BootInfo();
        info.AddMemoryRegion(0, Page, MemoryKind.Usable);
        info.AddMemoryRegion(2 * Page, Page, MemoryKind.Usable);
        info.AddMemoryRegion(3 * Page, 0, MemoryKind.Usable);
        Assert.Equal(2, info.MemoryRegionCount);
        Assert.Equal(2 * Page, info.GetMemoryRegion(1).Base);
    }

    [Fact]
    public void ModulesPastTheTableAreCountedNotLost()
    {
        var info = new BootInfo();
        byte* name = stackalloc byte[] { (byte)'/', (byte)'m', (byte)'.', (byte)'e', (byte)'l', (byte)'f', 0 };
        for (int i = 0; i < BootInfo.MaxModules + 3; i++)
        {
            info.AddModule((ulong)i * Page, Page, name, 7);
        }

        Assert.Equal(BootInfo.MaxModules, info.ModuleCount);
        Assert.Equal(3, info.DroppedModules);
        Assert.Equal("m.elf", System.Text.Encoding.ASCII.GetString(info.ModuleName(0)));
        Assert.True(BootInfo.MaxModules >= 128, "the test image brings 115 modules");
    }
}
