using System.Runtime.CompilerServices;

namespace Aurora.Sched;

/// <summary>
/// One CPU's run queue, CFS style (SPEC PROC-2): every entity accrues virtual runtime at
/// real time * 1024 / weight, and the runnable entity with the least virtual runtime runs next.
/// The kernel drives it with explicit inputs: <see cref="Tick"/> with the ns the current entity
/// ran (from the 1000 Hz timer), <see cref="PickNext"/> when it switches, <see cref="Add"/> and
/// <see cref="Remove"/> when threads wake, start, block or exit. No locking: the kernel
/// serialises calls (interrupts off around them). Keep one instance in place; never copy it
/// while it holds entities. The queued entities are kept in an array the caller gives it
/// (<see cref="SetStorage"/>, room for as many entities as may be queued at once; the running
/// one is not queued): the queue itself never allocates, and an Add beyond the room is refused
/// (<see cref="SchedError.QueueFull"/>).
/// </summary>
public unsafe struct RunQueue
{
    /// <summary>The period every runnable entity should run once in, while there are few of them.</summary>
    public const ulong DefaultTargetLatencyNs = 6_000_000;

    /// <summary>The shortest slice: with many entities the period stretches to count * this.</summary>
    public const ulong DefaultMinGranularityNs = 750_000;

    /// <summary>How far (in virtual ns) a queued entity may be behind the current one before it preempts it.</summary>
    public const ulong DefaultWakeupGranularityNs = 1_000_000;

    private EntityTournament _tree;
    private SchedEntity* _current;

    // The floor as of the last operation that could lower min(current, leftmost) or take an
    // entity away; MinVirtualRuntime is max(this, min(current, leftmost)) (see there).
    private ulong _floor;
    private ulong _totalWeight;

    // Each tunable XOR its default, so that default(RunQueue) (a zeroed static, say) behaves as
    // a queue with the default tunables and reading one costs an XOR, not a branch on the tick.
    private ulong _targetLatencyXor;
    private ulong _minGranularityXor;
    private ulong _wakeupGranularityXor;

    // Period(RunnableCount) as last computed, 0 when it must be computed again: it changes only
    // when the runnable count or the tunables do, and every tick's slice test needs it.
    private ulong _period;

    /// <summary>An empty queue with the default tunables.</summary>
    public RunQueue()
        : this(DefaultTargetLatencyNs, DefaultMinGranularityNs, DefaultWakeupGranularityNs)
    {
    }

    /// <summary>
    /// An empty queue. A zero latency or minimum granularity is refused as by
    /// <see cref="Configure"/>: the queue keeps the default tunables.
    /// </summary>
    public RunQueue(ulong targetLatencyNs = DefaultTargetLatencyNs, ulong minGranularityNs = DefaultMinGranularityNs, ulong wakeupGranularityNs = DefaultWakeupGranularityNs)
    {
        this = default;
        Configure(targetLatencyNs, minGranularityNs, wakeupGranularityNs);
    }

    /// <summary>Entities in the tree, waiting to run (the current one is not counted).</summary>
    public readonly int Count => _tree.Count;

    /// <summary>How many entities the storage given by <see cref="SetStorage"/> can hold queued (0 before).</summary>
    public readonly int Capacity => _tree.Capacity;

    /// <summary>The entity running, or null when the CPU is idle.</summary>
    public readonly SchedEntity* Current => _current;

    /// <summary>
    /// The floor of virtual runtime: the smallest virtual runtime among the current and queued
    /// entities as of the last <see cref="Tick"/>, <see cref="PickNext"/> or <see cref="Remove"/>,
    /// never decreasing (an <see cref="Add"/> below it leaves it). New and woken entities are
    /// placed against it.
    /// </summary>
    /// <remarks>
    /// Computed when read, not on every tick. While an entity runs, only an Add can lower
    /// min(current, leftmost) (a tick raises the current one's virtual runtime, a switch keeps
    /// the same runnable set, removing a queued entity leaves larger ones), so
    /// max(the stored floor, min(current, leftmost)) is what moving the floor after every Tick,
    /// PickNext and Remove would have given, provided that Add stores it before inserting and
    /// PickNext stores it before the current entity leaves. While the CPU is idle the stored
    /// floor is the floor (entities added then do not move it until one is picked), and Remove
    /// moves it as it always did.
    /// </remarks>
    public readonly ulong MinVirtualRuntime
    {
        get
        {
            ulong floor = _floor;
            SchedEntity* current = _current;
            if (current == null)
            {
                return floor;
            }

            ulong least = current->VirtualRuntime;
            if (_tree.Count != 0 && _tree.LeftmostKey < least)
            {
                least = _tree.LeftmostKey;
            }

            return least > floor ? least : floor;
        }
    }

