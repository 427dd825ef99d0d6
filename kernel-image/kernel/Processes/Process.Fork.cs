using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>
/// fork and wait4 (SPEC PROC-1, MM-4). The child gets a copy-on-write clone of the parent's
/// address space (Aurora.Vmm shares every user frame read-only and counts the shares; the first
/// write to a shared page faults and gets its own copy) and resumes from the parent's system
/// call with the parent's registers and 0 as the result. Exited children wait for their parent's
/// wait4; orphans are freed by the reaper thread.
/// </summary>
internal unsafe partial struct Process
{
    private static KernelThread* s_reaper;
    private static Process* s_unreaped;

    /// <summary>The reaper is freeing something it took off its lists.</summary>
    private static bool s_reaping;

    /// <summary>Starts the reaper thread (at boot, with the scheduler running).</summary>
    internal static void InitializeReaper()
    {
        s_reaper = Scheduler.Spawn(&ReapOrphans, 0);
        if (s_reaper == null) Panic.Fail("no memory for the reaper thread");
    }

    /// <summary>fork(): the child's pid, or -errno. (The child sees 0.) A fork-style clone with
    /// CLONE_CHILD_SETTID passes <paramref name="childTidAddress"/>: the child's pid is stored
    /// there in the child's memory before it runs (an unwritable address is ignored, as Linux's
    /// schedule_tail ignores it).</summary>
    internal static long Fork(Process* parent, ulong childTidAddress = 0)
    {
        var child = (Process*)KernelMemory.Allocate((nuint)sizeof(Process));
        var context = (UserContext*)KernelMemory.Allocate((nuint)sizeof(UserContext));
        if (child == null || context == null)
        {
            KernelMemory.Free(child);
            KernelMemory.Free(context);
            return -Syscalls.Errno.ENOMEM;
        }

        *child = default;
        for (int i = 0; i < NameCapacity; i++) child->Name[i] = parent->Name[i];
        // The parent's account and limits: EAGAIN at its RLIMIT_NPROC (ResourceLimits.cs).
        child->CapsHandle = Ipc.Capabilities.AllocateHandle(parent->CapsHandle);
        if (child->CapsHandle < 0)
        {
            KernelMemory.Free(child);
            KernelMemory.Free(context);
            return -Syscalls.Errno.EAGAIN;
        }

        child->Regions = NewRegions();
        if (child->Regions.CopyFrom(parent->Regions) != VmmError.None)
        {
            Ipc.Capabilities.FreeHandle(child->CapsHandle);
            KernelMemory.Free(child);
            KernelMemory.Free(context);
            return -Syscalls.Errno.ENOMEM;
        }

        if (UserMemory.Clone(parent->Space, out child->Space) != VmmError.None)
        {
            child->Regions.Clear();
            Ipc.Capabilities.FreeHandle(child->CapsHandle);
            KernelMemory.Free(child);
            KernelMemory.Free(context);
            return -Syscalls.Errno.ENOMEM;
        }

        // Descriptors share their descriptions (offsets included); the working directory is copied.
        child->FileCreationMask = parent->FileCreationMask;
        if (!child->Descriptors.CopyFrom(parent->Descriptors) || !child->WorkingDirectory.CopyFrom(parent->WorkingDirectory))
        {
            child->Descriptors.CloseAll();
            child->WorkingDirectory.Release();
            Ipc.Capabilities.FreeHandle(child->CapsHandle);
            UserMemory.Destroy(child->Space);
            child->Regions.Clear();
            KernelMemory.Free(child);
            KernelMemory.Free(context);
            return -Syscalls.Errno.ENOMEM;
        }

        KernelThread* self = Scheduler.Current;
        UserMode.CaptureSyscallContext((ulong)self->StackBase + Scheduler.StackSize, context);
        KernelThread* thread = Scheduler.Create(&ForkedChildStart, (ulong)child, parent->Nice);
        if (thread == null)
        {
            child->Descriptors.CloseAll();
            child->WorkingDirectory.Release();
            Ipc.Capabilities.FreeHandle(child->CapsHandle);
            UserMemory.Destroy(child->Space);
            child->Regions.Clear();
            KernelMemory.Free(child);
            KernelMemory.Free(context);
            return -Syscalls.Errno.ENOMEM;
        }

        // Tokens and ids are inherited like descriptors (and an inheritable filter with them);
        // so are shared-memory attachments.
        Ipc.Capabilities.Lock();
        child->SyscallFilterInstalled = parent->SyscallFilterInstalled;
        Ipc.Capabilities.Space.ProcessForked(parent->CapsHandle, child->CapsHandle);
        Ipc.Capabilities.Unlock();
        Ipc.SharedSegments.InheritAttachments(parent, child);
        child->Entry = parent->Entry;
        child->SignalTrampoline = parent->SignalTrampoline;
        child->BreakStart = parent->BreakStart;
        child->Break = parent->Break;
        child->MappingCursor = parent->MappingCursor;
        child->AmbientIpcDenied = parent->AmbientIpcDenied;
        Aurora.Kernel.Sandbox.SandboxState.LockChanges(); // another thread of the parent may be adding a rule
        child->Sandbox.InheritFrom(ref parent->Sandbox);
        Aurora.Kernel.Sandbox.SandboxState.UnlockChanges();
        child->ForkContext = context;
        // Signal dispositions and the mask are inherited; pending signals are not.
        for (int i = 0; i < SignalCount; i++)
        {
            child->SignalHandler[i] = parent->SignalHandler[i];
            child->SignalFlags[i] = parent->SignalFlags[i];
            child->SignalRestorer[i] = parent->SignalRestorer[i];
            child->SignalHandlerMask[i] = parent->SignalHandlerMask[i];
        }

        thread->SignalMask = parent->BlockedSignals; // the child's only thread: the caller's mask
        // Ids, the alternate stack, the nice value and dumpability are inherited; the timers,
        // the parent-death signal and the robust list are not (Linux copy_process).
        child->Credentials = parent->Credentials;
        child->Nice = parent->Nice;
        child->MembarrierRegistrations = parent->MembarrierRegistrations; // Linux copies the mm's state
        child->NotDumpable = parent->NotDumpable;
        child->GroupId = parent->GroupId;
        child->SessionId = parent->SessionId;
        child->ControllingTerminal = parent->ControllingTerminal;
        child->Thread = thread;
        thread->Process = child;
        thread->AddressSpaceRoot = child->Space.Root;
        thread->ThreadPointer = self->ThreadPointer;
        thread->AlternateStack = self->AlternateStack; // per thread: the forking thread's

        bool interrupts = Cpu.SaveAndDisableInterrupts();
        child->Id = s_nextId++;
        child->StartTick = Hal.Timer.Ticks();
        child->Program = parent->Program;
        ProgramInfo.Retain(child->Program);
        Register(child);
        child->Parent = parent;
        child->NextSibling = parent->FirstChild;
        parent->FirstChild = child;
        // A SIGKILL that reached the parent while this fork copied it (a kill of its group, an
        // exit_group or execve by another thread) found no child to kill: Linux fails such a
        // fork (copy_process: ERESTARTNOINTR on a fatal signal pending), so no process escapes
        // a kill of its group by being born during it. Here the child is made and ends before
        // its first user instruction (ForkedChildStart). Without this a grandchild forked
        // during attack.thread_storm's group kill ran on as an orphan and made files in /tmp.
        if (((parent->PendingSignals | self->ThreadPendingSignals) & (1UL << (SigKill - 1))) != 0 || (parent->GroupExiting && parent->Thread != self))
            SendLocked(child, SigKill, parent->Id);
        Cpu.RestoreInterrupts(interrupts);
        long id = (long)child->Id;
        if (childTidAddress != 0)
        {
            int tid = (int)id;
            UserMemory.CopyTo(child->Space, childTidAddress, new ReadOnlySpan<byte>(&tid, 4));
        }

        Scheduler.Start(thread);
        return id;
    }

