using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Tasks;

/// <summary>Why a wait ended.</summary>
internal enum WakeReason : byte
{
    /// <summary>The event came (<see cref="WaitQueue.WakeOne"/>, <see cref="WaitQueue.WakeAll"/>).</summary>
    Woken,
    /// <summary>The timeout ran out first.</summary>
    TimedOut,
    /// <summary>A signal became deliverable during an interruptible wait
    /// (<see cref="Scheduler.Interrupt"/>).</summary>
    Interrupted,
}

/// <summary>
/// Threads waiting for one kind of event (data arrived, space freed, a child exited), linked
/// through the threads themselves (<see cref="KernelThread.NextQueued"/>): waiting never
/// allocates. The shape is Linux's <c>wait_queue_head</c> with <c>prepare_to_wait</c> /
/// <c>finish_wait</c>: the waiter first joins the queue, then checks its condition (taking
/// whatever lock the condition needs), and only then sleeps; a wake that lands between the
/// check and the sleep is remembered (<see cref="KernelThread.WakePending"/>), so none is lost.
/// </summary>
/// <example><code>
/// while (true)
/// {
///     queue.Prepare(interruptible: true);
///     if (TryTheOperation()) { queue.Cancel(); break; }
///     if (Process.HasDeliverableSignal(process)) { queue.Cancel(); return -ERESTARTSYS; }
///     queue.Sleep(WaitQueue.Forever);
/// }
/// // and whoever makes the operation possible: queue.WakeAll();
/// </code></example>
/// <remarks>
/// The queue's lock is the scheduler's (interrupts off on one processor; docs/architecture.md,
/// "Locks"): a wake may come from any context — an interrupt handler, a thread holding any
/// other lock — and never sleeps. With more processors the queue gets its own spin lock, just
/// outside the scheduler's. A plain struct embedded in what it guards; use it by reference.
/// </remarks>
internal unsafe struct WaitQueue
{
    private KernelThread* _first;
    private KernelThread* _last;

    /// <summary>poll(2)/select(2) waiters (<see cref="PollTable"/>): a thread that watches several
    /// queues at once has an entry on each. Every wake, one or all, wakes every poller too (as
    /// Linux's non-exclusive poll entries) and leaves the entries in place: the poller takes them
    /// off itself when its call ends.</summary>
    private PollEntry* _firstPoller;

    /// <summary>No timeout.</summary>
    internal const ulong Forever = ulong.MaxValue;

    /// <summary>Threads on the queue now (for tests).</summary>
    public int Count
    {
        get
        {
            bool interrupts = Cpu.SaveAndDisableInterrupts();
            int count = 0;
            for (KernelThread* t = _first; t != null; t = t->NextQueued) count++;
            Cpu.RestoreInterrupts(interrupts);
            return count;
        }
    }

    /// <summary>Puts the calling thread on the queue (once) and starts its wait: from here
    /// a wake is not lost. Check the condition next, then <see cref="Sleep"/> or
    /// <see cref="Cancel"/>.</summary>
    public void Prepare(bool interruptible)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = Scheduler.Current;
        if (!self->Queued) Append(self);
        Scheduler.PrepareWait(interruptible);
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Sleeps until a wake of this queue (or a signal, for an interruptible wait), at
    /// most <paramref name="timeoutMs"/> milliseconds (<see cref="Forever"/>: no limit), and
    /// leaves the queue. Returns at once when the wake came after <see cref="Prepare"/>.</summary>
    public WakeReason Sleep(ulong timeoutMs)
    {
        WakeReason reason = Scheduler.BlockUntilWoken(DeadlineAfter(timeoutMs));
        Leave();
        return reason;
    }

    /// <summary>Ends a wait without sleeping (the condition held, or an error): leaves the queue.</summary>
    public void Cancel()
    {
        Leave();
        Scheduler.EndWait();
    }

    /// <summary>Wakes the longest waiter; false when the queue is empty. Any context.</summary>
    public bool WakeOne()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* first = _first;
        if (first != null)
        {
            Remove(first);
            Scheduler.WakeFromWait(first, WakeReason.Woken);
        }

        int pollers = WakePollers();
        Cpu.RestoreInterrupts(interrupts);
        return first != null || pollers > 0;
    }

    /// <summary>Wakes every waiter; returns how many. Any context.</summary>
    public int WakeAll()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        int woken = 0;
        while (_first != null)
        {
            KernelThread* thread = _first;
            Remove(thread);
            Scheduler.WakeFromWait(thread, WakeReason.Woken);
            woken++;
        }

        woken += WakePollers();
        Cpu.RestoreInterrupts(interrupts);
        return woken;
    }

    /// <summary>Interrupts off.</summary>
    private readonly int WakePollers()
    {
        int woken = 0;
        for (PollEntry* entry = _firstPoller; entry != null; entry = entry->Next)
        {
            if (entry->Callback != null) entry->Callback(entry); // an epoll watch (Ipc/EventPoll.cs)
            else Scheduler.WakeFromWait(entry->Thread, WakeReason.Woken);
            woken++;
        }

        return woken;
    }

    /// <summary>Links a poller's entry (<see cref="PollTable.Add"/>). Any context.</summary>
    internal void AddPoller(PollEntry* entry)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        entry->Previous = null;
        entry->Next = _firstPoller;
        if (_firstPoller != null) _firstPoller->Previous = entry;
        _firstPoller = entry;
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Unlinks a poller's entry (<see cref="PollTable.RemoveAll"/>). Any context.</summary>
    internal void RemovePoller(PollEntry* entry)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        if (entry->Previous == null) _firstPoller = entry->Next;
        else entry->Previous->Next = entry->Next;
        if (entry->Next != null) entry->Next->Previous = entry->Previous;
        entry->Next = entry->Previous = null;
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Sleeps the calling thread for <paramref name="timeoutMs"/> milliseconds, on no
    /// queue; an interruptible sleep ends early on a signal (<see cref="WakeReason.Interrupted"/>).
    /// The caller checks for signals between <see cref="Scheduler.PrepareWait"/> and this, as
    /// with a queue.</summary>
    internal static WakeReason SleepPrepared(ulong timeoutMs) => Scheduler.BlockUntilWoken(DeadlineAfter(timeoutMs));

    /// <summary>The tick a wait of <paramref name="timeoutMs"/> may end at: at least that long
    /// (+1: the current tick is already partly over). 1000 Hz timer: a tick is a millisecond.</summary>
    private static ulong DeadlineAfter(ulong timeoutMs)
    {
        if (timeoutMs >= 1UL << 40) return Scheduler.NoDeadline; // beyond any uptime: as good as forever
        ulong now = Timer.Ticks();
        return now + 1 + (timeoutMs * 1_000_000 + Scheduler.TickNanoseconds - 1) / Scheduler.TickNanoseconds;
    }

    private void Leave()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = Scheduler.Current;
        if (self->Queued) Remove(self);
        Cpu.RestoreInterrupts(interrupts);
    }

    private void Append(KernelThread* thread)
    {
        thread->NextQueued = null;
        thread->PreviousQueued = _last;
        if (_last == null) _first = thread;
        else _last->NextQueued = thread;
        _last = thread;
        thread->Queued = true;
    }

    private void Remove(KernelThread* thread)
    {
        if (thread->PreviousQueued == null) _first = thread->NextQueued;
        else thread->PreviousQueued->NextQueued = thread->NextQueued;
        if (thread->NextQueued == null) _last = thread->PreviousQueued;
        else thread->NextQueued->PreviousQueued = thread->PreviousQueued;
        thread->NextQueued = thread->PreviousQueued = null;
        thread->Queued = false;
    }
}
