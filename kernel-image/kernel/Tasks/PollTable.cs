using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Tasks;

/// <summary>One link of a poller on one wait queue (Linux's <c>poll_table_entry</c>): the queue
/// it is on and the thread a wake of that queue must wake.</summary>
internal unsafe struct PollEntry
{
    public PollEntry* Next;
    public PollEntry* Previous;
    public WaitQueue* Queue;
    public KernelThread* Thread;

    /// <summary>Null: a wake of the queue wakes <see cref="Thread"/> (poll, select). Otherwise
    /// the wake calls this instead (epoll's watch, Linux's <c>ep_poll_callback</c>), with
    /// interrupts off from any context: it must not sleep, allocate or unlink entries.</summary>
    public delegate*<PollEntry*, void> Callback;

    /// <summary>What the callback's entry belongs to (an epoll watch).</summary>
    public void* Owner;
}

/// <summary>
/// How one thread sleeps on several wait queues at once (poll, select; Linux's
/// <c>poll_table</c> and <c>poll_wait</c>). The poller owns an array of entries; on its first
/// pass over the descriptors each file's <c>PollWait</c> adds the queues whose wakes may change
/// its readiness (<see cref="Add"/>), and every wake of any of them wakes the poller
/// (<see cref="Scheduler.WakeFromWait"/>). The poller's loop is the single-queue shape:
/// <see cref="Scheduler.PrepareWait"/>, check every descriptor, then
/// <see cref="Scheduler.BlockUntilWoken"/> — a wake between the check and the sleep is
/// remembered, so none is lost. Later passes add nothing (the entries stay linked until
/// <see cref="RemoveAll"/>, which the poller must call before its call returns).
/// </summary>
internal unsafe struct PollTable
{
    private PollEntry* _entries;
    private int _capacity;
    private int _count;
    private bool _registering;

    /// <summary>A queue did not fit in the entries: the poller must not sleep long on the
    /// ones it has (it looks again after a short while instead).</summary>
    public bool Overflowed;

    private delegate*<PollEntry*, void> _callback;
    private void* _owner;

    public PollTable(PollEntry* entries, int capacity)
    {
        _entries = entries;
        _capacity = capacity;
        _count = 0;
        _registering = true;
        Overflowed = false;
        _callback = null;
        _owner = null;
    }

    /// <summary>A table whose entries call <paramref name="callback"/> on a wake instead of
    /// waking the caller (an epoll watch registering on its file's queues); the entries stay
    /// linked after the table is gone, until their owner unlinks them
    /// (<see cref="Unlink"/>).</summary>
    public PollTable(PollEntry* entries, int capacity, delegate*<PollEntry*, void> callback, void* owner)
        : this(entries, capacity)
    {
        _callback = callback;
        _owner = owner;
    }

    /// <summary>Entries linked so far.</summary>
    public readonly int Count => _count;

    /// <summary>Still in the first pass: <see cref="Add"/> links entries.</summary>
    public readonly bool Registering => _registering;

    /// <summary>From now on <see cref="Add"/> adds nothing (the first pass is over).</summary>
    public void StopRegistering() => _registering = false;

    /// <summary>Linux's poll_wait: wake the calling thread on every wake of this queue until
    /// <see cref="RemoveAll"/>. The queue must outlive the table (the caller holds a reference
    /// to the object that owns it).</summary>
    public void Add(ref WaitQueue queue)
    {
        if (!_registering) return;
        if (_count >= _capacity)
        {
            Overflowed = true;
            return;
        }

        PollEntry* entry = &_entries[_count++];
        entry->Thread = Scheduler.Current;
        entry->Callback = _callback;
        entry->Owner = _owner;
        entry->Queue = (WaitQueue*)Unsafe.AsPointer(ref queue);
        entry->Queue->AddPoller(entry);
    }

    public void RemoveAll()
    {
        for (int i = 0; i < _count; i++) _entries[i].Queue->RemovePoller(&_entries[i]);
        _count = 0;
    }

    /// <summary>Unlinks entries a callback table linked (<paramref name="count"/> of them).</summary>
    public static void Unlink(PollEntry* entries, int count)
    {
        for (int i = 0; i < count; i++) entries[i].Queue->RemovePoller(&entries[i]);
    }
}
