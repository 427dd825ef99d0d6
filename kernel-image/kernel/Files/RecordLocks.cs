using System.Runtime.CompilerServices;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Sync;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// Advisory file locks (Linux fs/locks.c): POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK),
/// owned by a process's descriptor table (Linux's fl_owner = files_struct), so a fork's child
/// owns none of its parent's, and released when the owner closes any descriptor of the file
/// (<see cref="ReleaseOnClose"/>) or exits; and whole-file flock(2) locks, owned by the open
/// file description and released with its last reference (<see cref="ReleaseDescription"/>).
/// The two kinds never conflict with each other, as on Linux. A file is named by its stat
/// (device, inode), so any kind of file can be locked.
/// <para>Lock: <see cref="s_lock"/>, a spin lock that guards the list and the waiters; nothing
/// is allocated or freed under it (records are made before and freed after). A blocked
/// F_SETLKW/flock sleeps on <see cref="s_changed"/>, which every release and unlock wakes;
/// the waiter then checks again.</para>
/// </summary>
internal static unsafe class RecordLocks
{
    // l_type values (include/uapi/asm-generic/fcntl.h).
    internal const short ReadLock = 0, WriteLock = 1, Unlock = 2;

    /// <summary>Byte ranges are [Start, End); a lock to the end of the file (l_len 0) ends here.</summary>
    internal const long ToEnd = long.MaxValue;

    private struct Record
    {
        public Record* Next;
        public void* Owner;
        public ulong Device;
        public ulong Inode;
        public long Start;
        public long End;
        public ulong Pid;
        public short Type;
        public bool IsFlock;
    }

    /// <summary>A thread blocked on a POSIX lock: who waits, and on whom (deadlock detection).</summary>
    private struct Waiter
    {
        public Waiter* Next;
        public void* Owner;
        public void* BlockedBy;
    }

    private static Record* s_records;
    private static Waiter* s_waiters;
    private static SpinLock s_lock;
    private static WaitQueue s_changed;

    /// <summary>Records alive (tests: every lock goes with its owner).</summary>
    internal static int Live;

    /// <summary>What a lock request names: the file, the range, the type, the owner.</summary>
    internal struct Request
    {
        public void* Owner;
        public ulong Pid;
        public ulong Device;
        public ulong Inode;
        public long Start;
        public long End;
        public short Type;
        public bool IsFlock;
    }

    /// <summary>The file a description is (its stat's device and inode); false when its kind
    /// cannot say.</summary>
    internal static bool Identify(OpenFileDescription* description, out ulong device, out ulong inode)
    {
        FileStatus status = default;
        bool known = description->Operations->Stat != null && description->Operations->Stat(description, &status) == 0;
        device = status.Device;
        inode = status.Inode;
        return known;
    }

    private static bool Overlaps(Record* record, in Request request) =>
        record->Device == request.Device && record->Inode == request.Inode && record->IsFlock == request.IsFlock &&
        record->Start < request.End && request.Start < record->End;

    /// <summary>The lock of another owner that the request cannot coexist with (a write lock
    /// on either side) starting first — what Linux's F_GETLK reports, its list being kept in
    /// order of start; the caller holds <see cref="s_lock"/>.</summary>
    private static Record* FindConflict(in Request request)
    {
        Record* first = null;
        for (Record* record = s_records; record != null; record = record->Next)
        {
            if (record->Owner != request.Owner && Overlaps(record, request) &&
                (record->Type == WriteLock || request.Type == WriteLock) && (first == null || record->Start < first->Start))
                first = record;
        }

        return first;
    }

    /// <summary>F_GETLK: the first conflicting lock (type, range, owner's pid), or false.</summary>
    internal static bool Test(in Request request, out short type, out long start, out long end, out ulong pid)
    {
        bool interrupts = s_lock.Acquire();
        Record* conflict = FindConflict(request);
        type = conflict != null ? conflict->Type : Unlock;
        start = conflict != null ? conflict->Start : 0;
        end = conflict != null ? conflict->End : 0;
        pid = conflict != null ? conflict->Pid : 0;
        s_lock.Release(interrupts);
        return conflict != null;
    }

