using System;
using Aurora.Kernel.Console;
using Aurora.Kernel.Net;
using Aurora.Kernel.Tasks;
using static Aurora.Kernel.Tests.TestRunner;
using Cpu = Aurora.Kernel.Hal.Cpu;
using Timer = Aurora.Kernel.Hal.Timer;

namespace Aurora.Kernel.Tests;

/// <summary>Wait queues (issue 10, item 3): blocked calls sleep until their event, signals end
/// them as Linux does, the console's input arrives by interrupt, and an idle kernel does
/// nothing between ticks.</summary>
internal static unsafe class WaitTests
{
    /// <summary>userland/wait_events.c: a msgrcv reader and a wait4 parent give up the processor
    /// at most 3 times in 100 ms of waiting (getrusage ru_nvcsw; polling gave ~100), nanosleep
    /// ends with EINTR and rem, wait4 is restarted under SA_RESTART and EINTR without, msgrcv
    /// is EINTR either way and goes on through an ignored signal.</summary>
    internal static void SleepersAreWokenByTheirEvent()
    {
        int status = ProcessTests.RunProgram("wait_events.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("wait: 0 wrong"), "a wait or its interruption went wrong");
        Check(status == 0, "the program failed");
    }

    /// <summary>200 ms with nothing runnable: no thread is woken but this test's own (and the
    /// network thread, the one poller left until the e1000 has its interrupt), the UART raises
    /// nothing, and the timer ticked throughout.</summary>
    internal static void IdleSystemRunsOnlyTheTick()
    {
        KernelThread* network = NetworkStack.Thread;
        ulong networkBefore = network != null ? network->Wakeups : 0;
        ulong wakeupsBefore = Scheduler.Wakeups;
        ulong switchesBefore = Scheduler.Switches;
        ulong uartBefore = ConsoleInput.Interrupts;
        ulong ticksBefore = Timer.Ticks();
        Scheduler.Sleep(200);
        ulong ticks = Timer.Ticks() - ticksBefore;
        ulong networkWakeups = (network != null ? network->Wakeups : 0) - networkBefore;
        ulong others = Scheduler.Wakeups - wakeupsBefore - networkWakeups;
        ulong switches = Scheduler.Switches - switchesBefore;
        Log.Write("  idle: ");
        Log.WriteDecimal(ticks);
        Log.Write(" ticks, ");
        Log.WriteDecimal(others);
        Log.Write(" wake-ups (this test's own included), network poller ");
        Log.WriteDecimal(networkWakeups);
        Log.Write(", switches ");
        Log.WriteDecimal(switches);
        Log.WriteLine();
        Check(ticks >= 200, "the timer did not tick through the sleep");
        Check(others <= 1, "a thread other than the sleeper (and the network poller) woke while the system was idle");
        // Each poll is idle → network → idle; the sleeper adds two, and a poller that was
        // already runnable (or one due on the sleeper's last tick) two more at the edges.
        Check(switches <= 4 + 2 * networkWakeups, "threads switched while nothing was runnable");
        CheckEqual(0, (long)(ConsoleInput.Interrupts - uartBefore), "UART interrupts with nothing typed");
    }

    private struct Line
    {
        public fixed byte Bytes[16];
    }

    private static Line s_readerLine;
    private static ulong s_readerWakeups;

    /// <summary>read(0)'s wait (FileCalls.ReadConsole) in a kernel thread.</summary>
    private static long ReadConsoleLine(ulong unused)
    {
        fixed (byte* line = s_readerLine.Bytes)
        {
            while (true)
            {
                ConsoleInput.PrepareReader();
                int n = ConsoleInput.TryRead(new Span<byte>(line, 16));
                if (n >= 0)
                {
                    ConsoleInput.CancelReader();
                    s_readerWakeups = Scheduler.Current->Wakeups;
                    return n;
                }

                ConsoleInput.SleepReader();
            }
        }
    }

    /// <summary>A reader asleep on the console (as read(0) is) is woken once by a line arriving
    /// on the UART's receive interrupt (typed through the UART's internal loopback, or by the
    /// host where the UART has none: ConsoleTyping).</summary>
    internal static void ConsoleInputArrivesByInterrupt()
    {
        KernelThread* reader = Scheduler.Spawn(&ReadConsoleLine, 0);
        Check(reader != null, "spawn failed");
        if (reader == null) return;
        Scheduler.Sleep(50);
        CheckEqual(1, ConsoleInput.SleepingReaders, "readers asleep on the console");
        ulong interruptsBefore = ConsoleInput.Interrupts;
        ulong readerWakeupsBefore = reader->Wakeups;

        if (!ConsoleTyping.TypeHi("wait.console_input_arrives_by_interrupt"))
        {
            // The reader sleeps on (no line will come): the test ends without its join.
            Check(false, "no line was typed on the console");
            return;
        }

        long length = Scheduler.Join(reader);
        CheckEqual(3, length, "bytes the reader got");
        Check(s_readerLine.Bytes[0] == 'h' && s_readerLine.Bytes[1] == 'i' && s_readerLine.Bytes[2] == '\n', "the line is not \"hi\\n\"");
        Check(ConsoleInput.Interrupts > interruptsBefore, "no UART interrupt");
        Check(s_readerWakeups - readerWakeupsBefore <= 1, "the reader was woken more than once for one line");
    }
}
