using System;

namespace Aurora.Vfs;

public unsafe partial struct VirtualFileSystem<TMemory>
{
    /// <summary>
    /// open(2): the lowest free descriptor, or -errno. O_CREAT makes a regular file with
    /// <c>mode &amp; 07777</c> (no umask here) when the name is free; O_EXCL makes an existing name
    /// Exists; O_TRUNC empties a regular file; O_APPEND makes every write go to the end;
    /// O_DIRECTORY requires a directory. Directories open read-only (IsDirectory otherwise).
    /// The descriptor is chosen before the path is looked at, so a full table is
    /// TooManyOpenFiles whatever the path (as in Linux).
    /// </summary>
    public long Open(ref FileTable files, ReadOnlySpan<byte> path, int flags, uint mode)
    {
        int access = flags & OpenFlags.AccessModeMask;
        if (access == OpenFlags.AccessModeMask ||
            (flags & (OpenFlags.Create | OpenFlags.Directory)) == (OpenFlags.Create | OpenFlags.Directory))
        {
            // O_ACCMODE == 3 is not an access mode; O_CREAT|O_DIRECTORY is refused since Linux 6.4.
            return -(long)VfsError.InvalidArgument;
        }

        int fd = files.LowestFree();
        if (fd < 0)
        {
            return -(long)VfsError.TooManyOpenFiles;
        }

        VfsError error = WalkToParent(path, out ParentPath parent);
        if (error != VfsError.None)
        {
            return -(long)error;
        }

        bool create = (flags & OpenFlags.Create) != 0;
        Inode* target;
        if (parent.Kind == LastKind.Root)
        {
            target = parent.Directory;
        }
        else
        {
            error = Step(parent.Directory, parent.Name, out target);
            if (error == VfsError.NoEntry && create && parent.Kind == LastKind.Normal)
            {
                return parent.TrailingSlash ? -(long)VfsError.IsDirectory : CreateAndOpen(ref files, fd, parent, flags, mode);
            }

            if (error != VfsError.None)
            {
                return -(long)error;
            }
        }

        if (create && (flags & OpenFlags.Exclusive) != 0 && parent.Kind == LastKind.Normal)
        {
            return -(long)VfsError.Exists;
        }

        if (target->IsDirectory)
        {
            if (create || access != OpenFlags.ReadOnly)
            {
                return -(long)VfsError.IsDirectory;
            }
        }
        else if (parent.TrailingSlash || (flags & OpenFlags.Directory) != 0)
        {
            return -(long)VfsError.NotDirectory;
        }

        OpenFile* file = NewOpenFile(target, flags);
        if (file == null)
        {
            return -(long)VfsError.NoMemory;
        }

        if ((flags & OpenFlags.Truncate) != 0 && !target->IsDirectory && target->Size != 0)
        {
            Tmpfs.Truncate(ref _memory, target, 0, Now);
        }

        files.Set(fd, file);
        return fd;
    }

    private long CreateAndOpen(ref FileTable files, int fd, ParentPath parent, int flags, uint mode)
    {
        Inode* dir = parent.Directory;
        Inode* inode = Tmpfs.NewInode(ref _memory, dir->FileSystem, FileMode.Regular | (mode & FileMode.PermissionMask), Now);
        if (inode == null)
        {
            return -(long)VfsError.NoMemory;
        }

        DirectoryNode* node = Tmpfs.NewEntry(ref _memory, parent.Name, inode);
        OpenFile* file = node != null ? NewOpenFile(inode, flags) : null;
        if (file == null)
        {
            if (node != null)
            {
                _memory.Free(node);
            }

            Tmpfs.FreeInode(ref _memory, inode);
            return -(long)VfsError.NoMemory;
        }

        inode->LinkCount = 1;
        Tmpfs.Link(dir, node);
        dir->ModifyTime = Now;
        dir->ChangeTime = Now;
        files.Set(fd, file);
        return fd;
    }

    private OpenFile* NewOpenFile(Inode* inode, int flags)
    {
        var file = (OpenFile*)_memory.Allocate((nuint)sizeof(OpenFile));
        if (file == null)
        {
            return null;
        }

        file->Inode = inode;
        file->Offset = 0;
        file->Flags = flags;
        file->References = 1;
        inode->OpenCount++;
        inode->FileSystem->OpenFiles++;
        return file;
    }

    /// <summary>close(2). The inode of a file unlinked while open is freed with its last close.</summary>
    public VfsError Close(ref FileTable files, int fd)
    {
        if (!files.IsOpen(fd))
        {
            return VfsError.BadDescriptor;
        }

        Release(files.Take(fd));
        return VfsError.None;
    }

    /// <summary>Closes every descriptor of the table (process exit).</summary>
    public void CloseAll(ref FileTable files)
    {
        for (int fd = 0; fd < VfsLimits.MaxOpenFiles; fd++)
        {
            if (files.IsOpen(fd))
            {
                Release(files.Take(fd));
            }
        }
    }

    private void Release(OpenFile* file)
    {
        if (--file->References != 0)
        {
            return;
        }

        Inode* inode = file->Inode;
        inode->OpenCount--;
        inode->FileSystem->OpenFiles--;
        _memory.Free(file);
        Tmpfs.ReleaseIfUnused(ref _memory, inode);
    }

