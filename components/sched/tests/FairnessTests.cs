using System;
using Xunit;
using static Aurora.Sched.Tests.SchedHarness;

namespace Aurora.Sched.Tests;

/// <summary>
/// Whole-system properties, simulated the way the kernel drives the queue: a 1000 Hz timer
/// charges the current entity 1 ms per tick and switches when Tick says so.
/// </summary>
public unsafe class FairnessTests
{
    [Fact]
    public void CpuShareFollowsWeightShareForRandomNices()
    {
        int seed = TestSeed.Get();
        var random = new Random(seed);
        for (int round = 0; round < 6; round++)
        {
            int count = random.Next(2, 13);
            int[] nices = new int[count];
            for (int i = 0; i < count; i++)
            {
                nices[i] = random.Next(NiceWeights.MinNice, NiceWeights.MaxNice + 1);
            }

            using var h = new SchedHarness(count);
            h.AddAll(count, nices);
            h.Queue.PickNext(false);
            ulong floor = 0;
            const int Seconds = 300;
            for (int t = 0; t < Seconds * 1000; t++)
            {
                if (h.Queue.Tick(Ms))
                {
                    h.Queue.PickNext(true);
                }

                if (h.Queue.MinVirtualRuntime < floor || (t % 10_000 == 0 && !h.Queue.Validate()))
                {
                    Assert.Fail($"seed={seed} round={round} tick={t}: floor went down or Validate failed");
                }

                floor = h.Queue.MinVirtualRuntime;
            }

            double totalWeight = h.Queue.TotalWeight;
            for (int i = 0; i < count; i++)
            {
                double share = h[i]->TotalRuntimeNs / (Seconds * 1e9);
                double expected = h[i]->Weight / totalWeight;
                // 3 % of the fair share, or 0.1 % of the processor for tiny shares (a nice-19
                // entity next to a nice -20 one is owed 0.02 %, and runs whole 1 ms ticks).
                double tolerance = Math.Max(0.03 * expected, 0.001);
                Assert.True(Math.Abs(share - expected) <= tolerance,
                    $"seed={seed} round={round}: entity {i} (nice {nices[i]}) got {share:P3}, owed {expected:P3} (nices {string.Join(",", nices)})");
            }
        }
    }

    [Fact]
    public void NiceMinus5GetsAbout1Point25ToThe10thTimesNicePlus5()
    {
        using var h = new SchedHarness(2);
        h.AddAll(2, -5, 5);
        h.Run(100_000);
        double ratio = (double)h[0]->TotalRuntimeNs / h[1]->TotalRuntimeNs;
        double expected = Math.Pow(1.25, 10); // 9.31
        Assert.InRange(ratio, expected * 0.98, expected * 1.02);
        Assert.Equal(100_000 * Ms, h[0]->TotalRuntimeNs + h[1]->TotalRuntimeNs);
    }

    [Fact]
    public void EqualNicesAlternateWithinTheTargetLatency()
    {
        using var h = new SchedHarness(3);
        h.AddAll(3);
        h.Run(1000);
        // From here on, every entity runs at least once in every window of one period (6 ms)
        // plus a tick of rounding.
        var lastRan = new int[3];
        for (int t = 0; t < 10_000; t++)
        {
            int running = h.IndexOf(h.Queue.Current);
            lastRan[running] = t;
            for (int i = 0; i < 3; i++)
            {
                Assert.True(t - lastRan[i] <= 7, $"entity {i} waited {t - lastRan[i]} ms");
            }

            if (h.Queue.Tick(Ms))
            {
                h.Queue.PickNext(true);
            }
        }
    }

