using System;
using Aurora.Kernel.FileSystems;
using Aurora.Kernel.Memory;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// What is mounted where, by kind, as mount(2) makes it and /proc/mounts prints it (Linux's
/// mount namespace list with each super block's type and source). The VFS keeps the mount
/// table itself (which file system covers which directory); this list adds what only the
/// kernel knows — the type name, the source string, the flags — in mount order. Changed and
/// read under the VFS lock (<see cref="FileSystem.Lock"/>), like the tree it describes.
/// </summary>
internal static unsafe class Mounts
{
    /// <summary>The kinds of file system mount(2) can make, and the boot-time ones.</summary>
    internal enum Kind : byte { RootFs, Proc, DevTmpfs, Tmpfs, Cpio }

    // mount(2) flags (Linux include/uapi/linux/mount.h).
    internal const ulong ReadOnly = 1, NoSetId = 2, NoDevices = 4, NoExecute = 8, Synchronous = 16, RemountFlag = 32,
        MandatoryLocks = 64, DirectorySync = 128, NoSymlinkFollow = 256, NoAccessTime = 1024, NoDirectoryAccessTime = 2048,
        Bind = 4096, Move = 8192, Recursive = 16384, Silent = 32768, Unbindable = 1 << 17, Private = 1 << 18,
        Slave = 1 << 19, Shared = 1 << 20, RelativeAccessTime = 1 << 21, StrictAccessTime = 1 << 24, LazyTime = 1 << 25,
        NoUser = 1UL << 31;

    /// <summary>The per-mount flags /proc/mounts shows and remount may change.</summary>
    internal const ulong PerMountFlags = ReadOnly | NoSetId | NoDevices | NoExecute | NoAccessTime | NoDirectoryAccessTime |
        RelativeAccessTime | StrictAccessTime | Synchronous | DirectorySync | MandatoryLocks | LazyTime;

    private struct Entry
    {
        public Entry* Next;
        /// <summary>The mount ID /proc/PID/mountinfo shows (Linux's mnt_id: unique, never reused
        /// while mounted).</summary>
        public int Id;
        /// <summary>st_dev of the mount's root, for mountinfo's major:minor.</summary>
        public ulong Device;
        public Kind Kind;
        public ulong Flags;
        /// <summary>tmpfs size= in bytes (0: the default).</summary>
        public ulong SizeBytes;
        public int TargetLength;
        public int SourceLength;
        /// <summary>Target path (canonical), then the source string, after the entry.</summary>
        public readonly byte* Target
        {
            get { fixed (Entry* self = &this) return (byte*)(self + 1); }
        }
    }

    private static Entry* s_first;
    private static int s_lastId;

    private static DeviceFileSystem s_devices;
    private static ProcFileSystem s_proc;

    /// <summary>The mounts the kernel makes at boot (after the root tmpfs, before anything
    /// runs): devfs at /dev with a tmpfs at /dev/shm, procfs at /proc — as Linux mounts
    /// devtmpfs by itself, so programs find them without an init that mounts them.</summary>
    internal static void MountAtBoot(ulong tmpfsCapacity)
    {
        // The root is a tmpfs and says so: busybox (find_mount_point) skips a source named
        // "rootfs", so Linux's name for it would leave df / without a mount.
        if (!Record(Kind.RootFs, "/"u8, "tmpfs"u8, 0, 0)) Panic.Fail("file system set-up failed", "recording the root mount");
        // The initramfs may have made the directories already (the reference image's has).
        if (MountAt("/dev"u8, 0x1ED, Kind.DevTmpfs, "devtmpfs"u8, 0, 0))
            MountAt("/dev/shm"u8, 0x3FF, Kind.Tmpfs, "tmpfs"u8, NoSetId | NoDevices, tmpfsCapacity);
        MountAt("/proc"u8, 0x16D, Kind.Proc, "proc"u8, NoSetId | NoDevices | NoExecute, 0); // 0555
        // The VFS takes its link-following buffers on the first link it follows: let that be
        // now (through /dev/fd), not inside the first program, which tests hold to account
        // for every heap block it leaves behind.
        FileSystem.Vfs.Stat("/dev/fd"u8, out _);
    }

