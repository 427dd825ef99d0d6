using System;
using System.Runtime.InteropServices;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Syscalls;
using Aurora.Vmm;

namespace Aurora.Kernel.Ipc;

/// <summary>
/// System V shared memory with Linux's semantics (ipc/shm.c): shmget by key (a size below 1 or
/// above SHMMAX is EINVAL, a size beyond an existing segment's EINVAL, SHMALL exhausted or 64
/// segments ENOSPC), shmat at a chosen or a given address (SHM_RND, SHM_RDONLY, SHM_REMAP;
/// an unaligned or occupied address EINVAL), shmdt, shmctl IPC_STAT/SHM_STAT/SHM_STAT_ANY,
/// IPC_SET, IPC_RMID (a segment still attached stays, marked SHM_DEST and keyless, until its
/// last detach, and may still be attached, as Linux allows), SHM_LOCK/SHM_UNLOCK,
/// IPC_INFO/SHM_INFO. Pages are counted frames (SharedSegments.AllocateSegment) taken at the
/// first attach, so fork shares them; every attachment is a slot of the process's shared
/// mappings (kind marked in <see cref="SharedSegments.SysvMark"/>), inherited by fork,
/// detached by execve and exit.
/// </summary>
internal static unsafe class SysvSegments
{
    internal const ulong MaxSize = 1UL << 30;     // SHMMAX (Linux: almost 2^64; kept to memory's scale)
    internal const ulong MaxTotalPages = 16384;   // SHMALL: 64 MiB of segments in all
    private const int ShmReadOnly = 0x1000, ShmRound = 0x2000, ShmRemap = 0x4000, ShmExec = 0x8000;
    private const int ShmLock = 11, ShmUnlock = 12, ShmStat = 13, ShmInfo = 14, ShmStatAny = 15;
    private const ushort ModeDestroy = 0x200, ModeLocked = 0x400; // SHM_DEST 01000, SHM_LOCKED 02000
    private const ulong Page = 4096;

    private struct Segment
    {
        public SysvObject Head;
        public ulong Size;
        public ulong Pages; // SharedSegments' page list; 0 until the first attach
        public long AttachTime, DetachTime, ChangeTime;
        public int Creator, LastPid;
        public ulong Attachments;
    }

    [StructLayout(LayoutKind.Explicit, Size = 112)]
    private struct Status // struct shmid64_ds
    {
        [FieldOffset(0)] public IpcPermission Permission;
        [FieldOffset(48)] public ulong Size;
        [FieldOffset(56)] public long AttachTime;
        [FieldOffset(64)] public long DetachTime;
        [FieldOffset(72)] public long ChangeTime;
        [FieldOffset(80)] public int Creator;
        [FieldOffset(84)] public int LastPid;
        [FieldOffset(88)] public ulong Attachments;
    }

    private static SysvIdTable s_ids;
    private static ulong s_totalPages, s_residentPages;

    /// <summary>Objects of this kind alive now (for tests).</summary>
    internal static int Live => s_ids.Count;

    private static ulong PagesOf(ulong size) => (size + Page - 1) / Page;

    internal static long Get(Process* process, int key, ulong size, int flag, long now)
    {
        SysvIpc.Lock();
        long result;
        var found = (Segment*)s_ids.FindKey(key);
        if (found == null)
        {
            if (key != SysvIpc.Private && (flag & SysvIpc.Create) == 0) result = -Errno.ENOENT;
            else result = New(process, key, size, flag, now);
        }
        else if ((flag & (SysvIpc.Create | SysvIpc.Exclusive)) == (SysvIpc.Create | SysvIpc.Exclusive)) result = -Errno.EEXIST;
        else if (!SysvIpc.PermittedByFlag(process, &found->Head.Permission, flag)) result = -Errno.EACCES;
        else if (found->Size < size) result = -Errno.EINVAL;
        else result = found->Head.Id;
        SysvIpc.Unlock();
        return result;
    }

    private static long New(Process* process, int key, ulong size, int flag, long now)
    {
        if (size < 1 || size > MaxSize) return -Errno.EINVAL;
        if (s_totalPages + PagesOf(size) > MaxTotalPages || s_ids.Count >= SysvIdTable.Capacity) return -Errno.ENOSPC;
        var segment = (Segment*)KernelMemory.Allocate((nuint)sizeof(Segment));
        if (segment == null) return -Errno.ENOMEM;
        *segment = default;
        SysvIpc.InitializePermission(process, &segment->Head.Permission, key, flag);
        segment->Size = size;
        segment->ChangeTime = now;
        segment->Creator = (int)process->Id;
        if (!s_ids.Add(&segment->Head))
        {
            KernelMemory.Free(segment);
            return -Errno.ENOSPC;
        }

        s_totalPages += PagesOf(size);
        return segment->Head.Id;
    }

