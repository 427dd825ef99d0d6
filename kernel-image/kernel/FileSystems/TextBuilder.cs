using System;

namespace Aurora.Kernel.FileSystems;

/// <summary>
/// Text appended into a caller's byte span (Linux's <c>seq_printf</c> without the format
/// string): what /proc files and link targets are made of. Output past the span's end is
/// dropped and remembered in <see cref="Overflowed"/>, so a generator never writes out of
/// bounds and never allocates.
/// </summary>
internal ref struct TextBuilder
{
    private readonly Span<byte> _buffer;
    private int _length;

    public TextBuilder(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
        Overflowed = false;
    }

    public readonly int Length => _length;

    public bool Overflowed { get; private set; }

    public readonly ReadOnlySpan<byte> Text => _buffer.Slice(0, _length);

    public void Append(byte character)
    {
        if (_length < _buffer.Length) _buffer[_length++] = character;
        else Overflowed = true;
    }

    public void Append(char character) => Append((byte)character);

    public void Append(ReadOnlySpan<byte> text)
    {
        for (int i = 0; i < text.Length; i++) Append(text[i]);
    }

    public void Append(string text)
    {
        for (int i = 0; i < text.Length; i++) Append((byte)text[i]);
    }

    /// <summary>A signed decimal number (%ld).</summary>
    public void Decimal(long value)
    {
        if (value < 0)
        {
            Append('-');
            Unsigned((ulong)(-(value + 1)) + 1);
            return;
        }

        Unsigned((ulong)value);
    }

    /// <summary>An unsigned decimal number (%lu).</summary>
    public void Unsigned(ulong value) => Unsigned(value, 0, ' ');

    /// <summary>An unsigned decimal number right-aligned in <paramref name="width"/> columns,
    /// padded with <paramref name="pad"/> (%8lu, %02lu).</summary>
    public void Unsigned(ulong value, int width, char pad = ' ')
    {
        Span<byte> digits = stackalloc byte[20];
        int count = 0;
        do
        {
            digits[count++] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
        while (value != 0);
        for (int i = count; i < width; i++) Append(pad);
        while (count > 0) Append(digits[--count]);
    }

    /// <summary>Lower-case hexadecimal with at least <paramref name="width"/> digits, zero-padded (%08lx).</summary>
    public void Hex(ulong value, int width)
    {
        int digits = 1;
        for (ulong rest = value >> 4; rest != 0; rest >>= 4) digits++;
        for (int i = digits; i < width; i++) Append('0');
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        {
            int nibble = (int)((value >> shift) & 0xF);
            Append((byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10));
        }
    }

    /// <summary>Hundredths as "S.hh" (uptime, loadavg).</summary>
    public void Hundredths(ulong hundredths)
    {
        Unsigned(hundredths / 100);
        Append('.');
        Unsigned(hundredths % 100, 2, '0');
    }
}
