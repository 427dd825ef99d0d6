using System;

namespace Aurora.Vfs;

/// <summary>
/// One kind of file system, as the VFS drives it: the operations of Linux's
/// <c>super_operations</c>, <c>inode_operations</c> and <c>file_operations</c> (and of SerenityOS's
/// <c>FileSystem</c>/<c>Inode</c>) in one table. Implemented by a struct that lives at a fixed
/// address (a static, or memory from the allocator) for as long as it is mounted; the VFS calls it
/// through a table of function pointers made once per mount
/// (<see cref="VirtualFileSystem{TMemory}.Mount{TFileSystem}(ReadOnlySpan{byte}, void*)"/>), so
/// file systems of different kinds sit side by side without boxing or allocation.
/// </summary>
/// <remarks>
/// <para>Nodes are named by a <c>ulong</c> the file system chooses (an inode's address, an index
/// into a table, an offset into an image); the VFS only stores and passes it back. The VFS never
/// passes "." and checks everything that needs the mount table or the path (which kind the last
/// component is, mount points, trailing slashes, whether a name is a directory or a file where the
/// call needs one, moving a directory into itself), so an implementation does what the call says
/// and reports what only it can know: NoEntry, Exists, NotEmpty, NoSpace, NoMemory,
/// ReadOnlyFileSystem. A failed call must change nothing.</para>
/// <para>Calls that may allocate or free take the VFS's allocator; <c>now</c> is the VFS clock
/// (ns) for the times they stamp. Nothing here is called concurrently (the kernel serialises the
/// VFS).</para>
/// </remarks>
public unsafe interface IFileSystem
{
    /// <summary>The root directory's node.</summary>
    ulong Root { get; }

    /// <summary>The node named <paramref name="name"/> in <paramref name="directory"/> and its
    /// type (the <see cref="FileMode.TypeMask"/> bits of its mode). ".." is the parent; the root's
    /// ".." is the root itself (the VFS crosses mount points itself). NoEntry if absent.</summary>
    VfsError Lookup(ulong directory, ReadOnlySpan<byte> name, out ulong node, out uint type);

    /// <summary>stat of a node: every field but <see cref="FileStatus.Device"/>, which the VFS
    /// sets per mount. A symbolic link's size is its target's length (the VFS reads that many
    /// bytes when it follows the link).</summary>
    void GetAttributes(ulong node, out FileStatus status);

    /// <summary>A reference to <paramref name="node"/> is taken (an open file description, or a
    /// handle when <paramref name="flags"/> is <see cref="OpenFlags.Path"/>): keep the node while
    /// any reference remains, even once it has no name. ReadOnlyFileSystem if the access mode
    /// writes and the file system cannot.</summary>
    VfsError Open(ulong node, int flags);

    /// <summary>A reference taken by <see cref="Open"/> is dropped; free the node if it has no
    /// name and no references left.</summary>
    void Close<TMemory>(ref TMemory memory, ulong node) where TMemory : struct, IVfsMemory;

    /// <summary>Bytes of a regular file at <paramref name="offset"/>: the count (0 at or past the
    /// end) or -errno. Holes read as zeros.</summary>
    long Read(ulong node, long offset, Span<byte> buffer, long now);

