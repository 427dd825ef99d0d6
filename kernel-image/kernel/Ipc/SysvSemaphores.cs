using System;
using System.Runtime.InteropServices;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Aurora.Kernel.Syscalls;

namespace Aurora.Kernel.Ipc;

/// <summary>
/// System V semaphore sets with Linux's semantics (ipc/sem.c): semget by key, semop and
/// semtimedop applying all operations of a call atomically or none (a call that cannot go on
/// sleeps on its set's wait queue: IPC_NOWAIT EAGAIN, timeout EAGAIN, a handled signal EINTR, removal
/// EIDRM; semncnt/semzcnt count the sleepers), SEM_UNDO adjustments kept per process and
/// applied when it exits (not inherited by fork, kept by execve; SETVAL and SETALL clear them),
/// semctl GETVAL/SETVAL/GETALL/SETALL/GETPID/GETNCNT/GETZCNT, IPC_STAT/SEM_STAT/SEM_STAT_ANY,
/// IPC_SET, IPC_RMID, IPC_INFO/SEM_INFO. Limits: SEMMSL 256 semaphores a set, SEMMNS 4096 in
/// all, SEMOPM 500 operations a call, SEMVMX 32767, 64 sets (ENOSPC).
/// </summary>
internal static unsafe class SysvSemaphores
{
    internal const int MaxPerSet = 256;      // SEMMSL (Linux 32000)
    internal const int MaxTotal = 4096;      // SEMMNS
    internal const int MaxOperations = 500;  // SEMOPM
    internal const int MaxValue = 32767;     // SEMVMX, also SEMAEM
    private const short SemUndo = 0x1000;    // SEM_UNDO
    private const int GetPid = 11, GetVal = 12, GetAll = 13, GetNcnt = 14, GetZcnt = 15, SetVal = 16, SetAll = 17;
    private const int SemStat = 18, SemInfo = 19, SemStatAny = 20;

    private struct Semaphore
    {
        public int Value;
        public int Pid;
        public int IncreaseWaiters; // semncnt
        public int ZeroWaiters;     // semzcnt
    }

    private struct Set
    {
        public SysvObject Head;
        public long OperationTime, ChangeTime;
        public int Count;
        public WaitQueue Waiters;
        public Undo* Undos; // every process's adjustments for this set (through NextInSet)
        // Count semaphores follow.
    }

    /// <summary>One process's SEM_UNDO adjustments for one set (Linux struct sem_undo), on the
    /// process's list (<see cref="Process.SemaphoreUndo"/>) and the set's. A removed set
    /// leaves Set null; the process frees the record when it exits.</summary>
    private struct Undo
    {
        public Undo* NextOfProcess;
        public Undo* NextInSet;
        public Set* Set;
        public int Count;
        // Count adjustments (int) follow.
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Operation // struct sembuf
    {
        public ushort Number;
        public short Value;
        public short Flags;
    }

    /// <summary>struct semid64_ds at its largest (x86-64's); sem_ctime and sem_nsems sit where
    /// the architecture puts them (Hal.UserAbi.SemaphoreStatusLayout).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 104)]
    private struct Status
    {
        [FieldOffset(0)] public IpcPermission Permission;
        [FieldOffset(48)] public long OperationTime;
    }

    private static SysvIdTable s_ids;
    private static int s_total;

    /// <summary>Objects of this kind alive now (for tests).</summary>
    internal static int Live => s_ids.Count;

    private static Semaphore* Semaphores(Set* set) => (Semaphore*)(set + 1);

    private static int* Adjustments(Undo* undo) => (int*)(undo + 1);

    internal static long Get(Process* process, int key, int count, int flag, long now)
    {
        if (count < 0 || count > MaxPerSet) return -Errno.EINVAL;
        SysvIpc.Lock();
        long result;
        var found = (Set*)s_ids.FindKey(key);
        if (found == null)
        {
            if (key != SysvIpc.Private && (flag & SysvIpc.Create) == 0) result = -Errno.ENOENT;
            else result = New(process, key, count, flag, now);
        }
        else if ((flag & (SysvIpc.Create | SysvIpc.Exclusive)) == (SysvIpc.Create | SysvIpc.Exclusive)) result = -Errno.EEXIST;
        else if (!SysvIpc.PermittedByFlag(process, &found->Head.Permission, flag)) result = -Errno.EACCES;
        else if (count > found->Count) result = -Errno.EINVAL;
        else result = found->Head.Id;
        SysvIpc.Unlock();
        return result;
    }