    private static long ForkedChildStart(ulong processAddress)
    {
        var process = (Process*)processAddress;
        // The context moves to this stack (16-byte aligned for fxrstor) so the heap copy can go.
        byte* buffer = stackalloc byte[sizeof(UserContext) + 16];
        var context = (UserContext*)(((ulong)buffer + 15) & ~15UL);
        *context = *process->ForkContext;
        KernelMemory.Free(process->ForkContext);
        process->ForkContext = null;
        if ((process->PendingSignals & (1UL << (SigKill - 1))) != 0) Exit(SignalKill); // killed while being made (Fork)
        UserMode.Resume(context, 0);
        return 0;
    }

    // wait4 and waitid options and status (Linux include/uapi/linux/wait.h). WUNTRACED is
    // waitid's WSTOPPED.
    private const ulong WaitNoHang = 1, WaitUntraced = 2, WaitExited = 4, WaitContinued = 8, WaitNoWait = 0x0100_0000,
        WaitNoThread = 0x2000_0000, WaitAll = 0x4000_0000, WaitClone = 0x8000_0000;

    /// <summary>The options Linux's wait4 accepts.</summary>
    private const ulong WaitOptions = WaitNoHang | WaitUntraced | WaitContinued | WaitNoThread | WaitAll | WaitClone;

