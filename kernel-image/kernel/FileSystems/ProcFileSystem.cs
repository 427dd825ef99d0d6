using System;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.FileSystems;

/// <summary>
/// procfs (Linux fs/proc): a file system whose files are made when they are read, from the
/// kernel's own state. The tree: "self" (a link to the caller's pid), the system files
/// (meminfo, uptime, loadavg, mounts, cpuinfo, filesystems, version, stat) and one directory
/// per process, "PID", with stat, status, cmdline, comm, environ, maps, mounts, the links
/// exe, cwd and root, and fd/ (a link per open descriptor). The contents and their formats are
/// in <see cref="ProcFiles"/>.
/// <para>Nodes are numbers that say what they are — kind, pid, index (<see cref="Node"/>) —
/// so nothing is stored per node and a node of a process that has ended simply finds nothing
/// (NoEntry, or an empty read): the process is looked up by pid, under the process-table lock,
/// every time. A read makes the whole file into one buffer and keeps it while the same thread
/// goes on reading from where it stopped (Linux's seq_file), so a file read in pieces is one
/// snapshot. One instance serves every mount; every call comes under the VFS lock.</para>
/// </summary>
internal unsafe struct ProcFileSystem : IFileSystem
{
    /// <summary>What a node is: bits 56-63 the kind, 16-47 the pid, 0-15 the index.</summary>
    internal static class Node
    {
        internal const ulong Root = 1, SystemEntry = 2, ProcessDirectory = 3, ProcessEntry = 4, Descriptor = 5;

        internal static ulong Make(ulong kind, ulong pid, int index) => (kind << 56) | ((pid & 0xFFFF_FFFF) << 16) | (uint)(index & 0xFFFF);

        internal static ulong KindOf(ulong node) => node >> 56;

        internal static ulong PidOf(ulong node) => (node >> 16) & 0xFFFF_FFFF;

        internal static int IndexOf(ulong node) => (int)(node & 0xFFFF);
    }

    // The system entries, by index.
    internal const int Self = 0, Mounts = 1, MemoryInfo = 2, Uptime = 3, LoadAverage = 4, CpuInfo = 5, FileSystems = 6,
        Version = 7, Statistics = 8, Modules = 9, SystemEntryCount = 10;

    // A process's entries, by index.
    internal const int ProcessStat = 0, ProcessStatus = 1, CommandLine = 2, Command = 3, Environment = 4, Maps = 5,
        ProcessMounts = 6, Executable = 7, WorkingDirectory = 8, Descriptors = 9, RootDirectory = 10, MountInfo = 11,
        ProcessEntryCount = 12;

    /// <summary>Directory positions of the pid directories in /proc: after the system entries.</summary>
    private const long PidPositionBase = 1000;

    private static string SystemName(int index) => index switch
    {
        Self => "self", Mounts => "mounts", MemoryInfo => "meminfo", Uptime => "uptime", LoadAverage => "loadavg",
        CpuInfo => "cpuinfo", FileSystems => "filesystems", Version => "version", Statistics => "stat", Modules => "modules", _ => "",
    };

    private static string ProcessName(int index) => index switch
    {
        ProcessStat => "stat", ProcessStatus => "status", CommandLine => "cmdline", Command => "comm", Environment => "environ",
        Maps => "maps", ProcessMounts => "mounts", Executable => "exe", WorkingDirectory => "cwd", Descriptors => "fd",
        RootDirectory => "root", MountInfo => "mountinfo", _ => "",
    };

    private static uint TypeOf(ulong node) => Node.KindOf(node) switch
    {
        Node.Root or Node.ProcessDirectory => FileMode.Directory,
        Node.SystemEntry => Node.IndexOf(node) == Self ? FileMode.SymbolicLink : FileMode.Regular,
        Node.ProcessEntry => Node.IndexOf(node) switch
        {
            Executable or WorkingDirectory or RootDirectory => FileMode.SymbolicLink,
            Descriptors => FileMode.Directory,
            _ => FileMode.Regular,
        },
        Node.Descriptor => FileMode.SymbolicLink,
        _ => 0,
    };

    public readonly ulong Root => Node.Make(Node.Root, 0, 0);

