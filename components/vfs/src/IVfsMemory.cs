namespace Aurora.Vfs;

/// <summary>
/// Where the VFS gets memory: inodes, directory entries, page tables and file pages (4096
/// bytes each). Implemented by a struct and passed as a generic argument, so calls are direct;
/// the kernel adapts its heap, host tests count outstanding blocks.
/// </summary>
public unsafe interface IVfsMemory
{
    /// <summary><paramref name="size"/> bytes, 8-byte aligned at least, contents undefined; null
    /// when out of memory (the operation then fails with <see cref="VfsError.NoMemory"/> and
    /// changes nothing).</summary>
    void* Allocate(nuint size);

    /// <summary>Gives back a block exactly as <see cref="Allocate"/> returned it.</summary>
    void Free(void* block);
}
