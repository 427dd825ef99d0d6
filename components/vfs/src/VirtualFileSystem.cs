using System;

namespace Aurora.Vfs;

/// <summary>
/// The virtual file system: a tmpfs mounted at "/" (<see cref="Initialize"/>), further tmpfs
/// instances mounted on directories, absolute path resolution across them, and the file
/// operations behind open/close/read/write/lseek/stat/fstat/mkdir/rmdir/unlink/rename/
/// truncate/ftruncate/getdents, each on a caller's <see cref="FileTable"/>.
/// </summary>
/// <remarks>
/// <para>Return convention: operations that produce a number (a descriptor, a byte count, an
/// offset, a name length) return <c>long</c>: the number when it is ≥ 0, <c>-(long)VfsError</c>
/// when it is negative — the Linux syscall convention, so a handler returns it in RAX as it is.
/// Operations that produce only success or failure return <see cref="VfsError"/>
/// (<see cref="VfsError.None"/> on success). A failed operation changes nothing.</para>
/// <para>Paths are byte spans, absolute (no working directory here: the syscall layer joins a
/// relative path to the process's cwd first), without a terminating NUL.</para>
/// <para>Not thread-safe: the kernel serialises calls (one VFS lock). The struct holds no GC
/// references when <typeparamref name="TMemory"/> holds none, so it can be a static field; use
/// that one instance by reference and never copy it.</para>
/// </remarks>
public unsafe partial struct VirtualFileSystem<TMemory>
    where TMemory : struct, IVfsMemory
{
    private TMemory _memory;
    private Superblock* _rootFileSystem;
    /// <summary>Every mounted file system, root first (a singly linked list through NextMount).</summary>
    private Superblock* _mounts;
    private ulong _nextDevice;

    public VirtualFileSystem(TMemory memory)
    {
        _memory = memory;
        _nextDevice = 1;
    }

    /// <summary>The clock stamped on inodes (atime, mtime, ctime), in nanoseconds; the kernel
    /// sets it (e.g. from its timer) before calls. <see cref="FileStatus"/> reports it split
    /// into seconds and nanoseconds.</summary>
    public long Now { get; set; }

    public readonly bool IsInitialized => _rootFileSystem != null;

    /// <summary>The memory source (a copy), for inspecting its own counters.</summary>
    public readonly TMemory Memory => _memory;

    /// <summary>Mounts the root tmpfs at "/" (device 1). <paramref name="capacityBytes"/> limits
    /// its file pages (0 = unlimited). Busy if already done.</summary>
    public VfsError Initialize(ulong capacityBytes)
    {
        if (_rootFileSystem != null)
        {
            return VfsError.Busy;
        }

        Superblock* fs = Tmpfs.Create(ref _memory, _nextDevice, capacityBytes, Now);
        if (fs == null)
        {
            return VfsError.NoMemory;
        }

        _nextDevice++;
        _rootFileSystem = fs;
        _mounts = fs;
        return VfsError.None;
    }

    /// <summary>Frees every file system and all their memory. Busy (and nothing freed) while any
    /// file is open: close every <see cref="FileTable"/> first (<see cref="CloseAll"/>).</summary>
    public VfsError Dispose()
    {
        for (Superblock* fs = _mounts; fs != null; fs = fs->NextMount)
        {
            if (fs->OpenFiles != 0)
            {
                return VfsError.Busy;
            }
        }

        while (_mounts != null)
        {
            Superblock* fs = _mounts;
            _mounts = fs->NextMount;
            Tmpfs.Destroy(ref _memory, fs);
        }

        _rootFileSystem = null;
        return VfsError.None;
    }

    /// <summary>Mounts a new, empty tmpfs on the directory at <paramref name="path"/>, hiding
    /// what the directory holds until <see cref="Unmount"/>. <paramref name="capacityBytes"/>
    /// limits its file pages (0 = unlimited). Busy on "/" or on a directory that is already a
    /// mount point or a mount root.</summary>
    public VfsError Mount(ReadOnlySpan<byte> path, ulong capacityBytes)
    {
        VfsError error = Resolve(path, out Inode* target);
        if (error != VfsError.None)
        {
            return error;
        }

        if (!target->IsDirectory)
        {
            return VfsError.NotDirectory;
        }

        if (target == target->FileSystem->Root)
        {
            return VfsError.Busy;
        }

        Superblock* fs = Tmpfs.Create(ref _memory, _nextDevice, capacityBytes, Now);
        if (fs == null)
        {
            return VfsError.NoMemory;
        }

        _nextDevice++;
        fs->MountPoint = target;
        target->MountedHere = fs;
        target->FileSystem->ChildMounts++;

        // Append, so the root file system stays first.
        Superblock* last = _mounts;
        while (last->NextMount != null)
        {
            last = last->NextMount;
        }

        last->NextMount = fs;
        return VfsError.None;
    }

    /// <summary>Unmounts the file system whose root is at <paramref name="path"/> and frees it.
    /// InvalidArgument if that is not a mount root (or is "/"); Busy while files in it are open
    /// or other file systems are mounted inside it.</summary>
    public VfsError Unmount(ReadOnlySpan<byte> path)
    {
        VfsError error = Resolve(path, out Inode* target);
        if (error != VfsError.None)
        {
            return error;
        }

        Superblock* fs = target->FileSystem;
        if (target != fs->Root || fs->MountPoint == null)
        {
            return VfsError.InvalidArgument;
        }

        if (fs->OpenFiles != 0 || fs->ChildMounts != 0)
        {
            return VfsError.Busy;
        }

        fs->MountPoint->MountedHere = null;
        fs->MountPoint->FileSystem->ChildMounts--;
        Superblock* previous = _mounts;
        while (previous->NextMount != fs)
        {
            previous = previous->NextMount;
        }

        previous->NextMount = fs->NextMount;
        Tmpfs.Destroy(ref _memory, fs);
        return VfsError.None;
    }

    /// <summary>Figures of the file system holding <paramref name="path"/> (statfs).</summary>
    public VfsError StatFileSystem(ReadOnlySpan<byte> path, out FileSystemStatus status)
    {
        status = default;
        VfsError error = Resolve(path, out Inode* target);
        if (error != VfsError.None)
        {
            return error;
        }

        Superblock* fs = target->FileSystem;
        status.Device = fs->Device;
        status.CapacityBytes = fs->CapacityPages * VfsLimits.PageSize;
        status.UsedBytes = fs->UsedPages * VfsLimits.PageSize;
        status.Inodes = fs->Inodes;
        status.OpenFiles = fs->OpenFiles;
        return VfsError.None;
    }

    /// <summary>stat(2): follows mounts, so a mount point reports the mounted root.</summary>
    public VfsError Stat(ReadOnlySpan<byte> path, out FileStatus status)
    {
        status = default;
        VfsError error = Resolve(path, out Inode* target);
        if (error != VfsError.None)
        {
            return error;
        }

        Fill(target, out status);
        return VfsError.None;
    }

    private static void Fill(Inode* inode, out FileStatus status)
    {
        status = default;
        status.Device = inode->FileSystem->Device;
        status.Inode = inode->Number;
        status.LinkCount = inode->LinkCount;
        status.Mode = inode->Mode;
        status.Size = inode->IsDirectory ? Tmpfs.DirectorySize(inode) : inode->Size;
        status.BlockSize = VfsLimits.PageSize;
        status.Blocks = (long)inode->PagesInUse * (VfsLimits.PageSize / 512);
        SplitTime(inode->AccessTime, out status.AccessTimeSeconds, out status.AccessTimeNanoseconds);
        SplitTime(inode->ModifyTime, out status.ModifyTimeSeconds, out status.ModifyTimeNanoseconds);
        SplitTime(inode->ChangeTime, out status.ChangeTimeSeconds, out status.ChangeTimeNanoseconds);
    }

    private static void SplitTime(long nanoseconds, out long seconds, out long remainder)
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
