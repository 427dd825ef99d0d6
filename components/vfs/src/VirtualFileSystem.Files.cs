using System;

namespace Aurora.Vfs;

public unsafe partial struct VirtualFileSystem<TMemory>
{
    /// <summary>
    /// open(2): the lowest free descriptor, or -errno. O_CREAT makes a regular file with
    /// <c>mode &amp; 07777</c> (no umask here) when the name is free — through a dangling symbolic
    /// link too, as Linux; O_EXCL makes an existing name (a link included) Exists; O_TRUNC empties
    /// a regular file; O_APPEND makes every write go to the end; O_DIRECTORY requires a directory;
    /// O_NOFOLLOW makes a symbolic link as the last component Loop. Directories open read-only
    /// (IsDirectory otherwise). Writing access to a read-only file system is ReadOnlyFileSystem.
    /// The descriptor is chosen before the path is looked at, so a full table is
    /// TooManyOpenFiles whatever the path (as in Linux).
    /// </summary>
    public long Open(ref FileTable files, ReadOnlySpan<byte> path, int flags, uint mode) =>
        OpenPath(ref files, default, path, flags, mode, true);

    private long OpenPath(ref FileTable files, in NodeHandle start, ReadOnlySpan<byte> path, int flags, uint mode, bool absoluteOnly)
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

        VfsError error = BeginWalk(start, path, absoluteOnly, 0, out Walk walk);
        if (error != VfsError.None)
        {
            return -(long)error;
        }

        error = WalkToParent(ref walk);
        if (error != VfsError.None)
        {
            return -(long)error;
        }

        bool create = (flags & OpenFlags.Create) != 0;
        bool exclusive = create && (flags & OpenFlags.Exclusive) != 0;
        // O_CREAT|O_EXCL never follows the last link (Linux: the link itself makes it EEXIST).
        bool follow = (flags & OpenFlags.NoFollow) == 0 && !exclusive;
        error = LookupLast(ref walk, follow, out Node target, out bool lastMissing);
        if (error == VfsError.NoEntry && lastMissing && create && walk.Kind == LastKind.Normal)
        {
            return walk.TrailingSlash ? -(long)VfsError.IsDirectory : CreateAndOpen(ref files, fd, walk.Directory, walk.Name, flags, mode);
        }

        if (error != VfsError.None)
        {
            return -(long)error;
        }

        if (exclusive && walk.Kind == LastKind.Normal)
        {
            return -(long)VfsError.Exists;
        }

        if (target.IsSymbolicLink)
        {
            return -(long)VfsError.Loop;
        }

        if (target.IsDirectory)
        {
            if (create || access != OpenFlags.ReadOnly)
            {
                return -(long)VfsError.IsDirectory;
            }
        }
        else if (walk.TrailingSlash || (flags & OpenFlags.Directory) != 0)
        {
            return -(long)VfsError.NotDirectory;
        }

        error = NewOpenFile(target, flags, out OpenFile* file);
        if (error != VfsError.None)
        {
            return -(long)error;
        }

        // O_TRUNC means nothing to a FIFO or a device (Linux handle_truncate: regular files only).
        if ((flags & OpenFlags.Truncate) != 0 && target.Type == FileMode.Regular && SizeOf(target) != 0)
        {
            AttributeChange change = default;
            change.Valid = AttributeMask.Size;
            error = target.Mount->Operations.SetAttributes(target.Mount->Instance, ref _memory, target.Id, in change, Now);
            if (error != VfsError.None)
            {
                Release(file);
                return -(long)error;
            }
        }

