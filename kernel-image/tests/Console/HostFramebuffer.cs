using System;
using System.Runtime.InteropServices;
using Aurora.Kernel.Drivers.Console;
using Xunit;

namespace Aurora.KernelImage.Tests.Console;

/// <summary>
/// A framebuffer in native memory for host tests, pre-filled with a sentinel byte so tests can
/// tell pixels the console wrote from pixels it left alone.
/// </summary>
internal sealed unsafe class HostFramebuffer : IDisposable
{
    public const byte Sentinel = 0xE5;

    public HostFramebuffer(int width, int height, int bitsPerPixel = 32, int pitchPadding = 0)
    {
        Width = width;
        Height = height;
        BitsPerPixel = bitsPerPixel;
        BytesPerPixel = bitsPerPixel / 8;
        Pitch = width * BytesPerPixel + pitchPadding;
        Size = Pitch * height;
        Address = (byte*)NativeMemory.Alloc((nuint)Size);
        new Span<byte>(Address, Size).Fill(Sentinel);
    }

    public int Width { get; }

    public int Height { get; }

    public int BitsPerPixel { get; }

    public int BytesPerPixel { get; }

    public int Pitch { get; }

    public int Size { get; }

    public byte* Address { get; private set; }

    public Span<byte> Bytes => new(Address, Size);

    /// <summary>The pixel at (x, y) as an integer of BytesPerPixel bytes, little-endian.</summary>
    public uint Pixel(int x, int y)
    {
        Assert.InRange(x, 0, Width - 1);
        Assert.InRange(y, 0, Height - 1);
        byte* p = Address + y * Pitch + x * BytesPerPixel;
        uint value = 0;
        for (int i = 0; i < BytesPerPixel; i++)
        {
            value |= (uint)p[i] << (8 * i);
        }

        return value;
    }

    /// <summary>The visible bytes (no pitch padding) of pixel rows [firstRow, firstRow + count).</summary>
    public byte[] VisibleRows(int firstRow, int count)
    {
        int rowBytes = Width * BytesPerPixel;
        var result = new byte[rowBytes * count];
        for (int y = 0; y < count; y++)
        {
            new ReadOnlySpan<byte>(Address + (firstRow + y) * Pitch, rowBytes).CopyTo(result.AsSpan(y * rowBytes));
        }

        return result;
    }

    /// <summary>True when every byte past the visible width of every row still holds the sentinel.</summary>
    public bool PaddingUntouched()
    {
        int rowBytes = Width * BytesPerPixel;
        for (int y = 0; y < Height; y++)
        {
            ReadOnlySpan<byte> padding = new(Address + y * Pitch + rowBytes, Pitch - rowBytes);
            if (padding.IndexOfAnyExcept(Sentinel) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when every byte of the cell at (column, row) still holds the sentinel.</summary>
    public bool CellUntouched(int column, int row)
    {
        for (int y = 0; y < Font8x16.Height; y++)
        {
            ReadOnlySpan<byte> line = new(
                Address + (row * Font8x16.Height + y) * Pitch + column * Font8x16.Width * BytesPerPixel,
                Font8x16.Width * BytesPerPixel);
            if (line.IndexOfAnyExcept(Sentinel) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Asserts that the cell shows <paramref name="glyph"/> (16 rows, MSB left) in the two pixel values.</summary>
    public void AssertCell(int column, int row, ReadOnlySpan<byte> glyph, uint foreground, uint background)
    {
        for (int y = 0; y < Font8x16.Height; y++)
        {
            for (int x = 0; x < Font8x16.Width; x++)
            {
                bool ink = (glyph[y] & (0x80 >> x)) != 0;
                uint expected = ink ? foreground : background;
                uint actual = Pixel(column * Font8x16.Width + x, row * Font8x16.Height + y);
                if (actual != expected)
                {
                    Assert.Fail($"cell ({column},{row}) pixel ({x},{y}): expected 0x{expected:X}, got 0x{actual:X}");
                }
            }
        }
    }

    public void AssertCell(int column, int row, char character, uint foreground, uint background)
    {
        AssertCell(column, row, GlyphOf(character), foreground, background);
    }

    public static ReadOnlySpan<byte> GlyphOf(char character)
    {
        return Font8x16.Glyphs.Slice(Font8x16.GlyphOffset((byte)character), Font8x16.BytesPerGlyph);
    }

    public static ReadOnlySpan<byte> ReplacementGlyph =>
        Font8x16.Glyphs.Slice(Font8x16.ReplacementIndex * Font8x16.BytesPerGlyph, Font8x16.BytesPerGlyph);

    public void Dispose()
    {
        if (Address != null)
        {
            NativeMemory.Free(Address);
            Address = null;
        }
    }
}
