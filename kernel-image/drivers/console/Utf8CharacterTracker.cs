namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// Finds where characters start in a UTF-8 byte stream, so a console that can only draw ASCII
/// shows one replacement glyph per non-ASCII code point rather than one per byte.
/// </summary>
/// <remarks>
/// Lead bytes announce their continuation bytes (RFC 3629 section 3). No validation beyond that:
/// a stray continuation byte, or an invalid lead byte (0xF8..0xFF), counts as a character of its
/// own, and a sequence cut short by an ASCII byte simply ends there. The zero value is ready.
/// </remarks>
public struct Utf8CharacterTracker
{
    private byte _continuationBytesLeft;

    /// <summary>
    /// True when <paramref name="b"/> starts a character to draw; false when it continues the
    /// current code point and must not be drawn.
    /// </summary>
    public bool StartsCharacter(byte b)
    {
        if (b < 0x80)
        {
            _continuationBytesLeft = 0;
            return true;
        }

        if (b < 0xC0)
        {
            if (_continuationBytesLeft == 0)
            {
                return true;
            }

            _continuationBytesLeft--;
            return false;
        }

        _continuationBytesLeft = b < 0xE0 ? (byte)1 : b < 0xF0 ? (byte)2 : b < 0xF8 ? (byte)3 : (byte)0;
        return true;
    }

    /// <summary>Forgets a partly seen code point (e.g. when an escape sequence interrupts it).</summary>
    public void Reset() => _continuationBytesLeft = 0;
}
