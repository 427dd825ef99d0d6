using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using static Aurora.Kernel.Tests.TestRunner;
using Timer = Aurora.Kernel.Hal.Timer;

namespace Aurora.Kernel.Tests;

/// <summary>Kernel threads and the preemptive CFS scheduler (SPEC PROC-2), in the booted kernel.
/// The test runner's own thread joins the threads each test starts, so it competes with
/// none of them.</summary>
internal static unsafe class SchedulerTests
{
    private struct Slots
    {
        public fixed ulong Value[8];
    }

    private static ulong s_deadline;
    private static Slots s_counts;
    private static Slots s_results;

    /// <summary>Counts loop iterations until the deadline tick, never giving up the processor
    /// itself: any other thread only runs if the timer preempts this one.</summary>
    private static long SpinUntilDeadline(ulong slot)
    {
        ulong iterations = 0;
        while (Timer.Ticks() < s_deadline) iterations++;
        s_counts.Value[slot] = iterations;
        return (long)slot + 100;
    }

    /// <summary>Two threads that never yield both make progress: the timer preempts them.
    /// Without preemption the second would start after the deadline and count nothing. The
    /// shares are the scheduler's own accounting of each thread's run time; loop counts are
    /// printed beside them but not compared (under TCG a busy host can stall QEMU inside one
    /// thread's slices: that thread counts less while the time is still charged to it).</summary>
    internal static void TimerPreemptsSpinningThreads()
    {
        ulong preemptionsBefore = Scheduler.Preemptions;
        s_counts.Value[0] = 0;
        s_counts.Value[1] = 0;
        s_deadline = Timer.Ticks() + 300;
        KernelThread* a = Scheduler.Spawn(&SpinUntilDeadline, 0, 0);
        KernelThread* b = Scheduler.Spawn(&SpinUntilDeadline, 1, 0);
        Check(a != null && b != null, "spawn failed");
        if (a == null || b == null) return;
        Scheduler.WaitForExit(a);
        Scheduler.WaitForExit(b);
        ulong ranA = a->Scheduling.TotalRuntimeNs / 1_000_000, ranB = b->Scheduling.TotalRuntimeNs / 1_000_000;
        Check(Scheduler.Join(a) == 100 && Scheduler.Join(b) == 101, "wrong exit codes");
        ulong countA = s_counts.Value[0], countB = s_counts.Value[1];
        ulong preemptions = Scheduler.Preemptions - preemptionsBefore;
        Log.Write("  ran ");
        Log.WriteDecimal(ranA);
        Log.Write(" ms and ");
        Log.WriteDecimal(ranB);
        Log.Write(" ms (loops ");
        Log.WriteDecimal(countA);
        Log.Write(" and ");
        Log.WriteDecimal(countB);
        Log.Write("), ");
        Log.WriteDecimal(preemptions);
        Log.WriteLine(" preemptions (expected: shares within 2 : 1, at least 20 preemptions)");
        Check(countA > 0 && countB > 0, "a spinning thread never ran: no preemption");
        Check(ranA * 2 >= ranB && ranB * 2 >= ranA, "equal-priority threads got very unequal shares");
        // A 6 ms period shared by two threads is a 3 ms slice: about 100 switches in 300 ms.
        Check(preemptions >= 20, "fewer preemptions than the slices allow");
    }

