using System;

namespace Aurora.Vfs;

public unsafe partial struct VirtualFileSystem<TMemory>
{
    /// <summary>mkdir(2) with <c>mode &amp; 07777</c>. Exists for a taken name (and for "/", "."
    /// and ".."); a trailing slash is allowed.</summary>
    public VfsError Mkdir(ReadOnlySpan<byte> path, uint mode)
    {
        VfsError error = WalkToParent(path, out ParentPath parent);
        if (error != VfsError.None)
        {
            return error;
        }

        Inode* dir = parent.Directory;
        if (parent.Kind != LastKind.Normal || Tmpfs.Find(dir, parent.Name) != null)
        {
            return VfsError.Exists;
        }

        Inode* inode = Tmpfs.NewInode(ref _memory, dir->FileSystem, FileMode.Directory | (mode & FileMode.PermissionMask), Now);
        if (inode == null)
        {
            return VfsError.NoMemory;
        }

        DirectoryNode* node = Tmpfs.NewEntry(ref _memory, parent.Name, inode);
        if (node == null)
        {
            Tmpfs.FreeInode(ref _memory, inode);
            return VfsError.NoMemory;
        }

        inode->LinkCount = 2;
        inode->Parent = dir;
        Tmpfs.Link(dir, node);
        dir->LinkCount++;
        dir->ModifyTime = Now;
        dir->ChangeTime = Now;
        return VfsError.None;
    }

    /// <summary>rmdir(2): removes an empty directory. NotEmpty if it has entries, NotDirectory
    /// for a file, Busy for "/" and mount points, InvalidArgument for a last component ".",
    /// NotEmpty for "..". A removed directory that is still open stays valid but empty.</summary>
    public VfsError Rmdir(ReadOnlySpan<byte> path)
    {
        VfsError error = WalkToParent(path, out ParentPath parent);
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

        Inode* dir = parent.Directory;
        DirectoryNode* node = Tmpfs.Find(dir, parent.Name);
        if (node == null)
        {
            return VfsError.NoEntry;
        }

        Inode* victim = node->Inode;
        if (!victim->IsDirectory)
        {
            return VfsError.NotDirectory;
        }

        if (victim->MountedHere != null)
        {
            return VfsError.Busy;
        }

        if (victim->EntryCount != 0)
        {
            return VfsError.NotEmpty;
        }

        Tmpfs.Unlink(dir, node);
        _memory.Free(node);
        dir->LinkCount--;
        dir->ModifyTime = Now;
        dir->ChangeTime = Now;
        RetireDirectory(victim);
        return VfsError.None;
    }

    /// <summary>unlink(2): removes a name of a regular file. IsDirectory for a directory (Linux's
    /// choice; POSIX allows EPERM), NotDirectory for a file named with a trailing slash. The
    /// inode lives on while the file is open.</summary>
    public VfsError Unlink(ReadOnlySpan<byte> path)
    {
        VfsError error = WalkToParent(path, out ParentPath parent);
        if (error != VfsError.None)
        {
            return error;
        }

        if (parent.Kind != LastKind.Normal)
        {
            return VfsError.IsDirectory;
        }

        Inode* dir = parent.Directory;
        DirectoryNode* node = Tmpfs.Find(dir, parent.Name);
        if (node == null)
        {
            return VfsError.NoEntry;
        }

        Inode* victim = node->Inode;
        if (victim->IsDirectory)
        {
            return VfsError.IsDirectory;
        }

        if (parent.TrailingSlash)
        {
            return VfsError.NotDirectory;
        }

        Tmpfs.Unlink(dir, node);
        _memory.Free(node);
        dir->ModifyTime = Now;
        dir->ChangeTime = Now;
        victim->LinkCount--;
        victim->ChangeTime = Now;
        Tmpfs.ReleaseIfUnused(ref _memory, victim);
        return VfsError.None;
    }