    /// <summary>The options Linux's waitid accepts.</summary>
    private const ulong WaitIdOptions = WaitOptions | WaitExited | WaitNoWait;

    /// <summary>Wait statuses of a stopped child (0x7f, the signal in bits 8-15) and a
    /// continued one (Linux include/uapi/linux/wait.h's W_STOPCODE and __W_CONTINUED).</summary>
    private const int StatusStopped = 0x7f, StatusContinued = 0xffff;

    /// <summary>wait4(pid, status, options): waits for a child (pid -1: any; pid &gt; 0: that
    /// one; 0: any in the caller's group; &lt; -1: any in group -pid) to end, frees it, stores
    /// its wait status and returns its pid; with WUNTRACED a stop not yet reported and with
    /// WCONTINUED a continue not yet reported count too (the child stays); 0 with WNOHANG when
    /// nothing is to report yet; -ECHILD without such a child.</summary>
    internal static long WaitForChild(Process* parent, long pid, ulong statusAddress, ulong options)
    {
        // pid_t is 32 bits: Linux reads the low half of the register. glibc's waitpid(-1, ...)
        // leaves the upper half zero (0xFFFFFFFF), which as a 64-bit pid named no child: busybox
        // sh then saw ECHILD for every command it waited for (exit status 255).
        if ((options & ~WaitOptions) != 0) return -Syscalls.Errno.EINVAL;
        pid = (int)pid;
        if (pid == int.MinValue) return -Syscalls.Errno.ESRCH; // Linux: -INT_MIN is no group
        long group = pid == 0 ? 0 : pid < -1 ? -pid : -1;
        long id = WaitForEvent(parent, pid > 0 ? pid : 0, group, options | WaitExited, out int status);
        if (id > 0 && statusAddress != 0 &&
            !UserMemory.CopyTo(parent->Space, statusAddress, new ReadOnlySpan<byte>(&status, sizeof(int))))
            return -Syscalls.Errno.EFAULT;
        return id;
    }

    // waitid's id types and siginfo codes (include/uapi/linux/wait.h, asm-generic/siginfo.h).
    private const int IdAll = 0, IdPid = 1, IdGroup = 2;
    private const int ChildExitedCode = 1, ChildKilledCode = 2, ChildStoppedCode = 5, ChildContinuedCode = 6;

    /// <summary>waitid(idtype, id, infop, options, rusage): as wait4, by P_ALL, P_PID or P_PGID
    /// (id 0: the caller's group), for the events asked (WEXITED, WSTOPPED, WCONTINUED; at
    /// least one, else EINVAL), with WNOWAIT leaving the child and its report in place. The
    /// answer is a siginfo (SIGCHLD, CLD_EXITED/KILLED/STOPPED/CONTINUED, pid, status); with
    /// WNOHANG and nothing to report, a zeroed one. Returns 0.</summary>
    internal static long WaitForChildInfo(Process* parent, int idType, long id, ulong infoAddress, ulong options)
    {
        if ((options & ~WaitIdOptions) != 0 || (options & (WaitExited | WaitUntraced | WaitContinued)) == 0) return -Syscalls.Errno.EINVAL;
        id = (int)id;
        long pid, group;
        switch (idType)
        {
            case IdAll: pid = 0; group = -1; break;
            case IdPid: if (id <= 0) return -Syscalls.Errno.EINVAL; pid = id; group = -1; break;
            case IdGroup: if (id < 0) return -Syscalls.Errno.EINVAL; pid = 0; group = id; break;
            default: return -Syscalls.Errno.EINVAL;
        }

        long found = WaitForEvent(parent, pid, group, options, out int status);
        // Linux writes si_signo, si_errno, si_code, si_pid, si_uid and si_status whatever the
        // outcome (zeros when nothing was found), and nothing else of the siginfo.
        int* info = stackalloc int[7];
        new Span<int>(info, 7).Clear();
        if (found > 0)
        {
            info[0] = SigChld;
            info[4] = (int)found; // si_pid, then si_uid 0
            if (status == StatusContinued) { info[2] = ChildContinuedCode; info[6] = SigCont; }
            else if ((status & 0xff) == StatusStopped) { info[2] = ChildStoppedCode; info[6] = (status >> 8) & 0xff; }
            else if ((status & 0x7f) == 0) { info[2] = ChildExitedCode; info[6] = (status >> 8) & 0xff; }
            else { info[2] = ChildKilledCode; info[6] = status & 0x7f; }
        }

        if (infoAddress != 0 &&
            (!UserMemory.CopyTo(parent->Space, infoAddress, new ReadOnlySpan<byte>(info, 12)) ||
             !UserMemory.CopyTo(parent->Space, infoAddress + 16, new ReadOnlySpan<byte>(info + 4, 12))))
            return -Syscalls.Errno.EFAULT;
        return found < 0 ? found : 0;
    }

