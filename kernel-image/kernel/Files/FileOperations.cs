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

    /// <summary>pread64(2)/preadv(2): (description, process, buffer, length, offset): up to length
    /// bytes at offset, the description's offset untouched. Null: the kind has no positions
    /// (Linux's missing FMODE_PREAD: ESPIPE).</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long, long> ReadAt;

    /// <summary>pwrite64(2)/pwritev(2), as <see cref="ReadAt"/>.</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long, long> WriteAt;

    /// <summary>write(2) of kernel bytes (sendfile's output, Linux's <c>splice_write</c>):
    /// (description, process, bytes, count). Null: sendfile to this kind is EINVAL.</summary>
    public delegate*<OpenFileDescription*, Process*, byte*, int, long> SpliceWrite;

    /// <summary>lseek(2): (description, offset, whence) → new offset.</summary>
    public delegate*<OpenFileDescription*, long, int, long> Seek;

    /// <summary>fstat(2): fills the status; 0 or -errno.</summary>
    public delegate*<OpenFileDescription*, FileStatus*, long> Stat;

    /// <summary>ioctl(2): (description, process, request, argument).</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long> Ioctl;

    /// <summary>Readiness now, as poll(2) bits (<see cref="Readiness"/>); null: always
    /// readable and writable, as Linux's regular files.</summary>
    public delegate*<OpenFileDescription*, int> Poll;

    /// <summary>poll(2)'s wait (Linux's poll_wait): adds to the table every wait queue whose
    /// wake may change what <see cref="Poll"/> answers; null: readiness never changes.</summary>
    public delegate*<OpenFileDescription*, Tasks.PollTable*, void> PollWait;

    /// <summary>getdents64(2): directory records into user memory.</summary>
    public delegate*<OpenFileDescription*, Process*, ulong, ulong, long> ReadDirectory;

    /// <summary>mmap(2) of this object (Linux's <c>mmap</c> with its <c>fault</c>): the page at a
    /// page-aligned offset for a mapping that just touched it — (description, offset, shared,
    /// result) → 0 or -errno. <c>shared</c>: the object's own page (allocated if it is a hole)
    /// with one more share already counted on its frame, so every mapping and read/write see
    /// the same bytes; otherwise the object's page as well when it has one (the caller maps it
    /// copy-on-write), or a new private frame holding a copy (<see cref="MappedPage.Copy"/>).
    /// -ENXIO beyond the object's last page (SIGBUS), -ENOMEM/-ENOSPC when no page can be had.
    /// Null: the kind cannot be mapped (ENODEV).</summary>
    public delegate*<OpenFileDescription*, ulong, bool, MappedPage*, long> Map;

    /// <summary>The last reference to the description is gone: release the object.</summary>
    public delegate*<void*, void> Close;

    /// <summary>What /proc/PID/fd/N links to (Linux's d_path of the file): a path, or
    /// "pipe:[N]", "socket:[N]"; the length written into the span (cut to fit). Null:
    /// "anon_inode:[file]".</summary>
    public delegate*<OpenFileDescription*, System.Span<byte>, int> Name;
}

/// <summary>What <see cref="FileOperations.Map"/> gives for one page.</summary>
internal struct MappedPage
{
    /// <summary>Physical address of the frame.</summary>
    public ulong Frame;

    /// <summary>True: a new frame that belongs to the mapping alone (a copy, or zeros); false:
    /// the object's own page, one share of it counted for the mapping.</summary>
    public bool Copy;
}

/// <summary>poll(2) event bits (Linux include/uapi/asm-generic/poll.h).</summary>
internal static class Readiness
{
    internal const int In = 0x1, Priority = 0x2, Out = 0x4, Error = 0x8, HangUp = 0x10, Invalid = 0x20,
        ReadNormal = 0x40, ReadBand = 0x80, WriteNormal = 0x100, WriteBand = 0x200;
}
