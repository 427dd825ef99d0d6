using System.Runtime;

namespace Aurora.Kernel.Boot;

/// <summary>Reads the Limine responses (limine-protocol.md §2) into a BootInfo.</summary>
internal static unsafe class LimineBoot
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_limine_requests")]
    private static extern void** RequestTable();

    // Order of RequestTable() entries (arch/x86_64/limine.S).
    private const int BaseRevision = 0, BootloaderInfo = 1, FirmwareType = 2, Hhdm = 3,
        FramebufferRequest = 4, MemoryMap = 5, KernelFile = 6, Modules = 7, Rsdp = 8, KernelAddress = 9;

    private static byte* Response(int index) => *(byte**)((byte*)RequestTable()[index] + 40);

    /// <summary>False when the loader did not accept base revision 2.</summary>
    internal static bool BaseRevisionSupported => ((ulong*)RequestTable()[BaseRevision])[2] == 0;

    internal static void Fill(ref BootInfo info)
    {
        info.Loader = BootLoader.Limine;

        byte* response = Response(Hhdm);
        info.DirectMapOffset = response != null ? *(ulong*)(response + 8) : 0;

        response = Response(BootloaderInfo);
        if (response != null)
        {
            fixed (byte* name = info.LoaderName) BootInfo.CopyText(name, BootInfo.MaxText, *(byte**)(response + 8), 64);
            fixed (byte* version = info.LoaderVersion) BootInfo.CopyText(version, BootInfo.MaxText, *(byte**)(response + 16), 64);
        }

        response = Response(FirmwareType);
        if (response != null)
            info.Firmware = *(ulong*)(response + 8) == 0 ? Firmware.Bios : Firmware.Uefi;

        response = Response(MemoryMap);
        if (response != null)
        {
            ulong count = *(ulong*)(response + 8);
            ulong** entries = *(ulong***)(response + 16);
            for (ulong i = 0; i < count; i++)
                info.AddMemoryRegion(entries[i][0], entries[i][1], (MemoryKind)entries[i][2]);
        }

        response = Response(KernelAddress);
        if (response != null)
        {
            info.KernelPhysicalBase = *(ulong*)(response + 8);
            info.KernelVirtualBase = *(ulong*)(response + 16);
        }

        response = Response(KernelFile);
        if (response != null)
        {
            byte* file = *(byte**)(response + 8);
            fixed (byte* commandLine = info.CommandLine)
                BootInfo.CopyText(commandLine, BootInfo.MaxText * 2, *(byte**)(file + 32), BootInfo.MaxText * 2);
        }

        response = Response(Modules);
        if (response != null)
        {
            ulong count = *(ulong*)(response + 8);
            byte** files = *(byte***)(response + 16);
            for (ulong i = 0; i < count; i++)
                info.AddModule((ulong)*(byte**)(files[i] + 8) - info.DirectMapOffset, *(ulong*)(files[i] + 16), *(byte**)(files[i] + 24), 256);
        }

        response = Response(Rsdp);
        if (response != null)
        {
            ulong address = *(ulong*)(response + 8);
            info.RsdpPhysical = address >= info.DirectMapOffset ? address - info.DirectMapOffset : address;
        }

        response = Response(FramebufferRequest);
        if (response != null && *(ulong*)(response + 8) > 0)
        {
            byte* fb = **(byte***)(response + 16);
            info.HasFramebuffer = true;
            info.Framebuffer.Address = *(byte**)fb;
            info.Framebuffer.PhysicalAddress = (ulong)info.Framebuffer.Address - info.DirectMapOffset;
            info.Framebuffer.Width = (uint)*(ulong*)(fb + 8);
            info.Framebuffer.Height = (uint)*(ulong*)(fb + 16);
            info.Framebuffer.Pitch = (uint)*(ulong*)(fb + 24);
            info.Framebuffer.BitsPerPixel = (byte)*(ushort*)(fb + 32);
            info.Framebuffer.RedSize = fb[35];
            info.Framebuffer.RedShift = fb[36];
            info.Framebuffer.GreenSize = fb[37];
            info.Framebuffer.GreenShift = fb[38];
            info.Framebuffer.BlueSize = fb[39];
            info.Framebuffer.BlueShift = fb[40];
        }
    }
}
