using System;

namespace Aurora.Vfs;

/// <summary>
/// tmpfs as an <see cref="IFileSystem"/>: directories, regular files and symbolic links in memory
/// from the VFS's allocator. <see cref="VirtualFileSystem{TMemory}.Initialize(ulong)"/> and
/// <see cref="VirtualFileSystem{TMemory}.Mount(ReadOnlySpan{byte}, ulong)"/> make and own their
/// instances; one set up with <see cref="Initialize"/> can be mounted like any file system and is
/// destroyed by its owner after unmounting. Nodes are inode addresses.
/// </summary>
public unsafe struct TmpfsFileSystem : IFileSystem
{
    private Superblock* _super;

    /// <summary>TMPFS_MAGIC (uapi/linux/magic.h): statfs's f_type.</summary>
    public const ulong Magic = 0x01021994;

    /// <summary>Makes this a new, empty tmpfs: <paramref name="capacityBytes"/> limits its file
    /// pages (0 = unlimited). NoMemory if the superblock or root cannot be allocated.</summary>
    public VfsError Initialize<TMemory>(ref TMemory memory, ulong capacityBytes, long now)
        where TMemory : struct, IVfsMemory
    {
        _super = Tmpfs.Create(ref memory, capacityBytes, now);
        return _super == null ? VfsError.NoMemory : VfsError.None;
    }

    /// <summary>Frees every inode, entry and page. Only when not mounted.</summary>
    public void Destroy<TMemory>(ref TMemory memory)
        where TMemory : struct, IVfsMemory
    {
        if (_super != null)
        {
            Tmpfs.Destroy(ref memory, _super);
            _super = null;
        }
    }

    /// <inheritdoc/>
    public readonly ulong Root => (ulong)_super->Root;

    private static Inode* InodeOf(ulong node) => (Inode*)node;

