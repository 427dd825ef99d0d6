using System.Runtime.InteropServices;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Ipc;

/// <summary>
/// What System V IPC's three kinds share (Linux ipc/util.c): <c>struct ipc64_perm</c>, the id
/// tables that turn a key into an id and an id into an object, the permission checks, and the
/// one lock. Objects are named by <c>key_t</c> in one system-wide namespace, as on Linux:
/// whoever knows (or guesses) a key or an id reaches the object, subject only to the mode bits —
/// ambient authority. Token-named IPC (<see cref="Capabilities"/>, Aurora's calls 1006-1013)
/// is the capability-safe alternative; <see cref="CheckAmbientAccess"/> is where a sandbox
/// forbids this kind.
/// </summary>
/// <remarks>
/// Lock: one sleeping lock (<see cref="Lock"/>) for all three kinds, at the level of the VFS,
/// capability and network locks (docs/architecture.md, "Locks"): never held with one of them,
/// never across a user copy that may fault in pages of a shared segment it would need.
/// </remarks>
internal static unsafe class SysvIpc
{
    internal const int Private = 0;                         // IPC_PRIVATE
    internal const int Create = 0x200, Exclusive = 0x400, NoWait = 0x800; // IPC_CREAT 01000, IPC_EXCL 02000, IPC_NOWAIT 04000
    internal const int Remove = 0, Set = 1, Stat = 2, Info = 3; // IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO
    internal const int ModeBits = 0x1FF;                    // S_IRWXUGO

    /// <summary>Linux IPCMNI: an id is index + sequence × 32768, so a stale id (its object
    /// removed, the slot reused) names nothing (EINVAL) instead of the newcomer.</summary>
    internal const int SequenceMultiplier = 32768;

    private static KernelMutex s_lock;

    /// <summary>The wall-clock second of the latest System V call (the system-call layer sets
    /// it; the core has no wall clock of its own): detaches at exit and execve stamp it.</summary>
    internal static long Now;

    internal static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
    }

    internal static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    /// <summary>The sandbox's check point for key-based IPC (issue 15): every msg*, sem* and shm*
    /// call with a Linux number asks here first. A process marked
    /// <see cref="Process.AmbientIpcDenied"/> gets EPERM (as a seccomp filter's default errno
    /// would); token-named IPC is unaffected. Today nothing sets the mark: the sandbox that
    /// does (inherited by fork, kept by execve, never cleared) is issue 15's.</summary>
    internal static long CheckAmbientAccess(Process* process) => process->AmbientIpcDenied ? -Syscalls.Errno.EPERM : 0;

    /// <summary>The caller's user and group for the permission checks. Every process is root
    /// until users exist (getuid answers 0), and root passes every check (Linux's
    /// CAP_IPC_OWNER); the checks are written out so they hold once that changes.</summary>
    internal static uint UserOf(Process* process) => 0;

    internal static uint GroupOf(Process* process) => 0;

    /// <summary>Linux ipcperms: <paramref name="requested"/> in the low three bits (4 read, 2
    /// write); the owner's, the group's or everyone's bits of the mode apply.</summary>
    internal static bool Permitted(Process* process, IpcPermission* permission, int requested)
    {
        uint uid = UserOf(process);
        if (uid == 0) return true;
        int granted = permission->Mode;
        if (uid == permission->Uid || uid == permission->CreatorUid) granted >>= 6;
        else if (GroupOf(process) == permission->Gid || GroupOf(process) == permission->CreatorGid) granted >>= 3;
        return (requested & ~granted & 7) == 0;
    }

    /// <summary>Linux ipcperms for *get: the bits asked for in the flag (rwx for anyone).</summary>
    internal static bool PermittedByFlag(Process* process, IpcPermission* permission, int flag) =>
        Permitted(process, permission, ((flag >> 6) | (flag >> 3) | flag) & 7);

    /// <summary>IPC_SET and IPC_RMID: the owner, the creator, or root (else EPERM).</summary>
    internal static bool MayChange(Process* process, IpcPermission* permission)
    {
        uint uid = UserOf(process);
        return uid == 0 || uid == permission->Uid || uid == permission->CreatorUid;
    }

    internal static void InitializePermission(Process* process, IpcPermission* permission, int key, int flag)
    {
        *permission = default;
        permission->Key = key;
        permission->Uid = permission->CreatorUid = UserOf(process);
        permission->Gid = permission->CreatorGid = GroupOf(process);
        permission->Mode = (ushort)(flag & ModeBits);
    }

    /// <summary>IPC_SET's part of ipc64_perm: uid, gid and the permission bits.</summary>
    internal static void SetPermission(IpcPermission* permission, IpcPermission* from)
    {
        permission->Uid = from->Uid;
        permission->Gid = from->Gid;
        permission->Mode = (ushort)((permission->Mode & ~ModeBits) | (from->Mode & ModeBits));
    }
}

