using System;
using Aurora.Runtime.Text;

namespace ConsumerKernel;

/// <summary>COM1 (a 16550 UART at I/O port 0x3F8), 115200 baud 8N1, polled.</summary>
internal static unsafe class Serial
{
    private const ushort Com1 = 0x3F8;

    internal static void Initialize()
    {
        Machine.Out8(Com1 + 1, 0x00);            // no interrupts
        Machine.Out8(Com1 + 3, 0x80);            // DLAB on: divisor follows
        Machine.Out8(Com1 + 0, 0x01);            // divisor 1: 115200 baud
        Machine.Out8(Com1 + 1, 0x00);
        Machine.Out8(Com1 + 3, 0x03);            // 8 data bits, no parity, 1 stop bit
        Machine.Out8(Com1 + 2, 0xC7);            // FIFOs on and cleared
    }

    internal static void Write(byte value)
    {
        while ((Machine.In8(Com1 + 5) & 0x20) == 0) { }   // line status: transmitter empty
        Machine.Out8(Com1, value);
    }

    internal static void Write(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n') Write((byte)'\r');
            Write(c < 0x80 ? (byte)c : (byte)'?');
        }
    }

    internal static void WriteLine(string text)
    {
        Write(text);
        Write("\n");
    }

    internal static void Write(ulong value)
    {
        byte* digits = stackalloc byte[IntegerFormatter.MaxDecimalLength];
        int length = IntegerFormatter.FormatDecimal(value, new Span<byte>(digits, IntegerFormatter.MaxDecimalLength));
        for (int i = 0; i < length; i++) Write(digits[i]);
    }

    internal static void WriteHex(ulong value)
    {
        byte* digits = stackalloc byte[16];
        int length = IntegerFormatter.FormatHex(value, new Span<byte>(digits, 16));
        Write("0x");
        for (int i = 0; i < length; i++) Write(digits[i]);
    }
}
