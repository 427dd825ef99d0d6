using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Sync;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Files;

/// <summary>
/// A timerfd (Linux fs/timerfd.c): a timer behind a descriptor. read(2) answers the 8-byte
/// count of expirations since the last read or settime and resets it, waiting while it is 0
/// (EAGAIN with O_NONBLOCK; a signal ends the wait with ERESTARTSYS); a read shorter than 8
/// bytes is EINVAL. Readable (POLLIN) while the count is above 0. Deadlines are kept in
/// monotonic nanoseconds (a CLOCK_REALTIME absolute time is converted when set, so a later
/// clock_settime does not move it; TFD_TIMER_CANCEL_ON_SET is accepted and never cancels).
/// Armed timers are on one list that the timer tick walks (<see cref="OnTick"/>, called from
/// the tick hook, interrupts off): a due timer counts its expirations (every period passed, as
/// hrtimer_forward), re-arms or disarms, and wakes its queue, so readers and poll/epoll sleep
/// without polling. read, poll and gettime also bring the count up to date themselves, so
/// they never lag the tick. Lock: <see cref="s_lock"/> guards the list and every timer's fields.
/// </summary>
internal static unsafe class TimerFile
{
    /// <summary>timerfd_create's clocks and flags, timerfd_settime's flags (Linux uapi).</summary>
    internal const int ClockRealtime = 0, ClockMonotonic = 1, ClockBoottime = 7;
    internal const int NonBlocking = OpenFileDescription.NonBlocking, CloseOnExec = OpenFileDescription.CloseOnExec;
    internal const int AbsoluteTime = 1, CancelOnSet = 2;

    internal struct Countdown
    {
        public bool Realtime;
        /// <summary>Monotonic nanoseconds of the next expiry; 0 when disarmed.</summary>
        public long Deadline;
        public long Interval;
        public ulong Expirations;
        public Countdown* NextArmed;
        public WaitQueue Waiters;
    }

    private static SpinLock s_lock;
    private static Countdown* s_armed;

    /// <summary>Timerfds alive now (for tests).</summary>
    internal static int Live;

    private static FileOperations s_operations;

    private static FileOperations* Operations
    {
        get
        {
            fixed (FileOperations* operations = &s_operations)
            {
                if (operations->Read == null)
                {
                    operations->Seek = &Seek;
                    operations->Stat = &Stat;
                    operations->Poll = &Poll;
                    operations->PollWait = &PollWait;
                    operations->Close = &Close;
                    operations->Name = &Name;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Read = &Read;
                }

                return operations;
            }
        }
    }

    internal static bool Is(OpenFileDescription* description) => description->Operations == Operations;

    /// <summary>A new disarmed timer on <paramref name="clock"/> (already checked), O_RDWR plus
    /// O_NONBLOCK if <paramref name="flags"/> has it; null when the heap is out.</summary>
    internal static OpenFileDescription* Create(int clock, int flags)
    {
        var timer = (Countdown*)KernelMemory.Allocate((nuint)sizeof(Countdown));
        if (timer == null) return null;
        *timer = default;
        timer->Realtime = clock == ClockRealtime;
        OpenFileDescription* description = OpenFileDescription.Create(Operations, timer,
            OpenFileDescription.ReadWrite | (flags & NonBlocking));
        if (description == null)
        {
            KernelMemory.Free(timer);
            return null;
        }

        Live++;
        Process.StartTickHook();
        return description;
    }

    /// <summary>Counts a due timer's expirations and moves or clears its deadline; true when it
    /// expired. Under <see cref="s_lock"/> (or in the tick, interrupts off).</summary>
    private static bool Expire(Countdown* timer, long now)
    {
        if (timer->Deadline == 0 || timer->Deadline > now) return false;
        if (timer->Interval == 0)
        {
            timer->Expirations++;
            Disarm(timer);
            return true;
        }

        long periods = (now - timer->Deadline) / timer->Interval + 1;
        timer->Expirations += (ulong)periods;
        timer->Deadline += periods * timer->Interval;
        return true;
    }

    private static void Disarm(Countdown* timer)
    {
        if (timer->Deadline == 0) return;
        timer->Deadline = 0;
        if (s_armed == timer)
        {
            s_armed = timer->NextArmed;
            return;
        }

        for (Countdown* previous = s_armed; previous != null; previous = previous->NextArmed)
        {
            if (previous->NextArmed == timer)
            {
                previous->NextArmed = timer->NextArmed;
                return;
            }
        }
    }

