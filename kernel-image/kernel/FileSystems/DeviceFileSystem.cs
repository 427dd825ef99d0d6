using System;
using Aurora.Kernel.Files;
using Aurora.Vfs;

namespace Aurora.Kernel.FileSystems;

/// <summary>
/// devfs, what Linux's devtmpfs shows at /dev: a fixed table of character-device nodes with
/// Linux's numbers (opening one goes through <see cref="Devices"/>, which knows the devices,
/// so the node is only a name), the links a libc and a shell expect (fd, stdin, stdout, stderr
/// into /proc/self/fd) and an empty "shm" directory the kernel mounts a tmpfs on. The nodes
/// are indexes into the table + 1 (the root is 1). Read-only: every change is EROFS (Linux's
/// devtmpfs is writable; nothing here needs it yet). One instance serves every mount, as
/// every devtmpfs mount on Linux shows the same tree. After the fixed nodes come the devices
/// loadable modules lend (ModuleDevices): a node each, present only while a module has it.
/// </summary>
internal unsafe struct DeviceFileSystem : IFileSystem
{
    private const int FixedCount = 15;
    private const int Count = FixedCount + Modules.ModuleDevices.Capacity;
    private const int RootIndex = 0;

    /// <summary>The node table, by index: name, parent index, mode, device number or link target.</summary>
    private static string NameOf(int index) => index switch
    {
        1 => "null", 2 => "zero", 3 => "full", 4 => "random", 5 => "urandom",
        6 => "tty", 7 => "console", 8 => "ttyS0", 9 => "tty1",
        10 => "fd", 11 => "stdin", 12 => "stdout", 13 => "stderr",
        14 => "shm",
        _ => "",
    };

    private static uint ModeOf(int index) => index switch
    {
        >= FixedCount => Modules.ModuleDevices.InUse(index - FixedCount) ? FileMode.CharacterDevice | 0x180 : 0, // crw-------
        0 => FileMode.Directory | 0x1ED,              // drwxr-xr-x
        >= 1 and <= 6 => FileMode.CharacterDevice | 0x1B6, // crw-rw-rw-
        7 => FileMode.CharacterDevice | 0x180,        // crw------- (console)
        8 => FileMode.CharacterDevice | 0x1B0,        // crw-rw---- (ttyS0, group dialout on Linux)
        9 => FileMode.CharacterDevice | 0x190,        // crw--w---- (tty1)
        >= 10 and <= 13 => FileMode.SymbolicLink | 0x1FF,
        14 => FileMode.Directory | 0x3FF,             // drwxrwxrwt
        _ => 0,
    };

    private static ulong DeviceOf(int index) => index switch
    {
        >= FixedCount => Modules.ModuleDevices.DeviceNumber(index - FixedCount),
        1 => Devices.Encode(Devices.MemoryMajor, Devices.NullMinor),
        2 => Devices.Encode(Devices.MemoryMajor, Devices.ZeroMinor),
        3 => Devices.Encode(Devices.MemoryMajor, Devices.FullMinor),
        4 => Devices.Encode(Devices.MemoryMajor, Devices.RandomMinor),
        5 => Devices.Encode(Devices.MemoryMajor, Devices.UrandomMinor),
        6 => Devices.Encode(Devices.TtyAuxMajor, Devices.TtyMinor),
        7 => Devices.Encode(Devices.TtyAuxMajor, Devices.ConsoleMinor),
        8 => Devices.Encode(Devices.TtyMajor, Devices.TtyS0Minor),
        9 => Devices.Encode(Devices.TtyMajor, Devices.Tty1Minor),
        _ => 0,
    };

    private static string TargetOf(int index) => index switch
    {
        10 => "/proc/self/fd", 11 => "/proc/self/fd/0", 12 => "/proc/self/fd/1", 13 => "/proc/self/fd/2",
        _ => "",
    };

    private static int ParentOf(int index) => RootIndex;

    private static bool Valid(ulong node) => node >= 1 && node <= Count && ModeOf((int)node - 1) != 0;

    private static int IndexOf(ulong node) => (int)node - 1;

    public readonly ulong Root => RootIndex + 1;

