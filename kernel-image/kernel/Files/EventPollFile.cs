using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Files;

/// <summary>
/// An epoll instance (Linux fs/eventpoll.c): a kind of file holding an interest list of
/// watches, one per (open file description, descriptor number) pair, and a ready list.
/// <para>Each watch links up to two <see cref="PollEntry"/> records onto the wait queues its
/// file names in <see cref="FileOperations.PollWait"/>, with a callback instead of a thread
/// (<see cref="WaitQueue"/> calls it on every wake, interrupts off, from any context): the
/// callback puts the watch on the ready list and wakes the instance's own queue
/// (<see cref="EventPoll.Waiters"/>), where epoll_wait sleeps and where poll(2) or an outer
/// epoll watch this instance. Nothing looks at the files on a timer. epoll_wait takes the ready
/// list, asks each file its readiness now, reports the ready ones, and puts level-triggered
/// watches back (Linux ep_send_events): an edge-triggered watch is reported again only after
/// another wake of its queue, a one-shot watch not before EPOLL_CTL_MOD re-arms it.</para>
/// <para>Watches do not hold their file: the last release of a description removes every watch
/// on it (<see cref="FileReleased"/>, called from <see cref="OpenFileDescription.Release"/>
/// before the file's own close, so no entry outlives the queues it is linked on), as Linux's
/// eventpoll_release. Every watch is charged to the account of the process that made the
/// instance, at most <see cref="WatchesPerAccount"/> (Linux's max_user_watches: ENOSPC).</para>
/// <para>Locks: <see cref="s_lock"/> (a mutex, one for all instances) guards the interest lists
/// and each description's watch list; callers may sleep under it (a file's Poll takes the
/// network lock). The ready lists and the watches' Ready flags change with interrupts off (the
/// callback runs inside a wake). Lock order: <see cref="s_lock"/>, then anything a file's Poll
/// takes. An epoll file's own Poll, reached from an outer instance under the lock, does not take
/// it again (<see cref="KernelMutex.IsHeldByCurrentThread"/>).</para>
/// <para>Socket readiness comes from one queue for every socket (the network thread's): a wake of
/// it marks every watched socket, so an edge-triggered socket watch may be reported again on
/// another socket's traffic while it stays ready (never missed; ET programs read to EAGAIN).</para>
/// </summary>
internal static unsafe class EventPollFile
{
    // Linux include/uapi/linux/eventpoll.h.
    internal const uint In = 0x1, Out = 0x4, Error = 0x8, HangUp = 0x10, ReadNormal = 0x40, ReadBand = 0x80,
        WriteNormal = 0x100, WriteBand = 0x200, Message = 0x400, ReadHangUp = 0x2000,
        Exclusive = 1u << 28, WakeUp = 1u << 29, OneShot = 1u << 30, EdgeTriggered = 1u << 31;

    /// <summary>The bits that are not events (Linux EP_PRIVATE_BITS): what a fired one-shot
    /// watch keeps.</summary>
    internal const uint PrivateBits = WakeUp | OneShot | EdgeTriggered | Exclusive;

    /// <summary>What EPOLLEXCLUSIVE may come with (Linux EPOLLEXCLUSIVE_OK_BITS).</summary>
    internal const uint ExclusiveAllowed = In | Out | ReadNormal | ReadBand | WriteNormal | WriteBand | Error | HangUp |
        WakeUp | EdgeTriggered | Exclusive;

    /// <summary>Watches one account may hold across all its instances (Linux's max_user_watches
    /// is 4% of low memory over a watch's cost; a watch here is about 150 bytes of heap).</summary>
    internal const int WatchesPerAccount = 16384;

    /// <summary>How deep instances may watch instances (Linux EP_MAX_NESTS).</summary>
    internal const int MaxNesting = 4;

