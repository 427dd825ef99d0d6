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
    /// <paramref name="position"/> is negative, else from that position on. The description
    /// is looked up once for the whole call (Linux's fdget): a lookup per vector took a call
    /// reference per vector in a process with threads, past the few a call has room for
    /// (a kernel panic from eight vectors on).</summary>
    private static long Transfer(Process* process, ulong descriptor, ulong vectors, ulong count, bool write, long position)
    {
        Files.OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null || !(write ? description->CanWrite : description->CanRead)) return -Errno.EBADF;
        // A kind that cannot move bytes this way: EINVAL (Linux's FMODE_CAN_READ/WRITE, checked
        // before the vectors); the positioned calls found ESPIPE already.
        Files.FileOperations* operations = description->Operations;
        bool served = position < 0
            ? (write ? operations->Write != null : operations->Read != null)
            : (write ? operations->WriteAt != null : operations->ReadAt != null);
        if (!served) return position < 0 ? -Errno.EINVAL : -Errno.ESPIPE;
        if (count > 1024) return -Errno.EINVAL;
        long total = 0;
        ulong* pair = stackalloc ulong[2];
        // As Linux's import_iovec: the whole array is read first (EFAULT), a length negative as
        // ssize_t is EINVAL, then every entry must lie in the user half (access_ok: EFAULT
        // before a byte moves, not a short count after the entries before it). Entries that
        // pass cannot add up past ssize_t (1024 of at most 2^47 bytes).
        for (ulong i = 0; i < count; i++)
        {
            if (!UserMemory.CopyFrom(process->Space, vectors + (i * 16), new Span<byte>(pair, 16))) return -Errno.EFAULT;
            if ((long)pair[1] < 0) return -Errno.EINVAL;
        }

        ulong sum = 0;
        for (ulong i = 0; i < count; i++)
        {
            if (!UserMemory.CopyFrom(process->Space, vectors + (i * 16), new Span<byte>(pair, 16))) return -Errno.EFAULT;
            if (!UserMemory.IsUserRange(pair[0], pair[1])) return -Errno.EFAULT;
            sum += pair[1];
        }

        // rw_verify_area: a position whose end would pass 2^63 - 1 is EINVAL.
        if (position >= 0 && sum > (ulong)(long.MaxValue - position)) return -Errno.EINVAL;

        for (ulong i = 0; i < count; i++)
        {
            if (!UserMemory.CopyFrom(process->Space, vectors + (i * 16), new Span<byte>(pair, 16))) return total > 0 ? total : -Errno.EFAULT;
            if (pair[1] == 0) continue;
            // Linux moves the vectors as one read: once bytes have come, a read that would wait
            // for more ends the call with what it has (a pipe or socket holding fewer bytes than
            // the vectors' sum answers at once; a read per vector waited for the rest).
            if (!write && total > 0 && operations->Poll != null &&
                (PollCalls.ReadinessOf(description) & (Files.Readiness.In | Files.Readiness.HangUp | Files.Readiness.Error)) == 0)
                break;
            long done = position < 0
                ? (write ? operations->Write(description, process, pair[0], pair[1]) : operations->Read(description, process, pair[0], pair[1]))
                : (write ? operations->WriteAt(description, process, pair[0], pair[1], position + total)
                    : operations->ReadAt(description, process, pair[0], pair[1], position + total));
            if (done < 0) return total > 0 ? total : done;
            total += done;
            if ((ulong)done < pair[1]) break;
        }

        return total;
    }
}
