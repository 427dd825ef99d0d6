namespace Aurora.Vfs;

/// <summary>
/// Why an operation failed, numbered like Linux x86_64 errno (asm-generic/errno-base.h and
/// errno.h), so the syscall layer returns <c>-(long)error</c> unchanged.
/// </summary>
public enum VfsError
{
    /// <summary>Success.</summary>
    None = 0,
    /// <summary>EPERM: an operation the object does not allow (a hard link to a directory).</summary>
    NotPermitted = 1,
    /// <summary>ENOENT: a path component or the target does not exist.</summary>
    NoEntry = 2,
    /// <summary>EBADF: not an open descriptor, or not open for the access asked for.</summary>
    BadDescriptor = 9,
    /// <summary>ENOMEM: the injected allocator returned null; nothing was changed.</summary>
    NoMemory = 12,
    /// <summary>EBUSY: a mount point, a mount root, or a file system with files still open.</summary>
    Busy = 16,
    /// <summary>EEXIST: the name is taken (mkdir, O_CREAT|O_EXCL).</summary>
    Exists = 17,
    /// <summary>EXDEV: rename between two mounted file systems.</summary>
    CrossDevice = 18,
    /// <summary>ENODEV: the file system cannot give a file's pages for mapping.</summary>
    NoDevice = 19,
    /// <summary>ENOTDIR: a path component that should be a directory is not.</summary>
    NotDirectory = 20,
    /// <summary>EISDIR: a file operation on a directory.</summary>
    IsDirectory = 21,
    /// <summary>EINVAL: a bad flag, whence, negative offset or length, or a relative path.</summary>
    InvalidArgument = 22,
    /// <summary>EMFILE: the file table is full.</summary>
    TooManyOpenFiles = 24,
    /// <summary>EFBIG: the write or truncate would pass <see cref="VfsLimits.MaxFileSize"/>.</summary>
    FileTooLarge = 27,
    /// <summary>ENOSPC: the file system reached its capacity.</summary>
    NoSpace = 28,
    /// <summary>EROFS: a change to a read-only file system.</summary>
    ReadOnlyFileSystem = 30,
    /// <summary>ENAMETOOLONG: a component over 255 bytes or a path over 4095.</summary>
    NameTooLong = 36,
    /// <summary>ENOTEMPTY: rmdir, or rename onto, a directory that has entries.</summary>
    NotEmpty = 39,
    /// <summary>ELOOP: more than <see cref="VfsLimits.MaxSymbolicLinks"/> symbolic links
    /// followed in one lookup, or a symbolic link where the caller asked not to follow one
    /// (O_NOFOLLOW).</summary>
    Loop = 40,
}
