using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// mount and umount2 (Linux fs/namespace.c), for the file systems the kernel has: "proc",
/// "devtmpfs" and "tmpfs" (size= as Linux parses it: bytes, k/m/g suffixes or a percentage of
/// memory); any other type is ENODEV ("sysfs" among them). Linux's order: the type, source and
/// data strings are copied first (EFAULT), then the target is looked up (ENOENT, ENOTDIR, …),
/// then the flags decide — MS_REMOUNT changes the per-mount flags of a mount root (EINVAL
/// elsewhere), a propagation change (MS_SHARED, MS_PRIVATE, …) is accepted on a mount root,
/// and a new mount needs a type (EINVAL without one) the kernel knows (ENODEV) and options it
/// knows (EINVAL). Every process is root, so EPERM never arises yet.
/// A mount on a mount point stacks, as on Linux. Not as Linux: MS_BIND and MS_MOVE are EINVAL,
/// MNT_DETACH cannot detach a busy mount (EBUSY), MS_RDONLY is shown in /proc/mounts but a
/// tmpfs stays writable.
/// </summary>
internal static unsafe class MountCalls
{
    private const int StringSize = 256;
    private const int DataSize = 4096; // Linux copies one page of options

    // umount2 flags (Linux include/linux/fs.h).
    private const ulong MntForce = 1, MntDetach = 2, MntExpire = 4, UmountNoFollow = 8;

    /// <summary>MS_MGC_VAL in the top half of the flags: an old calling convention, discarded.</summary>
    private const ulong MagicMask = 0xFFFF_0000, MagicValue = 0xC0ED_0000;

    internal static long Mount(Process* process, ulong userSource, ulong userTarget, ulong userType, ulong flags, ulong userData)
    {
        byte* strings = (byte*)KernelMemory.Allocate(2 * StringSize + DataSize);
        byte* target = PathResolver.AllocateBuffer();
        long result = strings == null || target == null ? -Errno.ENOMEM : 0;
        byte* type = strings, source = strings + StringSize, data = strings + 2 * StringSize;
        long typeLength = -1, sourceLength = -1, dataLength = -1;
        if (result == 0 && userType != 0) result = typeLength = CopyString(process, userType, type, StringSize);
        if (result >= 0 && userSource != 0) result = sourceLength = CopyString(process, userSource, source, StringSize);
        if (result >= 0 && userData != 0) result = dataLength = CopyString(process, userData, data, DataSize);
        if (result >= 0) result = PathResolver.Resolve(process, PathResolver.AtFdcwd, userTarget, target, Sandbox.PathAccess.Mount);
        if (result >= 0)
        {
            var where = new Span<byte>(target, (int)result);
            if ((flags & MagicMask) == MagicValue) flags &= ~MagicMask;
            FileSystem.Lock();
            result = MountLocked(where, flags,
                typeLength < 0 ? default : new ReadOnlySpan<byte>(type, (int)typeLength), typeLength >= 0,
                sourceLength < 0 ? "none"u8 : new ReadOnlySpan<byte>(source, (int)sourceLength),
                dataLength < 0 ? default : new ReadOnlySpan<byte>(data, (int)dataLength));
            FileSystem.Unlock();
        }

        KernelMemory.Free(strings);
        KernelMemory.Free(target);
        return result;
    }

    /// <summary>A NUL-terminated user string cut at <paramref name="size"/> - 1 bytes (Linux's
    /// strndup_user gives EINVAL past a page; a mount string that long is not a real one).</summary>
    private static long CopyString(Process* process, ulong address, byte* buffer, int size)
    {
        long length = UserMemory.CopyString(process->Space, address, new Span<byte>(buffer, size));
        return length == -Errno.ENAMETOOLONG ? -Errno.EINVAL : length;
    }

    private static long MountLocked(Span<byte> path, ulong flags, ReadOnlySpan<byte> type, bool hasType, ReadOnlySpan<byte> source, ReadOnlySpan<byte> data)
    {
        // The target must exist (and is followed through links) whatever the flags say.
        VfsError error = FileSystem.Vfs.Stat(path, out FileStatus status);
        if (error != VfsError.None) return -(long)error;
        ReadOnlySpan<byte> target = path.Slice(0, PathResolver.Normalize(path, path));
        if ((flags & Mounts.NoUser) != 0) return -Errno.EINVAL;
        if ((flags & (Mounts.RemountFlag | Mounts.Bind)) == (Mounts.RemountFlag | Mounts.Bind) || (flags & Mounts.RemountFlag) != 0)
            return -(long)Mounts.Remount(target, flags);
        if ((flags & (Mounts.Bind | Mounts.Move)) != 0) return -Errno.EINVAL;
        if ((flags & (Mounts.Shared | Mounts.Private | Mounts.Slave | Mounts.Unbindable)) != 0)
            return Mounts.IsMountRoot(target) ? 0 : -Errno.EINVAL;
        if (!hasType) return -Errno.EINVAL;
        if (!Mounts.TryParseType(type, out Mounts.Kind kind)) return -Errno.ENODEV;
        if (!ParseOptions(kind, data, out ulong sizeBytes)) return -Errno.EINVAL;
        if (!FileMode.IsDirectory(status.Mode)) return -Errno.ENOTDIR;
        return -(long)Mounts.Mount(kind, target, source, flags, sizeBytes);
    }

