namespace Aurora.Vfs;

/// <summary>open(2) flags with their Linux x86_64 values (asm-generic/fcntl.h). Flags not listed
/// (O_CLOEXEC, O_LARGEFILE, ...) are accepted and ignored.</summary>
public static class OpenFlags
{
    public const int ReadOnly = 0x0;        // O_RDONLY
    public const int WriteOnly = 0x1;       // O_WRONLY
    public const int ReadWrite = 0x2;       // O_RDWR
    public const int AccessModeMask = 0x3;  // O_ACCMODE
    public const int Create = 0x40;         // O_CREAT
    public const int Exclusive = 0x80;      // O_EXCL
    public const int Truncate = 0x200;      // O_TRUNC
    public const int Append = 0x400;        // O_APPEND
    public const int Directory = 0x10000;   // O_DIRECTORY
    /// <summary>O_NOFOLLOW: a symbolic link as the last component is Loop, not followed.</summary>
    public const int NoFollow = 0x20000;    // O_NOFOLLOW
    /// <summary>O_PATH: what <see cref="IFileSystem.Open"/> is given for a
    /// <see cref="NodeHandle"/> (a reference without read or write access).</summary>
    public const int Path = 0x200000;       // O_PATH
}

/// <summary>The *at(2) flags the VFS understands (Linux uapi/linux/fcntl.h).</summary>
public static class AtFlags
{
    /// <summary>AT_SYMLINK_NOFOLLOW: a symbolic link as the last component is the answer
    /// (lstat, lchown, utimensat).</summary>
    public const int SymlinkNoFollow = 0x100;
    /// <summary>AT_REMOVEDIR: unlinkat removes a directory (rmdir).</summary>
    public const int RemoveDirectory = 0x200;
    /// <summary>AT_EMPTY_PATH: an empty path names the starting node itself.</summary>
    public const int EmptyPath = 0x1000;
}

/// <summary>lseek(2) whence values.</summary>
public static class SeekOrigin
{
    public const int Set = 0;      // SEEK_SET
    public const int Current = 1;  // SEEK_CUR
    public const int End = 2;      // SEEK_END
}

/// <summary>st_mode bits (Linux uapi/linux/stat.h). Permission bits are stored and reported,
/// not enforced.</summary>
public static class FileMode
{
    public const uint TypeMask = 0xF000;        // S_IFMT
    public const uint Directory = 0x4000;       // S_IFDIR
    public const uint Regular = 0x8000;         // S_IFREG
    public const uint SymbolicLink = 0xA000;    // S_IFLNK
    /// <summary>S_IFCHR: a character device node; the kernel opens the device its
    /// <see cref="FileStatus.SpecialDevice"/> names instead of the node.</summary>
    public const uint CharacterDevice = 0x2000; // S_IFCHR
    public const uint PermissionMask = 0xFFF;   // S_ISUID | S_ISGID | S_ISVTX | rwxrwxrwx

    public static bool IsDirectory(uint mode) => (mode & TypeMask) == Directory;

    public static bool IsRegular(uint mode) => (mode & TypeMask) == Regular;

    public static bool IsSymbolicLink(uint mode) => (mode & TypeMask) == SymbolicLink;
}

/// <summary>d_type values of getdents64 (dirent.h).</summary>
public static class DirectoryEntryType
{
    public const byte Directory = 4;  // DT_DIR
    public const byte Regular = 8;    // DT_REG
    public const byte SymbolicLink = 10;  // DT_LNK
    public const byte CharacterDevice = 2;  // DT_CHR
    public const byte Unknown = 0;    // DT_UNKNOWN

    /// <summary>The d_type of a node with this mode.</summary>
    public static byte Of(uint mode) => (mode & FileMode.TypeMask) switch
    {
        FileMode.Directory => Directory,
        FileMode.Regular => Regular,
        FileMode.SymbolicLink => SymbolicLink,
        FileMode.CharacterDevice => CharacterDevice,
        _ => Unknown,
    };
}
