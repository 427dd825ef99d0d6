using System;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Sched.Tests;

/// <summary>A run queue and a fixed pool of entities in host memory (entities must not move while queued).</summary>
internal sealed unsafe class SchedHarness : IDisposable
{
    public const ulong Ms = 1_000_000;

    // A field, not a property: calls must mutate this instance, not a copy.
    public RunQueue Queue;
    public readonly SchedEntity* Entities;
    public readonly int Capacity;
    private readonly RunQueueSlot* _storage;

    public SchedHarness(int capacity)
    {
        Queue = new RunQueue();
        Capacity = capacity;
        _storage = (RunQueueSlot*)NativeMemory.Alloc(RunQueue.StorageBytes(capacity));
        Assert.Equal(SchedError.None, Queue.SetStorage(_storage, capacity, out RunQueueSlot* previous));
        Assert.True(previous == null);
        Entities = (SchedEntity*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(SchedEntity));
        for (int i = 0; i < capacity; i++)
        {
            Assert.Equal(SchedError.None, Entities[i].Initialize((ulong)i, 0));
        }
    }

    public SchedEntity* this[int index] => Entities + index;

    public int IndexOf(SchedEntity* e) => e == null ? -1 : (int)(e - Entities);

    /// <summary>Adds entities 0..count-1 as new ones with the given nices (nice 0 when none given).</summary>
    public void AddAll(int count, params int[] nices)
    {
        for (int i = 0; i < count; i++)
        {
            Queue.SetNice(this[i], nices.Length > 0 ? nices[i] : 0);
            Assert.Equal(SchedError.None, Queue.Add(this[i], waking: false));
        }
    }

    /// <summary>
    /// The kernel's loop with a 1000 Hz timer: the current entity runs for one tick, is charged,
    /// and is switched out when Tick says so. Returns the ticks in which the queue was idle.
    /// </summary>
    public int Run(int ticks, ulong tickNs = Ms)
    {
        if (Queue.Current == null)
        {
            Queue.PickNext(false);
        }

        int idle = 0;
        for (int t = 0; t < ticks; t++)
        {
            if (Queue.Current == null)
            {
                idle++;
                Queue.PickNext(false);
                continue;
            }

            if (Queue.Tick(tickNs))
            {
                Queue.PickNext(true);
            }
        }

        return idle;
    }

    public void Dispose()
    {
        NativeMemory.Free(Entities);
        NativeMemory.Free(_storage);
    }
}

/// <summary>Seeds for randomized tests: AURORA_SEED replays a failure, otherwise a fresh one.</summary>
internal static class TestSeed
{
    public static int Get()
    {
        string? text = Environment.GetEnvironmentVariable("AURORA_SEED");
        return text != null ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
    }
}
