using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;
using Aurora.Vfs;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Modules;

/// <summary>
/// Character devices that loadable modules provide (Linux's misc devices, major 10): a fixed
/// set of device numbers registered at boot, each one free or lent to a module, shown in /dev
/// under the module's name while lent (DeviceFileSystem). Reads and writes go through a kernel
/// bounce buffer: the module only ever sees kernel memory, user memory is copied here with the
/// checked helpers. An open file holds its module: delete_module answers EWOULDBLOCK until the
/// last one closes (Linux's try_module_get in a cdev open), so a module's code is never called
/// after it has gone.
/// </summary>
internal static unsafe class ModuleDevices
{
    internal const int Capacity = 8;
    internal const uint MiscMajor = 10, FirstMinor = 100;
    private const int NameCapacity = 32, ChunkSize = 256;

    private struct Entry
    {
        public bool Used;
        public int Module;
        public int Opens;
        public int NameLength;
        public fixed byte Name[NameCapacity];
        public delegate* unmanaged<byte*, nuint, long, long> Read;
        public delegate* unmanaged<byte*, nuint, long, long> Write;
    }

    private struct Table
    {
        public Entry E0, E1, E2, E3, E4, E5, E6, E7;
    }

    private static Table s_table;
    private static Sync.SpinLock s_lock;
    private static FileOperations s_operations;

    private static Entry* At(int index)
    {
        fixed (Entry* first = &s_table.E0) return first + index;
    }

    /// <summary>At boot: the device numbers, so an open of any of them comes here.</summary>
    internal static void Register()
    {
        for (uint i = 0; i < Capacity; i++) Devices.RegisterOpenFor(MiscMajor, FirstMinor + i, &Open);
    }

    internal static bool InUse(int index) => (uint)index < Capacity && At(index)->Used;

    internal static ReadOnlySpan<byte> NameOf(int index) =>
        InUse(index) ? new ReadOnlySpan<byte>(At(index)->Name, At(index)->NameLength) : default;

    internal static ulong DeviceNumber(int index) => Devices.Encode(MiscMajor, FirstMinor + (uint)index);

    /// <summary>Lends a free number to <paramref name="module"/> under <paramref name="name"/>:
    /// 0, EEXIST (the name is taken), ENOSPC (none free), EINVAL (a bad name).</summary>
    internal static int Add(int module, ReadOnlySpan<byte> name, delegate* unmanaged<byte*, nuint, long, long> read,
        delegate* unmanaged<byte*, nuint, long, long> write)
    {
        foreach (byte c in name)
        {
            if (c <= (byte)' ' || c == (byte)'/' || c >= 0x7F) return (int)-Errno.EINVAL;
        }

        bool flags = s_lock.Acquire();
        int free = -1;
        for (int i = 0; i < Capacity; i++)
        {
            Entry* entry = At(i);
            if (entry->Used && new ReadOnlySpan<byte>(entry->Name, entry->NameLength).SequenceEqual(name))
            {
                s_lock.Release(flags);
                return (int)-Errno.EEXIST;
            }

            if (!entry->Used && entry->Opens == 0 && free < 0) free = i;
        }

        if (free < 0)
        {
            s_lock.Release(flags);
            return (int)-Errno.ENOSPC;
        }

        Entry* chosen = At(free);
        chosen->Module = module;
        chosen->NameLength = name.Length;
        name.CopyTo(new Span<byte>(chosen->Name, NameCapacity));
        chosen->Read = read;
        chosen->Write = write;
        chosen->Used = true;
        s_lock.Release(flags);
        return 0;
    }

    /// <summary>For delete_module: false when a device of the module is open; otherwise its
    /// devices are withdrawn (no new open succeeds) and true.</summary>
    internal static bool TryRetire(int module)
    {
        bool flags = s_lock.Acquire();
        for (int i = 0; i < Capacity; i++)
        {
            if (At(i)->Used && At(i)->Module == module && At(i)->Opens > 0)
            {
                s_lock.Release(flags);
                return false;
            }
        }

        RemoveLocked(module);
        s_lock.Release(flags);
        return true;
    }