    /// <summary>A boot mount on <paramref name="target"/>, made first if missing. One that
    /// cannot be made (something not a directory in the way) is logged and left out: the
    /// kernel runs on, as Linux does when devtmpfs cannot be mounted.</summary>
    private static bool MountAt(ReadOnlySpan<byte> target, uint mode, Kind kind, ReadOnlySpan<byte> source, ulong flags, ulong sizeBytes)
    {
        VfsError error = FileSystem.Vfs.Mkdir(target, mode);
        if (error == VfsError.None || error == VfsError.Exists) error = Mount(kind, target, source, flags, sizeBytes);
        if (error == VfsError.None) return true;
        Log.Write("files: ");
        Log.Write(target);
        Log.Write(" not mounted, error ");
        Log.WriteDecimal((long)error);
        Log.WriteLine();
        return false;
    }

    /// <summary>Records a boot-module image the kernel mounted itself (FileSystem.MountImage).</summary>
    internal static void RecordImage(ReadOnlySpan<byte> target, ReadOnlySpan<byte> source) =>
        Record(Kind.Cpio, target, source, ReadOnly, 0);

    /// <summary>Mounts a new file system of <paramref name="kind"/> on the directory
    /// <paramref name="target"/> (absolute, canonical) and records it. The VFS's errors:
    /// NoEntry, NotDirectory, Busy ("/"), NoMemory.</summary>
    internal static VfsError Mount(Kind kind, ReadOnlySpan<byte> target, ReadOnlySpan<byte> source, ulong flags, ulong sizeBytes)
    {
        // proc and devtmpfs are one instance each, whatever mounts them (every devtmpfs mount
        // on Linux shows the same tree too); a tmpfs is new each time. On a mount point the new
        // mount stacks (an init mounting the /proc or /dev the kernel mounted at boot).
        VfsError error;
        switch (kind)
        {
            case Kind.Proc:
                fixed (ProcFileSystem* proc = &s_proc) error = FileSystem.Vfs.Mount<ProcFileSystem>(target, proc);
                break;
            case Kind.DevTmpfs:
                fixed (DeviceFileSystem* devices = &s_devices) error = FileSystem.Vfs.Mount<DeviceFileSystem>(target, devices);
                break;
            case Kind.Tmpfs:
                error = FileSystem.Vfs.Mount(target, sizeBytes != 0 ? sizeBytes : FileSystem.CapacityBytes);
                break;
            default:
                return VfsError.InvalidArgument;
        }

        if (error != VfsError.None) return error;
        if (!Record(kind, target, source, flags & PerMountFlags, sizeBytes))
        {
            FileSystem.Vfs.Unmount(target);
            return VfsError.NoMemory;
        }

        return VfsError.None;
    }

    /// <summary>Unmounts what is mounted at <paramref name="target"/> (absolute, canonical):
    /// InvalidArgument if it is not a mount root or is "/", Busy while files in it are open or
    /// something is mounted inside it (the VFS's checks).</summary>
    internal static VfsError Unmount(ReadOnlySpan<byte> target)
    {
        if (target.Length == 1) return VfsError.Busy; // "/": Linux keeps the root (umount / is EBUSY when in use)
        VfsError error = FileSystem.Vfs.Unmount(target);
        if (error != VfsError.None) return error;
        Forget(target);
        return VfsError.None;
    }

    /// <summary>MS_REMOUNT: new per-mount flags for the mount whose root is
    /// <paramref name="target"/>; InvalidArgument if nothing is mounted there.</summary>
    internal static VfsError Remount(ReadOnlySpan<byte> target, ulong flags)
    {
        Entry* entry = Find(target);
        if (entry == null) return VfsError.InvalidArgument;
        entry->Flags = flags & PerMountFlags;
        return VfsError.None;
    }

    /// <summary>Whether <paramref name="device"/> (a st_dev) is procfs's, mounted anywhere.</summary>
    internal static bool IsProc(ulong device)
    {
        for (Entry* e = s_first; e != null; e = e->Next)
        {
            if (e->Kind == Kind.Proc && e->Device == device) return true;
        }

        return false;
    }

