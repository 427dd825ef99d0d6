using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Process groups and sessions (POSIX job control; Linux kernel/sys.c): getpgid, setpgid,
/// getpgrp, getsid, setsid, and kill(2) aimed at a group (pid 0, -pgid) or at everyone (-1).
/// A forked child inherits its parent's group, session and controlling terminal. The processes
/// the kernel starts are in group 0 of session 0, as Linux's init starts in the kernel's
/// session; each can leave it with setsid. Group and session fields change under the
/// process-table lock.
/// </summary>
internal unsafe partial struct Process
{
    /// <summary>getpgid(pid): the process group of pid (0: the caller); ESRCH when none.</summary>
    internal static long GetGroup(Process* caller, long pid)
    {
        pid = (int)pid;
        if (pid < 0) return -Syscalls.Errno.ESRCH;
        bool table = LockTable();
        Process* target = pid == 0 ? caller : FindLocked(pid);
        long result = target == null ? -Syscalls.Errno.ESRCH : (long)target->GroupId;
        UnlockTable(table);
        return result;
    }

    /// <summary>getsid(pid): the session of pid (0: the caller); ESRCH when none.</summary>
    internal static long GetSession(Process* caller, long pid)
    {
        pid = (int)pid;
        if (pid < 0) return -Syscalls.Errno.ESRCH;
        bool table = LockTable();
        Process* target = pid == 0 ? caller : FindLocked(pid);
        long result = target == null ? -Syscalls.Errno.ESRCH : (long)target->SessionId;
        UnlockTable(table);
        return result;
    }

    /// <summary>setpgid(pid, pgid), Linux's rules: pid 0 is the caller and pgid 0 is pid;
    /// a negative pgid is EINVAL; the target is the caller or one of its children (ESRCH), a
    /// child that has called execve is EACCES, one in another session or a session leader
    /// EPERM, and joining an existing group needs that group in the caller's session (EPERM).</summary>
    internal static long SetGroup(Process* caller, long pid, long pgid)
    {
        pid = (int)pid;
        pgid = (int)pgid;
        if (pid == 0) pid = (long)caller->Id;
        if (pgid == 0) pgid = pid;
        if (pgid < 0) return -Syscalls.Errno.EINVAL; // setpgid(-1, 0) too: pgid becomes -1
        bool table = LockTable();
        long result = SetGroupLocked(caller, pid, pgid);
        UnlockTable(table);
        return result;
    }

    private static long SetGroupLocked(Process* caller, long pid, long pgid)
    {
        Process* target = pid > 0 ? FindLocked(pid) : null;
        if (target == null) return -Syscalls.Errno.ESRCH;
        if (target != caller)
        {
            if (target->Parent != caller) return -Syscalls.Errno.ESRCH;
            if (target->SessionId != caller->SessionId) return -Syscalls.Errno.EPERM;
            if (target->Executed) return -Syscalls.Errno.EACCES;
        }

        if (target->SessionId == target->Id) return -Syscalls.Errno.EPERM;
        if (pgid != pid && !GroupInSession((ulong)pgid, caller->SessionId)) return -Syscalls.Errno.EPERM;
        target->GroupId = (ulong)pgid;
        return 0;
    }

    /// <summary>setsid(): the caller leads a new session and a new group named by its pid and
    /// has no controlling terminal; EPERM when a group by that name exists already (the caller
    /// leads its group, or another process is in a group of that number).</summary>
    internal static long CreateSession(Process* caller)
    {
        bool table = LockTable();
        long result;
        if (GroupExists(caller->Id))
        {
            result = -Syscalls.Errno.EPERM;
        }
        else
        {
            caller->SessionId = caller->GroupId = caller->Id;
            caller->ControllingTerminal = null;
            result = (long)caller->Id;
        }

        UnlockTable(table);
        return result;
    }

    /// <summary>The live process with this pid, or null. Table lock held.</summary>
    internal static Process* FindLocked(long pid)
    {
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
            if (p->Id == (ulong)pid && p->Thread->State != ThreadState.Exited) return p;
        return null;
    }

    /// <summary>Whether any live process is in group <paramref name="group"/>. Table lock held.</summary>
    internal static bool GroupExists(ulong group)
    {
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
            if (p->GroupId == group && p->Thread->State != ThreadState.Exited) return true;
        return false;
    }

    /// <summary>Whether a live process of group <paramref name="group"/> is in session
    /// <paramref name="session"/>. Table lock held.</summary>
    internal static bool GroupInSession(ulong group, ulong session)
    {
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
            if (p->GroupId == group && p->SessionId == session && p->Thread->State != ThreadState.Exited) return true;
        return false;
    }

    /// <summary>POSIX's orphaned process group: no member has a parent in another group of
    /// the same session (so no shell is left to continue it). Its members ignore SIGTSTP,
    /// SIGTTIN and SIGTTOU, and a read or write that would raise those fails with EIO.
    /// <paramref name="leaving"/>, a process that is exiting, no longer counts. Table lock held.</summary>
    internal static bool IsGroupOrphaned(ulong group, Process* leaving = null)
    {
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            if (p->GroupId != group || p == leaving || p->Thread->State == ThreadState.Exited) continue;
            Process* parent = p->Parent;
            if (parent != null && parent != leaving && parent->GroupId != group && parent->SessionId == p->SessionId) return false;
        }