    /// <summary>Withdraws every device of the module (a failed init: nothing can have opened
    /// them yet, the loader still holds the module).</summary>
    internal static void RemoveAll(int module)
    {
        bool flags = s_lock.Acquire();
        RemoveLocked(module);
        s_lock.Release(flags);
    }

    private static void RemoveLocked(int module)
    {
        for (int i = 0; i < Capacity; i++)
        {
            Entry* entry = At(i);
            if (!entry->Used || entry->Module != module) continue;
            entry->Used = false;
            entry->Read = null;
            entry->Write = null;
        }
    }

    /// <summary>Open files of the module's devices (/proc/modules' use count).</summary>
    internal static int UsersOf(int module)
    {
        int users = 0;
        bool flags = s_lock.Acquire();
        for (int i = 0; i < Capacity; i++)
        {
            if (At(i)->Used && At(i)->Module == module) users += At(i)->Opens;
        }

        s_lock.Release(flags);
        return users;
    }

    private static long Open(int major, int minor, int flags, Process* process, OpenFileDescription** description)
    {
        int index = minor - (int)FirstMinor;
        if ((uint)index >= Capacity) return (int)-Errno.ENXIO;
        fixed (FileOperations* operations = &s_operations)
        {
            if (operations->Read == null)
            {
                operations->Write = &Write;
                operations->Stat = &Stat;
                operations->Close = &Close;
                operations->Name = &Name;
                // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                operations->Read = &Read;
            }

            bool held = s_lock.Acquire();
            if (!At(index)->Used)
            {
                s_lock.Release(held);
                return (int)-Errno.ENXIO; // no module has this number now (Linux: no cdev)
            }

            At(index)->Opens++;
            s_lock.Release(held);
            OpenFileDescription* opened = OpenFileDescription.Create(operations, (void*)(index + 1), OpenFileDescription.ReadWrite);
            if (opened == null)
            {
                Close((void*)(index + 1));
                return (int)-Errno.ENOMEM;
            }

            *description = opened;
            return 0;
        }
    }

    private static int IndexOf(OpenFileDescription* description) => (int)(nint)description->Object - 1;

    private static void Close(void* target)
    {
        bool flags = s_lock.Acquire();
        At((int)(nint)target - 1)->Opens--;
        s_lock.Release(flags);
    }

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        Entry* entry = At(IndexOf(description));
        if (entry->Read == null) return (int)-Errno.EINVAL;
        byte* chunk = stackalloc byte[ChunkSize];
        int want = (int)Math.Min(length, (ulong)ChunkSize);
        long got = ModuleGuard.Call((ulong)entry->Read, (ulong)chunk, (ulong)want, (ulong)description->Offset);
        if (got <= 0) return got < -4095 ? -Errno.EIO : got;
        if (got > want) got = want;
        if (!UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(chunk, (int)got))) return (int)-Errno.EFAULT;
        description->Offset += got;
        return got;
    }

    private static long Write(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        Entry* entry = At(IndexOf(description));
        if (entry->Write == null) return (int)-Errno.EINVAL;
        byte* chunk = stackalloc byte[ChunkSize];
        int want = (int)Math.Min(length, (ulong)ChunkSize);
        if (!UserMemory.CopyFrom(process->Space, buffer, new Span<byte>(chunk, want))) return (int)-Errno.EFAULT;
        long put = ModuleGuard.Call((ulong)entry->Write, (ulong)chunk, (ulong)want, (ulong)description->Offset);
        if (put > want) put = want;
        return put < -4095 ? -Errno.EIO : put;
    }

    private static long Stat(OpenFileDescription* description, FileStatus* status)
    {
        status->Mode = FileMode.CharacterDevice | 0x180; // crw-------
        status->SpecialDevice = DeviceNumber(IndexOf(description));
        status->LinkCount = 1;
        status->BlockSize = 4096;
        return 0;
    }

    private static int Name(OpenFileDescription* description, Span<byte> name)
    {
        int n = MemoryDevices.Put("/dev/", name);
        Entry* entry = At(IndexOf(description));
        int more = Math.Min(entry->NameLength, name.Length - n);
        new ReadOnlySpan<byte>(entry->Name, more).CopyTo(name.Slice(n));
        return n + more;
    }
}
