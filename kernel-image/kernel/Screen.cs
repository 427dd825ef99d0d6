using Aurora.Kernel.Boot;
using Aurora.Kernel.Drivers.Console;

namespace Aurora.Kernel;

/// <summary>Chooses the screen console: the linear framebuffer when the loader set one up,
/// VGA text mode (0xB8000) otherwise, and attaches it to the kernel log.</summary>
internal static unsafe class Screen
{
    private const ulong VgaTextPhysical = 0xB8000;

    private static FramebufferConsole s_framebuffer;
    private static VgaTextConsole s_vga;

    internal static string Description = ", no screen";
    internal static bool UsingFramebuffer;
    internal static bool UsingVgaText;

    internal static void Attach(ref BootInfo info)
    {
        if (info.HasFramebuffer)
        {
            ref FramebufferInfo fb = ref info.Framebuffer;
            ConsoleStatus status = s_framebuffer.Initialize(fb.Address, (int)fb.Width, (int)fb.Height, (int)fb.Pitch,
                fb.BitsPerPixel, fb.RedShift, fb.RedSize, fb.GreenShift, fb.GreenSize, fb.BlueShift, fb.BlueSize);
            if (status == ConsoleStatus.Ok)
            {
                s_framebuffer.Clear();
                Log.AttachScreen(&WriteFramebuffer);
                UsingFramebuffer = true;
                Description = ", framebuffer console";
                return;
            }
        }
        // No usable framebuffer: the VGA text buffer. Under Limine (which always sets up a
        // framebuffer on UEFI) this path is taken only on BIOS text-mode boots.
        if (s_vga.Initialize((ushort*)(VgaTextPhysical + info.DirectMapOffset), &OutCursor) == ConsoleStatus.Ok)
        {
            s_vga.Clear();
            Log.AttachScreen(&WriteVga);
            UsingVgaText = true;
            Description = ", VGA text console";
        }
    }

    internal static void MoveFramebuffer(byte* address) => s_framebuffer.Relocate(address);

    internal static ref FramebufferConsole Framebuffer => ref s_framebuffer;
    internal static ref VgaTextConsole Vga => ref s_vga;

    private static void WriteFramebuffer(byte value) => s_framebuffer.Write(value);

    private static void WriteVga(byte value) => s_vga.Write(value);

    private static void OutCursor(ushort port, byte value) => Hal.Io.Out8(port, value);
}
