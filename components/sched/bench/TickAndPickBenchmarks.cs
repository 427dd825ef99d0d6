using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Aurora.Sched.Benchmarks;

/// <summary>
/// The scheduler's steady state: N runnable entities of mixed nice values; each operation is one
/// timer tick charged to the current entity followed by a switch (the current one goes back
/// into the queue and the least virtual runtime comes out). The peer, <see cref="HeapCfs"/>, does
/// the same CFS tick (accounting, floor, preemption decision) on the BCL's 4-ary heap,
/// <see cref="PriorityQueue{TElement, TPriority}"/> keyed by virtual runtime, and switches with
/// Enqueue + Dequeue (and, as a second peer, the fused EnqueueDequeue, the cheapest a heap
/// can do). A second category: a queued entity that is not running blocks and wakes again
/// (removed from the middle of the queue and re-added), where the heap has to search for the
/// element.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public unsafe class TickAndPickBenchmarks
{
    private const ulong TickNs = 1_000_000;

    private RunQueue _queue;
    private SchedEntity* _entities;
    private RunQueueSlot* _slots;

    private HeapCfs _peer = null!;
    private int _victim;

    [Params(8, 64, 256, 1024)]
    public int Runnable { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _queue = new RunQueue();
        _entities = (SchedEntity*)NativeMemory.AllocZeroed((nuint)Runnable, (nuint)sizeof(SchedEntity));
        _slots = (RunQueueSlot*)NativeMemory.AlignedAlloc(RunQueue.StorageBytes(Runnable), 64);
        _queue.SetStorage(_slots, Runnable, out _);
        var weights = new uint[Runnable];
        for (int i = 0; i < Runnable; i++)
        {
            int nice = random.Next(-5, 6);
            _entities[i].Initialize((ulong)i, nice);
            if (_queue.Add(_entities + i, waking: false) != SchedError.None)
            {
                throw new InvalidOperationException("add failed");
            }

            weights[i] = NiceWeights.Weight(nice);
        }

        _peer = new HeapCfs(weights);
        _queue.PickNext(false);

        // Warm both into a steady state where virtual runtimes are spread as they are in use.
        for (int i = 0; i < Runnable * 20; i++)
        {
            AuroraRunQueue();
            HeapEnqueueThenDequeue();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.Free(_entities);
        NativeMemory.AlignedFree(_slots);
    }

    [Benchmark(Baseline = true, Description = "PriorityQueue Enqueue+Dequeue")]
    [BenchmarkCategory("tick + pick")]
    public int HeapEnqueueThenDequeue()
    {
        bool preempt = _peer.Tick(TickNs);
        return _peer.PickNext() + (preempt ? 1 : 0);
    }

    [Benchmark(Description = "PriorityQueue EnqueueDequeue")]
    [BenchmarkCategory("tick + pick")]
    public int HeapEnqueueDequeue()
    {
        bool preempt = _peer.Tick(TickNs);
        return _peer.PickNextFused() + (preempt ? 1 : 0);
    }

    [Benchmark(Description = "Aurora.Sched RunQueue")]
    [BenchmarkCategory("tick + pick")]
    public ulong AuroraRunQueue()
    {
        bool preempt = _queue.Tick(TickNs);
        return _queue.PickNext(true)->Id + (preempt ? 1UL : 0);
    }

    [Benchmark(Baseline = true, Description = "PriorityQueue Remove+Enqueue")]
    [BenchmarkCategory("block + wake")]
    public ulong HeapBlockAndWake() => _peer.BlockAndWake(NextVictim(_peer.Current));

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
