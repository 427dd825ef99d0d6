using System;

namespace Aurora.Vfs;

public unsafe partial struct VirtualFileSystem<TMemory>
{
    /// <summary>mkdir(2) with <c>mode &amp; 07777</c>. Exists for a taken name (a symbolic link
    /// included, and for "/", "." and ".."); a trailing slash is allowed.</summary>
    public VfsError Mkdir(ReadOnlySpan<byte> path, uint mode) => MkdirPath(default, path, mode, true);

    private VfsError MkdirPath(in NodeHandle start, ReadOnlySpan<byte> path, uint mode, bool absoluteOnly)
    {
        VfsError error = WalkToParentOf(start, path, absoluteOnly, 0, out Walk parent);
        if (error != VfsError.None)
        {
            return error;
        }

        Node dir = parent.Directory;
        if (parent.Kind != LastKind.Normal || LookupIn(dir, parent.Name, out _) == VfsError.None)
        {
            return VfsError.Exists;
        }

        return dir.Mount->Operations.Create(dir.Mount->Instance, ref _memory, dir.Id, parent.Name,
            FileMode.Directory | (mode & FileMode.PermissionMask), Now, out _);
    }

    /// <summary>rmdir(2): removes an empty directory. NotEmpty if it has entries, NotDirectory
    /// for a file or a symbolic link, Busy for "/" and mount points, InvalidArgument for a last
    /// component ".", NotEmpty for "..". A removed directory that is still open stays valid but
    /// empty.</summary>
    public VfsError Rmdir(ReadOnlySpan<byte> path) => RmdirPath(default, path, true);

    private VfsError RmdirPath(in NodeHandle start, ReadOnlySpan<byte> path, bool absoluteOnly)
    {
        VfsError error = WalkToParentOf(start, path, absoluteOnly, 0, out Walk parent);
        if (error != VfsError.None)
        {
            return error;
        }

        switch (parent.Kind)
        {
            case LastKind.Root:
                return VfsError.Busy;
            case LastKind.Dot:
                return VfsError.InvalidArgument;
            case LastKind.DotDot:
                return VfsError.NotEmpty;
        }

        Node dir = parent.Directory;
        error = LookupIn(dir, parent.Name, out Node victim);
        if (error != VfsError.None)
        {
            return error;
        }

        if (!victim.IsDirectory)
        {
            return VfsError.NotDirectory;
        }

        if (MountedOn(victim) != null)
        {
            return VfsError.Busy;
        }

        return dir.Mount->Operations.RemoveDirectory(dir.Mount->Instance, ref _memory, dir.Id, parent.Name, Now);
    }

    /// <summary>unlink(2): removes a name of a regular file or symbolic link (never what the link
    /// points to). IsDirectory for a directory (Linux's choice; POSIX allows EPERM), NotDirectory
    /// for a file named with a trailing slash. The inode lives on while the file is open.</summary>
    public VfsError Unlink(ReadOnlySpan<byte> path) => UnlinkPath(default, path, true);

    private VfsError UnlinkPath(in NodeHandle start, ReadOnlySpan<byte> path, bool absoluteOnly)
    {
        VfsError error = WalkToParentOf(start, path, absoluteOnly, 0, out Walk parent);
        if (error != VfsError.None)
        {
            return error;
        }

        if (parent.Kind != LastKind.Normal)
        {
            return VfsError.IsDirectory;
        }

        Node dir = parent.Directory;
        error = LookupIn(dir, parent.Name, out Node victim);
        if (error != VfsError.None)
        {
            return error;
        }

        if (victim.IsDirectory)
        {
            return VfsError.IsDirectory;
        }

        if (parent.TrailingSlash)
        {
            return VfsError.NotDirectory;
        }

        return dir.Mount->Operations.Unlink(dir.Mount->Instance, ref _memory, dir.Id, parent.Name, Now);
    }

    /// <summary>
    /// rename(2) within one mounted file system. Checks, in this order: both parents resolve;
    /// they are on the same mount (CrossDevice); neither last component is "/", "." or ".."
    /// (Busy); the source exists (NoEntry) and is not a mount point (Busy); a file is not named
    /// with a trailing slash (NotDirectory); a directory is not moved into itself
    /// (InvalidArgument). An existing target is replaced if it is the same kind — a file by a
    /// file, an empty directory by a directory — else NotDirectory / IsDirectory / NotEmpty, Busy
    /// if it is a mount point. Renaming a name onto itself (or onto the same inode) does nothing.
    /// Symbolic links are renamed, not followed.
    /// </summary>
    public VfsError Rename(ReadOnlySpan<byte> oldPath, ReadOnlySpan<byte> newPath) =>
        RenamePath(default, oldPath, default, newPath, true);

