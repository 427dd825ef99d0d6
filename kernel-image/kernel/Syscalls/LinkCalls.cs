using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Names that make nodes (Linux fs/namei.c): link/linkat (hard links: the VFS keeps real link
/// counts; a directory EPERM, another mount EXDEV), symlink/symlinkat, mknod/mknodat (FIFOs,
/// which open as pipes — Files/PipeFile.cs — and device nodes, whose st_rdev is stored and
/// reported; opening a device node is the device registry's business). Paths are made absolute
/// by <see cref="PathResolver"/> and the VFS walks them under its lock.
/// </summary>
internal static unsafe class LinkCalls
{
    private const ulong AtSymlinkFollow = 0x400, AtEmptyPath = 0x1000;

    internal static long Link(Process* process, ulong oldPath, ulong newPath) =>
        LinkAt(process, PathResolver.AtFdcwd, oldPath, PathResolver.AtFdcwd, newPath, 0);

    /// <summary>linkat(olddirfd, old, newdirfd, new, flags): flags beyond AT_SYMLINK_FOLLOW and
    /// AT_EMPTY_PATH EINVAL; the old path's last symbolic link is linked itself unless
    /// AT_SYMLINK_FOLLOW; AT_EMPTY_PATH with "" links what olddirfd has open (root may; a pipe
    /// or socket lives on another file system: EXDEV).</summary>
    internal static long LinkAt(Process* process, long oldDirectory, ulong oldPath, long newDirectory, ulong newPath, ulong flags)
    {
        if ((flags & ~(AtSymlinkFollow | AtEmptyPath)) != 0) return -Errno.EINVAL;
        NodeTarget old = default;
        byte* target = PathResolver.AllocateBuffer();
        long result = target == null ? -Errno.ENOMEM : old.Resolve(process, oldDirectory, oldPath, Sandbox.PathAccess.Create | Sandbox.PathAccess.NoFollow, (flags & AtEmptyPath) != 0);
        long length = 0;
        if (result == 0)
        {
            length = PathResolver.Resolve(process, (int)newDirectory, newPath, target, Sandbox.PathAccess.Create | Sandbox.PathAccess.NoFollow);
            if (length < 0) result = length;
        }

        // A sandbox may not give a link that leads out of its view a new name (Sandbox/FileView.cs).
        if (result == 0 && old.Description == null) result = Sandbox.FileView.CheckExistingLink(process, old.Path);

        if (result == 0 && old.IsNodeless) result = -Errno.EXDEV;
        if (result == 0)
        {
            var name = new ReadOnlySpan<byte>(target, (int)length);
            int vfsFlags = (flags & AtSymlinkFollow) != 0 ? AtFlags.SymlinkFollow : 0;
            FileSystem.Lock();
            if (old.Description != null)
            {
                result = VfsFile.TakeHandle(old.Description, out NodeHandle handle);
                if (result == 0)
                {
                    result = -(long)FileSystem.Vfs.LinkAt(handle, default, default, name, AtFlags.EmptyPath);
                    FileSystem.Vfs.Release(ref handle);
                }
            }
            else
            {
                result = -(long)FileSystem.Vfs.LinkAt(default, old.Path, default, name, vfsFlags);
            }

            FileSystem.Unlock();
        }

        old.Dispose();
        KernelMemory.Free(target);
        return result;
    }

    internal static long Symlink(Process* process, ulong target, ulong linkPath) =>
        SymlinkAt(process, target, PathResolver.AtFdcwd, linkPath);

    /// <summary>symlinkat(target, newdirfd, linkpath): the target is copied as it is (EFAULT,
    /// ENAMETOOLONG past 4095 bytes, ENOENT when empty) and never looked at: it may dangle.</summary>
    internal static long SymlinkAt(Process* process, ulong userTarget, long directory, ulong linkPath)
    {
        byte* target = PathResolver.AllocateBuffer();
        byte* path = PathResolver.AllocateBuffer();
        long result = target == null || path == null ? -Errno.ENOMEM
            : UserMemory.CopyString(process->Space, userTarget, new Span<byte>(target, PathResolver.BufferSize));
        if (result == 0) result = -Errno.ENOENT;
        long length = 0;
        if (result > 0)
        {
            length = PathResolver.Resolve(process, (int)directory, linkPath, path, Sandbox.PathAccess.Create | Sandbox.PathAccess.NoFollow);
            if (length < 0) result = length;
        }

        // A sandbox's links lead inside its view (Sandbox/FileView.cs).
        if (result > 0)
        {
            long outside = Sandbox.FileView.CheckLinkTarget(process, new ReadOnlySpan<byte>(path, (int)length), new ReadOnlySpan<byte>(target, (int)result));
            if (outside < 0) result = outside;
        }

        if (result > 0)
        {
            FileSystem.Lock();
            result = -(long)FileSystem.Vfs.Symlink(new ReadOnlySpan<byte>(target, (int)result), new ReadOnlySpan<byte>(path, (int)length));
            FileSystem.Unlock();
        }

        KernelMemory.Free(target);
        KernelMemory.Free(path);
        return result;
    }

    internal static long Mknod(Process* process, ulong userPath, ulong mode, ulong device) =>
        MknodAt(process, PathResolver.AtFdcwd, userPath, mode, device);

    /// <summary>mknodat(dirfd, path, mode, dev): a FIFO, character or block device, socket or
    /// regular file (type 0); a directory type EPERM and any other type EINVAL, then the path
    /// (EEXIST, ENOENT). The permission bits lose the umask; dev is Linux's 32-bit encoding,
    /// stored and reported by stat as it is.</summary>
    internal static long MknodAt(Process* process, long directory, ulong userPath, ulong mode, ulong device)
    {
        uint type = (uint)mode & FileMode.TypeMask;
        if (type == FileMode.Directory) return -Errno.EPERM;
        if (type != 0 && !FileMode.IsSpecialOrRegular(type)) return -Errno.EINVAL;
        byte* path = PathResolver.AllocateBuffer();
        if (path == null) return -Errno.ENOMEM;
        long result = PathResolver.Resolve(process, (int)directory, userPath, path, Sandbox.PathAccess.Device | Sandbox.PathAccess.NoFollow);
        if (result >= 0)
        {
            uint bits = (uint)mode & FileMode.PermissionMask & ~process->FileCreationMask;
            FileSystem.Lock();
            result = -(long)FileSystem.Vfs.MakeNode(new ReadOnlySpan<byte>(path, (int)result), type | bits, (uint)device);
            FileSystem.Unlock();
        }

        KernelMemory.Free(path);
        return result;
    }
}
