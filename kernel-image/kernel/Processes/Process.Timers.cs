using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>A process's interval timers (setitimer, alarm) and its reaped children's CPU time.
/// Times in nanoseconds. ITIMER_REAL counts monotonic time to a deadline; ITIMER_VIRTUAL
/// counts the process's user time, ITIMER_PROF its user and system time, down to 0.</summary>
internal struct ProcessTimers
{
    /// <summary>User and system ticks of the children wait4 reaped (and of theirs).</summary>
    public ulong ChildUserTicks, ChildSystemTicks;

    /// <summary>User and system ticks of the process's threads that have ended.</summary>
    public ulong EndedThreadUserTicks, EndedThreadSystemTicks;

    /// <summary>Monotonic time ITIMER_REAL fires at; 0 when disarmed.</summary>
    public long RealDeadline;
    public long RealInterval;

    /// <summary>CPU time left on ITIMER_VIRTUAL and ITIMER_PROF; 0 when disarmed.</summary>
    public long VirtualLeft, VirtualInterval, ProfileLeft, ProfileInterval;
}

/// <summary>
/// CPU time (the scheduler samples each tick into the thread's user or system time) and the
/// interval timers (Linux kernel/time/itimer.c): setitimer, getitimer, alarm. The timer tick
/// (<see cref="Scheduler.TickHook"/>) charges the virtual and profiling timers of the process
/// it found running and fires due ITIMER_REAL deadlines: SIGALRM, SIGVTALRM, SIGPROF; and
/// it counts due timerfds' expirations (Files/TimerFile.cs). Timers are
/// not inherited by fork and survive execve, as on Linux.
/// </summary>
internal unsafe partial struct Process
{
    private const int SigAlrm = 14, SigVtalrm = 26, SigProf = 27;
    private const int ItimerReal = 0, ItimerVirtual = 1, ItimerProf = 2;

    /// <summary>Processes with ITIMER_REAL armed: the tick walks the process list only then.</summary>
    private static int s_armedRealTimers;

    /// <summary>The process's user and system CPU time in ticks: every thread's, the ended
    /// ones' included (Linux's thread-group cputime). Reads the thread list with interrupts off.</summary>
    internal static ulong UserTicks(Process* process) => GroupTicks(process, system: false);
    internal static ulong SystemTicks(Process* process) => GroupTicks(process, system: true);

