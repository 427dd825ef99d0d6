using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Files and descriptors (SPEC FS-1): open/openat, close, read, write, lseek, fstat, stat/lstat/
/// newfstatat, getdents64, dup/dup2/dup3, fcntl, mkdir/mkdirat, rmdir, unlink/unlinkat,
/// rename/renameat/renameat2, chdir/fchdir/getcwd. A descriptor is looked up in the process's
/// table (Files/DescriptorTable.cs) and the call goes to its open file description's
/// operations (Files/FileOperations.cs), whatever kind of file it is. Paths are copied out of
/// user memory first (at most 4095 bytes) and start at "/", the working directory or dirfd's
/// directory (Files/PathResolver.cs). Descriptor arguments are C ints (unsigned for most calls,
/// as Linux declares them): the upper half of the register is not part of them.
/// </summary>
internal static unsafe class FileCalls
{
    private const ulong AtEmptyPath = 0x1000, AtSymlinkNofollow = 0x100, AtNoAutomount = 0x800, AtStatxSyncType = 0x6000,
        AtRemoveDirectory = 0x200;

    // fcntl commands (Linux include/uapi/asm-generic/fcntl.h).
    private const ulong FDupfd = 0, FGetfd = 1, FSetfd = 2, FGetfl = 3, FSetfl = 4, FDupfdCloexec = 1030;