        return true;
    }

    /// <summary>Sends <paramref name="signal"/> to every live process of a group (the
    /// terminal's keyboard signals, job-control stops); false when the group is empty.</summary>
    internal static bool SignalGroup(ulong group, int signal, ulong senderId = 0)
    {
        bool table = LockTable();
        bool any = false;
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            if (p->GroupId != group || p->Thread->State == ThreadState.Exited) continue;
            SendLocked(p, signal, senderId);
            any = true;
        }

        UnlockTable(table);
        return any;
    }

    /// <summary>kill(pid, sig) as Linux's kill_something_info: pid &gt; 0 one process, 0 the
    /// caller's group, -1 every process but pid 1 and the caller, &lt; -1 the group -pid.
    /// ESRCH when no process matched; signal 0 only checks. Every process is root, so EPERM
    /// comes only from a sandbox: a sandboxed sender reaches only its own sandbox's processes
    /// (Sandbox/SandboxState.MayReach); the others are skipped, EPERM when none was left.</summary>
    internal static long Kill(Process* sender, long pid, ulong signal)
    {
        if (signal > SignalCount) return -Syscalls.Errno.EINVAL;
        int target = (int)pid;
        ulong senderId = sender != null ? sender->Id : 0;
        bool table = LockTable();
        long result = -Syscalls.Errno.ESRCH;
        if (target > 0)
        {
            Process* found = FindLocked(target);
            if (found != null && sender != null && !sender->Sandbox.MayReach(found->Sandbox))
            {
                result = Aurora.Kernel.Sandbox.Audit.Refused(sender, "signal to another sandbox", default, -Syscalls.Errno.EPERM, "domain");
            }
            else if (found != null)
            {
                SendLocked(found, (int)signal, senderId);
                result = 0;
            }
        }
        else if (target != int.MinValue)
        {
            ulong group = target == 0 ? sender->GroupId : (ulong)(-target);
            for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
            {
                if (p->Thread->State == ThreadState.Exited) continue;
                if (target == -1 ? p->Id == 1 || p == sender : p->GroupId != group) continue;
                if (sender != null && !sender->Sandbox.MayReach(p->Sandbox))
                {
                    if (result != 0) result = -Syscalls.Errno.EPERM;
                    continue;
                }

                SendLocked(p, (int)signal, senderId);
                result = 0;
            }
        }

        UnlockTable(table);
        return result;
    }

    /// <summary>tkill(tid, sig) (<paramref name="threadGroup"/> 0) and tgkill(tgid, tid, sig):
    /// one thread, pending for it alone; ESRCH when no thread has that id or (tgkill) it is not
    /// in that group; EINVAL for a tid or tgid not above 0 or a bad signal.</summary>
    internal static long KillThread(Process* sender, bool anyGroup, long threadGroup, long tid, ulong signal)
    {
        // tkill names no group: the thread's own, whichever process it is in. tgkill's group
        // must be positive (0 included: EINVAL, as Linux).
        if ((int)tid <= 0 || (!anyGroup && (int)threadGroup <= 0) || signal > SignalCount) return -Syscalls.Errno.EINVAL;
        if (anyGroup)
        {
            bool locked = LockTable();
            KernelThread* found = FindThreadById((int)tid, out Process* owner);
            threadGroup = found == null ? 0 : (long)owner->Id;
            UnlockTable(locked);
            if (found == null) return -Syscalls.Errno.ESRCH;
        }

        // Permission and existence as kill(2) to the thread group; then the thread itself.
        long allowed = Kill(sender, (int)threadGroup, 0);
        if (allowed < 0) return allowed;
        bool table = LockTable();
        Process* target = FindLocked((int)threadGroup);
        KernelThread* thread = target == null ? null : FindThread(target, (ulong)(int)tid);
        if (thread != null && signal != 0) SendToThreadLocked(target, thread, (int)signal, sender->Id);
        UnlockTable(table);
        return thread == null ? -Syscalls.Errno.ESRCH : 0;
    }

    /// <summary>Whether the process ignores or blocks <paramref name="signal"/> (job control's
    /// test before it sends SIGTTIN or SIGTTOU).</summary>
    internal static bool IgnoresOrBlocks(Process* process, int signal) =>
        (process->BlockedSignals & (1UL << (signal - 1))) != 0 || process->SignalHandler[signal - 1] == HandlerIgnore;

    /// <summary>Every process of <paramref name="session"/> whose controlling terminal is
    /// <paramref name="terminal"/> loses it. Table lock held.</summary>
    internal static void ForgetTerminal(ulong session, Terminals.Terminal* terminal)
    {
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
            if (p->SessionId == session && p->ControllingTerminal == terminal) p->ControllingTerminal = null;
    }
}

internal unsafe partial struct Process
{
    /// <summary>How many processes are in the table; with <paramref name="log"/>, each is
    /// logged (pid, name, thread state, parent or orphan, process group): a test that expects
    /// its processes gone names the ones that are not (the fuzzer's orphaned grandchild, blocked
    /// in ppoll, was taken for a kernel leak of tmpfs inodes and frames).</summary>
    internal static int LiveProcesses(bool log)
    {
        int count = 0;
        bool table = LockTable();
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            count++;
            if (!log) continue;
            Log.Write("  process ");
            Log.WriteDecimal(p->Id);
            Log.Write(" (");
            Log.Write(p->NameText);
            Log.Write(") is still there: thread ");
            Log.Write(p->Thread == null ? "none" : p->Thread->State switch
            {
                ThreadState.Runnable => "runnable",
                ThreadState.Sleeping => "sleeping",
                ThreadState.Blocked => "blocked",
                _ => "exited",
            });
            Log.Write(p->Orphan ? ", an orphan" : ", parent ");
            if (!p->Orphan) Log.WriteDecimal(p->Parent != null ? p->Parent->Id : 0);
            Log.Write(", group ");
            Log.WriteDecimal(p->GroupId);
            Log.WriteLine();
        }

        UnlockTable(table);
        return count;
    }
}
