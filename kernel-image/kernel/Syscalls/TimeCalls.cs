using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Clocks (Linux kernel/time/): clock_gettime, clock_getres, clock_settime, clock_nanosleep,
/// nanosleep, gettimeofday, time, times.
/// CLOCK_MONOTONIC (and MONOTONIC_RAW, MONOTONIC_COARSE, BOOTTIME: nothing suspends) is the
/// timer's tick count, with the cycle counter interpolating inside the tick once its rate is
/// measured (never past the next tick, so it never goes back). CLOCK_REALTIME (REALTIME_COARSE,
/// TAI, the ALARM clocks) is the real-time clock read once at boot (Hal.RealTimeClock: x86_64's
/// CMOS clock, drivers/rtc/Cmos.cs; aarch64's PL031) plus the
/// monotonic time since; root may set it (clock_settime). The CPU clocks (PROCESS_CPUTIME_ID,
/// THREAD_CPUTIME_ID and the clock_getcpuclockid ids of other processes) are the user and
/// system ticks the scheduler charged. Sleeps end on a timer tick at or after the deadline, so
/// they last at least the time asked. There is no vDSO: the libc makes the system call.
/// </summary>
internal static unsafe class TimeCalls
{
    private const int Realtime = 0, Monotonic = 1, ProcessCpu = 2, ThreadCpu = 3, MonotonicRaw = 4, RealtimeCoarse = 5, MonotonicCoarse = 6,
        Boottime = 7, RealtimeAlarm = 8, BoottimeAlarm = 9, Tai = 11;

    /// <summary>Wall-clock nanoseconds at monotonic 0.</summary>
    private static long s_wallAtZero;

    // Interpolation: the tick the cycle counter was last sampled in, and that sample; the
    // cycles per tick, measured between the first sample and one at least 100 ticks later.
    private static ulong s_tick, s_cyclesAtTick, s_calibrationTick, s_calibrationCycles, s_cyclesPerTick;

    /// <summary>Reads the real-time clock: the starting point of CLOCK_REALTIME. At boot, once.</summary>
    internal static void Initialize()
    {
        long seconds = RealTimeClock.ReadUnixTime();
        s_calibrationTick = Timer.Ticks();
        s_calibrationCycles = Cpu.ReadCycleCounter();
        s_wallAtZero = seconds * 1_000_000_000L - MonotonicNanoseconds();
    }

    /// <summary>Nanoseconds since the timer started; never goes back.</summary>
    internal static long MonotonicNanoseconds()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        ulong ticks = Timer.Ticks();
        ulong cycles = Cpu.ReadCycleCounter();
        ulong tickNs = Tasks.Scheduler.TickNanoseconds;
        if (ticks != s_tick)
        {
            s_tick = ticks;
            s_cyclesAtTick = cycles;
            if (s_cyclesPerTick == 0 && s_calibrationCycles != 0 && ticks >= s_calibrationTick + 100 && cycles > s_calibrationCycles)
                s_cyclesPerTick = (cycles - s_calibrationCycles) / (ticks - s_calibrationTick);
        }

        ulong within = 0;
        if (s_cyclesPerTick != 0 && cycles > s_cyclesAtTick)
        {
            ulong elapsed = Math.Min(cycles - s_cyclesAtTick, s_cyclesPerTick);
            within = Math.Min(elapsed * tickNs / s_cyclesPerTick, tickNs - 1);
        }

