using System;
using System.IO;
using System.Text;
using Aurora.Kernel.Drivers.Console;
using Xunit;

namespace Aurora.KernelImage.Tests.Console;

public unsafe class FramebufferConsoleTests
{
    // Pixel values of the palette through a 32-bit BGR layout (red in bits 0..7, blue in 16..23),
    // worked out by hand rather than through the console's own conversion.
    private const uint Black = 0x000000;
    private const uint LightGrey = 0xAAAAAA;
    private const uint RedBgr = 0x0000AA;
    private const uint BlueBgr = 0xAA0000;
    private const uint BrownBgr = 0x0055AA;
    private const uint BrightRedBgr = 0x5555FF;
    private const uint BrightBlueBgr = 0xFF5555;
    private const uint BrightYellowBgr = 0x55FFFF;

    private static FramebufferConsole CreateBgr32(HostFramebuffer fb)
    {
        var console = new FramebufferConsole();
        ConsoleStatus status = console.Initialize(
            fb.Address, fb.Width, fb.Height, fb.Pitch, 32,
            redShift: 0, redSize: 8, greenShift: 8, greenSize: 8, blueShift: 16, blueSize: 8);
        Assert.Equal(ConsoleStatus.Ok, status);
        return console;
    }

    private static void Write(ref FramebufferConsole console, string text) =>
        console.Write(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void GlyphIsDrawnAtTheCursorInPaletteColoursThroughBgrMasks()
    {
        using var fb = new HostFramebuffer(64, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "xy\u001b[31;44mA");

        // 'A' as designed, written out independently of the font table.
        string[] art =
        {
            "........", "........",
            "...#....", "..###...", ".##.##..", "##...##.", "##...##.", "##...##.",
            "#######.", "##...##.", "##...##.", "##...##.", "##...##.",
            "........", "........", "........",
        };
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                uint expected = art[y][x] == '#' ? RedBgr : BlueBgr;
                Assert.Equal(expected, fb.Pixel(2 * 8 + x, y));
            }
        }

