using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Advisory locks (Linux fs/locks.c; Files/RecordLocks.cs keeps them): fcntl's F_GETLK,
/// F_SETLK and F_SETLKW with Linux's <c>struct flock</c> (l_type, l_whence, l_start, l_len,
/// l_pid: 32 bytes on x86-64), and flock(2).
/// </summary>
internal static unsafe class LockCalls
{
    internal const uint GetLock = 5, SetLock = 6, SetLockWait = 7;

    // flock(2) operations (include/uapi/asm-generic/fcntl.h).
    private const ulong LockShared = 1, LockExclusive = 2, LockNonBlocking = 4, LockUnlock = 8;

    /// <summary>fcntl(fd, F_GETLK/F_SETLK/F_SETLKW, struct flock*): the structure is read
    /// (EFAULT); l_type beyond F_RDLCK/F_WRLCK/F_UNLCK, an unknown l_whence or a range starting
    /// before 0 EINVAL; a read lock on a descriptor not open for reading (a write lock: writing)
    /// EBADF. F_GETLK (F_UNLCK there is EINVAL) writes back the first conflicting lock —
    /// l_whence SEEK_SET, l_len 0 for "to the end" — or only l_type F_UNLCK.</summary>
    internal static long Control(Process* process, OpenFileDescription* description, uint command, ulong argument)
    {
        byte* flock = stackalloc byte[32];
        if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(flock, 32))) return -Errno.EFAULT;
        short type = *(short*)flock;
        short whence = *(short*)(flock + 2);
        long start = *(long*)(flock + 8);
        long length = *(long*)(flock + 16);
        if (type != RecordLocks.ReadLock && type != RecordLocks.WriteLock && type != RecordLocks.Unlock) return -Errno.EINVAL;
        if (command == GetLock && type == RecordLocks.Unlock) return -Errno.EINVAL;
        if (!RecordLocks.Identify(description, out ulong device, out ulong inode)) return -Errno.EINVAL;
        long origin;
        switch (whence)
        {
            case SeekOrigin.Set: origin = 0; break;
            case SeekOrigin.Current: origin = description->Offset; break;
            case SeekOrigin.End:
                FileStatus status = default;
                description->Operations->Stat(description, &status);
                origin = status.Size;
                break;
            default: return -Errno.EINVAL;
        }

        // Linux flock_to_posix_lock: l_len > 0 is [start, start+len), 0 to the end, < 0 the
        // bytes before start.
        if ((start > 0 && origin > long.MaxValue - start)) return -Errno.EOVERFLOW;
        start += origin;
        long end;
        if (length > 0)
        {
            if (length - 1 > long.MaxValue - 1 - start) return -Errno.EOVERFLOW;
            end = start + length;
        }
        else if (length < 0)
        {
            end = start;
            start += length;
        }
        else
        {
            end = RecordLocks.ToEnd;
        }

        if (start < 0) return -Errno.EINVAL;
        var request = new RecordLocks.Request
        {
            Owner = RecordLocks.OwnerOf(ref process->Descriptors),
            Pid = process->Id,
            Device = device,
            Inode = inode,
            Start = start,
            End = end,
            Type = type,
        };

        if (command == GetLock)
        {
            if (RecordLocks.Test(request, out short held, out long heldStart, out long heldEnd, out ulong pid))
            {
                *(short*)(flock + 2) = SeekOrigin.Set;
                *(long*)(flock + 8) = heldStart;
                *(long*)(flock + 16) = heldEnd == RecordLocks.ToEnd ? 0 : heldEnd - heldStart;
                *(int*)(flock + 24) = (int)pid;
            }

            *(short*)flock = held;
            return UserMemory.CopyTo(process->Space, argument, new ReadOnlySpan<byte>(flock, 32)) ? 0 : -Errno.EFAULT;
        }

        if (type == RecordLocks.ReadLock && !description->CanRead) return -Errno.EBADF;
        if (type == RecordLocks.WriteLock && !description->CanWrite) return -Errno.EBADF;
        return RecordLocks.Set(process, request, wait: command == SetLockWait);
    }

    /// <summary>flock(fd, operation): LOCK_SH or LOCK_EX (with LOCK_NB: EWOULDBLOCK instead of
    /// waiting) or LOCK_UN on the whole file, owned by the open file description — shared by
    /// dup and fork, released with its last reference. EBADF first, then EINVAL for another
    /// operation, as Linux.</summary>
    internal static long Flock(Process* process, ulong descriptor, ulong operation)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        short type = (operation & ~LockNonBlocking) switch
        {
            LockShared => RecordLocks.ReadLock,
            LockExclusive => RecordLocks.WriteLock,
            LockUnlock => RecordLocks.Unlock,
            _ => -1,
        };
        if (type < 0) return -Errno.EINVAL;
        if (!RecordLocks.Identify(description, out ulong device, out ulong inode)) return -Errno.EINVAL;
        var request = new RecordLocks.Request
        {
            Owner = description,
            Pid = process->Id,
            Device = device,
            Inode = inode,
            Start = 0,
            End = RecordLocks.ToEnd,
            Type = type,
            IsFlock = true,
        };
        return RecordLocks.Set(process, request, wait: (operation & LockNonBlocking) == 0);
    }
}
