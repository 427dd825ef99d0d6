using System;
using System.Diagnostics;

namespace Aurora.Sched.Benchmarks;

/// <summary>
/// Tick + pick timed in short interleaved bursts, for a shared, loaded machine where
/// BenchmarkDotNet's consecutive iterations land in different load: each round runs every
/// method for one burst (20,000 operations, a fraction of a millisecond, mostly inside one
/// scheduler time slice) in turn, and each method's best burst and median burst are reported
/// with their ratio to the baseline's. The best burst is the one least disturbed by others.
///   dotnet run -c Release --project components/sched/bench -- --interleaved [ROUNDS]
/// </summary>
public static class Interleaved
{
    private const int Burst = 20_000;

    public static void Run(int rounds)
    {
        Console.WriteLine($"tick + pick, {rounds} rounds of {Burst}-operation bursts, interleaved; ns per operation");
        Console.WriteLine("| runnable | PriorityQueue Enqueue+Dequeue best | median | EnqueueDequeue best | median | RunQueue best | median | RunQueue / Enqueue+Dequeue, best | median |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int n in new[] { 8, 64, 256, 1024 })
        {
            var b = new TickAndPickBenchmarks { Runnable = n };
            b.Setup();
            Func<long>[] methods =
            [
                () => { long s = 0; for (int i = 0; i < Burst; i++) s += b.HeapEnqueueThenDequeue(); return s; },
                () => { long s = 0; for (int i = 0; i < Burst; i++) s += b.HeapEnqueueDequeue(); return s; },
                () => { long s = 0; for (int i = 0; i < Burst; i++) s += (long)b.AuroraRunQueue(); return s; },
            ];
            var times = new double[methods.Length][];
            for (int m = 0; m < methods.Length; m++)
            {
                times[m] = new double[rounds];
                methods[m](); // JIT and warm
            }

            long sink = 0;
            for (int r = 0; r < rounds; r++)
            {
                for (int m = 0; m < methods.Length; m++)
                {
                    long start = Stopwatch.GetTimestamp();
                    sink += methods[m]();
                    times[m][r] = (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / Burst;
                }
            }

            b.Cleanup();
            var best = new double[methods.Length];
            var median = new double[methods.Length];
            for (int m = 0; m < methods.Length; m++)
            {
                Array.Sort(times[m]);
                best[m] = times[m][0];
                median[m] = times[m][rounds / 2];
            }

            Console.WriteLine($"| {n} | {best[0]:F1} | {median[0]:F1} | {best[1]:F1} | {median[1]:F1} | {best[2]:F1} | {median[2]:F1} | {best[2] / best[0]:F2} | {median[2] / median[0]:F2} |" + (sink == 42 ? " " : ""));
        }
    }
}
