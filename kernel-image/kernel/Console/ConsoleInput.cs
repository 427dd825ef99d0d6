using System;

namespace Aurora.Kernel.Console;

/// <summary>
/// Keyboard input from the serial console (COM1) for user programs reading descriptor 0: the
/// UART is drained every timer tick into a line buffer with a small line discipline (echo,
/// backspace, carriage return as newline, Ctrl-D as end of file on an empty line), and a read
/// gets one complete line. Polling instead of the UART interrupt: a tick is 1 ms, the UART
/// has a 16-byte FIFO, and QEMU holds further input back until the FIFO has room.
/// </summary>
internal static unsafe class ConsoleInput
{
    private const int Capacity = 1024;

    private struct Buffer
    {
        public fixed byte Bytes[Capacity];
    }

    // Bytes of the line being typed, then complete lines ready for readers.
    private static Buffer s_line;
    private static int s_lineLength;
    private static Buffer s_ready;
    private static int s_readyLength;
    private static bool s_endOfFile;

    /// <summary>Timer tick (interrupts off): moves what the UART received through the line
    /// discipline.</summary>
    internal static void Poll()
    {
        while (Log.TryReadSerial(out byte c))
        {
            if (c == (byte)'\r') c = (byte)'\n';
            if (c == 0x7F || c == 0x08)
            {
                if (s_lineLength > 0)
                {
                    s_lineLength--;
                    Log.Write("\b \b");
                }

                continue;
            }

            if (c == 0x04)
            {
                if (s_lineLength == 0) s_endOfFile = true;
                else Commit();
                continue;
            }

            if (c != (byte)'\n' && (c < 0x20 || c > 0x7E)) continue;
            if (s_lineLength < Capacity - 1) s_line.Bytes[s_lineLength++] = c;
            Log.Write(c);
            if (c == (byte)'\n') Commit();
        }
    }

    private static void Commit()
    {
        int room = Capacity - s_readyLength;
        int n = Math.Min(room, s_lineLength);
        for (int i = 0; i < n; i++) s_ready.Bytes[s_readyLength + i] = s_line.Bytes[i];
        s_readyLength += n;
        s_lineLength = 0;
    }

    /// <summary>Up to one line (or what fits) of typed input; 0 at end of file; -1 when
    /// nothing is ready yet (the caller waits and tries again).</summary>
    internal static int TryRead(Span<byte> destination)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        int result;
        if (s_readyLength == 0)
        {
            result = s_endOfFile ? 0 : -1;
            s_endOfFile = false;
        }
        else
        {
            int n = 0;
            while (n < destination.Length && n < s_readyLength)
            {
                destination[n] = s_ready.Bytes[n];
                n++;
                if (destination[n - 1] == (byte)'\n') break;
            }

            for (int i = n; i < s_readyLength; i++) s_ready.Bytes[i - n] = s_ready.Bytes[i];
            s_readyLength -= n;
            result = n;
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        return result;
    }
}
