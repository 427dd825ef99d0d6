using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Priorities and processors (Linux kernel/sys.c, kernel/sched/core.c): getpriority,
/// setpriority (the nice value, which sets the thread's weight in the run queue),
/// sched_getaffinity / sched_setaffinity (one processor: the mask is CPU 0),
/// sched_getscheduler / sched_getparam (every thread is SCHED_OTHER, priority 0), getcpu,
/// membarrier, rseq (not served: ENOSYS).
/// </summary>
internal static unsafe class SchedulingCalls
{
    private const int PrioProcess = 0, PrioProcessGroup = 1, PrioUser = 2;
    private const int NiceLowest = 19, NiceHighest = -20;

    /// <summary>The processes a getpriority/setpriority names: PRIO_PROCESS a pid (0: the
    /// caller), PRIO_USER a real uid (0 ... : the caller's), PRIO_PGRP the caller's group only
    /// (0, or its own pid: no other groups are told apart here). Calls <paramref name="visit"/>
    /// on each under the process-table lock; false when none matched.</summary>
    private static bool ForEach(Process* caller, int which, uint who, delegate*<Process*, Process*, int, int> visit, int argument, ref int result)
    {
        bool found = false;
        bool table = Process.LockTable();
        if (which == PrioUser)
        {
            uint uid = who == 0 ? caller->Credentials.RealUid : who;
            for (Process* p = Process.First; p != null; p = p->NextProcess)
            {
                if (p->Thread->State == Tasks.ThreadState.Exited || p->Credentials.RealUid != uid) continue;
                found = true;
                result = Math.Max(result, visit(caller, p, argument));
            }
        }
        else
        {
            Process* target = who == 0 || (which == PrioProcessGroup && who == caller->Id) ? caller : which == PrioProcess ? Process.FindLocked(who) : null;
            if (target != null)
            {
                found = true;
                result = visit(caller, target, argument);
            }
        }

        Process.UnlockTable(table);
        return found;
    }

    private static int ReadPriority(Process* caller, Process* target, int unused) => 20 - target->Nice;

    /// <summary>getpriority(which, who): 20 - nice (1 ... 40; the libc turns it back into the
    /// nice value) of the highest-priority process named; ESRCH when none, EINVAL for which.</summary>
    internal static long GetPriority(Process* process, int which, uint who)
    {
        if (which is not (PrioProcess or PrioProcessGroup or PrioUser)) return -Errno.EINVAL;
        int result = 0;
        return ForEach(process, which, who, &ReadPriority, 0, ref result) ? result : -Errno.ESRCH;
    }

    private const int NoPermission = -1000, NotAllowed = -1001;

    private static int WritePriority(Process* caller, Process* target, int nice)
    {
        ref Credentials c = ref caller->Credentials;
        // Linux set_one_prio: another user's process needs CAP_SYS_NICE (EPERM); so does a
        // lower nice value than the process has (EACCES).
        if (!c.Privileged && target->Credentials.RealUid != c.EffectiveUid && target->Credentials.EffectiveUid != c.EffectiveUid) return NoPermission;
        if (!c.Privileged && nice < target->Nice) return NotAllowed;
        target->Nice = nice;
        Tasks.Scheduler.SetNice(target->Thread, nice);
        return 0;
    }

    /// <summary>setpriority(which, who, nice): the value is clamped to -20 ... 19.</summary>
    internal static long SetPriority(Process* process, int which, uint who, int nice)
    {
        if (which is not (PrioProcess or PrioProcessGroup or PrioUser)) return -Errno.EINVAL;
        nice = Math.Max(NiceHighest, Math.Min(nice, NiceLowest));
        int result = int.MinValue;
        if (!ForEach(process, which, who, &WritePriority, nice, ref result)) return -Errno.ESRCH;
        return result == NoPermission ? -Errno.EPERM : result == NotAllowed ? -Errno.EACCES : 0;
    }

    /// <summary>A pid argument of the sched_* calls: 0 is the caller; negative is EINVAL; an
    /// unknown one ESRCH (as Linux's find_process_by_pid).</summary>
    private static long CheckPid(Process* process, int pid)
    {
        if (pid < 0) return -Errno.EINVAL;
        if (pid == 0 || (ulong)pid == process->Id) return 0;
        // A thread id names that thread (Linux find_task_by_vpid): pthread_setaffinity_np passes one.
        bool table = Process.LockTable();
        bool found = Process.FindThreadById(pid, out _) != null;
        Process.UnlockTable(table);
        return found ? 0 : -Errno.ESRCH;
    }

    /// <summary>The affinity mask's size: one long (Linux's cpumask_size for a few CPUs).</summary>
    private const ulong MaskBytes = 8;

    /// <summary>sched_getaffinity(pid, len, mask): the mask of CPU 0; answers the bytes written.
    /// A length shorter than the mask, or not a multiple of a long, is EINVAL.</summary>
    internal static long GetAffinity(Process* process, int pid, ulong length, ulong mask)
    {
        if (length < MaskBytes || (length & (MaskBytes - 1)) != 0) return -Errno.EINVAL;
        long check = CheckPid(process, pid);
        if (check != 0) return check;
        ulong cpus = 1;
        return UserMemory.CopyTo(process->Space, mask, new ReadOnlySpan<byte>(&cpus, 8)) ? (long)MaskBytes : -Errno.EFAULT;
    }