    private static long New(Process* process, int key, int count, int flag, long now)
    {
        if (count == 0) return -Errno.EINVAL;
        if (s_ids.Count >= SysvIdTable.Capacity || s_total + count > MaxTotal) return -Errno.ENOSPC;
        nuint bytes = (nuint)(sizeof(Set) + count * sizeof(Semaphore));
        var set = (Set*)KernelMemory.Allocate(bytes);
        if (set == null) return -Errno.ENOMEM;
        new Span<byte>(set, (int)bytes).Clear();
        SysvIpc.InitializePermission(process, &set->Head.Permission, key, flag);
        set->Count = count;
        set->ChangeTime = now;
        if (!s_ids.Add(&set->Head))
        {
            KernelMemory.Free(set);
            return -Errno.ENOSPC;
        }

        s_total += count;
        return set->Head.Id;
    }

    internal static long Operate(Process* process, int id, ulong user, uint count, long timeoutMs, long now)
    {
        if (count < 1 || id < 0) return -Errno.EINVAL;
        if (count > MaxOperations) return -Errno.E2BIG;
        var operations = (Operation*)KernelMemory.Allocate((nuint)(count * (uint)sizeof(Operation)));
        if (operations == null) return -Errno.ENOMEM;
        long result = Operate(process, id, user, operations, (int)count, timeoutMs, now);
        KernelMemory.Free(operations);
        return result;
    }

    private static long Operate(Process* process, int id, ulong user, Operation* operations, int count, long timeoutMs, long now)
    {
        if (!UserMemory.CopyFrom(process->Space, user, new Span<byte>(operations, count * sizeof(Operation)))) return -Errno.EFAULT;
        int highest = 0;
        bool alters = false, undoes = false;
        for (int i = 0; i < count; i++)
        {
            if (operations[i].Number > highest) highest = operations[i].Number;
            if (operations[i].Value != 0) alters = true;
            if ((operations[i].Flags & SemUndo) != 0) undoes = true;
        }

        ulong deadline = timeoutMs < 0 ? Scheduler.NoDeadline : Hal.Timer.Ticks() + 1 + (ulong)timeoutMs;
        SysvIpc.Lock();
        var set = (Set*)s_ids.Find(id);
        long result;
        if (set == null) result = -Errno.EINVAL;
        else if (highest >= set->Count) result = -Errno.EFBIG;
        else if (!SysvIpc.Permitted(process, &set->Head.Permission, alters ? 2 : 4)) result = -Errno.EACCES;
        else
        {
            Undo* undo = undoes ? FindUndo(process, set, create: true) : null;
            if (undoes && undo == null) result = -Errno.ENOMEM;
            else
            {
                set->Head.Users++;
                while (true)
                {
                    if (set->Head.Removed) { result = -Errno.EIDRM; break; }
                    int blocked = TryAll(process, set, operations, count, undo, now);
                    if (blocked == int.MaxValue) { result = 0; break; }
                    if (blocked < 0) { result = blocked; break; }
                    Operation* stuck = &operations[blocked];
                    if ((stuck->Flags & SysvIpc.NoWait) != 0) { result = -Errno.EAGAIN; break; }
                    Semaphore* waitedOn = &Semaphores(set)[stuck->Number];
                    if (stuck->Value == 0) waitedOn->ZeroWaiters++;
                    else waitedOn->IncreaseWaiters++;
                    result = Wait(process, set, deadline);
                    if (stuck->Value == 0) waitedOn->ZeroWaiters--;
                    else waitedOn->IncreaseWaiters--;
                    if (result != 0) break;
                }

                Release(set);
            }
        }

        SysvIpc.Unlock();
        return result;
    }