    [Fact]
    public void LongSleeperGetsBoundedCreditAndCannotMonopolise()
    {
        using var h = new SchedHarness(3);
        h.AddAll(3);
        Assert.Equal(SchedError.None, h.Queue.Remove(h[2])); // entity 2 sleeps from the start
        h.Run(10_000);                                       // 10 s of the other two
        ulong before = h[2]->TotalRuntimeNs;
        Assert.Equal(0UL, before);

        Assert.Equal(SchedError.None, h.Queue.Add(h[2], waking: true));
        Assert.True(h.Queue.ShouldPreemptFor(h[2]), "a sleeper far behind preempts on wakeup");
        Assert.Equal(h.Queue.MinVirtualRuntime - (RunQueue.DefaultTargetLatencyNs / 2), h[2]->VirtualRuntime);

        // Its credit is half a period (3 ms of virtual time), not the 10 s it slept: within the
        // next 100 ms it gets a third plus at most the credit, the wakeup granularity and a tick.
        int longestRun = 0, run = 0;
        for (int t = 0; t < 100; t++)
        {
            run = h.Queue.Current == h[2] ? run + 1 : 0;
            longestRun = Math.Max(longestRun, run);
            if (h.Queue.Tick(Ms))
            {
                h.Queue.PickNext(true);
            }
        }

        ulong first100 = h[2]->TotalRuntimeNs;
        Assert.InRange(first100, 30 * Ms, 39 * Ms);
        Assert.True(longestRun <= 6, $"the sleeper ran {longestRun} ms in a row");

        h.Run(10_000);
        double share = (h[2]->TotalRuntimeNs - first100) / 10e9;
        Assert.InRange(share, 1 / 3.0 - 0.01, 1 / 3.0 + 0.01);
    }

    [Fact]
    public void FrequentSleeperGetsNoMoreThanItsShare()
    {
        // Entity 2 sleeps 1 ms after every 1 ms it runs, then wakes with credit again: the credit
        // is measured from the floor, so repeated wakeups do not add up beyond a fair share.
        using var h = new SchedHarness(3);
        h.AddAll(3);
        h.Queue.PickNext(false);
        int asleepUntil = -1;
        for (int t = 0; t < 30_000; t++)
        {
            if (asleepUntil == t)
            {
                Assert.Equal(SchedError.None, h.Queue.Add(h[2], waking: true));
            }

            bool preempt = h.Queue.Tick(Ms);
            if (h.Queue.Current == h[2])
            {
                h.Queue.PickNext(false); // blocks
                asleepUntil = t + 2;
            }
            else if (preempt)
            {
                h.Queue.PickNext(true);
            }
        }

        double share = h[2]->TotalRuntimeNs / 30e9;
        Assert.True(share <= 1 / 3.0 + 0.01, $"the frequent sleeper got {share:P2}");
        Assert.True(h[0]->TotalRuntimeNs > 9_000 * Ms && h[1]->TotalRuntimeNs > 9_000 * Ms);
    }

    [Fact]
    public void NewEntityNeitherStarvesOldOnesNorIsStarved()
    {
        using var h = new SchedHarness(5);
        h.AddAll(4);
        h.Run(10_000); // the old ones have ~2.5 s of virtual runtime each
        var before = new ulong[5];
        for (int i = 0; i < 5; i++)
        {
            before[i] = h[i]->TotalRuntimeNs;
        }

        Assert.Equal(0UL, h[4]->VirtualRuntime);
        Assert.Equal(SchedError.None, h.Queue.Add(h[4], waking: false));
        Assert.True(h[4]->VirtualRuntime >= h.Queue.MinVirtualRuntime);

        // Within two periods every one of the five has run.
        h.Run(2 * 6 + 2);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(h[i]->TotalRuntimeNs > before[i], $"entity {i} did not run after the newcomer arrived");
        }

        // Over the next 10 s the newcomer gets a fifth, no more (it has no head start to burn).
        ulong newcomerBefore = h[4]->TotalRuntimeNs;
        h.Run(10_000);
        double share = (h[4]->TotalRuntimeNs - newcomerBefore) / 10e9;
        Assert.InRange(share, 0.19, 0.21);
    }

    [Fact]
    public void IdleQueueResumesWhenAnEntityArrives()
    {
        using var h = new SchedHarness(1);
        Assert.Equal(10, h.Run(10));
        h.AddAll(1);
        Assert.Equal(0, h.Run(10));
        Assert.Equal(10 * Ms, h[0]->TotalRuntimeNs);
    }
}