    private VfsError RenamePath(in NodeHandle oldStart, ReadOnlySpan<byte> oldPath, in NodeHandle newStart, ReadOnlySpan<byte> newPath, bool absoluteOnly)
    {
        VfsError error = WalkToParentOf(oldStart, oldPath, absoluteOnly, 0, out Walk from);
        if (error != VfsError.None)
        {
            return error;
        }

        // The second path walks with the other scratch buffer: the first's name may live in one.
        error = WalkToParentOf(newStart, newPath, absoluteOnly, 1, out Walk to);
        if (error != VfsError.None)
        {
            return error;
        }

        Node fromDir = from.Directory;
        Node toDir = to.Directory;
        if (fromDir.Mount != toDir.Mount)
        {
            return VfsError.CrossDevice;
        }

        if (from.Kind != LastKind.Normal || to.Kind != LastKind.Normal)
        {
            return VfsError.Busy;
        }

        error = LookupIn(fromDir, from.Name, out Node moving);
        if (error != VfsError.None)
        {
            return error;
        }

        if (MountedOn(moving) != null)
        {
            return VfsError.Busy;
        }

        bool isDirectory = moving.IsDirectory;
        if (!isDirectory && (from.TrailingSlash || to.TrailingSlash))
        {
            return VfsError.NotDirectory;
        }

        if (isDirectory)
        {
            // The new parent must not be the directory itself or below it. ".." stays within one
            // file system and ends at its root, whose ".." is itself.
            for (Node p = toDir; ;)
            {
                if (p.Id == moving.Id)
                {
                    return VfsError.InvalidArgument;
                }

                if (LookupIn(p, ".."u8, out Node up) != VfsError.None || up.Id == p.Id)
                {
                    break;
                }

                p = up;
            }
        }

        if (LookupIn(toDir, to.Name, out Node replaced) == VfsError.None)
        {
            if (replaced.Id == moving.Id)
            {
                return VfsError.None;
            }

            if (MountedOn(replaced) != null)
            {
                return VfsError.Busy;
            }

            if (isDirectory && !replaced.IsDirectory)
            {
                return VfsError.NotDirectory;
            }

            if (!isDirectory && replaced.IsDirectory)
            {
                return VfsError.IsDirectory;
            }
        }

        MountEntry<TMemory>* mount = fromDir.Mount;
        return mount->Operations.Rename(mount->Instance, ref _memory, fromDir.Id, from.Name, toDir.Id, to.Name, Now);
    }

    /// <summary>symlink(2): a symbolic link at <paramref name="linkPath"/> holding
    /// <paramref name="target"/> (not looked at: it may dangle). Exists for a taken name, NoEntry
    /// for an empty target, NameTooLong for one over 4095 bytes, InvalidArgument for a NUL in it.</summary>
    public VfsError Symlink(ReadOnlySpan<byte> target, ReadOnlySpan<byte> linkPath) => SymlinkPath(target, default, linkPath, true);

