namespace Aurora.Vfs;

/// <summary>
/// A tmpfs inode: one allocation from the injected memory, zeroed when made. Directories and
/// regular files share the struct (a union would save 24 bytes per inode and cost clarity).
/// </summary>
internal unsafe struct Inode
{
    public ulong Number;
    public Superblock* FileSystem;
    public uint Mode;
    /// <summary>Owner and group (chown); 0 (root) when made.</summary>
    public uint UserId;
    public uint GroupId;
    /// <summary>st_rdev of a device node (mknod).</summary>
    public ulong SpecialDevice;
    /// <summary>Names that refer to the inode; a directory counts its own "." and each
    /// subdirectory's "..", so an empty directory has 2 (and 0 once removed).</summary>
    public uint LinkCount;
    /// <summary>Open file descriptions referring to the inode. The inode is freed when this
    /// and <see cref="LinkCount"/> are both zero: an unlinked file stays readable while open.</summary>
    public uint OpenCount;
    public long Size;
    public long AccessTime;
    public long ModifyTime;
    public long ChangeTime;

    // Directories. Entries form a doubly linked list in creation order (readdir order).
    /// <summary>The directory holding this one; the file system's root (and a removed
    /// directory) points to itself. Crossing a mount upwards is the VFS's business.</summary>
    public Inode* Parent;
    public DirectoryNode* FirstEntry;
    public DirectoryNode* LastEntry;
    public uint EntryCount;
    /// <summary>The readdir cursor the next linked name gets (<see cref="DirectoryNode.Cookie"/>).</summary>
    public long NextCookie;

    /// <summary>Symbolic links: the target's bytes (<see cref="Size"/> of them), one allocation.</summary>
    public byte* LinkTarget;

    // Regular files: a flat table of page pointers; null slots are holes and read as zeros.
    // Invariant: bytes of allocated pages beyond Size are zero, so growing a file (truncate up,
    // a write past the end) never exposes old data.
    public byte** Pages;
    public nuint PageSlots;
    public ulong PagesInUse;

    public readonly bool IsDirectory => FileMode.IsDirectory(Mode);

    public readonly bool IsSymbolicLink => FileMode.IsSymbolicLink(Mode);
}

/// <summary>A name in a directory: a list node followed in the same allocation by the name's
/// bytes (1-255, no terminator).</summary>
internal unsafe struct DirectoryNode
{
    public DirectoryNode* Next;
    public DirectoryNode* Previous;
    public Inode* Inode;
    public uint Hash;
    public int NameLength;
    /// <summary>The entry's readdir cursor: its directory's counter when it was linked, so
    /// cookies rise along the list (entries are appended) and never change while linked.</summary>
    public long Cookie;

    public static byte* NameOf(DirectoryNode* node) => (byte*)(node + 1);
}

/// <summary>One tmpfs instance (Linux's super_block): its figures and its root.</summary>
internal unsafe struct Superblock
{
    public ulong NextInodeNumber;
    /// <summary>Maximum file pages; 0 = unlimited.</summary>
    public ulong CapacityPages;
    public ulong UsedPages;
    public ulong Inodes;
    public Inode* Root;
}