    /// <summary>Linux perform_atomic_semop: every operation or none. int.MaxValue: all done;
    /// an index: the operation that must wait; -errno (ERANGE) otherwise.</summary>
    private static int TryAll(Process* process, Set* set, Operation* operations, int count, Undo* undo, long now)
    {
        Semaphore* sems = Semaphores(set);
        int i;
        int failure = int.MaxValue;
        for (i = 0; i < count; i++)
        {
            Operation* op = &operations[i];
            int value = sems[op->Number].Value;
            if (op->Value == 0)
            {
                if (value != 0) { failure = i; break; }
                continue;
            }

            int next = value + op->Value;
            if (next < 0) { failure = i; break; }
            if (next > MaxValue) { failure = -(int)Errno.ERANGE; break; }
            if ((op->Flags & SemUndo) != 0)
            {
                int adjusted = Adjustments(undo)[op->Number] - op->Value;
                if (adjusted < -(MaxValue + 1) || adjusted > MaxValue) { failure = -(int)Errno.ERANGE; break; }
            }

            sems[op->Number].Value = next;
        }

        if (failure != int.MaxValue)
        {
            for (int j = i - 1; j >= 0; j--) sems[operations[j].Number].Value -= operations[j].Value;
            return failure;
        }

        bool altered = false;
        for (i = 0; i < count; i++)
        {
            Operation* op = &operations[i];
            sems[op->Number].Pid = (int)process->Id;
            if (op->Value != 0) altered = true;
            if ((op->Flags & SemUndo) != 0) Adjustments(undo)[op->Number] -= op->Value;
        }

        set->OperationTime = now;
        if (altered) set->Waiters.WakeAll();
        return int.MaxValue;
    }

    /// <summary>Under the lock: sleeps on the set until it changes, the deadline or a signal;
    /// takes the lock again. 0: look again; EAGAIN when the time ran out; ERESTARTNOHAND for a
    /// signal: EINTR when a handler runs (signal(7): semop is never restarted after one), and
    /// a signal no handler takes (an ignored SIGCHLD) goes unnoticed, as on Linux.</summary>
    private static long Wait(Process* process, Set* set, ulong deadline)
    {
        set->Waiters.Prepare(interruptible: true);
        SysvIpc.Unlock();
        long result = 0;
        if (Process.HasDeliverableSignal(process))
        {
            set->Waiters.Cancel();
            result = -Errno.ERESTARTNOHAND;
        }
        else
        {
            ulong now = Hal.Timer.Ticks();
            WakeReason reason = set->Waiters.Sleep(deadline == Scheduler.NoDeadline ? WaitQueue.Forever : deadline > now ? deadline - now - 1 : 0);
            if (reason == WakeReason.Interrupted) result = -Errno.ERESTARTNOHAND;
            else if (reason == WakeReason.TimedOut) result = -Errno.EAGAIN;
        }

        SysvIpc.Lock();
        return result;
    }

    private static void Release(Set* set)
    {
        set->Head.Users--;
        if (set->Head.Removed && set->Head.Users == 0) KernelMemory.Free(set);
    }

    /// <summary>The process's adjustments for the set, made on first use. Under the lock.</summary>
    private static Undo* FindUndo(Process* process, Set* set, bool create)
    {
        for (var link = (Undo**)&process->SemaphoreUndo; *link != null;)
        {
            Undo* undo = *link;
            if (undo->Set == set) return undo;
            if (undo->Set == null)
            {
                // Its set was removed: nothing left to apply, so the record goes now (a program
                // making and removing sets in a loop must not pile them up until it exits).
                *link = undo->NextOfProcess;
                KernelMemory.Free(undo);
                continue;
            }

            link = &undo->NextOfProcess;
        }

        if (!create) return null;
        nuint bytes = (nuint)(sizeof(Undo) + set->Count * sizeof(int));
        var made = (Undo*)KernelMemory.Allocate(bytes);
        if (made == null) return null;
        new Span<byte>(made, (int)bytes).Clear();
        made->Set = set;
        made->Count = set->Count;
        made->NextOfProcess = (Undo*)process->SemaphoreUndo;
        process->SemaphoreUndo = made;
        made->NextInSet = set->Undos;
        set->Undos = made;
        return made;
    }

    /// <summary>The process is ending (Linux exit_sem): each adjustment is added to its
    /// semaphore (clamped to 0..SEMVMX), sleepers look again, and the records are freed.</summary>
    internal static void ProcessExited(Process* process)
    {
        if (process->SemaphoreUndo == null) return;
        SysvIpc.Lock();
        var undo = (Undo*)process->SemaphoreUndo;
        process->SemaphoreUndo = null;
        while (undo != null)
        {
            Undo* next = undo->NextOfProcess;
            Set* set = undo->Set;
            if (set != null)
            {
                Semaphore* sems = Semaphores(set);
                for (int i = 0; i < undo->Count; i++)
                {
                    if (Adjustments(undo)[i] == 0) continue;
                    int value = sems[i].Value + Adjustments(undo)[i];
                    sems[i].Value = value < 0 ? 0 : value > MaxValue ? MaxValue : value;
                    sems[i].Pid = (int)process->Id;
                }

                Unlink(set, undo);
                set->Waiters.WakeAll();
            }

            KernelMemory.Free(undo);
            undo = next;
        }

        SysvIpc.Unlock();
    }

