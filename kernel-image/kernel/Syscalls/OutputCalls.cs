using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>Vector I/O: readv and writev, each vector through the descriptor's read or write
/// (FileCalls), whatever kind of file it is.</summary>
internal static unsafe class OutputCalls
{
    /// <summary>writev: the iovec array (base, length pairs) is itself user memory. As Linux's
    /// import_iovec: the whole array is checked first — unreadable is EFAULT, a length that is
    /// negative as ssize_t (or a sum that overflows it) is EINVAL — before a byte is written.</summary>
    internal static long Writev(Process* process, ulong descriptor, ulong vectors, ulong count) =>
        Transfer(process, descriptor, vectors, count, write: true);

    /// <summary>readv: as writev, filling each vector in turn; a short read ends it.</summary>
    internal static long Readv(Process* process, ulong descriptor, ulong vectors, ulong count) =>
        Transfer(process, descriptor, vectors, count, write: false);

    private static long Transfer(Process* process, ulong descriptor, ulong vectors, ulong count, bool write)
    {
        Files.OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null || !(write ? description->CanWrite : description->CanRead)) return -Errno.EBADF;
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
            if (pair[1] == 0) continue;
            long done = write ? FileCalls.Write(process, descriptor, pair[0], pair[1]) : FileCalls.Read(process, descriptor, pair[0], pair[1]);
            if (done < 0) return total > 0 ? total : done;
            total += done;
            if ((ulong)done < pair[1]) break;
        }

        return total;
    }
}
