using System;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// A text console drawn with <see cref="Font8x16"/> into a linear framebuffer: 8x16 pixel cells
/// from the top-left corner, ANSI colours, scrolling. Pure memory access; the caller maps the
/// framebuffer and hands over its address.
/// </summary>
/// <remarks>
/// The pixel format is given as the bootloader reports it: bits per pixel and, per colour, the
/// shift and size of its bit field (Limine framebuffer request: <c>red_mask_shift</c>,
/// <c>red_mask_size</c>, …; Multiboot2 framebuffer tag, colour type 1:
/// <c>framebuffer_red_field_position</c>, <c>framebuffer_red_mask_size</c>, …). Pixels of 16, 24
/// and 32 bits are supported, stored little-endian.
/// <para>
/// Control characters: '\n' starts the next line (carriage return included), '\r', '\t' (next
/// multiple of 8), '\b' (one column left, no erase); see <see cref="TextCursor"/> for wrapping.
/// Escape sequences: see <see cref="AnsiSgrParser"/>. Scrolling and <see cref="Clear"/> paint
/// with the current background colour, like a VT terminal with background colour erase.
/// Pixel rows below the last whole text row and bytes of each row beyond the visible width are
/// never written, except that <see cref="Clear"/> paints every visible pixel.
/// </para>
/// <para>
/// The zero value is an uninitialised console that ignores writes.
/// </para>
/// </remarks>
public unsafe struct FramebufferConsole
{
    private const int CellWidth = Font8x16.Width;
    private const int CellHeight = Font8x16.Height;
    private const int MaxChannelSize = 16;

    private byte* _buffer;
    private int _width;
    private int _height;
    private int _pitch;
    private int _bytesPerPixel;
    private int _columns;
    private int _rows;

    private int _redShift;
    private int _redSize;
    private int _greenShift;
    private int _greenSize;
    private int _blueShift;
    private int _blueSize;

    private uint _foregroundPixel;
    private uint _backgroundPixel;

    // For 32-bit pixels: a glyph row is drawn as four ulong stores, each covering two pixels,
    // picked by two bits of the glyph row (bit 1 = left pixel, at the lower address).
    private fixed ulong _pixelPairs[4];

    private TextCursor _cursor;
    private ConsoleInputDecoder _input;

    public bool IsInitialized => _buffer != null;

    /// <summary>The same framebuffer seen at a new address (the kernel remaps it when it moves
    /// to its own page tables); cursor, colours and contents stay as they are.</summary>
    public void Relocate(byte* address)
    {
        if (_buffer != null && address != null) _buffer = address;
    }

    public int Columns => _columns;

    public int Rows => _rows;

    public int CursorColumn => _cursor.Column;

    public int CursorRow => _cursor.Row;

    /// <summary>
    /// Takes over the framebuffer at <paramref name="address"/>: cursor home, default colours.
    /// The screen keeps its current contents until <see cref="Clear"/>. On failure the console is
    /// left uninitialised and ignores writes.
    /// </summary>
    /// <param name="address">First byte of the top-left pixel, mapped writable.</param>
    /// <param name="width">Visible width in pixels; the console uses width / 8 columns.</param>
    /// <param name="height">Visible height in pixels; the console uses height / 16 rows.</param>
    /// <param name="pitch">Bytes from one pixel row to the next; at least width × bytes per pixel.</param>
    /// <param name="bitsPerPixel">16, 24 or 32.</param>
    /// <param name="redShift">Bit position of the red field in a pixel.</param>
    /// <param name="redSize">Width in bits of the red field, 0..16.</param>
    /// <param name="greenShift">Bit position of the green field.</param>
    /// <param name="greenSize">Width in bits of the green field, 0..16.</param>
    /// <param name="blueShift">Bit position of the blue field.</param>
    /// <param name="blueSize">Width in bits of the blue field, 0..16.</param>
    public ConsoleStatus Initialize(
        byte* address,
        int width,
        int height,
        int pitch,
        int bitsPerPixel,
        int redShift,
        int redSize,
        int greenShift,
        int greenSize,
        int blueShift,
        int blueSize)
    {
        _buffer = null;
        if (address == null)
        {
            return ConsoleStatus.NullBuffer;
        }

        if ((bitsPerPixel != 16 && bitsPerPixel != 24 && bitsPerPixel != 32)
            || !ChannelFits(redShift, redSize, bitsPerPixel)
            || !ChannelFits(greenShift, greenSize, bitsPerPixel)
            || !ChannelFits(blueShift, blueSize, bitsPerPixel))
        {
            return ConsoleStatus.UnsupportedPixelFormat;
        }

        if (width < CellWidth || height < CellHeight)
        {
            return ConsoleStatus.TooSmall;
        }

        int bytesPerPixel = bitsPerPixel / 8;
        if (pitch < (long)width * bytesPerPixel)
        {
            return ConsoleStatus.PitchTooSmall;
        }

        _buffer = address;
        _width = width;
        _height = height;
        _pitch = pitch;
        _bytesPerPixel = bytesPerPixel;
        _columns = width / CellWidth;
        _rows = height / CellHeight;
        _redShift = redShift;
        _redSize = redSize;
        _greenShift = greenShift;
        _greenSize = greenSize;
        _blueShift = blueShift;
        _blueSize = blueSize;

        _cursor.Initialize(_columns, _rows);
        _input.Reset();
        UpdateColours();
        return ConsoleStatus.Ok;
    }