    private static ulong GroupTicks(Process* process, bool system)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        ulong ticks = system ? process->Timers.EndedThreadSystemTicks : process->Timers.EndedThreadUserTicks;
        ticks += system ? process->Thread->SystemTicks : process->Thread->UserTicks;
        for (KernelThread* t = process->OtherThreads; t != null; t = t->NextInGroup) ticks += system ? t->SystemTicks : t->UserTicks;
        Cpu.RestoreInterrupts(interrupts);
        return ticks;
    }

    /// <summary>wait4 reaped <paramref name="child"/>: its CPU time and its children's become
    /// the parent's children's time (getrusage RUSAGE_CHILDREN, times).</summary>
    internal static void AddChildTimes(Process* parent, Process* child)
    {
        parent->Timers.ChildUserTicks += child->Thread->UserTicks + child->Timers.ChildUserTicks;
        parent->Timers.ChildSystemTicks += child->Thread->SystemTicks + child->Timers.ChildSystemTicks;
    }

    /// <summary>The first of every process (link: <see cref="NextProcess"/>); under
    /// <see cref="LockTable"/>.</summary>
    internal static Process* First => s_allProcesses;

    /// <summary>Live processes (sysinfo's procs).</summary>
    internal static int CountLive()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        int count = 0;
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
            if (p->Thread->State != ThreadState.Exited) count++;
        Cpu.RestoreInterrupts(interrupts);
        return count;
    }

    private static void OnTick(KernelThread* thread)
    {
        long tick = (long)Scheduler.TickNanoseconds;
        if (thread != null && thread->Process != null)
        {
            var process = (Process*)thread->Process;
            ref ProcessTimers timers = ref process->Timers;
            if (Timer.TickInterruptedUser() && timers.VirtualLeft > 0 && (timers.VirtualLeft -= tick) <= 0)
            {
                timers.VirtualLeft = timers.VirtualInterval;
                Post(process, SigVtalrm, 0, SiKernel);
            }

            if (timers.ProfileLeft > 0 && (timers.ProfileLeft -= tick) <= 0)
            {
                timers.ProfileLeft = timers.ProfileInterval;
                Post(process, SigProf, 0, SiKernel);
            }
        }

        Files.TimerFile.OnTick();
        if (s_armedRealTimers == 0) return;
        long now = (long)Timer.Ticks() * tick;
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            ref ProcessTimers timers = ref p->Timers;
            if (timers.RealDeadline == 0 || timers.RealDeadline > now || p->Thread->State == ThreadState.Exited) continue;
            if (timers.RealInterval == 0)
            {
                timers.RealDeadline = 0;
                s_armedRealTimers--;
            }
            else
            {
                // Overruns are not queued: the next expiry is the first period boundary after now.
                long periods = (now - timers.RealDeadline) / timers.RealInterval + 1;
                timers.RealDeadline += periods * timers.RealInterval;
            }

            Post(p, SigAlrm, 0, SiKernel);
        }
    }

    /// <summary>Installs the tick hook (<see cref="OnTick"/>) if no timer has yet: a timerfd's
    /// creation calls it, so its expiries are counted by the tick.</summary>
    internal static void StartTickHook()
    {
        if (Scheduler.TickHook == null) Scheduler.TickHook = &OnTick;
    }

    /// <summary>An exiting process's ITIMER_REAL stops counting toward the tick's walk.</summary>
    internal static void DisarmTimers(Process* process)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        if (process->Timers.RealDeadline != 0) s_armedRealTimers--;
        process->Timers.RealDeadline = 0;
        process->Timers.VirtualLeft = process->Timers.ProfileLeft = 0;
        Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Reads a timer: the time left and the interval, in nanoseconds. Interrupts off.</summary>
    private static void ReadTimer(Process* process, int which, out long value, out long interval)
    {
        ref ProcessTimers timers = ref process->Timers;
        switch (which)
        {
            case ItimerReal:
                interval = timers.RealInterval;
                value = 0;
                if (timers.RealDeadline != 0)
                {
                    // A due timer not yet fired by the tick reports the least time (Linux: 1 µs).
                    value = Math.Max(timers.RealDeadline - Syscalls.TimeCalls.MonotonicNanoseconds(), 1000);
                }

                return;
            case ItimerVirtual:
                value = timers.VirtualLeft;
                interval = timers.VirtualInterval;
                return;
            default:
                value = timers.ProfileLeft;
                interval = timers.ProfileInterval;
                return;
        }
    }

    /// <summary>Sets a timer (value 0 disarms) and answers the old one. Interrupts off.</summary>
    private static void WriteTimer(Process* process, int which, long value, long interval, out long oldValue, out long oldInterval)
    {
        ReadTimer(process, which, out oldValue, out oldInterval);
        ref ProcessTimers timers = ref process->Timers;
        if (value == 0) interval = 0;
        switch (which)
        {
            case ItimerReal:
                if (timers.RealDeadline != 0) s_armedRealTimers--;
                timers.RealDeadline = value == 0 ? 0 : Syscalls.TimeCalls.MonotonicNanoseconds() + value;
                timers.RealInterval = interval;
                if (timers.RealDeadline != 0) s_armedRealTimers++;
                break;
            case ItimerVirtual:
                timers.VirtualLeft = value;
                timers.VirtualInterval = interval;
                break;
            default:
                timers.ProfileLeft = value;
                timers.ProfileInterval = interval;
                break;
        }

        if (Scheduler.TickHook == null) Scheduler.TickHook = &OnTick;
    }

    /// <summary>getitimer(which, struct itimerval*): interval then value, as timevals.</summary>
    internal static long GetIntervalTimer(Process* process, int which, ulong address)
    {
        if (which < ItimerReal || which > ItimerProf) return -Syscalls.Errno.EINVAL;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        ReadTimer(process, which, out long value, out long interval);
        Cpu.RestoreInterrupts(interrupts);
        return StoreTimerValue(process, address, value, interval) ? 0 : -Syscalls.Errno.EFAULT;
    }

    /// <summary>setitimer(which, new, old): a NULL new value disarms (as Linux treats it);
    /// microseconds outside 0..999999 are EINVAL.</summary>
    internal static long SetIntervalTimer(Process* process, int which, ulong newAddress, ulong oldAddress)
    {
        // Linux copies and checks the new value before it looks at which.
        long value = 0, interval = 0;
        if (newAddress != 0)
        {
            long* fields = stackalloc long[4];
            if (!UserMemory.CopyFrom(process->Space, newAddress, new Span<byte>(fields, 32))) return -Syscalls.Errno.EFAULT;
            if (!ValidTimeval(fields[0], fields[1]) || !ValidTimeval(fields[2], fields[3])) return -Syscalls.Errno.EINVAL;
            interval = ToNanoseconds(fields[0], fields[1] * 1000);
            value = ToNanoseconds(fields[2], fields[3] * 1000);
        }

        if (which < ItimerReal || which > ItimerProf) return -Syscalls.Errno.EINVAL;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        WriteTimer(process, which, value, interval, out long oldValue, out long oldInterval);
        Cpu.RestoreInterrupts(interrupts);
        if (oldAddress != 0 && !StoreTimerValue(process, oldAddress, oldValue, oldInterval)) return -Syscalls.Errno.EFAULT;
        return 0;
    }

    /// <summary>alarm(seconds): ITIMER_REAL once; answers the seconds the previous alarm had
    /// left, rounded to the nearest (at least 1 while one was pending), as Linux.</summary>
    internal static long Alarm(Process* process, uint seconds)
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        WriteTimer(process, ItimerReal, (long)seconds * 1_000_000_000, 0, out long oldValue, out _);
        Cpu.RestoreInterrupts(interrupts);
        if (oldValue == 0) return 0;
        long left = oldValue / 1_000_000_000;
        long micros = oldValue % 1_000_000_000 / 1000;
        if (micros >= 500_000 || left == 0) left++;
        return left;
    }

    private static bool ValidTimeval(long seconds, long microseconds) => seconds >= 0 && microseconds >= 0 && microseconds < 1_000_000;

    /// <summary>Seconds beyond what monotonic nanoseconds hold are as good as forever.</summary>
    private static long ToNanoseconds(long seconds, long nanoseconds) =>
        seconds >= long.MaxValue / 2_000_000_000 ? long.MaxValue / 2 : seconds * 1_000_000_000 + nanoseconds;

    private static bool StoreTimerValue(Process* process, ulong address, long value, long interval)
    {
        long* fields = stackalloc long[4];
        // Linux rounds the nanoseconds left up to whole microseconds.
        value = (value + 999) / 1000;
        interval = (interval + 999) / 1000;
        fields[0] = interval / 1_000_000; fields[1] = interval % 1_000_000;
        fields[2] = value / 1_000_000; fields[3] = value % 1_000_000;
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(fields, 32));
    }
}
