using System.Runtime.InteropServices;

namespace Aurora.Vfs;

/// <summary>
/// What stat/fstat report, laid out exactly as Linux x86_64 <c>struct stat</c>
/// (arch/x86/include/uapi/asm/stat.h, 144 bytes), so the syscall layer copies it to user memory
/// as it is. Times are the VFS clock (<see cref="VirtualFileSystem{TMemory}.Now"/>, nanoseconds)
/// split into seconds and nanoseconds.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
public struct FileStatus
{
    /// <summary>st_dev: the mount (1 for the root file system, then 2, 3, … in mount order).</summary>
    [FieldOffset(0)] public ulong Device;
    /// <summary>st_ino: the node's number within its file system.</summary>
    [FieldOffset(8)] public ulong Inode;
    /// <summary>st_nlink: names the node has (a directory: 2 plus its subdirectories).</summary>
    [FieldOffset(16)] public ulong LinkCount;
    /// <summary>st_mode: type and permission bits (<see cref="FileMode"/>).</summary>
    [FieldOffset(24)] public uint Mode;
    /// <summary>st_uid: the owner (stored and reported, not enforced).</summary>
    [FieldOffset(28)] public uint UserId;
    /// <summary>st_gid: the group (stored and reported, not enforced).</summary>
    [FieldOffset(32)] public uint GroupId;
    /// <summary>st_rdev: the device number of a character or block device node; 0
    /// otherwise.</summary>
    [FieldOffset(40)] public ulong SpecialDevice;
    /// <summary>st_size: bytes in a regular file, bytes of a symbolic link's target; for a
    /// directory what its file system reports (tmpfs: a figure that grows with its entries; cpio:
    /// 0).</summary>
    [FieldOffset(48)] public long Size;
    /// <summary>st_blksize: the preferred I/O size, the page size (4096).</summary>
    [FieldOffset(56)] public long BlockSize;
    /// <summary>st_blocks: 512-byte units of file pages actually allocated (holes take none).</summary>
    [FieldOffset(64)] public long Blocks;
    /// <summary>st_atime: seconds part of the last access time.</summary>
    [FieldOffset(72)] public long AccessTimeSeconds;
    /// <summary>st_atime_nsec: nanoseconds part, in [0, 1e9).</summary>
    [FieldOffset(80)] public long AccessTimeNanoseconds;
    /// <summary>st_mtime: seconds part of the last modification of the contents.</summary>
    [FieldOffset(88)] public long ModifyTimeSeconds;
    /// <summary>st_mtime_nsec: nanoseconds part, in [0, 1e9).</summary>
    [FieldOffset(96)] public long ModifyTimeNanoseconds;
    /// <summary>st_ctime: seconds part of the last change of the node (contents or
    /// attributes).</summary>
    [FieldOffset(104)] public long ChangeTimeSeconds;
    /// <summary>st_ctime_nsec: nanoseconds part, in [0, 1e9).</summary>
    [FieldOffset(112)] public long ChangeTimeNanoseconds;

    /// <summary>Nanoseconds as st_*tim: seconds and a remainder in [0, 1e9), also before 1970.</summary>
    public static void SplitTime(long nanoseconds, out long seconds, out long remainder)
    {
        const long NanosecondsPerSecond = 1_000_000_000;
        seconds = nanoseconds / NanosecondsPerSecond;
        remainder = nanoseconds - seconds * NanosecondsPerSecond;
        if (remainder < 0)
        {
            seconds--;
            remainder += NanosecondsPerSecond;
        }
    }
}

/// <summary>One directory entry as VirtualFileSystem.ReadDirectory reports
/// it; the name goes to the caller's buffer.</summary>
public struct DirectoryEntry
{
    /// <summary>d_ino: the entry's node number.</summary>
    public ulong Inode;
    /// <summary><see cref="DirectoryEntryType"/> (d_type).</summary>
    public byte Type;
    /// <summary>Bytes of the name written to the caller's buffer (no terminating NUL).</summary>
    public int NameLength;
    /// <summary>Where reading continues after this entry (getdents64's d_off): pass it back as
    /// the next offset. Offsets are cursors, not positions: an entry keeps its offset while it
    /// lives, so removing entries during a listing never skips one that remains.</summary>
    public long Offset;
}

/// <summary>statfs-like figures of one mounted file system.</summary>
public struct FileSystemStatus
{
    /// <summary>st_dev of the mount (see <see cref="FileStatus.Device"/>); set by the
    /// VFS.</summary>
    public ulong Device;
    /// <summary>statfs's f_type: the file system's magic number (Linux uapi/linux/magic.h:
    /// tmpfs 0x01021994, ramfs 0x858458F6, proc 0x9FA0).</summary>
    public ulong Magic;
    /// <summary>Capacity in bytes; 0 = unlimited.</summary>
    public ulong CapacityBytes;
    /// <summary>Bytes of file pages in use (whole pages).</summary>
    public ulong UsedBytes;
    /// <summary>Nodes that exist on the file system now.</summary>
    public ulong Inodes;
    /// <summary>Open file descriptions and handles on this file system.</summary>
    public ulong OpenFiles;
    /// <summary>Nothing on it can change (ST_RDONLY): changes are ReadOnlyFileSystem.</summary>
    public bool ReadOnly;
}