    /// <summary>Writes at <paramref name="offset"/>: the count written (a write cut short by
    /// NoSpace/NoMemory returns what it wrote) or -errno if nothing was written.</summary>
    long Write<TMemory>(ref TMemory memory, ulong node, long offset, ReadOnlySpan<byte> data, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>mmap: the page of a regular file holding <paramref name="offset"/> (a multiple of
    /// 4096), memory from <see cref="IVfsMemory.AllocatePage"/> that a kernel may map into user
    /// space for as long as it needs (it must not free a page it mapped: pages go back through
    /// <see cref="IVfsMemory.FreePage"/>, which the kernel keeps while the page is mapped). A
    /// hole is null, or with <paramref name="allocate"/> a new zeroed page (NoSpace at the
    /// capacity). InvalidArgument beyond the file's last page; NoDevice when the file system
    /// cannot give pages (a read-only image read in place: the kernel copies through
    /// <see cref="Read"/> instead).</summary>
    VfsError GetPage<TMemory>(ref TMemory memory, ulong node, long offset, bool allocate, out byte* page)
        where TMemory : struct, IVfsMemory;

    /// <summary>The first entry of a directory at or after cursor <paramref name="index"/> (0 is
    /// the start), not counting "." and ".." (the VFS adds those): the name's length with the
    /// name in <paramref name="name"/>, 0 past the end, or -errno (InvalidArgument if
    /// <paramref name="name"/> is too short). Set <see cref="DirectoryEntry.Offset"/> to the cursor
    /// just past the entry. Cursors must be stable (Linux's offset-based directories): an entry
    /// keeps its cursor while it lives and entries come in increasing cursor order, so removing
    /// or adding other entries between two calls never skips or repeats an entry that stays
    /// (tmpfs: a per-directory counter stamped on each name when it is linked; a fixed table:
    /// its index).</summary>
    long ReadDirectory(ulong directory, long index, Span<byte> name, out DirectoryEntry entry);

    /// <summary>A new regular file or directory (<paramref name="mode"/> carries the type and the
    /// permission bits) named <paramref name="name"/> in <paramref name="directory"/>.</summary>
    VfsError Create<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, long now, out ulong node)
        where TMemory : struct, IVfsMemory;

    /// <summary>A new symbolic link holding <paramref name="target"/> (1 to 4095 bytes).</summary>
    VfsError Symlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>link(2): a new name <paramref name="name"/> in <paramref name="directory"/> for the
    /// existing non-directory <paramref name="node"/> of this file system (its link count grows
    /// by one, its change time is stamped). The VFS has checked that the name is free, that the
    /// node is not a directory and that both are on this mount.</summary>
    VfsError Link<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ulong node, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>mknod(2): a new FIFO, character or block device, socket or regular file
    /// (<paramref name="mode"/> carries the type and permission bits; <see cref="FileMode.IsSpecialOrRegular"/>)
    /// whose st_rdev is <paramref name="device"/>. The VFS has checked the name is free.</summary>
    VfsError MakeNode<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, ulong device, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>A symbolic link's target copied to <paramref name="buffer"/> (cut to its length,
    /// as readlink(2)): the count, or -errno.</summary>
    long ReadLink(ulong node, Span<byte> buffer);

    /// <summary>Removes the name of a file or symbolic link (IsDirectory for a directory).</summary>
    VfsError Unlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>Removes an empty directory (NotEmpty otherwise, NotDirectory for a file).</summary>
    VfsError RemoveDirectory<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>Moves a name, replacing a target of the same kind (a file by a file, an empty
    /// directory by a directory; NotEmpty otherwise). The VFS has checked the kinds, that both
    /// directories are on this file system and that a directory is not moved into itself.</summary>
    VfsError Rename<TMemory>(ref TMemory memory, ulong fromDirectory, ReadOnlySpan<byte> fromName, ulong toDirectory, ReadOnlySpan<byte> toName, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>setattr: size (truncate; IsDirectory for a directory), permission bits, owner and group, times, as
    /// <paramref name="change"/> says.</summary>
    VfsError SetAttributes<TMemory>(ref TMemory memory, ulong node, in AttributeChange change, long now)
        where TMemory : struct, IVfsMemory;

    /// <summary>statfs: every field but <see cref="FileSystemStatus.Device"/> and
    /// <see cref="FileSystemStatus.OpenFiles"/>, which the VFS sets.</summary>
    void StatFileSystem(out FileSystemStatus status);
}

/// <summary>Which fields of an <see cref="AttributeChange"/> apply (Linux's ATTR_* of
/// <c>struct iattr</c>).</summary>
public static class AttributeMask
{
    /// <summary>ATTR_MODE: change the permission bits (chmod).</summary>
    public const uint Mode = 1;
    /// <summary>ATTR_UID: change the owner (chown).</summary>
    public const uint UserId = 2;
    /// <summary>ATTR_GID: change the group (chown).</summary>
    public const uint GroupId = 4;
    /// <summary>ATTR_SIZE: truncate or extend to <see cref="AttributeChange.Size"/> (truncate,
    /// O_TRUNC).</summary>
    public const uint Size = 8;
    /// <summary>ATTR_ATIME: set the access time (utimensat).</summary>
    public const uint AccessTime = 16;
    /// <summary>ATTR_MTIME: set the modification time (utimensat).</summary>
    public const uint ModifyTime = 32;
}

/// <summary>What setattr changes (Linux's <c>struct iattr</c>): chmod, chown, truncate, utimensat. The
/// change time is always stamped with the VFS clock.</summary>
public struct AttributeChange
{
    /// <summary><see cref="AttributeMask"/> bits.</summary>
    public uint Valid;
    /// <summary>Permission bits (<see cref="FileMode.PermissionMask"/>); the type stays.</summary>
    public uint Mode;
    /// <summary>The new owner, with <see cref="AttributeMask.UserId"/>.</summary>
    public uint UserId;
    /// <summary>The new group, with <see cref="AttributeMask.GroupId"/>.</summary>
    public uint GroupId;
    /// <summary>The new size in bytes, with <see cref="AttributeMask.Size"/>; never
    /// negative.</summary>
    public long Size;
    /// <summary>Nanoseconds, in the VFS clock's scale.</summary>
    public long AccessTime;
    /// <summary>Nanoseconds, in the VFS clock's scale, with <see
    /// cref="AttributeMask.ModifyTime"/>.</summary>
    public long ModifyTime;
}
