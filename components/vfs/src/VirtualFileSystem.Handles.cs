using System;

namespace Aurora.Vfs;

/// <summary>
/// Lookups that start at a node (a working directory, a directory descriptor) instead of "/":
/// counted <see cref="NodeHandle"/>s and the *at(2) forms of the path operations. Relative paths
/// resolve from the handle (the default handle is "/"), absolute ones from "/"; <see cref="AtFlags"/>
/// carry AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR and AT_EMPTY_PATH with their Linux values.
/// </summary>
public unsafe partial struct VirtualFileSystem<TMemory>
{
    /// <summary>A handle to "/" (a new process's working directory).</summary>
    public VfsError RootDirectory(out NodeHandle handle)
    {
        handle = default;
        return _rootMount == null ? VfsError.NoEntry : Acquire(RootNode, out handle);
    }

    /// <summary>A handle to the node at <paramref name="path"/> from <paramref name="start"/>
    /// (chdir, and what a kernel resolves a dirfd's path with): links followed but a last one
    /// with <see cref="AtFlags.SymlinkNoFollow"/>, an empty path naming <paramref name="start"/>
    /// itself with <see cref="AtFlags.EmptyPath"/>. Release it with
    /// <see cref="Release(ref NodeHandle)"/>.</summary>
    public VfsError Lookup(in NodeHandle start, ReadOnlySpan<byte> path, int atFlags, out NodeHandle handle)
    {
        handle = default;
        VfsError error = ResolveAt(start, path, atFlags, false, out Node node);
        return error != VfsError.None ? error : Acquire(node, out handle);
    }

    /// <summary>A handle to what descriptor <paramref name="fd"/> has open (fchdir, a dirfd).</summary>
    public VfsError Handle(ref FileTable files, int fd, out NodeHandle handle)
    {
        handle = default;
        OpenFile* file = files.Get(fd);
        return file == null ? VfsError.BadDescriptor : Acquire(NodeOf(file), out handle);
    }

    /// <summary>Gives a handle's reference back and empties it; an empty handle is left as it is.
    /// The node is freed here if it was the last reference to an unnamed node.</summary>
    public void Release(ref NodeHandle handle)
    {
        if (handle.Mount == null)
        {
            return;
        }

        var mount = (MountEntry<TMemory>*)handle.Mount;
        mount->OpenFiles--;
        mount->Operations.Close(mount->Instance, ref _memory, handle.Node);
        handle = default;
    }

    /// <summary>stat of the handle's node (fstat of a dirfd, AT_EMPTY_PATH).</summary>
    public readonly VfsError Stat(in NodeHandle handle, out FileStatus status)
    {
        if (_rootMount == null)
        {
            status = default;
            return VfsError.NoEntry;
        }

        Fill(StartOf(handle), out status);
        return VfsError.None;
    }

    /// <summary>openat(2): <see cref="Open"/> with a relative path resolved from
    /// <paramref name="directory"/>.</summary>
    public long OpenAt(ref FileTable files, in NodeHandle directory, ReadOnlySpan<byte> path, int flags, uint mode) =>
        OpenPath(ref files, directory, path, flags, mode, false);

    /// <summary>newfstatat(2) / fstatat: stat, or lstat with <see cref="AtFlags.SymlinkNoFollow"/>;
    /// with <see cref="AtFlags.EmptyPath"/> an empty path is the handle's node.</summary>
    public VfsError StatAt(in NodeHandle directory, ReadOnlySpan<byte> path, int atFlags, out FileStatus status)
    {
        status = default;
        VfsError error = ResolveAt(directory, path, atFlags, false, out Node node);
        if (error != VfsError.None)
        {
            return error;
        }

        Fill(node, out status);
        return VfsError.None;
    }

    /// <summary>mkdirat(2).</summary>
    public VfsError MkdirAt(in NodeHandle directory, ReadOnlySpan<byte> path, uint mode) => MkdirPath(directory, path, mode, false);

