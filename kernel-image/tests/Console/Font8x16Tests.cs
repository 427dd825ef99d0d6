using System;
using System.Collections.Generic;
using System.Text;
using Aurora.Kernel.Drivers.Console;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.KernelImage.Tests.Console;

public class Font8x16Tests
{
    private readonly ITestOutputHelper _output;

    public Font8x16Tests(ITestOutputHelper output) => _output = output;

    private static ReadOnlySpan<byte> Glyph(int index) =>
        Font8x16.Glyphs.Slice(index * Font8x16.BytesPerGlyph, Font8x16.BytesPerGlyph);

    private static string Name(int index) =>
        index == Font8x16.ReplacementIndex ? "replacement" : $"'{(char)(index + Font8x16.FirstCharacter)}'";

    [Fact]
    public void TableHoldsPrintableAsciiPlusReplacement()
    {
        Assert.Equal(95 + 1, Font8x16.GlyphCount);
        Assert.Equal(Font8x16.GlyphCount * 16, Font8x16.Glyphs.Length);
    }

    [Fact]
    public void EveryPrintableGlyphButSpaceHasInk()
    {
        for (int i = 0; i < Font8x16.GlyphCount; i++)
        {
            bool blank = Glyph(i).IndexOfAnyExcept((byte)0) < 0;
            Assert.True(blank == (i == 0), $"{Name(i)} blank={blank}");
        }
    }

    [Fact]
    public void GlyphsAreDistinct()
    {
        var seen = new Dictionary<string, int>();
        for (int i = 0; i < Font8x16.GlyphCount; i++)
        {
            string key = Convert.ToHexString(Glyph(i));
            Assert.False(seen.TryGetValue(key, out int other), $"{Name(i)} looks like {Name(other)}");
            seen[key] = i;
        }
    }

    [Fact]
    public void TopTwoRowsStayEmptySoLinesDoNotTouch()
    {
        for (int i = 0; i < Font8x16.GlyphCount; i++)
        {
            Assert.True(Glyph(i)[0] == 0 && Glyph(i)[1] == 0, Name(i));
        }
    }

    [Fact]
    public void OnlyUnderscoreUsesTheRightmostColumn()
    {
        for (int i = 0; i < Font8x16.GlyphCount; i++)
        {
            bool usesColumn7 = false;
            foreach (byte row in Glyph(i))
            {
                usesColumn7 |= (row & 1) != 0;
            }

            Assert.True(usesColumn7 == (i == '_' - 0x20), Name(i));
        }
    }

    [Fact]
    public void OnlyDescendersReachBelowTheBaseline()
    {
        const string descenders = "gjpqy,;Q_|";
        for (int i = 0; i < Font8x16.GlyphCount; i++)
        {
            ReadOnlySpan<byte> g = Glyph(i);
            bool below = (g[13] | g[14] | g[15]) != 0;
            bool isDescender = i < 95 && descenders.Contains((char)(i + 0x20));
            Assert.True(below == isDescender, $"{Name(i)} below baseline={below}");
        }
    }

    [Fact]
    public void LowercaseDescendersActuallyDescend()
    {
        foreach (char c in "gjpqy")
        {
            ReadOnlySpan<byte> g = Glyph(c - 0x20);
            Assert.True(g[13] != 0 && g[14] != 0, $"'{c}'");
        }
    }

    [Fact]
    public void GlyphOffsetMapsEverythingElseToTheReplacement()
    {
        Assert.Equal(0, Font8x16.GlyphOffset((byte)' '));
        Assert.Equal(('A' - 0x20) * 16, Font8x16.GlyphOffset((byte)'A'));
        Assert.Equal(94 * 16, Font8x16.GlyphOffset((byte)'~'));
        foreach (byte b in new byte[] { 0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xFF })
        {
            Assert.Equal(Font8x16.ReplacementIndex * 16, Font8x16.GlyphOffset(b));
        }
    }

    [Fact]
    public void DumpSheet()
    {
        // Not an assertion: prints the font as text for review (dotnet test --logger "console;verbosity=detailed").
        var sb = new StringBuilder();
        for (int first = 0; first < Font8x16.GlyphCount; first += 16)
        {
            int last = Math.Min(first + 16, Font8x16.GlyphCount);
            for (int y = 0; y < 16; y++)
            {
                for (int i = first; i < last; i++)
                {
                    for (int x = 0; x < 8; x++)
                    {
                        sb.Append((Glyph(i)[y] & (0x80 >> x)) != 0 ? '#' : '.');
                    }

                    sb.Append(' ');
                }

                sb.AppendLine();
            }

            sb.AppendLine();
        }

        _output.WriteLine(sb.ToString());
    }
}