    public void Write(byte c)
    {
        if (_buffer != null)
        {
            Put(c);
        }
    }

    public void Write(ReadOnlySpan<byte> text)
    {
        if (_buffer == null)
        {
            return;
        }

        for (int i = 0; i < text.Length; i++)
        {
            Put(text[i]);
        }
    }

    /// <summary>Paints every visible pixel with the current background colour and homes the cursor.</summary>
    public void Clear()
    {
        if (_buffer == null)
        {
            return;
        }

        FillPixelRows(0, _height);
        _cursor.Home();
    }

    /// <summary>Converts a 0xRRGGBB colour to this framebuffer's pixel value.</summary>
    public uint PixelFromRgb(uint rgb)
    {
        return Channel((rgb >> 16) & 0xFF, _redShift, _redSize)
            | Channel((rgb >> 8) & 0xFF, _greenShift, _greenSize)
            | Channel(rgb & 0xFF, _blueShift, _blueSize);
    }

    private void Put(byte c)
    {
        switch (_input.Decode(c))
        {
            case ConsoleAction.Glyph:
                PutGlyph(Font8x16.GlyphOffset(c));
                break;
            case ConsoleAction.Replacement:
                PutGlyph(Font8x16.ReplacementIndex * Font8x16.BytesPerGlyph);
                break;
            case ConsoleAction.LineFeed:
                if (_cursor.LineFeed())
                {
                    ScrollUp();
                }

                break;
            case ConsoleAction.CarriageReturn:
                _cursor.CarriageReturn();
                break;
            case ConsoleAction.Tab:
                _cursor.Tab();
                break;
            case ConsoleAction.Backspace:
                _cursor.Backspace();
                break;
            case ConsoleAction.AttributesChanged:
                UpdateColours();
                break;
        }
    }

    private void PutGlyph(int glyphOffset)
    {
        if (_cursor.BeginGlyph())
        {
            ScrollUp();
        }

        DrawGlyph(_cursor.Column, _cursor.Row, glyphOffset);
        _cursor.EndGlyph();
    }

    private void DrawGlyph(int column, int row, int glyphOffset)
    {
        ReadOnlySpan<byte> glyph = Font8x16.Glyphs.Slice(glyphOffset, Font8x16.BytesPerGlyph);
        byte* line = _buffer
            + (nint)row * CellHeight * _pitch
            + (nint)column * CellWidth * _bytesPerPixel;

        if (_bytesPerPixel == 4)
        {
            for (int y = 0; y < CellHeight; y++)
            {
                int bits = glyph[y];
                Unsafe.WriteUnaligned(line, _pixelPairs[bits >> 6]);
                Unsafe.WriteUnaligned(line + 8, _pixelPairs[(bits >> 4) & 3]);
                Unsafe.WriteUnaligned(line + 16, _pixelPairs[(bits >> 2) & 3]);
                Unsafe.WriteUnaligned(line + 24, _pixelPairs[bits & 3]);
                line += _pitch;
            }

            return;
        }

        for (int y = 0; y < CellHeight; y++)
        {
            int bits = glyph[y];
            byte* pixel = line;
            for (int x = 0; x < CellWidth; x++)
            {
                StorePixel(pixel, (bits & (0x80 >> x)) != 0 ? _foregroundPixel : _backgroundPixel);
                pixel += _bytesPerPixel;
            }

            line += _pitch;
        }
    }

    /// <summary>Moves every text row but the first up one text row and paints the last one.</summary>
    private void ScrollUp()
    {
        nuint rowBytes = (nuint)_width * (nuint)_bytesPerPixel;
        int movedPixelRows = (_rows - 1) * CellHeight;
        byte* source = _buffer + (nint)CellHeight * _pitch;

        if ((nuint)_pitch == rowBytes)
        {
            ConsoleMemory.CopyForward(_buffer, source, rowBytes * (nuint)movedPixelRows);
        }
        else
        {
            for (int y = 0; y < movedPixelRows; y++)
            {
                nint offset = (nint)y * _pitch;
                ConsoleMemory.CopyForward(_buffer + offset, source + offset, rowBytes);
            }
        }

        FillPixelRows(movedPixelRows, CellHeight);
    }