    /// <summary>dup(2): a new lowest descriptor sharing the open file description (and so the
    /// offset) of <paramref name="fd"/>.</summary>
    public long Duplicate(ref FileTable files, int fd)
    {
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            return -(long)VfsError.BadDescriptor;
        }

        int copy = files.LowestFree();
        if (copy < 0)
        {
            return -(long)VfsError.TooManyOpenFiles;
        }

        file->References++;
        files.Set(copy, file);
        return copy;
    }

    /// <summary>fork(2): gives <paramref name="destination"/> (which must be empty, else
    /// InvalidArgument) the same descriptors as <paramref name="source"/>, sharing each open file
    /// description.</summary>
    public readonly VfsError CopyDescriptors(ref FileTable source, ref FileTable destination)
    {
        if (destination.Count != 0)
        {
            return VfsError.InvalidArgument;
        }

        for (int fd = 0; fd < VfsLimits.MaxOpenFiles; fd++)
        {
            OpenFile* file = source.Get(fd);
            if (file != null)
            {
                file->References++;
                destination.Set(fd, file);
            }
        }

        return VfsError.None;
    }

    /// <summary>read(2): bytes read (0 at the end), or -errno: BadDescriptor for a descriptor
    /// not open for reading, IsDirectory for a directory.</summary>
    public long Read(ref FileTable files, int fd, Span<byte> buffer)
    {
        OpenFile* file = files.Get(fd);
        if (file == null || !file->CanRead)
        {
            return -(long)VfsError.BadDescriptor;
        }

        Inode* inode = file->Inode;
        if (inode->IsDirectory)
        {
            return -(long)VfsError.IsDirectory;
        }

        int count = Tmpfs.Read(inode, file->Offset, buffer);
        file->Offset += count;
        inode->AccessTime = Now;
        return count;
    }

    /// <summary>write(2): bytes written, or -errno: BadDescriptor for a descriptor not open for
    /// writing, NoSpace/NoMemory when not even one byte fits (a write cut short by them returns
    /// what it wrote), FileTooLarge at <see cref="VfsLimits.MaxFileSize"/>. With O_APPEND the
    /// offset moves to the end first. Writing past the end leaves a hole that reads as zeros.</summary>
    public long Write(ref FileTable files, int fd, ReadOnlySpan<byte> data)
    {
        OpenFile* file = files.Get(fd);
        if (file == null || !file->CanWrite)
        {
            return -(long)VfsError.BadDescriptor;
        }

        Inode* inode = file->Inode;
        if ((file->Flags & OpenFlags.Append) != 0)
        {
            file->Offset = inode->Size;
        }

        long written = Tmpfs.Write(ref _memory, inode, file->Offset, data, Now);
        if (written > 0)
        {
            file->Offset += written;
        }

        return written;
    }

    /// <summary>lseek(2): the new offset, or -errno. The offset may pass the end of the file.
    /// InvalidArgument for an unknown whence, a negative result, and SEEK_END on a directory
    /// (as Linux tmpfs directories).</summary>
    public long Seek(ref FileTable files, int fd, long offset, int whence)
    {
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            return -(long)VfsError.BadDescriptor;
        }

        long origin;
        switch (whence)
        {
            case SeekOrigin.Set:
                origin = 0;
                break;
            case SeekOrigin.Current:
                origin = file->Offset;
                break;
            case SeekOrigin.End:
                if (file->Inode->IsDirectory)
                {
                    return -(long)VfsError.InvalidArgument;
                }

                origin = file->Inode->Size;
                break;
            default:
                return -(long)VfsError.InvalidArgument;
        }

        if ((offset > 0 && origin > long.MaxValue - offset) || origin + offset < 0)
        {
            return -(long)VfsError.InvalidArgument;
        }

        file->Offset = origin + offset;
        return file->Offset;
    }

    /// <summary>fstat(2).</summary>
    public readonly VfsError FStat(ref FileTable files, int fd, out FileStatus status)
    {
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            status = default;
            return VfsError.BadDescriptor;
        }

        Fill(file->Inode, out status);
        return VfsError.None;
    }

    /// <summary>truncate(2): sets the size of the regular file at <paramref name="path"/>;
    /// growing leaves a hole. IsDirectory for a directory, InvalidArgument for a negative
    /// length, FileTooLarge past <see cref="VfsLimits.MaxFileSize"/>.</summary>
    public VfsError Truncate(ReadOnlySpan<byte> path, long length)
    {
        if (length < 0)
        {
            return VfsError.InvalidArgument;
        }

        VfsError error = Resolve(path, out Inode* target);
        if (error != VfsError.None)
        {
            return error;
        }

        if (target->IsDirectory)
        {
            return VfsError.IsDirectory;
        }

        return Tmpfs.Truncate(ref _memory, target, length, Now);
    }

    /// <summary>ftruncate(2): like <see cref="Truncate(ReadOnlySpan{byte}, long)"/> on an open
    /// descriptor, which must be open for writing (InvalidArgument otherwise, as in Linux).</summary>
    public VfsError Truncate(ref FileTable files, int fd, long length)
    {
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            return VfsError.BadDescriptor;
        }

        if (length < 0 || !file->CanWrite || file->Inode->IsDirectory)
        {
            return VfsError.InvalidArgument;
        }

        return Tmpfs.Truncate(ref _memory, file->Inode, length, Now);
    }
}
