using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>Vector I/O: readv, writev, preadv and pwritev, each vector through the descriptor's
/// read or write (FileCalls; ReadAt/WriteAt for the positioned pair), whatever kind of file
/// it is.</summary>
internal static unsafe class OutputCalls
{
    /// <summary>writev: the iovec array (base, length pairs) is itself user memory. As Linux's
    /// import_iovec: the whole array is checked first — unreadable is EFAULT, a length that is
    /// negative as ssize_t (or a sum that overflows it) is EINVAL — before a byte is written.</summary>
    internal static long Writev(Process* process, ulong descriptor, ulong vectors, ulong count) =>
        Transfer(process, descriptor, vectors, count, write: true, -1);

    /// <summary>readv: as writev, filling each vector in turn; a short read ends it.</summary>
    internal static long Readv(Process* process, ulong descriptor, ulong vectors, ulong count) =>
        Transfer(process, descriptor, vectors, count, write: false, -1);

    /// <summary>preadv(fd, iov, count, pos_l, pos_h): readv at an offset, the description's
    /// offset untouched. On x86-64 the offset is pos_l whole (Linux's pos_from_hilo shifts pos_h
    /// out). Linux's order: a negative offset EINVAL, EBADF, no positions (a pipe) ESPIPE, then
    /// as readv.</summary>
    internal static long Preadv(Process* process, ulong descriptor, ulong vectors, ulong count, ulong offset) =>
        Positioned(process, descriptor, vectors, count, write: false, (long)offset);

    internal static long Pwritev(Process* process, ulong descriptor, ulong vectors, ulong count, ulong offset) =>
        Positioned(process, descriptor, vectors, count, write: true, (long)offset);

    private static long Positioned(Process* process, ulong descriptor, ulong vectors, ulong count, bool write, long offset)
    {
        if (offset < 0) return -Errno.EINVAL;
        Files.OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        if ((write ? description->Operations->WriteAt : description->Operations->ReadAt) == null) return -Errno.ESPIPE;
        return Transfer(process, descriptor, vectors, count, write, offset);
    }

    /// <summary>Moves the vectors in turn; at the description's offset when
    /// <paramref name="position"/> is negative, else from that position on.</summary>
    private static long Transfer(Process* process, ulong descriptor, ulong vectors, ulong count, bool write, long position)
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
            long done = position < 0
                ? (write ? FileCalls.Write(process, descriptor, pair[0], pair[1]) : FileCalls.Read(process, descriptor, pair[0], pair[1]))
                : (write ? FileCalls.WriteAt(process, descriptor, pair[0], pair[1], position + total)
                    : FileCalls.ReadAt(process, descriptor, pair[0], pair[1], position + total));
            if (done < 0) return total > 0 ? total : done;
            total += done;
            if ((ulong)done < pair[1]) break;
        }

        return total;
    }
}
