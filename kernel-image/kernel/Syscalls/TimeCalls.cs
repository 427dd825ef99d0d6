using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Clocks (Linux kernel/time/): clock_gettime, clock_getres, gettimeofday, time.
/// CLOCK_MONOTONIC (and MONOTONIC_RAW, MONOTONIC_COARSE, BOOTTIME: nothing suspends) is the
/// timer's tick count, with the cycle counter interpolating inside the tick once its rate is
/// measured (never past the next tick, so it never goes back). CLOCK_REALTIME (REALTIME_COARSE,
/// TAI, the ALARM clocks) is the CMOS clock read once at boot (drivers/rtc/Cmos.cs) plus the
/// monotonic time since; nothing sets it yet. The per-process and per-thread CPU clocks are not
/// kept yet: EINVAL, like any unknown clock. There is no vDSO: the libc makes the system call.
/// </summary>
internal static unsafe class TimeCalls
{
    private const int Realtime = 0, Monotonic = 1, MonotonicRaw = 4, RealtimeCoarse = 5, MonotonicCoarse = 6,
        Boottime = 7, RealtimeAlarm = 8, BoottimeAlarm = 9, Tai = 11;

    /// <summary>Wall-clock nanoseconds at monotonic 0.</summary>
    private static long s_wallAtZero;

    // Interpolation: the tick the cycle counter was last sampled in, and that sample; the
    // cycles per tick, measured between the first sample and one at least 100 ticks later.
    private static ulong s_tick, s_cyclesAtTick, s_calibrationTick, s_calibrationCycles, s_cyclesPerTick;

    /// <summary>Reads the CMOS clock: the starting point of CLOCK_REALTIME. At boot, once.</summary>
    internal static void Initialize()
    {
        long seconds = Drivers.Rtc.Cmos.ReadUnixTime();
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
                nanoseconds = 0;
                return false;
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
        long resolution = clock is RealtimeCoarse or MonotonicCoarse || s_cyclesPerTick == 0 ? (long)Tasks.Scheduler.TickNanoseconds : 1;
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
}
