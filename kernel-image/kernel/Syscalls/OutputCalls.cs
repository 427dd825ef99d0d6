using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>The console behind descriptors 0-2 (serial and screen; output only so far),
/// writev, and ioctl.</summary>
internal static unsafe class OutputCalls
{
    private const int ChunkSize = 256;

    /// <summary>write to descriptor 1 or 2: the console, and the process's output copy.</summary>
    internal static long WriteConsole(Process* process, ulong descriptor, ulong buffer, ulong length)
    {
        if (descriptor != 1 && descriptor != 2) return -Errno.EBADF;
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: false)) return -Errno.EFAULT;
        byte* chunk = stackalloc byte[ChunkSize];
        ulong done = 0;
        while (done < length)
        {
            int n = (int)Math.Min((ulong)ChunkSize, length - done);
            var bytes = new Span<byte>(chunk, n);
            if (!UserMemory.CopyFrom(process->Space, buffer + done, bytes)) return done > 0 ? (long)done : -Errno.EFAULT;
            Log.Write(bytes);
            process->Capture(bytes);
            done += (ulong)n;
        }

        return (long)done;
    }

    /// <summary>writev: the iovec array (base, length pairs) is itself user memory. As Linux's
    /// import_iovec: the whole array is checked first — unreadable is EFAULT, a length that is
    /// negative as ssize_t (or a sum that overflows it) is EINVAL — before a byte is written.</summary>
    internal static long Writev(Process* process, ulong descriptor, ulong vectors, ulong count)
    {
        if (count > 1024) return -Errno.EINVAL;
        long total = 0;
        ulong* pair = stackalloc ulong[2];
        ulong sum = 0;
        for (ulong i = 0; i < count; i++)
        {
            if (!UserMemory.CopyFrom(process->Space, vectors + (i * 16), new Span<byte>(pair, 16))) return -Errno.EFAULT;
            if ((long)pair[1] < 0 || pair[1] > long.MaxValue - sum) return -Errno.EINVAL;
            sum += pair[1];
        }

        for (ulong i = 0; i < count; i++)
        {
            if (!UserMemory.CopyFrom(process->Space, vectors + (i * 16), new Span<byte>(pair, 16))) return total > 0 ? total : -Errno.EFAULT;
            long written = FileCalls.Write(process, descriptor, pair[0], pair[1]);
            if (written < 0) return total > 0 ? total : written;
            total += written;
        }

        return total;
    }

    /// <summary>ioctl: the console is not a terminal yet (TIOCGWINSZ and the like answer
    /// ENOTTY, which makes the libc buffer output fully), and files have no ioctls.</summary>
    internal static long Ioctl(Process* process, ulong descriptor, ulong request, ulong argument) =>
        descriptor <= 2 || process->Files.IsOpen((int)descriptor - FileCalls.ConsoleDescriptors) ? -Errno.ENOTTY : -Errno.EBADF;
}
