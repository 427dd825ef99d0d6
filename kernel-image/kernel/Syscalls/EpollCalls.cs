using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// epoll_create (213), epoll_create1 (291), epoll_ctl (233), epoll_wait (232), epoll_pwait (281)
/// and epoll_pwait2 (441), with Linux's argument checks in Linux's order (fs/eventpoll.c); the
/// instance itself is Files/EventPollFile.cs. epoll_wait sleeps on the instance's queue, which
/// the watched files' wakes reach through the watches' callbacks; a signal ends it with EINTR
/// (never restarted, as Linux).
/// </summary>
internal static unsafe class EpollCalls
{
    private const int CloseOnExec = OpenFileDescription.CloseOnExec;

    /// <summary>sizeof(struct epoll_event): 12 where it is packed (x86-64), 16 elsewhere; the
    /// data is its last 8 bytes (Hal.UserAbi).</summary>
    private static int EventSize => Hal.UserAbi.EpollEventSize();

    /// <summary>Linux EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event).</summary>
    private static int MaxEvents => int.MaxValue / EventSize;

    /// <summary>Events one call takes at most (a kernel buffer's worth; the rest wait for the next call).</summary>
    private const int EventsPerCall = 512;

    /// <summary>Linux TASK_SIZE_MAX on x86-64 (4-level paging): access_ok's bound.</summary>
    private const ulong UserLimit = 0x7FFF_FFFF_F000;

    internal static long Create(Process* process, long size) => size <= 0 ? -Errno.EINVAL : Create1(process, 0);

