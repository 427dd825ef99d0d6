namespace Aurora.Kernel.Drivers.Console;

/// <summary>What one input byte asks a text console to do.</summary>
public enum ConsoleAction : byte
{
    /// <summary>Nothing visible: part of an escape sequence or UTF-8 code point, or an ignored control.</summary>
    None,

    /// <summary>Draw the byte itself, printable ASCII 0x20..0x7E.</summary>
    Glyph,

    /// <summary>Draw the replacement glyph: the byte starts a non-ASCII character.</summary>
    Replacement,

    LineFeed,
    CarriageReturn,
    Tab,
    Backspace,

    /// <summary>An SGR sequence ended: re-read <see cref="ConsoleInputDecoder.ForegroundIndex"/> and <see cref="ConsoleInputDecoder.BackgroundIndex"/>.</summary>
    AttributesChanged,
}

/// <summary>
/// Turns the console byte stream (ASCII or UTF-8 text with embedded ANSI escapes) into console
/// actions, so every console interprets its input the same way and differs only in drawing.
/// The zero value is ready to use.
/// </summary>
public struct ConsoleInputDecoder
{
    private AnsiSgrParser _ansi;
    private Utf8CharacterTracker _utf8;

    /// <summary>ANSI colour index 0..15 of the current foreground (bold applied).</summary>
    public int ForegroundIndex => _ansi.ForegroundIndex;

    /// <summary>ANSI colour index 0..15 of the current background.</summary>
    public int BackgroundIndex => _ansi.BackgroundIndex;

    public void Reset()
    {
        _ansi.Reset();
        _utf8.Reset();
    }

    public ConsoleAction Decode(byte b)
    {
        AnsiFeedResult escape = _ansi.Feed(b);
        if (escape != AnsiFeedResult.Text)
        {
            _utf8.Reset();
            return escape == AnsiFeedResult.AttributesChanged ? ConsoleAction.AttributesChanged : ConsoleAction.None;
        }

        if (!_utf8.StartsCharacter(b))
        {
            return ConsoleAction.None;
        }

        if (b >= 0x20 && b <= 0x7E)
        {
            return ConsoleAction.Glyph;
        }

        if (b >= 0x80)
        {
            return ConsoleAction.Replacement;
        }

        // Remaining C0 controls (BEL, FF, …) and DEL draw nothing.
        switch (b)
        {
            case (byte)'\n':
                return ConsoleAction.LineFeed;
            case (byte)'\r':
                return ConsoleAction.CarriageReturn;
            case (byte)'\t':
                return ConsoleAction.Tab;
            case (byte)'\b':
                return ConsoleAction.Backspace;
            default:
                return ConsoleAction.None;
        }
    }
}
