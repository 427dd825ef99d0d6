using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

internal static unsafe class ConsoleTests
{
    /// <summary>The boot log reached the screen: VGA cell 0 holds the 'A' of "Aurora", or the
    /// framebuffer's first text row has lit pixels.</summary>
    internal static void ScreenShowsLog()
    {
        ref var info = ref KernelMain.BootInfo;
        if (Screen.UsingVgaText)
        {
            ushort* cells = (ushort*)(0xB8000 + info.DirectMapOffset);
            Check((cells[0] & 0xFF) == (byte)'A', "VGA cell 0 does not hold the log's first character");
            Check((cells[0] >> 8) != 0, "VGA cell 0 has no colour attribute");
            return;
        }
        Check(Screen.UsingFramebuffer, "no screen console attached");
        ref var fb = ref info.Framebuffer;
        int lit = 0;
        for (uint y = 0; y < 16; y++)
            for (uint x = 0; x < 8 * 6; x++)
                if (*(uint*)(fb.Address + y * fb.Pitch + x * 4) != 0) lit++;
        Check(lit > 20, "the framebuffer's first text row is blank");
    }
}
