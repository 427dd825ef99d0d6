namespace Aurora.Kernel;

/// <summary>The bring-up kernel's log: every line to the PL011 UART. (The portable kernel's
/// Log, kernel/Log.cs, is not in the aarch64 build yet; the names match so the shared
/// generated sources, such as BuildManifest, compile against either.)</summary>
internal static unsafe class Log
{
    internal const string Bold = "\x1b[1m", Reset = "\x1b[0m", Red = "\x1b[31m", Green = "\x1b[32m";

    internal static void Write(byte value)
    {
        if (value == (byte)'\n') Arch.Aarch64.Pl011.Write((byte)'\r');
        Arch.Aarch64.Pl011.Write(value);
    }

    internal static void Write(string text)
    {
        for (int i = 0; i < text.Length; i++) Write((byte)text[i]);
    }

    internal static void WriteLine(string text)
    {
        Write(text);
        Write((byte)'\n');
    }

    internal static void WriteLine() => Write((byte)'\n');

    /// <summary>A NUL-terminated UTF-16 string (UEFI's CHAR16*), its ASCII part.</summary>
    internal static void WriteUtf16(char* text, int maxLength = 256)
    {
        for (int i = 0; i < maxLength && text[i] != 0; i++) Write(text[i] < 128 ? (byte)text[i] : (byte)'?');
    }

    internal static void WriteDecimal(ulong value)
    {
        byte* digits = stackalloc byte[20];
        int count = 0;
        do { digits[count++] = (byte)('0' + value % 10); value /= 10; } while (value != 0);
        while (count > 0) Write(digits[--count]);
    }

    internal static void WriteDecimal(long value)
    {
        if (value < 0) { Write((byte)'-'); WriteDecimal((ulong)(-value)); }
        else WriteDecimal((ulong)value);
    }

    internal static void WriteHex(ulong value, int digits = 1)
    {
        Write("0x");
        int shown = 16;
        while (shown > digits && (value >> ((shown - 1) * 4)) == 0) shown--;
        for (int i = shown - 1; i >= 0; i--) Write((byte)"0123456789abcdef"[(int)(value >> (i * 4)) & 15]);
    }
}