    internal static long Create1(Process* process, ulong flags)
    {
        if ((flags & ~(ulong)CloseOnExec) != 0) return -Errno.EINVAL;
        ulong limit = ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles);
        long free = process->Descriptors.LowestFree(0, limit);
        if (free < 0) return free;
        OpenFileDescription* description = EventPollFile.Create(process);
        if (description == null) return -Errno.ENOMEM;
        long fd = process->Descriptors.Install(description, 0, limit, (flags & CloseOnExec) != 0);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }

    internal static long Control(Process* process, long epollDescriptor, long op, long descriptor, ulong eventPointer)
    {
        const int Delete = 2;
        uint events = 0;
        ulong data = 0;
        if ((int)op != Delete)
        {
            byte* raw = stackalloc byte[EventSize];
            if (!UserMemory.CopyFrom(process->Space, eventPointer, new Span<byte>(raw, EventSize))) return -Errno.EFAULT;
            events = *(uint*)raw;
            data = *(ulong*)(raw + EventSize - 8);
        }

        OpenFileDescription* epollFile = process->Descriptors.Get((int)epollDescriptor);
        if (epollFile == null) return -Errno.EBADF;
        OpenFileDescription* target = process->Descriptors.Get((int)descriptor);
        if (target == null) return -Errno.EBADF;
        // Linux: a file that cannot be polled (a regular file, a directory) is EPERM.
        if (target->Operations->Poll == null) return -Errno.EPERM;
        if ((int)op != Delete && (events & EventPollFile.Exclusive) != 0)
        {
            if ((int)op == 3) return -Errno.EINVAL;
            if ((int)op == 1 && (EventPollFile.Is(target) || (events & ~EventPollFile.ExclusiveAllowed) != 0)) return -Errno.EINVAL;
        }

        if (epollFile == target || !EventPollFile.Is(epollFile)) return -Errno.EINVAL;
        if (op < 1 || op > 3) return -Errno.EINVAL;
        // Both held for the call: another thread's close must not free either under it.
        OpenFileDescription.Retain(epollFile);
        OpenFileDescription.Retain(target);
        long result = EventPollFile.Control(epollFile, (int)op, target, (int)descriptor, events, data);
        OpenFileDescription.Release(target);
        OpenFileDescription.Release(epollFile);
        return result;
    }

    internal static long Wait(Process* process, long epollDescriptor, ulong events, long maxEvents, long timeoutMs) =>
        DoWait(process, epollDescriptor, events, maxEvents,
            (int)timeoutMs < 0 ? Scheduler.NoDeadline : PollCalls.DeadlineAfterNanoseconds((int)timeoutMs * 1_000_000L));

    /// <summary>epoll_pwait: epoll_wait under a signal mask, put back unless a handler runs.</summary>
    internal static long WaitMasked(Process* process, long epollDescriptor, ulong events, long maxEvents, long timeoutMs, ulong mask, ulong maskSize) =>
        WaitUnderMask(process, epollDescriptor, events, maxEvents,
            (int)timeoutMs < 0 ? Scheduler.NoDeadline : PollCalls.DeadlineAfterNanoseconds((int)timeoutMs * 1_000_000L), mask, maskSize);

    /// <summary>epoll_pwait2: the timeout a timespec (NULL: none).</summary>
    internal static long WaitMaskedPrecise(Process* process, long epollDescriptor, ulong events, long maxEvents, ulong timeout, ulong mask, ulong maskSize)
    {
        ulong deadline = Scheduler.NoDeadline;
        if (timeout != 0)
        {
            long error = PollCalls.ReadTimespec(process, timeout, out long nanoseconds);
            if (error != 0) return error;
            deadline = PollCalls.DeadlineAfterNanoseconds(nanoseconds);
        }

        return WaitUnderMask(process, epollDescriptor, events, maxEvents, deadline, mask, maskSize);
    }

    private static long WaitUnderMask(Process* process, long epollDescriptor, ulong events, long maxEvents, ulong deadline, ulong mask, ulong maskSize)
    {
        long masked = PollCalls.ApplyMask(process, mask, maskSize);
        if (masked != 0) return masked;
        long result = DoWait(process, epollDescriptor, events, maxEvents, deadline);
        if (mask != 0) Process.EndTemporaryMask(process, result == -Errno.EINTR);
        return result;
    }

    private static long DoWait(Process* process, long epollDescriptor, ulong events, long maxEvents, ulong deadline)
    {
        int max = (int)maxEvents;
        if (max <= 0 || max > MaxEvents) return -Errno.EINVAL;
        // Linux's access_ok: only the range is checked here; a page that is not mapped is EFAULT
        // when the events are copied.
        ulong bytes = (ulong)max * (ulong)EventSize;
        if (events > UserLimit || bytes > UserLimit - events) return -Errno.EFAULT;
        OpenFileDescription* epollFile = process->Descriptors.Get((int)epollDescriptor);
        if (epollFile == null) return -Errno.EBADF;
        if (!EventPollFile.Is(epollFile)) return -Errno.EINVAL;
        int capacity = Math.Min(max, EventsPerCall);
        // Room for the events in the kernel's form (12 bytes, packed) and in the user's (16 on
        // arm64): they are laid out in place below.
        int slot = Math.Max(sizeof(EventPollFile.Event), EventSize);
        var buffer = (EventPollFile.Event*)KernelMemory.Allocate((nuint)(capacity * slot));
        if (buffer == null) return -Errno.ENOMEM;
        OpenFileDescription.Retain(epollFile);
        ref WaitQueue waiters = ref EventPollFile.Waiters(epollFile);
        long result;
        bool timedOut = deadline == 0;
        while (true)
        {
            waiters.Prepare(interruptible: true);
            int found = EventPollFile.Harvest(epollFile, buffer, capacity);
            if (found != 0 || timedOut)
            {
                waiters.Cancel();
                result = found;
                break;
            }

            if (Process.HasDeliverableSignal(process))
            {
                waiters.Cancel();
                result = -Errno.EINTR;
                break;
            }

            ulong now = Hal.Timer.Ticks();
            ulong left = deadline == Scheduler.NoDeadline ? WaitQueue.Forever : deadline > now ? deadline - now : 0;
            WakeReason reason = waiters.Sleep(left * Scheduler.TickNanoseconds / 1_000_000);
            if (reason == WakeReason.TimedOut || (deadline != Scheduler.NoDeadline && Hal.Timer.Ticks() >= deadline)) timedOut = true; // one last look
        }

        OpenFileDescription.Release(epollFile);
        if (result > 0)
        {
            // The user's struct epoll_event, laid out in place: front to back where it is no
            // larger than the kernel's Event (x86-64: both 12 bytes), so each lands at or before
            // the one it was read from; back to front where it is larger (arm64: 16), so each
            // lands at or after it. Either way no event is overwritten before it is read.
            int size = EventSize;
            byte* packed = (byte*)buffer;
            bool backwards = size > sizeof(EventPollFile.Event);
            for (int k = 0; k < result; k++)
            {
                int i = backwards ? (int)result - 1 - k : k;
                EventPollFile.Event e = buffer[i];
                *(uint*)(packed + i * size) = e.Events;
                *(uint*)(packed + i * size + 4) = 0;
                *(ulong*)(packed + i * size + size - 8) = e.Data;
            }

            if (!UserMemory.CopyTo(process->Space, events, new ReadOnlySpan<byte>(packed, (int)result * size))) result = -Errno.EFAULT;
        }

        KernelMemory.Free(buffer);
        return result;
    }
}