    private static ulong DescriptorLimit(Process* process) => ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles);

    internal static long Open(Process* process, ulong userPath, ulong flags, ulong mode) =>
        OpenAt(process, PathResolver.AtFdcwd, userPath, flags, mode);

    /// <summary>creat(path, mode) is open(path, O_CREAT | O_WRONLY | O_TRUNC, mode).</summary>
    internal const ulong CreatFlags = 0x40 | 0x1 | 0x200;

    /// <summary>posix_fadvise (fadvise64): advice only steers Linux's page cache, which Aurora
    /// has not (files are memory), so a valid call does nothing; checks as Linux's
    /// generic_fadvise: EBADF, ESPIPE for a pipe or socket, EINVAL for a negative length or
    /// unknown advice.</summary>
    internal static long Fadvise(Process* process, ulong descriptor, ulong offset, ulong length, ulong advice)
    {
        OpenFileDescription* description = process->Descriptors.Get((int)descriptor);
        if (description == null) return -Errno.EBADF;
        if (description->Operations->Seek == null) return -Errno.ESPIPE;
        if ((long)length < 0 || (uint)advice > 5) return -Errno.EINVAL;
        return 0;
    }

    internal static long OpenAt(Process* process, long directory, ulong userPath, ulong flags, ulong mode)
    {
        flags = Hal.UserAbi.OpenFlagsFromUser(flags);
        if ((flags & TmpFileBit) != 0) return OpenTmpFile(process, directory, userPath, flags);
        byte* path = PathResolver.AllocateBuffer();
        if (path == null) return -Errno.ENOMEM;
        long result = PathResolver.Resolve(process, (int)directory, userPath, path, OpenAccess(flags));
        // As Linux's do_sys_openat2: a free descriptor is found before the path is walked.
        if (result >= 0)
        {
            long free = process->Descriptors.LowestFree(0, DescriptorLimit(process));
            if (free < 0) result = free;
        }

        OpenFileDescription* description = null;
        // O_CREAT's mode loses the umask (Linux: mode & 07777 & ~umask).
        uint creationMode = (uint)mode & 0xFFF & ~process->FileCreationMask;
        if (result >= 0) result = VfsFile.Open(new ReadOnlySpan<byte>(path, (int)result), (int)flags, creationMode, out description);
        KernelMemory.Free(path);
        if (result < 0) return result;
        long fd = process->Descriptors.Install(description, 0, DescriptorLimit(process), ((int)flags & OpenFileDescription.CloseOnExec) != 0);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }

    private const ulong TmpFileBit = 0x400000, DirectoryFlag = 0x10000, CreateFlag = 0x40, AccessModeMask = 3;

    /// <summary>O_TMPFILE (__O_TMPFILE | O_DIRECTORY), as Linux's build_open_flags checks it
    /// before the path is walked: with O_CREAT, without O_DIRECTORY's bit or without write
    /// access EINVAL. Aurora's tmpfs has no unnamed files, so a valid request names a
    /// directory (ENOENT, ENOTDIR and the sandbox's answers as any open of it) and is then
    /// EOPNOTSUPP, open(2)'s answer for a file system without O_TMPFILE; programs fall back to
    /// a named file. It used to open the directory itself for a read-only request.</summary>
    private static long OpenTmpFile(Process* process, long directory, ulong userPath, ulong flags)
    {
        if ((flags & (TmpFileBit | DirectoryFlag | CreateFlag)) != (TmpFileBit | DirectoryFlag)) return -Errno.EINVAL;
        if ((flags & AccessModeMask) == 0) return -Errno.EINVAL;
        byte* path = PathResolver.AllocateBuffer();
        if (path == null) return -Errno.ENOMEM;
        long result = PathResolver.Resolve(process, (int)directory, userPath, path, OpenAccess(DirectoryFlag | (flags & AccessModeMask)));
        OpenFileDescription* description = null;
        if (result >= 0) result = VfsFile.Open(new ReadOnlySpan<byte>(path, (int)result), (int)DirectoryFlag, 0, out description);
        KernelMemory.Free(path);
        if (result < 0) return result;
        OpenFileDescription.Release(description);
        return -Errno.EOPNOTSUPP;
    }

    /// <summary>What open's flags ask of a sandbox (Sandbox/FileView.cs): the access mode, O_CREAT
    /// (a new name), O_TRUNC (a write), O_NOFOLLOW; O_PATH only finds the node.</summary>
    private static Sandbox.PathAccess OpenAccess(ulong flags)
    {
        const ulong Create = 0x40, Truncate = 0x200, NoFollow = 0x20000, PathOnly = 0x200000;
        Sandbox.PathAccess access = (flags & NoFollow) != 0 ? Sandbox.PathAccess.NoFollow : Sandbox.PathAccess.Look;
        if ((flags & PathOnly) != 0) return access;
        access |= (flags & 3) switch { 0 => Sandbox.PathAccess.Read, 1 => Sandbox.PathAccess.Write, _ => Sandbox.PathAccess.Read | Sandbox.PathAccess.Write };
        if ((flags & Create) != 0) access |= Sandbox.PathAccess.Create;
        if ((flags & Truncate) != 0) access |= Sandbox.PathAccess.Write;
        return access;
    }

    internal static long Close(Process* process, ulong descriptor) => process->Descriptors.Close((uint)descriptor);

    internal static long Read(Process* process, ulong descriptor, ulong buffer, ulong length)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null || !description->CanRead) return -Errno.EBADF;
        if (description->Operations->Read == null) return -Errno.EINVAL;
        return description->Operations->Read(description, process, buffer, length);
    }

    internal static long Write(Process* process, ulong descriptor, ulong buffer, ulong length)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null || !description->CanWrite) return -Errno.EBADF;
        if (description->Operations->Write == null) return -Errno.EINVAL;
        return description->Operations->Write(description, process, buffer, length);
    }

    /// <summary>pread64(fd, buf, count, offset), Linux's ksys_pread64 order: a negative offset
    /// EINVAL, EBADF, a kind without positions (pipe, socket, console) ESPIPE, then a descriptor
    /// not open for reading EBADF. The description's offset stays.</summary>
    internal static long ReadAt(Process* process, ulong descriptor, ulong buffer, ulong length, long offset)
    {
        if (offset < 0) return -Errno.EINVAL;
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        if (description->Operations->ReadAt == null) return -Errno.ESPIPE;
        if (!description->CanRead) return -Errno.EBADF;
        return description->Operations->ReadAt(description, process, buffer, length, offset);
    }

    /// <summary>pwrite64(fd, buf, count, offset), as pread64. With O_APPEND the bytes go to the
    /// end whatever the offset (Linux's documented behaviour).</summary>
    internal static long WriteAt(Process* process, ulong descriptor, ulong buffer, ulong length, long offset)
    {
        if (offset < 0) return -Errno.EINVAL;
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        if (description->Operations->WriteAt == null) return -Errno.ESPIPE;
        if (!description->CanWrite) return -Errno.EBADF;
        return description->Operations->WriteAt(description, process, buffer, length, offset);
    }

    internal static long Seek(Process* process, ulong descriptor, ulong offset, ulong whence)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        if (description->Operations->Seek == null) return -Errno.ESPIPE;
        if (whence > SeekOrigin.End) return -Errno.EINVAL;
        return description->Operations->Seek(description, (long)offset, (int)whence);
    }

    internal static long Ioctl(Process* process, ulong descriptor, ulong request, ulong argument)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        // The requests Linux serves for every kind of file before the file's own (do_vfs_ioctl):
        // close-on-exec on and off.
        const ulong Fioclex = 0x5451, Fionclex = 0x5450;
        if (request == Fioclex || request == Fionclex)
        {
            process->Descriptors.SetFlags((long)(uint)descriptor, request == Fioclex ? DescriptorTable.CloseOnExecFlag : 0);
            return 0;
        }

        if (description->Operations->Ioctl == null) return -Errno.ENOTTY;
        // Without the tty promise a sandbox keeps only the requests that read (TIOCSTI, which
        // types into a terminal, is the reason: docs/security.md).
        if (!process->Sandbox.Holds(Sandbox.Promises.Tty) && !Sandbox.Promises.AllowsIoctlWithoutTty(request)) return -Errno.EPERM;
        return description->Operations->Ioctl(description, process, request, argument);
    }

    internal static long FStat(Process* process, ulong descriptor, ulong statBuffer)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        return StatDescription(process, description, statBuffer);
    }

    private static long StatDescription(Process* process, OpenFileDescription* description, ulong statBuffer)
    {
        FileStatus status = default;
        long error = description->Operations->Stat(description, &status);
        return error != 0 ? error : StoreStatus(process, statBuffer, status);
    }

    internal static long Stat(Process* process, ulong userPath, ulong statBuffer) =>
        StatAt(process, PathResolver.AtFdcwd, userPath, statBuffer, 0);

    /// <summary>newfstatat(dirfd, path, buf, flags): what musl's stat, lstat, fstat and fstatat
    /// use. AT_EMPTY_PATH with "" is dirfd itself (the working directory for AT_FDCWD);
    /// AT_SYMLINK_NOFOLLOW reports a symbolic link as the last component itself (lstat).</summary>
    internal static long StatAt(Process* process, long directory, ulong userPath, ulong statBuffer, ulong flags)
    {
        if ((flags & ~(AtEmptyPath | AtSymlinkNofollow | AtNoAutomount | AtStatxSyncType)) != 0) return -Errno.EINVAL;
        byte* path = PathResolver.AllocateBuffer();
        if (path == null) return -Errno.ENOMEM;
        long length = PathResolver.Resolve(process, (int)directory, userPath, path,
            (flags & AtSymlinkNofollow) != 0 ? Sandbox.PathAccess.NoFollow : Sandbox.PathAccess.Look, emptyAllowed: (flags & AtEmptyPath) != 0);
        long result = length;
        if (length == 0)
        {
            // AT_EMPTY_PATH and "": the descriptor itself.
            if ((int)directory == PathResolver.AtFdcwd)
            {
                ReadOnlySpan<byte> cwd = process->WorkingDirectory.Path;
                cwd.CopyTo(new Span<byte>(path, cwd.Length));
                length = cwd.Length;
            }
            else
            {
                OpenFileDescription* description = process->Descriptors.Get((int)directory);
                result = description == null ? -Errno.EBADF : StatDescription(process, description, statBuffer);
            }
        }

        if (length > 0)
        {
            FileSystem.Lock();
            VfsError error = FileSystem.Vfs.StatAt(default, new ReadOnlySpan<byte>(path, (int)length), (int)(flags & AtSymlinkNofollow), out FileStatus status);
            // A /proc/PID/fd/N link to a pipe has no path to follow: it stats the pipe (fstat).
            ulong descriptorLink = error == VfsError.NoEntry && (flags & AtSymlinkNofollow) == 0
                ? VfsFile.DescriptorLinkAt(new ReadOnlySpan<byte>(path, (int)length)) : 0;
            FileSystem.Unlock();
            OpenFileDescription* linked = descriptorLink != 0 ? FileSystems.ProcFiles.AcquireDescription(descriptorLink) : null;
            if (linked != null)
            {
                result = StatDescription(process, linked, statBuffer);
                OpenFileDescription.Release(linked);
            }
            else
            {
                result = error != VfsError.None ? -(long)error : StoreStatus(process, statBuffer, status);
            }
        }

        KernelMemory.Free(path);
        return result;
    }

    /// <summary>The architecture's struct stat (Hal.UserAbi: x86-64's 144 bytes or
    /// asm-generic's 128) to the program's buffer.</summary>
    private static long StoreStatus(Process* process, ulong statBuffer, in FileStatus status)
    {
        int size = Hal.UserAbi.FileStatusSize();
        byte* user = stackalloc byte[size];
        Hal.UserAbi.WriteFileStatus(status, user);
        return UserMemory.CopyTo(process->Space, statBuffer, new ReadOnlySpan<byte>(user, size)) ? 0 : -Errno.EFAULT;
    }

    internal static long Mkdir(Process* process, ulong userPath, ulong mode) => MakeDirectoryAt(process, PathResolver.AtFdcwd, userPath, mode);

    /// <summary>mkdirat: the mode keeps the permission and sticky bits (not set-id: Linux's
    /// S_IRWXUGO|S_ISVTX) less the umask.</summary>
    internal static long MakeDirectoryAt(Process* process, long directory, ulong userPath, ulong mode) =>
        PathCall(process, directory, userPath, 0, 0, mode & 0x3FF & ~(ulong)process->FileCreationMask, PathOperation.Mkdir);

    internal static long Rmdir(Process* process, ulong userPath) => PathCall(process, PathResolver.AtFdcwd, userPath, 0, 0, 0, PathOperation.Rmdir);

    internal static long Unlink(Process* process, ulong userPath) => PathCall(process, PathResolver.AtFdcwd, userPath, 0, 0, 0, PathOperation.Unlink);

    /// <summary>unlinkat(dirfd, path, flags): AT_REMOVEDIR makes it rmdir; any other flag EINVAL.</summary>
    internal static long UnlinkAt(Process* process, long directory, ulong userPath, ulong flags)
    {
        if ((flags & ~AtRemoveDirectory) != 0) return -Errno.EINVAL;
        return PathCall(process, directory, userPath, 0, 0, 0, flags != 0 ? PathOperation.Rmdir : PathOperation.Unlink);
    }

    internal static long Rename(Process* process, ulong oldPath, ulong newPath) =>
        RenameAt(process, PathResolver.AtFdcwd, oldPath, PathResolver.AtFdcwd, newPath, 0);

    /// <summary>renameat/renameat2: flags 0 or RENAME_NOREPLACE (an existing new name EEXIST,
    /// after both paths are looked up, as Linux); RENAME_EXCHANGE and RENAME_WHITEOUT are not
    /// served, and any other flag is EINVAL.</summary>
    internal static long RenameAt(Process* process, long oldDirectory, ulong oldPath, long newDirectory, ulong newPath, ulong flags)
    {
        const ulong RenameNoReplace = 1;
        if ((flags & ~RenameNoReplace) != 0) return -Errno.EINVAL;
        return PathCall(process, oldDirectory, oldPath, newDirectory, newPath, 0,
            flags != 0 ? PathOperation.RenameNoReplace : PathOperation.Rename);
    }

    private enum PathOperation { Mkdir, Rmdir, Unlink, Rename, RenameNoReplace }

    private static long PathCall(Process* process, long directory, ulong userPath, long secondDirectory, ulong secondPath, ulong mode, PathOperation operation)
    {
        byte* path = PathResolver.AllocateBuffer();
        bool rename = operation == PathOperation.Rename || operation == PathOperation.RenameNoReplace;
        byte* other = rename ? PathResolver.AllocateBuffer() : null;
        long result = path == null || (rename && other == null) ? -Errno.ENOMEM
            : PathResolver.Resolve(process, (int)directory, userPath, path, Sandbox.PathAccess.Create | Sandbox.PathAccess.NoFollow);
        long otherLength = 0;
        if (result >= 0 && rename)
        {
            otherLength = PathResolver.Resolve(process, (int)secondDirectory, secondPath, other, Sandbox.PathAccess.Create | Sandbox.PathAccess.NoFollow);
            if (otherLength < 0) result = otherLength;
            // A sandbox may not move a link that leads out of its view (Sandbox/FileView.cs).
            if (result >= 0) result = Sandbox.FileView.CheckExistingLink(process, new ReadOnlySpan<byte>(path, (int)result)) is long e && e < 0 ? e : result;
        }

        if (result >= 0)
        {
            var first = new ReadOnlySpan<byte>(path, (int)result);
            FileSystem.Lock();
            VfsError error = operation switch
            {
                PathOperation.Mkdir => FileSystem.Vfs.Mkdir(first, (uint)mode & 0xFFF),
                PathOperation.Rmdir => FileSystem.Vfs.Rmdir(first),
                PathOperation.Unlink => FileSystem.Vfs.Unlink(first),
                PathOperation.RenameNoReplace => RenameNoReplace(first, new ReadOnlySpan<byte>(other, (int)otherLength)),
                _ => FileSystem.Vfs.Rename(first, new ReadOnlySpan<byte>(other, (int)otherLength)),
            };
            FileSystem.Unlock();
            result = -(long)error;
        }

        KernelMemory.Free(path);
        KernelMemory.Free(other);
        return result;
    }

    /// <summary>RENAME_NOREPLACE under the VFS lock the caller holds: the old name must exist,
    /// the new one must not (a dangling symbolic link counts as existing).</summary>
    private static VfsError RenameNoReplace(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        VfsError error = FileSystem.Vfs.LinkStatus(from, out _);
        if (error != VfsError.None) return error;
        if (FileSystem.Vfs.LinkStatus(to, out _) == VfsError.None) return VfsError.Exists;
        return FileSystem.Vfs.Rename(from, to);
    }

    /// <summary>getdents64: the directory's records (Files/VfsFile.cs); ENOTDIR for any other kind.</summary>
    internal static long GetDirectoryEntries(Process* process, ulong descriptor, ulong buffer, ulong capacity)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        if (description->Operations->ReadDirectory == null) return -Errno.ENOTDIR;
        return description->Operations->ReadDirectory(description, process, buffer, capacity);
    }

    /// <summary>dup(fd): the lowest free descriptor, sharing fd's description; FD_CLOEXEC clear.</summary>
    internal static long Duplicate(Process* process, ulong descriptor) => DuplicateFrom(process, (uint)descriptor, 0, closeOnExec: false);

    private static long DuplicateFrom(Process* process, long descriptor, long lowest, bool closeOnExec)
    {
        OpenFileDescription* description = process->Descriptors.Get(descriptor);
        if (description == null) return -Errno.EBADF;
        OpenFileDescription.Retain(description);
        long fd = process->Descriptors.Install(description, lowest, DescriptorLimit(process), closeOnExec);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }

    /// <summary>dup2(old, new): as dup3 with no flags, except that old == new is not an error
    /// (new is returned if old is open).</summary>
    internal static long Duplicate2(Process* process, ulong oldDescriptor, ulong newDescriptor)
    {
        if ((uint)oldDescriptor == (uint)newDescriptor)
            return process->Descriptors.Get((uint)oldDescriptor) == null ? -Errno.EBADF : (uint)newDescriptor;
        return Duplicate3(process, oldDescriptor, newDescriptor, 0);
    }

    /// <summary>dup3(old, new, flags), Linux's ksys_dup3 order: flags other than O_CLOEXEC
    /// EINVAL, old == new EINVAL, new at or above RLIMIT_NOFILE EBADF, old not open EBADF.
    /// Whatever new held is closed once old's description is in its place.</summary>
    internal static long Duplicate3(Process* process, ulong oldDescriptor, ulong newDescriptor, ulong flags)
    {
        if ((flags & ~(ulong)OpenFileDescription.CloseOnExec) != 0) return -Errno.EINVAL;
        uint from = (uint)oldDescriptor, to = (uint)newDescriptor;
        if (from == to) return -Errno.EINVAL;
        if (to >= DescriptorLimit(process)) return -Errno.EBADF;
        OpenFileDescription* description = process->Descriptors.Get(from);
        if (description == null) return -Errno.EBADF;
        OpenFileDescription.Retain(description);
        long fd = process->Descriptors.InstallAt(to, description, flags != 0);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }

    /// <summary>fcntl: F_DUPFD and F_DUPFD_CLOEXEC (lowest free at or above arg; arg at or above
    /// RLIMIT_NOFILE EINVAL), F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL/F_SETFL (only O_APPEND and
    /// O_NONBLOCK change), F_GETLK/F_SETLK/F_SETLKW (LockCalls). Any other command EINVAL.</summary>
    internal static long Control(Process* process, ulong descriptor, ulong command, ulong argument)
    {
        uint fd = (uint)descriptor;
        OpenFileDescription* description = process->Descriptors.Get(fd);
        if (description == null) return -Errno.EBADF;
        switch ((uint)command)
        {
            case (uint)FDupfd:
            case (uint)FDupfdCloexec:
                if ((uint)argument >= DescriptorLimit(process)) return -Errno.EINVAL;
                return DuplicateFrom(process, fd, (uint)argument, (uint)command == FDupfdCloexec);
            case (uint)FGetfd:
                return process->Descriptors.GetFlags(fd);
            case (uint)FSetfd:
                process->Descriptors.SetFlags(fd, (int)argument & DescriptorTable.CloseOnExecFlag);
                return 0;
            case (uint)FGetfl:
                return Hal.UserAbi.OpenFlagsToUser(description->StatusFlags);
            case (uint)FSetfl:
                description->StatusFlags = (description->StatusFlags & ~OpenFileDescription.ChangeableFlags) |
                    ((int)Hal.UserAbi.OpenFlagsFromUser(argument) & OpenFileDescription.ChangeableFlags);
                return 0;
            case LockCalls.GetLock:
            case LockCalls.SetLock:
            case LockCalls.SetLockWait:
                return LockCalls.Control(process, description, (uint)command, argument);
            default:
                return -Errno.EINVAL;
        }
    }

    /// <summary>chdir(path): the path must name a directory (ENOENT, ENOTDIR otherwise). The
    /// working directory becomes the directory's real path (symbolic links resolved), as
    /// Linux's, which is the directory itself.</summary>
    internal static long ChangeDirectory(Process* process, ulong userPath)
    {
        byte* path = PathResolver.AllocateBuffer();
        if (path == null) return -Errno.ENOMEM;
        long result = PathResolver.Resolve(process, PathResolver.AtFdcwd, userPath, path, Sandbox.PathAccess.Look);
        if (result >= 0)
        {
            var full = new ReadOnlySpan<byte>(path, (int)result);
            FileSystem.Lock();
            VfsError error = FileSystem.Vfs.Stat(full, out FileStatus status);
            FileSystem.Unlock();
            result = error != VfsError.None ? -(long)error
                : !FileMode.IsDirectory(status.Mode) ? -Errno.ENOTDIR
                : SetWorkingDirectory(process, full);
        }

        KernelMemory.Free(path);
        return result;
    }

    /// <summary>fchdir(fd): fd must be an open directory (EBADF, ENOTDIR otherwise).</summary>
    internal static long ChangeDirectoryTo(Process* process, ulong descriptor)
    {
        OpenFileDescription* description = process->Descriptors.Get((uint)descriptor);
        if (description == null) return -Errno.EBADF;
        if (!VfsFile.TryGetDirectoryPath(description, out ReadOnlySpan<byte> path)) return -Errno.ENOTDIR;
        // A directory descriptor from before the sandbox (or received) names a path: the view judges it.
        long denied = Sandbox.FileView.Check(process, path, Sandbox.PathAccess.Look);
        return denied != 0 ? denied : SetWorkingDirectory(process, path);
    }

    /// <summary>The working directory becomes the real path of <paramref name="path"/>, a
    /// directory the VFS has found.</summary>
    private static long SetWorkingDirectory(Process* process, ReadOnlySpan<byte> path)
    {
        byte* real = PathResolver.AllocateBuffer();
        byte* scratch = PathResolver.AllocateBuffer();
        byte* link = PathResolver.AllocateBuffer();
        long result = -Errno.ENOMEM;
        if (real != null && scratch != null && link != null)
        {
            result = PathResolver.Canonicalize(path, new Span<byte>(real, PathResolver.BufferSize),
                new Span<byte>(scratch, PathResolver.BufferSize), new Span<byte>(link, PathResolver.BufferSize));
            if (result >= 0)
                result = process->WorkingDirectory.Set(new ReadOnlySpan<byte>(real, (int)result)) ? 0 : -Errno.ENOMEM;
        }

        if (real != null) KernelMemory.Free(real);
        if (scratch != null) KernelMemory.Free(scratch);
        if (link != null) KernelMemory.Free(link);
        return result;
    }

    /// <summary>getcwd(buf, size): the path and its NUL; the system call returns the length
    /// with the NUL (ERANGE when it does not fit, EFAULT for a bad buffer).</summary>
    internal static long GetWorkingDirectory(Process* process, ulong buffer, ulong size)
    {
        ReadOnlySpan<byte> path = process->WorkingDirectory.Path;
        if ((ulong)path.Length + 1 > size) return -Errno.ERANGE;
        byte nul = 0;
        if (!UserMemory.CopyTo(process->Space, buffer, path) ||
            !UserMemory.CopyTo(process->Space, buffer + (ulong)path.Length, new ReadOnlySpan<byte>(&nul, 1)))
            return -Errno.EFAULT;
        return path.Length + 1;
    }
}
