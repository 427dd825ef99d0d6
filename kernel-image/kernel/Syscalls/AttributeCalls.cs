using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// What a file is allowed and who owns it, when it was touched and how big it is (Linux
/// fs/open.c, fs/attr.c, fs/utimes.c, fs/statfs.c): umask, access/faccessat/faccessat2,
/// chmod/fchmod/fchmodat, chown/fchown/lchown/fchownat, utimensat/utimes/utime,
/// truncate/ftruncate, statfs/fstatfs. Every call reaches its node through a
/// <see cref="NodeTarget"/> (a path from dirfd, or a descriptor) and changes it with one VFS
/// setattr under the VFS lock. Everyone is root (uid 0) today, so permission checks are root's:
/// read and write always, execute only with an x bit somewhere (directories always), writes to
/// a read-only file system EROFS.
/// </summary>
internal static unsafe class AttributeCalls
{
    private const ulong AtSymlinkNofollow = 0x100, AtEaccess = 0x200, AtEmptyPath = 0x1000;

    // utimensat's special nanoseconds (include/uapi/linux/stat.h).
    private const long UtimeNow = (1L << 30) - 1, UtimeOmit = (1L << 30) - 2;

    private const int ExecuteOk = 1, WriteOk = 2;

    /// <summary>umask(mask): the old mask; only the permission bits 0777 are kept.</summary>
    internal static long Umask(Process* process, ulong mask)
    {
        uint old = process->FileCreationMask;
        process->FileCreationMask = (uint)mask & 0x1FF;
        return old;
    }

    internal static long Access(Process* process, ulong userPath, ulong mode) =>
        AccessAt(process, PathResolver.AtFdcwd, userPath, mode, 0);

    /// <summary>faccessat2(dirfd, path, mode, flags) (faccessat and access without flags):
    /// mode beyond R_OK|W_OK|X_OK, or flags beyond AT_EACCESS, AT_SYMLINK_NOFOLLOW and
    /// AT_EMPTY_PATH, EINVAL (checked first, as Linux); then the path; then root's rules: W_OK on
    /// a read-only file system's file, directory or link EROFS, X_OK without any x bit on a
    /// non-directory EACCES (Linux's generic_permission for CAP_DAC_OVERRIDE).</summary>
    internal static long AccessAt(Process* process, long directory, ulong userPath, ulong mode, ulong flags)
    {
        if ((mode & ~7UL) != 0) return -Errno.EINVAL;
        if ((flags & ~(AtEaccess | AtSymlinkNofollow | AtEmptyPath)) != 0) return -Errno.EINVAL;
        NodeTarget target = default;
        long result = target.Resolve(process, directory, userPath, Sandbox.PathAccess.Look, (flags & AtEmptyPath) != 0);
        FileStatus status = default;
        bool readOnly = false;
        if (result == 0 && target.IsNodeless)
        {
            result = target.Description->Operations->Stat(target.Description, &status);
        }
        else if (result == 0)
        {
            FileSystem.Lock();
            result = target.Open((flags & AtSymlinkNofollow) == 0, out NodeHandle handle);
            if (result == 0)
            {
                FileSystem.Vfs.Stat(handle, out status);
                FileSystem.Vfs.StatFileSystemAt(handle, default, AtFlags.EmptyPath, out FileSystemStatus figures);
                readOnly = figures.ReadOnly;
                FileSystem.Vfs.Release(ref handle);
            }

            FileSystem.Unlock();
        }

        target.Dispose();
        if (result != 0) return result;
        uint type = status.Mode & FileMode.TypeMask;
        if (((int)mode & WriteOk) != 0 && readOnly && (type == FileMode.Regular || type == FileMode.Directory || type == FileMode.SymbolicLink))
            return -Errno.EROFS;
        if (((int)mode & ExecuteOk) != 0 && type != FileMode.Directory && (status.Mode & 0x49) == 0) // no x in 0111
            return -Errno.EACCES;
        return 0;
    }

    internal static long Chmod(Process* process, ulong userPath, ulong mode) => ChmodAt(process, PathResolver.AtFdcwd, userPath, mode);

    /// <summary>fchmodat(dirfd, path, mode): three arguments, links followed (the flags
    /// argument belongs to fchmodat2). The bits kept are 07777.</summary>
    internal static long ChmodAt(Process* process, long directory, ulong userPath, ulong mode)
    {
        NodeTarget target = default;
        long result = target.Resolve(process, directory, userPath, Sandbox.PathAccess.Attributes, emptyAllowed: false);
        if (result == 0) result = Change(ref target, true, ModeChange(mode), killSetId: false);
        target.Dispose();
        return result;
    }