    /// <summary>unlinkat(2): unlink, or rmdir with <see cref="AtFlags.RemoveDirectory"/>.</summary>
    public VfsError UnlinkAt(in NodeHandle directory, ReadOnlySpan<byte> path, int atFlags) =>
        (atFlags & AtFlags.RemoveDirectory) != 0 ? RmdirPath(directory, path, false) : UnlinkPath(directory, path, false);

    /// <summary>renameat(2).</summary>
    public VfsError RenameAt(in NodeHandle oldDirectory, ReadOnlySpan<byte> oldPath, in NodeHandle newDirectory, ReadOnlySpan<byte> newPath) =>
        RenamePath(oldDirectory, oldPath, newDirectory, newPath, false);

    /// <summary>symlinkat(2).</summary>
    public VfsError SymlinkAt(ReadOnlySpan<byte> target, in NodeHandle directory, ReadOnlySpan<byte> linkPath) =>
        SymlinkPath(target, directory, linkPath, false);

    /// <summary>linkat(2): <see cref="Link"/> with relative paths from the handles; the old
    /// path's last symbolic link is followed with <see cref="AtFlags.SymlinkFollow"/>, and with
    /// <see cref="AtFlags.EmptyPath"/> an empty old path is <paramref name="oldDirectory"/>'s node.</summary>
    public VfsError LinkAt(in NodeHandle oldDirectory, ReadOnlySpan<byte> oldPath, in NodeHandle newDirectory, ReadOnlySpan<byte> newPath, int atFlags) =>
        LinkPath(oldDirectory, oldPath, atFlags, newDirectory, newPath, false);

    /// <summary>mknodat(2).</summary>
    public VfsError MakeNodeAt(in NodeHandle directory, ReadOnlySpan<byte> path, uint mode, ulong device) =>
        MakeNodePath(directory, path, mode, device, false);

    /// <summary>statfs(2) relative to a handle (links followed; with <see cref="AtFlags.EmptyPath"/>
    /// and an empty path, fstatfs of the handle's node).</summary>
    public VfsError StatFileSystemAt(in NodeHandle directory, ReadOnlySpan<byte> path, int atFlags, out FileSystemStatus status)
    {
        status = default;
        VfsError error = ResolveAt(directory, path, atFlags, false, out Node node);
        if (error != VfsError.None)
        {
            return error;
        }

        MountEntry<TMemory>* mount = node.Mount;
        mount->Operations.StatFileSystem(mount->Instance, out status);
        status.Device = mount->Device;
        status.OpenFiles = mount->OpenFiles;
        return VfsError.None;
    }

    /// <summary>readlinkat(2).</summary>
    public long ReadLinkAt(in NodeHandle directory, ReadOnlySpan<byte> path, Span<byte> buffer) =>
        ReadLinkPath(directory, path, buffer, false);

    /// <summary>fchmodat / utimensat / truncate relative to a handle: setattr of the node at
    /// <paramref name="path"/> (the last link not followed with <see cref="AtFlags.SymlinkNoFollow"/>;
    /// the handle's own node with <see cref="AtFlags.EmptyPath"/> and an empty path).</summary>
    public VfsError SetAttributesAt(in NodeHandle directory, ReadOnlySpan<byte> path, int atFlags, in AttributeChange change) =>
        SetAttributesPath(directory, path, atFlags, change, false);

    private VfsError ResolveAt(in NodeHandle start, ReadOnlySpan<byte> path, int atFlags, bool absoluteOnly, out Node node)
    {
        if (path.IsEmpty && (atFlags & AtFlags.EmptyPath) != 0 && _rootMount != null)
        {
            node = StartOf(start);
            return VfsError.None;
        }

        return ResolvePath(start, path, (atFlags & AtFlags.SymlinkNoFollow) == 0, absoluteOnly, out node);
    }

    private VfsError Acquire(Node node, out NodeHandle handle)
    {
        handle = default;
        VfsError error = node.Mount->Operations.Open(node.Mount->Instance, node.Id, OpenFlags.Path);
        if (error != VfsError.None)
        {
            return error;
        }

        node.Mount->OpenFiles++;
        handle.Mount = node.Mount;
        handle.Node = node.Id;
        handle.Type = node.Type;
        return VfsError.None;
    }
}
