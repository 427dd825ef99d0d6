using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

internal static unsafe class ConsoleTests
{
    /// <summary>The log reaches the screen: a line just logged is somewhere in the VGA text
    /// buffer (with a colour attribute), or the framebuffer's first text row has lit pixels.</summary>
    internal static void ScreenShowsLog()
    {
        ref var info = ref KernelMain.BootInfo;
        if (Screen.UsingVgaText)
        {
            const string marker = "screen check 7f3a";
            Log.WriteLine(marker);
            ushort* cells = (ushort*)(0xB8000 + info.DirectMapOffset);
            int found = -1;
            for (int start = 0; start + marker.Length <= 80 * 25 && found < 0; start++)
            {
                bool match = true;
                for (int i = 0; i < marker.Length && match; i++) match = (cells[start + i] & 0xFF) == marker[i];
                if (match) found = start;
            }

            Check(found >= 0, "a logged line is not in the VGA text buffer");
            Check(found < 0 || (cells[found] >> 8) != 0, "the VGA cells have no colour attribute");
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