    /// <summary>
    /// F_SETLK/F_SETLKW/flock: takes (or with <see cref="Unlock"/> gives back) the range. A
    /// conflict is EAGAIN without <paramref name="wait"/>; with it the caller sleeps until the
    /// conflict goes, a signal comes (ERESTARTSYS) or — POSIX locks only — the owner it waits
    /// for is itself waiting for this owner (EDEADLK, Linux's simple cycle check). The owner's
    /// own locks in the range are replaced, split or merged with neighbours of the same type, as
    /// Linux's posix_lock_inode does. 0 or -errno.
    /// </summary>
    internal static long Set(Process* process, in Request request, bool wait)
    {
        // Setting a range can split one record into two and add one: made before the lock.
        Record* spare1 = NewRecord(), spare2 = NewRecord();
        long result = spare1 == null || spare2 == null ? -Syscalls.Errno.ENOLCK : 0;
        Waiter self = default;
        self.Owner = request.Owner;
        Record* freed = null;
        while (result == 0)
        {
            if (wait) s_changed.Prepare(interruptible: true);
            bool interrupts = s_lock.Acquire();
            Record* conflict = request.Type == Unlock ? null : FindConflict(request);
            if (conflict == null)
            {
                Apply(request, ref spare1, ref spare2, ref freed);
                s_lock.Release(interrupts);
                if (wait) s_changed.Cancel();
                s_changed.WakeAll(); // a shrunk or converted lock may let a waiter in
                break;
            }

            if (!wait)
            {
                s_lock.Release(interrupts);
                result = -Syscalls.Errno.EAGAIN;
                break;
            }

            if (!request.IsFlock && WouldDeadlock(request.Owner, conflict->Owner))
            {
                s_lock.Release(interrupts);
                s_changed.Cancel();
                result = -Syscalls.Errno.EDEADLK;
                break;
            }

            self.BlockedBy = conflict->Owner;
            self.Next = s_waiters;
            s_waiters = &self;
            s_lock.Release(interrupts);
            if (Process.HasDeliverableSignal(process))
            {
                s_changed.Cancel();
                result = -Syscalls.Errno.ERESTARTSYS;
            }
            else
            {
                s_changed.Sleep(WaitQueue.Forever);
            }

            interrupts = s_lock.Acquire();
            RemoveWaiter(&self);
            s_lock.Release(interrupts);
        }

        FreeRecords(freed);
        if (spare1 != null) FreeRecord(spare1);
        if (spare2 != null) FreeRecord(spare2);
        return result;
    }

    /// <summary>Whether <paramref name="blocker"/> waits, directly or through a chain of at
    /// most a few owners, for <paramref name="owner"/>. Under <see cref="s_lock"/>.</summary>
    private static bool WouldDeadlock(void* owner, void* blocker)
    {
        for (int depth = 0; depth < 10 && blocker != null; depth++)
        {
            if (blocker == owner) return true;
            void* next = null;
            for (Waiter* waiter = s_waiters; waiter != null; waiter = waiter->Next)
            {
                if (waiter->Owner == blocker)
                {
                    next = waiter->BlockedBy;
                    break;
                }
            }

            blocker = next;
        }

        return false;
    }

    private static void RemoveWaiter(Waiter* waiter)
    {
        if (s_waiters == waiter)
        {
            s_waiters = waiter->Next;
            return;
        }

        for (Waiter* previous = s_waiters; previous != null; previous = previous->Next)
        {
            if (previous->Next == waiter)
            {
                previous->Next = waiter->Next;
                return;
            }
        }
    }