    /// <summary>Sum of the weights of the queued entities and the current one.</summary>
    public readonly ulong TotalWeight => _totalWeight;

    /// <summary>Runnable entities: queued plus the current one.</summary>
    public readonly int RunnableCount
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _tree.Count + (_current != null ? 1 : 0);
    }

    /// <summary>See <see cref="DefaultTargetLatencyNs"/>.</summary>
    public readonly ulong TargetLatencyNs
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _targetLatencyXor ^ DefaultTargetLatencyNs;
    }

    /// <summary>See <see cref="DefaultMinGranularityNs"/>.</summary>
    public readonly ulong MinGranularityNs
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _minGranularityXor ^ DefaultMinGranularityNs;
    }

    /// <summary>See <see cref="DefaultWakeupGranularityNs"/>.</summary>
    public readonly ulong WakeupGranularityNs
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _wakeupGranularityXor ^ DefaultWakeupGranularityNs;
    }

    /// <summary>
    /// Changes the tunables; they apply from the next <see cref="Tick"/> or <see cref="Add"/>.
    /// InvalidArgument (nothing changed) for a zero latency or minimum granularity.
    /// </summary>
    public SchedError Configure(ulong targetLatencyNs, ulong minGranularityNs, ulong wakeupGranularityNs)
    {
        if (targetLatencyNs == 0 || minGranularityNs == 0)
        {
            return SchedError.InvalidArgument;
        }

        _targetLatencyXor = targetLatencyNs ^ DefaultTargetLatencyNs;
        _minGranularityXor = minGranularityNs ^ DefaultMinGranularityNs;
        _wakeupGranularityXor = wakeupGranularityNs ^ DefaultWakeupGranularityNs;
        _period = 0;
        return SchedError.None;
    }

    /// <summary>Bytes of storage for <paramref name="capacity"/> queued entities: one
    /// <see cref="RunQueueSlot"/> for each leaf of the tournament tree, the least power of two at or
    /// above the capacity, at least 2 (0 for a capacity of 0 or less, or above 2^29).</summary>
    public static nuint StorageBytes(int capacity) =>
        capacity > 0 && capacity <= MaxCapacity ? (nuint)EntityTournament.LeavesFor(capacity) * (nuint)sizeof(RunQueueSlot) : 0;

    /// <summary>The largest capacity <see cref="SetStorage"/> takes (2^29 entities).</summary>
    public const int MaxCapacity = 1 << 29;

    /// <summary>
    /// Gives the queue room for <paramref name="capacity"/> queued entities at
    /// <paramref name="slots"/> (<see cref="StorageBytes"/>(capacity) bytes, owned by the caller,
    /// not overlapping the present storage, kept until it is replaced), moving the queued entities
    /// there; <paramref name="previous"/> is the storage given before (null at first), now unused,
    /// for the caller to free. To grow, allocate (doubling, say) and call this; an allocation that
    /// failed is the caller's error to report, and the queue goes on with the room it had.
    /// Errors: InvalidArgument (nothing changed, previous null) when capacity is below
    /// <see cref="Count"/> or slots is null with a nonzero capacity, or capacity is negative or above <see cref="MaxCapacity"/>.
    /// </summary>
    public SchedError SetStorage(RunQueueSlot* slots, int capacity, out RunQueueSlot* previous)
    {
        return _tree.MoveTo(slots, capacity, out previous) ? SchedError.None : SchedError.InvalidArgument;
    }

    /// <summary>
    /// Makes <paramref name="e"/> runnable. A new entity (<paramref name="waking"/> false) is
    /// placed at max(its virtual runtime, MinVirtualRuntime): it neither starves the others with
    /// a small value nor is starved by a large one. A woken entity is placed at
    /// max(its virtual runtime, MinVirtualRuntime - TargetLatency / 2): a sleeper gets at most half
    /// a period of credit, however long it slept.
    /// Errors: InvalidArgument (null, weight 0, or the id ulong.MaxValue, which the queue keeps for
    /// its empty places), AlreadyQueued, IsCurrent, QueueFull (the
    /// storage holds <see cref="Capacity"/> entities already: <see cref="SetStorage"/>).
    /// </summary>
    public SchedError Add(SchedEntity* e, bool waking)
    {
        if (e == null || e->Weight == 0 || e->Id == EntityTournament.ReservedId)
        {
            return SchedError.InvalidArgument;
        }

        if (e->State == EntityState.Queued)
        {
            return SchedError.AlreadyQueued;
        }

        if (e->State == EntityState.Current)
        {
            return SchedError.IsCurrent;
        }

        if (_tree.Count == _tree.Capacity)
        {
            return SchedError.QueueFull;
        }

        // Stored before the insert, which may lower min(current, leftmost) (MinVirtualRuntime).
        ulong floor = MinVirtualRuntime;
        _floor = floor;
        if (waking)
        {
            ulong credit = TargetLatencyNs / 2;
            floor = floor > credit ? floor - credit : 0;
        }

        if (e->VirtualRuntime < floor)
        {
            e->VirtualRuntime = floor;
        }

        e->State = EntityState.Queued;
        _tree.Insert(e);
        _totalWeight += e->Weight;
        _period = 0;
        return SchedError.None;
    }

    /// <summary>
    /// Takes a queued entity out (it blocks or exits while not running). Errors: InvalidArgument
    /// (null), IsCurrent (the running entity leaves through <c>PickNext(false)</c>), NotQueued.
    /// </summary>
    public SchedError Remove(SchedEntity* e)
    {
        if (e == null)
        {
            return SchedError.InvalidArgument;
        }

        if (e->State == EntityState.Current)
        {
            return SchedError.IsCurrent;
        }

        if (e->State != EntityState.Queued)
        {
            return SchedError.NotQueued;
        }

        _tree.Remove(e);
        e->State = EntityState.Idle;
        _totalWeight -= e->Weight;
        _period = 0;
        if (_current == null && _tree.Count != 0 && _tree.LeftmostKey > _floor)
        {
            // Idle: the stored floor is the floor (MinVirtualRuntime), moved here as by a pick.
            _floor = _tree.LeftmostKey;
        }

        return SchedError.None;
    }

    /// <summary>
    /// Charges the current entity <paramref name="deltaNs"/> of real time (its total, its runtime
    /// since picked, and its virtual runtime by deltaNs * 1024 / weight), which moves
    /// MinVirtualRuntime up. Returns true when the current entity should be preempted: it has
    /// run its slice since it was picked, or the next queued entity's virtual runtime is more than
    /// WakeupGranularity below its own. False when idle or when nothing else is runnable.
    /// The slice is period * weight / TotalWeight, at least MinGranularity, where
    /// period = max(TargetLatency, runnable count * MinGranularity).
    /// </summary>
    public bool Tick(ulong deltaNs)
    {
        SchedEntity* current = _current;
        if (current == null)
        {
            return false;
        }

        current->TotalRuntimeNs += deltaNs;
        ulong ran = current->SincePickedNs + deltaNs;
        current->SincePickedNs = ran;
        ulong runtime = SaturatingAdd(current->VirtualRuntime, VirtualDelta(deltaNs, current->Weight));
        current->VirtualRuntime = runtime;

        if (_tree.Count == 0)
        {
            return false;
        }

        // ahead > granularity with ahead = runtime - next's, only when runtime is the larger:
        // evaluated together (no short circuit), one branch. The next one's virtual runtime is
        // read from its leaf, not from the entity.
        ulong nextRuntime = _tree.LeftmostKey;
        if ((runtime > nextRuntime) & (runtime - nextRuntime > WakeupGranularityNs))
        {
            return true;
        }

        return SliceUsed(ran, current->Weight);
    }

    /// <summary>
    /// The switch decision. The current entity, if any, goes back into the tree when
    /// <paramref name="currentStillRunnable"/> (it was preempted or yielded), or else simply
    /// stops being current (it blocked or exited; the kernel keeps it until it wakes). Then the
    /// entity with the least virtual runtime leaves the tree, becomes current with its runtime
    /// since picked reset, and is returned — possibly the same one. Null when nothing is
    /// runnable: the CPU idles.
    /// </summary>
    public SchedEntity* PickNext(bool currentStillRunnable)
    {
        SchedEntity* previous = _current;
        if (previous == null || !currentStillRunnable)
        {
            return PickAfterBlockOrIdle(previous);
        }

        // A switch: the runnable set stays the same, so the floor needs no update (MinVirtualRuntime).
        if (_tree.Count == 0 || EntityTournament.Precedes(previous->VirtualRuntime, previous->Id, _tree.LeftmostKey, _tree.LeftmostId))
        {
            // It would go into the tree as the new leftmost and come straight out again.
            previous->SincePickedNs = 0;
            return previous;
        }

        previous->State = EntityState.Queued;
        SchedEntity* next = _tree.ReplaceLeftmost(previous);
        next->State = EntityState.Current;
        next->SincePickedNs = 0;
        _current = next;
        return next;
    }

    /// <summary>The entity PickNext would choose if the current one blocked now, or null. It stays queued.</summary>
    public readonly SchedEntity* PeekNext() => _tree.Leftmost;

    /// <summary>
    /// Whether <paramref name="woken"/> (just added) should preempt the current entity right
    /// away instead of at the next tick: its virtual runtime is more than WakeupGranularity below
    /// the current one's. False when idle (just pick) or when woken is null.
    /// </summary>
    public readonly bool ShouldPreemptFor(SchedEntity* woken)
    {
        SchedEntity* current = _current;
        if (current == null || woken == null || woken == current)
        {
            return false;
        }

        return current->VirtualRuntime > woken->VirtualRuntime
            && current->VirtualRuntime - woken->VirtualRuntime > WakeupGranularityNs;
    }

    /// <summary>
    /// Sets the entity's weight from <paramref name="nice"/> (clamped), keeping TotalWeight right
    /// when it is queued or current. Its virtual runtime and place in the tree do not change: the
    /// new weight governs how fast it accrues from now on.
    /// </summary>
    public void SetNice(SchedEntity* e, int nice)
    {
        if (e == null)
        {
            return;
        }

        uint weight = NiceWeights.Weight(nice);
        if (e->State != EntityState.Idle)
        {
            _totalWeight = _totalWeight - e->Weight + weight;
        }

        e->Weight = weight;
    }

    /// <summary>
    /// The current entity's slice for the present load: period * weight / TotalWeight, at least
    /// MinGranularity, where period = max(TargetLatency, runnable count * MinGranularity).
    /// </summary>
    public readonly ulong Slice(uint weight)
    {
        ulong period = Period((ulong)RunnableCount);
        ulong slice = _totalWeight != 0 ? MulDiv(period, weight, _totalWeight) : period;
        return slice > MinGranularityNs ? slice : MinGranularityNs;
    }

    /// <summary>
    /// Walks the tournament tree and checks its matches, its keys against the entities' virtual runtimes,
    /// the entities' recorded places, the count within the capacity, TotalWeight and the
    /// current entity's state. For tests and kernel self-checks.
    /// </summary>
    public readonly bool Validate()
    {
        if (!_tree.Validate(out ulong weight))
        {
            return false;
        }

        if (_current != null)
        {
            if (_current->State != EntityState.Current || _current->Weight == 0)
            {
                return false;
            }

            weight += _current->Weight;
        }

        return weight == _totalWeight;
    }

    /// <summary>
    /// deltaNs * 1024 / weight without 128-bit arithmetic: exact while the result fits in 64 bits
    /// (any delta below 2^54 ns, about 208 days, at any weight; longer ones at larger weights),
    /// saturating beyond.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong VirtualDelta(ulong deltaNs, uint weight)
    {
        if (weight == NiceWeights.NiceZeroWeight)
        {
            return deltaNs;
        }

        // One branch for the common case (a tick's delta, a real weight); weight 0 goes the slow way.
        if ((deltaNs <= (ulong.MaxValue >> 10)) & (weight != 0))
        {
            return (deltaNs << 10) / weight;
        }

        return VirtualDeltaSlow(deltaNs, weight);
    }

    // VirtualDelta beyond 2^54 ns (or for weight 0): kept out of line, the tick inlines the rest.
    private static ulong VirtualDeltaSlow(ulong deltaNs, uint weight)
    {
        if (weight == 0)
        {
            return ulong.MaxValue;
        }

        // delta = q * weight + r, so delta * 1024 / weight = q * 1024 + r * 1024 / weight exactly
        // (r * 1024 < 2^42 cannot overflow).
        ulong quotient = deltaNs / weight;
        ulong remainder = deltaNs % weight;
        if (quotient > (ulong.MaxValue >> 10))
        {
            return ulong.MaxValue;
        }

        return SaturatingAdd(quotient << 10, (remainder << 10) / weight);
    }

    // PickNext when the current entity blocked or exited (previous, or null when the CPU was
    // idle): it leaves the runnable set, the leftmost (if any) becomes current.
    private SchedEntity* PickAfterBlockOrIdle(SchedEntity* previous)
    {
        if (previous != null)
        {
            // Before the current entity leaves: it may have been the minimum (MinVirtualRuntime).
            _floor = MinVirtualRuntime;
            _current = null;
            previous->State = EntityState.Idle;
            _totalWeight -= previous->Weight;
            _period = 0;
        }

        SchedEntity* next = _tree.Leftmost;
        if (next != null)
        {
            _tree.Remove(next);
            next->State = EntityState.Current;
            next->SincePickedNs = 0;
            _current = next;
        }

        return next;
    }

    // ran >= Slice(weight), the tick's question, without the division Slice needs: with
    // P = period * weight and T = TotalWeight, ran >= floor(P / T) exactly when (ran + 1) * T > P,
    // and with all three below 2^32 (periods and runs under 4.29 s) neither product overflows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SliceUsed(ulong ran, uint weight)
    {
        if (ran < MinGranularityNs)
        {
            return false;
        }

        ulong period = _period;
        if (period == 0)
        {
            period = Period((ulong)RunnableCount);
            _period = period;
        }

        ulong total = _totalWeight;
        if ((period | ran | total) <= uint.MaxValue)
        {
            return (ran + 1) * total > period * weight;
        }

        return ran >= Slice(weight);
    }

    // max(TargetLatency, runnable * MinGranularity); runnable is below 2^32, so the product of
    // two 32-bit values cannot overflow and needs no division to check.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ulong Period(ulong runnable)
    {
        ulong minimum = MinGranularityNs;
        ulong latency = TargetLatencyNs;
        ulong stretched;
        if (minimum <= uint.MaxValue && runnable <= uint.MaxValue)
        {
            stretched = runnable * minimum;
        }
        else
        {
            stretched = runnable > ulong.MaxValue / minimum ? ulong.MaxValue : runnable * minimum;
        }

        return stretched > latency ? stretched : latency;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SaturatingAdd(ulong a, ulong b)
    {
        ulong sum = a + b;
        return sum < a ? ulong.MaxValue : sum;
    }

    // a * b / c for b <= c (a share of a) without 128-bit arithmetic: exact when a * b fits
    // (always, for nice weights and periods below 2^47 ns), else split a = q * c + r so the
    // result is q * b + r * b / c, with r and c halved together until r * b fits (approximate,
    // but only reachable with weights set far beyond NiceWeights.MaxWeight).
    private static ulong MulDiv(ulong a, ulong b, ulong c)
    {
        if (b == 0 || a <= ulong.MaxValue / b)
        {
            return a * b / c;
        }

        ulong quotient = a / c;
        ulong remainder = a % c;
        while (remainder > ulong.MaxValue / b)
        {
            remainder >>= 1;
            c >>= 1;
        }

        return (quotient * b) + (remainder * b / c);
    }
}
