using System;
using System.Collections.Generic;

namespace Aurora.Sched.Benchmarks;

/// <summary>
/// The peer for tick + pick: the same CFS tick and switch as <see cref="RunQueue.Tick"/> and
/// <c>RunQueue.PickNext(true)</c>, written plainly on the BCL's 4-ary heap,
/// <see cref="PriorityQueue{TElement, TPriority}"/> keyed by virtual runtime, the entity that
/// runs kept out of it (as Linux keeps <c>curr</c> out of its tree). A tick charges the real
/// time (total, since picked) and the virtual time (the same <see cref="RunQueue.VirtualDelta"/>),
/// moves the floor up as Linux's <c>update_curr</c> does, and decides preemption by the same two
/// rules (a queued entity more than the wakeup granularity behind, or the slice used up, with the
/// slice max(period * weight / total weight, min granularity) and period max(latency,
/// runnable * min granularity)); a switch puts the entity that ran back and takes the least out.
/// What it leaves out, in its favour: ties are broken by whatever the heap does (RunQueue orders
/// by id), virtual time does not saturate, the tunables are constants, and there is no state
/// bookkeeping (queued, current) or misuse checking.
/// </summary>
public sealed class HeapCfs
{
    private const ulong TargetLatencyNs = RunQueue.DefaultTargetLatencyNs;
    private const ulong MinGranularityNs = RunQueue.DefaultMinGranularityNs;
    private const ulong WakeupGranularityNs = RunQueue.DefaultWakeupGranularityNs;

    private readonly PriorityQueue<int, ulong> _heap;
    private readonly Entity[] _entities;
    private ulong _totalWeight;
    private ulong _minVruntime;
    private int _current;

    /// <summary>Entities 0..n-1 with these weights, all at virtual runtime 0; the first least one runs.</summary>
    public HeapCfs(uint[] weights)
    {
        int n = weights.Length;
        _heap = new PriorityQueue<int, ulong>(n);
        _entities = new Entity[n];
        for (int i = 0; i < n; i++)
        {
            _entities[i].Weight = weights[i];
            _totalWeight += weights[i];
            _heap.Enqueue(i, 0);
        }

        _current = _heap.Dequeue();
    }

    /// <summary>The entity running.</summary>
    public int Current => _current;

    /// <summary>The floor of virtual runtime, as the last tick left it.</summary>
    public ulong MinVirtualRuntime => _minVruntime;

    /// <summary>Charges the current entity <paramref name="deltaNs"/>; true when it should be preempted.</summary>
    public bool Tick(ulong deltaNs)
    {
        ref Entity e = ref _entities[_current];
        e.TotalRuntime += deltaNs;
        ulong ran = e.SincePicked += deltaNs;
        ulong v = e.Vruntime += RunQueue.VirtualDelta(deltaNs, e.Weight);
        if (!_heap.TryPeek(out _, out ulong next))
        {
            if (v > _minVruntime)
            {
                _minVruntime = v;
            }

            return false;
        }

        ulong floor = Math.Min(v, next);
        if (floor > _minVruntime)
        {
            _minVruntime = floor;
        }

        if (v > next && v - next > WakeupGranularityNs)
        {
            return true;
        }

        ulong period = Math.Max(TargetLatencyNs, (ulong)(_heap.Count + 1) * MinGranularityNs);
        ulong slice = Math.Max(period * e.Weight / _totalWeight, MinGranularityNs);
        return ran >= slice;
    }

    /// <summary>The switch: the entity that ran goes back, the least comes out (Enqueue, then Dequeue).</summary>
    public int PickNext()
    {
        _heap.Enqueue(_current, _entities[_current].Vruntime);
        int c = _heap.Dequeue();
        _entities[c].SincePicked = 0;
        _current = c;
        return c;
    }

    /// <summary>
    /// Block + wake of a queued entity that is not running: it leaves the heap (a search: the
    /// heap has no handle on its elements) and comes back waking, placed at no more than half a
    /// latency below the floor, the total weight following both. Returns its virtual runtime.
    /// </summary>
    public ulong BlockAndWake(int victim)
    {
        ref Entity e = ref _entities[victim];
        _heap.Remove(victim, out _, out ulong v);
        _totalWeight -= e.Weight;
        ulong floor = _minVruntime > TargetLatencyNs / 2 ? _minVruntime - (TargetLatencyNs / 2) : 0;
        if (v < floor)
        {
            v = floor;
        }

        e.Vruntime = v;
        _heap.Enqueue(victim, v);
        _totalWeight += e.Weight;
        return v;
    }

    /// <summary>The switch through the heap's fused EnqueueDequeue (the cheapest a binary heap offers).</summary>
    public int PickNextFused()
    {
        int c = _heap.EnqueueDequeue(_current, _entities[_current].Vruntime);
        _entities[c].SincePicked = 0;
        _current = c;
        return c;
    }

    private struct Entity
    {
        public ulong Vruntime;
        public ulong TotalRuntime;
        public ulong SincePicked;
        public uint Weight;
    }
}
