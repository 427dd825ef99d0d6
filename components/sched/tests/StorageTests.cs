using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Sched.Tests;

/// <summary>
/// The queue's heap and the storage it lives in: randomized against a sorted list (many ties,
/// removals from the middle, growth by doubling mid-run), a full queue refusing Add, storage
/// that cannot hold the queue refused. Seeds print on failure; replay with AURORA_SEED.
/// </summary>
public unsafe class StorageTests
{
    [Fact]
    public void AddWithoutStorageIsRefusedAndChangesNothing()
    {
        var queue = new RunQueue();
        SchedEntity a = default;
        a.Initialize(1, 0);
        a.VirtualRuntime = 5;
        Assert.Equal(0, queue.Capacity);
        Assert.Equal(SchedError.QueueFull, queue.Add(&a, waking: false));
        Assert.False(a.IsQueued);
        Assert.Equal(5UL, a.VirtualRuntime);
        Assert.Equal(0, queue.Count);
        Assert.Equal(0UL, queue.TotalWeight);
        Assert.True(queue.PickNext(false) == null);
        Assert.True(queue.Validate());
    }

    [Fact]
    public void AFullQueueRefusesAddUntilGivenMoreRoom()
    {
        using var h = new SchedHarness(6);
        RunQueueSlot* four = (RunQueueSlot*)NativeMemory.Alloc(RunQueue.StorageBytes(4));
        Assert.Equal(SchedError.None, h.Queue.SetStorage(four, 4, out RunQueueSlot* harnessStorage));
        h.AddAll(4);
        Assert.Equal(4, h.Queue.Capacity);
        ulong weight = h.Queue.TotalWeight;
        h[4]->VirtualRuntime = 77;
        Assert.Equal(SchedError.QueueFull, h.Queue.Add(h[4], waking: true));
        Assert.False(h[4]->IsQueued);
        Assert.Equal(77UL, h[4]->VirtualRuntime);
        Assert.Equal(4, h.Queue.Count);
        Assert.Equal(weight, h.Queue.TotalWeight);
        Assert.True(h.Queue.Validate());

        // The running entity is out of the heap: picking one makes room for another.
        Assert.True(h.Queue.PickNext(false) == h[0]);
        Assert.Equal(SchedError.None, h.Queue.Add(h[4], waking: false));
        Assert.Equal(SchedError.QueueFull, h.Queue.Add(h[5], waking: false));

        // A switch puts the running entity back and takes one out: no room needed.
        h.Queue.Tick(50 * SchedHarness.Ms);
        Assert.True(h.Queue.PickNext(true) != h[0]);
        Assert.True(h.Queue.Validate());

        // Growth: the harness's six slots back, the queued entities moved there in order.
        Assert.Equal(SchedError.None, h.Queue.SetStorage(harnessStorage, 6, out RunQueueSlot* previous));
        Assert.True(previous == four);
        NativeMemory.Free(four);
        Assert.Equal(6, h.Queue.Capacity);
        Assert.True(h.Queue.Validate());
        Assert.Equal(SchedError.None, h.Queue.Add(h[5], waking: false));
        Assert.True(h.Queue.Validate());
        Assert.Equal(5, h.Queue.Count);
    }

