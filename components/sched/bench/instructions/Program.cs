using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Aurora.Sched;
using Aurora.Sched.Benchmarks;

// Usage: Aurora.Sched.InstructionCount (aurora|heap|heap-fused|heap-bare|aurora-block|heap-block) RUNNABLE ITERATIONS
// The same steady state and operation as TickAndPickBenchmarks: N entities of nices -5..5
// (seed 42), warmed 20 rounds per entity; one operation is a 1 ms tick charged to the current
// entity and a switch (Aurora: Tick + PickNext(true); the peer, HeapCfs on the BCL's
// PriorityQueue: the same CFS tick (accounting, floor, preemption decision) and Enqueue +
// Dequeue, or its fused EnqueueDequeue for heap-fused; heap-bare is the loop this program
// compared with until 0.2.x: only the virtual time charged, then Enqueue + Dequeue, no tick
// accounting, floor or preemption decision). The preemption decisions go into the
// checksum, so neither side's can be left out by the compiler. The -block kinds are
// TickAndPickBenchmarks' block + wake: a queued entity other than the current one (a scattered
// walk, stride 7) leaves the queue and comes back waking (the peer: Remove(element) + Enqueue).
// count.sh runs it with ITERATIONS and with 0 under valgrind and divides the difference.
namespace Aurora.Sched.InstructionCount;

internal static unsafe class Program
{
    private const ulong TickNs = 1_000_000;

    private static int Main(string[] args)
    {
        string[] kinds = ["aurora", "heap", "heap-fused", "heap-bare", "aurora-block", "heap-block"];
        if (args.Length != 3 || Array.IndexOf(kinds, args[0]) < 0)
        {
            Console.Error.WriteLine("usage: Aurora.Sched.InstructionCount (aurora|heap|heap-fused|heap-bare|aurora-block|heap-block) RUNNABLE ITERATIONS");
            return 2;
        }

        int runnable = int.Parse(args[1]);
        int iterations = int.Parse(args[2]);
        var random = new Random(42);
        var queue = new RunQueue();
        SchedEntity* entities = (SchedEntity*)NativeMemory.AllocZeroed((nuint)runnable, (nuint)sizeof(SchedEntity));
        queue.SetStorage((RunQueueSlot*)NativeMemory.AlignedAlloc(RunQueue.StorageBytes(runnable), 64), runnable, out _);
        var weights = new uint[runnable];
        for (int i = 0; i < runnable; i++)
        {
            int nice = random.Next(-5, 6);
            entities[i].Initialize((ulong)i, nice);
            queue.Add(entities + i, waking: false);
            weights[i] = NiceWeights.Weight(nice);
        }

        var peer = new HeapCfs(weights);
        var bare = new PriorityQueue<int, ulong>(runnable);
        var bareRuntime = new ulong[runnable];
        for (int i = 0; i < runnable; i++)
        {
            bare.Enqueue(i, 0);
        }

        int bareCurrent = bare.Dequeue();
        queue.PickNext(false);
        ulong sum = 0;
        for (int i = 0; i < runnable * 20; i++)
        {
            sum += queue.Tick(TickNs) ? 1UL : 0;
            sum += queue.PickNext(true)->Id;
            sum += peer.Tick(TickNs) ? 1UL : 0;
            sum += (ulong)peer.PickNext();
            bareRuntime[bareCurrent] += RunQueue.VirtualDelta(TickNs, weights[bareCurrent]);
            bare.Enqueue(bareCurrent, bareRuntime[bareCurrent]);
            bareCurrent = bare.Dequeue();
        }

        int victim = 0;
        switch (args[0])
        {
            case "aurora":
                for (int i = 0; i < iterations; i++)
                {
                    sum += queue.Tick(TickNs) ? 1UL : 0;
                    sum += queue.PickNext(true)->Id;
                }

                break;
            case "heap":
                for (int i = 0; i < iterations; i++)
                {
                    sum += peer.Tick(TickNs) ? 1UL : 0;
                    sum += (ulong)peer.PickNext();
                }

                break;
            case "heap-fused":
                for (int i = 0; i < iterations; i++)
                {
                    sum += peer.Tick(TickNs) ? 1UL : 0;
                    sum += (ulong)peer.PickNextFused();
                }

                break;
            case "heap-bare":
                for (int i = 0; i < iterations; i++)
                {
                    int current = bareCurrent;
                    bareRuntime[current] += RunQueue.VirtualDelta(TickNs, weights[current]);
                    bare.Enqueue(current, bareRuntime[current]);
                    bareCurrent = bare.Dequeue();
                    sum += (ulong)bareCurrent;
                }

                break;
            case "aurora-block":
                for (int i = 0; i < iterations; i++)
                {
                    victim = NextVictim(victim, (int)queue.Current->Id, runnable);
                    queue.Remove(entities + victim);
                    queue.Add(entities + victim, waking: true);
                    sum += entities[victim].VirtualRuntime;
                }

                break;
            default:
                for (int i = 0; i < iterations; i++)
                {
                    victim = NextVictim(victim, peer.Current, runnable);
                    sum += peer.BlockAndWake(victim);
                }

                break;
        }

        Console.WriteLine(queue.Validate() ? $"checksum {sum}" : "run queue invalid");
        return queue.Validate() ? 0 : 1;
    }
    // As TickAndPickBenchmarks.NextVictim: the entities in a scattered order, not the running one.
    private static int NextVictim(int previous, int running, int runnable)
    {
        int victim = (previous + 7) % runnable;
        return victim == running ? (victim + 7) % runnable : victim;
    }
}