    /// <summary>Nice 0 against nice 5: weights 1024 and about 335, so the first should get
    /// about three times the processor.</summary>
    internal static void NiceWeightsDivideTheProcessor()
    {
        // The shares are the scheduler's own accounting of each thread's run time, not loop
        // counts: under TCG a busy host can stall QEMU inside one thread's slice, which costs
        // that thread iterations, while the time is still charged to it and made up for by
        // the weights (CI measured 4.9 : 1 by iterations once).
        s_deadline = Timer.Ticks() + 600;
        KernelThread* a = Scheduler.Spawn(&SpinUntilDeadline, 0, 0);
        KernelThread* b = Scheduler.Spawn(&SpinUntilDeadline, 1, 5);
        Check(a != null && b != null, "spawn failed");
        if (a == null || b == null) return;
        Scheduler.WaitForExit(a);
        Scheduler.WaitForExit(b);
        ulong ranA = a->Scheduling.TotalRuntimeNs / 1_000_000, ranB = b->Scheduling.TotalRuntimeNs / 1_000_000;
        Check(Scheduler.Join(a) == 100 && Scheduler.Join(b) == 101, "wrong exit codes");
        Check(ranB > 0, "the low-priority thread starved");
        if (ranB == 0) return;
        ulong ratioTimes10 = ranA * 10 / ranB;
        Log.Write("  ran nice 0 ");
        Log.WriteDecimal(ranA);
        Log.Write(" ms, nice 5 ");
        Log.WriteDecimal(ranB);
        Log.Write(" ms: share ");
        Log.WriteDecimal(ratioTimes10);
        Log.WriteLine(" / 10 (weights 1024 : 335 = 30.6 / 10; allowed 22..42)");
        Check(ratioTimes10 >= 22 && ratioTimes10 <= 42, "nice 0 : nice 5 share is not about 3 : 1");
    }

    private static long SleepThenRecord(ulong milliseconds)
    {
        ulong start = Timer.Ticks();
        Scheduler.Sleep(milliseconds);
        s_results.Value[0] = Timer.Ticks() - start;
        return 0;
    }

    /// <summary>A sleeping thread wakes no earlier than asked (and not much later), and the
    /// processor is not held meanwhile: a spinner runs while it sleeps.</summary>
    internal static void SleepWakesAfterTheRequestedTime()
    {
        s_counts.Value[0] = 0;
        s_deadline = Timer.Ticks() + 20;
        KernelThread* sleeper = Scheduler.Spawn(&SleepThenRecord, 50);
        KernelThread* spinner = Scheduler.Spawn(&SpinUntilDeadline, 0);
        Scheduler.Join(sleeper);
        Scheduler.Join(spinner);
        ulong slept = s_results.Value[0];
        Log.Write("  slept ");
        Log.WriteDecimal(slept);
        Log.WriteLine(" ms for 50");
        Check(slept >= 50, "woke before the requested time");
        Check(slept <= 90, "woke far too late");
        Check(s_counts.Value[0] > 0, "nothing ran while a thread slept");
    }

    /// <summary>The same integer and floating-point computation gives the same answer alone
    /// and in two threads preempted many times in the middle of it: a switch keeps every
    /// register a thread owns (general, SSE, and the frame the interrupt saved).</summary>
    internal static void SwitchesPreserveRegisterState()
    {
        // Each thread repeats the computation until the timer has preempted the pair at least
        // eight times (a fast host can finish one round inside a slice), comparing every round.
        s_mixExpected = Mix(MixIterations);
        s_mixPreemptionsBefore = Scheduler.Preemptions;
        s_results.Value[0] = s_results.Value[1] = 0;
        KernelThread* a = Scheduler.Spawn(&MixInto, 0);
        KernelThread* b = Scheduler.Spawn(&MixInto, 1);
        Check(a != null && b != null, "spawn failed");
        if (a == null || b == null) return;
        Scheduler.Join(a);
        Scheduler.Join(b);
        ulong preempted = Scheduler.Preemptions - s_mixPreemptionsBefore;
        Log.Write("  rounds ");
        Log.WriteDecimal(s_results.Value[0] & 0xFFFF_FFFF);
        Log.Write(" and ");
        Log.WriteDecimal(s_results.Value[1] & 0xFFFF_FFFF);
        Log.Write(", wrong ");
        Log.WriteDecimal((s_results.Value[0] >> 32) + (s_results.Value[1] >> 32));
        Log.Write(" (expected 0), preemptions ");
        Log.WriteDecimal(preempted);
        Log.WriteLine(" (expected >= 8)");
        Check((s_results.Value[0] >> 32) == 0 && (s_results.Value[1] >> 32) == 0, "a preempted computation came out different");
        Check(preempted >= 8, "the computation was not preempted; the test proves nothing");
    }

