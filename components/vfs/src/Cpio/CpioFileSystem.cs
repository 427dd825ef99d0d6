using System;

namespace Aurora.Vfs;

/// <summary>
/// A read-only file system over a cpio archive in the "newc" format (<c>cpio -H newc</c>, what
/// Linux unpacks as an initramfs: Documentation/driver-api/early-userspace/buffer-format.rst).
/// <see cref="Initialize"/> checks the whole image and builds a table of nodes (one allocation);
/// names and file data stay in the image, which must outlive the file system (a boot module
/// does). Directories, regular files and symbolic links are kept — directories missing from the
/// archive are made (0755), a later entry of a name replaces an earlier one (as the kernel's
/// unpacker) — other types (devices, FIFOs, sockets) are skipped, and hard links are separate
/// files. Every change is ReadOnlyFileSystem. Nodes are table indexes + 1; the root is 1.
/// </summary>
public unsafe struct CpioFileSystem : IFileSystem
{
    private const uint RootNode = 1;

    private byte* _image;
    private long _length;
    private CpioNode* _nodes;
    private uint _count;

    /// <summary>Reads the archive at <paramref name="image"/> (<paramref name="length"/> bytes)
    /// up to its "TRAILER!!!" entry. InvalidArgument for anything malformed (bad magic or hex,
    /// a name or data running past the end, a ".." or over-long component, a name that is a file
    /// and a directory), NoMemory if the node table cannot be had.</summary>
    public VfsError Initialize<TMemory>(ref TMemory memory, byte* image, long length)
        where TMemory : struct, IVfsMemory
    {
        this = default;
        _image = image;
        _length = length;

        // Pass 1: validate and count the components (an upper bound on the nodes).
        ulong components = 0;
        long offset = 0;
        while (true)
        {
            VfsError error = ReadHeader(offset, out CpioHeader header);
            if (error != VfsError.None)
            {
                return error;
            }

            if (header.IsTrailer)
            {
                break;
            }

            int count = 0;
            for (int i = 0; i < header.NameLength;)
            {
                error = NextComponent(header, ref i, out int start, out int end);
                if (error != VfsError.None)
                {
                    return error;
                }

                if (end > start)
                {
                    count++;
                }
            }

            components += (ulong)count;
            offset = header.Next;
        }

        if (components >= uint.MaxValue / 2)
        {
            return VfsError.InvalidArgument;
        }

        uint capacity = (uint)components + 1;
        _nodes = (CpioNode*)memory.Allocate((nuint)capacity * (nuint)sizeof(CpioNode));
        if (_nodes == null)
        {
            return VfsError.NoMemory;
        }

        _nodes[0] = default;
        _nodes[0].Mode = FileMode.Directory | 0x1ED;
        _nodes[0].Links = 2;
        _count = 1;

        // Pass 2: build the tree.
        offset = 0;
        while (true)
        {
            ReadHeader(offset, out CpioHeader header);
            if (header.IsTrailer)
            {
                return VfsError.None;
            }

            VfsError error = AddEntry(header);
            if (error != VfsError.None)
            {
                memory.Free(_nodes);
                this = default;
                return error;
            }

            offset = header.Next;
        }
    }

    /// <summary>Frees the node table (the image is the caller's). Only when not mounted.</summary>
    public void Destroy<TMemory>(ref TMemory memory)
        where TMemory : struct, IVfsMemory
    {
        if (_nodes != null)
        {
            memory.Free(_nodes);
        }

        this = default;
    }

    /// <inheritdoc/>
    public readonly ulong Root => RootNode;

    private readonly CpioNode* NodeAt(ulong node) => _nodes + (node - 1);

