namespace Aurora.Runtime.Text;

/// <summary>Integer to ASCII text, into a caller's buffer (no allocation): what kernel
/// consoles and panic reports need. Returns the number of bytes written, or 0 if the buffer
/// is too small.</summary>
public static class IntegerFormatter
{
    /// <summary>Longest output: "-9223372036854775808" is 20 bytes.</summary>
    public const int MaxDecimalLength = 20;

    /// <summary>Writes <paramref name="value"/> in decimal ASCII, with a leading '-' when negative,
    /// to the start of <paramref name="destination"/>; the bytes written, or 0 (nothing written)
    /// when it does not fit.</summary>
    public static int FormatDecimal(long value, System.Span<byte> destination)
    {
        if (value >= 0) return FormatDecimal((ulong)value, destination);
        if (destination.Length < 2) return 0;
        // Negate in unsigned arithmetic so long.MinValue works.
        int written = FormatDecimal(0UL - (ulong)value, destination.Slice(1));
        if (written == 0) return 0;
        destination[0] = (byte)'-';
        return written + 1;
    }

    /// <summary>Writes <paramref name="value"/> in decimal ASCII to the start of <paramref
    /// name="destination"/>; the bytes written, or 0 (nothing written) when it does not
    /// fit.</summary>
    public static int FormatDecimal(ulong value, System.Span<byte> destination)
    {
        int digits = 1;
        for (ulong v = value; v >= 10; v /= 10) digits++;
        if (digits > destination.Length) return 0;
        for (int i = digits - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
        return digits;
    }

    /// <summary>Lower-case hexadecimal without prefix, at least <paramref name="minDigits"/>
    /// digits (zero-padded), at most 16.</summary>
    public static int FormatHex(ulong value, System.Span<byte> destination, int minDigits = 1)
    {
        int digits = 1;
        for (ulong v = value; v >= 16; v >>= 4) digits++;
        if (minDigits > 16) minDigits = 16;
        if (digits < minDigits) digits = minDigits;
        if (digits > destination.Length) return 0;
        for (int i = digits - 1; i >= 0; i--)
        {
            int nibble = (int)(value & 0xF);
            destination[i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            value >>= 4;
        }
        return digits;
    }
}
