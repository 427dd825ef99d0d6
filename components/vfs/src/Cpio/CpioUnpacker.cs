using System;

namespace Aurora.Vfs;

/// <summary>What <see cref="CpioUnpacker.Unpack{TMemory}"/> made.</summary>
public struct UnpackCounts
{
    /// <summary>Directories created (an existing one the archive names again is not
    /// counted).</summary>
    public int Directories;
    /// <summary>Regular files created with their data.</summary>
    public int Files;
    /// <summary>Symbolic links created.</summary>
    public int SymbolicLinks;
    /// <summary>Entries that name an earlier file (nlink above 1, the same inode): each gets
    /// its own copy of the data until the VFS has hard links.</summary>
    public int HardLinks;
    /// <summary>Devices, FIFOs and sockets: the VFS has no such nodes yet.</summary>
    public int Skipped;
    /// <summary>Entries the VFS refused (the first refusal is the result).</summary>
    public int Failed;
}

/// <summary>
/// Unpacks cpio "newc" archives into a <see cref="VirtualFileSystem{TMemory}"/>, as Linux
/// unpacks an initramfs into its rootfs (init/initramfs.c): directories, regular files with
/// their permission bits and modification times, and symbolic links. Several archives may lie
/// one after another, NUL padding between them (buffer-format.rst); a later entry of a name
/// replaces an earlier one, so an archive appended to another overrides its files. Unlike
/// Linux, missing parent directories are made (0755). Owners stay root (the VFS has no chown
/// yet). Names are taken relative to "/" ("./etc/x", "etc/x" and "/etc/x" are one path); a
/// ".." component is refused.
/// </summary>
public static unsafe class CpioUnpacker
{
    /// <summary>Unpacks the <paramref name="length"/> bytes at <paramref name="image"/> (one
    /// or more archives) into <paramref name="vfs"/>. InvalidArgument when the bytes are not
    /// newc archives (what came before the bad header stays unpacked); otherwise the first
    /// error the VFS gave for an entry (the other entries are still unpacked: one unwritable
    /// name must not cost the rest of the image), or None.</summary>
    public static VfsError Unpack<TMemory>(ref VirtualFileSystem<TMemory> vfs, byte* image, long length, out UnpackCounts counts)
        where TMemory : struct, IVfsMemory
    {
        counts = default;
        byte* path = stackalloc byte[VfsLimits.MaxPathLength + 1];
        VfsError first = VfsError.None;
        long archive = 0;
        while (archive >= 0)
        {
            long offset = archive;
            while (true)
            {
                VfsError error = CpioHeader.Read(image, length, offset, out CpioHeader header);
                if (error != VfsError.None)
                {
                    return error;
                }

                if (header.IsTrailer)
                {
                    break;
                }

                int pathLength = PathOf(image, header, new Span<byte>(path, VfsLimits.MaxPathLength + 1));
                error = pathLength < 0 ? (VfsError)(-pathLength)
                    : Place(ref vfs, image, length, header, new ReadOnlySpan<byte>(path, pathLength), ref counts);
                if (error != VfsError.None)
                {
                    counts.Failed++;
                    if (first == VfsError.None)
                    {
                        first = error;
                    }
                }

                offset = header.Next;
            }

            // Directories get their times last: making their children stamped them.
            StampDirectories(ref vfs, image, length, archive, path);
            CpioHeader.Read(image, length, offset, out CpioHeader trailer);
            archive = CpioHeader.SkipPadding(image, length, trailer.Next);
        }

        return first;
    }

    /// <summary>The entry's name as an absolute path in <paramref name="path"/>: its length,
    /// or -InvalidArgument for a ".." component or one over the name limit, -NameTooLong for
    /// a path over the limit.</summary>
    private static int PathOf(byte* image, in CpioHeader header, Span<byte> path)
    {
        byte* name = image + header.NameOffset;
        int length = 0;
        int i = 0;
        while (i < header.NameLength)
        {
            int start = i;
            while (i < header.NameLength && name[i] != (byte)'/')
            {
                i++;
            }

            int size = i - start;
            i++;
            if (size == 0 || (size == 1 && name[start] == (byte)'.'))
            {
                continue;
            }

            if ((size == 2 && name[start] == (byte)'.' && name[start + 1] == (byte)'.') || size > VfsLimits.MaxNameLength)
            {
                return -(int)VfsError.InvalidArgument;
            }

            if (length + 1 + size > VfsLimits.MaxPathLength)
            {
                return -(int)VfsError.NameTooLong;
            }

            path[length++] = (byte)'/';
            new ReadOnlySpan<byte>(name + start, size).CopyTo(path.Slice(length));
            length += size;
        }

        if (length == 0)
        {
            path[length++] = (byte)'/';
        }

        return length;
    }

