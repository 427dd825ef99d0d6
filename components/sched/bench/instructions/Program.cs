using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Aurora.Sched;

// Usage: Aurora.Sched.InstructionCount (aurora|heap|aurora-block|heap-block) RUNNABLE ITERATIONS
// The same steady state and operation as TickAndPickBenchmarks: N entities of nices -5..5
// (seed 42), warmed 20 rounds per entity; one operation is a 1 ms tick charged to the current
// entity and a switch (Aurora: Tick + PickNext(true); the heap: the same virtual-time
// accounting, Enqueue + Dequeue). The -block kinds are TickAndPickBenchmarks' block + wake: a
// queued entity other than the current one (a scattered walk, stride 7) leaves the queue and
// comes back waking (the heap: Remove(element) + Enqueue). count.sh runs it with ITERATIONS and
// with 0 under valgrind and divides the difference.
namespace Aurora.Sched.InstructionCount;

internal static unsafe class Program
{
    private const ulong TickNs = 1_000_000;

    private static int Main(string[] args)
    {
        if (args.Length != 3 || (args[0] != "aurora" && args[0] != "heap" && args[0] != "aurora-block" && args[0] != "heap-block"))
        {
            Console.Error.WriteLine("usage: Aurora.Sched.InstructionCount (aurora|heap|aurora-block|heap-block) RUNNABLE ITERATIONS");
            return 2;
        }

        int runnable = int.Parse(args[1]);
        int iterations = int.Parse(args[2]);
        var random = new Random(42);
        var queue = new RunQueue();
        SchedEntity* entities = (SchedEntity*)NativeMemory.AllocZeroed((nuint)runnable, (nuint)sizeof(SchedEntity));
        var heap = new PriorityQueue<int, ulong>(runnable);
        var vruntime = new ulong[runnable];
        var weight = new uint[runnable];
        for (int i = 0; i < runnable; i++)
        {
            int nice = random.Next(-5, 6);
            entities[i].Initialize((ulong)i, nice);
            queue.Add(entities + i, waking: false);
            weight[i] = NiceWeights.Weight(nice);
            heap.Enqueue(i, 0);
        }

        queue.PickNext(false);
        int heapCurrent = heap.Dequeue();
        ulong sum = 0;
        for (int i = 0; i < runnable * 20; i++)
        {
            queue.Tick(TickNs);
            sum += queue.PickNext(true)->Id;
            vruntime[heapCurrent] += RunQueue.VirtualDelta(TickNs, weight[heapCurrent]);
            heap.Enqueue(heapCurrent, vruntime[heapCurrent]);
            heapCurrent = heap.Dequeue();
        }

        int victim = 0;
        if (args[0] == "aurora-block")
        {
            for (int i = 0; i < iterations; i++)
            {
                victim = NextVictim(victim, (int)queue.Current->Id, runnable);
                queue.Remove(entities + victim);
                queue.Add(entities + victim, waking: true);
                sum += entities[victim].VirtualRuntime;
            }
        }
        else if (args[0] == "heap-block")
        {
            for (int i = 0; i < iterations; i++)
            {
                victim = NextVictim(victim, heapCurrent, runnable);
                heap.Remove(victim, out _, out ulong key);
                heap.Enqueue(victim, key);
                sum += key;
            }
        }
        else if (args[0] == "aurora")
        {
            for (int i = 0; i < iterations; i++)
            {
                queue.Tick(TickNs);
                sum += queue.PickNext(true)->Id;
            }
        }
        else
        {
            for (int i = 0; i < iterations; i++)
            {
                int current = heapCurrent;
                vruntime[current] += RunQueue.VirtualDelta(TickNs, weight[current]);
                heap.Enqueue(current, vruntime[current]);
                heapCurrent = heap.Dequeue();
                sum += (ulong)heapCurrent;
            }
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
