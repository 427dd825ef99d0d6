namespace Aurora.Vfs;

/// <summary>
/// An open file description (Linux's struct file): the node (its mount, its id in that file
/// system, its type), the offset and the open flags.
/// Descriptors made by <see cref="VirtualFileSystem{TMemory}.Duplicate"/> or
/// <see cref="VirtualFileSystem{TMemory}.CopyDescriptors"/> share one, offset included.
/// </summary>
internal unsafe struct OpenFile
{
    /// <summary>A MountEntry&lt;TMemory&gt;* of the VFS that opened it.</summary>
    public void* Mount;
    public ulong Node;
    public uint Type;
    public long Offset;
    public int Flags;
    public uint References;

    public readonly bool CanRead => (Flags & OpenFlags.AccessModeMask) != OpenFlags.WriteOnly;

    public readonly bool CanWrite => (Flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly;

    public readonly bool IsDirectory => Type == FileMode.Directory;
}

/// <summary>
/// One process's descriptors: <see cref="VfsLimits.MaxOpenFiles"/> slots, each empty or
/// pointing at an open file description. A zeroed table (<c>default</c>) is empty, so it can sit
/// in a process structure as it is. Hand it to the <see cref="VirtualFileSystem{TMemory}"/>
/// operations by reference; copying it would copy the pointers without their references
/// (use <see cref="VirtualFileSystem{TMemory}.CopyDescriptors"/> for fork).
/// </summary>
public unsafe struct FileTable
{
    private fixed ulong _slots[VfsLimits.MaxOpenFiles];
    private int _count;

    /// <summary>Descriptors in use.</summary>
    public readonly int Count => _count;

    /// <summary>Whether <paramref name="fd"/> is a descriptor in use (false for any out-of-range
    /// value, negative ones included).</summary>
    public readonly bool IsOpen(int fd) => (uint)fd < VfsLimits.MaxOpenFiles && _slots[fd] != 0;

    internal readonly OpenFile* Get(int fd) => (uint)fd < VfsLimits.MaxOpenFiles ? (OpenFile*)_slots[fd] : null;

    /// <summary>The lowest free descriptor (POSIX requires the lowest), or -1 when full.</summary>
    internal readonly int LowestFree()
    {
        if (_count == VfsLimits.MaxOpenFiles)
        {
            return -1;
        }

        for (int fd = 0; fd < VfsLimits.MaxOpenFiles; fd++)
        {
            if (_slots[fd] == 0)
            {
                return fd;
            }
        }

        return -1;
    }

    internal void Set(int fd, OpenFile* file)
    {
        _slots[fd] = (ulong)file;
        _count++;
    }

    internal OpenFile* Take(int fd)
    {
        var file = (OpenFile*)_slots[fd];
        _slots[fd] = 0;
        _count--;
        return file;
    }
}
