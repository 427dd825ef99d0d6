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
    [FieldOffset(8)] public ulong Inode;
    [FieldOffset(16)] public ulong LinkCount;
    [FieldOffset(24)] public uint Mode;
    [FieldOffset(28)] public uint UserId;
    [FieldOffset(32)] public uint GroupId;
    [FieldOffset(40)] public ulong SpecialDevice;
    [FieldOffset(48)] public long Size;
    [FieldOffset(56)] public long BlockSize;
    /// <summary>st_blocks: 512-byte units of file pages actually allocated (holes take none).</summary>
    [FieldOffset(64)] public long Blocks;
    [FieldOffset(72)] public long AccessTimeSeconds;
    [FieldOffset(80)] public long AccessTimeNanoseconds;
    [FieldOffset(88)] public long ModifyTimeSeconds;
    [FieldOffset(96)] public long ModifyTimeNanoseconds;
    [FieldOffset(104)] public long ChangeTimeSeconds;
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
    public ulong Inode;
    /// <summary><see cref="DirectoryEntryType"/> (d_type).</summary>
    public byte Type;
    public int NameLength;
    /// <summary>Where reading continues after this entry (getdents64's d_off): pass it back as
    /// the next offset. Offsets are cursors, not positions: an entry keeps its offset while it
    /// lives, so removing entries during a listing never skips one that remains.</summary>
    public long Offset;
}

/// <summary>statfs-like figures of one mounted file system.</summary>
public struct FileSystemStatus
{
    public ulong Device;
    /// <summary>statfs's f_type: the file system's magic number (Linux uapi/linux/magic.h:
    /// tmpfs 0x01021994, ramfs 0x858458F6, proc 0x9FA0).</summary>
    public ulong Magic;
    /// <summary>Capacity in bytes; 0 = unlimited.</summary>
    public ulong CapacityBytes;
    /// <summary>Bytes of file pages in use (whole pages).</summary>
    public ulong UsedBytes;
    public ulong Inodes;
    /// <summary>Open file descriptions and handles on this file system.</summary>
    public ulong OpenFiles;
    /// <summary>Nothing on it can change (ST_RDONLY): changes are ReadOnlyFileSystem.</summary>
    public bool ReadOnly;
}
