namespace Aurora.Vfs;

/// <summary>open(2) flags with their Linux x86_64 values (asm-generic/fcntl.h). Flags not listed
/// (O_CLOEXEC, O_LARGEFILE, ...) are accepted and ignored.</summary>
public static class OpenFlags
{
    /// <summary>O_RDONLY: read only (the access mode, <see cref="AccessModeMask"/> bits).</summary>
    public const int ReadOnly = 0x0;
    /// <summary>O_WRONLY: write only.</summary>
    public const int WriteOnly = 0x1;
    /// <summary>O_RDWR: read and write.</summary>
    public const int ReadWrite = 0x2;
    /// <summary>O_ACCMODE: the bits that hold the access mode.</summary>
    public const int AccessModeMask = 0x3;
    /// <summary>O_CREAT: create a regular file when the last component does not exist.</summary>
    public const int Create = 0x40;
    /// <summary>O_EXCL: with <see cref="Create"/>, fail with Exists when the name exists.</summary>
    public const int Exclusive = 0x80;
    /// <summary>O_TRUNC: cut a regular file opened for writing to 0 bytes.</summary>
    public const int Truncate = 0x200;
    /// <summary>O_APPEND: every write goes to the end of the file.</summary>
    public const int Append = 0x400;
    /// <summary>O_DIRECTORY: fail with NotDirectory unless the path names a directory.</summary>
    public const int Directory = 0x10000;
    /// <summary>O_NOFOLLOW: a symbolic link as the last component is Loop, not followed.</summary>
    public const int NoFollow = 0x20000;
    /// <summary>O_PATH: what <see cref="IFileSystem.Open"/> is given for a
    /// <see cref="NodeHandle"/> (a reference without read or write access).</summary>
    public const int Path = 0x200000;
}

/// <summary>The *at(2) flags the VFS understands (Linux uapi/linux/fcntl.h).</summary>
public static class AtFlags
{
    /// <summary>AT_SYMLINK_NOFOLLOW: a symbolic link as the last component is the answer
    /// (lstat, lchown, utimensat).</summary>
    public const int SymlinkNoFollow = 0x100;
    /// <summary>AT_SYMLINK_FOLLOW: linkat follows a symbolic link as the old path's last
    /// component (without it the link itself gets the new name).</summary>
    public const int SymlinkFollow = 0x400;
    /// <summary>AT_REMOVEDIR: unlinkat removes a directory (rmdir).</summary>
    public const int RemoveDirectory = 0x200;
    /// <summary>AT_EMPTY_PATH: an empty path names the starting node itself.</summary>
    public const int EmptyPath = 0x1000;
}

/// <summary>lseek(2) whence values.</summary>
public static class SeekOrigin
{
    /// <summary>SEEK_SET: the offset is from the start of the file.</summary>
    public const int Set = 0;
    /// <summary>SEEK_CUR: the offset is from the current position.</summary>
    public const int Current = 1;
    /// <summary>SEEK_END: the offset is from the end of the file.</summary>
    public const int End = 2;
}

/// <summary>st_mode bits (Linux uapi/linux/stat.h). Permission bits are stored and reported,
/// not enforced.</summary>
public static class FileMode
{
    /// <summary>S_IFMT: the bits that hold the file type.</summary>
    public const uint TypeMask = 0xF000;
    /// <summary>S_IFDIR: a directory.</summary>
    public const uint Directory = 0x4000;
    /// <summary>S_IFREG: a regular file.</summary>
    public const uint Regular = 0x8000;
    /// <summary>S_IFLNK: a symbolic link.</summary>
    public const uint SymbolicLink = 0xA000;
    /// <summary>S_IFIFO: a FIFO (named pipe).</summary>
    public const uint Fifo = 0x1000;
    /// <summary>S_IFCHR: a character device.</summary>
    public const uint CharacterDevice = 0x2000;
    /// <summary>S_IFBLK: a block device.</summary>
    public const uint BlockDevice = 0x6000;
    /// <summary>S_IFSOCK: a socket.</summary>
    public const uint Socket = 0xC000;
    /// <summary>The bits chmod may change: S_ISUID, S_ISGID, S_ISVTX and rwx for owner, group and
    /// others.</summary>
    public const uint PermissionMask = 0xFFF;
    /// <summary>S_ISUID: set-user-ID on execution.</summary>
    public const uint SetUserId = 0x800;
    /// <summary>S_ISGID: set-group-ID on execution.</summary>
    public const uint SetGroupId = 0x400;

    /// <summary>Whether <paramref name="mode"/> is a directory's.</summary>
    public static bool IsDirectory(uint mode) => (mode & TypeMask) == Directory;

    /// <summary>Whether <paramref name="mode"/> is a regular file's.</summary>
    public static bool IsRegular(uint mode) => (mode & TypeMask) == Regular;

    /// <summary>Whether <paramref name="mode"/> is a symbolic link's.</summary>
    public static bool IsSymbolicLink(uint mode) => (mode & TypeMask) == SymbolicLink;

    /// <summary>Whether <paramref name="mode"/> is a FIFO's.</summary>
    public static bool IsFifo(uint mode) => (mode & TypeMask) == Fifo;

    /// <summary>A kind <see cref="IFileSystem.MakeNode"/> makes (mknod(2): a FIFO, a device, a
    /// socket or a regular file; not a directory or a symbolic link).</summary>
    public static bool IsSpecialOrRegular(uint mode) => (mode & TypeMask) switch
    {
        Regular or Fifo or CharacterDevice or BlockDevice or Socket => true,
        _ => false,
    };
}

/// <summary>d_type values of getdents64 (dirent.h).</summary>
public static class DirectoryEntryType
{
    /// <summary>DT_DIR: a directory.</summary>
    public const byte Directory = 4;
    /// <summary>DT_REG: a regular file.</summary>
    public const byte Regular = 8;
    /// <summary>DT_LNK: a symbolic link.</summary>
    public const byte SymbolicLink = 10;
    /// <summary>DT_FIFO: a FIFO.</summary>
    public const byte Fifo = 1;
    /// <summary>DT_CHR: a character device.</summary>
    public const byte CharacterDevice = 2;
    /// <summary>DT_BLK: a block device.</summary>
    public const byte BlockDevice = 6;
    /// <summary>DT_SOCK: a socket.</summary>
    public const byte Socket = 12;
    /// <summary>DT_UNKNOWN: a type the VFS does not name.</summary>
    public const byte Unknown = 0;

    /// <summary>The d_type of a node with this mode.</summary>
    public static byte Of(uint mode) => (mode & FileMode.TypeMask) switch
    {
        FileMode.Directory => Directory,
        FileMode.Regular => Regular,
        FileMode.SymbolicLink => SymbolicLink,
        FileMode.Fifo => Fifo,
        FileMode.CharacterDevice => CharacterDevice,
        FileMode.BlockDevice => BlockDevice,
        FileMode.Socket => Socket,
        _ => Unknown,
    };
}