    internal static long Attach(Process* process, int id, ulong address, int flag, long now)
    {
        if (id < 0) return -Errno.EINVAL;
        if ((address & (Page - 1)) != 0)
        {
            if ((flag & ShmRound) == 0) return -Errno.EINVAL;
            address &= ~(Page - 1); // SHMLBA is the page size on x86-64
        }

        int slot = -1;
        for (int i = 0; i < Process.MaxSharedMappings && slot < 0; i++)
        {
            if (process->SharedAddress[i] == 0) slot = i;
        }

        bool readOnly = (flag & ShmReadOnly) != 0;
        int wanted = (readOnly ? 4 : 6) | ((flag & ShmExec) != 0 ? 1 : 0);
        SysvIpc.Lock();
        var segment = (Segment*)s_ids.Find(id);
        long result = 0;
        if (segment == null) result = -Errno.EINVAL;
        else if (!SysvIpc.Permitted(process, &segment->Head.Permission, wanted)) result = -Errno.EACCES;
        else if (slot < 0) result = -Errno.ENOMEM; // the process's attachments are all in use
        else if (segment->Pages == 0)
        {
            segment->Pages = (ulong)SharedSegments.AllocateSegment(PagesOf(segment->Size));
            if (segment->Pages == 0) result = -Errno.ENOMEM;
            else s_residentPages += PagesOf(segment->Size);
        }

        if (result == 0)
        {
            segment->Attachments++; // held from here: IPC_RMID cannot free it under us
            segment->AttachTime = now;
            segment->LastPid = (int)process->Id;
        }

        SysvIpc.Unlock();
        if (result < 0) return result;

        ulong count = PagesOf(segment->Size);
        ulong bytes = count * Page;
        RegionAccess access = readOnly ? RegionAccess.Read : RegionAccess.Read | RegionAccess.Write;
        if ((flag & ShmExec) != 0) access |= RegionAccess.Execute;
        ulong start;
        if (address == 0)
        {
            start = Process.ChooseMappingAddress(process, 0, bytes);
            if (start == 0) result = -Errno.ENOMEM;
        }
        else
        {
            start = address;
            // Linux: beyond the user half (whose last page stays unmapped here) is do_mmap's ENOMEM.
            const ulong top = 0x7FFF_FFFF_F000;
            if (start > top || bytes > top - start) result = -Errno.ENOMEM;
            else if (process->Regions.Overlaps(start, start + bytes))
            {
                if ((flag & ShmRemap) == 0) result = -Errno.EINVAL;
                else Process.UnmapRegions(process, start, start + bytes);
            }
        }

        if (result == 0 && process->Regions.Insert(new Region(start, start + bytes, access, access | RegionAccess.Execute, RegionKind.Shared, (ulong)segment)) != VmmError.None)
            result = -Errno.ENOMEM;
        if (result == 0)
        {
            var pages = (ulong*)segment->Pages;
            PageFlags protection = Process.PageRights(access);
            for (ulong i = 0; i < count && result == 0; i++)
            {
                if (!SharedSegments.MapPage(process->Space, start + (i * Page), pages[1 + i], protection))
                {
                    Process.UnmapRegions(process, start, start + bytes);
                    result = -Errno.ENOMEM;
                }
            }
        }

        if (result < 0)
        {
            Dropped((ulong)segment, process, now);
            return result;
        }

        process->SharedAddress[slot] = start;
        process->SharedPages[slot] = count;
        process->SharedSegment[slot] = (ulong)segment;
        process->SharedId[slot] = (ulong)(uint)id | SharedSegments.SysvMark | (readOnly ? SharedSegments.ReadOnlyMark : 0);
        return (long)start;
    }

    /// <summary>shmdt: the attachment made at the address, every piece of it still in place
    /// (EINVAL when there is none, or the program unmapped all of it: Linux finds no piece
    /// then; the attachment ends either way).</summary>
    internal static long Detach(Process* process, ulong address)
    {
        if (address == 0 || (address & (Page - 1)) != 0) return -Errno.EINVAL;
        for (int i = 0; i < Process.MaxSharedMappings; i++)
        {
            if (process->SharedAddress[i] != address || (process->SharedId[i] & SharedSegments.SysvMark) == 0) continue;
            return SharedSegments.DetachSlot(process, i) ? 0 : -Errno.EINVAL;
        }

        return -Errno.EINVAL;
    }

    /// <summary>fork: the child's copy of an attachment (its pages are already shared).</summary>
    internal static void Forked(ulong handle, Process* child)
    {
        SysvIpc.Lock();
        var segment = (Segment*)handle;
        segment->Attachments++;
        segment->LastPid = (int)child->Id;
        SysvIpc.Unlock();
    }

    /// <summary>An attachment is gone (shmdt, execve, exit, a failed shmat): the last one of a
    /// segment marked for removal frees it.</summary>
    internal static void Dropped(ulong handle, Process* process, long now)
    {
        SysvIpc.Lock();
        var segment = (Segment*)handle;
        segment->Attachments--;
        segment->DetachTime = now;
        segment->LastPid = (int)process->Id;
        ulong free = 0;
        if (segment->Attachments == 0 && (segment->Head.Permission.Mode & ModeDestroy) != 0) free = Destroy(segment);
        SysvIpc.Unlock();
        SharedSegments.FreeSegment(free);
    }