    /// <summary>The comma-separated options of <paramref name="kind"/>: false for one it does
    /// not know or a value it cannot take (Linux: "Unknown parameter", "Bad value").</summary>
    private static bool ParseOptions(Mounts.Kind kind, ReadOnlySpan<byte> data, out ulong sizeBytes)
    {
        sizeBytes = 0;
        while (!data.IsEmpty)
        {
            int comma = IndexOf(data, (byte)',');
            ReadOnlySpan<byte> option = comma < 0 ? data : data.Slice(0, comma);
            data = comma < 0 ? default : data.Slice(comma + 1);
            if (option.IsEmpty || IsSuperBlockFlag(option)) continue;
            int equals = IndexOf(option, (byte)'=');
            ReadOnlySpan<byte> name = equals < 0 ? option : option.Slice(0, equals);
            ReadOnlySpan<byte> value = equals < 0 ? default : option.Slice(equals + 1);
            bool known = kind == Mounts.Kind.Proc
                ? name.SequenceEqual("hidepid"u8) || name.SequenceEqual("gid"u8) || name.SequenceEqual("subset"u8)
                : name.SequenceEqual("size"u8) ? ParseSize(value, out sizeBytes)
                : name.SequenceEqual("nr_blocks"u8) || name.SequenceEqual("nr_inodes"u8) || name.SequenceEqual("mode"u8) ||
                  name.SequenceEqual("uid"u8) || name.SequenceEqual("gid"u8) || name.SequenceEqual("huge"u8) ||
                  name.SequenceEqual("mpol"u8) || name.SequenceEqual("inode32"u8) || name.SequenceEqual("inode64"u8) ||
                  name.SequenceEqual("noswap"u8);
            if (!known) return false;
        }

        return true;
    }

    private static int IndexOf(ReadOnlySpan<byte> text, byte value)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == value) return i;
        }

        return -1;
    }

    /// <summary>The options every file system takes (Linux's vfs_parse_sb_flag and the ones
    /// mount(8) passes through).</summary>
    private static bool IsSuperBlockFlag(ReadOnlySpan<byte> option) =>
        option.SequenceEqual("ro"u8) || option.SequenceEqual("rw"u8) || option.SequenceEqual("sync"u8) ||
        option.SequenceEqual("async"u8) || option.SequenceEqual("dirsync"u8) || option.SequenceEqual("lazytime"u8) ||
        option.SequenceEqual("nolazytime"u8) || option.SequenceEqual("mand"u8) || option.SequenceEqual("nomand"u8) ||
        option.SequenceEqual("silent"u8);

    /// <summary>tmpfs size=: a number with an optional k, m, g, t, p or e (powers of 1024), or a
    /// percentage of memory (Linux's shmem_parse_one; 0 means unlimited).</summary>
    private static bool ParseSize(ReadOnlySpan<byte> value, out ulong bytes)
    {
        bytes = 0;
        int i = 0;
        while (i < value.Length && value[i] >= (byte)'0' && value[i] <= (byte)'9')
        {
            if (bytes > (ulong.MaxValue - 9) / 10) return false;
            bytes = bytes * 10 + (ulong)(value[i] - '0');
            i++;
        }

        if (i == 0) return false;
        if (i == value.Length) return true;
        if (i != value.Length - 1) return false;
        int shift = value[i] switch
        {
            (byte)'k' or (byte)'K' => 10, (byte)'m' or (byte)'M' => 20, (byte)'g' or (byte)'G' => 30,
            (byte)'t' or (byte)'T' => 40, (byte)'p' or (byte)'P' => 50, (byte)'e' or (byte)'E' => 60,
            (byte)'%' => -1, _ => -2,
        };
        if (shift == -2) return false;
        if (shift == -1)
        {
            if (bytes > 100) return false;
            bytes = KernelMemory.Frames.TotalBytes / 100 * bytes;
            return true;
        }

        if (bytes > (ulong.MaxValue >> shift)) return false;
        bytes <<= shift;
        return true;
    }

    /// <summary>umount2(target, flags): flags beyond MNT_FORCE, MNT_DETACH, MNT_EXPIRE and
    /// UMOUNT_NOFOLLOW EINVAL, then the path (ENOENT, …), then EINVAL unless it is the root of a
    /// mount, EBUSY while it is in use. MNT_EXPIRE with MNT_FORCE or MNT_DETACH is EINVAL; alone
    /// it only marks the mount (EAGAIN), as Linux's first call does.</summary>
    internal static long Unmount(Process* process, ulong userTarget, ulong flags)
    {
        if ((flags & ~(MntForce | MntDetach | MntExpire | UmountNoFollow)) != 0) return -Errno.EINVAL;
        byte* target = PathResolver.AllocateBuffer();
        if (target == null) return -Errno.ENOMEM;
        long result = PathResolver.Resolve(process, PathResolver.AtFdcwd, userTarget, target, Sandbox.PathAccess.Mount);
        if (result >= 0)
        {
            var path = new Span<byte>(target, (int)result);
            FileSystem.Lock();
            VfsError error = (flags & UmountNoFollow) != 0 ? FileSystem.Vfs.LinkStatus(path, out FileStatus status)
                : FileSystem.Vfs.Stat(path, out status);
            ReadOnlySpan<byte> where = path.Slice(0, PathResolver.Normalize(path, path));
            if (error != VfsError.None) result = -(long)error;
            else if (!Mounts.IsMountRoot(where)) result = -Errno.EINVAL;
            else if ((flags & MntExpire) != 0) result = (flags & (MntForce | MntDetach)) != 0 ? -Errno.EINVAL : -Errno.EAGAIN;
            else result = -(long)Mounts.Unmount(where);
            FileSystem.Unlock();
        }

        KernelMemory.Free(target);
        return result;
    }
}
