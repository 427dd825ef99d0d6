using Aurora.Sched;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// Preemptive kernel threads on aarch64, chosen by components/sched's CFS run queue (the
/// scheduler the x86_64 kernel's Tasks.Scheduler drives) and preempted by the 1000 Hz generic
/// timer: each tick charges the running thread 1 ms; when the queue says its slice is used,
/// the interrupt, after its end-of-interrupt, switches to the thread the queue picks. The boot
/// thread is thread 0. The bring-up kernel's threads only run and exit: no sleeping, no wait
/// queues yet (the portable Tasks.Scheduler brings them once it runs here).
/// </summary>
internal static unsafe class Threads
{
    private const ulong TickNs = 1_000_000;
    private const ulong StackBytes = 16 * 1024;
    private const int Capacity = 8;

    /// <summary>A thread. The entity comes first, so an entity pointer is its thread's.</summary>
    internal struct Thread
    {
        public SchedEntity Entity;
        public ulong StackPointer;
        public bool Exited;
    }

    private static RunQueue s_queue;
    private static Thread* s_threads;
    private static int s_count;
    private static Thread* s_current;
    private static bool s_switchDue;
    internal static ulong Switches;

    internal static void Initialize()
    {
        s_queue = new RunQueue();
        s_threads = (Thread*)BringUp.Allocate((nuint)(sizeof(Thread) * Capacity));
        Thread* boot = &s_threads[s_count++];
        boot->Entity.Initialize(0, 0);
        s_queue.Add(&boot->Entity, waking: false);
        s_current = (Thread*)s_queue.PickNext(currentStillRunnable: false);
        GenericTimer.TickHandler = &OnTick;
        Exceptions.ReturnHook = &PreemptIfDue;
    }

    /// <summary>A new thread that runs <paramref name="entry"/>(<paramref name="argument"/>) at
    /// <paramref name="nice"/> and exits with its result.</summary>
    internal static Thread* Start(delegate*<ulong, long> entry, ulong argument, int nice)
    {
        if (s_count == Capacity) BringUp.Fail("too many threads");
        byte* stack = (byte*)BringUp.Allocate((nuint)StackBytes);
        if (stack == null) BringUp.Fail("no memory for a thread's stack");
        Thread* thread = &s_threads[s_count];
        // The frame aurora_switch_context restores (context_switch.S), returning into
        // aurora_thread_start with x19 = entry, x20 = argument, x21 = exit.
        ulong* frame = (ulong*)(stack + StackBytes - 176);
        for (int i = 0; i < 22; i++) frame[i] = 0;
        frame[0] = (ulong)entry;
        frame[1] = argument;
        frame[2] = (ulong)(delegate*<long, void>)&Exit;
        frame[11] = Native.ThreadStartAddress();
        thread->StackPointer = (ulong)frame;
        thread->Entity.Initialize((ulong)s_count, nice);
        bool wereEnabled = (Native.ReadDaif() & (1 << 7)) == 0;
        Native.DisableInterrupts();
        s_queue.Add(&thread->Entity, waking: false);
        s_count++;
        if (wereEnabled) Native.EnableInterrupts();
        return thread;
    }

    /// <summary>The timer's tick, in interrupt context.</summary>
    private static void OnTick()
    {
        if (s_queue.Tick(TickNs)) s_switchDue = true;
    }

    /// <summary>Called by the interrupt dispatcher after the end-of-interrupt, IRQs masked.</summary>
    internal static void PreemptIfDue()
    {
        if (!s_switchDue) return;
        s_switchDue = false;
        Reschedule(currentStillRunnable: true);
    }

    private static void Reschedule(bool currentStillRunnable)
    {
        var next = (Thread*)s_queue.PickNext(currentStillRunnable);
        if (next == null) BringUp.Fail("nothing runnable (the boot thread never blocks)");
        if (next == s_current) return;
        Thread* previous = s_current;
        s_current = next;
        Switches++;
        Native.SwitchContext(&previous->StackPointer, next->StackPointer);
    }

    /// <summary>Ends the running thread (from its own kernel stack, IRQs masked or not).</summary>
    internal static void ExitCurrent(long code) => Exit(code);

    private static void Exit(long code)
    {
        Native.DisableInterrupts();
        s_current->Exited = true;
        Reschedule(currentStillRunnable: false);
        BringUp.Fail("an exited thread was resumed");
    }

    internal static ulong RuntimeNs(Thread* thread) => thread->Entity.TotalRuntimeNs;
}