    /// <summary>The tick (interrupts off): every due timer counts and wakes its waiters.</summary>
    internal static void OnTick()
    {
        if (s_armed == null) return;
        long now = Syscalls.TimeCalls.MonotonicNanoseconds();
        bool interrupts = s_lock.Acquire();
        Countdown* timer = s_armed;
        while (timer != null)
        {
            Countdown* next = timer->NextArmed; // Expire may unlink it
            if (Expire(timer, now)) timer->Waiters.WakeAll();
            timer = next;
        }

        s_lock.Release(interrupts);
    }

    /// <summary>timerfd_gettime's answer: nanoseconds to the next expiry (0 disarmed) and the interval.</summary>
    internal static void Get(OpenFileDescription* description, out long remaining, out long interval)
    {
        var timer = (Countdown*)description->Object;
        long now = Syscalls.TimeCalls.MonotonicNanoseconds();
        bool interrupts = s_lock.Acquire();
        bool expired = Expire(timer, now);
        remaining = timer->Deadline == 0 ? 0 : Math.Max(timer->Deadline - now, 1);
        interval = timer->Interval;
        s_lock.Release(interrupts);
        if (expired) timer->Waiters.WakeAll();
    }

    /// <summary>timerfd_settime: arms (value above 0) or disarms, resets the count, and answers
    /// the old setting. <paramref name="value"/> is relative, or absolute on the timer's clock.</summary>
    internal static void Set(OpenFileDescription* description, bool absolute, long value, long interval, out long oldRemaining, out long oldInterval)
    {
        var timer = (Countdown*)description->Object;
        long now = Syscalls.TimeCalls.MonotonicNanoseconds();
        long deadline = 0;
        if (value != 0)
        {
            if (!absolute) deadline = now + value;
            else if (timer->Realtime) deadline = value - (Syscalls.TimeCalls.RealtimeNanoseconds() - now);
            else deadline = value;
            if (deadline <= 0) deadline = 1; // due already; 0 means disarmed
        }

        bool interrupts = s_lock.Acquire();
        Expire(timer, now);
        oldRemaining = timer->Deadline == 0 ? 0 : Math.Max(timer->Deadline - now, 1);
        oldInterval = timer->Interval;
        Disarm(timer);
        timer->Expirations = 0;
        timer->Interval = value == 0 ? 0 : interval;
        if (deadline != 0)
        {
            timer->Deadline = deadline;
            timer->NextArmed = s_armed;
            s_armed = timer;
            Expire(timer, now); // an absolute time already past counts at once
        }

        s_lock.Release(interrupts);
        timer->Waiters.WakeAll();
    }

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (length < sizeof(ulong)) return -Errno.EINVAL;
        var timer = (Countdown*)description->Object;
        ulong taken;
        while (true)
        {
            timer->Waiters.Prepare(interruptible: true);
            long now = Syscalls.TimeCalls.MonotonicNanoseconds();
            bool interrupts = s_lock.Acquire();
            Expire(timer, now);
            taken = timer->Expirations;
            timer->Expirations = 0;
            s_lock.Release(interrupts);
            if (taken != 0)
            {
                timer->Waiters.Cancel();
                break;
            }

            if (description->IsNonBlocking || Process.HasDeliverableSignal(process))
            {
                timer->Waiters.Cancel();
                return description->IsNonBlocking ? -Errno.EAGAIN : -Errno.ERESTARTSYS;
            }

            timer->Waiters.Sleep(WaitQueue.Forever);
        }

        return UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(&taken, sizeof(ulong))) ? sizeof(ulong) : -Errno.EFAULT;
    }

    /// <summary>Linux's noop_llseek: 0, nothing moves.</summary>
    private static long Seek(OpenFileDescription* description, long offset, int whence) => 0;

    private static int Poll(OpenFileDescription* description)
    {
        var timer = (Countdown*)description->Object;
        long now = Syscalls.TimeCalls.MonotonicNanoseconds();
        bool interrupts = s_lock.Acquire();
        Expire(timer, now);
        bool ready = timer->Expirations != 0;
        s_lock.Release(interrupts);
        return ready ? Readiness.In : 0;
    }

    private static void PollWait(OpenFileDescription* description, PollTable* table) =>
        table->Add(ref ((Countdown*)description->Object)->Waiters);

    private static long Stat(OpenFileDescription* description, FileStatus* status) => AnonymousInode.Stat(status);

    private static int Name(OpenFileDescription* description, Span<byte> name) => AnonymousInode.Name(name, "timerfd");

    private static void Close(void* obj)
    {
        bool interrupts = s_lock.Acquire();
        Disarm((Countdown*)obj);
        s_lock.Release(interrupts);
        KernelMemory.Free(obj);
        Live--;
    }
}