        files.Set(fd, file);
        return fd;
    }

    private long CreateAndOpen(ref FileTable files, int fd, Node directory, ReadOnlySpan<byte> name, int flags, uint mode)
    {
        var file = (OpenFile*)_memory.Allocate((nuint)sizeof(OpenFile));
        if (file == null)
        {
            return -(long)VfsError.NoMemory;
        }

        MountEntry<TMemory>* mount = directory.Mount;
        VfsError error = mount->Operations.Create(mount->Instance, ref _memory, directory.Id, name,
            FileMode.Regular | (mode & FileMode.PermissionMask), Now, out ulong node);
        if (error == VfsError.None)
        {
            error = mount->Operations.Open(mount->Instance, node, flags);
        }

        if (error != VfsError.None)
        {
            _memory.Free(file);
            return -(long)error;
        }

        Describe(file, new Node(mount, node, FileMode.Regular), flags);
        files.Set(fd, file);
        return fd;
    }

    /// <summary>A new open file description of <paramref name="node"/>, its file system told
    /// (which may refuse: ReadOnlyFileSystem).</summary>
    private VfsError NewOpenFile(Node node, int flags, out OpenFile* file)
    {
        file = (OpenFile*)_memory.Allocate((nuint)sizeof(OpenFile));
        if (file == null)
        {
            return VfsError.NoMemory;
        }

        VfsError error = node.Mount->Operations.Open(node.Mount->Instance, node.Id, flags);
        if (error != VfsError.None)
        {
            _memory.Free(file);
            file = null;
            return error;
        }

        Describe(file, node, flags);
        return VfsError.None;
    }

    private static void Describe(OpenFile* file, Node node, int flags)
    {
        file->Mount = node.Mount;
        file->Node = node.Id;
        file->Type = node.Type;
        file->Offset = 0;
        file->Flags = flags;
        file->References = 1;
        node.Mount->OpenFiles++;
    }

    private static Node NodeOf(OpenFile* file) => new((MountEntry<TMemory>*)file->Mount, file->Node, file->Type);

    private static long SizeOf(Node node)
    {
        Fill(node, out FileStatus status);
        return status.Size;
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

        var mount = (MountEntry<TMemory>*)file->Mount;
        ulong node = file->Node;
        mount->OpenFiles--;
        _memory.Free(file);
        mount->Operations.Close(mount->Instance, ref _memory, node);
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

        if (file->IsDirectory)
        {
            return -(long)VfsError.IsDirectory;
        }

        var mount = (MountEntry<TMemory>*)file->Mount;
        long count = mount->Operations.Read(mount->Instance, file->Node, file->Offset, buffer, Now);
        if (count > 0)
        {
            file->Offset += count;
        }

        return count;
    }

    /// <summary>mmap's page: the page of the regular file open as <paramref name="fd"/> that holds
    /// <paramref name="offset"/> (page aligned), as <see cref="IFileSystem.GetPage"/> gives it
    /// (null for a hole unless <paramref name="allocate"/>). Only the descriptor is checked:
    /// which access a mapping may have is the caller's (mmap's) decision. BadDescriptor,
    /// IsDirectory, InvalidArgument (misaligned, or beyond the last page), NoDevice, NoSpace,
    /// NoMemory.</summary>
    public VfsError GetPage(ref FileTable files, int fd, long offset, bool allocate, out byte* page)
    {
        page = null;
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            return VfsError.BadDescriptor;
        }

        if (file->IsDirectory)
        {
            return VfsError.IsDirectory;
        }

        var mount = (MountEntry<TMemory>*)file->Mount;
        return mount->Operations.GetPage(mount->Instance, ref _memory, file->Node, offset, allocate, out page);
    }

    /// <summary>pread for mmap: bytes of the file open as <paramref name="fd"/> at
    /// <paramref name="offset"/>, the descriptor's own offset untouched (a private mapping of a
    /// file whose pages cannot be shared is filled from here). Count, or -errno.</summary>
    public long ReadAt(ref FileTable files, int fd, long offset, Span<byte> buffer)
    {
        OpenFile* file = files.Get(fd);
        if (file == null)
        {
            return -(long)VfsError.BadDescriptor;
        }

        if (file->IsDirectory)
        {
            return -(long)VfsError.IsDirectory;
        }

        var mount = (MountEntry<TMemory>*)file->Mount;
        return mount->Operations.Read(mount->Instance, file->Node, offset, buffer, Now);
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

        if ((file->Flags & OpenFlags.Append) != 0)
        {
            file->Offset = SizeOf(NodeOf(file));
        }

        var mount = (MountEntry<TMemory>*)file->Mount;
        long written = mount->Operations.Write(mount->Instance, ref _memory, file->Node, file->Offset, data, Now);
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
                if (file->IsDirectory)
                {
                    return -(long)VfsError.InvalidArgument;
                }

                origin = SizeOf(NodeOf(file));
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

        Fill(NodeOf(file), out status);
        return VfsError.None;
    }

    /// <summary>truncate(2): sets the size of the regular file at <paramref name="path"/>
    /// (links followed); growing leaves a hole. IsDirectory for a directory, InvalidArgument for
    /// a negative length, FileTooLarge past <see cref="VfsLimits.MaxFileSize"/>.</summary>
    public VfsError Truncate(ReadOnlySpan<byte> path, long length)
    {
        if (length < 0)
        {
            return VfsError.InvalidArgument;
        }

        VfsError error = ResolvePath(default, path, true, true, out Node target);
        if (error != VfsError.None)
        {
            return error;
        }

        if (target.IsDirectory)
        {
            return VfsError.IsDirectory;
        }

        return SetSize(target, length);
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

        if (length < 0 || !file->CanWrite || file->IsDirectory)
        {
            return VfsError.InvalidArgument;
        }

        return SetSize(NodeOf(file), length);
    }

    private VfsError SetSize(Node node, long length)
    {
        AttributeChange change = default;
        change.Valid = AttributeMask.Size;
        change.Size = length;
        return node.Mount->Operations.SetAttributes(node.Mount->Instance, ref _memory, node.Id, in change, Now);
    }
}
