namespace Aurora.Vfs;

/// <summary>
/// A counted reference to one node of the tree: the mount and the node in it (Linux's
/// <c>struct path</c>, SerenityOS's <c>Custody</c>). What a working directory or a directory
/// descriptor holds, so *at lookups start there
/// (<see cref="VirtualFileSystem{TMemory}.Lookup(in NodeHandle, System.ReadOnlySpan{byte}, int, out NodeHandle)"/>,
/// <see cref="VirtualFileSystem{TMemory}.OpenAt"/>, …). While held, the node stays valid (a removed
/// directory reads as empty) and its file system cannot be unmounted (Busy). Give it back with
/// <see cref="VirtualFileSystem{TMemory}.Release(ref NodeHandle)"/>; a copy is not a new reference.
/// The default (empty) handle stands for "/".
/// </summary>
public unsafe struct NodeHandle
{
    /// <summary>A MountEntry&lt;TMemory&gt;* of the VFS that made it.</summary>
    internal void* Mount;
    internal ulong Node;
    internal uint Type;

    /// <summary>No reference: as a starting point, "/".</summary>
    public readonly bool IsEmpty => Mount == null;

    /// <summary>The node's type (<see cref="FileMode.TypeMask"/> bits).</summary>
    public readonly uint FileType => Type;

    /// <summary>Whether the node is a directory.</summary>
    public readonly bool IsDirectory => Type == FileMode.Directory;
}