    /// <summary>The wait itself, for wait4 and waitid: a child that is <paramref name="pid"/>
    /// (when &gt; 0) or in <paramref name="group"/> (0: the caller's; -1: any) with an event the
    /// options ask for — its end (WEXITED: the child is freed unless WNOWAIT), an unreported
    /// stop (WUNTRACED/WSTOPPED), an unreported continue (WCONTINUED). Its pid and wait status;
    /// 0 with WNOHANG when nothing is to report; -ECHILD without such a child. Sleeps on
    /// <see cref="ChildExited"/>, which a child's exit, stop and continue wake; a signal ends
    /// the wait with ERESTARTSYS (EINTR, or restarted under SA_RESTART, as on Linux).</summary>
    private static long WaitForEvent(Process* parent, long pid, long group, ulong options, out int status)
    {
        status = 0;
        bool keep = (options & WaitNoWait) != 0;
        while (true)
        {
            parent->ChildExited.Prepare(interruptible: true);
            bool table = LockTable();
            ulong wanted = group == 0 ? parent->GroupId : (ulong)group;
            Process* found = null;
            Process** link = null;
            int reported = 0;
            bool any = false;
            for (Process** at = &parent->FirstChild; *at != null; at = &(*at)->NextSibling)
            {
                Process* child = *at;
                if (pid > 0 ? child->Id != (ulong)pid : group != -1 && child->GroupId != wanted) continue;
                any = true;
                if (child->Thread->State == ThreadState.Exited)
                {
                    if ((options & WaitExited) == 0) continue;
                    found = child;
                    if (!keep) link = at;
                    reported = child->WaitStatus;
                    break;
                }

                if ((options & WaitUntraced) != 0 && child->Stopped && child->StopUnreported)
                {
                    if (!keep) child->StopUnreported = false;
                    reported = StatusStopped | (child->StopSignal << 8);
                    found = child;
                    break;
                }

                if ((options & WaitContinued) != 0 && child->ContinueUnreported)
                {
                    if (!keep) child->ContinueUnreported = false;
                    reported = StatusContinued;
                    found = child;
                    break;
                }
            }

            long result = 0;
            bool sleep = false;
            if (!any) result = -Syscalls.Errno.ECHILD;
            else if (link != null) *link = found->NextSibling;
            else if (found != null) result = (long)found->Id;
            else if ((options & WaitNoHang) != 0) result = 0;
            else if (HasDeliverableSignal(parent)) result = -Syscalls.Errno.ERESTARTSYS;
            else sleep = true;
            UnlockTable(table);
            if (sleep)
            {
                parent->ChildExited.Sleep(WaitQueue.Forever);
                continue;
            }

            parent->ChildExited.Cancel();
            if (found == null) return result;
            long id = (long)found->Id;
            if (link != null)
            {
                AddChildTimes(parent, found);
                status = Wait(found);
            }
            else
            {
                status = reported;
            }

            return id;
        }
    }

    /// <summary>Queues an ended orphan for the reaper. Interrupts off.</summary>
    private static void HandToReaper(Process* process)
    {
        process->NextSibling = s_unreaped;
        s_unreaped = process;
        Scheduler.Wake(s_reaper);
    }

    private static long ReapOrphans(ulong unused)
    {
        while (true)
        {
            Cpu.DisableInterrupts();
            s_reaping = false;
            while (s_unreaped == null && s_endedThreads == null) Scheduler.Block();
            s_reaping = true; // until the loop comes back here (Process.WaitForReaper)
            KernelThread* ended = TakeEndedThread();
            if (ended != null)
            {
                Cpu.EnableInterrupts();
                Scheduler.Join(ended); // its stack and record (Process.Threads.cs)
                continue;
            }

            Process* process = s_unreaped;
            s_unreaped = process->NextSibling;
            Cpu.EnableInterrupts();
            Wait(process);
        }
    }
}