    /// <inheritdoc/>
    public readonly VfsError Lookup(ulong directory, ReadOnlySpan<byte> name, out ulong node, out uint type)
    {
        CpioNode* dir = NodeAt(directory);
        node = 0;
        type = 0;
        if (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.')
        {
            node = dir->Parent + 1;
        }
        else
        {
            uint child = FindChild((uint)(directory - 1), name);
            if (child == 0)
            {
                return VfsError.NoEntry;
            }

            node = child + 1;
        }

        type = NodeAt(node)->Mode & FileMode.TypeMask;
        return VfsError.None;
    }

    /// <inheritdoc/>
    public readonly void GetAttributes(ulong node, out FileStatus status)
    {
        CpioNode* n = NodeAt(node);
        status = default;
        status.Inode = node;
        status.LinkCount = n->Links;
        status.Mode = n->Mode;
        status.UserId = n->UserId;
        status.GroupId = n->GroupId;
        status.Size = FileMode.IsDirectory(n->Mode) ? 0 : n->Size;
        status.BlockSize = VfsLimits.PageSize;
        status.AccessTimeSeconds = n->ModifyTime;
        status.ModifyTimeSeconds = n->ModifyTime;
        status.ChangeTimeSeconds = n->ModifyTime;
    }

    /// <summary>Only read access: <see cref="VfsError.ReadOnlyFileSystem"/> for a write or
    /// read-write open; an O_PATH reference is always allowed.</summary>
    public readonly VfsError Open(ulong node, int flags) =>
        flags != OpenFlags.Path && (flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly
            ? VfsError.ReadOnlyFileSystem
            : VfsError.None;

    /// <summary>Nothing to release: nodes live as long as the archive.</summary>
    public readonly void Close<TMemory>(ref TMemory memory, ulong node)
        where TMemory : struct, IVfsMemory
    {
    }

    /// <inheritdoc/>
    public readonly long Read(ulong node, long offset, Span<byte> buffer, long now)
    {
        CpioNode* n = NodeAt(node);
        if (offset >= n->Size)
        {
            return 0;
        }

        int count = (int)Math.Min(n->Size - offset, buffer.Length);
        new ReadOnlySpan<byte>(_image + n->DataOffset + offset, count).CopyTo(buffer);
        return count;
    }

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing. Returned negated, as Write's byte
    /// count would be.</summary>
    public readonly long Write<TMemory>(ref TMemory memory, ulong node, long offset, ReadOnlySpan<byte> data, long now)
        where TMemory : struct, IVfsMemory => -(long)VfsError.ReadOnlyFileSystem;

    /// <summary>The image is read in place and its file data is not page aligned: no pages to
    /// give (a kernel maps a copy, read through <see cref="Read"/>).</summary>
    public readonly VfsError GetPage<TMemory>(ref TMemory memory, ulong node, long offset, bool allocate, out byte* page)
        where TMemory : struct, IVfsMemory
    {
        page = null;
        return VfsError.NoDevice;
    }

    /// <inheritdoc/>
    public readonly long ReadDirectory(ulong directory, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        uint child = NodeAt(directory)->FirstChild;
        for (long i = 0; i < index && child != 0; i++)
        {
            child = _nodes[child].NextSibling;
        }

        if (child == 0)
        {
            return 0;
        }

        CpioNode* n = _nodes + child;
        if (name.Length < n->NameLength)
        {
            return -(long)VfsError.InvalidArgument;
        }

        new ReadOnlySpan<byte>(_image + n->NameOffset, n->NameLength).CopyTo(name);
        entry.Inode = child + 1;
        entry.Type = DirectoryEntryType.Of(n->Mode);
        entry.NameLength = n->NameLength;
        entry.Offset = index + 1;   // the sibling list never changes: positions are stable
        return n->NameLength;
    }

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError Create<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, long now, out ulong node)
        where TMemory : struct, IVfsMemory
    {
        node = 0;
        return VfsError.ReadOnlyFileSystem;
    }

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError Symlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError Link<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ulong node, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError MakeNode<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, ulong device, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    /// <inheritdoc/>
    public readonly long ReadLink(ulong node, Span<byte> buffer)
    {
        CpioNode* n = NodeAt(node);
        if (!FileMode.IsSymbolicLink(n->Mode))
        {
            return -(long)VfsError.InvalidArgument;
        }

        int count = (int)Math.Min(n->Size, buffer.Length);
        new ReadOnlySpan<byte>(_image + n->DataOffset, count).CopyTo(buffer);
        return count;
    }

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError Unlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError RemoveDirectory<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError Rename<TMemory>(ref TMemory memory, ulong fromDirectory, ReadOnlySpan<byte> fromName, ulong toDirectory, ReadOnlySpan<byte> toName, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    /// <summary>Refused: the archive is read-only, so this returns <see
    /// cref="VfsError.ReadOnlyFileSystem"/> and changes nothing.</summary>
    public readonly VfsError SetAttributes<TMemory>(ref TMemory memory, ulong node, in AttributeChange change, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    /// <inheritdoc/>
    public readonly void StatFileSystem(out FileSystemStatus status)
    {
        status = default;
        // An unpacked initramfs is ramfs on Linux (RAMFS_MAGIC); this is its read-only twin.
        status.Magic = 0x858458F6;
        status.CapacityBytes = (ulong)_length;
        status.UsedBytes = (ulong)_length;
        status.Inodes = _count;
        status.ReadOnly = true;
    }

    // ---- The archive ------------------------------------------------------------------

    private readonly VfsError ReadHeader(long offset, out CpioHeader header) => CpioHeader.Read(_image, _length, offset, out header);

    /// <summary>The next component of an entry's name from <paramref name="i"/>: empty for "/",
    /// "." and a leading "./" (skipped); InvalidArgument for ".." or one over 255 bytes.</summary>
    private readonly VfsError NextComponent(in CpioHeader header, ref int i, out int start, out int end)
    {
        byte* name = _image + header.NameOffset;
        start = i;
        while (i < header.NameLength && name[i] != (byte)'/')
        {
            i++;
        }

        end = i;
        if (i < header.NameLength)
        {
            i++;
        }

        int length = end - start;
        if (length == 1 && name[start] == (byte)'.')
        {
            end = start;
        }
        else if (length == 2 && name[start] == (byte)'.' && name[start + 1] == (byte)'.')
        {
            return VfsError.InvalidArgument;
        }
        else if (length > VfsLimits.MaxNameLength)
        {
            return VfsError.InvalidArgument;
        }

        return VfsError.None;
    }

    private VfsError AddEntry(in CpioHeader header)
    {
        uint type = header.Mode & FileMode.TypeMask;
        if (type != FileMode.Directory && type != FileMode.Regular && type != FileMode.SymbolicLink)
        {
            return VfsError.None;
        }

        uint dir = 0;
        uint node = 0;
        int i = 0;
        bool any = false;
        while (i < header.NameLength)
        {
            NextComponent(header, ref i, out int start, out int end);
            if (end == start)
            {
                continue;
            }

            if (any)
            {
                // The previous component is a directory on the way.
                if (!FileMode.IsDirectory(_nodes[node].Mode))
                {
                    return VfsError.InvalidArgument;
                }

                dir = node;
            }

            any = true;
            var name = new ReadOnlySpan<byte>(_image + header.NameOffset + start, end - start);
            node = FindChild(dir, name);
            if (node == 0)
            {
                node = AddNode(dir, header.NameOffset + start, end - start, FileMode.Directory | 0x1ED);
            }
        }

        if (!any)
        {
            node = 0;   // "." names the root
            if (type != FileMode.Directory)
            {
                return VfsError.InvalidArgument;
            }
        }

        CpioNode* n = _nodes + node;
        bool wasDirectory = FileMode.IsDirectory(n->Mode);
        if (wasDirectory != (type == FileMode.Directory))
        {
            if (n->FirstChild != 0)
            {
                return VfsError.InvalidArgument;
            }

            if (wasDirectory)
            {
                _nodes[n->Parent].Links--;
                n->Links = 1;
            }
            else
            {
                _nodes[n->Parent].Links++;
                n->Links = 2;
            }
        }

        n->Mode = header.Mode;
        n->UserId = header.UserId;
        n->GroupId = header.GroupId;
        n->ModifyTime = header.ModifyTime;
        n->DataOffset = header.DataOffset;
        n->Size = type == FileMode.Directory ? 0 : header.DataLength;
        return VfsError.None;
    }

    /// <summary>A new node appended to <paramref name="dir"/>'s children (archive order is
    /// readdir order).</summary>
    private uint AddNode(uint dir, long nameOffset, int nameLength, uint mode)
    {
        uint index = _count++;
        CpioNode* n = _nodes + index;
        *n = default;
        n->Mode = mode;
        n->Parent = dir;
        n->NameOffset = nameOffset;
        n->NameLength = nameLength;
        n->Links = 2;
        _nodes[dir].Links++;
        if (_nodes[dir].LastChild == 0)
        {
            _nodes[dir].FirstChild = index;
        }
        else
        {
            _nodes[_nodes[dir].LastChild].NextSibling = index;
        }

        _nodes[dir].LastChild = index;
        return index;
    }

    /// <summary>The child of table entry <paramref name="dir"/> named <paramref name="name"/>,
    /// or 0 (the root is never a child).</summary>
    private readonly uint FindChild(uint dir, ReadOnlySpan<byte> name)
    {
        for (uint child = _nodes[dir].FirstChild; child != 0; child = _nodes[child].NextSibling)
        {
            CpioNode* n = _nodes + child;
            if (n->NameLength == name.Length && new ReadOnlySpan<byte>(_image + n->NameOffset, n->NameLength).SequenceEqual(name))
            {
                return child;
            }
        }

        return 0;
    }
}

/// <summary>One file, directory or link of a cpio archive: its attributes, where its name and
/// data lie in the image, and its place in the tree (table indexes; 0 is the root, so 0 as a
/// child or sibling means none).</summary>
internal struct CpioNode
{
    public uint Mode;
    public uint UserId;
    public uint GroupId;
    public uint Links;
    public long ModifyTime;
    public long NameOffset;
    public int NameLength;
    public long DataOffset;
    public long Size;
    public uint Parent;
    public uint FirstChild;
    public uint LastChild;
    public uint NextSibling;
}
