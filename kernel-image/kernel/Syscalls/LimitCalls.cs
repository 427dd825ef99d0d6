using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// getrlimit, setrlimit and prlimit64 (Linux kernel/sys.c): <c>struct rlimit</c> is two u64,
/// soft then hard, the same as <c>struct rlimit64</c> on x86-64. What each limit does is in
/// Processes/ResourceLimits.cs. Every process is root, so raising a hard limit is allowed
/// (Linux needs CAP_SYS_RESOURCE) and prlimit64 may change any process (same user).
/// </summary>
internal static unsafe class LimitCalls
{
    /// <summary>getrlimit(resource, rlim): EINVAL for an unknown resource, then EFAULT for a bad pointer.</summary>
    internal static long Get(Process* process, ulong resource, ulong limit)
    {
        if (limit == 0) return resource >= ResourceLimits.Count ? -Errno.EINVAL : -Errno.EFAULT;
        return Limit(process, process, resource, null, limit);
    }

    /// <summary>setrlimit(resource, rlim): the new pair is read first (EFAULT), then checked.</summary>
    internal static long Set(Process* process, ulong resource, ulong limit)
    {
        ulong* pair = stackalloc ulong[2];
        if (!UserMemory.CopyFrom(process->Space, limit, new Span<byte>(pair, 16))) return -Errno.EFAULT;
        return Limit(process, process, resource, pair, 0);
    }

    /// <summary>prlimit64(pid, resource, new, old): pid 0 is the caller; an unknown pid is ESRCH.
    /// Either pointer may be NULL; the old value is the one before the change.</summary>
    internal static long PrLimit(Process* process, long pid, ulong resource, ulong newLimit, ulong oldLimit)
    {
        ulong* pair = stackalloc ulong[2];
        // Linux reads the new pair before it looks for the process.
        if (newLimit != 0 && !UserMemory.CopyFrom(process->Space, newLimit, new Span<byte>(pair, 16))) return -Errno.EFAULT;
        // The target is looked up and changed under the process-table lock, so it cannot be
        // reaped (and its handle reused by a newcomer) between the two.
        bool flags = Process.LockTable();
        Process* target = pid == 0 ? process : pid < 0 ? null : Process.FindLocked(pid);
        ulong* old = stackalloc ulong[2];
        long result = target == null ? -Errno.ESRCH
            : !process->Sandbox.MayReach(target->Sandbox) ? -Errno.EPERM
            : Exchange(target->Sandbox, target->CapsHandle, resource, newLimit != 0 ? pair : null, old);
        Process.UnlockTable(flags);
        if (result != 0) return result;
        if (oldLimit != 0 && !UserMemory.CopyTo(process->Space, oldLimit, new ReadOnlySpan<byte>(old, 16))) return -Errno.EFAULT;
        return 0;
    }

    /// <summary>The old pair into <paramref name="old"/>, then the new one set (when given).
    /// A sandboxed process never raises a hard limit (Linux's rule without CAP_SYS_RESOURCE), so
    /// a sandbox's limits hold for everything it starts.</summary>
    private static long Exchange(in Sandbox.SandboxState sandbox, int handle, ulong resource, ulong* newPair, ulong* old)
    {
        if (resource >= ResourceLimits.Count) return -Errno.EINVAL;
        old[0] = ResourceLimits.SoftLimit(handle, (int)resource);
        old[1] = ResourceLimits.HardLimit(handle, (int)resource);
        if (newPair != null && sandbox.IsRestricted && newPair[1] > old[1] && newPair[0] <= newPair[1]) return -Errno.EPERM;
        return newPair != null ? ResourceLimits.Change(handle, (int)resource, newPair[0], newPair[1]) : 0;
    }

    /// <summary>Linux do_prlimit: the resource is checked, the old pair kept, the new one set
    /// (ResourceLimits.Change: soft ≤ hard, the RLIMIT_NOFILE ceiling), then the old one written out.</summary>
    private static long Limit(Process* caller, Process* target, ulong resource, ulong* newPair, ulong oldLimit)
    {
        ulong* old = stackalloc ulong[2];
        long changed = Exchange(target->Sandbox, target->CapsHandle, resource, newPair, old);
        if (changed != 0) return changed;
        if (oldLimit != 0 && !UserMemory.CopyTo(caller->Space, oldLimit, new ReadOnlySpan<byte>(old, 16))) return -Errno.EFAULT;
        return 0;
    }
}
