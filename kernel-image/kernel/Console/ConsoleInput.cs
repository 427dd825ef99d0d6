using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Console;

/// <summary>
/// Keyboard input from the serial console (COM1) for user programs reading descriptor 0: the
/// UART's receive interrupt (IRQ 4) drains its FIFO into a line buffer through a small line
/// discipline (echo, backspace, carriage return as newline, Ctrl-D as end of file on an empty
/// line); a completed line (or end of file) wakes the readers sleeping on <see cref="s_readers"/>,
/// and a read gets one complete line. Nothing runs while no key is typed.
/// </summary>
internal static unsafe class ConsoleInput
{
    private const int Capacity = 1024;
    private const int SerialIrq = 4; // COM1 on the PC's legacy interrupt lines

    private struct Buffer
    {
        public fixed byte Bytes[Capacity];
    }

    // Bytes of the line being typed, then complete lines ready for readers; all of it under
    // interrupts off (the interrupt handler is the writer).
    private static Buffer s_line;
    private static int s_lineLength;
    private static Buffer s_ready;
    private static int s_readyLength;
    private static bool s_endOfFile;
    private static WaitQueue s_readers;

    /// <summary>Receive interrupts handled (for tests: none while nothing is typed).</summary>
    internal static ulong Interrupts;

    /// <summary>Readers woken by a completed line or end of file (for tests).</summary>
    internal static ulong ReaderWakeups;

    /// <summary>At boot, with the scheduler running and interrupts still off: the UART
    /// interrupts on received data from now on; what arrived before is taken now.</summary>
    internal static void Initialize()
    {
        if (!Log.SerialPresent) return;
        if (!InterruptController.Register(SerialIrq, &OnSerialInterrupt, null!))
            Panic.Fail("console input: the serial interrupt line could not be registered");
        Log.Serial.EnableReceiveInterrupt();
        Drain();
    }

    /// <summary>IRQ 4 (the general device-interrupt registry): the UART is the only device on it.</summary>
    private static bool OnSerialInterrupt(object context)
    {
        Interrupts++;
        Drain();
        return true;
    }

    /// <summary>Moves what the UART received through the line discipline, until its FIFO is
    /// empty (the interrupt is edge-triggered at the PIC: a byte left behind would raise no
    /// new edge). Interrupts off.</summary>
    private static void Drain()
    {
        bool completed = false;
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
                completed = true;
                continue;
            }

            if (c != (byte)'\n' && (c < 0x20 || c > 0x7E)) continue;
            if (s_lineLength < Capacity - 1) s_line.Bytes[s_lineLength++] = c;
            Log.Write(c);
            if (c == (byte)'\n')
            {
                Commit();
                completed = true;
            }
        }

        if (completed) ReaderWakeups += (ulong)s_readers.WakeAll();
    }

    /// <summary>read(0)'s wait: puts the caller on the readers' queue before it tries
    /// <see cref="TryRead"/>; then <see cref="SleepReader"/> or <see cref="CancelReader"/>.</summary>
    internal static void PrepareReader() => s_readers.Prepare(interruptible: true);

    internal static void SleepReader() => s_readers.Sleep(WaitQueue.Forever);

    internal static void CancelReader() => s_readers.Cancel();

    /// <summary>The readers' queue, for poll and select (Tasks/PollTable.cs).</summary>
    internal static ref WaitQueue Readers => ref s_readers;

    /// <summary>A read would not wait: a line or end of file is ready.</summary>
    internal static bool HasInput => s_readyLength > 0 || s_endOfFile;

    /// <summary>Readers asleep now (for tests).</summary>
    internal static int SleepingReaders => s_readers.Count;

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
