using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>
/// The process table as /proc lists it: by pid, ended processes (zombies) included. Every
/// call here expects the caller to hold <see cref="LockTable"/>, and a process it returns
/// stays valid only until the caller unlocks.
/// </summary>
internal unsafe partial struct Process
{
    /// <summary>The process with this pid, alive or ended but not yet waited for; null if none.</summary>
    internal static Process* FindListed(ulong pid)
    {
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            if (p->Id == pid) return p;
        }

        return null;
    }

    /// <summary>The process with the smallest pid at or above <paramref name="pid"/>; null if none.</summary>
    internal static Process* FirstListedFrom(ulong pid)
    {
        Process* best = null;
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            if (p->Id >= pid && (best == null || p->Id < best->Id)) best = p;
        }

        return best;
    }

    /// <summary>How many processes are listed, and how many of them can run now.</summary>
    internal static void CountListed(out int total, out int runnable)
    {
        total = 0;
        runnable = 0;
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            total++;
            if (p->Thread != null && p->Thread->State == ThreadState.Runnable) runnable++;
        }
    }

    /// <summary>The last pid handed out (pids are never reused); also how many processes were
    /// ever made, which /proc/stat calls "processes".</summary>
    internal static ulong LastPid => s_nextId - 1;
}