    [Fact]
    public void StorageThatCannotHoldTheQueueIsRefusedAndChangesNothing()
    {
        using var h = new SchedHarness(6);
        h.AddAll(6);
        RunQueueSlot* small = (RunQueueSlot*)NativeMemory.Alloc(RunQueue.StorageBytes(5));
        Assert.Equal(SchedError.InvalidArgument, h.Queue.SetStorage(small, 5, out RunQueueSlot* previous));
        Assert.True(previous == null);
        Assert.Equal(SchedError.InvalidArgument, h.Queue.SetStorage(null, 6, out previous));
        Assert.True(previous == null);
        Assert.Equal(6, h.Queue.Capacity);
        Assert.Equal(6, h.Queue.Count);
        Assert.True(h.Queue.Validate());
        NativeMemory.Free(small);
        Assert.Equal((nuint)0, RunQueue.StorageBytes(-1));
        // The tree reaches a slot by its byte offset, a leaf index shifted by 5.
        Assert.Equal(32, sizeof(RunQueueSlot));
        Assert.Equal((nuint)(4 * sizeof(RunQueueSlot)), RunQueue.StorageBytes(3));
        Assert.Equal((nuint)(2 * sizeof(RunQueueSlot)), RunQueue.StorageBytes(1));
        Assert.Equal((nuint)(1024 * sizeof(RunQueueSlot)), RunQueue.StorageBytes(1024));
        Assert.Equal((nuint)(2048 * sizeof(RunQueueSlot)), RunQueue.StorageBytes(1025));
        Assert.Equal((nuint)0, RunQueue.StorageBytes(RunQueue.MaxCapacity + 1));
    }

    /// <summary>The id ulong.MaxValue marks the tree's empty places: an entity with it is
    /// refused (it could hide behind an empty place of the same key), and the queue is unchanged.</summary>
    [Fact]
    public void ReservedIdIsRefused()
    {
        using var h = new SchedHarness(4);
        h.AddAll(2);
        SchedEntity e = default;
        Assert.Equal(SchedError.None, e.Initialize(ulong.MaxValue, 0));
        e.VirtualRuntime = ulong.MaxValue;
        Assert.Equal(SchedError.InvalidArgument, h.Queue.Add(&e, waking: false));
        Assert.False(e.IsQueued);
        Assert.Equal(2, h.Queue.Count);
        Assert.True(h.Queue.Validate());
    }

    [Fact]
    public void EmptyQueueTakesNullStorage()
    {
        RunQueue queue = default;
        RunQueueSlot* slots = stackalloc RunQueueSlot[2];
        Assert.Equal(SchedError.None, queue.SetStorage(slots, 1, out _));
        Assert.Equal(SchedError.None, queue.SetStorage(null, 0, out RunQueueSlot* previous));
        Assert.True(previous == slots);
        Assert.Equal(0, queue.Capacity);
    }