    private void FillPixelRows(int firstRow, int count)
    {
        BackgroundPattern(out ulong p0, out ulong p1, out ulong p2);
        nuint rowBytes = (nuint)_width * (nuint)_bytesPerPixel;
        byte* start = _buffer + (nint)firstRow * _pitch;

        // The pattern holds identical pixels, so a fill across rows stays pixel-aligned.
        if ((nuint)_pitch == rowBytes)
        {
            ConsoleMemory.FillPattern(start, rowBytes * (nuint)count, p0, p1, p2);
            return;
        }

        for (int y = 0; y < count; y++)
        {
            ConsoleMemory.FillPattern(start + (nint)y * _pitch, rowBytes, p0, p1, p2);
        }
    }

    /// <summary>24 bytes of background pixels, as three little-endian ulongs.</summary>
    private void BackgroundPattern(out ulong p0, out ulong p1, out ulong p2)
    {
        p0 = 0;
        p1 = 0;
        p2 = 0;
        for (int i = 0; i < 24; i++)
        {
            ulong b = (byte)(_backgroundPixel >> (8 * (i % _bytesPerPixel)));
            int shift = 8 * (i % 8);
            if (i < 8)
            {
                p0 |= b << shift;
            }
            else if (i < 16)
            {
                p1 |= b << shift;
            }
            else
            {
                p2 |= b << shift;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StorePixel(byte* pixel, uint value)
    {
        if (_bytesPerPixel == 3)
        {
            pixel[0] = (byte)value;
            pixel[1] = (byte)(value >> 8);
            pixel[2] = (byte)(value >> 16);
        }
        else if (_bytesPerPixel == 2)
        {
            Unsafe.WriteUnaligned(pixel, (ushort)value);
        }
        else
        {
            Unsafe.WriteUnaligned(pixel, value);
        }
    }

    private void UpdateColours()
    {
        _foregroundPixel = PixelFromRgb(AnsiPaletteRgb(_input.ForegroundIndex));
        _backgroundPixel = PixelFromRgb(AnsiPaletteRgb(_input.BackgroundIndex));

        ulong fg = _foregroundPixel;
        ulong bg = _backgroundPixel;
        _pixelPairs[0] = bg | (bg << 32);
        _pixelPairs[1] = bg | (fg << 32);
        _pixelPairs[2] = fg | (bg << 32);
        _pixelPairs[3] = fg | (fg << 32);
    }

    private static bool ChannelFits(int shift, int size, int bitsPerPixel)
    {
        return shift >= 0 && size >= 0 && size <= MaxChannelSize && shift + size <= bitsPerPixel;
    }

    /// <summary>Scales an 8-bit channel value to <paramref name="size"/> bits and moves it into place.</summary>
    private static uint Channel(uint value, int shift, int size)
    {
        if (size == 0)
        {
            return 0;
        }

        // Wider than 8 bits: repeat the top bits below so that 0xFF becomes all ones.
        uint scaled = size <= 8 ? value >> (8 - size) : (value << (size - 8)) | (value >> (16 - size));
        return scaled << shift;
    }

    // The 16 ANSI colours as 0xRRGGBB, in the VGA palette's shades so both consoles look alike:
    // black, red, green, yellow (VGA brown), blue, magenta, cyan, white, then the bright set.
    private static ReadOnlySpan<byte> AnsiPalette => new byte[]
    {
        0x00, 0x00, 0x00,
        0xAA, 0x00, 0x00,
        0x00, 0xAA, 0x00,
        0xAA, 0x55, 0x00,
        0x00, 0x00, 0xAA,
        0xAA, 0x00, 0xAA,
        0x00, 0xAA, 0xAA,
        0xAA, 0xAA, 0xAA,
        0x55, 0x55, 0x55,
        0xFF, 0x55, 0x55,
        0x55, 0xFF, 0x55,
        0xFF, 0xFF, 0x55,
        0x55, 0x55, 0xFF,
        0xFF, 0x55, 0xFF,
        0x55, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF,
    };

    /// <summary>0xRRGGBB of ANSI colour <paramref name="index"/> (0..15).</summary>
    public static uint AnsiPaletteRgb(int index)
    {
        ReadOnlySpan<byte> palette = AnsiPalette;
        int i = (index & 15) * 3;
        return ((uint)palette[i] << 16) | ((uint)palette[i + 1] << 8) | palette[i + 2];
    }
}