    public readonly VfsError Lookup(ulong directory, ReadOnlySpan<byte> name, out ulong node, out uint type)
    {
        node = 0;
        type = 0;
        if (!Valid(directory) || !FileMode.IsDirectory(ModeOf(IndexOf(directory)))) return VfsError.NotDirectory;
        int dir = IndexOf(directory);
        if (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.')
        {
            node = (ulong)ParentOf(dir) + 1;
            type = FileMode.Directory;
            return VfsError.None;
        }

        for (int i = 1; i < Count; i++)
        {
            if (ParentOf(i) != dir || ModeOf(i) == 0 || !NodeNameIs(i, name)) continue;
            node = (ulong)i + 1;
            type = ModeOf(i) & FileMode.TypeMask;
            return VfsError.None;
        }

        return VfsError.NoEntry;
    }

    private static bool NodeNameIs(int index, ReadOnlySpan<byte> name) =>
        index >= FixedCount ? Modules.ModuleDevices.NameOf(index - FixedCount).SequenceEqual(name) : NameIs(NameOf(index), name);

    private static bool NameIs(string text, ReadOnlySpan<byte> name)
    {
        if (text.Length != name.Length) return false;
        for (int i = 0; i < text.Length; i++)
        {
            if ((byte)text[i] != name[i]) return false;
        }

        return true;
    }

    public readonly void GetAttributes(ulong node, out FileStatus status)
    {
        status = default;
        if (!Valid(node)) return;
        int index = IndexOf(node);
        status.Inode = node;
        status.Mode = ModeOf(index);
        status.LinkCount = FileMode.IsDirectory(status.Mode) ? 2UL : 1UL;
        status.SpecialDevice = DeviceOf(index);
        status.Size = FileMode.IsSymbolicLink(status.Mode) ? TargetOf(index).Length : 0;
        status.BlockSize = 4096;
    }

    public readonly VfsError Open(ulong node, int flags) => VfsError.None;

    public readonly void Close<TMemory>(ref TMemory memory, ulong node) where TMemory : struct, IVfsMemory
    {
    }

    /// <summary>Only reached for a node the kernel did not send to its device (it always
    /// does): nothing to read.</summary>
    public readonly long Read(ulong node, long offset, Span<byte> buffer, long now) => 0;

    public readonly long Write<TMemory>(ref TMemory memory, ulong node, long offset, ReadOnlySpan<byte> data, long now)
        where TMemory : struct, IVfsMemory => -(long)VfsError.ReadOnlyFileSystem;

    public readonly long ReadDirectory(ulong directory, long index, Span<byte> name, out DirectoryEntry entry)
    {
        entry = default;
        if (!Valid(directory)) return -(long)VfsError.NotDirectory;
        int dir = IndexOf(directory);
        for (long i = Math.Max(index, 1); i < Count; i++)
        {
            if (ParentOf((int)i) != dir || ModeOf((int)i) == 0) continue;
            int length;
            if (i >= FixedCount)
            {
                ReadOnlySpan<byte> lent = Modules.ModuleDevices.NameOf((int)i - FixedCount);
                if (name.Length < lent.Length) return -(long)VfsError.InvalidArgument;
                lent.CopyTo(name);
                length = lent.Length;
            }
            else
            {
                string text = NameOf((int)i);
                if (name.Length < text.Length) return -(long)VfsError.InvalidArgument;
                for (int c = 0; c < text.Length; c++) name[c] = (byte)text[c];
                length = text.Length;
            }

            entry.Inode = (ulong)i + 1;
            entry.Type = DirectoryEntryType.Of(ModeOf((int)i));
            entry.NameLength = length;
            entry.Offset = i + 1;
            return length;
        }

        return 0;
    }

    public readonly VfsError Create<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, long now, out ulong node)
        where TMemory : struct, IVfsMemory
    {
        node = 0;
        return VfsError.ReadOnlyFileSystem;
    }

    public readonly VfsError Symlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    public readonly long ReadLink(ulong node, Span<byte> buffer)
    {
        if (!Valid(node) || !FileMode.IsSymbolicLink(ModeOf(IndexOf(node)))) return -(long)VfsError.InvalidArgument;
        string target = TargetOf(IndexOf(node));
        int n = Math.Min(target.Length, buffer.Length);
        for (int i = 0; i < n; i++) buffer[i] = (byte)target[i];
        return n;
    }

    /// <summary>link(2) and mknod(2) (IFileSystem members since vfs 0.4): nothing is made here.</summary>
    public readonly VfsError Link<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ulong node, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    public readonly VfsError MakeNode<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, ulong device, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    public readonly VfsError Unlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    public readonly VfsError RemoveDirectory<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    public readonly VfsError Rename<TMemory>(ref TMemory memory, ulong fromDirectory, ReadOnlySpan<byte> fromName, ulong toDirectory, ReadOnlySpan<byte> toName, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    public readonly VfsError SetAttributes<TMemory>(ref TMemory memory, ulong node, in AttributeChange change, long now)
        where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;

    public readonly void StatFileSystem(out FileSystemStatus status)
    {
        status = default;
        status.Inodes = Count;
        status.Magic = Aurora.Vfs.TmpfsFileSystem.Magic; // devtmpfs reports tmpfs's magic
    }

    /// <summary>No page-backed file data: nothing to map in place (mmap copies, or ENODEV).</summary>
    public readonly VfsError GetPage<TMemory>(ref TMemory memory, ulong node, long offset, bool allocate, out byte* page)
        where TMemory : struct, IVfsMemory
    {
        page = null;
        return VfsError.NoDevice;
    }
}
