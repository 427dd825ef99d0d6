using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>write, writev and ioctl on the standard descriptors, which go to the kernel
/// console (serial and screen) until the VFS serves files to processes.</summary>
internal static unsafe class OutputCalls
{
    private const int ChunkSize = 256;

    internal static long Write(Process* process, ulong descriptor, ulong buffer, ulong length)
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

    /// <summary>writev: the iovec array (base, length pairs) is itself user memory.</summary>
    internal static long Writev(Process* process, ulong descriptor, ulong vectors, ulong count)
    {
        if (count > 1024) return -Errno.EINVAL;
        long total = 0;
        ulong* pair = stackalloc ulong[2];
        for (ulong i = 0; i < count; i++)
        {
            if (!UserMemory.CopyFrom(process->Space, vectors + (i * 16), new Span<byte>(pair, 16))) return total > 0 ? total : -Errno.EFAULT;
            long written = Write(process, descriptor, pair[0], pair[1]);
            if (written < 0) return total > 0 ? total : written;
            total += written;
        }

        return total;
    }

    /// <summary>ioctl: the console is not a terminal yet (TIOCGWINSZ and the like answer
    /// ENOTTY, which makes the libc buffer output fully); other descriptors do not exist.</summary>
    internal static long Ioctl(Process* process, ulong descriptor, ulong request, ulong argument) =>
        descriptor <= 2 ? -Errno.ENOTTY : -Errno.EBADF;
}
