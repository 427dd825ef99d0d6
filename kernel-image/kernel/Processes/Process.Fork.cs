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
        KernelThread* thread = Scheduler.Create(&ForkedChildStart, (ulong)child);
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
        Ipc.Capabilities.Space.ProcessForked(parent->CapsHandle, child->CapsHandle);
        Ipc.Capabilities.Unlock();
        Ipc.SharedSegments.InheritAttachments(parent, child);
        child->Entry = parent->Entry;
        child->BreakStart = parent->BreakStart;
        child->Break = parent->Break;
        child->MappingCursor = parent->MappingCursor;
        child->ForkContext = context;
        // Signal dispositions and the mask are inherited; pending signals are not.
        for (int i = 0; i < SignalCount; i++)
        {
            child->SignalHandler[i] = parent->SignalHandler[i];
            child->SignalFlags[i] = parent->SignalFlags[i];
            child->SignalRestorer[i] = parent->SignalRestorer[i];
            child->SignalHandlerMask[i] = parent->SignalHandlerMask[i];
        }

        child->BlockedSignals = parent->BlockedSignals;
        child->Thread = thread;
        thread->Process = child;
        thread->AddressSpaceRoot = child->Space.Root;
        thread->ThreadPointer = self->ThreadPointer;

        bool interrupts = Cpu.SaveAndDisableInterrupts();
        child->Id = s_nextId++;
        child->StartTick = Hal.Timer.Ticks();
        child->Program = parent->Program;
        ProgramInfo.Retain(child->Program);
        Register(child);
        child->Parent = parent;
        child->NextSibling = parent->FirstChild;
        parent->FirstChild = child;
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
        UserMode.Resume(context, 0);
        return 0;
    }

    // wait4 options and status (Linux include/uapi/linux/wait.h).
    private const ulong WaitNoHang = 1, WaitUntraced = 2, WaitContinued = 8,
        WaitNoThread = 0x2000_0000, WaitAll = 0x4000_0000, WaitClone = 0x8000_0000;

    /// <summary>The options Linux's wait4 accepts. No process stops or continues yet (no job
    /// control), so WUNTRACED and WCONTINUED never report anything extra; they are accepted so
    /// shells (busybox ash asks for them) work.</summary>
    private const ulong WaitOptions = WaitNoHang | WaitUntraced | WaitContinued | WaitNoThread | WaitAll | WaitClone;

    /// <summary>wait4(pid, status, options): waits for a child (pid -1: any; pid &gt; 0: that
    /// one) to end, frees it, stores its wait status and returns its pid; 0 with WNOHANG when
    /// none has ended yet; -ECHILD without such a child. Sleeps on the process's
    /// <see cref="ChildExited"/> queue, which a child's exit wakes; a signal ends the wait with
    /// ERESTARTSYS (EINTR, or restarted under SA_RESTART, as on Linux).</summary>
    internal static long WaitForChild(Process* parent, long pid, ulong statusAddress, ulong options)
    {
        // pid_t is 32 bits: Linux reads the low half of the register. glibc's waitpid(-1, ...)
        // leaves the upper half zero (0xFFFFFFFF), which as a 64-bit pid named no child: busybox
        // sh then saw ECHILD for every command it waited for (exit status 255).
        pid = (int)pid;
        if ((options & ~WaitOptions) != 0) return -Syscalls.Errno.EINVAL;
        if (pid == int.MinValue) return -Syscalls.Errno.ESRCH;   // Linux: -INT_MIN is no group
        // Process groups do not exist yet (every process is in its first ancestor's group and
        // none can leave it): pid 0 (the caller's group) and -pgid wait for any child.
        if (pid == 0 || pid < -1) pid = -1;
        while (true)
        {
            parent->ChildExited.Prepare(interruptible: true);
            bool table = LockTable();
            Process* found = null;
            Process** link = null;
            bool any = false;
            for (Process** at = &parent->FirstChild; *at != null; at = &(*at)->NextSibling)
            {
                Process* child = *at;
                if (pid != -1 && child->Id != (ulong)pid) continue;
                any = true;
                if (child->Thread->State == ThreadState.Exited)
                {
                    found = child;
                    link = at;
                    break;
                }
            }

            long result = 0;
            bool sleep = false;
            if (!any) result = -Syscalls.Errno.ECHILD;
            else if (found != null) *link = found->NextSibling;
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
            int status = Wait(found);
            if (statusAddress != 0 &&
                !UserMemory.CopyTo(parent->Space, statusAddress, new ReadOnlySpan<byte>(&status, sizeof(int))))
                return -Syscalls.Errno.EFAULT;
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
            while (s_unreaped == null) Scheduler.Block();
            Process* process = s_unreaped;
            s_unreaped = process->NextSibling;
            Cpu.EnableInterrupts();
            Wait(process);
        }
    }
}