/// <summary>struct ipc64_perm of Linux x86-64 (48 bytes), at the start of every *id64_ds.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct IpcPermission
{
    [FieldOffset(0)] public int Key;
    [FieldOffset(4)] public uint Uid;
    [FieldOffset(8)] public uint Gid;
    [FieldOffset(12)] public uint CreatorUid;
    [FieldOffset(16)] public uint CreatorGid;
    [FieldOffset(20)] public ushort Mode;
    [FieldOffset(24)] public ushort Sequence;
}

/// <summary>
/// The head every System V object starts with: its permission, its id, and how many callers
/// sleep on it or hold it (an object removed while they do is freed by the last one out, who
/// answers EIDRM). Changed only under <see cref="SysvIpc.Lock"/>.
/// </summary>
internal struct SysvObject
{
    public IpcPermission Permission;
    public int Id;
    public int Users;
    public bool Removed;
}

/// <summary>
/// One kind's id table (Linux's <c>struct ipc_ids</c>, fixed size): slot n holds the object
/// whose id is n + sequence × 32768. A full table is ENOSPC (Linux's MSGMNI/SEMMNI/SHMMNI).
/// Under <see cref="SysvIpc.Lock"/>.
/// </summary>
internal unsafe struct SysvIdTable
{
    internal const int Capacity = 64;

    private fixed ulong _slots[Capacity];
    private ushort _sequence;

    public int Count;

    public readonly SysvObject* At(int index) => index >= 0 && index < Capacity ? (SysvObject*)_slots[index] : null;

    /// <summary>The live object with this key (never IPC_PRIVATE), or null.</summary>
    public readonly SysvObject* FindKey(int key)
    {
        if (key == SysvIpc.Private) return null;
        for (int i = 0; i < Capacity; i++)
        {
            var o = (SysvObject*)_slots[i];
            if (o != null && o->Permission.Key == key) return o;
        }

        return null;
    }

    /// <summary>The object an id names; null for a negative, unused or stale id (EINVAL).</summary>
    public readonly SysvObject* Find(int id)
    {
        if (id < 0) return null;
        int index = id % SysvIpc.SequenceMultiplier;
        if (index >= Capacity) return null;
        var o = (SysvObject*)_slots[index];
        return o != null && o->Id == id ? o : null;
    }

    /// <summary>Gives the object a slot and its id; false when the table is full.</summary>
    public bool Add(SysvObject* o)
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (_slots[i] != 0) continue;
            ushort sequence = _sequence;
            _sequence = (ushort)((_sequence + 1) % 65536);
            o->Permission.Sequence = sequence;
            o->Id = i + sequence * SysvIpc.SequenceMultiplier;
            _slots[i] = (ulong)o;
            Count++;
            return true;
        }

        return false;
    }

    /// <summary>Takes the object out of the table: its id names nothing from now on.</summary>
    public void Forget(SysvObject* o)
    {
        int index = o->Id % SysvIpc.SequenceMultiplier;
        if (index < Capacity && _slots[index] == (ulong)o)
        {
            _slots[index] = 0;
            Count--;
        }
    }

    /// <summary>The highest slot in use (IPC_INFO's answer), 0 when none is.</summary>
    public readonly int HighestIndex
    {
        get
        {
            for (int i = Capacity - 1; i >= 0; i--) if (_slots[i] != 0) return i;
            return 0;
        }
    }
}
