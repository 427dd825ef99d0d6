using System;

namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// Cursor position and the movement rules every text console shares: line feed, carriage
/// return, tab, backspace, and wrapping at the right edge. The console owns the drawing and
/// scrolling; the cursor only tells it when a scroll is due.
/// </summary>
/// <remarks>
/// Wrapping is deferred as on a VT100 (and the Linux console, and xterm): a glyph drawn in the
/// last column leaves the cursor there with a wrap pending, and only the next glyph moves to the
/// next line. A line of exactly <c>columns</c> characters followed by '\n' therefore does not
/// leave an empty line behind, and the bottom-right cell can be written without scrolling.
/// </remarks>
public struct TextCursor
{
    private const int TabWidth = 8;

    private int _columns;
    private int _rows;
    private int _column;
    private int _row;
    private bool _wrapPending;

    public int Column => _column;

    public int Row => _row;

    /// <summary>True after a glyph landed in the last column and before anything moved the cursor.</summary>
    public bool WrapPending => _wrapPending;

    public void Initialize(int columns, int rows)
    {
        _columns = columns;
        _rows = rows;
        Home();
    }

    public void Home()
    {
        _column = 0;
        _row = 0;
        _wrapPending = false;
    }

    /// <summary>
    /// Moves to the start of the next line ('\n' also returns the carriage: kernel text uses bare
    /// LF line ends). Returns true when the cursor is on the last row and the caller must scroll
    /// the screen up one line; the cursor then stays on the last row.
    /// </summary>
    public bool LineFeed()
    {
        _column = 0;
        _wrapPending = false;
        if (_row + 1 < _rows)
        {
            _row++;
            return false;
        }

        return true;
    }

    public void CarriageReturn()
    {
        _column = 0;
        _wrapPending = false;
    }

    /// <summary>To the next multiple of 8, or the last column if there is none on this line.</summary>
    public void Tab()
    {
        if (!_wrapPending)
        {
            _column = Math.Min((_column + TabWidth) & ~(TabWidth - 1), _columns - 1);
        }
    }

    /// <summary>
    /// One column left, stopping at column 0. With a wrap pending it only cancels the wrap: the
    /// cursor is still on the last glyph drawn, so "\b \b" erases that glyph as it does elsewhere.
    /// </summary>
    public void Backspace()
    {
        if (_wrapPending)
        {
            _wrapPending = false;
        }
        else if (_column > 0)
        {
            _column--;
        }
    }

    /// <summary>
    /// Call before drawing a glyph at (<see cref="Column"/>, <see cref="Row"/>): carries out a
    /// pending wrap. Returns true when that wrap needs the caller to scroll first.
    /// </summary>
    public bool BeginGlyph() => _wrapPending && LineFeed();

    /// <summary>Call after drawing a glyph: advances, or sets the pending wrap in the last column.</summary>
    public void EndGlyph()
    {
        if (_column + 1 < _columns)
        {
            _column++;
        }
        else
        {
            _wrapPending = true;
        }
    }
}