    internal static long Fchmod(Process* process, ulong descriptor, ulong mode)
    {
        NodeTarget target = default;
        long result = target.Describe(process, (uint)descriptor);
        if (result == 0) result = Change(ref target, true, ModeChange(mode), killSetId: false);
        target.Dispose();
        return result;
    }

    private static AttributeChange ModeChange(ulong mode) =>
        new() { Valid = AttributeMask.Mode, Mode = (uint)mode & FileMode.PermissionMask };

    internal static long Chown(Process* process, ulong userPath, ulong user, ulong group) =>
        ChownAt(process, PathResolver.AtFdcwd, userPath, user, group, 0);

    internal static long Lchown(Process* process, ulong userPath, ulong user, ulong group) =>
        ChownAt(process, PathResolver.AtFdcwd, userPath, user, group, AtSymlinkNofollow);

    /// <summary>fchownat(dirfd, path, uid, gid, flags): (uid_t)-1 and (gid_t)-1 leave that field;
    /// flags beyond AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH EINVAL. As on Linux, a chown of a
    /// non-directory clears set-user-id, and set-group-id when group execute is on (even
    /// for root, even when both ids are -1).</summary>
    internal static long ChownAt(Process* process, long directory, ulong userPath, ulong user, ulong group, ulong flags)
    {
        if ((flags & ~(AtSymlinkNofollow | AtEmptyPath)) != 0) return -Errno.EINVAL;
        NodeTarget target = default;
        long result = target.Resolve(process, directory, userPath, Sandbox.PathAccess.Attributes, (flags & AtEmptyPath) != 0);
        if (result == 0) result = Change(ref target, (flags & AtSymlinkNofollow) == 0, OwnerChange(user, group), killSetId: true);
        target.Dispose();
        return result;
    }

    internal static long Fchown(Process* process, ulong descriptor, ulong user, ulong group)
    {
        NodeTarget target = default;
        long result = target.Describe(process, (uint)descriptor);
        if (result == 0) result = Change(ref target, true, OwnerChange(user, group), killSetId: true);
        target.Dispose();
        return result;
    }

    private static AttributeChange OwnerChange(ulong user, ulong group)
    {
        AttributeChange change = default;
        if ((uint)user != uint.MaxValue)
        {
            change.Valid |= AttributeMask.UserId;
            change.UserId = (uint)user;
        }

        if ((uint)group != uint.MaxValue)
        {
            change.Valid |= AttributeMask.GroupId;
            change.GroupId = (uint)group;
        }

        return change;
    }

    /// <summary>setattr of the target's node under the VFS lock. A description of a kind
    /// without a node (pipe, socket, console) keeps no mode or owner here: EPERM.</summary>
    private static long Change(ref NodeTarget target, bool follow, AttributeChange change, bool killSetId)
    {
        if (target.IsNodeless) return -Errno.EPERM;
        FileSystem.Lock();
        long result = target.Open(follow, out NodeHandle handle);
        if (result == 0)
        {
            if (killSetId)
            {
                FileSystem.Vfs.Stat(handle, out FileStatus status);
                uint mode = status.Mode;
                const uint GroupExecute = 0x8;
                if (!FileMode.IsDirectory(mode))
                {
                    uint kept = mode & ~FileMode.SetUserId;
                    if ((mode & (FileMode.SetGroupId | GroupExecute)) == (FileMode.SetGroupId | GroupExecute)) kept &= ~FileMode.SetGroupId;
                    if (kept != mode)
                    {
                        change.Valid |= AttributeMask.Mode;
                        change.Mode = kept & FileMode.PermissionMask;
                    }
                }
            }

            result = -(long)FileSystem.Vfs.SetAttributesAt(handle, default, AtFlags.EmptyPath, change);
            FileSystem.Vfs.Release(ref handle);
        }

        FileSystem.Unlock();
        return result;
    }