    internal struct Watch
    {
        public EventPoll* Owner;
        public OpenFileDescription* File;
        public int Descriptor;
        public uint Events;
        public ulong Data;
        /// <summary>On the owner's interest list.</summary>
        public Watch* NextInInstance, PreviousInInstance;
        /// <summary>On the file's list (<see cref="OpenFileDescription.Watches"/>).</summary>
        public Watch* NextOnFile, PreviousOnFile;
        /// <summary>On the owner's ready list (interrupts off).</summary>
        public Watch* NextReady;
        public bool Ready;
        public int EntryCount;
        public PollEntry Entry0, Entry1;
    }

    internal struct EventPoll
    {
        public WaitQueue Waiters;
        public Watch* First;
        public Watch* ReadyFirst, ReadyLast;
        public int Count;
        public int Account;
        /// <summary>The instance's description (epoll_create makes exactly one).</summary>
        public OpenFileDescription* Self;
    }

    private static KernelMutex s_lock;
    private static FileOperations s_operations;

    /// <summary>Instances and watches alive now (for tests: none may outlive its descriptors).</summary>
    internal static int LiveInstances, LiveWatches;

    private struct AccountCounts
    {
        public fixed int Watches[Aurora.Caps.CapsLimits.MaxAccounts];
    }

    private static AccountCounts s_accounts;

    internal static FileOperations* Operations
    {
        get
        {
            fixed (FileOperations* operations = &s_operations)
            {
                if (operations->Close == null)
                {
                    operations->Poll = &PollOperation;
                    operations->PollWait = &PollWaitOperation;
                    operations->Stat = &StatOperation;
                    operations->Name = &NameOperation;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Close = &CloseOperation;
                }

                return operations;
            }
        }
    }

    internal static bool Is(OpenFileDescription* description) => description->Operations == Operations;

