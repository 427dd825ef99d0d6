using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using Xunit;
using static Aurora.Sched.Tests.SchedHarness;

namespace Aurora.Sched.Tests;

public unsafe class RunQueueTests
{
    [Fact]
    public void EmptyQueueIdlesAndNeverPreempts()
    {
        using var h = new SchedHarness(1);
        Assert.True(h.Queue.PickNext(true) == null);
        Assert.False(h.Queue.Tick(Ms));
        Assert.Equal(0, h.Queue.Count);
        Assert.Equal(0UL, h.Queue.TotalWeight);
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void AddQueuesTheEntityAndCountsItsWeight()
    {
        using var h = new SchedHarness(2);
        h.Queue.SetNice(h[1], -5);
        Assert.Equal(SchedError.None, h.Queue.Add(h[0], waking: false));
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: false));
        Assert.True(h[0]->IsQueued);
        Assert.Equal(2, h.Queue.Count);
        Assert.Equal(1024UL + 3125, h.Queue.TotalWeight);
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void AddOfAQueuedEntityIsRefused()
    {
        using var h = new SchedHarness(1);
        h.AddAll(1);
        Assert.Equal(SchedError.AlreadyQueued, h.Queue.Add(h[0], waking: false));
        Assert.Equal(SchedError.AlreadyQueued, h.Queue.Add(h[0], waking: true));
        Assert.Equal(1, h.Queue.Count);
        Assert.Equal(1024UL, h.Queue.TotalWeight);
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void AddOfTheCurrentEntityIsRefused()
    {
        using var h = new SchedHarness(1);
        h.AddAll(1);
        h.Queue.PickNext(false);
        Assert.Equal(SchedError.IsCurrent, h.Queue.Add(h[0], waking: true));
        Assert.Equal(0, h.Queue.Count);
        Assert.True(h[0] == h.Queue.Current);
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void AddOfNullOrWeightlessEntityIsRefused()
    {
        using var h = new SchedHarness(1);
        h[0]->Weight = 0;
        Assert.Equal(SchedError.InvalidArgument, h.Queue.Add(null, waking: false));
        Assert.Equal(SchedError.InvalidArgument, h.Queue.Add(h[0], waking: false));
        Assert.False(h[0]->IsQueued);
        Assert.Equal(0, h.Queue.Count);
    }

    [Fact]
    public void NewEntityIsPlacedAtTheFloorNotBelow()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(100);
        ulong floor = h.Queue.MinVirtualRuntime;
        Assert.Equal(100 * Ms, floor);
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: false));
        Assert.Equal(floor, h[1]->VirtualRuntime);
    }

    [Fact]
    public void NewEntityKeepsAVirtualRuntimeAboveTheFloor()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(10);
        h[1]->VirtualRuntime = 500 * Ms;
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: false));
        Assert.Equal(500 * Ms, h[1]->VirtualRuntime);
    }

    [Fact]
    public void WokenEntityGetsAtMostHalfATargetLatencyOfCredit()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(100);
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: true));
        Assert.Equal((100 * Ms) - (RunQueue.DefaultTargetLatencyNs / 2), h[1]->VirtualRuntime);
    }

    [Fact]
    public void WokenEntityWithinTheCreditKeepsItsOwnVirtualRuntime()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(100);
        h[1]->VirtualRuntime = (100 * Ms) - Ms;
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: true));
        Assert.Equal((100 * Ms) - Ms, h[1]->VirtualRuntime);
    }

    [Fact]
    public void WokenEntityNearTimeZeroDoesNotWrapAround()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(2);
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: true));
        Assert.Equal(0UL, h[1]->VirtualRuntime);
    }

    [Fact]
    public void RemoveTakesAQueuedEntityOut()
    {
        using var h = new SchedHarness(3);
        h.AddAll(3);
        Assert.Equal(SchedError.None, h.Queue.Remove(h[1]));
        Assert.False(h[1]->IsQueued);
        Assert.Equal(2, h.Queue.Count);
        Assert.Equal(2048UL, h.Queue.TotalWeight);
        Assert.True(h.Queue.Validate());
        Assert.True(h[0] == h.Queue.PickNext(false));
        Assert.True(h[2] == h.Queue.PickNext(false));
        Assert.True(h.Queue.PickNext(false) == null);
    }

    [Fact]
    public void RemoveOfAnEntityNotQueuedIsRefused()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        Assert.Equal(SchedError.NotQueued, h.Queue.Remove(h[1]));
        Assert.Equal(SchedError.None, h.Queue.Remove(h[0]));
        Assert.Equal(SchedError.NotQueued, h.Queue.Remove(h[0]));
        Assert.Equal(SchedError.InvalidArgument, h.Queue.Remove(null));
        Assert.Equal(0UL, h.Queue.TotalWeight);
    }

    [Fact]
    public void RemoveOfTheCurrentEntityIsRefused()
    {
        using var h = new SchedHarness(1);
        h.AddAll(1);
        h.Queue.PickNext(false);
        Assert.Equal(SchedError.IsCurrent, h.Queue.Remove(h[0]));
        Assert.True(h.Queue.Current == h[0]);
        Assert.Equal(1024UL, h.Queue.TotalWeight);
    }

    [Fact]
    public void PickNextChoosesTheLeastVirtualRuntimeThenTheLowestId()
    {
        using var h = new SchedHarness(4);
        h[0]->VirtualRuntime = 30;
        h[1]->VirtualRuntime = 10;
        h[2]->VirtualRuntime = 20;
        h[3]->VirtualRuntime = 10;
        h.AddAll(4);
        Assert.True(h.Queue.PeekNext() == h[1]);
        Assert.True(h.Queue.PickNext(false) == h[1]);
        Assert.True(h.Queue.PickNext(false) == h[3]);
        Assert.True(h.Queue.PickNext(false) == h[2]);
        Assert.True(h.Queue.PickNext(false) == h[0]);
        Assert.True(h.Queue.PickNext(false) == null);
        Assert.True(h.Queue.Current == null);
    }

    [Fact]
    public void PickNextPutsARunnableCurrentBackInTheTree()
    {
        using var h = new SchedHarness(2);
        h.AddAll(2);
        Assert.True(h.Queue.PickNext(true) == h[0]);
        h.Queue.Tick(2 * Ms);
        Assert.True(h.Queue.PickNext(true) == h[1]);
        Assert.True(h[0]->IsQueued);
        Assert.True(h[1]->IsCurrent);
        Assert.Equal(1, h.Queue.Count);
        Assert.Equal(2048UL, h.Queue.TotalWeight);
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void PickNextDropsACurrentThatBlocked()
    {
        using var h = new SchedHarness(2);
        h.AddAll(2);
        h.Queue.PickNext(false);
        Assert.True(h.Queue.PickNext(false) == h[1]);
        Assert.False(h[0]->IsQueued);
        Assert.False(h[0]->IsCurrent);
        Assert.Equal(1024UL, h.Queue.TotalWeight);
        Assert.Equal(SchedError.None, h.Queue.Add(h[0], waking: true));
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void PickNextResetsTheRuntimeSincePicked()
    {
        using var h = new SchedHarness(1);
        h.AddAll(1);
        h.Queue.PickNext(false);
        h.Queue.Tick(3 * Ms);
        Assert.Equal(3 * Ms, h[0]->RuntimeSincePickedNs);
        Assert.True(h.Queue.PickNext(true) == h[0]);
        Assert.Equal(0UL, h[0]->RuntimeSincePickedNs);
        Assert.Equal(3 * Ms, h[0]->TotalRuntimeNs);
    }

    [Theory]
    [InlineData(0, 1_000_000UL)]
    [InlineData(-5, 327_680UL)]
    [InlineData(5, 3_047_619UL)]
    [InlineData(19, 68_266_666UL)]
    public void TickChargesVirtualRuntimeInverselyToWeight(int nice, ulong expected)
    {
        using var h = new SchedHarness(1);
        h.AddAll(1, nice);
        h.Queue.PickNext(false);
        h.Queue.Tick(Ms);
        Assert.Equal(expected, h[0]->VirtualRuntime);
        Assert.Equal(Ms, h[0]->TotalRuntimeNs);
    }

    [Theory]
    [InlineData(10_000_000_000UL, 14u)]
    [InlineData(60_000_000_000UL, 1u)]
    [InlineData(ulong.MaxValue >> 10, 3u)]
    [InlineData(123_456_789_012UL, 88818u)]
    public void VirtualDeltaIsExactWithoutOverflow(ulong delta, uint weight)
    {
        BigInteger exact = new BigInteger(delta) * 1024 / weight;
        Assert.Equal((ulong)exact, RunQueue.VirtualDelta(delta, weight));
    }

    /// <summary>
    /// Every charge a tick makes is exactly delta * 1024 / weight, at every weight from 1 to
    /// 2^32 - 1 (the nice weights, powers of two and their neighbours, random ones; written
    /// directly between ticks, as an owner may) and at deltas on the edges of the 32-bit and
    /// 2^21 ns ranges and just below multiples of the weight (where a reciprocal rounds up).
    /// </summary>
    [Fact]
    public void TickChargesExactVirtualTimeAtEveryWeight()
    {
        int seed = TestSeed.Get();
        var random = new Random(seed);
        var weights = new List<uint> { 1, 2, 3, 15, 1023, 1025, 88818, uint.MaxValue, uint.MaxValue - 1 };
        for (int nice = -20; nice <= 19; nice++)
        {
            weights.Add(NiceWeights.Weight(nice));
        }

        for (int bit = 1; bit < 32; bit++)
        {
            weights.Add(1u << bit);
            weights.Add((1u << bit) - 1);
            weights.Add((1u << bit) + 1);
        }

        for (int i = 0; i < 200; i++)
        {
            weights.Add((uint)random.NextInt64(1, uint.MaxValue));
        }

        using var h = new SchedHarness(1);
        h.AddAll(1);
        SchedEntity* e = h.Queue.PickNext(false);
        int checks = 0;
        foreach (uint weight in weights)
        {
            e->Weight = weight;
            var deltas = new List<ulong> { 0, 1, 999_999, 1_000_000, (1UL << 21) - 1, 1UL << 21, (1UL << 21) + 1, (1UL << 22) - 1, 1UL << 22, 5_000_000_000 };
            ulong multiple = (ulong)weight * (ulong)random.Next(1, 64);
            if (multiple >= 1025)
            {
                // n = delta * 1024 just below a multiple of the weight (within 1024 of it).
                deltas.Add((multiple - 1) / 1024);
            }

            for (int i = 0; i < 20; i++)
            {
                deltas.Add((ulong)random.NextInt64(0, 1L << 21));
            }

            foreach (ulong delta in deltas)
            {
                e->VirtualRuntime = 0;
                h.Queue.Tick(delta);
                BigInteger exact = new BigInteger(delta) * 1024 / weight;
                if ((ulong)exact != e->VirtualRuntime)
                {
                    Assert.Fail($"seed={seed}: weight {weight}, delta {delta}: charged {e->VirtualRuntime}, expected {exact}");
                }

                checks++;
            }
        }

        Assert.True(checks > 8000, $"seed={seed}: only {checks} checks");
    }

    [Fact]
    public void VirtualDeltaSaturatesInsteadOfWrapping()
    {
        Assert.Equal(ulong.MaxValue, RunQueue.VirtualDelta(ulong.MaxValue, 14));
        Assert.Equal(ulong.MaxValue, RunQueue.VirtualDelta(ulong.MaxValue >> 4, 1));
    }

    [Fact]
    public void TickNeverPreemptsTheOnlyRunnableEntity()
    {
        using var h = new SchedHarness(1);
        h.AddAll(1);
        h.Queue.PickNext(false);
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(h.Queue.Tick(Ms));
        }
    }

    [Fact]
    public void TickPreemptsOnceTheSliceIsUsed()
    {
        using var h = new SchedHarness(2);
        // Wakeup granularity out of the way: only the slice decides. Two nice-0 entities share a
        // 6 ms period, 3 ms each.
        Assert.Equal(SchedError.None, h.Queue.Configure(6 * Ms, Ms / 4 * 3, ulong.MaxValue));
        h.AddAll(2);
        h.Queue.PickNext(false);
        Assert.Equal(3 * Ms, h.Queue.Slice(1024));
        Assert.False(h.Queue.Tick(Ms));
        Assert.False(h.Queue.Tick(Ms));
        Assert.True(h.Queue.Tick(Ms));
    }

    [Fact]
    public void SliceIsProportionalToWeightAndAtLeastTheMinimumGranularity()
    {
        using var h = new SchedHarness(3);
        h.AddAll(3, -20, 0, 19);
        ulong total = 88818 + 1024 + 15;
        Assert.Equal(6 * Ms * 88818 / total, h.Queue.Slice(88818));
        Assert.True(6 * Ms * 1024 / total < RunQueue.DefaultMinGranularityNs); // so it is clamped
        Assert.Equal(RunQueue.DefaultMinGranularityNs, h.Queue.Slice(1024));
        Assert.Equal(RunQueue.DefaultMinGranularityNs, h.Queue.Slice(15));
    }

    [Fact]
    public void PeriodStretchesWithManyEntities()
    {
        using var h = new SchedHarness(20);
        h.AddAll(20);
        // 20 * 0.75 ms = 15 ms > 6 ms: each of 20 equal entities gets 0.75 ms.
        Assert.Equal(750_000UL, h.Queue.Slice(1024));
        Assert.Equal(15 * Ms * 2048 / (20 * 1024), h.Queue.Slice(2048));
    }

    [Fact]
    public void TickPreemptsWhenAQueuedEntityIsMoreThanTheWakeupGranularityBehind()
    {
        using var h = new SchedHarness(2);
        // A long latency keeps the slice out of the way: only the vruntime gap decides.
        Assert.Equal(SchedError.None, h.Queue.Configure(1000 * Ms, Ms, 2 * Ms));
        h.AddAll(2);
        h.Queue.PickNext(false);
        Assert.False(h.Queue.Tick(Ms));
        Assert.False(h.Queue.Tick(Ms)); // exactly 2 ms ahead: not more than the granularity
        Assert.True(h.Queue.Tick(1));
    }

    [Fact]
    public void ShouldPreemptForAWokenEntityFarBehind()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(50);
        Assert.False(h.Queue.ShouldPreemptFor(h[0]));
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: true));
        Assert.True(h.Queue.ShouldPreemptFor(h[1]));
        Assert.Equal(SchedError.None, h.Queue.Remove(h[1]));
        h[1]->VirtualRuntime = h[0]->VirtualRuntime - (Ms / 2);
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: true));
        Assert.False(h.Queue.ShouldPreemptFor(h[1]));
    }

    [Fact]
    public void SetNiceKeepsTotalWeightRightForQueuedCurrentAndIdleEntities()
    {
        using var h = new SchedHarness(3);
        h.AddAll(2);
        h.Queue.PickNext(false);
        h.Queue.SetNice(h[0], -5); // current
        h.Queue.SetNice(h[1], 5);  // queued
        h.Queue.SetNice(h[2], 10); // idle
        Assert.Equal(3125UL + 336, h.Queue.TotalWeight);
        Assert.Equal(110u, h[2]->Weight);
        Assert.True(h.Queue.Validate());
        h.Queue.PickNext(false);
        Assert.Equal(336UL, h.Queue.TotalWeight);
    }

    [Fact]
    public void MinVirtualRuntimeFollowsTheSmallestAndNeverDecreases()
    {
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(10);
        Assert.Equal(10 * Ms, h.Queue.MinVirtualRuntime);
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: true)); // placed 3 ms below
        h.Queue.Tick(Ms);
        Assert.Equal(10 * Ms, h.Queue.MinVirtualRuntime);
        h.Queue.PickNext(false); // the current blocks; the woken one runs
        Assert.Equal(10 * Ms, h.Queue.MinVirtualRuntime);
        h.Queue.Tick(5 * Ms);
        Assert.Equal(12 * Ms, h.Queue.MinVirtualRuntime);
    }

    [Fact]
    public void MinVirtualRuntimeKeepsTheLastEntitysRuntimeWhenTheQueueEmpties()
    {
        // The floor is computed when read from the current and leftmost entities: when the last
        // one leaves, what it had must stay.
        using var h = new SchedHarness(2);
        h.AddAll(1);
        h.Run(7);
        Assert.True(h.Queue.PickNext(false) == null);
        Assert.Equal(7 * Ms, h.Queue.MinVirtualRuntime);
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: false));
        Assert.Equal(7 * Ms, h[1]->VirtualRuntime);
        Assert.True(h.Queue.PickNext(false) == h[1]);
        h.Queue.Tick(Ms);
        Assert.Equal(SchedError.None, h.Queue.Add(h[0], waking: true));
        Assert.Equal(SchedError.None, h.Queue.Remove(h[0]));
        Assert.Equal(8 * Ms, h.Queue.MinVirtualRuntime);
    }

    [Fact]
    public void MinVirtualRuntimeIsNotLoweredByAnAddAndRisesWithARemoval()
    {
        using var h = new SchedHarness(3);
        h.AddAll(1);
        h.Run(10);
        h[1]->VirtualRuntime = 20 * Ms;
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: false));
        Assert.Equal(SchedError.None, h.Queue.Add(h[2], waking: true)); // placed at 7 ms, below the floor
        Assert.Equal(7 * Ms, h[2]->VirtualRuntime);
        Assert.Equal(10 * Ms, h.Queue.MinVirtualRuntime);
        h.Queue.Tick(Ms);
        Assert.Equal(10 * Ms, h.Queue.MinVirtualRuntime); // min(11, 7) is below the floor
        Assert.Equal(SchedError.None, h.Queue.Remove(h[2]));
        Assert.Equal(11 * Ms, h.Queue.MinVirtualRuntime); // now min(11, 20)
        Assert.True(h.Queue.PickNext(false) == h[1]);
        Assert.Equal(20 * Ms, h.Queue.MinVirtualRuntime);
        // A woken entity is placed against the floor as last moved, though no tick stored it.
        Assert.Equal(SchedError.None, h.Queue.Add(h[0], waking: true));
        Assert.Equal((20 * Ms) - (RunQueue.DefaultTargetLatencyNs / 2), h[0]->VirtualRuntime);
    }

    [Fact]
    public void MinVirtualRuntimeWaitsForAPickWhileIdle()
    {
        // Entities added to an idle queue do not move the floor (a second one is placed against
        // the old floor); a pick or a removal does.
        using var h = new SchedHarness(3);
        h.AddAll(1);
        h.Run(10);
        Assert.True(h.Queue.PickNext(false) == null);
        h[1]->VirtualRuntime = 50 * Ms;
        Assert.Equal(SchedError.None, h.Queue.Add(h[1], waking: false));
        Assert.Equal(10 * Ms, h.Queue.MinVirtualRuntime);
        Assert.Equal(SchedError.None, h.Queue.Add(h[2], waking: true));
        Assert.Equal(7 * Ms, h[2]->VirtualRuntime);
        Assert.Equal(10 * Ms, h.Queue.MinVirtualRuntime);
        Assert.Equal(SchedError.None, h.Queue.Remove(h[2]));
        Assert.Equal(50 * Ms, h.Queue.MinVirtualRuntime);
        Assert.Equal(SchedError.None, h.Queue.Add(h[2], waking: true));
        Assert.Equal(47 * Ms, h[2]->VirtualRuntime);
        Assert.True(h.Queue.PickNext(false) == h[2]);
        Assert.Equal(50 * Ms, h.Queue.MinVirtualRuntime);
    }

    [Fact]
    public void SwitchesAlwaysPickTheLeastAndKeepTheHeapValid()
    {
        // The steady state the benchmarks measure: mixed nices, a tick and a switch at a time,
        // with blocks and wake-ups mixed in; every pick checked against a scan of all entities.
        const int n = 64;
        var random = new Random(17);
        using var h = new SchedHarness(n);
        for (int i = 0; i < n; i++)
        {
            h.Queue.SetNice(h[i], random.Next(-5, 6));
            Assert.Equal(SchedError.None, h.Queue.Add(h[i], waking: false));
        }

        h.Queue.PickNext(false);
        for (int step = 0; step < 20_000; step++)
        {
            h.Queue.Tick((ulong)random.Next(1, 2 * (int)Ms));
            if (step % 7 == 3)
            {
                SchedEntity* victim = h[random.Next(n)];
                if (victim->IsQueued)
                {
                    Assert.Equal(SchedError.None, h.Queue.Remove(victim));
                    Assert.Equal(SchedError.None, h.Queue.Add(victim, waking: true));
                }
            }

            SchedEntity* current = h.Queue.Current;
            SchedEntity* least = current;
            for (int i = 0; i < n; i++)
            {
                SchedEntity* e = h[i];
                if (e->IsQueued && (e->VirtualRuntime < least->VirtualRuntime || (e->VirtualRuntime == least->VirtualRuntime && e->Id < least->Id)))
                {
                    least = e;
                }
            }

            Assert.True(h.Queue.PickNext(true) == least, $"step {step}: picked {h.IndexOf(h.Queue.Current)}, the least is {h.IndexOf(least)}");
            if (step % 500 == 0)
            {
                Assert.True(h.Queue.Validate(), $"step {step}");
            }
        }

        Assert.True(h.Queue.Validate());
        Assert.Equal(n - 1, h.Queue.Count);
    }

    [Fact]
    public void APickAfterManyArrivalsTakesThemInOrder()
    {
        // The pairing heap's worst case: every arrival becomes a child of the root, and the
        // first pick pairs them all. Entities arrive with scattered virtual runtimes (a
        // multiplicative walk, so no order), the picks must come out by (vruntime, id).
        const int n = 1000;
        using var h = new SchedHarness(n);
        for (int i = 0; i < n; i++)
        {
            h[i]->Initialize((ulong)i, 0);
            h[i]->VirtualRuntime = (ulong)(i * 7919 % 997) * Ms;
            Assert.Equal(SchedError.None, h.Queue.Add(h[i], waking: false));
        }

        Assert.True(h.Queue.Validate());
        ulong lastRuntime = 0, lastId = 0;
        for (int i = 0; i < n; i++)
        {
            SchedEntity* next = h.Queue.PickNext(false);
            Assert.True(next != null);
            Assert.True(i == 0 || next->VirtualRuntime > lastRuntime || (next->VirtualRuntime == lastRuntime && next->Id > lastId));
            lastRuntime = next->VirtualRuntime;
            lastId = next->Id;
            if (i % 100 == 0)
            {
                Assert.True(h.Queue.Validate());
            }
        }

        Assert.True(h.Queue.PickNext(false) == null);
    }

    [Fact]
    public void ValidateDetectsABrokenOrder()
    {
        using var h = new SchedHarness(8);
        h.AddAll(8);
        Assert.True(h.Queue.Validate());
        // Behind the queue's back, the entity it would pick next now follows the others: out of order.
        h.Queue.PeekNext()->VirtualRuntime = 100 * Ms;
        Assert.False(h.Queue.Validate());
    }

    [Fact]
    public void ValidateDetectsABrokenIndexOrWeight()
    {
        using var h = new SchedHarness(8);
        h.AddAll(8);
        uint weight = h[3]->Weight;
        h[3]->Weight = weight + 1;
        Assert.False(h.Queue.Validate());
        h[3]->Weight = weight;
        Assert.True(h.Queue.Validate());
        // The heap index is internal; change it through its field offset: each entity records
        // its own slot, and no two can record the same one.
        int offset = (int)Marshal.OffsetOf<SchedEntity>("Leaf");
        int* index = (int*)((byte*)h[3] + offset);
        int saved = *index;
        *index = (saved + 1) % 8;
        Assert.False(h.Queue.Validate());
        *index = saved;
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void InitializeOfAQueuedOrCurrentEntityIsRefused()
    {
        using var h = new SchedHarness(2);
        h.AddAll(2);
        h.Queue.PickNext(false);
        Assert.Equal(SchedError.IsCurrent, h[0]->Initialize(7, 0));
        Assert.Equal(SchedError.AlreadyQueued, h[1]->Initialize(7, 0));
        Assert.Equal(0UL, h[0]->Id);
        Assert.Equal(1UL, h[1]->Id);
    }
}
