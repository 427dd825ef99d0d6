using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// poll (7), ppoll (271), select (23) and pselect6 (270) over any descriptor (Linux fs/select.c).
/// Each descriptor's kind answers its readiness (<see cref="FileOperations.Poll"/>; none: a
/// regular file, always ready) and names the wait queues that may change it
/// (<see cref="FileOperations.PollWait"/>); the caller sleeps on all of them at once through a
/// <see cref="PollTable"/> until one wakes, the time runs out or a signal comes — never by
/// looking again on a timer. Timeouts: poll's in milliseconds (negative: none, 0: no wait),
/// ppoll's and pselect6's a timespec, select's a timeval; select, pselect6 and ppoll write the
/// time left back, as Linux does. ppoll and pselect6 wait under the given signal mask, put back
/// on return or after the handler that interrupted them. A signal ends the wait with
/// ERESTARTNOHAND (EINTR under a handler, restarted otherwise). Errors as Linux: poll's nfds
/// above RLIMIT_NOFILE EINVAL and a closed descriptor POLLNVAL; select's negative n EINVAL, n
/// above the descriptor table clamped, a closed descriptor in a set EBADF; bad pointers EFAULT.
/// </summary>
internal static unsafe class PollCalls
{
    private const int DefaultMask = Readiness.In | Readiness.Out | Readiness.ReadNormal | Readiness.WriteNormal;
    private const int InSet = Readiness.ReadNormal | Readiness.ReadBand | Readiness.In | Readiness.HangUp | Readiness.Error;
    private const int OutSet = Readiness.WriteBand | Readiness.WriteNormal | Readiness.Out | Readiness.Error;
    private const int ExceptSet = Readiness.Priority;
    private const int SigsetSize = 8;

    /// <summary>One descriptor being watched: its number, its description (a reference held
    /// for the call), the bits that count, and the bits found.</summary>
    private struct Watch
    {
        public int Descriptor;
        public OpenFileDescription* File;
        public int Wanted;
        public int Ready;

        /// <summary>After a look-up: -1 while the descriptor still names <see cref="File"/>,
        /// else the bits to report (what the file now behind it answers, or none).</summary>
        public int Moved;
    }

    /// <summary>A deadline in timer ticks: <see cref="Scheduler.NoDeadline"/> for none, 0 for
    /// "do not wait".</summary>
    internal static ulong DeadlineAfterNanoseconds(long nanoseconds)
    {
        if (nanoseconds <= 0) return 0;
        if (nanoseconds >= 1L << 60) return Scheduler.NoDeadline;
        ulong tick = Scheduler.TickNanoseconds;
        return Hal.Timer.Ticks() + 1 + ((ulong)nanoseconds + tick - 1) / tick;
    }

    internal static long NanosecondsLeft(ulong deadline)
    {
        ulong now = Hal.Timer.Ticks();
        return deadline > now ? (long)((deadline - now) * Scheduler.TickNanoseconds) : 0;
    }

    /// <summary>Readiness now, with Linux's normal-band bits beside POLLIN and POLLOUT.</summary>
    internal static int ReadinessOf(OpenFileDescription* file)
    {
        if (file->Operations->Poll == null) return DefaultMask;
        int bits = file->Operations->Poll(file);
        if ((bits & Readiness.In) != 0) bits |= Readiness.ReadNormal;
        if ((bits & Readiness.Out) != 0) bits |= Readiness.WriteNormal;
        return bits;
    }