    private static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
    }

    private static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }

    private static bool LockHeld
    {
        get
        {
            fixed (KernelMutex* mutex = &s_lock) return mutex->IsHeldByCurrentThread;
        }
    }

    /// <summary>A new instance as a description with one reference; null when the heap is out.</summary>
    internal static OpenFileDescription* Create(Process* process)
    {
        var instance = (EventPoll*)KernelMemory.Allocate((nuint)sizeof(EventPoll));
        if (instance == null) return null;
        *instance = default;
        instance->Account = ResourceLimits.AccountOf(process->CapsHandle);
        OpenFileDescription* description = OpenFileDescription.Create(Operations, instance, OpenFileDescription.ReadWrite);
        if (description == null)
        {
            KernelMemory.Free(instance);
            return null;
        }

        instance->Self = description;
        LiveInstances++;
        return description;
    }

    /// <summary>The wake callback (Linux ep_poll_callback): interrupts are off.</summary>
    private static void Wake(PollEntry* entry)
    {
        var watch = (Watch*)entry->Owner;
        if ((watch->Events & ~PrivateBits) == 0) return; // a fired one-shot watch waits for MOD
        EventPoll* instance = watch->Owner;
        if (!watch->Ready) AppendReady(instance, watch);
        instance->Waiters.WakeAll();
    }

    /// <summary>Interrupts off.</summary>
    private static void AppendReady(EventPoll* instance, Watch* watch)
    {
        watch->Ready = true;
        watch->NextReady = null;
        if (instance->ReadyLast == null) instance->ReadyFirst = watch;
        else instance->ReadyLast->NextReady = watch;
        instance->ReadyLast = watch;
    }

    /// <summary>Interrupts off.</summary>
    private static void RemoveReady(EventPoll* instance, Watch* watch)
    {
        if (!watch->Ready) return;
        Watch* previous = null;
        for (Watch* w = instance->ReadyFirst; w != null; previous = w, w = w->NextReady)
        {
            if (w != watch) continue;
            if (previous == null) instance->ReadyFirst = w->NextReady;
            else previous->NextReady = w->NextReady;
            if (instance->ReadyLast == w) instance->ReadyLast = previous;
            break;
        }

        watch->Ready = false;
        watch->NextReady = null;
    }

    private static Watch* Find(OpenFileDescription* file, EventPoll* instance, int descriptor)
    {
        for (Watch* w = (Watch*)file->Watches; w != null; w = w->NextOnFile)
        {
            if (w->Owner == instance && w->Descriptor == descriptor) return w;
        }

        return null;
    }

    /// <summary>Readiness of the watch's file masked by its events (ERR and HUP always count).</summary>
    private static uint Readiness(Watch* watch) =>
        (uint)Syscalls.PollCalls.ReadinessOf(watch->File) & (watch->Events & ~PrivateBits);

    /// <summary>True when <paramref name="target"/> (an instance) reaches <paramref name="instance"/>
    /// through its watches, or nests deeper than <see cref="MaxNesting"/> (Linux ep_loop_check: ELOOP).</summary>
    private static bool Loops(EventPoll* instance, EventPoll* target, int depth)
    {
        if (target == instance || depth > MaxNesting) return true;
        for (Watch* w = target->First; w != null; w = w->NextInInstance)
        {
            if (Is(w->File) && Loops(instance, (EventPoll*)w->File->Object, depth + 1)) return true;
        }

        return false;
    }

    /// <summary>How deep instances nest inside <paramref name="instance"/> (0: it watches none).</summary>
    private static int Depth(EventPoll* instance, int limit)
    {
        if (limit < 0) return 0;
        int deepest = 0;
        for (Watch* w = instance->First; w != null; w = w->NextInInstance)
        {
            if (!Is(w->File)) continue;
            int d = 1 + Depth((EventPoll*)w->File->Object, limit - 1);
            if (d > deepest) deepest = d;
        }

        return deepest;
    }

    /// <summary>How many instances watch <paramref name="file"/> from above, the longest chain.</summary>
    private static int Height(OpenFileDescription* file, int limit)
    {
        if (limit < 0) return 0;
        int tallest = 0;
        for (Watch* w = (Watch*)file->Watches; w != null; w = w->NextOnFile)
        {
            int h = 1 + Height(w->Owner->Self, limit - 1);
            if (h > tallest) tallest = h;
        }

        return tallest;
    }

    /// <summary>epoll_ctl on an instance (the checks on the descriptors are the caller's):
    /// 0 or -errno, as Linux do_epoll_ctl after its descriptor lookups.</summary>
    internal static long Control(OpenFileDescription* epollFile, int op, OpenFileDescription* target, int descriptor, uint events, ulong data)
    {
        const int Add = 1, Delete = 2, Modify = 3;
        var instance = (EventPoll*)epollFile->Object;
        Lock();
        long result = -Errno.EINVAL;
        Watch* watch = null;
        if (op == Add && Is(target))
        {
            var inner = (EventPoll*)target->Object;
            // A loop, or a chain of instances longer than Linux allows, either way.
            if (Loops(instance, inner, 0) || Depth(inner, MaxNesting + 1) + 1 + Height(epollFile, MaxNesting + 1) > MaxNesting)
            {
                Unlock();
                return -Errno.ELOOP;
            }
        }

        watch = Find(target, instance, descriptor);
        switch (op)
        {
            case Add:
                result = watch != null ? -Errno.EEXIST : Insert(instance, target, descriptor, events | Error | HangUp, data);
                break;
            case Delete:
                if (watch == null) result = -Errno.ENOENT;
                else
                {
                    Remove(watch);
                    result = 0;
                }

                break;
            case Modify:
                if (watch == null) result = -Errno.ENOENT;
                else if ((watch->Events & Exclusive) == 0)
                {
                    watch->Events = events | Error | HangUp;
                    watch->Data = data;
                    // As ep_modify: look at the file now, so a watch made ready (or re-armed) by
                    // the change is reported without waiting for another wake.
                    if (Readiness(watch) != 0) MarkReady(watch);
                    result = 0;
                }

                break;
        }

        Unlock();
        return result;
    }

    private static void MarkReady(Watch* watch)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        if (!watch->Ready) AppendReady(watch->Owner, watch);
        watch->Owner->Waiters.WakeAll();
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Under the lock.</summary>
    private static long Insert(EventPoll* instance, OpenFileDescription* file, int descriptor, uint events, ulong data)
    {
        if (!ChargeWatch(instance->Account)) return -Errno.ENOSPC;
        var watch = (Watch*)KernelMemory.Allocate((nuint)sizeof(Watch));
        if (watch == null)
        {
            UnchargeWatch(instance->Account);
            return -Errno.ENOMEM;
        }

        *watch = default;
        watch->Owner = instance;
        watch->File = file;
        watch->Descriptor = descriptor;
        watch->Events = events;
        watch->Data = data;
        watch->NextInInstance = instance->First;
        if (instance->First != null) instance->First->PreviousInInstance = watch;
        instance->First = watch;
        instance->Count++;
        watch->NextOnFile = (Watch*)file->Watches;
        if (file->Watches != null) ((Watch*)file->Watches)->PreviousOnFile = watch;
        file->Watches = watch;
        LiveWatches++;

        if (file->Operations->PollWait != null)
        {
            var table = new PollTable(&watch->Entry0, 2, &Wake, watch);
            file->Operations->PollWait(file, &table);
            watch->EntryCount = table.Count;
        }

        if (Readiness(watch) != 0) MarkReady(watch);
        return 0;
    }

    /// <summary>Unlinks and frees a watch; under the lock.</summary>
    private static void Remove(Watch* watch)
    {
        EventPoll* instance = watch->Owner;
        PollTable.Unlink(&watch->Entry0, watch->EntryCount);
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        RemoveReady(instance, watch);
        Hal.Cpu.RestoreInterrupts(interrupts);

        if (watch->PreviousInInstance == null) instance->First = watch->NextInInstance;
        else watch->PreviousInInstance->NextInInstance = watch->NextInInstance;
        if (watch->NextInInstance != null) watch->NextInInstance->PreviousInInstance = watch->PreviousInInstance;
        instance->Count--;

        OpenFileDescription* file = watch->File;
        if (watch->PreviousOnFile == null) file->Watches = watch->NextOnFile;
        else watch->PreviousOnFile->NextOnFile = watch->NextOnFile;
        if (watch->NextOnFile != null) watch->NextOnFile->PreviousOnFile = watch->PreviousOnFile;

        UnchargeWatch(instance->Account);
        KernelMemory.Free(watch);
        LiveWatches--;
    }

    /// <summary>The last reference to <paramref name="file"/> is going (Linux eventpoll_release):
    /// every watch on it leaves its instance before the file closes.</summary>
    internal static void FileReleased(OpenFileDescription* file)
    {
        Lock();
        while (file->Watches != null) Remove((Watch*)file->Watches);
        Unlock();
    }

    /// <summary>One reported event, as struct epoll_event (packed on x86-64: 12 bytes).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 4)]
    internal struct Event
    {
        public uint Events;
        public ulong Data;
    }

    /// <summary>Takes up to <paramref name="capacity"/> ready events (Linux ep_send_events):
    /// watches whose file is no longer ready leave the ready list, level-triggered ones that were
    /// reported go back on it, one-shot ones are disarmed.</summary>
    internal static int Harvest(OpenFileDescription* epollFile, Event* events, int capacity)
    {
        var instance = (EventPoll*)epollFile->Object;
        Lock();
        // The ready list is moved into an array first: a wake during the pass may put a watch
        // back on the list (its link reused), which must not cut the pass short.
        Watch** taken = instance->Count == 0 ? null : (Watch**)KernelMemory.Allocate((nuint)(instance->Count * sizeof(Watch*)));
        if (taken == null)
        {
            Unlock();
            return instance->Count == 0 ? 0 : (int)-Errno.ENOMEM;
        }

        int n = 0;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        for (Watch* w = instance->ReadyFirst; w != null && n < instance->Count; w = w->NextReady) taken[n++] = w;
        for (int i = 0; i < n; i++)
        {
            taken[i]->Ready = false;
            taken[i]->NextReady = null;
        }

        instance->ReadyFirst = instance->ReadyLast = null;
        Hal.Cpu.RestoreInterrupts(interrupts);

        int count = 0, looked = 0;
        for (int i = 0; i < n; i++, looked++)
        {
            Watch* watch = taken[i];
            if (count >= capacity) break; // the rest goes back first, in order, below
            uint ready = Readiness(watch);
            if (ready == 0)
            {
                taken[i] = null; // not ready now: off the list until its next wake
                continue;
            }

            events[count].Events = ready;
            events[count].Data = watch->Data;
            count++;
            if ((watch->Events & OneShot) != 0) watch->Events &= PrivateBits;
            // Level-triggered watches reported now are looked at again on the next call;
            // edge-triggered and one-shot ones wait for a wake.
            if ((watch->Events & (EdgeTriggered | OneShot)) != 0) taken[i] = null;
        }

        // As Linux ep_done_scan: watches not looked at go back ahead of the level-triggered
        // ones just reported, so a small maxevents still reaches every watch in turn.
        interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        for (int i = looked; i < n; i++)
        {
            if (!taken[i]->Ready) AppendReady(instance, taken[i]);
        }

        for (int i = 0; i < looked; i++)
        {
            if (taken[i] != null && !taken[i]->Ready) AppendReady(instance, taken[i]);
        }

        Hal.Cpu.RestoreInterrupts(interrupts);
        Unlock();
        KernelMemory.Free(taken);
        return count;
    }

    internal static ref WaitQueue Waiters(OpenFileDescription* epollFile) => ref ((EventPoll*)epollFile->Object)->Waiters;

    /// <summary>An instance is readable when a watch on its ready list is ready now (Linux
    /// ep_eventpoll_poll); the list is only looked at.</summary>
    private static int PollOperation(OpenFileDescription* description)
    {
        var instance = (EventPoll*)description->Object;
        bool take = !LockHeld;
        if (take) Lock();
        bool ready = false;
        // The list may change under a wake while a file's Poll sleeps: walk a snapshot.
        const int Snapshot = 64;
        Watch** watches = stackalloc Watch*[Snapshot];
        int n = 0;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        for (Watch* w = instance->ReadyFirst; w != null && n < Snapshot; w = w->NextReady) watches[n++] = w;
        Hal.Cpu.RestoreInterrupts(interrupts);
        for (int i = 0; i < n && !ready; i++) ready = Readiness(watches[i]) != 0;
        if (take) Unlock();
        return ready ? Files.Readiness.In | Files.Readiness.ReadNormal : 0;
    }

    private static void PollWaitOperation(OpenFileDescription* description, PollTable* table) =>
        table->Add(ref ((EventPoll*)description->Object)->Waiters);

    private static long StatOperation(OpenFileDescription* description, Vfs.FileStatus* status) => AnonymousInode.Stat(status);

    private static int NameOperation(OpenFileDescription* description, Span<byte> name) => AnonymousInode.Name(name, "eventpoll");

    /// <summary>The instance's last description is gone: its watches go, then it.</summary>
    private static void CloseOperation(void* obj)
    {
        var instance = (EventPoll*)obj;
        Lock();
        while (instance->First != null) Remove(instance->First);
        Unlock();
        KernelMemory.Free(instance);
        LiveInstances--;
    }

    private static bool ChargeWatch(int account)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        bool ok = s_accounts.Watches[account] < WatchesPerAccount;
        if (ok) s_accounts.Watches[account]++;
        Hal.Cpu.RestoreInterrupts(interrupts);
        return ok;
    }

    private static void UnchargeWatch(int account)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        s_accounts.Watches[account]--;
        Hal.Cpu.RestoreInterrupts(interrupts);
    }
}
