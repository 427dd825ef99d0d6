using System;

namespace Aurora.Vfs;

/// <summary>
/// The virtual file system: a mount table of file systems, each driven through its
/// <see cref="IFileSystem"/> operations (tmpfs at "/" by <see cref="Initialize(ulong)"/>, further
/// tmpfs instances or any other file system mounted on directories), path resolution across them
/// (mount points both ways, symbolic links), and the file operations behind open/close/read/
/// write/lseek/stat/fstat/lstat/mkdir/rmdir/unlink/rename/symlink/readlink/truncate/ftruncate/
/// getdents, each on a caller's <see cref="FileTable"/>; *at variants start at a
/// <see cref="NodeHandle"/>.
/// </summary>
/// <remarks>
/// <para>Return convention: operations that produce a number (a descriptor, a byte count, an
/// offset, a name length) return <c>long</c>: the number when it is ≥ 0, <c>-(long)VfsError</c>
/// when it is negative — the Linux syscall convention, so a handler returns it in RAX as it is.
/// Operations that produce only success or failure return <see cref="VfsError"/>
/// (<see cref="VfsError.None"/> on success). A failed operation changes nothing.</para>
/// <para>Paths are byte spans without a terminating NUL. The calls without a handle take absolute
/// paths (InvalidArgument otherwise); the *At calls resolve relative paths from their handle.</para>
/// <para>Not thread-safe: the kernel serialises calls (one VFS lock). The struct holds no GC
/// references when <typeparamref name="TMemory"/> holds none, so it can be a static field; use
/// that one instance by reference and never copy it.</para>
/// </remarks>
public unsafe partial struct VirtualFileSystem<TMemory>
    where TMemory : struct, IVfsMemory
{
    private TMemory _memory;
    private MountEntry<TMemory>* _rootMount;
    /// <summary>The mount table, root first (a singly linked list through Next).</summary>
    private MountEntry<TMemory>* _mounts;
    private ulong _nextDevice;
    /// <summary>Two buffers of <see cref="ScratchSize"/> bytes where a path meeting a symbolic
    /// link is rewritten (one per path of a rename); allocated when the first link is followed,
    /// freed by <see cref="Dispose"/>.</summary>
    private byte* _linkScratch;

    /// <summary>A file system that takes its memory from <paramref name="memory"/> (copied in);
    /// nothing is mounted or allocated until <see cref="Initialize"/>.</summary>
    public VirtualFileSystem(TMemory memory)
    {
        _memory = memory;
        _nextDevice = 1;
    }

    /// <summary>The clock stamped on inodes (atime, mtime, ctime), in nanoseconds; the kernel
    /// sets it (e.g. from its timer) before calls. <see cref="FileStatus"/> reports it split
    /// into seconds and nanoseconds.</summary>
    public long Now { get; set; }

    /// <summary>Whether <see cref="Initialize"/> succeeded and <see cref="Dispose"/> has not run
    /// since.</summary>
    public readonly bool IsInitialized => _rootMount != null;

    /// <summary>The memory source (a copy), for inspecting its own counters.</summary>
    public readonly TMemory Memory => _memory;

    /// <summary>Mounts a new tmpfs at "/" (device 1). <paramref name="capacityBytes"/> limits
    /// its file pages (0 = unlimited). Busy if already done.</summary>
    public VfsError Initialize(ulong capacityBytes)
    {
        if (_rootMount != null)
        {
            return VfsError.Busy;
        }

        VfsError error = NewTmpfsMount(capacityBytes, out MountEntry<TMemory>* mount);
        if (error != VfsError.None)
        {
            return error;
        }

        _rootMount = mount;
        _mounts = mount;
        return VfsError.None;
    }

    /// <summary>Mounts <paramref name="fileSystem"/> (a <typeparamref name="TFileSystem"/> that
    /// stays at that address until <see cref="Dispose"/>; the caller owns it) at "/".</summary>
    public VfsError Initialize<TFileSystem>(void* fileSystem)
        where TFileSystem : struct, IFileSystem
    {
        if (_rootMount != null)
        {
            return VfsError.Busy;
        }

        MountEntry<TMemory>* mount = NewMount<TFileSystem>(fileSystem);
        if (mount == null)
        {
            return VfsError.NoMemory;
        }

        _rootMount = mount;
        _mounts = mount;
        return VfsError.None;
    }

    /// <summary>Frees the mount table, every tmpfs the VFS made and all their memory. Busy (and
    /// nothing freed) while any file is open or any handle held: close every
    /// <see cref="FileTable"/> first (<see cref="CloseAll"/>). File systems mounted with
    /// <see cref="Mount{TFileSystem}(ReadOnlySpan{byte}, void*)"/> are left to their owners.</summary>
    public VfsError Dispose()
    {
        for (MountEntry<TMemory>* mount = _mounts; mount != null; mount = mount->Next)
        {
            if (mount->OpenFiles != 0)
            {
                return VfsError.Busy;
            }
        }

        while (_mounts != null)
        {
            MountEntry<TMemory>* mount = _mounts;
            _mounts = mount->Next;
            FreeMount(mount);
        }

        if (_linkScratch != null)
        {
            _memory.Free(_linkScratch);
            _linkScratch = null;
        }

        _rootMount = null;
        return VfsError.None;
    }

    /// <summary>Mounts a new, empty tmpfs on the directory at <paramref name="path"/>, hiding
    /// what the directory holds until <see cref="Unmount"/>. <paramref name="capacityBytes"/>
    /// limits its file pages (0 = unlimited). Busy on "/". On a mount point it stacks: the new
    /// file system hides the one mounted there until it is unmounted (as Linux).</summary>
    public VfsError Mount(ReadOnlySpan<byte> path, ulong capacityBytes)
    {
        VfsError error = ResolveMountPoint(path, out Node target);
        if (error != VfsError.None)
        {
            return error;
        }

        error = NewTmpfsMount(capacityBytes, out MountEntry<TMemory>* mount);
        if (error != VfsError.None)
        {
            return error;
        }

        Attach(mount, target);
        return VfsError.None;
    }

    /// <summary>Mounts <paramref name="fileSystem"/>, a <typeparamref name="TFileSystem"/> that
    /// stays at that address until it is unmounted (a static, or memory from the allocator), on
    /// the directory at <paramref name="path"/>. The caller keeps ownership: unmounting only
    /// detaches it. Errors as <see cref="Mount(ReadOnlySpan{byte}, ulong)"/>.</summary>
    public VfsError Mount<TFileSystem>(ReadOnlySpan<byte> path, void* fileSystem)
        where TFileSystem : struct, IFileSystem
    {
        VfsError error = ResolveMountPoint(path, out Node target);
        if (error != VfsError.None)
        {
            return error;
        }

        MountEntry<TMemory>* mount = NewMount<TFileSystem>(fileSystem);
        if (mount == null)
        {
            return VfsError.NoMemory;
        }

        Attach(mount, target);
        return VfsError.None;
    }

    /// <summary>Unmounts the file system whose root is at <paramref name="path"/> (freeing it if
    /// the VFS made it). InvalidArgument if that is not a mount root (or is "/"); Busy while files
    /// in it are open, handles to it held, or other file systems are mounted inside it.</summary>
    public VfsError Unmount(ReadOnlySpan<byte> path)
    {
        VfsError error = ResolvePath(default, path, true, true, out Node target);
        if (error != VfsError.None)
        {
            return error;
        }

        MountEntry<TMemory>* mount = target.Mount;
        if (target.Id != mount->Root || mount->Parent == null)
        {
            return VfsError.InvalidArgument;
        }

        if (mount->OpenFiles != 0 || mount->ChildMounts != 0)
        {
            return VfsError.Busy;
        }

        mount->Parent->ChildMounts--;
        MountEntry<TMemory>* previous = _mounts;
        while (previous->Next != mount)
        {
            previous = previous->Next;
        }

        previous->Next = mount->Next;
        FreeMount(mount);
        return VfsError.None;
    }

    /// <summary>Figures of the file system holding <paramref name="path"/> (statfs).</summary>
    public VfsError StatFileSystem(ReadOnlySpan<byte> path, out FileSystemStatus status)
    {
        status = default;
        VfsError error = ResolvePath(default, path, true, true, out Node target);
        if (error != VfsError.None)
        {
            return error;
        }

        MountEntry<TMemory>* mount = target.Mount;
        mount->Operations.StatFileSystem(mount->Instance, out status);
        status.Device = mount->Device;
        status.OpenFiles = mount->OpenFiles;
        return VfsError.None;
    }

    /// <summary>stat(2): follows symbolic links and mounts, so a mount point reports the mounted
    /// root.</summary>
    public VfsError Stat(ReadOnlySpan<byte> path, out FileStatus status) => StatPath(default, path, true, true, out status);

    /// <summary>lstat(2): like <see cref="Stat(ReadOnlySpan{byte}, out FileStatus)"/>, but a
    /// symbolic link as the last component reports the link itself.</summary>
    public VfsError LinkStatus(ReadOnlySpan<byte> path, out FileStatus status) => StatPath(default, path, false, true, out status);

    private VfsError StatPath(in NodeHandle start, ReadOnlySpan<byte> path, bool follow, bool absoluteOnly, out FileStatus status)
    {
        status = default;
        VfsError error = ResolvePath(start, path, follow, absoluteOnly, out Node target);
        if (error != VfsError.None)
        {
            return error;
        }

        Fill(target, out status);
        return VfsError.None;
    }

    private static void Fill(Node node, out FileStatus status)
    {
        MountEntry<TMemory>* mount = node.Mount;
        mount->Operations.GetAttributes(mount->Instance, node.Id, out status);
        status.Device = mount->Device;
    }

    private VfsError ResolveMountPoint(ReadOnlySpan<byte> path, out Node target)
    {
        VfsError error = ResolvePath(default, path, true, true, out target);
        if (error != VfsError.None)
        {
            return error;
        }

        if (!target.IsDirectory)
        {
            return VfsError.NotDirectory;
        }

        // Only "/" is refused. A mount point resolves to the root of what is mounted there, so a
        // mount there stacks on top of it (Linux: the new one hides the old until unmounted).
        return target.Id == target.Mount->Root && target.Mount->Parent == null ? VfsError.Busy : VfsError.None;
    }

    private VfsError NewTmpfsMount(ulong capacityBytes, out MountEntry<TMemory>* mount)
    {
        mount = null;
        var tmpfs = (TmpfsFileSystem*)_memory.Allocate((nuint)sizeof(TmpfsFileSystem));
        if (tmpfs == null)
        {
            return VfsError.NoMemory;
        }

        VfsError error = tmpfs->Initialize(ref _memory, capacityBytes, Now);
        if (error != VfsError.None)
        {
            _memory.Free(tmpfs);
            return error;
        }

        mount = NewMount<TmpfsFileSystem>(tmpfs);
        if (mount == null)
        {
            tmpfs->Destroy(ref _memory);
            _memory.Free(tmpfs);
            return VfsError.NoMemory;
        }

        mount->OwnsTmpfs = true;
        return VfsError.None;
    }

    private MountEntry<TMemory>* NewMount<TFileSystem>(void* fileSystem)
        where TFileSystem : struct, IFileSystem
    {
        var mount = (MountEntry<TMemory>*)_memory.Allocate((nuint)sizeof(MountEntry<TMemory>));
        if (mount == null)
        {
            return null;
        }

        *mount = default;
        mount->Operations = FileSystemOperations<TMemory>.For<TFileSystem>();
        mount->Instance = fileSystem;
        mount->Root = mount->Operations.Root(fileSystem);
        mount->Device = _nextDevice++;
        return mount;
    }

    private void Attach(MountEntry<TMemory>* mount, Node target)
    {
        mount->Parent = target.Mount;
        mount->MountPoint = target.Id;
        target.Mount->ChildMounts++;

        // Append, so the root file system stays first.
        MountEntry<TMemory>* last = _mounts;
        while (last->Next != null)
        {
            last = last->Next;
        }

        last->Next = mount;
    }

    private void FreeMount(MountEntry<TMemory>* mount)
    {
        if (mount->OwnsTmpfs)
        {
            var tmpfs = (TmpfsFileSystem*)mount->Instance;
            tmpfs->Destroy(ref _memory);
            _memory.Free(tmpfs);
        }

        _memory.Free(mount);
    }
}