    private static VfsError Place<TMemory>(ref VirtualFileSystem<TMemory> vfs, byte* image, long length,
        in CpioHeader header, ReadOnlySpan<byte> path, ref UnpackCounts counts)
        where TMemory : struct, IVfsMemory
    {
        uint type = header.Mode & FileMode.TypeMask;
        if (type != FileMode.Directory && type != FileMode.Regular && type != FileMode.SymbolicLink)
        {
            counts.Skipped++;
            return VfsError.None;
        }

        bool isRoot = path.Length == 1;
        if (isRoot && type != FileMode.Directory)
        {
            return VfsError.InvalidArgument;
        }

        VfsError error = isRoot ? VfsError.None : MakeParents(ref vfs, path);
        if (error == VfsError.None && !isRoot)
        {
            error = ClearFor(ref vfs, path, type);
        }

        if (error != VfsError.None)
        {
            return error;
        }

        uint permissions = header.Mode & FileMode.PermissionMask;
        if (type == FileMode.Directory)
        {
            error = isRoot ? VfsError.None : vfs.Mkdir(path, permissions);
            if (error == VfsError.Exists)
            {
                error = VfsError.None;
            }

            if (error == VfsError.None)
            {
                counts.Directories++;
                error = SetAttributes(ref vfs, path, permissions, -1);
            }

            return error;
        }

        var data = new ReadOnlySpan<byte>(image + header.DataOffset, (int)header.DataLength);
        if (type == FileMode.SymbolicLink)
        {
            error = vfs.Symlink(data, path);
            if (error == VfsError.None)
            {
                counts.SymbolicLinks++;
            }

            return error;
        }

        if (header.Links > 1 && header.DataLength == 0 && HardLinkData(image, length, header, out long sharedOffset, out long sharedLength))
        {
            // GNU cpio writes the data of a file with several names once, with its last name;
            // the earlier names come first, empty.
            data = new ReadOnlySpan<byte>(image + sharedOffset, (int)sharedLength);
            counts.HardLinks++;
        }

        FileTable files = default;
        long fd = vfs.Open(ref files, path, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate, permissions);
        if (fd < 0)
        {
            return (VfsError)(-fd);
        }

        while (!data.IsEmpty)
        {
            long written = vfs.Write(ref files, (int)fd, data);
            if (written <= 0)
            {
                error = written < 0 ? (VfsError)(-written) : VfsError.NoSpace;
                break;
            }

            data = data.Slice((int)written);
        }

        vfs.CloseAll(ref files);
        if (error != VfsError.None)
        {
            vfs.Unlink(path);   // no half file: the entry failed as a whole
        }
        else
        {
            counts.Files++;
            error = SetAttributes(ref vfs, path, permissions, header.ModifyTime);
        }

        return error;
    }

    /// <summary>The data of a later entry of the same archive with <paramref name="header"/>'s
    /// inode (the one name that carries it).</summary>
    private static bool HardLinkData(byte* image, long length, in CpioHeader header, out long dataOffset, out long dataLength)
    {
        dataOffset = dataLength = 0;
        for (long next = header.Next; ;)
        {
            if (CpioHeader.Read(image, length, next, out CpioHeader later) != VfsError.None || later.IsTrailer)
            {
                return false;
            }

            if (later.Inode == header.Inode && (later.Mode & FileMode.TypeMask) == FileMode.Regular && later.DataLength > 0)
            {
                dataOffset = later.DataOffset;
                dataLength = later.DataLength;
                return true;
            }

            next = later.Next;
        }
    }

    /// <summary>Makes the missing directories on the way to <paramref name="path"/> (0755).</summary>
    private static VfsError MakeParents<TMemory>(ref VirtualFileSystem<TMemory> vfs, ReadOnlySpan<byte> path)
        where TMemory : struct, IVfsMemory
    {
        for (int i = 1; i < path.Length; i++)
        {
            if (path[i] != (byte)'/')
            {
                continue;
            }

            VfsError error = vfs.Mkdir(path.Slice(0, i), 0x1ED);
            if (error != VfsError.None && error != VfsError.Exists)
            {
                return error;
            }
        }

        return VfsError.None;
    }

    /// <summary>Removes what is at <paramref name="path"/> unless it is a directory and a
    /// directory comes (Linux's clean_path; a later entry replaces an earlier one). A directory
    /// that has entries stays, and a file cannot take its place (NotEmpty).</summary>
    private static VfsError ClearFor<TMemory>(ref VirtualFileSystem<TMemory> vfs, ReadOnlySpan<byte> path, uint type)
        where TMemory : struct, IVfsMemory
    {
        if (vfs.LinkStatus(path, out FileStatus existing) != VfsError.None)
        {
            return VfsError.None;
        }

        bool isDirectory = FileMode.IsDirectory(existing.Mode);
        if (isDirectory)
        {
            return type == FileMode.Directory ? VfsError.None : vfs.Rmdir(path);
        }

        return vfs.Unlink(path);
    }

    /// <summary>Sets the permission bits exactly (no umask is between) and, when
    /// <paramref name="modifySeconds"/> is not -1, the access and modification times.</summary>
    private static VfsError SetAttributes<TMemory>(ref VirtualFileSystem<TMemory> vfs, ReadOnlySpan<byte> path, uint permissions, long modifySeconds)
        where TMemory : struct, IVfsMemory
    {
        AttributeChange change = default;
        change.Valid = AttributeMask.Mode;
        change.Mode = permissions;
        if (modifySeconds >= 0)
        {
            change.Valid |= AttributeMask.AccessTime | AttributeMask.ModifyTime;
            change.AccessTime = change.ModifyTime = modifySeconds * 1_000_000_000;
        }

        return vfs.SetAttributes(path, change);
    }

    /// <summary>The times of the archive's directories at <paramref name="offset"/>, once
    /// everything in them is made.</summary>
    private static void StampDirectories<TMemory>(ref VirtualFileSystem<TMemory> vfs, byte* image, long length, long offset, byte* path)
        where TMemory : struct, IVfsMemory
    {
        while (CpioHeader.Read(image, length, offset, out CpioHeader header) == VfsError.None && !header.IsTrailer)
        {
            if ((header.Mode & FileMode.TypeMask) == FileMode.Directory)
            {
                int pathLength = PathOf(image, header, new Span<byte>(path, VfsLimits.MaxPathLength + 1));
                if (pathLength > 0)
                {
                    SetAttributes(ref vfs, new ReadOnlySpan<byte>(path, pathLength), header.Mode & FileMode.PermissionMask, header.ModifyTime);
                }
            }

            offset = header.Next;
        }
    }
}