    /// <summary>The wait itself (Linux do_poll): passes over the watches until one is ready,
    /// the deadline passes or a signal comes. Watches without a file keep the Ready they came
    /// with (POLLNVAL) and count. Returns how many are ready, or ERESTARTNOHAND.
    /// Each pass after the first looks the descriptors up again, as Linux's do_poll and
    /// do_select do: one another thread closed meanwhile is POLLNVAL for poll
    /// (<paramref name="closedBits"/>) and nothing for select; one that now names another
    /// file answers with that file's readiness. The watched description stays held (its
    /// queues have our entries) until the wait ends.</summary>
    private static long WaitForAny(Process* process, Watch* watches, int count, ulong deadline, int closedBits)
    {
        PollEntry* entries = null;
        int capacity = count * 2; // no kind adds more than two queues
        if (capacity > 0 && deadline != 0)
        {
            entries = (PollEntry*)KernelMemory.Allocate((nuint)(capacity * sizeof(PollEntry)));
            if (entries == null) return -Errno.ENOMEM;
        }

        var table = new PollTable(entries, entries == null ? 0 : capacity);
        if (entries == null) table.StopRegistering();
        bool timedOut = deadline == 0;
        long result;
        bool again = false;
        while (true)
        {
            // Before the wait is prepared: a reference dropped here may be the last (a close
            // that sleeps).
            for (int i = 0; again && i < count; i++)
            {
                if (watches[i].File == null) continue;
                OpenFileDescription* now = process->Descriptors.Acquire(watches[i].Descriptor);
                watches[i].Moved = now == watches[i].File ? -1 : now == null ? closedBits : ReadinessOf(now) & watches[i].Wanted;
                if (now != null) OpenFileDescription.Release(now);
            }

            Scheduler.PrepareWait(interruptible: true);
            int ready = 0;
            for (int i = 0; i < count; i++)
            {
                OpenFileDescription* file = watches[i].File;
                if (file == null)
                {
                    if (watches[i].Ready != 0) ready++;
                    continue;
                }

                if (file->Operations->PollWait != null) file->Operations->PollWait(file, &table);
                watches[i].Ready = !again || watches[i].Moved < 0 ? ReadinessOf(file) & watches[i].Wanted : watches[i].Moved;
                if (watches[i].Ready != 0) ready++;
            }

            again = true;

            table.StopRegistering();
            if (ready == 0 && Process.HasDeliverableSignal(process))
            {
                Scheduler.EndWait();
                result = -Errno.ERESTARTNOHAND;
                break;
            }

            if (ready > 0 || timedOut)
            {
                Scheduler.EndWait();
                result = ready;
                break;
            }

            // A queue that found no entry cannot wake us: look again soon instead (not expected;
            // every kind names at most two queues).
            ulong until = deadline;
            if (table.Overflowed)
            {
                ulong soon = Hal.Timer.Ticks() + 10;
                if (soon < until) until = soon;
            }

            WakeReason reason = Scheduler.BlockUntilWoken(until);
            if (reason == WakeReason.TimedOut && Hal.Timer.Ticks() >= deadline) timedOut = true; // one last look
        }

        table.RemoveAll();
        KernelMemory.Free(entries);
        return result;
    }

    internal static long Poll(Process* process, ulong fds, uint count, int timeoutMs) =>
        DoPoll(process, fds, count, timeoutMs < 0 ? Scheduler.NoDeadline : DeadlineAfterNanoseconds(timeoutMs * 1_000_000L));

    private static long DoPoll(Process* process, ulong fds, uint count, ulong deadline)
    {
        if (count > ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles)) return -Errno.EINVAL;
        // struct pollfd: int fd; short events; short revents.
        int bytes = (int)count * 8;
        var records = (int*)KernelMemory.Allocate((nuint)(bytes + 8));
        var watches = (Watch*)KernelMemory.Allocate((nuint)((count + 1) * (uint)sizeof(Watch)));
        long result;
        if (records == null || watches == null) result = -Errno.ENOMEM;
        else if (!UserMemory.CopyFrom(process->Space, fds, new Span<byte>(records, bytes))) result = -Errno.EFAULT;
        else
        {
            for (int i = 0; i < count; i++)
            {
                int fd = records[i * 2];
                int events = (ushort)(records[i * 2 + 1] & 0xFFFF);
                watches[i] = default;
                if (fd < 0) continue; // ignored, revents 0
                OpenFileDescription* file = process->Descriptors.Acquire(fd); // held until the wait ends
                if (file == null)
                {
                    watches[i].Ready = Readiness.Invalid;
                    continue;
                }

                watches[i].Descriptor = fd;
                watches[i].File = file;
                watches[i].Wanted = events | Readiness.Error | Readiness.HangUp;
            }

            result = WaitForAny(process, watches, (int)count, deadline, Readiness.Invalid);
            for (int i = 0; i < count; i++)
            {
                if (watches[i].File != null) OpenFileDescription.Release(watches[i].File);
                // revents is the upper half of the second word.
                records[i * 2 + 1] = (records[i * 2 + 1] & 0xFFFF) | (result >= 0 ? watches[i].Ready << 16 : 0);
            }

            if (result >= 0 && !UserMemory.CopyTo(process->Space, fds, new ReadOnlySpan<byte>(records, bytes))) result = -Errno.EFAULT;
        }