    private VfsError SymlinkPath(ReadOnlySpan<byte> target, in NodeHandle start, ReadOnlySpan<byte> linkPath, bool absoluteOnly)
    {
        if (target.IsEmpty)
        {
            return VfsError.NoEntry;
        }

        if (target.Length > VfsLimits.MaxPathLength)
        {
            return VfsError.NameTooLong;
        }

        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == 0)
            {
                return VfsError.InvalidArgument;
            }
        }

        VfsError error = WalkToParentOf(start, linkPath, absoluteOnly, 0, out Walk parent);
        if (error != VfsError.None)
        {
            return error;
        }

        Node dir = parent.Directory;
        if (parent.Kind != LastKind.Normal || LookupIn(dir, parent.Name, out _) == VfsError.None)
        {
            return VfsError.Exists;
        }

        return dir.Mount->Operations.Symlink(dir.Mount->Instance, ref _memory, dir.Id, parent.Name, target, Now);
    }

    /// <summary>link(2): a new name <paramref name="newPath"/> for the existing file at
    /// <paramref name="oldPath"/> (the old path's last symbolic link is linked itself, not
    /// followed, as Linux's link(2)). Linux's order of checks: the old path resolves; the new name
    /// is free (Exists, also for "/", "." and ".."; a missing name with a trailing slash is NoEntry);
    /// a read-only target file system is ReadOnlyFileSystem; both on one mount (CrossDevice); the
    /// old node is not a directory (NotPermitted).</summary>
    public VfsError Link(ReadOnlySpan<byte> oldPath, ReadOnlySpan<byte> newPath) =>
        LinkPath(default, oldPath, 0, default, newPath, true);

    private VfsError LinkPath(in NodeHandle oldStart, ReadOnlySpan<byte> oldPath, int atFlags, in NodeHandle newStart, ReadOnlySpan<byte> newPath, bool absoluteOnly)
    {
        // AT_SYMLINK_FOLLOW is linkat's follow flag; ResolveAt speaks AT_SYMLINK_NOFOLLOW.
        int resolveFlags = (atFlags & AtFlags.EmptyPath) | ((atFlags & AtFlags.SymlinkFollow) != 0 ? 0 : AtFlags.SymlinkNoFollow);
        VfsError error = ResolveAt(oldStart, oldPath, resolveFlags, absoluteOnly, out Node old);
        if (error != VfsError.None)
        {
            return error;
        }

        // The second path walks with the other scratch buffer, as rename's.
        error = WalkToParentOf(newStart, newPath, absoluteOnly, 1, out Walk parent);
        if (error != VfsError.None)
        {
            return error;
        }

        Node dir = parent.Directory;
        if (parent.Kind != LastKind.Normal || LookupIn(dir, parent.Name, out _) == VfsError.None)
        {
            return VfsError.Exists;
        }

        if (parent.TrailingSlash)
        {
            return VfsError.NoEntry;
        }

        dir.Mount->Operations.StatFileSystem(dir.Mount->Instance, out FileSystemStatus figures);
        if (figures.ReadOnly)
        {
            return VfsError.ReadOnlyFileSystem;
        }

        if (old.Mount != dir.Mount)
        {
            return VfsError.CrossDevice;
        }

        if (old.IsDirectory)
        {
            return VfsError.NotPermitted;
        }

        return dir.Mount->Operations.Link(dir.Mount->Instance, ref _memory, dir.Id, parent.Name, old.Id, Now);
    }

    /// <summary>mknod(2): a FIFO, character or block device (st_rdev <paramref name="device"/>),
    /// socket or regular file (type 0 is a regular file) with <c>mode &amp; 07777</c>.
    /// NotPermitted for a directory type, InvalidArgument for any other type; then as mkdir:
    /// Exists for a taken name (and "/", ".", ".."), NoEntry for a trailing slash.</summary>
    public VfsError MakeNode(ReadOnlySpan<byte> path, uint mode, ulong device) => MakeNodePath(default, path, mode, device, true);

    private VfsError MakeNodePath(in NodeHandle start, ReadOnlySpan<byte> path, uint mode, ulong device, bool absoluteOnly)
    {
        if ((mode & FileMode.TypeMask) == 0)
        {
            mode |= FileMode.Regular;
        }

        if (FileMode.IsDirectory(mode))
        {
            return VfsError.NotPermitted;
        }

        if (!FileMode.IsSpecialOrRegular(mode))
        {
            return VfsError.InvalidArgument;
        }

        VfsError error = WalkToParentOf(start, path, absoluteOnly, 0, out Walk parent);
        if (error != VfsError.None)
        {
            return error;
        }

        Node dir = parent.Directory;
        if (parent.Kind != LastKind.Normal || LookupIn(dir, parent.Name, out _) == VfsError.None)
        {
            return VfsError.Exists;
        }

        if (parent.TrailingSlash)
        {
            return VfsError.NoEntry;
        }

        return dir.Mount->Operations.MakeNode(dir.Mount->Instance, ref _memory, dir.Id, parent.Name,
            mode & (FileMode.TypeMask | FileMode.PermissionMask), device, Now);
    }

    /// <summary>readlink(2): the target of the symbolic link at <paramref name="path"/> copied
    /// to <paramref name="buffer"/> (cut to its length, no NUL added): the count, or -errno —
    /// InvalidArgument if the path is not a symbolic link.</summary>
    public long ReadLink(ReadOnlySpan<byte> path, Span<byte> buffer) => ReadLinkPath(default, path, buffer, true);

    private long ReadLinkPath(in NodeHandle start, ReadOnlySpan<byte> path, Span<byte> buffer, bool absoluteOnly)
    {
        VfsError error = ResolvePath(start, path, false, absoluteOnly, out Node link);
        if (error != VfsError.None)
        {
            return -(long)error;
        }

        if (!link.IsSymbolicLink)
        {
            return -(long)VfsError.InvalidArgument;
        }

        return link.Mount->Operations.ReadLink(link.Mount->Instance, link.Id, buffer);
    }

    /// <summary>setattr (chmod, truncate, utimens) of the node at <paramref name="path"/>, links
    /// followed: what <paramref name="change"/> marks valid. InvalidArgument for a negative size,
    /// IsDirectory for the size of a directory, ReadOnlyFileSystem on a read-only file system.</summary>
    public VfsError SetAttributes(ReadOnlySpan<byte> path, in AttributeChange change) =>
        SetAttributesPath(default, path, 0, change, true);

    private VfsError SetAttributesPath(in NodeHandle start, ReadOnlySpan<byte> path, int atFlags, in AttributeChange change, bool absoluteOnly)
    {
        if ((change.Valid & AttributeMask.Size) != 0 && change.Size < 0)
        {
            return VfsError.InvalidArgument;
        }

        VfsError error = ResolveAt(start, path, atFlags, absoluteOnly, out Node target);
        if (error != VfsError.None)
        {
            return error;
        }

        if ((change.Valid & AttributeMask.Size) != 0 && target.IsDirectory)
        {
            return VfsError.IsDirectory;
        }

        return target.Mount->Operations.SetAttributes(target.Mount->Instance, ref _memory, target.Id, in change, Now);
    }

    private VfsError WalkToParentOf(in NodeHandle start, ReadOnlySpan<byte> path, bool absoluteOnly, int scratch, out Walk walk)
    {
        VfsError error = BeginWalk(start, path, absoluteOnly, scratch, out walk);
        return error != VfsError.None ? error : WalkToParent(ref walk);
    }

    /// <summary>
    /// getdents(2), one entry at a time: the first entry of the directory open as
    /// <paramref name="fd"/> at or after offset <paramref name="index"/> — 0 is ".", 1 is "..",
    /// then the names in the file system's order (tmpfs: creation order) — with
    /// <see cref="DirectoryEntry.Offset"/> the offset to continue from (d_off). Offsets are stable
    /// cursors, not positions: removing or adding names between calls never skips or repeats a
    /// name that stays (a readdir + unlink loop empties a directory in one pass, as on Linux).
    /// Returns the name's length with the name in <paramref name="name"/>, 0 past the last
    /// entry, or -errno: NotDirectory for a file, InvalidArgument for a negative offset or a
    /// buffer shorter than the name (256 bytes always suffice). Costs O(entries before it) on
    /// tmpfs: the list is walked from its start.
    /// </summary>
    public readonly long ReadDirectory(ref FileTable files, int fd, long index, Span<byte> name, out DirectoryEntry entry)
    {
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            entry = default;
            return -(long)VfsError.BadDescriptor;
        }

        return ReadDirectoryOf(NodeOf(file), index, name, out entry);
    }

    /// <summary><see cref="ReadDirectory(ref FileTable, int, long, Span{byte}, out DirectoryEntry)"/>
    /// of the directory at <paramref name="path"/>, without a descriptor.</summary>
    public long ReadDirectory(ReadOnlySpan<byte> path, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        VfsError error = ResolvePath(default, path, true, true, out Node dir);
        if (error != VfsError.None)
        {
            return -(long)error;
        }

        return ReadDirectoryOf(dir, index, name, out entry);
    }

    private static long ReadDirectoryOf(Node dir, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        if (!dir.IsDirectory)
        {
            return -(long)VfsError.NotDirectory;
        }

        if (index < 0)
        {
            return -(long)VfsError.InvalidArgument;
        }

        if (index < 2)
        {
            if (name.Length < index + 1)
            {
                return -(long)VfsError.InvalidArgument;
            }

            name[0] = (byte)'.';
            if (index == 1)
            {
                name[1] = (byte)'.';
            }

            Fill(index == 0 ? dir : ParentOf(dir), out FileStatus status);
            entry.Inode = status.Inode;
            entry.Type = DirectoryEntryType.Directory;
            entry.NameLength = (int)index + 1;
            entry.Offset = index + 1;
            return entry.NameLength;
        }

        MountEntry<TMemory>* mount = dir.Mount;
        long length = mount->Operations.ReadDirectory(mount->Instance, dir.Id, index - 2, name, out entry);
        if (length > 0)
        {
            // A file system that did not move its cursor on would have callers loop forever.
            entry.Offset = Math.Max(entry.Offset, index - 1) + 2;
        }

        return length;
    }
}