        Cpu.RestoreInterrupts(interrupts);
        return (long)(ticks * tickNs + within);
    }

    internal static long RealtimeNanoseconds() => s_wallAtZero + MonotonicNanoseconds();

    // clock_getcpuclockid's ids (Linux include/linux/posix-timers.h): ~pid << 3, the kind in
    // bits 0-1 (PROF user+system, VIRT user, SCHED user+system; 3 is invalid), bit 2 per-thread.
    private const int CpuClockKindMask = 3, CpuClockVirtual = 1, CpuClockInvalid = 3;

    /// <summary>Bit 2 of a clock_getcpuclockid id: the id names a thread (CPUCLOCK_PERTHREAD_MASK).</summary>
    private const int CpuClockPerThread = 4;

    /// <summary>A CPU clock's time: the ticks charged to the process (all its threads) or to
    /// one thread.</summary>
    private static bool CpuTime(long clock, out long nanoseconds)
    {
        nanoseconds = 0;
        Process* self = Process.Current;
        if (self == null) return false;
        if (clock == ProcessCpu)
        {
            nanoseconds = (long)((Process.UserTicks(self) + Process.SystemTicks(self)) * Tasks.Scheduler.TickNanoseconds);
            return true;
        }

        if (clock == ThreadCpu) return ThreadCpuTime(Tasks.Scheduler.Current, clock, out nanoseconds);
        if (clock >= 0 || (clock & CpuClockKindMask) == CpuClockInvalid) return false;
        long pid = ~(clock >> 3);
        if ((clock & CpuClockPerThread) != 0)
        {
            // pthread_getcpuclockid: a thread of the caller's own group only (Linux lookup_task).
            bool locked = Process.LockTable();
            Tasks.KernelThread* thread = pid == 0 ? Tasks.Scheduler.Current : Process.FindThreadById(pid, out Process* owner) is var t && t != null && owner == self ? t : null;
            bool known = thread != null && ThreadCpuTime(thread, clock, out nanoseconds);
            Process.UnlockTable(locked);
            return known;
        }

        bool table = Process.LockTable();
        Process* target = pid == 0 ? self : Process.FindLocked(pid);
        if (target != null)
        {
            ulong ticks = Process.UserTicks(target) + ((clock & CpuClockKindMask) == CpuClockVirtual ? 0 : Process.SystemTicks(target));
            nanoseconds = (long)(ticks * Tasks.Scheduler.TickNanoseconds);
        }

        Process.UnlockTable(table);
        return target != null;
    }

    private static bool ThreadCpuTime(Tasks.KernelThread* thread, long clock, out long nanoseconds)
    {
        ulong ticks = thread->UserTicks + ((clock & CpuClockKindMask) == CpuClockVirtual ? 0 : thread->SystemTicks);
        nanoseconds = (long)(ticks * Tasks.Scheduler.TickNanoseconds);
        return true;
    }

    /// <summary>The clock's time in nanoseconds; false for a clock Aurora does not keep.</summary>
    private static bool Now(long clock, out long nanoseconds)
    {
        switch (clock)
        {
            case Realtime or RealtimeCoarse or Tai or RealtimeAlarm:
                nanoseconds = RealtimeNanoseconds();
                return true;
            case Monotonic or MonotonicRaw or MonotonicCoarse or Boottime or BoottimeAlarm:
                nanoseconds = MonotonicNanoseconds();
                return true;
            default:
                return CpuTime(clock, out nanoseconds);
        }
    }

    private static bool Store(Process* process, ulong address, long first, long second)
    {
        long* pair = stackalloc long[2];
        pair[0] = first;
        pair[1] = second;
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(pair, 16));
    }

    /// <summary>clock_gettime(clock, timespec*).</summary>
    internal static long GetTime(Process* process, long clock, ulong timespec)
    {
        if (!Now(clock, out long ns)) return -Errno.EINVAL;
        return Store(process, timespec, ns / 1_000_000_000, ns % 1_000_000_000) ? 0 : -Errno.EFAULT;
    }

    /// <summary>clock_getres(clock, timespec* or NULL): 1 ns once the cycle counter interpolates
    /// (as Linux's high-resolution clocks), else the tick; the coarse clocks: the tick.</summary>
    internal static long GetResolution(Process* process, long clock, ulong timespec)
    {
        if (!Now(clock, out _)) return -Errno.EINVAL;
        if (timespec == 0) return 0;
        bool ticks = clock is RealtimeCoarse or MonotonicCoarse or ProcessCpu or ThreadCpu || clock < 0 || s_cyclesPerTick == 0;
        long resolution = ticks ? (long)Tasks.Scheduler.TickNanoseconds : 1;
        return Store(process, timespec, 0, resolution) ? 0 : -Errno.EFAULT;
    }

    /// <summary>gettimeofday(timeval* or NULL, timezone* or NULL): the time zone is UTC
    /// (minutes west 0, no DST), as a Linux kernel nobody told otherwise.</summary>
    internal static long GetTimeOfDay(Process* process, ulong timeval, ulong timezone)
    {
        long ns = RealtimeNanoseconds();
        if (timeval != 0 && !Store(process, timeval, ns / 1_000_000_000, ns % 1_000_000_000 / 1000)) return -Errno.EFAULT;
        if (timezone != 0)
        {
            ulong zero = 0;
            if (!UserMemory.CopyTo(process->Space, timezone, new ReadOnlySpan<byte>(&zero, 8))) return -Errno.EFAULT;
        }

        return 0;
    }

    /// <summary>time(time_t* or NULL): seconds since the epoch, also stored when asked.</summary>
    internal static long Time(Process* process, ulong store)
    {
        long seconds = RealtimeNanoseconds() / 1_000_000_000;
        if (store != 0 && !UserMemory.CopyTo(process->Space, store, new ReadOnlySpan<byte>(&seconds, 8))) return -Errno.EFAULT;
        return seconds;
    }

    /// <summary>clock_settime(clock, timespec*) in Linux's order: a clock that cannot be set is
    /// EINVAL before the copy (EFAULT), PROCESS/THREAD_CPUTIME_ID among them; a
    /// clock_getcpuclockid clock refuses after it (EPERM); CLOCK_REALTIME takes a time in range
    /// (EINVAL) from root (EPERM).</summary>
    internal static long SetTime(Process* process, long clock, ulong timespec)
    {
        bool cpu = clock < 0 && (clock & CpuClockKindMask) != CpuClockInvalid;
        if (clock != Realtime && !cpu) return -Errno.EINVAL;
        long* time = stackalloc long[2];
        if (!UserMemory.CopyFrom(process->Space, timespec, new Span<byte>(time, 16))) return -Errno.EFAULT;
        if (cpu) return -Errno.EPERM;
        if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Errno.EINVAL;
        if (!process->Credentials.Privileged) return -Errno.EPERM;
        // Linux refuses times past its 2232 limit (TIME_SETTOD_SEC_MAX, ktime_t's range): EINVAL.
        if (time[0] > (long.MaxValue / 1_000_000_000) - 31_536_000L * 30) return -Errno.EINVAL;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        s_wallAtZero = time[0] * 1_000_000_000 + time[1] - MonotonicNanoseconds();
        Cpu.RestoreInterrupts(interrupts);
        return 0;
    }

    /// <summary>The first timer tick at or after monotonic <paramref name="start"/> plus the
    /// given time: a wait that ends on it has lasted at least that long.</summary>
    internal static ulong DeadlineTick(long start, long seconds, long nanoseconds)
    {
        ulong tick = Tasks.Scheduler.TickNanoseconds;
        // Seconds beyond what the tick counter can reach are as good as forever.
        if (seconds >= 1L << 33) return Tasks.Scheduler.NoDeadline;
        long end = start + seconds * 1_000_000_000 + nanoseconds;
        if (end <= 0) return 0;
        return ((ulong)end + tick - 1) / tick;
    }

    /// <summary>The tick of an absolute time on the wall clock (<paramref name="realtime"/>) or
    /// the monotonic one (futex's FUTEX_WAIT_BITSET deadline).</summary>
    internal static ulong AbsoluteDeadlineTick(bool realtime, long seconds, long nanoseconds) =>
        DeadlineTick(realtime ? -s_wallAtZero : 0, seconds, nanoseconds);

    private const int TimerAbstime = 1;

    /// <summary>clock_nanosleep(clock, flags, request, remain): sleeps on REALTIME, MONOTONIC,
    /// BOOTTIME, TAI (relative, or to an absolute time with TIMER_ABSTIME). Linux's answers for
    /// the rest: the raw and coarse clocks and the thread CPU clock cannot sleep (EOPNOTSUPP);
    /// unknown clocks are EINVAL, and so are the process CPU clocks here (Linux sleeps until
    /// that much CPU time is used: not served). A signal ends a
    /// relative sleep with EINTR and the time left in remain; an absolute one is restarted.</summary>
    internal static long ClockSleep(Process* process, long clock, ulong flags, ulong request, ulong remaining)
    {
        long* time = stackalloc long[2];
        if (clock is MonotonicRaw or RealtimeCoarse or MonotonicCoarse or ThreadCpu) return -Errno.EOPNOTSUPP;
        if (clock is not (Realtime or Monotonic or Boottime or Tai or RealtimeAlarm or BoottimeAlarm)) return -Errno.EINVAL;
        if (!UserMemory.CopyFrom(process->Space, request, new Span<byte>(time, 16))) return -Errno.EFAULT;
        if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Errno.EINVAL; // absolute too, as Linux
        bool absolute = (flags & TimerAbstime) != 0;
        bool wall = clock is Realtime or Tai or RealtimeAlarm;
        ulong deadline = absolute
            ? DeadlineTick(wall ? -s_wallAtZero : 0, time[0], time[1])
            : DeadlineTick(MonotonicNanoseconds(), time[0], time[1]);
        return SleepUntil(process, deadline, absolute ? 0 : remaining, absolute);
    }

    /// <summary>nanosleep(request, remain): a relative CLOCK_MONOTONIC sleep.</summary>
    internal static long Sleep(Process* process, ulong request, ulong remaining) =>
        ClockSleep(process, Monotonic, 0, request, remaining);

    /// <summary>Sleeps until the tick <paramref name="deadline"/> or a deliverable signal: then
    /// EINTR with the time left stored at <paramref name="remaining"/> (if given), or, for an
    /// absolute deadline, ERESTARTNOHAND (the call runs again unless a handler ran).</summary>
    private static long SleepUntil(Process* process, ulong deadline, ulong remaining, bool absolute)
    {
        while (true)
        {
            // Prepared before the signal check: a kill between the check and the sleep ends
            // the sleep at once instead of being noticed when it is over.
            Tasks.Scheduler.PrepareWait(interruptible: true);
            ulong now = Timer.Ticks();
            if (now >= deadline)
            {
                Tasks.Scheduler.EndWait();
                return 0;
            }

            if (Process.HasDeliverableSignal(process))
            {
                Tasks.Scheduler.EndWait();
                if (absolute) return -Errno.ERESTARTNOHAND;
                if (remaining != 0)
                {
                    long left = deadline == Tasks.Scheduler.NoDeadline ? long.MaxValue : (long)(deadline * Tasks.Scheduler.TickNanoseconds) - MonotonicNanoseconds();
                    if (left < 0) left = 0;
                    if (!Store(process, remaining, left / 1_000_000_000, left % 1_000_000_000)) return -Errno.EFAULT;
                }

                return -Errno.EINTR;
            }

            // One wait for the whole time: the tick at the deadline wakes it, or a signal does.
            Tasks.Scheduler.BlockUntilWoken(deadline);
        }
    }

    /// <summary>Linux's USER_HZ: the unit of clock_t in times().</summary>
    private const long UserHz = 100;

    /// <summary>times(struct tms* or NULL): the caller's and its reaped children's user and
    /// system time in clock ticks; answers the clock ticks since boot.</summary>
    internal static long Times(Process* process, ulong address)
    {
        if (address != 0)
        {
            long* fields = stackalloc long[4];
            fields[0] = ToUserHz(Process.UserTicks(process));
            fields[1] = ToUserHz(Process.SystemTicks(process));
            fields[2] = ToUserHz(process->Timers.ChildUserTicks);
            fields[3] = ToUserHz(process->Timers.ChildSystemTicks);
            if (!UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(fields, 32))) return -Errno.EFAULT;
        }

        return MonotonicNanoseconds() / (1_000_000_000 / UserHz);
    }

    private static long ToUserHz(ulong ticks) => (long)(ticks * Tasks.Scheduler.TickNanoseconds / (1_000_000_000 / UserHz));
}
