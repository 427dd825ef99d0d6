using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// What one kind of file does (Linux's <c>struct file_operations</c>, SerenityOS's <c>File</c>
/// virtuals): a table of functions, one table per kind (console, regular file, directory,
/// socket, …), shared by every description of that kind. A null entry means the kind does
/// not do it, and the caller answers as Linux does for a missing operation:
/// read/write EINVAL, seek ESPIPE, ioctl ENOTTY, mmap ENODEV, getdents ENOTDIR.
/// User pointers are passed through unchecked: each operation copies with
/// <see cref="UserMemory"/> and answers EFAULT itself. Results are a count/offset or -errno.
/// </summary>
internal unsafe struct FileOperations
{
    /// <summary>read(2): up to length bytes into user memory at buffer.</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long> Read;

    /// <summary>write(2): up to length bytes from user memory at buffer.</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long> Write;

    /// <summary>lseek(2): (description, offset, whence) → new offset.</summary>
    public delegate*<OpenFileDescription*, long, int, long> Seek;

    /// <summary>fstat(2): fills the status; 0 or -errno.</summary>
    public delegate*<OpenFileDescription*, FileStatus*, long> Stat;

    /// <summary>ioctl(2): (description, process, request, argument).</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long> Ioctl;

    /// <summary>Readiness now, as poll(2) bits (<see cref="Readiness"/>); null: always
    /// readable and writable, as Linux's regular files.</summary>
    public delegate*<OpenFileDescription*, int> Poll;

    /// <summary>getdents64(2): directory records into user memory.</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long> ReadDirectory;

    /// <summary>mmap(2) of this object; no kind maps yet (null: ENODEV).</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long> Map;

    /// <summary>The last reference to the description is gone: release the object.</summary>
    public delegate*<void*, void> Close;

    /// <summary>What /proc/PID/fd/N links to (Linux's d_path of the file): a path, or
    /// "pipe:[N]", "socket:[N]"; the length written into the span (cut to fit). Null:
    /// "anon_inode:[file]".</summary>
    public delegate*<OpenFileDescription*, System.Span<byte>, int> Name;
}

/// <summary>poll(2) event bits (Linux include/uapi/asm-generic/poll.h).</summary>
internal static class Readiness
{
    internal const int In = 0x1, Out = 0x4, Error = 0x8, HangUp = 0x10;
}