    /// <summary>
    /// rename(2) within one mounted file system. Checks, in this order: both parents resolve;
    /// they are on the same file system (CrossDevice); neither last component is "/", "." or
    /// ".." (Busy); the source exists (NoEntry) and is not a mount point (Busy); a file is not
    /// named with a trailing slash (NotDirectory); a directory is not moved into itself
    /// (InvalidArgument). An existing target is replaced if it is the same kind — a file by a
    /// file, an empty directory by a directory — else NotDirectory / IsDirectory / NotEmpty, Busy
    /// if it is a mount point. Renaming a name onto itself (or onto the same inode) does nothing.
    /// </summary>
    public VfsError Rename(ReadOnlySpan<byte> oldPath, ReadOnlySpan<byte> newPath)
    {
        VfsError error = WalkToParent(oldPath, out ParentPath from);
        if (error != VfsError.None)
        {
            return error;
        }

        error = WalkToParent(newPath, out ParentPath to);
        if (error != VfsError.None)
        {
            return error;
        }

        Inode* fromDir = from.Directory;
        Inode* toDir = to.Directory;
        if (fromDir->FileSystem != toDir->FileSystem)
        {
            return VfsError.CrossDevice;
        }

        if (from.Kind != LastKind.Normal || to.Kind != LastKind.Normal)
        {
            return VfsError.Busy;
        }

        DirectoryNode* source = Tmpfs.Find(fromDir, from.Name);
        if (source == null)
        {
            return VfsError.NoEntry;
        }

        Inode* moving = source->Inode;
        if (moving->MountedHere != null)
        {
            return VfsError.Busy;
        }

        bool isDirectory = moving->IsDirectory;
        if (!isDirectory && (from.TrailingSlash || to.TrailingSlash))
        {
            return VfsError.NotDirectory;
        }

        if (isDirectory)
        {
            // The new parent must not be the directory itself or below it. Parent links stay
            // within one file system and end at its root, which points to itself.
            for (Inode* p = toDir; ; p = p->Parent)
            {
                if (p == moving)
                {
                    return VfsError.InvalidArgument;
                }

                if (p->Parent == p)
                {
                    break;
                }
            }
        }

        DirectoryNode* existing = Tmpfs.Find(toDir, to.Name);
        Inode* replaced = null;
        if (existing != null)
        {
            replaced = existing->Inode;
            if (replaced == moving)
            {
                return VfsError.None;
            }

            if (replaced->MountedHere != null)
            {
                return VfsError.Busy;
            }

            if (isDirectory && !replaced->IsDirectory)
            {
                return VfsError.NotDirectory;
            }

            if (!isDirectory && replaced->IsDirectory)
            {
                return VfsError.IsDirectory;
            }

            if (replaced->IsDirectory && replaced->EntryCount != 0)
            {
                return VfsError.NotEmpty;
            }
        }

        // The only allocation comes first, so running out of memory changes nothing.
        DirectoryNode* moved = Tmpfs.NewEntry(ref _memory, to.Name, moving);
        if (moved == null)
        {
            return VfsError.NoMemory;
        }

        if (replaced != null)
        {
            Tmpfs.Unlink(toDir, existing);
            _memory.Free(existing);
            if (replaced->IsDirectory)
            {
                toDir->LinkCount--;
                RetireDirectory(replaced);
            }
            else
            {
                replaced->LinkCount--;
                replaced->ChangeTime = Now;
                Tmpfs.ReleaseIfUnused(ref _memory, replaced);
            }
        }

        Tmpfs.Unlink(fromDir, source);
        _memory.Free(source);
        Tmpfs.Link(toDir, moved);
        if (isDirectory && fromDir != toDir)
        {
            fromDir->LinkCount--;
            toDir->LinkCount++;
            moving->Parent = toDir;
        }

        moving->ChangeTime = Now;
        fromDir->ModifyTime = Now;
        fromDir->ChangeTime = Now;
        toDir->ModifyTime = Now;
        toDir->ChangeTime = Now;
        return VfsError.None;
    }

    /// <summary>A directory just lost its name: no links; ".." now leads to itself, so a
    /// descriptor still open on it never reaches a parent that may be freed.</summary>
    private void RetireDirectory(Inode* dir)
    {
        dir->LinkCount = 0;
        dir->Parent = dir;
        dir->ChangeTime = Now;
        Tmpfs.ReleaseIfUnused(ref _memory, dir);
    }

    /// <summary>
    /// getdents(2), one entry at a time: entry <paramref name="index"/> of the directory open as
    /// <paramref name="fd"/> — 0 is ".", 1 is "..", then the names in creation order. Returns the
    /// name's length with the name in <paramref name="name"/>, 0 past the last entry, or -errno:
    /// NotDirectory for a file, InvalidArgument for a negative index or a buffer shorter than the
    /// name (256 bytes always suffice). Costs O(index): walk from 0 upwards.
    /// </summary>
    public readonly long ReadDirectory(ref FileTable files, int fd, long index, Span<byte> name, out DirectoryEntry entry)
    {
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            entry = default;
            return -(long)VfsError.BadDescriptor;
        }

        return ReadDirectoryOf(file->Inode, index, name, out entry);
    }

    /// <summary><see cref="ReadDirectory(ref FileTable, int, long, Span{byte}, out DirectoryEntry)"/>
    /// of the directory at <paramref name="path"/>, without a descriptor.</summary>
    public readonly long ReadDirectory(ReadOnlySpan<byte> path, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        VfsError error = Resolve(path, out Inode* dir);
        if (error != VfsError.None)
        {
            return -(long)error;
        }

        return ReadDirectoryOf(dir, index, name, out entry);
    }

    private static long ReadDirectoryOf(Inode* dir, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        if (!dir->IsDirectory)
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

            entry.Inode = index == 0 ? dir->Number : ParentOf(dir)->Number;
            entry.Type = DirectoryEntryType.Directory;
            entry.NameLength = (int)index + 1;
            return entry.NameLength;
        }

        DirectoryNode* node = dir->FirstEntry;
        for (long i = 2; i < index && node != null; i++)
        {
            node = node->Next;
        }

        if (node == null)
        {
            return 0;
        }

        if (name.Length < node->NameLength)
        {
            return -(long)VfsError.InvalidArgument;
        }

        new ReadOnlySpan<byte>(DirectoryNode.NameOf(node), node->NameLength).CopyTo(name);
        entry.Inode = node->Inode->Number;
        entry.Type = node->Inode->IsDirectory ? DirectoryEntryType.Directory : DirectoryEntryType.Regular;
        entry.NameLength = node->NameLength;
        return node->NameLength;
    }
}