        KernelMemory.Free(records);
        KernelMemory.Free(watches);
        return result;
    }

    /// <summary>ppoll(fds, nfds, tsp, sigmask, sigsetsize).</summary>
    internal static long PollTimed(Process* process, ulong fds, uint count, ulong timeout, ulong mask, ulong maskSize)
    {
        ulong deadline = Scheduler.NoDeadline;
        if (timeout != 0)
        {
            long error = ReadTimespec(process, timeout, out long nanoseconds);
            if (error != 0) return error;
            deadline = DeadlineAfterNanoseconds(nanoseconds);
        }

        long masked = ApplyMask(process, mask, maskSize);
        if (masked != 0) return masked;
        long result = DoPoll(process, fds, count, deadline);
        Process.EndTemporaryMask(process, result == -Errno.ERESTARTNOHAND);
        if (timeout != 0) WriteTimeLeft(process, timeout, deadline, timeval: false);
        return result;
    }

    /// <summary>select(n, readfds, writefds, exceptfds, timeval).</summary>
    internal static long Select(Process* process, int n, ulong read, ulong write, ulong except, ulong timeout)
    {
        ulong deadline = Scheduler.NoDeadline;
        if (timeout != 0)
        {
            long* time = stackalloc long[2];
            if (!UserMemory.CopyFrom(process->Space, timeout, new Span<byte>(time, 16))) return -Errno.EFAULT;
            // Linux carries whole seconds out of tv_usec; only a negative part is EINVAL.
            long seconds = time[0] + time[1] / 1_000_000, nanoseconds = time[1] % 1_000_000 * 1000;
            if (seconds < 0 || nanoseconds < 0) return -Errno.EINVAL;
            deadline = DeadlineAfterNanoseconds(Nanoseconds(seconds, nanoseconds));
        }

        long result = DoSelect(process, n, read, write, except, deadline);
        if (timeout != 0) WriteTimeLeft(process, timeout, deadline, timeval: true);
        return result;
    }

    /// <summary>pselect6(n, readfds, writefds, exceptfds, timespec, {sigmask, sigsetsize}).</summary>
    internal static long SelectTimed(Process* process, int n, ulong read, ulong write, ulong except, ulong timeout, ulong maskArgument)
    {
        ulong deadline = Scheduler.NoDeadline;
        if (timeout != 0)
        {
            long error = ReadTimespec(process, timeout, out long nanoseconds);
            if (error != 0) return error;
            deadline = DeadlineAfterNanoseconds(nanoseconds);
        }

        ulong mask = 0, maskSize = 0;
        if (maskArgument != 0)
        {
            ulong* pair = stackalloc ulong[2];
            if (!UserMemory.CopyFrom(process->Space, maskArgument, new Span<byte>(pair, 16))) return -Errno.EFAULT;
            mask = pair[0];
            maskSize = pair[1];
        }

        long masked = ApplyMask(process, mask, maskSize);
        if (masked != 0) return masked;
        long result = DoSelect(process, n, read, write, except, deadline);
        Process.EndTemporaryMask(process, result == -Errno.ERESTARTNOHAND);
        if (timeout != 0) WriteTimeLeft(process, timeout, deadline, timeval: false);
        return result;
    }

    /// <summary>Descriptors select looks at, at most: FD_SETSIZE (musl's and glibc's fd_set),
    /// not the descriptor table's ceiling (a million, whose sets would not fit the kernel stack).</summary>
    private const int SelectSetSize = 1024;

    private static long DoSelect(Process* process, int n, ulong read, ulong write, ulong except, ulong deadline)
    {
        if (n < 0) return -Errno.EINVAL;
        if (n > SelectSetSize) n = SelectSetSize; // Linux clamps to the table's size; fd_set holds 1024
        int words = (n + 63) / 64;
        ulong* sets = stackalloc ulong[3 * (SelectSetSize / 64)];
        ulong* input = sets, output = sets + words, exception = sets + 2 * words;
        new Span<byte>(sets, 3 * words * 8).Clear();
        if ((read != 0 && !UserMemory.CopyFrom(process->Space, read, new Span<byte>(input, words * 8))) ||
            (write != 0 && !UserMemory.CopyFrom(process->Space, write, new Span<byte>(output, words * 8))) ||
            (except != 0 && !UserMemory.CopyFrom(process->Space, except, new Span<byte>(exception, words * 8))))
            return -Errno.EFAULT;

        // Bits past n in the last word are not looked at.
        if ((n & 63) != 0)
        {
            ulong keep = (1UL << (n & 63)) - 1;
            input[words - 1] &= keep;
            output[words - 1] &= keep;
            exception[words - 1] &= keep;
        }

        int watched = 0;
        for (int w = 0; w < words; w++) watched += System.Numerics.BitOperations.PopCount(input[w] | output[w] | exception[w]);
        var watches = (Watch*)KernelMemory.Allocate((nuint)((watched + 1) * sizeof(Watch)));
        var numbers = (int*)KernelMemory.Allocate((nuint)((watched + 1) * 4));
        long result = 0;
        int count = 0;
        if (watches == null || numbers == null) result = -Errno.ENOMEM;
        for (int fd = 0; fd < n && result == 0; fd++)
        {
            ulong bit = 1UL << (fd & 63);
            int wanted = ((input[fd >> 6] & bit) != 0 ? InSet : 0) | ((output[fd >> 6] & bit) != 0 ? OutSet : 0) |
                         ((exception[fd >> 6] & bit) != 0 ? ExceptSet : 0);
            if (wanted == 0) continue;
            OpenFileDescription* file = process->Descriptors.Acquire(fd); // held until the wait ends
            if (file == null)
            {
                result = -Errno.EBADF;
                break;
            }

            watches[count] = default;
            watches[count].Descriptor = fd;
            watches[count].File = file;
            watches[count].Wanted = wanted;
            numbers[count++] = fd;
        }

        if (result == 0) result = WaitForAny(process, watches, count, deadline, closedBits: 0);
        if (result >= 0)
        {
            // The sets come back holding only the ready descriptors; each bit counts.
            long bits = 0;
            ulong* ready = stackalloc ulong[3 * (SelectSetSize / 64)];
            new Span<byte>(ready, 3 * words * 8).Clear();
            for (int i = 0; i < count; i++)
            {
                int fd = numbers[i];
                ulong bit = 1UL << (fd & 63);
                int found = watches[i].Ready;
                if ((input[fd >> 6] & bit) != 0 && (found & InSet) != 0) { ready[fd >> 6] |= bit; bits++; }
                if ((output[fd >> 6] & bit) != 0 && (found & OutSet) != 0) { ready[words + (fd >> 6)] |= bit; bits++; }
                if ((exception[fd >> 6] & bit) != 0 && (found & ExceptSet) != 0) { ready[2 * words + (fd >> 6)] |= bit; bits++; }
            }

            result = bits;
            if ((read != 0 && !UserMemory.CopyTo(process->Space, read, new ReadOnlySpan<byte>(ready, words * 8))) ||
                (write != 0 && !UserMemory.CopyTo(process->Space, write, new ReadOnlySpan<byte>(ready + words, words * 8))) ||
                (except != 0 && !UserMemory.CopyTo(process->Space, except, new ReadOnlySpan<byte>(ready + 2 * words, words * 8))))
                result = -Errno.EFAULT;
        }

        for (int i = 0; i < count; i++) OpenFileDescription.Release(watches[i].File);
        KernelMemory.Free(watches);
        KernelMemory.Free(numbers);
        return result;
    }

    private static long Nanoseconds(long seconds, long nanoseconds) =>
        seconds >= (1L << 60) / 1_000_000_000 ? 1L << 60 : seconds * 1_000_000_000 + nanoseconds;

    internal static long ReadTimespec(Process* process, ulong user, out long nanoseconds)
    {
        nanoseconds = 0;
        long* time = stackalloc long[2];
        if (!UserMemory.CopyFrom(process->Space, user, new Span<byte>(time, 16))) return -Errno.EFAULT;
        if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Errno.EINVAL;
        nanoseconds = Nanoseconds(time[0], time[1]);
        return 0;
    }

    /// <summary>The signal mask to wait under (none when the pointer is NULL): a size other
    /// than the kernel's sigset_t (8 bytes) is EINVAL, a bad pointer EFAULT.</summary>
    internal static long ApplyMask(Process* process, ulong mask, ulong size)
    {
        if (mask == 0) return 0;
        if (size != SigsetSize) return -Errno.EINVAL;
        ulong set;
        if (!UserMemory.CopyFrom(process->Space, mask, new Span<byte>(&set, 8))) return -Errno.EFAULT;
        Process.BeginTemporaryMask(process, set);
        return 0;
    }

    /// <summary>Linux poll_select_finish: the time left goes back into the caller's timeout
    /// (a timeval for select, a timespec otherwise); a failed write is ignored, as there.</summary>
    private static void WriteTimeLeft(Process* process, ulong user, ulong deadline, bool timeval)
    {
        if (deadline == Scheduler.NoDeadline) return;
        long left = deadline == 0 ? 0 : NanosecondsLeft(deadline);
        long* time = stackalloc long[2];
        time[0] = left / 1_000_000_000;
        time[1] = timeval ? left % 1_000_000_000 / 1000 : left % 1_000_000_000;
        UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(time, 16));
    }
}