    /// <summary>Forgets the segment and frees its record; returns its page list for the caller
    /// to free outside the lock (0: none). Under the lock, with no attachment left.</summary>
    private static ulong Destroy(Segment* segment)
    {
        s_ids.Forget(&segment->Head);
        s_totalPages -= PagesOf(segment->Size);
        ulong pages = segment->Pages;
        if (pages != 0) s_residentPages -= PagesOf(segment->Size);
        KernelMemory.Free(segment);
        return pages;
    }

    internal static long Control(Process* process, int id, int command, ulong user, long now)
    {
        if (id < 0 || command < 0) return -Errno.EINVAL;
        switch (command)
        {
            case SysvIpc.Info:
            case ShmInfo:
                return Information(process, command, user);
            case SysvIpc.Stat:
            case ShmStat:
            case ShmStatAny:
                return Report(process, id, command, user);
            case SysvIpc.Set:
            {
                Status wanted;
                if (!UserMemory.CopyFrom(process->Space, user, new Span<byte>(&wanted, sizeof(Status)))) return -Errno.EFAULT;
                SysvIpc.Lock();
                var segment = (Segment*)s_ids.Find(id);
                long result = 0;
                if (segment == null) result = -Errno.EINVAL;
                else if (!SysvIpc.MayChange(process, &segment->Head.Permission)) result = -Errno.EPERM;
                else
                {
                    SysvIpc.SetPermission(&segment->Head.Permission, &wanted.Permission);
                    segment->ChangeTime = now;
                }

                SysvIpc.Unlock();
                return result;
            }
            case SysvIpc.Remove:
            {
                SysvIpc.Lock();
                var segment = (Segment*)s_ids.Find(id);
                long result = 0;
                ulong free = 0;
                if (segment == null) result = -Errno.EINVAL;
                else if (!SysvIpc.MayChange(process, &segment->Head.Permission)) result = -Errno.EPERM;
                else if (segment->Attachments == 0) free = Destroy(segment);
                else
                {
                    // Linux do_shm_rmid: stays until the last detach, no longer found by its key.
                    segment->Head.Permission.Mode |= ModeDestroy;
                    segment->Head.Permission.Key = SysvIpc.Private;
                    segment->ChangeTime = now;
                }

                SysvIpc.Unlock();
                SharedSegments.FreeSegment(free);
                return result;
            }
            case ShmLock:
            case ShmUnlock:
            {
                // Segment pages are pinned frames already; the mark is all that changes.
                SysvIpc.Lock();
                var segment = (Segment*)s_ids.Find(id);
                long result = 0;
                if (segment == null) result = -Errno.EINVAL;
                else if (!SysvIpc.MayChange(process, &segment->Head.Permission)) result = -Errno.EPERM;
                else if (command == ShmLock) segment->Head.Permission.Mode |= ModeLocked;
                else segment->Head.Permission.Mode = (ushort)(segment->Head.Permission.Mode & ~ModeLocked);
                SysvIpc.Unlock();
                return result;
            }
            default:
                return -Errno.EINVAL;
        }
    }

    private static long Report(Process* process, int id, int command, ulong user)
    {
        SysvIpc.Lock();
        var segment = (Segment*)(command == SysvIpc.Stat ? s_ids.Find(id) : s_ids.At(id));
        long result;
        Status status = default;
        if (segment == null) result = -Errno.EINVAL;
        else if (command != ShmStatAny && !SysvIpc.Permitted(process, &segment->Head.Permission, 4)) result = -Errno.EACCES;
        else
        {
            status.Permission = segment->Head.Permission;
            status.Size = segment->Size;
            status.AttachTime = segment->AttachTime;
            status.DetachTime = segment->DetachTime;
            status.ChangeTime = segment->ChangeTime;
            status.Creator = segment->Creator;
            status.LastPid = segment->LastPid;
            status.Attachments = segment->Attachments;
            result = command == SysvIpc.Stat ? 0 : segment->Head.Id;
        }

        SysvIpc.Unlock();
        if (result < 0) return result;
        return UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(&status, sizeof(Status))) ? result : -Errno.EFAULT;
    }

    /// <summary>IPC_INFO: struct shminfo64 (72 bytes); SHM_INFO: struct shm_info (48 bytes).</summary>
    private static long Information(Process* process, int command, ulong user)
    {
        ulong* info = stackalloc ulong[9];
        new Span<byte>(info, 72).Clear();
        int length;
        SysvIpc.Lock();
        if (command == SysvIpc.Info)
        {
            info[0] = MaxSize;               // shmmax
            info[1] = 1;                     // shmmin
            info[2] = SysvIdTable.Capacity;  // shmmni
            info[3] = Process.MaxSharedMappings; // shmseg
            info[4] = MaxTotalPages;         // shmall
            length = 72;
        }
        else
        {
            *(int*)info = s_ids.Count;       // used_ids
            info[1] = s_totalPages;          // shm_tot
            info[2] = s_residentPages;       // shm_rss
            length = 48;
        }

        int highest = s_ids.HighestIndex;
        SysvIpc.Unlock();
        return UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(info, length)) ? highest : -Errno.EFAULT;
    }
}