    /// <summary>sched_setaffinity(pid, len, mask): accepted when the mask includes CPU 0 (the
    /// only one); a mask without it is EINVAL, as a mask of absent CPUs is on Linux.</summary>
    internal static long SetAffinity(Process* process, int pid, ulong length, ulong mask)
    {
        ulong cpus = 0;
        int bytes = (int)Math.Min(length, MaskBytes);
        if (bytes > 0 && !UserMemory.CopyFrom(process->Space, mask, new Span<byte>(&cpus, bytes))) return -Errno.EFAULT;
        long check = CheckPid(process, pid);
        if (check != 0) return check;
        return (cpus & 1) != 0 ? 0 : -Errno.EINVAL;
    }

    /// <summary>sched_getscheduler(pid): SCHED_OTHER (0).</summary>
    internal static long GetScheduler(Process* process, int pid) => CheckPid(process, pid);

    /// <summary>sched_getparam(pid, param): priority 0 (SCHED_OTHER's only one).</summary>
    internal static long GetParameters(Process* process, int pid, ulong param)
    {
        if (param == 0 || pid < 0) return -Errno.EINVAL;
        long check = CheckPid(process, pid);
        if (check != 0) return check;
        int priority = 0;
        return UserMemory.CopyTo(process->Space, param, new ReadOnlySpan<byte>(&priority, 4)) ? 0 : -Errno.EFAULT;
    }

    /// <summary>getcpu(cpu*, node*, cache): CPU 0 on node 0; either pointer may be NULL.</summary>
    internal static long GetCpu(Process* process, ulong cpu, ulong node)
    {
        uint zero = 0;
        if (cpu != 0 && !UserMemory.CopyTo(process->Space, cpu, new ReadOnlySpan<byte>(&zero, 4))) return -Errno.EFAULT;
        if (node != 0 && !UserMemory.CopyTo(process->Space, node, new ReadOnlySpan<byte>(&zero, 4))) return -Errno.EFAULT;
        return 0;
    }

    // membarrier commands (include/uapi/linux/membarrier.h); each REGISTER_* is a bit of
    // Process.MembarrierRegistrations, named by the command's own value as GET_REGISTRATIONS
    // answers them.
    private const int MbQuery = 0, MbGlobal = 1, MbGlobalExpedited = 2, MbRegisterGlobalExpedited = 4,
        MbPrivateExpedited = 8, MbRegisterPrivateExpedited = 16, MbPrivateExpeditedSyncCore = 32,
        MbRegisterPrivateExpeditedSyncCore = 64, MbPrivateExpeditedRseq = 128, MbRegisterPrivateExpeditedRseq = 256,
        MbGetRegistrations = 512, MbFlagCpu = 1;

    /// <summary>What QUERY answers: every command but the rseq pair, as a Linux built without
    /// CONFIG_RSEQ (which also answers EINVAL to those two).</summary>
    private const int MbServed = MbGlobal | MbGlobalExpedited | MbRegisterGlobalExpedited | MbPrivateExpedited |
        MbRegisterPrivateExpedited | MbPrivateExpeditedSyncCore | MbRegisterPrivateExpeditedSyncCore | MbGetRegistrations;

    /// <summary>membarrier(cmd, flags, cpu_id) (Linux kernel/sched/membarrier.c): the .NET GC
    /// registers PRIVATE_EXPEDITED and calls it to flush other threads' store buffers. With one
    /// processor every other thread is switched out, and a switch is a full barrier
    /// (serializing), so each barrier is already done when the call is made; what remains is
    /// Linux's bookkeeping: an expedited private barrier before its registration is EPERM,
    /// registrations are inherited by fork and cleared by execve, flags other than
    /// MEMBARRIER_CMD_FLAG_CPU (only for the rseq command) are EINVAL.</summary>
    internal static long Membarrier(Process* process, int command, uint flags)
    {
        if (command == MbPrivateExpeditedRseq ? flags != 0 && flags != MbFlagCpu : flags != 0) return -Errno.EINVAL;
        switch (command)
        {
            case MbQuery:
                return MbServed;
            case MbGlobal:
            case MbGlobalExpedited:
                return 0;
            case MbRegisterGlobalExpedited:
            case MbRegisterPrivateExpedited:
            case MbRegisterPrivateExpeditedSyncCore:
                process->MembarrierRegistrations |= command;
                return 0;
            case MbPrivateExpedited:
            case MbPrivateExpeditedSyncCore:
                // Each needs its own registration (the command's value doubled).
                return (process->MembarrierRegistrations & (command << 1)) != 0 ? 0 : -Errno.EPERM;
            case MbGetRegistrations:
                return process->MembarrierRegistrations;
            default:
                return -Errno.EINVAL; // the rseq pair included: no CONFIG_RSEQ
        }
    }

    /// <summary>rseq(rseq, len, flags, sig): restartable sequences are not served, and the
    /// answer is Linux's without CONFIG_RSEQ: ENOSYS, which glibc takes as "no rseq" (its
    /// sched_getcpu then asks getcpu) and musl never calls.</summary>
    internal static long Rseq() => -Errno.ENOSYS;
}