    /// <summary>
    /// Adds, removals from anywhere, switches and picks on a queue that starts with room for one
    /// and doubles when full, against a sorted list of (virtual runtime, id). Virtual runtimes
    /// come from a small range, so ties (broken by id) are common; after every operation the
    /// next entity is the list's first and the heap validates.
    /// </summary>
    [Fact]
    public void RandomOperationsWithGrowthMatchASortedList()
    {
        int seed = TestSeed.Get();
        var random = new Random(seed);
        const int Entities = 300;
        SchedEntity* entities = (SchedEntity*)NativeMemory.AllocZeroed(Entities, (nuint)sizeof(SchedEntity));
        var queue = new RunQueue();
        var model = new List<(ulong Vruntime, ulong Id)>();
        var allocated = new List<IntPtr>();
        int growths = 0, refused = 0, middleRemovals = 0, moves = 0;
        try
        {
            for (int i = 0; i < Entities; i++)
            {
                entities[i].Initialize((ulong)(i * 7919 % Entities), random.Next(-20, 20));
            }

            for (int op = 0; op < 200_000; op++)
            {
                SchedEntity* e = entities + random.Next(Entities);
                string where = $"seed={seed} op={op}";
                switch (random.Next(6))
                {
                    case 0:
                    case 1:
                        if (!e->IsQueued && !e->IsCurrent)
                        {
                            // A value the placement leaves alone (at or above the floor), from a narrow range.
                            e->VirtualRuntime = queue.MinVirtualRuntime + (ulong)random.Next(4);
                            bool full = queue.Count == queue.Capacity;
                            SchedError error = queue.Add(e, waking: false);
                            if ((error == SchedError.QueueFull) != full || (error != SchedError.QueueFull && error != SchedError.None))
                            {
                                Assert.Fail($"{where}: Add returned {error} with {queue.Count} queued of {queue.Capacity}");
                            }

                            if (error == SchedError.QueueFull)
                            {
                                refused++;
                                Assert.False(e->IsQueued, where);
                                int capacity = queue.Capacity == 0 ? 1 : queue.Capacity * 2;
                                IntPtr block = (IntPtr)NativeMemory.Alloc(RunQueue.StorageBytes(capacity));
                                allocated.Add(block);
                                Assert.Equal(SchedError.None, queue.SetStorage((RunQueueSlot*)block, capacity, out _));
                                growths++;
                                error = queue.Add(e, waking: false);
                            }

                            Assert.True(error == SchedError.None, $"{where}: Add returned {error}");
                            Insert(model, (e->VirtualRuntime, e->Id));
                        }

                        break;
                    case 2:
                        if (e->IsQueued)
                        {
                            if (e != queue.PeekNext())
                            {
                                middleRemovals++;
                            }

                            Assert.Equal(SchedError.None, queue.Remove(e));
                            Assert.True(model.Remove((e->VirtualRuntime, e->Id)), where);
                        }

                        break;
                    case 3:
                        queue.Tick((ulong)random.Next(1, 4));
                        break;
                    default:
                        bool stillRunnable = random.Next(4) != 0;
                        SchedEntity* previous = queue.Current;
                        if (previous != null && stillRunnable)
                        {
                            Insert(model, (previous->VirtualRuntime, previous->Id));
                        }

                        SchedEntity* next = queue.PickNext(stillRunnable);
                        if (model.Count == 0)
                        {
                            Assert.True(next == null, $"{where}: picked {(next == null ? 0 : next->Id)} from an empty model");
                        }
                        else
                        {
                            Assert.True(next != null && next->Id == model[0].Id && next->VirtualRuntime == model[0].Vruntime, $"{where}: picked id {(next == null ? 0 : next->Id)} expected id {model[0].Id} at {model[0].Vruntime}");
                            model.RemoveAt(0);
                        }

                        break;
                }

                // Now and then a move to storage of any size that holds the queued ones, smaller
                // or larger, not a power of two: the queued entities take the lowest places.
                if (random.Next(400) == 0)
                {
                    int capacity = queue.Count + random.Next(0, 20);
                    IntPtr block = (IntPtr)NativeMemory.Alloc(RunQueue.StorageBytes(capacity == 0 ? 1 : capacity));
                    allocated.Add(block);
                    Assert.Equal(SchedError.None, queue.SetStorage((RunQueueSlot*)block, capacity, out _));
                    Assert.Equal(capacity, queue.Capacity);
                    moves++;
                    if (!queue.Validate())
                    {
                        Assert.Fail($"{where}: Validate failed after a move to room for {capacity}");
                    }
                }

                Assert.Equal(model.Count, queue.Count);
                SchedEntity* peek = queue.PeekNext();
                if (model.Count != 0 && (peek == null || peek->Id != model[0].Id))
                {
                    Assert.Fail($"{where}: next is id {(peek == null ? 0 : peek->Id)}, expected {model[0].Id}");
                }

                if (op % 97 == 0 && !queue.Validate())
                {
                    Assert.Fail($"{where}: Validate failed");
                }
            }

            Assert.True(queue.Validate(), $"seed={seed}");
            Assert.True(growths >= 8 && refused == growths, $"seed={seed}: {growths} growths, {refused} refusals");
            Assert.True(moves > 100, $"seed={seed}: only {moves} moves");
            Assert.True(middleRemovals > 1000, $"seed={seed}: only {middleRemovals} removals from the middle");
        }
        finally
        {
            NativeMemory.Free(entities);
            foreach (IntPtr block in allocated)
            {
                NativeMemory.Free((void*)block);
            }
        }
    }

    private static void Insert(List<(ulong Vruntime, ulong Id)> model, (ulong Vruntime, ulong Id) item)
    {
        int at = model.BinarySearch(item);
        Assert.True(at < 0, $"duplicate {item}");
        model.Insert(~at, item);
    }
}