    /// <summary>Replaces the owner's locks in the range by the request (nothing for Unlock):
    /// the part of each of its records inside the range goes (a record covering both sides is
    /// split, using a spare), then the new record, widened over the owner's touching or
    /// overlapping records of the same type, goes in. Records taken off are chained on
    /// <paramref name="freed"/>. Under <see cref="s_lock"/>.</summary>
    private static void Apply(in Request request, ref Record* spare1, ref Record* spare2, ref Record* freed)
    {
        long start = request.Start, end = request.End;
        // Same-type neighbours that touch the range merge into the new lock (not for unlock).
        if (request.Type != Unlock)
        {
            for (Record* record = s_records; record != null; record = record->Next)
            {
                if (record->Owner == request.Owner && record->IsFlock == request.IsFlock && record->Device == request.Device &&
                    record->Inode == request.Inode && record->Type == request.Type && record->Start <= end && start <= record->End)
                {
                    if (record->Start < start) start = record->Start;
                    if (record->End > end) end = record->End;
                }
            }
        }

        var range = request;
        range.Start = start;
        range.End = end;
        fixed (Record** head = &s_records)
        {
            Record** link = head;
            while (*link != null)
            {
                Record* record = *link;
                if (record->Owner != request.Owner || !Overlaps(record, range))
                {
                    link = &record->Next;
                    continue;
                }

                if (record->Start < start && record->End > end)
                {
                    // The range is inside: keep the left part here, the right part in a spare.
                    Record* right = spare1;
                    spare1 = null;
                    *right = *record;
                    right->Start = end;
                    record->End = start;
                    right->Next = record->Next;
                    record->Next = right;
                    link = &right->Next;
                    continue;
                }

                if (record->Start < start)
                {
                    record->End = start;
                    link = &record->Next;
                    continue;
                }

                if (record->End > end)
                {
                    record->Start = end;
                    link = &record->Next;
                    continue;
                }

                *link = record->Next;
                record->Next = freed;
                freed = record;
            }
        }

        if (request.Type == Unlock) return;
        Record* added = spare2;
        spare2 = null;
        added->Owner = request.Owner;
        added->Pid = request.Pid;
        added->Device = request.Device;
        added->Inode = request.Inode;
        added->Start = start;
        added->End = end;
        added->Type = request.Type;
        added->IsFlock = request.IsFlock;
        added->Next = s_records;
        s_records = added;
    }

    /// <summary>close(2) by <paramref name="owner"/> (a descriptor table) of a descriptor of
    /// <paramref name="description"/>'s file: every POSIX lock the owner has on the file goes
    /// (Linux's locks_remove_posix, however many other descriptors of it stay open).</summary>
    internal static void ReleaseOnClose(void* owner, OpenFileDescription* description)
    {
        if (!HasAny(owner, isFlock: false) || !Identify(description, out ulong device, out ulong inode)) return;
        RemoveWhere(owner, device, inode, isFlock: false);
    }

    /// <summary>The last reference to <paramref name="description"/> went: its flock goes.</summary>
    internal static void ReleaseDescription(OpenFileDescription* description)
    {
        if (!HasAny(description, isFlock: true)) return;
        RemoveWhere(description, 0, 0, isFlock: true);
    }

    private static bool HasAny(void* owner, bool isFlock)
    {
        if (s_records == null) return false;
        bool interrupts = s_lock.Acquire();
        bool found = false;
        for (Record* record = s_records; record != null && !found; record = record->Next)
            found = record->Owner == owner && record->IsFlock == isFlock;
        s_lock.Release(interrupts);
        return found;
    }

    /// <summary>Removes the owner's records of one kind (POSIX: on one file; flock: all of the
    /// description's, which is one file) and wakes the waiters.</summary>
    private static void RemoveWhere(void* owner, ulong device, ulong inode, bool isFlock)
    {
        Record* freed = null;
        bool interrupts = s_lock.Acquire();
        fixed (Record** head = &s_records)
        {
            Record** link = head;
            while (*link != null)
            {
                Record* record = *link;
                if (record->Owner == owner && record->IsFlock == isFlock && (isFlock || (record->Device == device && record->Inode == inode)))
                {
                    *link = record->Next;
                    record->Next = freed;
                    freed = record;
                }
                else
                {
                    link = &record->Next;
                }
            }
        }

        s_lock.Release(interrupts);
        s_changed.WakeAll();
        FreeRecords(freed);
    }

    private static Record* NewRecord()
    {
        var record = (Record*)KernelMemory.Allocate((nuint)sizeof(Record));
        if (record != null)
        {
            *record = default;
            Live++;
        }

        return record;
    }

    private static void FreeRecord(Record* record)
    {
        KernelMemory.Free(record);
        Live--;
    }

    private static void FreeRecords(Record* chain)
    {
        while (chain != null)
        {
            Record* next = chain->Next;
            FreeRecord(chain);
            chain = next;
        }
    }

    /// <summary>The owner of POSIX locks for a descriptor table (its address: it lives inside
    /// its process for the process's life).</summary>
    internal static void* OwnerOf(ref DescriptorTable table) => Unsafe.AsPointer(ref table);
}