    public readonly VfsError Lookup(ulong directory, ReadOnlySpan<byte> name, out ulong node, out uint type)
    {
        node = 0;
        type = 0;
        if (TypeOf(directory) != FileMode.Directory) return VfsError.NotDirectory;
        bool dotDot = name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.';
        ulong pid = Node.PidOf(directory);
        switch (Node.KindOf(directory))
        {
            case Node.Root:
                if (dotDot)
                {
                    node = directory;
                    break;
                }

                for (int i = 0; i < SystemEntryCount && node == 0; i++)
                {
                    if (NameIs(SystemName(i), name)) node = Node.Make(Node.SystemEntry, 0, i);
                }

                if (node == 0 && ParseNumber(name, out ulong wanted) && ProcFiles.ProcessExists(wanted))
                    node = Node.Make(Node.ProcessDirectory, wanted, 0);
                break;
            case Node.ProcessDirectory:
                if (dotDot)
                {
                    node = Root;
                    break;
                }

                for (int i = 0; i < ProcessEntryCount && node == 0; i++)
                {
                    if (NameIs(ProcessName(i), name)) node = Node.Make(Node.ProcessEntry, pid, i);
                }

                break;
            default: // a process's fd/
                if (dotDot)
                {
                    node = Node.Make(Node.ProcessDirectory, pid, 0);
                    break;
                }

                if (ParseNumber(name, out ulong fd) && fd < 0x10000 && ProcFiles.DescriptorExists(pid, (int)fd))
                    node = Node.Make(Node.Descriptor, pid, (int)fd);
                break;
        }

        if (node == 0) return VfsError.NoEntry;
        type = TypeOf(node);
        return VfsError.None;
    }

    private static bool NameIs(string text, ReadOnlySpan<byte> name)
    {
        if (text.Length != name.Length) return false;
        for (int i = 0; i < text.Length; i++)
        {
            if ((byte)text[i] != name[i]) return false;
        }

        return true;
    }

