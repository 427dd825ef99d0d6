using System;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// What Linux answers for files with no inode of their own (fs/anon_inodes.c: epoll, eventfd,
/// timerfd, signalfd share one anonymous inode): fstat sees no file type, mode rw-------, one
/// link and 4 KiB blocks; /proc/PID/fd names the kind as "anon_inode:[KIND]".
/// </summary>
internal static unsafe class AnonymousInode
{
    internal static long Stat(FileStatus* status)
    {
        status->Mode = 0x180;
        status->LinkCount = 1;
        status->BlockSize = 4096;
        return 0;
    }

    /// <summary>"anon_inode:[<paramref name="kind"/>]" into <paramref name="name"/>; its length.</summary>
    internal static int Name(Span<byte> name, string kind)
    {
        var text = new FileSystems.TextBuilder(name);
        text.Append("anon_inode:[");
        text.Append(kind);
        text.Append("]");
        return text.Length;
    }
}
