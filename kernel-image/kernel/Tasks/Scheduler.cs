using Aurora.Kernel.Hal;
using Aurora.Kernel.Memory;
using Aurora.Sched;

namespace Aurora.Kernel.Tasks;

/// <summary>
/// Kernel threads on one processor, scheduled by the <c>Aurora.Sched</c> run queue (SPEC
/// PROC-2): each timer tick charges the running thread, and when the run queue says its slice
/// is used up (or a thread with much less virtual runtime is waiting) the interrupt's return
/// path switches threads. Threads also give up the processor by yielding, sleeping, joining
/// and exiting.
/// </summary>
/// <remarks>
/// Every piece of scheduler state is touched with interrupts off, which on one processor is
/// the whole locking story. A thread that is not running is parked inside
/// <see cref="ThreadContext.Switch"/>; one preempted by the timer is parked there too, below
/// the interrupt frame that holds its full register state.
/// </remarks>
internal static unsafe class Scheduler
{
    internal const nuint StackSize = 16 * 1024;

    /// <summary>Written at the lowest address of every thread stack and checked at each switch.
    /// Stacks sit above an unmapped guard page (KernelMemory.AllocateStack), so running off
    /// one faults at once; the canary also catches a frame that skipped over the guard.</summary>
    private const ulong StackCanary = 0xC0DE_57AC_CA4A_12D0;

    private static RunQueue s_queue;

    // Threads created and not yet exited: each may be queued at once, so the run queue's
    // storage is kept at least this large (ReserveQueueRoom) and Add never finds it full.
    private static int s_threads;
    private static KernelThread* s_current;
    private static KernelThread* s_idle;
    private static KernelThread* s_sleepers;
    private static ulong s_nextId;
    private static ulong s_tickNanoseconds;
    private static bool s_needReschedule;
    private static bool s_started;

    /// <summary>Switches made because the timer said so.</summary>
    internal static ulong Preemptions;

    /// <summary>All thread switches.</summary>
    internal static ulong Switches;

    /// <summary>Threads made runnable after blocking or sleeping (every wake-up, any cause).</summary>
    internal static ulong Wakeups;

    internal static KernelThread* Current => s_current;
    internal static ulong TickNanoseconds => s_tickNanoseconds;
    internal static bool Started => s_started;

    /// <summary>Queued (runnable, not running) threads.</summary>
    internal static int RunnableCount => s_queue.Count;

    /// <summary>Threads the run queue's storage can hold queued at once.</summary>
    internal static int QueueCapacity => s_queue.Capacity;

    /// <summary>Threads created and not exited (the run queue keeps room for all of them).</summary>
    internal static int ThreadCount => s_threads;

    /// <summary>Turns the code running now (the boot thread) into thread 0 and creates the idle
    /// thread; from here on the timer preempts.</summary>
    internal static void Initialize(uint timerFrequencyHz)
    {
        s_tickNanoseconds = 1_000_000_000UL / timerFrequencyHz;
        s_queue = new RunQueue(6_000_000, 750_000, 1_000_000);

        KernelThread* boot = NewThreadRecord(0);
        if (boot == null || !ReserveQueueRoom()) Panic.Fail("no memory for the boot thread");
        s_queue.Add(&boot->Scheduling, waking: false);
        s_queue.PickNext(currentStillRunnable: false);
        s_current = boot;

        // The idle thread runs when nothing else can; it is never in the run queue.
        s_idle = CreateThread(&IdleLoop, 0, 0);
        if (s_idle == null) Panic.Fail("no memory for the idle thread");

        Timer.SetTickHandler(&OnTimerTick);
        InterruptController.SetReturnHook(&OnInterruptReturn);
        s_started = true;
    }

    /// <summary>Starts a kernel thread running <paramref name="entry"/>(<paramref name="argument"/>)
    /// at priority <paramref name="nice"/> (-20 … 19, as in Unix); its return value is the exit
    /// code. Null when memory is exhausted.</summary>
    internal static KernelThread* Spawn(delegate*<ulong, long> entry, ulong argument, int nice = 0)
    {
        KernelThread* thread = Create(entry, argument, nice);
        if (thread != null) Start(thread);
        return thread;
    }

