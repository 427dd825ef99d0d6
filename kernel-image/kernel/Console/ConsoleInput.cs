using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Terminals;

namespace Aurora.Kernel.Console;

/// <summary>
/// The serial line's input: the UART's receive interrupt (Hal.SerialConsole: COM1's IRQ 4, the
/// PL011's SPI) drains its FIFO into ttyS0
/// (Terminals/), whose line discipline edits, echoes and wakes the readers. Nothing runs while
/// no key is typed. The reader calls below are ttyS0's canonical read for kernel code (tests).
/// </summary>
internal static unsafe class ConsoleInput
{
    /// <summary>Receive interrupts handled (for tests: none while nothing is typed).</summary>
    internal static ulong Interrupts;

    /// <summary>Readers woken by input that became readable (for tests).</summary>
    internal static ulong ReaderWakeups => TerminalDevices.Serial->ReaderWakeups;

    /// <summary>At boot, with the scheduler running and interrupts still off: the terminals,
    /// then the UART interrupts on received data from now on; what arrived before is taken now.</summary>
    internal static void Initialize()
    {
        TerminalDevices.Initialize();
        if (!SerialConsole.Present()) return;
        if (!InterruptController.Register(SerialConsole.ReceiveInterrupt(), &OnSerialInterrupt, null!))
            Panic.Fail("console input: the serial interrupt line could not be registered");
        SerialConsole.EnableReceiveInterrupt();
        Drain();
    }

    /// <summary>The UART's receive interrupt (the general device-interrupt registry): the UART
    /// is the only device on its line.</summary>
    private static bool OnSerialInterrupt(object context)
    {
        Interrupts++;
        Drain();
        return true;
    }

    /// <summary>Moves what the UART received into ttyS0, until its FIFO is empty (the
    /// interrupt is edge-triggered at the PIC: a byte left behind would raise no new edge).
    /// Interrupts off.</summary>
    private static void Drain()
    {
        while (SerialConsole.TryRead(out byte c)) Terminal.Receive(TerminalDevices.Serial, new ReadOnlySpan<byte>(&c, 1));
    }

    /// <summary>A kernel reader's wait on ttyS0: joins the readers before it tries
    /// <see cref="TryRead"/>; then <see cref="SleepReader"/> or <see cref="CancelReader"/>.</summary>
    internal static void PrepareReader() => TerminalDevices.Serial->Readers.Prepare(interruptible: true);

    internal static void SleepReader() => TerminalDevices.Serial->Readers.Sleep(Tasks.WaitQueue.Forever);

    internal static void CancelReader() => TerminalDevices.Serial->Readers.Cancel();

    /// <summary>Readers asleep now (for tests).</summary>
    internal static int SleepingReaders => TerminalDevices.Serial->Readers.Count;

    /// <summary>One complete line of typed input; 0 at end of file; -1 when none is complete yet.</summary>
    internal static int TryRead(Span<byte> destination) => Terminal.TryReadLine(TerminalDevices.Serial, destination);
}