    private const ulong MixIterations = 100_000;

    /// <summary>The timer writes the count; a call the compiler cannot see into keeps the
    /// read inside the loop.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ulong PreemptionsNow() => Scheduler.Preemptions;
    private static ulong s_mixExpected;
    private static ulong s_mixPreemptionsBefore;

    /// <summary>Rounds of <see cref="Mix"/> until eight preemptions (at most 2000 rounds);
    /// the slot gets the wrong rounds in its high half and all rounds in its low half.</summary>
    private static long MixInto(ulong slot)
    {
        ulong rounds = 0, wrong = 0;
        while (rounds < 2000 && (rounds < 2 || PreemptionsNow() - s_mixPreemptionsBefore < 8))
        {
            if (Mix(MixIterations) != s_mixExpected) wrong++;
            rounds++;
        }

        s_results.Value[slot] = (wrong << 32) | rounds;
        return 0;
    }

    private static ulong Mix(ulong iterations)
    {
        ulong x = 0x9E3779B97F4A7C15;
        double d = 1.0;
        for (ulong i = 0; i < iterations; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            d = (d * 1.0000001) + ((x & 0xFF) * 0.001);
        }

        return x ^ *(ulong*)&d;
    }

    private static long ExitWithCode(ulong argument)
    {
        if (argument % 2 == 0) Scheduler.Exit((long)(argument * 3) + 1);
        return (long)(argument * 3) + 1;
    }

    /// <summary>Thirty-two threads, half returning and half calling Exit: every exit code
    /// arrives, and joining gives back every stack and record.</summary>
    internal static void ExitCodesArriveAndJoinFreesThreads()
    {
        ulong liveBefore = KernelMemory.Heap.Statistics.LiveBlocks;
        KernelThread** threads = stackalloc KernelThread*[32];
        for (int i = 0; i < 32; i++)
        {
            threads[i] = Scheduler.Spawn(&ExitWithCode, (ulong)i);
            Check(threads[i] != null, "spawn failed");
            if (threads[i] == null) return;
        }

        bool codes = true;
        for (int i = 0; i < 32; i++) codes &= Scheduler.Join(threads[i]) == (i * 3) + 1;
        Check(codes, "an exit code was lost");
        Check(KernelMemory.Heap.Statistics.LiveBlocks == liveBefore, "joined threads leaked memory");
    }

    private static ulong s_release;

    // Stays runnable (yielding) until the test releases it, so all of them are alive at once.
    private static long YieldUntilReleased(ulong argument)
    {
        while (s_release == 0) Scheduler.Yield();
        return (long)argument + 1000;
    }

    /// <summary>A hundred threads runnable at once, more than the run queue's first storage
    /// (16 slots) holds: the scheduler grows it as they are created, so none is refused a
    /// place; every one runs and exits with its code, and joining leaves the heap as it was
    /// (the larger array replaced the smaller).</summary>
    internal static void RunQueueGrowsWithTheThreads()
    {
        const int Count = 100;
        s_release = 0;
        ulong liveBefore = KernelMemory.Heap.Statistics.LiveBlocks;
        KernelThread** threads = stackalloc KernelThread*[Count];
        for (int i = 0; i < Count; i++)
        {
            threads[i] = Scheduler.Spawn(&YieldUntilReleased, (ulong)i);
            Check(threads[i] != null, "spawn failed");
            if (threads[i] == null)
            {
                s_release = 1;
                return;
            }
        }

        int alive = Scheduler.ThreadCount, capacity = Scheduler.QueueCapacity, queued = Scheduler.RunnableCount;
        s_release = 1;
        CheckShown("threads alive beyond the run queue's room", 0, alive > capacity ? alive - capacity : 0);
        Check(queued >= Count - 1, "the spawned threads were not all queued at once");
        Check(capacity >= Count, "the run queue did not grow");
        Log.Write("  threads alive ");
        Log.WriteDecimal(alive);
        Log.Write(", queued ");
        Log.WriteDecimal(queued);
        Log.Write(" (expected at least ");
        Log.WriteDecimal(Count - 1);
        Log.Write("), run queue room ");
        Log.WriteDecimal(capacity);
        Log.Write(" (expected at least ");
        Log.WriteDecimal(Count);
        Log.WriteLine(")");

        int right = 0;
        for (int i = 0; i < Count; i++) right += Scheduler.Join(threads[i]) == i + 1000 ? 1 : 0;
        CheckShown("threads that exited with their own code", Count, right);
        CheckShown("heap blocks after joining them", (long)liveBefore, (long)KernelMemory.Heap.Statistics.LiveBlocks);
    }

