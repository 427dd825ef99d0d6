using System;

namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// A text console on the 80x25 VGA text buffer (physical 0xB8000, mapped by the caller): one
/// 16-bit cell per character, character code in the low byte, attribute in the high byte (low
/// nibble foreground, high nibble background). Same control characters, ANSI colours and
/// wrapping as <see cref="FramebufferConsole"/>.
/// </summary>
/// <remarks>
/// This code does no port I/O. To move the blinking hardware cursor, pass a port-output function;
/// the console then programs the CRTC Cursor Location High/Low registers (index 0x0E/0x0F through
/// port 0x3D4, value through 0x3D5; IBM VGA Technical Reference, CRT Controller Registers),
/// once per <c>Write</c> call and only when the position changed, since every port access is a
/// VM exit under virtualisation.
/// <para>
/// Colours: ANSI index i becomes VGA colour i with its red and blue bits swapped (ANSI 1 = red,
/// VGA 1 = blue). Backgrounds are limited to the 8 dark colours, because attribute bit 7 means
/// "blink" unless the attribute controller's blink enable is cleared. Non-ASCII characters show
/// as code page 437 0xFE, a small square.
/// </para>
/// <para>
/// The zero value is an uninitialised console that ignores writes.
/// </para>
/// </remarks>
public unsafe struct VgaTextConsole
{
    public const int TextColumns = 80;
    public const int TextRows = 25;

    public const ushort CrtcAddressPort = 0x3D4;
    public const ushort CrtcDataPort = 0x3D5;
    public const byte CursorLocationHighIndex = 0x0E;
    public const byte CursorLocationLowIndex = 0x0F;

    /// <summary>Code page 437 "■": what a non-ASCII character shows as.</summary>
    public const byte ReplacementCharacter = 0xFE;

    private ushort* _cells;
    private delegate*<ushort, byte, void> _portOut;
    private int _hardwareCursor;
    private byte _attribute;
    private TextCursor _cursor;
    private ConsoleInputDecoder _input;

    public bool IsInitialized => _cells != null;

    public int Columns => TextColumns;

    public int Rows => TextRows;

    public int CursorColumn => _cursor.Column;

    public int CursorRow => _cursor.Row;

    /// <summary>Attribute byte given to the next character: background &lt;&lt; 4 | foreground.</summary>
    public byte Attribute => _attribute;

    /// <summary>
    /// Takes over the text buffer at <paramref name="buffer"/> (80 × 25 cells): cursor home,
    /// default colours (light grey on black, attribute 0x07). The screen keeps its contents until
    /// <see cref="Clear"/>.
    /// </summary>
    /// <param name="buffer">The 80 × 25 cells, i.e. physical 0xB8000 through the kernel's mapping.</param>
    /// <param name="portOut">Writes a byte to an I/O port, or null to leave the hardware cursor alone.</param>
    public ConsoleStatus Initialize(ushort* buffer, delegate*<ushort, byte, void> portOut = null)
    {
        _cells = buffer;
        if (buffer == null)
        {
            return ConsoleStatus.NullBuffer;
        }

        _portOut = portOut;
        _hardwareCursor = -1;
        _cursor.Initialize(TextColumns, TextRows);
        _input.Reset();
        UpdateAttribute();
        SyncHardwareCursor();
        return ConsoleStatus.Ok;
    }

    public void Write(byte c)
    {
        if (_cells != null)
        {
            Put(c);
            SyncHardwareCursor();
        }
    }

    public void Write(ReadOnlySpan<byte> text)
    {
        if (_cells == null)
        {
            return;
        }

        for (int i = 0; i < text.Length; i++)
        {
            Put(text[i]);
        }

        SyncHardwareCursor();
    }

    /// <summary>Fills the screen with blanks in the current colours and homes the cursor.</summary>
    public void Clear()
    {
        if (_cells == null)
        {
            return;
        }

        FillCells(_cells, TextColumns * TextRows);
        _cursor.Home();
        SyncHardwareCursor();
    }

    private void Put(byte c)
    {
        switch (_input.Decode(c))
        {
            case ConsoleAction.Glyph:
                PutCharacter(c);
                break;
            case ConsoleAction.Replacement:
                PutCharacter(ReplacementCharacter);
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
                UpdateAttribute();
                break;
        }
    }

    private void PutCharacter(byte character)
    {
        if (_cursor.BeginGlyph())
        {
            ScrollUp();
        }

        _cells[_cursor.Row * TextColumns + _cursor.Column] = Cell(character);
        _cursor.EndGlyph();
    }

    private void ScrollUp()
    {
        const int movedCells = TextColumns * (TextRows - 1);
        ConsoleMemory.CopyForward((byte*)_cells, (byte*)(_cells + TextColumns), movedCells * sizeof(ushort));
        FillCells(_cells + movedCells, TextColumns);
    }

    private void FillCells(ushort* first, int count)
    {
        ulong blanks = Cell((byte)' ') * 0x0001_0001_0001_0001UL;
        ConsoleMemory.FillPattern((byte*)first, (nuint)(count * sizeof(ushort)), blanks, blanks, blanks);
    }

    private ushort Cell(byte character) => (ushort)(character | (_attribute << 8));

    private void UpdateAttribute()
    {
        int foreground = VgaColour(_input.ForegroundIndex);
        int background = VgaColour(_input.BackgroundIndex) & 7;
        _attribute = (byte)((background << 4) | foreground);
    }

    /// <summary>ANSI colour index to VGA colour index: swap the red (ANSI bit 0) and blue (bit 2) bits.</summary>
    private static int VgaColour(int ansi) => (ansi & 0b1010) | ((ansi & 1) << 2) | ((ansi >> 2) & 1);

    private void SyncHardwareCursor()
    {
        if (_portOut == null)
        {
            return;
        }

        int position = _cursor.Row * TextColumns + _cursor.Column;
        if (position == _hardwareCursor)
        {
            return;
        }

        _hardwareCursor = position;
        _portOut(CrtcAddressPort, CursorLocationLowIndex);
        _portOut(CrtcDataPort, (byte)position);
        _portOut(CrtcAddressPort, CursorLocationHighIndex);
        _portOut(CrtcDataPort, (byte)(position >> 8));
    }
}
