using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Job control's stop and continue (POSIX signal.h; Linux kernel/signal.c do_signal_stop,
/// prepare_signal): the default action of SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU stops the
/// process — on its way back to user mode its thread sleeps on <see cref="Resumed"/> and is
/// not scheduled — until SIGCONT continues it or SIGKILL ends it. The parent learns of both:
/// SIGCHLD (unless its SIGCHLD action has SA_NOCLDSTOP) and a wake of its wait4, which reports
/// a stop to WUNTRACED (status 0x7f | sig &lt;&lt; 8) and a continue to WCONTINUED (0xffff).
/// </summary>
internal unsafe partial struct Process
{
    private const ulong StopSignals = (1UL << (SigStop - 1)) | (1UL << (SigTstp - 1)) | (1UL << (SigTtin - 1)) | (1UL << (SigTtou - 1));
    private const ulong SaNoChildStop = 1, SaNoChildWait = 2;

    /// <summary>Signals whose default action is to do nothing (Linux sig_kernel_ignore).</summary>
    private static bool IgnoredByDefault(int signal) =>
        signal == SigChld || signal == SigUrg || signal == SigWinch || signal == SigCont;

    /// <summary>Whether the process has a signal that must wake it from a stop (SIGKILL); a long
    /// memory call (mincore) stops on it too.</summary>
    internal static bool KillPending(Process* process) => (process->PendingSignals & (1UL << (SigKill - 1))) != 0;

    /// <summary>The caller stops for <paramref name="signal"/> and sleeps until continued or
    /// killed. Called on the way to user mode, where a thread may sleep.</summary>
    private static void StopCurrent(Process* process, int signal)
    {
        bool table = LockTable();
        process->Stopped = true;
        process->StopSignal = signal;
        process->StopUnreported = true;
        process->ContinueUnreported = false;
        NotifyParentLocked(process);
        while (process->Stopped && !KillPending(process))
        {
            process->Resumed.Prepare(interruptible: false);
            UnlockTable(table);
            process->Resumed.Sleep(WaitQueue.Forever);
            table = LockTable();
        }

        process->Stopped = false;
        UnlockTable(table);
    }

    /// <summary>SIGCONT reached a stopped process: it runs again, and its parent is told.
    /// Table lock held.</summary>
    private static void Continue(Process* process)
    {
        process->Stopped = false;
        process->StopUnreported = false;
        process->ContinueUnreported = true;
        NotifyParentLocked(process);
        process->Resumed.WakeAll();
    }

    /// <summary>A child stopped or continued: its parent's wait4 wakes, and the parent gets
    /// SIGCHLD unless its SIGCHLD action asked for SA_NOCLDSTOP. Table lock held.</summary>
    private static void NotifyParentLocked(Process* child)
    {
        Process* parent = child->Parent;
        if (parent == null) return;
        if ((parent->SignalFlags[SigChld - 1] & SaNoChildStop) == 0) SendLocked(parent, SigChld, child->Id);
        parent->ChildExited.WakeAll();
    }

    /// <summary>A child ended: SIGCHLD for its parent (Linux's exit_signal for fork and
    /// fork-style clone), which ignores it unless it has a handler. A parent whose SIGCHLD
    /// action is SIG_IGN or has SA_NOCLDWAIT does not keep the child for wait4 (Linux's
    /// do_notify_parent autoreap): the child leaves its list and the reaper frees it, and a
    /// wait4 blocked meanwhile sees ECHILD once no child is left. Returns whether the child was
    /// handed to the reaper that way. Table lock held.</summary>
    private static bool NotifyParentOfExitLocked(Process* child)
    {
        Process* parent = child->Parent;
        if (parent == null) return false;
        bool ignored = parent->SignalHandler[SigChld - 1] == HandlerIgnore;
        if (!ignored) SendLocked(parent, SigChld, child->Id);
        bool autoreap = ignored || (parent->SignalFlags[SigChld - 1] & SaNoChildWait) != 0;
        if (autoreap)
        {
            for (Process** at = &parent->FirstChild; *at != null; at = &(*at)->NextSibling)
            {
                if (*at != child) continue;
                *at = child->NextSibling;
                break;
            }

            child->Parent = null;
            child->NextSibling = null;
            child->Orphan = true;
            HandToReaper(child);
        }

        parent->ChildExited.WakeAll();
        return autoreap;
    }

    /// <summary>getppid: the parent's pid; 1 for an orphan (Linux reparents it to init, or to a
    /// subreaper, which here becomes its parent); 0 for a process the kernel started.</summary>
    internal static long ParentId(Process* process)
    {
        Process* parent = process->Parent;
        return parent != null ? (long)parent->Id : process->Orphan ? 1 : 0;
    }

    /// <summary>Where the children of an ending process go (Linux's find_new_reaper): the
    /// nearest ancestor that made itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER) and
    /// has not ended, or null: then they are orphans, freed by the kernel's reaper when they
    /// end, and getppid answers 1 (init's pid, which Linux would give them). Table lock held.</summary>
    private static Process* FindSubreaper(Process* exiting)
    {
        for (Process* p = exiting->Parent; p != null; p = p->Parent)
            if (p->ChildSubreaper && p->Thread->State != ThreadState.Exited && !p->GroupExiting) return p;
        return null;
    }

    private static bool IsCurrentGroupOrphaned(Process* process)
    {
        bool table = LockTable();
        bool orphaned = IsGroupOrphaned(process->GroupId);
        UnlockTable(table);
        return orphaned;
    }

    /// <summary>POSIX _exit: when a process's end orphans a process group that has a stopped
    /// member, every member gets SIGHUP and then SIGCONT (Linux kill_orphaned_pgrp), so no job
    /// is left stopped with no shell to continue it. Two groups can be orphaned this way: the
    /// exiting process's own (it was the last member whose parent tied it to the session) and
    /// each child's (the exiting process was that tie). Before its children are detached;
    /// table lock held.</summary>
    private static void HangUpOrphanedGroups(Process* exiting)
    {
        Process* parent = exiting->Parent;
        if (parent != null && parent->GroupId != exiting->GroupId && parent->SessionId == exiting->SessionId)
            HangUpIfOrphanedAndStopped(exiting->GroupId, exiting);
        for (Process* child = exiting->FirstChild; child != null; child = child->NextSibling)
        {
            if (child->GroupId != exiting->GroupId && child->SessionId == exiting->SessionId && child->Thread->State != ThreadState.Exited)
                HangUpIfOrphanedAndStopped(child->GroupId, exiting);
        }
    }

    private static void HangUpIfOrphanedAndStopped(ulong group, Process* leaving)
    {
        if (!IsGroupOrphaned(group, leaving)) return;
        bool stopped = false;
        for (Process* p = s_allProcesses; p != null && !stopped; p = p->NextProcess)
            stopped = p->GroupId == group && p != leaving && p->Stopped;
        if (!stopped) return;
        SignalGroup(group, SigHup);
        SignalGroup(group, SigCont);
    }
}
