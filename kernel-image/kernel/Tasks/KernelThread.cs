using System.Runtime.InteropServices;
using Aurora.Sched;

namespace Aurora.Kernel.Tasks;

internal enum ThreadState : byte
{
    Runnable,
    Sleeping,
    Blocked,
    Exited,
}

/// <summary>
/// One kernel thread. <see cref="Scheduling"/> comes first, so the run queue's entity pointers
/// are the threads' own addresses. Lives on the kernel heap, with its stack, until a
/// <see cref="Scheduler.Join"/> reaps it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KernelThread
{
    public SchedEntity Scheduling;

    /// <summary>Saved stack pointer while the thread is not running (the switch frame is there).</summary>
    public ulong StackPointer;

    /// <summary>Lowest address of the stack, where the overflow canary sits; null for the boot
    /// thread, which runs on the stack the entry code set up.</summary>
    public byte* StackBase;

    /// <summary>Physical root of the page tables the thread runs on.</summary>
    public ulong AddressSpaceRoot;

    public ThreadState State;
    public long ExitCode;

    /// <summary>Tick at which a sleeping thread becomes runnable again.</summary>
    public ulong WakeTick;
    public KernelThread* NextSleeper;

    /// <summary>The thread waiting in <see cref="Scheduler.Join"/> for this one, if any.</summary>
    public KernelThread* Joiner;

    /// <summary>The user process this thread runs (a Processes.Process*), or null for a
    /// kernel-only thread.</summary>
    public void* Process;

    /// <summary>The user thread pointer (FS base), switched with the thread.</summary>
    public ulong ThreadPointer;

    /// <summary>Link in a <see cref="KernelMutex"/>'s queue of waiting threads.</summary>
    public KernelThread* NextWaiter;

    /// <summary>Times the thread was switched to.</summary>
    public ulong SwitchesIn;

    /// <summary>Times the thread gave up the processor because it blocked or slept (Linux's
    /// nvcsw), and because it was preempted or yielded while runnable (nivcsw); getrusage
    /// reports both.</summary>
    public ulong VoluntarySwitches;
    public ulong InvoluntarySwitches;

    /// <summary>Timer ticks that found the thread running in user mode and in the kernel
    /// (sampled as Linux's tick-based accounting): its user and system CPU time.</summary>
    public ulong UserTicks;
    public ulong SystemTicks;

    /// <summary>Times the thread was made runnable after blocking or sleeping.</summary>
    public ulong Wakeups;

    // Wait-queue state (WaitQueue.cs), under the scheduler lock.

    /// <summary>Links in the <see cref="WaitQueue"/> the thread is on; <see cref="Queued"/>
    /// says whether it is on one (a thread waits on at most one queue at a time).</summary>
    public KernelThread* NextQueued;
    public KernelThread* PreviousQueued;
    public bool Queued;

    /// <summary>Between <see cref="Scheduler.PrepareWait"/> and the end of the wait: a signal
    /// may end it (<see cref="Scheduler.Interrupt"/>).</summary>
    public bool WaitInterruptible;

    /// <summary>A wake arrived since <see cref="Scheduler.PrepareWait"/>; the block that
    /// follows returns at once (no wake-up is lost between the condition check and the block).</summary>
    public bool WakePending;
    public WakeReason WakeReason;

    /// <summary>Blocked inside <see cref="Scheduler.BlockUntilWoken"/> (not in a mutex or join).</summary>
    public bool InWait;

    /// <summary>The event generation of a subsystem the thread last saw under that subsystem's
    /// lock (NetworkStack: socket events), so a wait can tell an event it has not seen yet.</summary>
    public ulong SeenGeneration;

    // User threads (Processes/Process.Threads.cs): a process's threads share its Process record.

    /// <summary>The thread's user-visible id (gettid); 0 for a process's first thread, whose id
    /// is the pid.</summary>
    public ulong UserTid;

    /// <summary>CLONE_CHILD_CLEARTID / set_tid_address: zeroed and futex-woken when the thread ends.</summary>
    public ulong ClearTidAddress;

    /// <summary>Link in the process's list of threads other than <c>Process.Thread</c>, and in
    /// the reaper's list of ended threads to free.</summary>
    public KernelThread* NextInGroup;

    /// <summary>Signals sent to this thread alone (tgkill, tkill), bit n-1 for signal n.</summary>
    public ulong ThreadPendingSignals;

    /// <summary>The thread's blocked signals (Process.BlockedSignals reads and writes it).</summary>
    public ulong SignalMask;

    // The rest of a thread's own signal state, as Linux keeps it per task (Process.cs reaches
    // it through properties that pick the calling thread): the mask a ppoll/sigsuspend put
    // aside, the signals sigtimedwait waits for, a fault's siginfo, sigaltstack's stack, the
    // user stack pointer at the current call, and set_robust_list's head (Process.RobustList.cs).
    public ulong SavedSignalMask;
    public ulong SignalWaitSet;
    public int FaultSignal;
    public int FaultCode;
    public ulong FaultAddress;
    public Processes.SignalStack AlternateStack;
    public ulong UserStackAtCall;
    public ulong RobustListHead;

    /// <summary>The open file descriptions the system call in progress looked up in a shared
    /// descriptor table, each with a reference of the call's own (Files.CallReferences: Linux's
    /// fdget/fdput), and how many; dropped when the call ends.</summary>
    public fixed ulong CallFiles[Files.CallReferences.Capacity];
    public int CallFileCount;

    /// <summary>What the way back to user mode must do besides delivering signals; read as one
    /// word there (<see cref="ReturnWork.Any"/>), so the common return pays one test for all.</summary>
    public ReturnWork Return;

    public readonly ulong Id => Scheduling.Id;
}

/// <summary>The per-thread work of the return to user mode (KernelThread.Return): a mask that
/// ppoll or sigsuspend put aside and that goes back (Process.HasSavedSignalMask), and references
/// a system call holds (Files.CallReferences). Two bytes, tested together.</summary>
[StructLayout(LayoutKind.Explicit, Size = 2)]
internal struct ReturnWork
{
    [FieldOffset(0)] public bool HasSavedSignalMask;
    [FieldOffset(1)] public bool HoldsCallReferences;

    // Both flags as one word, so the test is a single 16-bit compare with memory (reading them
    // through a fixed pointer cost a pinned stack slot and a setne on every call: issue 17).
    [FieldOffset(0)] private readonly ushort _both;

    /// <summary>Whether either is set: one 16-bit load and test on every system call's return.</summary>
    public readonly bool Any
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get => _both != 0;
    }
}
