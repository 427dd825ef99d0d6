using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// timerfd_create (283), timerfd_settime (286) and timerfd_gettime (287) (Linux fs/timerfd.c),
/// with Linux's checks in Linux's order; the timer itself is Files/TimerFile.cs. Clocks:
/// CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME (monotonic here: nothing suspends); the
/// alarm clocks and any other are EINVAL. A struct itimerspec is the interval, then the value,
/// each a timespec whose seconds are not negative and nanoseconds below 10^9 (else EINVAL).
/// </summary>
internal static unsafe class TimerFdCalls
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Seconds beyond this are as good as forever (their nanoseconds would not fit a long).</summary>
    private const long MaxSeconds = long.MaxValue / NanosecondsPerSecond / 2;

    internal static long Create(Process* process, int clock, ulong flags)
    {
        const ulong Allowed = TimerFile.NonBlocking | TimerFile.CloseOnExec;
        if ((flags & ~Allowed) != 0) return -Errno.EINVAL;
        if (clock != TimerFile.ClockRealtime && clock != TimerFile.ClockMonotonic && clock != TimerFile.ClockBoottime) return -Errno.EINVAL;
        ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles);
        long free = process->Descriptors.LowestFree(0, limit);
        if (free < 0) return free;
        OpenFileDescription* description = TimerFile.Create(clock, (int)flags);
        if (description == null) return -Errno.ENOMEM;
        long fd = process->Descriptors.Install(description, 0, limit, (flags & TimerFile.CloseOnExec) != 0);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }

    internal static long Set(Process* process, int descriptor, ulong flags, ulong newAddress, ulong oldAddress)
    {
        long* spec = stackalloc long[4];
        if (!UserMemory.CopyFrom(process->Space, newAddress, new Span<byte>(spec, 32))) return -Errno.EFAULT;
        if ((flags & ~(ulong)(TimerFile.AbsoluteTime | TimerFile.CancelOnSet)) != 0) return -Errno.EINVAL;
        if (!Valid(spec[0], spec[1]) || !Valid(spec[2], spec[3])) return -Errno.EINVAL;
        OpenFileDescription* description = process->Descriptors.Get(descriptor);
        if (description == null) return -Errno.EBADF;
        if (!TimerFile.Is(description)) return -Errno.EINVAL;
        OpenFileDescription.Retain(description); // another thread's close must not free it under us
        TimerFile.Set(description, (flags & TimerFile.AbsoluteTime) != 0, Nanoseconds(spec[2], spec[3]), Nanoseconds(spec[0], spec[1]),
            out long oldValue, out long oldInterval);
        OpenFileDescription.Release(description);
        if (oldAddress != 0 && !Store(process, oldAddress, oldValue, oldInterval)) return -Errno.EFAULT;
        return 0;
    }

    internal static long Get(Process* process, int descriptor, ulong address)
    {
        OpenFileDescription* description = process->Descriptors.Get(descriptor);
        if (description == null) return -Errno.EBADF;
        if (!TimerFile.Is(description)) return -Errno.EINVAL;
        OpenFileDescription.Retain(description);
        TimerFile.Get(description, out long value, out long interval);
        OpenFileDescription.Release(description);
        return Store(process, address, value, interval) ? 0 : -Errno.EFAULT;
    }

    private static bool Valid(long seconds, long nanoseconds) => seconds >= 0 && nanoseconds >= 0 && nanoseconds < NanosecondsPerSecond;

    private static long Nanoseconds(long seconds, long nanoseconds) =>
        Math.Min(seconds, MaxSeconds) * NanosecondsPerSecond + nanoseconds;

    /// <summary>A struct itimerspec: interval, then value.</summary>
    private static bool Store(Process* process, ulong address, long value, long interval)
    {
        long* spec = stackalloc long[4];
        spec[0] = interval / NanosecondsPerSecond;
        spec[1] = interval % NanosecondsPerSecond;
        spec[2] = value / NanosecondsPerSecond;
        spec[3] = value % NanosecondsPerSecond;
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(spec, 32));
    }
}
