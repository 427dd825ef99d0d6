using Aurora.Kernel.Console;
using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Types "hi" and Enter on the serial console for the tests of console input. Through the
/// UART's internal loopback where it has one (the 16550: the bytes never leave the machine);
/// otherwise the host types them: the PL011 of the QEMU this project runs (7.2) ignores
/// UARTCR.LBE, so the line "[console] type hi for NAME" asks, and the host's driver
/// (Aarch64KernelTests) types after it. Either way the bytes arrive through the receive
/// interrupt, as a person's keys do.
/// </summary>
internal static class ConsoleTyping
{
    /// <summary>How long the host has to type, in ticks (1 ms).</summary>
    private const int HostWaitMs = 60_000;

    /// <summary>False when no byte arrived (the host did not type within a minute).</summary>
    internal static bool TypeHi(string cue)
    {
        Cpu.DisableInterrupts();
        SerialConsole.WaitUntilSent();
        if (SerialConsole.SetLoopback(true))
        {
            SerialConsole.Write((byte)'h');
            SerialConsole.Write((byte)'i');
            SerialConsole.Write((byte)'\r');
            SerialConsole.WaitUntilSent();
            SerialConsole.SetLoopback(false);
            Cpu.EnableInterrupts(); // the interrupt pending at the controller is taken here
            return true;
        }

        Cpu.EnableInterrupts();
        ulong before = ConsoleInput.Interrupts;
        Log.Write("[console] type hi for ");
        Log.WriteLine(cue);
        for (int waited = 0; waited < HostWaitMs && ConsoleInput.Interrupts == before; waited += 10) Tasks.Scheduler.Sleep(10);
        // The rest of the line: the host writes "hi\r" at once, one interrupt per byte or fewer.
        Tasks.Scheduler.Sleep(50);
        return ConsoleInput.Interrupts != before;
    }
}
