namespace Aurora.Vfs;

/// <summary>
/// Where the VFS gets memory: inodes, directory entries and page tables (<see cref="Allocate"/>)
/// and file pages (<see cref="AllocatePage"/>). Implemented by a struct and passed as a generic argument, so calls are direct;
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

    /// <summary>A file page: 4096 bytes aligned to 4096, contents undefined, or null. Separate
    /// from <see cref="Allocate"/> because a kernel maps these into address spaces (mmap of a
    /// tmpfs file shares the file's own pages).</summary>
    void* AllocatePage();

    /// <summary>Gives back a page from <see cref="AllocatePage"/> (the file no longer has it; a
    /// kernel that mapped it keeps the memory until its last mapping goes).</summary>
    void FreePage(void* page);
}
