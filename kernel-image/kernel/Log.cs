using System;
using Aurora.Runtime.Text;

namespace Aurora.Kernel;

/// <summary>
/// Kernel text output: every byte goes to the serial console (Hal.SerialConsole: COM1, the PL011) and to the screen console in use (framebuffer or
/// VGA text). Colours are ANSI SGR sequences, which serial terminals show and the screen
/// consoles interpret, so one stream serves both.
/// </summary>
internal static unsafe class Log
{
    private static delegate*<byte, void> s_screen;

    internal const string Reset = "\u001b[0m";
    internal const string Green = "\u001b[32m";
    internal const string Red = "\u001b[31m";
    internal const string Yellow = "\u001b[33m";
    internal const string Cyan = "\u001b[36m";
    internal const string Bold = "\u001b[1m";

    internal static void InitializeSerial() => Hal.SerialConsole.Initialize();

    internal static bool SerialPresent => Hal.SerialConsole.Present();

    internal static void AttachScreen(delegate*<byte, void> screen) => s_screen = screen;

    internal static void DetachScreen() => s_screen = null;

    /// <summary>The kernel option <c>log-tsc</c>: each line on the serial console starts with
    /// the cycle counter ("@N "). Under QEMU with <c>-icount shift=0</c> that is the guest's
    /// instructions since reset, free of the host's load: <c>./aurora measure</c> times the
    /// boot's stages with it (docs/performance.md, "Boot time").</summary>
    internal static bool StampLines;

    private static bool s_atLineStart = true;

    internal static void Write(byte value)
    {
        // Threads are preempted: one character at a time, the consoles' state stays whole.
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        if (StampLines && s_atLineStart) WriteStamp();
        s_atLineStart = value == (byte)'\n';
        if (value == (byte)'\n') Hal.SerialConsole.Write((byte)'\r');
        Hal.SerialConsole.Write(value);
        if (s_screen != null) s_screen(value);
        KernelLog.Record(value); // for dmesg (syslog(2))
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    private static void WriteStamp()
    {
        byte* buffer = stackalloc byte[IntegerFormatter.MaxDecimalLength];
        int length = IntegerFormatter.FormatDecimal(Hal.Cpu.ReadCycleCounter(), new Span<byte>(buffer, IntegerFormatter.MaxDecimalLength));
        Hal.SerialConsole.Write((byte)'@');
        for (int i = 0; i < length; i++) Hal.SerialConsole.Write(buffer[i]);
        Hal.SerialConsole.Write((byte)' ');
    }

    /// <summary>One byte to the serial console as it is (a terminal's line discipline did the
    /// newline translation). Interrupts off.</summary>
    internal static void WriteSerialRaw(byte value) => Hal.SerialConsole.Write(value);

    /// <summary>One byte to the screen console only (the screen terminal). Interrupts off.</summary>
    internal static void WriteScreen(byte value)
    {
        if (s_screen != null) s_screen(value);
    }

    internal static void Write(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            Write(c < 0x80 ? (byte)c : (byte)'?');
        }
    }

    internal static void Write(ReadOnlySpan<byte> text)
    {
        for (int i = 0; i < text.Length; i++) Write(text[i]);
    }

    /// <summary>A NUL-terminated string from the boot loader (bounded).</summary>
    internal static void WriteCString(byte* text, int maxLength = 256)
    {
        if (text == null) { Write("(none)"); return; }
        for (int i = 0; i < maxLength && text[i] != 0; i++) Write(text[i]);
    }

    internal static void WriteLine(string text)
    {
        Write(text);
        Write((byte)'\n');
    }

    internal static void WriteLine() => Write((byte)'\n');

    internal static void WriteDecimal(long value)
    {
        byte* buffer = stackalloc byte[IntegerFormatter.MaxDecimalLength];
        int length = IntegerFormatter.FormatDecimal(value, new Span<byte>(buffer, IntegerFormatter.MaxDecimalLength));
        Write(new ReadOnlySpan<byte>(buffer, length));
    }

    internal static void WriteDecimal(ulong value)
    {
        byte* buffer = stackalloc byte[IntegerFormatter.MaxDecimalLength];
        int length = IntegerFormatter.FormatDecimal(value, new Span<byte>(buffer, IntegerFormatter.MaxDecimalLength));
        Write(new ReadOnlySpan<byte>(buffer, length));
    }

    /// <summary>"0x" and lower-case hex, zero-padded to <paramref name="digits"/>.</summary>
    internal static void WriteHex(ulong value, int digits = 1)
    {
        byte* buffer = stackalloc byte[16];
        int length = IntegerFormatter.FormatHex(value, new Span<byte>(buffer, 16), digits);
        Write("0x");
        Write(new ReadOnlySpan<byte>(buffer, length));
    }
}
