using Aurora.Kernel.Terminals;

namespace Aurora.Kernel.Files;

/// <summary>
/// The console as the processes the kernel starts see it: descriptors 0, 1 and 2 share one
/// description of the boot console, ttyS0 (Terminals/), opened O_RDWR, as Linux's init gets
/// /dev/console. It is a terminal: termios, job control and the rest are Terminal's. What a
/// process writes there is also copied into the process's output (tests read it).
/// </summary>
internal static unsafe class ConsoleFile
{
    /// <summary>A new description of the console with one reference, or null (heap out).</summary>
    internal static OpenFileDescription* Open() => TerminalDevices.OpenConsole();

    /// <summary>Gives a process the kernel starts its standard input, output and error: one
    /// console description behind descriptors 0, 1 and 2. False when the heap is out.</summary>
    internal static bool InstallStandardDescriptors(ref DescriptorTable table)
    {
        OpenFileDescription* console = Open();
        if (console == null) return false;
        for (int fd = 0; fd < 3; fd++)
        {
            if (fd > 0) OpenFileDescription.Retain(console);
            if (table.InstallAt(fd, console, closeOnExec: false) < 0)
            {
                OpenFileDescription.Release(console);
                return false;
            }
        }

        return true;
    }
}