    /// <inheritdoc/>
    public readonly VfsError Lookup(ulong directory, ReadOnlySpan<byte> name, out ulong node, out uint type)
    {
        Inode* dir = InodeOf(directory);
        Inode* found;
        if (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.')
        {
            found = dir->Parent;
        }
        else
        {
            DirectoryNode* entry = Tmpfs.Find(dir, name);
            found = entry != null ? entry->Inode : null;
        }

        if (found == null)
        {
            node = 0;
            type = 0;
            return VfsError.NoEntry;
        }

        node = (ulong)found;
        type = found->Mode & FileMode.TypeMask;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly void GetAttributes(ulong node, out FileStatus status)
    {
        Inode* inode = InodeOf(node);
        status = default;
        status.Inode = inode->Number;
        status.LinkCount = inode->LinkCount;
        status.Mode = inode->Mode;
        status.UserId = inode->UserId;
        status.GroupId = inode->GroupId;
        status.SpecialDevice = inode->SpecialDevice;
        status.Size = inode->IsDirectory ? Tmpfs.DirectorySize(inode) : inode->Size;
        status.BlockSize = VfsLimits.PageSize;
        status.Blocks = (long)inode->PagesInUse * (VfsLimits.PageSize / 512);
        FileStatus.SplitTime(inode->AccessTime, out status.AccessTimeSeconds, out status.AccessTimeNanoseconds);
        FileStatus.SplitTime(inode->ModifyTime, out status.ModifyTimeSeconds, out status.ModifyTimeNanoseconds);
        FileStatus.SplitTime(inode->ChangeTime, out status.ChangeTimeSeconds, out status.ChangeTimeNanoseconds);
    }

    /// <inheritdoc/>
    public readonly VfsError Open(ulong node, int flags)
    {
        InodeOf(node)->OpenCount++;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly void Close<TMemory>(ref TMemory memory, ulong node)
        where TMemory : struct, IVfsMemory
    {
        Inode* inode = InodeOf(node);
        inode->OpenCount--;
        Tmpfs.ReleaseIfUnused(ref memory, inode);
    }

    /// <inheritdoc/>
    public readonly long Read(ulong node, long offset, Span<byte> buffer, long now)
    {
        Inode* inode = InodeOf(node);
        int count = Tmpfs.Read(inode, offset, buffer);
        inode->AccessTime = now;
        return count;
    }

    /// <inheritdoc/>
    public readonly long Write<TMemory>(ref TMemory memory, ulong node, long offset, ReadOnlySpan<byte> data, long now)
        where TMemory : struct, IVfsMemory =>
        Tmpfs.Write(ref memory, InodeOf(node), offset, data, now);

    /// <inheritdoc/>
    public readonly VfsError GetPage<TMemory>(ref TMemory memory, ulong node, long offset, bool allocate, out byte* page)
        where TMemory : struct, IVfsMemory
    {
        page = null;
        Inode* inode = InodeOf(node);
        return inode->IsDirectory || inode->IsSymbolicLink ? VfsError.NoDevice : Tmpfs.GetPage(ref memory, inode, offset, allocate, out page);
    }

    /// <inheritdoc/>
    public readonly long ReadDirectory(ulong directory, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        DirectoryNode* node = InodeOf(directory)->FirstEntry;
        while (node != null && node->Cookie < index)
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
        entry.Type = DirectoryEntryType.Of(node->Inode->Mode);
        entry.NameLength = node->NameLength;
        entry.Offset = node->Cookie + 1;
        return node->NameLength;
    }

    /// <inheritdoc/>
    public readonly VfsError Create<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, long now, out ulong node)
        where TMemory : struct, IVfsMemory
    {
        node = 0;
        Inode* dir = InodeOf(directory);
        bool isDirectory = FileMode.IsDirectory(mode);
        if (!isDirectory && !FileMode.IsRegular(mode))
        {
            return VfsError.InvalidArgument;
        }

        if (Tmpfs.Find(dir, name) != null)
        {
            return VfsError.Exists;
        }

        Inode* inode = Tmpfs.NewInode(ref memory, _super, (mode & FileMode.TypeMask) | (mode & FileMode.PermissionMask), now);
        if (inode == null)
        {
            return VfsError.NoMemory;
        }

        DirectoryNode* entry = Tmpfs.NewEntry(ref memory, name, inode);
        if (entry == null)
        {
            Tmpfs.FreeInode(ref memory, inode);
            return VfsError.NoMemory;
        }

        if (isDirectory)
        {
            inode->LinkCount = 2;
            inode->Parent = dir;
            dir->LinkCount++;
        }
        else
        {
            inode->LinkCount = 1;
        }

        Tmpfs.Link(dir, entry);
        dir->ModifyTime = now;
        dir->ChangeTime = now;
        node = (ulong)inode;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly VfsError Symlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, long now)
        where TMemory : struct, IVfsMemory
    {
        Inode* dir = InodeOf(directory);
        if (Tmpfs.Find(dir, name) != null)
        {
            return VfsError.Exists;
        }

        // Linux makes every symbolic link 0777; its own bits are never used.
        Inode* inode = Tmpfs.NewInode(ref memory, _super, FileMode.SymbolicLink | 0x1FF, now);
        if (inode == null)
        {
            return VfsError.NoMemory;
        }

        inode->LinkTarget = (byte*)memory.Allocate((nuint)target.Length);
        DirectoryNode* entry = inode->LinkTarget != null ? Tmpfs.NewEntry(ref memory, name, inode) : null;
        if (entry == null)
        {
            Tmpfs.FreeInode(ref memory, inode);
            return VfsError.NoMemory;
        }

        target.CopyTo(new Span<byte>(inode->LinkTarget, target.Length));
        inode->Size = target.Length;
        inode->LinkCount = 1;
        Tmpfs.Link(dir, entry);
        dir->ModifyTime = now;
        dir->ChangeTime = now;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly VfsError Link<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ulong node, long now)
        where TMemory : struct, IVfsMemory
    {
        Inode* dir = InodeOf(directory);
        Inode* inode = InodeOf(node);
        if (inode->IsDirectory)
        {
            return VfsError.NotPermitted;
        }

        if (Tmpfs.Find(dir, name) != null)
        {
            return VfsError.Exists;
        }

        DirectoryNode* entry = Tmpfs.NewEntry(ref memory, name, inode);
        if (entry == null)
        {
            return VfsError.NoMemory;
        }

        Tmpfs.Link(dir, entry);
        inode->LinkCount++;
        inode->ChangeTime = now;
        dir->ModifyTime = now;
        dir->ChangeTime = now;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly VfsError MakeNode<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, ulong device, long now)
        where TMemory : struct, IVfsMemory
    {
        Inode* dir = InodeOf(directory);
        if (!FileMode.IsSpecialOrRegular(mode))
        {
            return VfsError.InvalidArgument;
        }

        if (Tmpfs.Find(dir, name) != null)
        {
            return VfsError.Exists;
        }

        Inode* inode = Tmpfs.NewInode(ref memory, _super, mode & (FileMode.TypeMask | FileMode.PermissionMask), now);
        if (inode == null)
        {
            return VfsError.NoMemory;
        }

        DirectoryNode* entry = Tmpfs.NewEntry(ref memory, name, inode);
        if (entry == null)
        {
            Tmpfs.FreeInode(ref memory, inode);
            return VfsError.NoMemory;
        }

        // Only device nodes carry a device number (Linux init_special_inode).
        uint type = mode & FileMode.TypeMask;
        inode->SpecialDevice = type == FileMode.CharacterDevice || type == FileMode.BlockDevice ? device : 0;
        inode->LinkCount = 1;
        Tmpfs.Link(dir, entry);
        dir->ModifyTime = now;
        dir->ChangeTime = now;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly long ReadLink(ulong node, Span<byte> buffer)
    {
        Inode* inode = InodeOf(node);
        if (!inode->IsSymbolicLink)
        {
            return -(long)VfsError.InvalidArgument;
        }

        int count = (int)Math.Min(inode->Size, buffer.Length);
        new ReadOnlySpan<byte>(inode->LinkTarget, count).CopyTo(buffer);
        return count;
    }

    /// <inheritdoc/>
    public readonly VfsError Unlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory
    {
        Inode* dir = InodeOf(directory);
        DirectoryNode* entry = Tmpfs.Find(dir, name);
        if (entry == null)
        {
            return VfsError.NoEntry;
        }

        Inode* victim = entry->Inode;
        if (victim->IsDirectory)
        {
            return VfsError.IsDirectory;
        }

        Tmpfs.Unlink(dir, entry);
        memory.Free(entry);
        dir->ModifyTime = now;
        dir->ChangeTime = now;
        victim->LinkCount--;
        victim->ChangeTime = now;
        Tmpfs.ReleaseIfUnused(ref memory, victim);
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly VfsError RemoveDirectory<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory
    {
        Inode* dir = InodeOf(directory);
        DirectoryNode* entry = Tmpfs.Find(dir, name);
        if (entry == null)
        {
            return VfsError.NoEntry;
        }

        Inode* victim = entry->Inode;
        if (!victim->IsDirectory)
        {
            return VfsError.NotDirectory;
        }

        if (victim->EntryCount != 0)
        {
            return VfsError.NotEmpty;
        }

        Tmpfs.Unlink(dir, entry);
        memory.Free(entry);
        dir->LinkCount--;
        dir->ModifyTime = now;
        dir->ChangeTime = now;
        Retire(ref memory, victim, now);
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly VfsError Rename<TMemory>(ref TMemory memory, ulong fromDirectory, ReadOnlySpan<byte> fromName, ulong toDirectory, ReadOnlySpan<byte> toName, long now)
        where TMemory : struct, IVfsMemory
    {
        Inode* fromDir = InodeOf(fromDirectory);
        Inode* toDir = InodeOf(toDirectory);
        DirectoryNode* source = Tmpfs.Find(fromDir, fromName);
        if (source == null)
        {
            return VfsError.NoEntry;
        }

        Inode* moving = source->Inode;
        bool isDirectory = moving->IsDirectory;
        DirectoryNode* existing = Tmpfs.Find(toDir, toName);
        Inode* replaced = null;
        if (existing != null)
        {
            replaced = existing->Inode;
            if (replaced == moving)
            {
                return VfsError.None;
            }

            if (isDirectory != replaced->IsDirectory)
            {
                return isDirectory ? VfsError.NotDirectory : VfsError.IsDirectory;
            }

            if (replaced->IsDirectory && replaced->EntryCount != 0)
            {
                return VfsError.NotEmpty;
            }
        }

        // The only allocation comes first, so running out of memory changes nothing.
        DirectoryNode* moved = Tmpfs.NewEntry(ref memory, toName, moving);
        if (moved == null)
        {
            return VfsError.NoMemory;
        }

        if (replaced != null)
        {
            Tmpfs.Unlink(toDir, existing);
            memory.Free(existing);
            if (replaced->IsDirectory)
            {
                toDir->LinkCount--;
                Retire(ref memory, replaced, now);
            }
            else
            {
                replaced->LinkCount--;
                replaced->ChangeTime = now;
                Tmpfs.ReleaseIfUnused(ref memory, replaced);
            }
        }

        Tmpfs.Unlink(fromDir, source);
        memory.Free(source);
        Tmpfs.Link(toDir, moved);
        if (isDirectory && fromDir != toDir)
        {
            fromDir->LinkCount--;
            toDir->LinkCount++;
            moving->Parent = toDir;
        }

        moving->ChangeTime = now;
        fromDir->ModifyTime = now;
        fromDir->ChangeTime = now;
        toDir->ModifyTime = now;
        toDir->ChangeTime = now;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly VfsError SetAttributes<TMemory>(ref TMemory memory, ulong node, in AttributeChange change, long now)
        where TMemory : struct, IVfsMemory
    {
        Inode* inode = InodeOf(node);
        if ((change.Valid & AttributeMask.Size) != 0)
        {
            if (inode->IsDirectory)
            {
                return VfsError.IsDirectory;
            }

            if (!FileMode.IsRegular(inode->Mode) || change.Size < 0)
            {
                return VfsError.InvalidArgument;
            }

            VfsError error = Tmpfs.Truncate(ref memory, inode, change.Size, now);
            if (error != VfsError.None)
            {
                return error;
            }
        }

        if ((change.Valid & AttributeMask.Mode) != 0)
        {
            inode->Mode = (inode->Mode & FileMode.TypeMask) | (change.Mode & FileMode.PermissionMask);
        }

        if ((change.Valid & AttributeMask.UserId) != 0)
        {
            inode->UserId = change.UserId;
        }

        if ((change.Valid & AttributeMask.GroupId) != 0)
        {
            inode->GroupId = change.GroupId;
        }

        if ((change.Valid & AttributeMask.AccessTime) != 0)
        {
            inode->AccessTime = change.AccessTime;
        }

        if ((change.Valid & AttributeMask.ModifyTime) != 0)
        {
            inode->ModifyTime = change.ModifyTime;
        }

        inode->ChangeTime = now;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly void StatFileSystem(out FileSystemStatus status)
    {
        status = default;
        status.Magic = Magic;
        status.CapacityBytes = _super->CapacityPages * VfsLimits.PageSize;
        status.UsedBytes = _super->UsedPages * VfsLimits.PageSize;
        status.Inodes = _super->Inodes;
    }

    /// <summary>A directory just lost its name: no links; ".." now leads to itself, so a
    /// descriptor still open on it never reaches a parent that may be freed.</summary>
    private static void Retire<TMemory>(ref TMemory memory, Inode* dir, long now)
        where TMemory : struct, IVfsMemory
    {
        dir->LinkCount = 0;
        dir->Parent = dir;
        dir->ChangeTime = now;
        Tmpfs.ReleaseIfUnused(ref memory, dir);
    }
}