    /// <summary>utimensat(dirfd, path, times, flags), Linux's order: the two timespecs are read
    /// (EFAULT); both UTIME_OMIT does nothing at all; a NULL path with a dirfd is futimens (flags
    /// must be 0); otherwise flags beyond AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH EINVAL, then the
    /// path; then a nanosecond outside [0, 1e9) that is neither UTIME_NOW nor UTIME_OMIT EINVAL.
    /// NULL times, and UTIME_NOW, are the VFS clock, the same instant the change time gets.</summary>
    internal static long UtimensAt(Process* process, long directory, ulong userPath, ulong times, ulong flags)
    {
        long* t = stackalloc long[4];
        bool given = times != 0;
        if (given)
        {
            if (!UserMemory.CopyFrom(process->Space, times, new Span<byte>(t, 32))) return -Errno.EFAULT;
            if (t[1] == UtimeOmit && t[3] == UtimeOmit) return 0;
        }

        NodeTarget target = default;
        long result;
        if (userPath == 0 && (int)directory != (int)PathResolver.AtFdcwd)
        {
            result = flags != 0 ? -Errno.EINVAL : target.Describe(process, (int)directory);
        }
        else
        {
            result = (flags & ~(AtSymlinkNofollow | AtEmptyPath)) != 0 ? -Errno.EINVAL
                : target.Resolve(process, directory, userPath, Sandbox.PathAccess.Attributes, (flags & AtEmptyPath) != 0);
        }

        if (result == 0) result = SetTimes(ref target, (flags & AtSymlinkNofollow) == 0, given ? t : null);
        target.Dispose();
        return result;
    }

    /// <summary>utimes(path, timeval[2]): microseconds outside [0, 1e6) EINVAL before the path
    /// is looked at; NULL is now.</summary>
    internal static long Utimes(Process* process, ulong userPath, ulong times)
    {
        long* t = stackalloc long[4];
        if (times != 0)
        {
            if (!UserMemory.CopyFrom(process->Space, times, new Span<byte>(t, 32))) return -Errno.EFAULT;
            if ((ulong)t[1] >= 1_000_000 || (ulong)t[3] >= 1_000_000) return -Errno.EINVAL;
            t[1] *= 1000;
            t[3] *= 1000;
        }

        return SetTimesAt(process, userPath, times != 0 ? t : null);
    }

    /// <summary>utime(path, struct utimbuf*): whole seconds; NULL is now.</summary>
    internal static long Utime(Process* process, ulong userPath, ulong times)
    {
        long* t = stackalloc long[4];
        if (times != 0)
        {
            if (!UserMemory.CopyFrom(process->Space, times, new Span<byte>(t + 2, 16))) return -Errno.EFAULT;
            t[0] = t[2];
            t[1] = 0;
            t[2] = t[3];
            t[3] = 0;
        }

        return SetTimesAt(process, userPath, times != 0 ? t : null);
    }

    private static long SetTimesAt(Process* process, ulong userPath, long* times)
    {
        NodeTarget target = default;
        long result = target.Resolve(process, PathResolver.AtFdcwd, userPath, Sandbox.PathAccess.Attributes, emptyAllowed: false);
        if (result == 0) result = SetTimes(ref target, true, times);
        target.Dispose();
        return result;
    }

    private static bool ValidNanoseconds(long nanoseconds) =>
        nanoseconds == UtimeNow || nanoseconds == UtimeOmit || (nanoseconds >= 0 && nanoseconds < 1_000_000_000);

    /// <summary>Sets access and modification times from (seconds, nanoseconds) pairs, or both
    /// to now for null.</summary>
    private static long SetTimes(ref NodeTarget target, bool follow, long* times)
    {
        if (target.IsNodeless) return -Errno.EPERM;
        FileSystem.Lock();
        long result = target.Open(follow, out NodeHandle handle);
        if (result == 0)
        {
            long now = FileSystem.Vfs.Now;
            AttributeChange change = default;
            if (times == null)
            {
                change.Valid = AttributeMask.AccessTime | AttributeMask.ModifyTime;
                change.AccessTime = change.ModifyTime = now;
            }
            else if (!ValidNanoseconds(times[1]) || !ValidNanoseconds(times[3]))
            {
                result = -Errno.EINVAL;
            }
            else
            {
                if (times[1] != UtimeOmit)
                {
                    change.Valid |= AttributeMask.AccessTime;
                    change.AccessTime = times[1] == UtimeNow ? now : Nanoseconds(times[0], times[1]);
                }

                if (times[3] != UtimeOmit)
                {
                    change.Valid |= AttributeMask.ModifyTime;
                    change.ModifyTime = times[3] == UtimeNow ? now : Nanoseconds(times[2], times[3]);
                }
            }

            if (result == 0) result = -(long)FileSystem.Vfs.SetAttributesAt(handle, default, AtFlags.EmptyPath, change);
            FileSystem.Vfs.Release(ref handle);
        }

        FileSystem.Unlock();
        return result;
    }

    /// <summary>Seconds and nanoseconds as the VFS's nanoseconds, clamped where a long ends
    /// (about the year 2262 either way), as Linux clamps to a file system's time range.</summary>
    private static long Nanoseconds(long seconds, long nanoseconds)
    {
        const long Limit = long.MaxValue / 1_000_000_000 - 1;
        if (seconds > Limit) return Limit * 1_000_000_000;
        if (seconds < -Limit) return -Limit * 1_000_000_000;
        return seconds * 1_000_000_000 + nanoseconds;
    }