    /// <summary>Whether something is mounted with its root at <paramref name="target"/>.</summary>
    internal static bool IsMountRoot(ReadOnlySpan<byte> target) => Find(target) != null;

    private static bool Record(Kind kind, ReadOnlySpan<byte> target, ReadOnlySpan<byte> source, ulong flags, ulong sizeBytes)
    {
        var entry = (Entry*)KernelMemory.Allocate((nuint)(sizeof(Entry) + target.Length + source.Length));
        if (entry == null) return false;
        *entry = default;
        entry->Id = ++s_lastId;
        // The root of what was just mounted there (the newest mount covers the older ones).
        if (FileSystem.Vfs.Stat(target, out FileStatus root) == VfsError.None) entry->Device = root.Device;
        entry->Kind = kind;
        entry->Flags = flags;
        entry->SizeBytes = sizeBytes;
        entry->TargetLength = target.Length;
        entry->SourceLength = source.Length;
        target.CopyTo(new Span<byte>(entry->Target, target.Length));
        source.CopyTo(new Span<byte>(entry->Target + target.Length, source.Length));
        // Appended: /proc/mounts lists in mount order.
        if (s_first == null)
        {
            s_first = entry;
            return true;
        }

        Entry* last = s_first;
        while (last->Next != null) last = last->Next;
        last->Next = entry;
        return true;
    }

    /// <summary>The latest mount at <paramref name="target"/> (the one a path there reaches).</summary>
    private static Entry* Find(ReadOnlySpan<byte> target)
    {
        Entry* found = null;
        for (Entry* e = s_first; e != null; e = e->Next)
        {
            if (new ReadOnlySpan<byte>(e->Target, e->TargetLength).SequenceEqual(target)) found = e;
        }

        return found;
    }

    private static void Forget(ReadOnlySpan<byte> target)
    {
        Entry* entry = Find(target);
        if (entry == null) return;
        if (s_first == entry)
        {
            s_first = entry->Next;
        }
        else
        {
            Entry* previous = s_first;
            while (previous->Next != entry) previous = previous->Next;
            previous->Next = entry->Next;
        }

        KernelMemory.Free(entry);
    }

    /// <summary>/proc/mounts, one line per mount as Linux's show_vfsmnt prints it:
    /// "source target type options 0 0", options beginning with rw or ro.</summary>
    internal static void Write(ref TextBuilder text)
    {
        for (Entry* e = s_first; e != null; e = e->Next)
        {
            AppendEscaped(ref text, new ReadOnlySpan<byte>(e->Target + e->TargetLength, e->SourceLength));
            text.Append(' ');
            AppendEscaped(ref text, new ReadOnlySpan<byte>(e->Target, e->TargetLength));
            text.Append(' ');
            text.Append(TypeName(e->Kind));
            text.Append(' ');
            AppendOptions(ref text, e);
            AppendSize(ref text, e);
            text.Append(" 0 0\n");
        }
    }

    /// <summary>/proc/PID/mountinfo, one line per mount as Linux's show_mountinfo prints it
    /// (Documentation/filesystems/proc.rst, 3.5): "ID PARENT MAJOR:MINOR ROOT TARGET OPTIONS
    /// - TYPE SOURCE SUPER-OPTIONS". No optional fields: every mount is private (no
    /// propagation). The root's parent is itself, as for a namespace's root mount; each other
    /// mount's parent is the newest earlier mount whose target contains it. GNU df and
    /// findmnt read this file, not /proc/mounts.</summary>
    internal static void WriteInfo(ref TextBuilder text)
    {
        for (Entry* e = s_first; e != null; e = e->Next)
        {
            var target = new ReadOnlySpan<byte>(e->Target, e->TargetLength);
            int parent = e->Id;
            for (Entry* p = s_first; p != e; p = p->Next)
            {
                if (Contains(new ReadOnlySpan<byte>(p->Target, p->TargetLength), target)) parent = p->Id;
            }

            text.Unsigned((ulong)e->Id);
            text.Append(' ');
            text.Unsigned((ulong)parent);
            text.Append(' ');
            // Linux's new_encode_dev in reverse: major in bits 8-19, minor in 0-7 and 20-31.
            text.Unsigned((e->Device >> 8) & 0xFFF);
            text.Append(':');
            text.Unsigned((e->Device & 0xFF) | ((e->Device >> 12) & 0xFFF00));
            text.Append(" / ");
            AppendEscaped(ref text, target);
            text.Append(' ');
            AppendOptions(ref text, e);
            text.Append(" - ");
            text.Append(TypeName(e->Kind));
            text.Append(' ');
            AppendEscaped(ref text, new ReadOnlySpan<byte>(e->Target + e->TargetLength, e->SourceLength));
            text.Append(' ');
            text.Append((e->Flags & ReadOnly) != 0 ? "ro" : "rw");
            AppendSize(ref text, e);
            text.Append('\n');
        }
    }