    private static void Unlink(Set* set, Undo* undo)
    {
        for (Undo** link = &set->Undos; *link != null; link = &(*link)->NextInSet)
        {
            if (*link != undo) continue;
            *link = undo->NextInSet;
            return;
        }
    }

    /// <summary>SETVAL and SETALL: the semaphore's adjustments are cleared in every process.</summary>
    private static void ClearAdjustments(Set* set, int number)
    {
        for (Undo* undo = set->Undos; undo != null; undo = undo->NextInSet)
        {
            if (number < 0) new Span<byte>(Adjustments(undo), undo->Count * sizeof(int)).Clear();
            else Adjustments(undo)[number] = 0;
        }
    }

    internal static long Control(Process* process, int id, int number, int command, ulong argument, long now)
    {
        if (id < 0) return -Errno.EINVAL;
        switch (command)
        {
            case SysvIpc.Info:
            case SemInfo:
                return Information(process, command, argument);
            case SysvIpc.Stat:
            case SemStat:
            case SemStatAny:
                return Report(process, id, command, argument);
            case GetAll:
                return ReadAll(process, id, argument);
            case SetAll:
                return WriteAll(process, id, argument, now);
            case SetVal:
            {
                int value = (int)argument;
                if (value < 0 || value > MaxValue) return -Errno.ERANGE;
                SysvIpc.Lock();
                var set = (Set*)s_ids.Find(id);
                long result = 0;
                if (set == null) result = -Errno.EINVAL;
                else if (number < 0 || number >= set->Count) result = -Errno.EINVAL;
                else if (!SysvIpc.Permitted(process, &set->Head.Permission, 2)) result = -Errno.EACCES;
                else
                {
                    Semaphores(set)[number].Value = value;
                    Semaphores(set)[number].Pid = (int)process->Id;
                    ClearAdjustments(set, number);
                    set->ChangeTime = now;
                    set->Waiters.WakeAll();
                }

                SysvIpc.Unlock();
                return result;
            }
            case GetVal:
            case GetPid:
            case GetNcnt:
            case GetZcnt:
            {
                SysvIpc.Lock();
                var set = (Set*)s_ids.Find(id);
                long result;
                if (set == null) result = -Errno.EINVAL;
                else if (!SysvIpc.Permitted(process, &set->Head.Permission, 4)) result = -Errno.EACCES;
                else if (number < 0 || number >= set->Count) result = -Errno.EINVAL;
                else
                {
                    Semaphore* sem = &Semaphores(set)[number];
                    result = command == GetVal ? sem->Value : command == GetPid ? sem->Pid : command == GetNcnt ? sem->IncreaseWaiters : sem->ZeroWaiters;
                }

                SysvIpc.Unlock();
                return result;
            }
            case SysvIpc.Set:
            {
                Status wanted;
                Hal.UserAbi.SemaphoreStatusLayout(out _, out _, out int size);
                if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(&wanted, size))) return -Errno.EFAULT;
                SysvIpc.Lock();
                var set = (Set*)s_ids.Find(id);
                long result = 0;
                if (set == null) result = -Errno.EINVAL;
                else if (!SysvIpc.MayChange(process, &set->Head.Permission)) result = -Errno.EPERM;
                else
                {
                    SysvIpc.SetPermission(&set->Head.Permission, &wanted.Permission);
                    set->ChangeTime = now;
                }

                SysvIpc.Unlock();
                return result;
            }
            case SysvIpc.Remove:
            {
                SysvIpc.Lock();
                var set = (Set*)s_ids.Find(id);
                long result = 0;
                if (set == null) result = -Errno.EINVAL;
                else if (!SysvIpc.MayChange(process, &set->Head.Permission)) result = -Errno.EPERM;
                else Destroy(set);
                SysvIpc.Unlock();
                return result;
            }
            default:
                return -Errno.EINVAL;
        }
    }

    /// <summary>IPC_RMID: the id names nothing from now on, adjustments for the set are
    /// dropped, sleepers wake into EIDRM and the last of them frees the set. Under the lock.</summary>
    private static void Destroy(Set* set)
    {
        s_ids.Forget(&set->Head);
        set->Head.Removed = true;
        s_total -= set->Count;
        for (Undo* undo = set->Undos; undo != null; undo = undo->NextInSet) undo->Set = null;
        set->Undos = null;
        set->Waiters.WakeAll();
        if (set->Head.Users == 0) KernelMemory.Free(set);
    }

    private static long ReadAll(Process* process, int id, ulong user)
    {
        ushort* values = stackalloc ushort[MaxPerSet];
        SysvIpc.Lock();
        var set = (Set*)s_ids.Find(id);
        long result = 0;
        int count = 0;
        if (set == null) result = -Errno.EINVAL;
        else if (!SysvIpc.Permitted(process, &set->Head.Permission, 4)) result = -Errno.EACCES;
        else
        {
            count = set->Count;
            for (int i = 0; i < count; i++) values[i] = (ushort)Semaphores(set)[i].Value;
        }

        SysvIpc.Unlock();
        if (result < 0) return result;
        return UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(values, count * 2)) ? 0 : -Errno.EFAULT;
    }

    private static long WriteAll(Process* process, int id, ulong user, long now)
    {
        ushort* values = stackalloc ushort[MaxPerSet];
        SysvIpc.Lock();
        var set = (Set*)s_ids.Find(id);
        int count = set == null ? 0 : set->Count;
        SysvIpc.Unlock();
        if (set == null) return -Errno.EINVAL;
        // The values come in outside the lock (a user copy may fault); the set is looked up again.
        if (!UserMemory.CopyFrom(process->Space, user, new Span<byte>(values, count * 2))) return -Errno.EFAULT;
        for (int i = 0; i < count; i++) if (values[i] > MaxValue) return -Errno.ERANGE;
        SysvIpc.Lock();
        set = (Set*)s_ids.Find(id);
        long result = 0;
        if (set == null) result = -Errno.EIDRM;
        else if (!SysvIpc.Permitted(process, &set->Head.Permission, 2)) result = -Errno.EACCES;
        else
        {
            for (int i = 0; i < set->Count && i < count; i++)
            {
                Semaphores(set)[i].Value = values[i];
                Semaphores(set)[i].Pid = (int)process->Id;
            }

            ClearAdjustments(set, -1);
            set->ChangeTime = now;
            set->Waiters.WakeAll();
        }

        SysvIpc.Unlock();
        return result;
    }

    private static long Report(Process* process, int id, int command, ulong user)
    {
        SysvIpc.Lock();
        var set = (Set*)(command == SysvIpc.Stat ? s_ids.Find(id) : s_ids.At(id));
        long result;
        Status status = default;
        int size = 0;
        if (set == null) result = -Errno.EINVAL;
        else if (command != SemStatAny && !SysvIpc.Permitted(process, &set->Head.Permission, 4)) result = -Errno.EACCES;
        else
        {
            // The architecture's semid64_ds (Hal.UserAbi): x86-64 keeps unused words
            // after both times, asm-generic does not.
            Hal.UserAbi.SemaphoreStatusLayout(out int changeTime, out int count, out size);
            status.Permission = set->Head.Permission;
            status.OperationTime = set->OperationTime;
            *(long*)((byte*)&status + changeTime) = set->ChangeTime;
            *(ulong*)((byte*)&status + count) = (ulong)set->Count;
            result = command == SysvIpc.Stat ? 0 : set->Head.Id;
        }

        SysvIpc.Unlock();
        if (result < 0) return result;
        return UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(&status, size)) ? result : -Errno.EFAULT;
    }

    /// <summary>IPC_INFO and SEM_INFO: struct seminfo (SEM_INFO puts the sets in use in
    /// semusz and the semaphores in semaem, as Linux).</summary>
    private static long Information(Process* process, int command, ulong user)
    {
        int* info = stackalloc int[10];
        SysvIpc.Lock();
        info[0] = 1024;                                            // semmap
        info[1] = SysvIdTable.Capacity;                            // semmni
        info[2] = MaxTotal;                                        // semmns
        info[3] = 1024;                                            // semmnu
        info[4] = MaxPerSet;                                       // semmsl
        info[5] = MaxOperations;                                   // semopm
        info[6] = MaxOperations;                                   // semume
        info[7] = command == SemInfo ? s_ids.Count : 16;           // semusz
        info[8] = MaxValue;                                        // semvmx
        info[9] = command == SemInfo ? s_total : MaxValue;         // semaem
        int highest = s_ids.HighestIndex;
        SysvIpc.Unlock();
        return UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(info, 40)) ? highest : -Errno.EFAULT;
    }
}