    /// <summary>truncate(path, length): a negative length EINVAL before the path; links
    /// followed; a directory EISDIR.</summary>
    internal static long Truncate(Process* process, ulong userPath, ulong length)
    {
        if ((long)length < 0) return -Errno.EINVAL;
        NodeTarget target = default;
        long result = target.Resolve(process, PathResolver.AtFdcwd, userPath, Sandbox.PathAccess.Write, emptyAllowed: false);
        if (result == 0)
        {
            FileSystem.Lock();
            result = -(long)FileSystem.Vfs.Truncate(target.Path, (long)length);
            FileSystem.Unlock();
        }

        target.Dispose();
        return result;
    }

    /// <summary>ftruncate(fd, length): a negative length EINVAL first (Linux checks it before
    /// the descriptor), EBADF, then EINVAL unless a regular file open for writing.</summary>
    internal static long Ftruncate(Process* process, ulong descriptor, ulong length)
    {
        if ((long)length < 0) return -Errno.EINVAL;
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        return VfsFile.Truncate(description, (long)length);
    }

    internal static long StatFs(Process* process, ulong userPath, ulong buffer)
    {
        NodeTarget target = default;
        long result = target.Resolve(process, PathResolver.AtFdcwd, userPath, Sandbox.PathAccess.Look, emptyAllowed: false);
        if (result == 0) result = StatFileSystem(process, ref target, buffer);
        target.Dispose();
        return result;
    }

    internal static long FStatFs(Process* process, ulong descriptor, ulong buffer)
    {
        NodeTarget target = default;
        long result = target.Describe(process, (uint)descriptor);
        if (result == 0) result = StatFileSystem(process, ref target, buffer);
        target.Dispose();
        return result;
    }

    // Linux include/uapi/linux/magic.h, for descriptions without a VFS node.
    private const long PipeFsMagic = 0x50495045, SocketFsMagic = 0x534F434B;

    /// <summary>
    /// Linux x86-64 <c>struct statfs</c> (120 bytes): f_type (the file system's magic), f_bsize
    /// and f_frsize 4096, f_blocks/f_bfree/f_bavail in pages of the capacity (0 for a file
    /// system without a limit, as Linux tmpfs without size=), f_files/f_ffree (inodes are
    /// limited only by pages: one per page), f_fsid the mount's st_dev, f_namelen 255, f_flags
    /// ST_VALID and ST_RDONLY. A pipe or socket reports its pseudo file system's magic, the
    /// console a tmpfs one (devtmpfs).
    /// </summary>
    private static long StatFileSystem(Process* process, ref NodeTarget target, ulong buffer)
    {
        FileSystemStatus figures = default;
        long result = 0;
        if (target.IsNodeless)
        {
            FileStatus status = default;
            result = target.Description->Operations->Stat(target.Description, &status);
            uint type = status.Mode & FileMode.TypeMask;
            figures.Magic = type == FileMode.Fifo ? PipeFsMagic : type == FileMode.Socket ? SocketFsMagic : TmpfsFileSystem.Magic;
        }
        else
        {
            FileSystem.Lock();
            result = target.Open(true, out NodeHandle handle);
            if (result == 0)
            {
                result = -(long)FileSystem.Vfs.StatFileSystemAt(handle, default, AtFlags.EmptyPath, out figures);
                FileSystem.Vfs.Release(ref handle);
            }

            FileSystem.Unlock();
        }

        if (result != 0) return result;
        const long PageSize = 4096, StValid = 0x20, StReadOnly = 1;
        long* s = stackalloc long[15];
        new Span<long>(s, 15).Clear();
        long blocks = (long)(figures.CapacityBytes / PageSize);
        long used = (long)((figures.UsedBytes + PageSize - 1) / PageSize);
        long free = Math.Max(0, blocks - used);
        s[0] = (long)figures.Magic;
        s[1] = PageSize;
        s[2] = blocks;
        s[3] = free;
        s[4] = free;
        s[5] = blocks == 0 ? 0 : blocks;
        s[6] = blocks == 0 ? 0 : Math.Max(0, blocks - (long)figures.Inodes);
        s[7] = (long)(uint)figures.Device; // f_fsid: two ints, the device and 0
        s[8] = 255;
        s[9] = PageSize;
        s[10] = StValid | (figures.ReadOnly ? StReadOnly : 0);
        return UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(s, 120)) ? 0 : -Errno.EFAULT;
    }
}
