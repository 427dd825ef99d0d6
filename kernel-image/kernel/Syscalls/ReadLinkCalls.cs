using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// readlink and readlinkat (Linux fs/stat.c do_readlinkat): the target of the symbolic link a
/// path names (links before the last component are followed), copied without a NUL and cut to
/// the buffer; the count. Linux's order of errors: a buffer size that is not positive EINVAL
/// first, then the path's own errors (EFAULT, ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP, dirfd's
/// EBADF/ENOTDIR), EINVAL when the last component is not a symbolic link, and EFAULT for a
/// buffer that cannot take the bytes.
/// </summary>
internal static unsafe class ReadLinkCalls
{
    internal static long ReadLink(Process* process, ulong userPath, ulong buffer, ulong size) =>
        ReadLinkAt(process, PathResolver.AtFdcwd, userPath, buffer, size);

    internal static long ReadLinkAt(Process* process, long directory, ulong userPath, ulong buffer, ulong size)
    {
        // bufsiz is an int: the upper half of the register is not part of it.
        int capacity = (int)size;
        if (capacity <= 0) return -Errno.EINVAL;
        byte* path = PathResolver.AllocateBuffer();
        byte* target = PathResolver.AllocateBuffer();
        long result = path == null || target == null ? -Errno.ENOMEM : PathResolver.Resolve(process, (int)directory, userPath, path, Sandbox.PathAccess.Look | Sandbox.PathAccess.NoFollow);
        if (result >= 0)
        {
            int room = Math.Min(capacity, PathResolver.BufferSize);
            FileSystem.Lock();
            result = FileSystem.Vfs.ReadLink(new ReadOnlySpan<byte>(path, (int)result), new Span<byte>(target, room));
            FileSystem.Unlock();
            if (result > 0 && !UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(target, (int)result))) result = -Errno.EFAULT;
        }

        KernelMemory.Free(path);
        KernelMemory.Free(target);
        return result;
    }
}
