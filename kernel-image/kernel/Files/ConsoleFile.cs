using System;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// The console as a kind of file: writes go to every console (serial and screen) and into the
/// process's output copy (tests read it); reads take a line typed on the serial console
/// (Console/ConsoleInput.cs), blocking until one is complete (EINTR on a signal, EAGAIN with
/// O_NONBLOCK). A process the kernel starts gets one description of it, opened O_RDWR, as
/// descriptors 0, 1 and 2 (as Linux's init gets /dev/console). It is not a terminal yet:
/// ioctl answers ENOTTY (so the libc buffers output fully) and fstat says character device.
/// </summary>
internal static unsafe class ConsoleFile
{
    private const int ChunkSize = 256;

    private static FileOperations s_operations;

    private static FileOperations* Operations
    {
        get
        {
            fixed (FileOperations* operations = &s_operations)
            {
                if (operations->Write == null)
                {
                    operations->Read = &Read;
                    operations->Write = &Write;
                    operations->Stat = &Stat;
                    operations->Poll = &Poll;
                    operations->Name = &Name;
                }

                return operations;
            }
        }
    }

    /// <summary>A new description of the console with one reference, or null (heap out).</summary>
    internal static OpenFileDescription* Open() =>
        OpenFileDescription.Create(Operations, null, OpenFileDescription.ReadWrite | OpenFileDescription.LargeFile);

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

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Syscalls.Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        // Sleeps on the console's readers until a line is complete (the UART interrupt wakes
        // them); a signal ends the wait with ERESTARTSYS (EINTR, or restarted under SA_RESTART,
        // as a Linux tty read).
        while (true)
        {
            Console.ConsoleInput.PrepareReader();
            int n = Console.ConsoleInput.TryRead(new Span<byte>(chunk, (int)Math.Min(length, (ulong)ChunkSize)));
            if (n >= 0 || description->IsNonBlocking || Process.HasDeliverableSignal(process))
            {
                Console.ConsoleInput.CancelReader();
                if (n >= 0)
                {
                    UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(chunk, n));
                    return n;
                }

                return description->IsNonBlocking ? -Syscalls.Errno.EAGAIN : -Syscalls.Errno.ERESTARTSYS;
            }

            Console.ConsoleInput.SleepReader();
        }
    }

    private static long Write(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: false)) return -Syscalls.Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        while (done < length)
        {
            int n = (int)Math.Min((ulong)ChunkSize, length - done);
            var bytes = new Span<byte>(chunk, n);
            if (!UserMemory.CopyFrom(process->Space, buffer + done, bytes)) return done > 0 ? (long)done : -Syscalls.Errno.EFAULT;
            Log.Write(bytes);
            process->Capture(bytes);
            done += (ulong)n;
        }

        return (long)done;
    }

    private static long Stat(OpenFileDescription* description, FileStatus* status)
    {
        status->Mode = 0x2000 | 0x190; // S_IFCHR, rw--w----: a character device, like a tty
        status->BlockSize = 4096;
        return 0;
    }

    private static int Poll(OpenFileDescription* description) => Readiness.Out;

    /// <summary>What /proc/PID/fd shows for it (Linux: the device node the console was opened by).</summary>
    private static int Name(OpenFileDescription* description, Span<byte> name) => MemoryDevices.Put("/dev/console", name);
}
