using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// sync, syncfs, fsync and fdatasync. Every file system here lives in memory (tmpfs, devfs,
/// procfs, read-only cpio images), so there is never anything to write back and each call
/// only checks what Linux checks: the descriptor (EBADF), and for fsync/fdatasync that its
/// file can be synced at all (Linux's vfs_fsync: EINVAL for a file without an fsync
/// operation: pipes, sockets, terminals, /dev/null and the other character devices; a
/// regular file or directory on tmpfs has noop_fsync and succeeds).
/// </summary>
internal static unsafe class SyncCalls
{
    /// <summary>sync(): nothing is dirty; always 0, as Linux's ksys_sync.</summary>
    internal static long Sync() => 0;

    /// <summary>syncfs(fd): the file system of any open descriptor; EBADF for a bad one.</summary>
    internal static long SyncFileSystem(Process* process, ulong descriptor) =>
        process->Descriptors.Get((uint)descriptor) == null ? -Errno.EBADF : 0;

    /// <summary>fsync(fd) and fdatasync(fd): EBADF, EINVAL where the file has no fsync, else 0.</summary>
    internal static long SyncFile(Process* process, ulong descriptor)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        return VfsFile.IsVfsFile(description) ? 0 : -Errno.EINVAL;
    }
}