    private static long SetFlag(ulong slot)
    {
        s_results.Value[slot] = 1;
        return 0;
    }

    /// <summary>Yield hands the processor to a waiting thread of equal priority.</summary>
    internal static void YieldRunsAWaitingThread()
    {
        s_results.Value[2] = 0;
        KernelThread* t = Scheduler.Spawn(&SetFlag, 2);
        ulong giveUp = Timer.Ticks() + 200;
        while (s_results.Value[2] == 0 && Timer.Ticks() < giveUp) Scheduler.Yield();
        Check(s_results.Value[2] == 1, "the other thread never ran");
        Scheduler.Join(t);
    }

    private static long HeapChurn(ulong seed)
    {
        ulong random = seed * 0x9E3779B97F4A7C15 + 1;
        byte** blocks = stackalloc byte*[32];
        uint* sizes = stackalloc uint[32];
        int count = 0;
        ulong end = Timer.Ticks() + 150;
        while (Timer.Ticks() < end)
        {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            if (count < 32 && (count == 0 || (random & 1) == 0))
            {
                uint size = (uint)(random % 700) + 1;
                byte* block = (byte*)KernelMemory.Allocate(size);
                if (block == null) return 1;
                byte fill = (byte)((ulong)block >> 4);
                for (uint i = 0; i < size; i++) block[i] = fill;
                blocks[count] = block;
                sizes[count++] = size;
            }
            else
            {
                int i = (int)((random >> 8) % (ulong)count);
                byte fill = (byte)((ulong)blocks[i] >> 4);
                for (uint j = 0; j < sizes[i]; j++)
                {
                    if (blocks[i][j] != fill) return 2;
                }

                KernelMemory.Free(blocks[i]);
                blocks[i] = blocks[--count];
                sizes[i] = sizes[count];
            }
        }

        while (count > 0) KernelMemory.Free(blocks[--count]);
        return 0;
    }

    /// <summary>Three threads allocating and freeing at once, preempted at any instruction:
    /// the heap stays consistent and no block is shared (kmalloc runs with interrupts off).</summary>
    internal static void ThreadsShareTheHeapSafely()
    {
        ulong liveBefore = KernelMemory.Heap.Statistics.LiveBlocks;
        KernelThread* a = Scheduler.Spawn(&HeapChurn, 1);
        KernelThread* b = Scheduler.Spawn(&HeapChurn, 2);
        KernelThread* c = Scheduler.Spawn(&HeapChurn, 3);
        long ra = Scheduler.Join(a), rb = Scheduler.Join(b), rc = Scheduler.Join(c);
        Check(ra != 1 && rb != 1 && rc != 1, "heap exhausted");
        Check(ra == 0 && rb == 0 && rc == 0, "a block was overwritten by another thread");
        Check(KernelMemory.Heap.Validate(), "heap invariants broken");
        Check(KernelMemory.Heap.Statistics.LiveBlocks == liveBefore, "blocks leaked");
    }
}
