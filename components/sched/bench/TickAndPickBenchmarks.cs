using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Aurora.Sched.Benchmarks;

/// <summary>
/// The scheduler's steady state: N runnable entities of mixed nice values; each operation is one
/// timer tick charged to the current entity followed by a switch (the current one goes back
/// into the queue and the least virtual runtime comes out). The peer is the BCL's binary heap,
/// <see cref="PriorityQueue{TElement, TPriority}"/>, keyed by virtual runtime, doing the same
/// accounting and the equivalent enqueue + dequeue (and, as a second peer, its fused
/// EnqueueDequeue, the cheapest a binary heap can do). A second category is what the tree is
/// for: a queued entity that is not running blocks and wakes again (removed from the middle of
/// the queue and re-added), where the heap has to search for the element.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public unsafe class TickAndPickBenchmarks
{
    private const ulong TickNs = 1_000_000;

    private RunQueue _queue;
    private SchedEntity* _entities;

    private PriorityQueue<int, ulong> _heap = null!;
    private ulong[] _vruntime = null!;
    private uint[] _weight = null!;
    private int _heapCurrent;
    private int _victim;

    [Params(8, 64, 256, 1024)]
    public int Runnable { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _queue = new RunQueue();
        _entities = (SchedEntity*)NativeMemory.AllocZeroed((nuint)Runnable, (nuint)sizeof(SchedEntity));
        _heap = new PriorityQueue<int, ulong>(Runnable);
        _vruntime = new ulong[Runnable];
        _weight = new uint[Runnable];
        for (int i = 0; i < Runnable; i++)
        {
            int nice = random.Next(-5, 6);
            _entities[i].Initialize((ulong)i, nice);
            if (_queue.Add(_entities + i, waking: false) != SchedError.None)
            {
                throw new InvalidOperationException("add failed");
            }

            _weight[i] = NiceWeights.Weight(nice);
            _heap.Enqueue(i, 0);
        }

        _queue.PickNext(false);
        _heapCurrent = _heap.Dequeue();

        // Warm both into a steady state where virtual runtimes are spread as they are in use.
        for (int i = 0; i < Runnable * 20; i++)
        {
            AuroraRunQueue();
            HeapEnqueueThenDequeue();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.Free(_entities);

    [Benchmark(Baseline = true, Description = "PriorityQueue Enqueue+Dequeue")]
    [BenchmarkCategory("tick + pick")]
    public int HeapEnqueueThenDequeue()
    {
        int current = _heapCurrent;
        _vruntime[current] += RunQueue.VirtualDelta(TickNs, _weight[current]);
        _heap.Enqueue(current, _vruntime[current]);
        _heapCurrent = _heap.Dequeue();
        return _heapCurrent;
    }

    [Benchmark(Description = "PriorityQueue EnqueueDequeue")]
    [BenchmarkCategory("tick + pick")]
    public int HeapEnqueueDequeue()
    {
        int current = _heapCurrent;
        _vruntime[current] += RunQueue.VirtualDelta(TickNs, _weight[current]);
        _heapCurrent = _heap.EnqueueDequeue(current, _vruntime[current]);
        return _heapCurrent;
    }

    [Benchmark(Description = "Aurora.Sched RunQueue")]
    [BenchmarkCategory("tick + pick")]
    public ulong AuroraRunQueue()
    {
        _queue.Tick(TickNs);
        return _queue.PickNext(true)->Id;
    }

    [Benchmark(Baseline = true, Description = "PriorityQueue Remove+Enqueue")]
    [BenchmarkCategory("block + wake")]
    public ulong HeapBlockAndWake()
    {
        int victim = NextVictim(_heapCurrent);
        _heap.Remove(victim, out _, out ulong vruntime);
        _heap.Enqueue(victim, vruntime);
        return vruntime;
    }

    [Benchmark(Description = "Aurora.Sched RunQueue")]
    [BenchmarkCategory("block + wake")]
    public ulong AuroraBlockAndWake()
    {
        SchedEntity* victim = _entities + NextVictim((int)_queue.Current->Id);
        _queue.Remove(victim);
        _queue.Add(victim, waking: true);
        return victim->VirtualRuntime;
    }

    // Walks the entities in a scattered order (a stride coprime to the count), skipping the running one.
    private int NextVictim(int running)
    {
        int victim = (_victim + 7) % Runnable;
        if (victim == running)
        {
            victim = (victim + 7) % Runnable;
        }

        _victim = victim;
        return victim;
    }
}