    /// <summary>Whether the mount point <paramref name="inner"/> is inside (or is) the
    /// directory <paramref name="outer"/>: a prefix that ends at a path separator.</summary>
    private static bool Contains(ReadOnlySpan<byte> outer, ReadOnlySpan<byte> inner)
    {
        if (outer.Length == 1) return true; // "/"
        if (inner.Length < outer.Length || !inner.Slice(0, outer.Length).SequenceEqual(outer)) return false;
        return inner.Length == outer.Length || inner[outer.Length] == '/';
    }

    private static void AppendSize(ref TextBuilder text, Entry* e)
    {
        if (e->Kind == Kind.Tmpfs && e->SizeBytes != 0)
        {
            text.Append(",size=");
            text.Unsigned(e->SizeBytes / 1024);
            text.Append('k');
        }
    }

    /// <summary>The per-mount options, as show_vfsmnt and show_mountinfo print them.</summary>
    private static void AppendOptions(ref TextBuilder text, Entry* e)
    {
        text.Append((e->Flags & ReadOnly) != 0 ? "ro" : "rw");
        if ((e->Flags & NoSetId) != 0) text.Append(",nosuid");
        if ((e->Flags & NoDevices) != 0) text.Append(",nodev");
        if ((e->Flags & NoExecute) != 0) text.Append(",noexec");
        if ((e->Flags & Synchronous) != 0) text.Append(",sync");
        if ((e->Flags & DirectorySync) != 0) text.Append(",dirsync");
        if ((e->Flags & NoAccessTime) != 0) text.Append(",noatime");
        else if ((e->Flags & StrictAccessTime) == 0 && e->Kind != Kind.RootFs) text.Append(",relatime");
        if ((e->Flags & NoDirectoryAccessTime) != 0) text.Append(",nodiratime");
    }

    /// <summary>/proc/filesystems: the types mount(2) takes ("nodev": no block device needed).</summary>
    internal static void WriteTypes(ref TextBuilder text)
    {
        text.Append("nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n");
    }

    internal static string TypeName(Kind kind) => kind switch
    {
        Kind.RootFs => "tmpfs",
        Kind.Proc => "proc",
        Kind.DevTmpfs => "devtmpfs",
        Kind.Tmpfs => "tmpfs",
        _ => "cpio",
    };

    /// <summary>A type name mount(2) knows; false for the rest (ENODEV).</summary>
    internal static bool TryParseType(ReadOnlySpan<byte> name, out Kind kind)
    {
        kind = Kind.Tmpfs;
        if (name.SequenceEqual("proc"u8)) kind = Kind.Proc;
        else if (name.SequenceEqual("devtmpfs"u8)) kind = Kind.DevTmpfs;
        else if (!name.SequenceEqual("tmpfs"u8)) return false;
        return true;
    }

    /// <summary>Spaces, tabs, newlines and backslashes as octal escapes (Linux's mangle()), so
    /// a line always has six fields.</summary>
    private static void AppendEscaped(ref TextBuilder text, ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            byte c = value[i];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
            {
                text.Append('\\');
                text.Append((byte)('0' + ((c >> 6) & 7)));
                text.Append((byte)('0' + ((c >> 3) & 7)));
                text.Append((byte)('0' + (c & 7)));
            }
            else
            {
                text.Append(c);
            }
        }
    }
}