    /// <summary>A thread that does not run yet: the caller may set its address space, process
    /// and thread pointer, then <see cref="Start"/> it. Null when memory is exhausted.</summary>
    internal static KernelThread* Create(delegate*<ulong, long> entry, ulong argument, int nice = 0) =>
        CreateThread(entry, argument, nice);

    /// <summary>Makes a thread from <see cref="Create"/> runnable.</summary>
    internal static void Start(KernelThread* thread)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        SchedError error = s_queue.Add(&thread->Scheduling, waking: false);
        Cpu.RestoreInterrupts(interrupts);
        if (error != SchedError.None) Panic.Fail("scheduler: a new thread could not be queued");
    }

    /// <summary>Gives a thread the weight of nice value <paramref name="nice"/> (setpriority).</summary>
    internal static void SetNice(KernelThread* thread, int nice)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        s_queue.SetNice(&thread->Scheduling, nice);
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Lets another runnable thread run if the run queue prefers it.</summary>
    internal static void Yield()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        Reschedule(currentStillRunnable: true);
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>sched_yield: gives the processor to the other runnable threads first. The
    /// caller's virtual runtime moves just past the least one waiting (accounting is per tick,
    /// so without this a thread that yields between ticks would be picked again at once).</summary>
    internal static void YieldToOthers()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        SchedEntity* next = s_queue.PeekNext();
        if (next != null && s_current != s_idle && s_current->Scheduling.VirtualRuntime <= next->VirtualRuntime)
            s_current->Scheduling.VirtualRuntime = next->VirtualRuntime + 1;
        Reschedule(currentStillRunnable: true);
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Blocks the calling thread for at least <paramref name="milliseconds"/> ticks'
    /// worth of time (timer resolution).</summary>
    internal static void Sleep(ulong milliseconds)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = s_current;
        // +1: the current tick is already partly over, and "at least" is the promise.
        self->WakeTick = Timer.Ticks() + 1 + (milliseconds * 1_000_000 + s_tickNanoseconds - 1) / s_tickNanoseconds;
        self->State = ThreadState.Sleeping;
        self->NextSleeper = s_sleepers;
        s_sleepers = self;
        Reschedule(currentStillRunnable: false);
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Ends a <see cref="Sleep"/> early (a signal arrived for the sleeper); the sleeper
    /// sees the time not yet over and decides. Does nothing to a thread that is not sleeping.
    /// Interrupts off.</summary>
    internal static void CutSleepShort(KernelThread* thread)
    {
        if (thread->State != ThreadState.Sleeping) return;
        if (RemoveSleeper(thread)) MakeRunnable(thread);
    }

    /// <summary>A signal became deliverable for <paramref name="thread"/>: an interruptible wait
    /// ends (<see cref="WakeReason.Interrupted"/>) and a <see cref="Sleep"/> is cut short.
    /// Interrupts off (the caller holds the process-table lock).</summary>
    internal static void Interrupt(KernelThread* thread)
    {
        if (thread->WaitInterruptible) WakeFromWait(thread, WakeReason.Interrupted);
        CutSleepShort(thread);
    }

    /// <summary>Starts a wait of the calling thread (Linux's <c>prepare_to_wait</c> without the
    /// queue; <see cref="WaitQueue.Prepare"/> adds the queue): from here a wake is remembered,
    /// so the caller checks its condition next and then calls <see cref="BlockUntilWoken"/>,
    /// which returns at once if the wake came in between.</summary>
    internal static void PrepareWait(bool interruptible)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = s_current;
        self->WakePending = false;
        self->WaitInterruptible = interruptible;
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Blocks the calling thread until a wake since <see cref="PrepareWait"/>
    /// (<see cref="WakeFromWait"/>, a signal for an interruptible wait) or until the tick
    /// <paramref name="deadlineTick"/> (<see cref="NoDeadline"/>: none). Ends the wait.</summary>
    internal static WakeReason BlockUntilWoken(ulong deadlineTick)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = s_current;
        if (!self->WakePending)
        {
            if (deadlineTick <= Timer.Ticks())
            {
                self->WakePending = true;
                self->WakeReason = WakeReason.TimedOut;
            }
            else
            {
                self->InWait = true;
                if (deadlineTick != NoDeadline)
                {
                    self->WakeTick = deadlineTick;
                    self->NextSleeper = s_sleepers;
                    s_sleepers = self;
                }

                // Only a wake of this wait ends it; any other Wake is spurious and blocks again.
                while (!self->WakePending)
                {
                    self->State = ThreadState.Blocked;
                    Reschedule(currentStillRunnable: false);
                }

                self->InWait = false;
            }
        }

        WakeReason reason = self->WakeReason;
        self->WaitInterruptible = false;
        Cpu.RestoreInterrupts(interrupts);
        return reason;
    }

    /// <summary>Ends a wait without blocking (the condition held). Interrupts off or on.</summary>
    internal static void EndWait()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        s_current->WaitInterruptible = false;
        Cpu.RestoreInterrupts(interrupts);
    }

    internal const ulong NoDeadline = ulong.MaxValue;

    /// <summary>Wakes a thread between <see cref="PrepareWait"/> and the end of its wait: the
    /// first reason counts. A thread still checking its condition is only marked, and will
    /// not block. Interrupts off.</summary>
    internal static void WakeFromWait(KernelThread* thread, WakeReason reason)
    {
        if (thread->WakePending) return;
        thread->WakePending = true;
        thread->WakeReason = reason;
        if (thread->InWait && thread->State == ThreadState.Blocked)
        {
            RemoveSleeper(thread);
            MakeRunnable(thread);
        }
    }

    /// <summary>Takes a thread off the sleeper list; false when it was not there. Interrupts off.</summary>
    private static bool RemoveSleeper(KernelThread* thread)
    {
        KernelThread* previous = null;
        for (KernelThread* sleeper = s_sleepers; sleeper != null; previous = sleeper, sleeper = sleeper->NextSleeper)
        {
            if (sleeper != thread) continue;
            if (previous == null) s_sleepers = thread->NextSleeper;
            else previous->NextSleeper = thread->NextSleeper;
            thread->NextSleeper = null;
            return true;
        }

        return false;
    }

    /// <summary>Blocks the calling thread until <see cref="Wake"/>. Call with interrupts off,
    /// after checking the condition waited for (so no wake-up is lost); returns with them off.</summary>
    internal static void Block()
    {
        s_current->State = ThreadState.Blocked;
        Reschedule(currentStillRunnable: false);
    }

    /// <summary>Makes a thread blocked in <see cref="Block"/> runnable; does nothing to a thread
    /// in any other state. Interrupts off.</summary>
    internal static void Wake(KernelThread* thread)
    {
        if (thread->State == ThreadState.Blocked) MakeRunnable(thread);
    }

    /// <summary>Ends the calling thread; a thread blocked in <see cref="Join"/> on it wakes.</summary>
    internal static void Exit(long code)
    {
        Cpu.DisableInterrupts();
        KernelThread* self = s_current;
        if (self == s_idle) Panic.Fail("scheduler: the idle thread exited");
        self->ExitCode = code;
        self->State = ThreadState.Exited;
        s_threads--;
        if (self->Joiner != null) MakeRunnable(self->Joiner);
        Reschedule(currentStillRunnable: false);
        Panic.Fail("scheduler: an exited thread was resumed");
    }

    /// <summary>Blocks until <paramref name="thread"/> has exited, without freeing it (Join
    /// does that next): whoever owns a record that points at the thread can first drop the
    /// pointer (Process.Wait takes the process out of the table, so no /proc or kill lookup
    /// meets a freed thread).</summary>
    internal static void WaitForExit(KernelThread* thread)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = s_current;
        if (thread == self || thread == s_idle || (thread->Joiner != null && thread->Joiner != self))
            Panic.Fail("scheduler: invalid join");
        while (thread->State != ThreadState.Exited)
        {
            thread->Joiner = self;
            self->State = ThreadState.Blocked;
            Reschedule(currentStillRunnable: false);
        }

        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary><see cref="WaitForExit"/> for the thread at <paramref name="location"/>, read
    /// again at every wake: a process's thread (Process.Thread) changes when another thread
    /// ends the group (exit_group, a fatal signal) and takes its place, and the thread it
    /// replaces ends as any other, freed by the reaper; whoever moves the pointer wakes the
    /// waiter (<see cref="HandOverJoiner"/>). Returns the thread that exited.</summary>
    internal static KernelThread* WaitForExitOf(KernelThread** location)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        KernelThread* self = s_current;
        KernelThread* thread;
        while ((thread = *location)->State != ThreadState.Exited)
        {
            if (thread == self || thread == s_idle || (thread->Joiner != null && thread->Joiner != self))
                Panic.Fail("scheduler: invalid join");
            thread->Joiner = self;
            self->State = ThreadState.Blocked;
            Reschedule(currentStillRunnable: false);
        }

        Cpu.RestoreInterrupts(interrupts);
        return thread;
    }

    /// <summary>The thread waiting in <see cref="WaitForExitOf"/> for <paramref name="thread"/>
    /// through a location that now names another thread: it is no longer that thread's joiner
    /// (the one that frees it may join it) and wakes to read the location again. Interrupts off.</summary>
    internal static void HandOverJoiner(KernelThread* thread)
    {
        KernelThread* waiter = thread->Joiner;
        if (waiter == null) return;
        thread->Joiner = null;
        Wake(waiter);
    }

    /// <summary>Waits until <paramref name="thread"/> has exited, frees its stack and record,
    /// and returns its exit code. One joiner per thread; a thread cannot join itself.</summary>
    internal static long Join(KernelThread* thread)
    {
        WaitForExit(thread);
        long code = thread->ExitCode;
        if (thread->StackBase != null) KernelMemory.FreeStack(thread->StackBase, StackSize);
        KernelMemory.Free(thread);
        return code;
    }

    /// <summary>Timer interrupt: charge the running thread a tick and wake due sleepers.</summary>
    private static void OnTimerTick()
    {
        ulong now = Timer.Ticks();
        KernelThread* previous = null;
        KernelThread* sleeper = s_sleepers;
        while (sleeper != null)
        {
            KernelThread* next = sleeper->NextSleeper;
            if (sleeper->WakeTick <= now)
            {
                if (previous == null) s_sleepers = next;
                else previous->NextSleeper = next;
                sleeper->NextSleeper = null;
                if (sleeper->InWait)
                {
                    sleeper->WakePending = true;
                    sleeper->WakeReason = WakeReason.TimedOut;
                }

                if (sleeper->State != ThreadState.Runnable) MakeRunnable(sleeper);
            }
            else
            {
                previous = sleeper;
            }

            sleeper = next;
        }

        if (s_current != s_idle)
        {
            bool user = Timer.TickInterruptedUser();
            if (user) s_current->UserTicks++;
            else s_current->SystemTicks++;
            if (s_queue.Tick(s_tickNanoseconds)) s_needReschedule = true;
        }

        // Per-process timers (alarm, setitimer): the tick's thread, or null when idle.
        if (TickHook != null) TickHook(s_current != s_idle ? s_current : null);
    }

    /// <summary>Called at the end of every tick, interrupts off, with the thread the tick was
    /// charged to (null: idle). Set once by the process layer (Process.Timers.cs).</summary>
    internal static delegate*<KernelThread*, void> TickHook;

    /// <summary>The return path of every hardware interrupt: switch if the tick asked for it.</summary>
    private static void OnInterruptReturn()
    {
        if (!s_needReschedule) return;
        s_needReschedule = false;
        Preemptions++;
        Reschedule(currentStillRunnable: s_current->State == ThreadState.Runnable);
    }

    private static void MakeRunnable(KernelThread* thread)
    {
        thread->State = ThreadState.Runnable;
        thread->Wakeups++;
        Wakeups++;
        if (s_queue.Add(&thread->Scheduling, waking: true) != SchedError.None)
            Panic.Fail("scheduler: a woken thread could not be queued");
        if (s_current == s_idle) s_needReschedule = true;
    }

    /// <summary>Picks the next thread and switches to it (interrupts off). The calling thread
    /// resumes here when it is picked again.</summary>
    private static void Reschedule(bool currentStillRunnable)
    {
        KernelThread* previous = s_current;
        SchedEntity* picked = s_queue.PickNext(previous != s_idle && currentStillRunnable);
        KernelThread* next = picked != null ? (KernelThread*)picked : s_idle;
        if (next == previous) return;

        CheckStack(previous);
        CheckStack(next);
        if (previous->State == ThreadState.Runnable) previous->InvoluntarySwitches++;
        else previous->VoluntarySwitches++;
        s_current = next;
        next->SwitchesIn++;
        Switches++;
        if (next->AddressSpaceRoot != previous->AddressSpaceRoot) Paging.ActivateRoot(next->AddressSpaceRoot);
        if (next->StackBase != null) UserMode.SetKernelStack((ulong)next->StackBase + StackSize);
        if (next->ThreadPointer != previous->ThreadPointer) UserMode.SetThreadPointer(next->ThreadPointer);
        ThreadContext.Switch(&previous->StackPointer, next->StackPointer);
    }

    private static void CheckStack(KernelThread* thread)
    {
        if (thread->StackBase != null && *(ulong*)thread->StackBase != StackCanary)
        {
            Panic.Begin();
            Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset + "kernel stack overflow in thread ");
            Log.WriteDecimal(thread->Id);
            Log.Write(" (stack ");
            Log.WriteHex((ulong)thread->StackBase, 16);
            Log.WriteLine(")");
            Panic.End();
        }
    }

    private static KernelThread* CreateThread(delegate*<ulong, long> entry, ulong argument, int nice)
    {
        KernelThread* thread = NewThreadRecord(nice);
        if (thread == null) return null;
        if (!ReserveQueueRoom())
        {
            KernelMemory.Free(thread);
            return null;
        }

        byte* stack = KernelMemory.AllocateStack(StackSize);
        if (stack == null)
        {
            ReleaseQueueRoom();
            KernelMemory.Free(thread);
            return null;
        }

        *(ulong*)stack = StackCanary;
        thread->StackBase = stack;
        thread->StackPointer = ThreadContext.PrepareStack(stack + StackSize, entry, argument, &Exit);
        return thread;
    }

    /// <summary>Counts one more thread and grows the run queue's storage (doubling, from 16
    /// slots) if it could not hold every thread queued at once. False, with nothing changed,
    /// when there is no memory for a larger array.</summary>
    private static bool ReserveQueueRoom()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        int needed = ++s_threads;
        int capacity = s_queue.Capacity;
        Cpu.RestoreInterrupts(interrupts);
        if (needed <= capacity) return true;

        int grown = capacity < 16 ? 16 : capacity * 2;
        if (grown < needed) grown = needed;
        var slots = (RunQueueSlot*)KernelMemory.Allocate(RunQueue.StorageBytes(grown));
        if (slots == null)
        {
            ReleaseQueueRoom();
            return false;
        }

        // Another thread may have grown it meanwhile (the allocation ran with interrupts on).
        interrupts = Cpu.SaveAndDisableInterrupts();
        RunQueueSlot* unused = slots;
        if (grown > s_queue.Capacity && s_queue.SetStorage(slots, grown, out unused) != SchedError.None)
            Panic.Fail("scheduler: the run queue refused larger storage");
        Cpu.RestoreInterrupts(interrupts);
        if (unused != null) KernelMemory.Free(unused);
        return true;
    }

    private static void ReleaseQueueRoom()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        s_threads--;
        Cpu.RestoreInterrupts(interrupts);
    }

    private static KernelThread* NewThreadRecord(int nice)
    {
        var thread = (KernelThread*)KernelMemory.Allocate((nuint)sizeof(KernelThread));
        if (thread == null) return null;
        *thread = default;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        thread->Scheduling.Id = s_nextId++;
        Cpu.RestoreInterrupts(interrupts);
        thread->Scheduling.Weight = NiceWeights.Weight(nice);
        thread->AddressSpaceRoot = Paging.ActiveRootPhysical();
        thread->State = ThreadState.Runnable;
        return thread;
    }

    private static long IdleLoop(ulong unused)
    {
        while (true)
        {
            Cpu.DisableInterrupts();
            if (s_queue.Count > 0) Reschedule(currentStillRunnable: false);
            Cpu.WaitForInterrupt(); // enables interrupts and halts, with no wake-up lost between
        }
    }
}