        fb.AssertCell(0, 0, 'x', LightGrey, Black);
        Assert.Equal(3, console.CursorColumn);
        Assert.Equal(0, console.CursorRow);
    }

    [Fact]
    public void GridSizeComesFromTheResolution()
    {
        using var fb = new HostFramebuffer(1024 + 7, 768 + 15);
        var console = CreateBgr32(fb);
        Assert.Equal(128, console.Columns);
        Assert.Equal(48, console.Rows);
    }

    [Fact]
    public void InitializeRejectsWhatItCannotDrive()
    {
        using var fb = new HostFramebuffer(64, 32);
        var console = new FramebufferConsole();

        Assert.Equal(ConsoleStatus.NullBuffer, console.Initialize(null, 64, 32, 256, 32, 16, 8, 8, 8, 0, 8));
        Assert.Equal(ConsoleStatus.UnsupportedPixelFormat, console.Initialize(fb.Address, 64, 32, 256, 8, 5, 3, 2, 3, 0, 2));
        Assert.Equal(ConsoleStatus.UnsupportedPixelFormat, console.Initialize(fb.Address, 64, 32, 256, 32, 28, 8, 8, 8, 0, 8));
        Assert.Equal(ConsoleStatus.UnsupportedPixelFormat, console.Initialize(fb.Address, 64, 32, 256, 32, -1, 8, 8, 8, 0, 8));
        Assert.Equal(ConsoleStatus.PitchTooSmall, console.Initialize(fb.Address, 64, 32, 255, 32, 16, 8, 8, 8, 0, 8));
        Assert.Equal(ConsoleStatus.TooSmall, console.Initialize(fb.Address, 7, 32, 256, 32, 16, 8, 8, 8, 0, 8));
        Assert.Equal(ConsoleStatus.TooSmall, console.Initialize(fb.Address, 64, 15, 256, 32, 16, 8, 8, 8, 0, 8));
        Assert.False(console.IsInitialized);

        console.Write((byte)'x');
        console.Clear();
        Assert.True(fb.Bytes.IndexOfAnyExcept(HostFramebuffer.Sentinel) < 0);
    }

    [Fact]
    public void UninitialisedConsoleIgnoresWrites()
    {
        FramebufferConsole console = default;
        Write(ref console, "hello\n\u001b[31m");
        console.Clear();
        Assert.Equal(0, console.CursorColumn);
    }

    [Fact]
    public void WrapsAtTheRightEdgeWhenTheNextGlyphArrives()
    {
        using var fb = new HostFramebuffer(80, 48); // 10 x 3 cells
        var console = CreateBgr32(fb);

        Write(ref console, "0123456789");
        Assert.Equal((9, 0), (console.CursorColumn, console.CursorRow));
        fb.AssertCell(9, 0, '9', LightGrey, Black);
        Assert.True(fb.CellUntouched(0, 1));

        Write(ref console, "X");
        fb.AssertCell(0, 1, 'X', LightGrey, Black);
        Assert.Equal((1, 1), (console.CursorColumn, console.CursorRow));
    }

    [Fact]
    public void NewlineAfterAFullLineDoesNotLeaveAnEmptyLine()
    {
        using var fb = new HostFramebuffer(80, 48);
        var console = CreateBgr32(fb);

        Write(ref console, "0123456789\nY");
        fb.AssertCell(0, 1, 'Y', LightGrey, Black);
        Assert.True(fb.CellUntouched(0, 2));
    }

    [Fact]
    public void ScrollMovesEverythingUpOneTextLineAndClearsTheLastLine()
    {
        // 3 text rows plus 5 spare pixel rows, and 12 bytes of padding after each row.
        using var fb = new HostFramebuffer(80, 53, pitchPadding: 12);
        var console = CreateBgr32(fb);
        Write(ref console, "Alpha\nBravo\nCharlie");
        byte[] lowerTwoLines = fb.VisibleRows(16, 32);
        byte[] spareRows = fb.VisibleRows(48, 5);

        Write(ref console, "\n");

        Assert.Equal((0, 2), (console.CursorColumn, console.CursorRow));
        Assert.Equal(lowerTwoLines, fb.VisibleRows(0, 32));
        for (int y = 32; y < 48; y++)
        {
            for (int x = 0; x < 80; x++)
            {
                Assert.Equal(Black, fb.Pixel(x, y));
            }
        }

        Assert.Equal(spareRows, fb.VisibleRows(48, 5));
        Assert.True(fb.PaddingUntouched());
        fb.AssertCell(0, 0, 'B', LightGrey, Black);
        fb.AssertCell(0, 1, 'C', LightGrey, Black);
    }

    [Fact]
    public void ScrollPaintsTheNewLineWithTheCurrentBackground()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);
        Write(ref console, "a\nb\u001b[44m\n");
        for (int x = 0; x < 80; x++)
        {
            Assert.Equal(BlueBgr, fb.Pixel(x, 16));
            Assert.Equal(BlueBgr, fb.Pixel(x, 31));
        }

        fb.AssertCell(0, 0, 'b', LightGrey, Black);
    }

    [Fact]
    public void TheBottomRightCellFillsWithoutScrollingUntilTheNextGlyph()
    {
        using var fb = new HostFramebuffer(80, 48);
        var console = CreateBgr32(fb);
        Write(ref console, "aaaaaaaaaabbbbbbbbbbcccccccccc");
        fb.AssertCell(0, 0, 'a', LightGrey, Black);
        fb.AssertCell(9, 2, 'c', LightGrey, Black);

        Write(ref console, "d");
        fb.AssertCell(0, 0, 'b', LightGrey, Black);
        fb.AssertCell(9, 1, 'c', LightGrey, Black);
        fb.AssertCell(0, 2, 'd', LightGrey, Black);
        fb.AssertCell(1, 2, ' ', LightGrey, Black);
        Assert.Equal((1, 2), (console.CursorColumn, console.CursorRow));
    }

    [Fact]
    public void ASingleRowConsoleScrollsByClearingItsOnlyRow()
    {
        using var fb = new HostFramebuffer(24, 20); // 3 x 1 cells, 4 spare pixel rows
        var console = CreateBgr32(fb);
        Write(ref console, "abcd");
        fb.AssertCell(0, 0, 'd', LightGrey, Black);
        fb.AssertCell(1, 0, ' ', LightGrey, Black);
        Write(ref console, "\n");
        fb.AssertCell(0, 0, ' ', LightGrey, Black);
        Assert.Equal((0, 0), (console.CursorColumn, console.CursorRow));
        Assert.True(fb.VisibleRows(16, 4).AsSpan().IndexOfAnyExcept(HostFramebuffer.Sentinel) < 0);
    }

    [Fact]
    public void ScrollWithoutPitchPaddingMovesTheWholeBlock()
    {
        using var fb = new HostFramebuffer(160, 64);
        var console = CreateBgr32(fb);
        console.Clear();
        Write(ref console, "one\ntwo\nthree\nfour");
        byte[] expected = fb.VisibleRows(16, 48);
        Write(ref console, "\n");
        Assert.Equal(expected, fb.VisibleRows(0, 48));
        Assert.Equal(new byte[160 * 4 * 16], fb.VisibleRows(48, 16));
    }

    [Fact]
    public void TabMovesToTheNextMultipleOfEightWithoutPainting()
    {
        using var fb = new HostFramebuffer(160, 32); // 20 columns
        var console = CreateBgr32(fb);

        Write(ref console, "ab\t");
        Assert.Equal(8, console.CursorColumn);
        Write(ref console, "\t");
        Assert.Equal(16, console.CursorColumn);
        Write(ref console, "\t");
        Assert.Equal(19, console.CursorColumn); // no stop left: the last column
        Write(ref console, "\t");
        Assert.Equal((19, 0), (console.CursorColumn, console.CursorRow));

        Write(ref console, "\r\t\tc");
        fb.AssertCell(16, 0, 'c', LightGrey, Black);
        for (int column = 2; column < 16; column++)
        {
            Assert.True(fb.CellUntouched(column, 0), $"column {column}");
        }
    }

    [Fact]
    public void BackspaceMovesLeftAndTheNextGlyphOverwrites()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "ab\bX");
        fb.AssertCell(0, 0, 'a', LightGrey, Black);
        fb.AssertCell(1, 0, 'X', LightGrey, Black);
        Assert.Equal(2, console.CursorColumn);

        Write(ref console, "\n\b\b");
        Assert.Equal((0, 1), (console.CursorColumn, console.CursorRow));
    }

    [Fact]
    public void BackspaceSpaceBackspaceErasesTheGlyphInTheLastColumn()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "0123456789\b \b");
        fb.AssertCell(8, 0, '8', LightGrey, Black);
        fb.AssertCell(9, 0, ' ', LightGrey, Black);
        Assert.Equal((9, 0), (console.CursorColumn, console.CursorRow));

        Write(ref console, "Z");
        fb.AssertCell(9, 0, 'Z', LightGrey, Black);
        Assert.True(fb.CellUntouched(0, 1));
    }

    [Fact]
    public void CarriageReturnGoesBackToColumnZero()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);
        Write(ref console, "abc\rX");
        fb.AssertCell(0, 0, 'X', LightGrey, Black);
        fb.AssertCell(1, 0, 'b', LightGrey, Black);
        Assert.Equal((1, 0), (console.CursorColumn, console.CursorRow));
    }

    [Fact]
    public void OtherControlCharactersDrawNothing()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);
        console.Write(new byte[] { 0x07, 0x00, 0x0C, 0x7F, (byte)'k' });
        fb.AssertCell(0, 0, 'k', LightGrey, Black);
        Assert.True(fb.CellUntouched(1, 0));
    }

    [Fact]
    public void SgrColoursApplyToLaterGlyphsAndEscapeBytesAreNotDrawn()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "\u001b[33mX\u001b[0mY");

        fb.AssertCell(0, 0, 'X', BrownBgr, Black);
        fb.AssertCell(1, 0, 'Y', LightGrey, Black);
        Assert.Equal(2, console.CursorColumn);
        for (int column = 2; column < 10; column++)
        {
            Assert.True(fb.CellUntouched(column, 0));
        }

        Assert.True(fb.CellUntouched(0, 1));
    }

    [Fact]
    public void BoldBrightColoursBackgroundsAndDefaults()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "\u001b[1;31mR\u001b[22mr\u001b[94;103mB\u001b[39mD\u001b[49;41mE\u001b[mF");

        fb.AssertCell(0, 0, 'R', BrightRedBgr, Black);
        fb.AssertCell(1, 0, 'r', RedBgr, Black);
        fb.AssertCell(2, 0, 'B', BrightBlueBgr, BrightYellowBgr);
        fb.AssertCell(3, 0, 'D', LightGrey, BrightYellowBgr);
        fb.AssertCell(4, 0, 'E', LightGrey, RedBgr);
        fb.AssertCell(5, 0, 'F', LightGrey, Black);
    }

    [Fact]
    public void BoldWithTheDefaultForegroundIsBrightWhite()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);
        Write(ref console, "\u001b[1mW");
        fb.AssertCell(0, 0, 'W', 0xFFFFFF, Black);
    }

    [Fact]
    public void UnknownEscapeAndControlSequencesAreSwallowed()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "\u001b[2J\u001b[?25l\u001b[10;20H\u001b[38:5:1m\u001b(B\u001b7\u001bcZ");

        fb.AssertCell(0, 0, 'Z', LightGrey, Black);
        Assert.Equal((1, 0), (console.CursorColumn, console.CursorRow));
        for (int column = 1; column < 10; column++)
        {
            Assert.True(fb.CellUntouched(column, 0));
        }
    }

    [Fact]
    public void EscapeSequenceSplitAcrossWritesStillApplies()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "\u001b");
        Write(ref console, "[");
        Write(ref console, "3");
        Write(ref console, "4;4");
        Write(ref console, "1m");
        Write(ref console, "Q");
        foreach (byte b in "\u001b[0mq"u8)
        {
            console.Write(b);
        }

        fb.AssertCell(0, 0, 'Q', BlueBgr, RedBgr);
        fb.AssertCell(1, 0, 'q', LightGrey, Black);
        Assert.Equal(2, console.CursorColumn);
    }

    [Fact]
    public void NonAsciiShowsOneReplacementGlyphPerCodePoint()
    {
        using var fb = new HostFramebuffer(80, 32);
        var console = CreateBgr32(fb);

        Write(ref console, "é€😀!");
        console.Write(new byte[] { 0x80, 0x80 }); // stray continuation bytes: one box each

        for (int column = 0; column < 3; column++)
        {
            fb.AssertCell(column, 0, HostFramebuffer.ReplacementGlyph, LightGrey, Black);
        }

        fb.AssertCell(3, 0, '!', LightGrey, Black);
        fb.AssertCell(4, 0, HostFramebuffer.ReplacementGlyph, LightGrey, Black);
        fb.AssertCell(5, 0, HostFramebuffer.ReplacementGlyph, LightGrey, Black);
        Assert.Equal(6, console.CursorColumn);
    }

    [Fact]
    public void PitchPaddingIsNeverWritten()
    {
        using var fb = new HostFramebuffer(88, 40, pitchPadding: 36); // 11 x 2 cells, 8 spare rows
        var console = CreateBgr32(fb);

        Write(ref console, "\u001b[42mthe quick brown fox jumps over\tthe lazy dog\b\b\n\n\n");
        Assert.True(fb.PaddingUntouched());

        console.Clear();
        Assert.True(fb.PaddingUntouched());
        for (int y = 0; y < fb.Height; y++)
        {
            for (int x = 0; x < fb.Width; x++)
            {
                Assert.Equal(0x00AA00u, fb.Pixel(x, y));
            }
        }
    }

    [Fact]
    public void ClearPaintsTheCurrentBackgroundAndHomesTheCursor()
    {
        using var fb = new HostFramebuffer(80, 40);
        var console = CreateBgr32(fb);
        Write(ref console, "abc\ndef\u001b[44m");

        console.Clear();

        Assert.Equal((0, 0), (console.CursorColumn, console.CursorRow));
        for (int y = 0; y < 40; y++)
        {
            for (int x = 0; x < 80; x++)
            {
                Assert.Equal(BlueBgr, fb.Pixel(x, y));
            }
        }
    }

    [Fact]
    public void Rgb565PixelsUseTheTopBitsOfEachChannel()
    {
        using var fb = new HostFramebuffer(16, 16, bitsPerPixel: 16, pitchPadding: 6);
        var console = new FramebufferConsole();
        Assert.Equal(ConsoleStatus.Ok, console.Initialize(fb.Address, 16, 16, fb.Pitch, 16, 11, 5, 5, 6, 0, 5));

        Write(ref console, "\u001b[91mH");

        // 0xAAAAAA -> r 0xAA>>3, g 0xAA>>2, b 0xAA>>3; 0xFF5555 -> 0x1F, 0x15, 0x0A.
        fb.AssertCell(0, 0, 'H', (0x1Fu << 11) | (0x15u << 5) | 0x0A, 0x0000);
        Write(ref console, "\u001b[0m\bh");
        fb.AssertCell(0, 0, 'h', (0x15u << 11) | (0x2Au << 5) | 0x15, 0x0000);
        Assert.True(fb.PaddingUntouched());
    }

    [Fact]
    public void Rgb24PixelsAreThreeLittleEndianBytes()
    {
        using var fb = new HostFramebuffer(24, 48, bitsPerPixel: 24, pitchPadding: 3); // 3 x 3 cells
        var console = new FramebufferConsole();
        Assert.Equal(ConsoleStatus.Ok, console.Initialize(fb.Address, 24, 48, fb.Pitch, 24, 16, 8, 8, 8, 0, 8));

        Write(ref console, "\u001b[45mabcdefghij");

        fb.AssertCell(0, 2, 'j', 0xAAAAAA, 0xAA00AA);
        fb.AssertCell(0, 0, 'd', 0xAAAAAA, 0xAA00AA);
        byte* first = fb.Address + 2 * 16 * fb.Pitch + 8 * 3;
        Assert.Equal(new byte[] { 0xAA, 0x00, 0xAA }, new ReadOnlySpan<byte>(first, 3).ToArray());
        Assert.True(fb.PaddingUntouched());

        console.Clear();
        Assert.Equal(0xAA00AAu, fb.Pixel(23, 47));
        Assert.True(fb.PaddingUntouched());
    }

    [Fact]
    public void WideChannelsScaleFullIntensityToAllOnes()
    {
        using var fb = new HostFramebuffer(8, 16);
        var console = new FramebufferConsole();
        Assert.Equal(ConsoleStatus.Ok, console.Initialize(fb.Address, 8, 16, fb.Pitch, 32, 20, 10, 10, 10, 0, 10));

        Assert.Equal(0x3FFu << 20, console.PixelFromRgb(0xFF0000));
        Assert.Equal(0x2AAu << 10, console.PixelFromRgb(0x00AA00));
        Assert.Equal(0u, console.PixelFromRgb(0x000000));
    }

    [Fact]
    public void WritesAPortablePixmapOfTheReadyBanner()
    {
        const string text = " \u001b[1;36mAurora\u001b[0m ready ";
        using var fb = new HostFramebuffer(14 * 8, 16);
        var console = new FramebufferConsole();
        Assert.Equal(ConsoleStatus.Ok, console.Initialize(fb.Address, fb.Width, fb.Height, fb.Pitch, 32, 16, 8, 8, 8, 0, 8));
        console.Clear();
        Write(ref console, text);

        using var ppm = new MemoryStream();
        ppm.Write(Encoding.ASCII.GetBytes($"P6\n{fb.Width} {fb.Height}\n255\n"));
        for (int y = 0; y < fb.Height; y++)
        {
            for (int x = 0; x < fb.Width; x++)
            {
                uint p = fb.Pixel(x, y);
                ppm.WriteByte((byte)(p >> 16));
                ppm.WriteByte((byte)(p >> 8));
                ppm.WriteByte((byte)p);
            }
        }

        string path = Path.Combine(AppContext.BaseDirectory, "aurora-ready.ppm");
        File.WriteAllBytes(path, ppm.ToArray());
        fb.AssertCell(1, 0, 'A', 0x55FFFF, 0x000000);
        fb.AssertCell(8, 0, 'r', 0xAAAAAA, 0x000000);
    }
}