    /// <summary>A decimal number without sign or leading zeros (how /proc names pids and fds).</summary>
    private static bool ParseNumber(ReadOnlySpan<byte> name, out ulong value)
    {
        value = 0;
        if (name.IsEmpty || name.Length > 10 || (name[0] == (byte)'0' && name.Length > 1)) return false;
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] < (byte)'0' || name[i] > (byte)'9') return false;
            value = value * 10 + (ulong)(name[i] - '0');
        }

        return true;
    }

    public readonly void GetAttributes(ulong node, out FileStatus status)
    {
        status = default;
        uint type = TypeOf(node);
        status.Inode = node;
        status.BlockSize = 1024;
        status.LinkCount = type == FileMode.Directory ? 2UL : 1UL;
        ulong kind = Node.KindOf(node);
        int index = Node.IndexOf(node);
        uint permissions = type switch
        {
            FileMode.Directory => kind == Node.ProcessEntry ? 0x140u : 0x16Du,  // fd/ dr-x------, others dr-xr-xr-x
            FileMode.SymbolicLink => kind == Node.Descriptor ? ProcFiles.DescriptorPermissions(node) : 0x1FFu,
            _ => kind == Node.ProcessEntry && index == Environment ? 0x100u : 0x124u, // -r-------- / -r--r--r--
        };
        status.Mode = type | permissions;
        if (type == FileMode.SymbolicLink) status.Size = ProcFiles.LinkLength(node);
        long seconds = (long)(Hal.Timer.Ticks() / 1000);
        status.AccessTimeSeconds = status.ModifyTimeSeconds = status.ChangeTimeSeconds = seconds;
    }

    /// <summary>Opening for writing succeeds for root, as on Linux; the write itself fails
    /// (proc_reg_write without a handler: EIO).</summary>
    public readonly VfsError Open(ulong node, int flags) => VfsError.None;

    public readonly void Close<TMemory>(ref TMemory memory, ulong node) where TMemory : struct, IVfsMemory
    {
    }

    public readonly long Read(ulong node, long offset, Span<byte> buffer, long now) => ProcFiles.Read(node, offset, buffer);

    public readonly long Write<TMemory>(ref TMemory memory, ulong node, long offset, ReadOnlySpan<byte> data, long now)
        where TMemory : struct, IVfsMemory => -Syscalls.Errno.EIO;

    public readonly long ReadDirectory(ulong directory, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        ulong kind = Node.KindOf(directory);
        ulong pid = Node.PidOf(directory);
        if (kind == Node.Root)
        {
            if (index < SystemEntryCount)
                return Entry(SystemName((int)index), Node.Make(Node.SystemEntry, 0, (int)index), index, name, ref entry);
            ulong next = ProcFiles.FirstPidFrom((ulong)Math.Max(0, index - PidPositionBase));
            if (next == 0) return 0;
            TextBuilder text = new(name);
            text.Unsigned(next);
            if (text.Overflowed) return -(long)VfsError.InvalidArgument;
            return Fill(Node.Make(Node.ProcessDirectory, next, 0), PidPositionBase + (long)next, text.Length, ref entry);
        }

        if (kind == Node.ProcessDirectory)
        {
            if (index >= ProcessEntryCount || !ProcFiles.ProcessExists(pid)) return 0;
            return Entry(ProcessName((int)index), Node.Make(Node.ProcessEntry, pid, (int)index), index, name, ref entry);
        }

        if (kind == Node.ProcessEntry && Node.IndexOf(directory) == Descriptors)
        {
            int fd = ProcFiles.FirstDescriptorFrom(pid, (int)Math.Min(index, 0x10000));
            if (fd < 0) return 0;
            TextBuilder text = new(name);
            text.Unsigned((ulong)fd);
            if (text.Overflowed) return -(long)VfsError.InvalidArgument;
            return Fill(Node.Make(Node.Descriptor, pid, fd), fd, text.Length, ref entry);
        }

        return -(long)VfsError.NotDirectory;
    }

    private static long Entry(string text, ulong node, long position, Span<byte> name, ref DirectoryEntry entry)
    {
        if (name.Length < text.Length) return -(long)VfsError.InvalidArgument;
        for (int i = 0; i < text.Length; i++) name[i] = (byte)text[i];
        return Fill(node, position, text.Length, ref entry);
    }

    private static long Fill(ulong node, long position, int length, ref DirectoryEntry entry)
    {
        entry.Inode = node;
        entry.Type = DirectoryEntryType.Of(TypeOf(node));
        entry.NameLength = length;
        entry.Offset = position + 1;
        return length;
    }

    public readonly VfsError Create<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, long now, out ulong node)
        where TMemory : struct, IVfsMemory
    {
        node = 0;
        return VfsError.NoEntry;
    }

    public readonly VfsError Symlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, long now)
        where TMemory : struct, IVfsMemory => VfsError.NoEntry;

    public readonly long ReadLink(ulong node, Span<byte> buffer) =>
        TypeOf(node) == FileMode.SymbolicLink ? ProcFiles.ReadLink(node, buffer) : -(long)VfsError.InvalidArgument;

    /// <summary>link(2) and mknod(2) (IFileSystem members since vfs 0.4): nothing is made here.</summary>
    public readonly VfsError Link<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ulong node, long now)
        where TMemory : struct, IVfsMemory => (VfsError)Syscalls.Errno.EPERM;

    public readonly VfsError MakeNode<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, ulong device, long now)
        where TMemory : struct, IVfsMemory => VfsError.NoEntry;

    public readonly VfsError Unlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory => (VfsError)Syscalls.Errno.EPERM;

    public readonly VfsError RemoveDirectory<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory => (VfsError)Syscalls.Errno.EPERM;

    public readonly VfsError Rename<TMemory>(ref TMemory memory, ulong fromDirectory, ReadOnlySpan<byte> fromName, ulong toDirectory, ReadOnlySpan<byte> toName, long now)
        where TMemory : struct, IVfsMemory => (VfsError)Syscalls.Errno.EPERM;

    public readonly VfsError SetAttributes<TMemory>(ref TMemory memory, ulong node, in AttributeChange change, long now)
        where TMemory : struct, IVfsMemory => (VfsError)Syscalls.Errno.EPERM;

    public readonly void StatFileSystem(out FileSystemStatus status)
    {
        status = default;
        status.Magic = 0x9FA0; // PROC_SUPER_MAGIC
    }

    /// <summary>No page-backed file data: nothing to map in place (mmap copies, or ENODEV).</summary>
    public readonly VfsError GetPage<TMemory>(ref TMemory memory, ulong node, long offset, bool allocate, out byte* page)
        where TMemory : struct, IVfsMemory
    {
        page = null;
        return VfsError.NoDevice;
    }
}
