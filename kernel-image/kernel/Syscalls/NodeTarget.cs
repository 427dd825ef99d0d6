using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// The node an attribute call names (Linux's user_path_at + fdget): a path from dirfd (made
/// absolute by <see cref="PathResolver"/>), or — for the f* calls, a NULL path (futimens) and
/// AT_EMPTY_PATH with "" — an open description. <see cref="Open"/> turns it into a VFS handle
/// under the VFS lock, so every *at call reaches its node the same way; a description of
/// another kind (a pipe, a socket, the console) has no node and is reported as such.
/// </summary>
internal unsafe struct NodeTarget
{
    private byte* _path;
    private int _length;

    /// <summary>The description named, when the call names one instead of a path.</summary>
    public OpenFileDescription* Description;

    /// <summary>Copies and resolves the path (or takes dirfd itself for an empty path when
    /// <paramref name="emptyAllowed"/>: AT_EMPTY_PATH, the working directory for AT_FDCWD).
    /// 0 or -errno (EFAULT, ENOENT, ENAMETOOLONG, EBADF, ENOTDIR, ENOMEM). Free with
    /// <see cref="Dispose"/> whatever the result. <paramref name="access"/>: what a sandbox's
    /// view and promises must allow (Sandbox/FileView.cs).</summary>
    public long Resolve(Process* process, long directory, ulong userPath, Sandbox.PathAccess access, bool emptyAllowed)
    {
        _path = PathResolver.AllocateBuffer();
        if (_path == null) return -Errno.ENOMEM;
        long length = PathResolver.Resolve(process, (int)directory, userPath, _path, access, emptyAllowed);
        if (length < 0) return length;
        if (length > 0)
        {
            _length = (int)length;
            return 0;
        }

        if ((int)directory == (int)PathResolver.AtFdcwd)
        {
            // AT_EMPTY_PATH with AT_FDCWD: the working directory itself.
            ReadOnlySpan<byte> cwd = process->WorkingDirectory.Path;
            cwd.CopyTo(new Span<byte>(_path, cwd.Length));
            _length = cwd.Length;
            return 0;
        }

        return Describe(process, (int)directory);
    }

    /// <summary>The description open as <paramref name="descriptor"/> (an f* call, or dirfd with
    /// AT_EMPTY_PATH). 0 or -EBADF.</summary>
    public long Describe(Process* process, long descriptor)
    {
        Description = process->Descriptors.Get(descriptor);
        return Description == null ? -Errno.EBADF : 0;
    }

    /// <summary>The absolute path, when the target is one.</summary>
    public readonly ReadOnlySpan<byte> Path => new(_path, _length);

    /// <summary>A description of a kind without a VFS node (pipe, socket, console).</summary>
    public readonly bool IsNodeless => Description != null && !VfsFile.IsVfsFile(Description);

    /// <summary>A handle to the node, the last symbolic link followed unless
    /// <paramref name="follow"/> is false. Call under the VFS lock, release with
    /// FileSystem.Vfs.Release before unlocking. 0 or -errno (EINVAL for a nodeless description).</summary>
    public readonly long Open(bool follow, out NodeHandle handle)
    {
        if (Description != null) return VfsFile.TakeHandle(Description, out handle);
        return -(long)FileSystem.Vfs.Lookup(default, Path, follow ? 0 : AtFlags.SymlinkNoFollow, out handle);
    }

    public void Dispose()
    {
        KernelMemory.Free(_path);
        _path = null;
    }
}
