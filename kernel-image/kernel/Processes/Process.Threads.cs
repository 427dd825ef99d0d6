using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Threads (clone with CLONE_VM|CLONE_THREAD…, what musl's and glibc's pthread_create make): a
/// new kernel thread running the same <see cref="Process"/> record, so the address space,
/// descriptors, working directory, signal handlers and credentials are shared by construction.
/// Each thread has its own id (gettid; the first thread's is the pid), its own FS base (TLS:
/// KernelThread.ThreadPointer), its own pending set for signals sent to it (tgkill) and its
/// clear-tid word (CLONE_CHILD_CLEARTID, set_tid_address: zeroed and futex-woken when it ends:
/// pthread_join waits on it). exit(2) ends one thread; exit_group, a fatal signal and execve
/// end all the others first (<see cref="EndOtherThreads"/>), and the process ends with its
/// last thread. Each thread has its own signal mask, alternate signal stack and robust list
/// (walked when it ends: Process.RobustList.cs); the handlers are the process's.
/// </summary>
internal unsafe partial struct Process
{
    private static KernelThread* s_endedThreads;

    /// <summary>Waits (at most <paramref name="milliseconds"/>) until the reaper has freed every
    /// ended thread and orphan handed to it: their stacks and records go back after the
    /// process that ran them is reaped (tests that compare memory before and after ask this).</summary>
    internal static bool WaitForReaper(ulong milliseconds)
    {
        for (ulong waited = 0; waited < milliseconds; waited++)
        {
            bool interrupts = Cpu.SaveAndDisableInterrupts();
            bool idle = s_endedThreads == null && s_unreaped == null && !s_reaping;
            Cpu.RestoreInterrupts(interrupts);
            if (idle) return true;
            Scheduler.Sleep(1);
        }

        return false;
    }

    /// <summary>The user thread id of <paramref name="thread"/> of <paramref name="process"/>.</summary>
    internal static ulong ThreadId(Process* process, KernelThread* thread) => thread->UserTid != 0 ? thread->UserTid : process->Id;

    /// <summary>gettid().</summary>
    internal static long CurrentThreadId(Process* process) => (long)ThreadId(process, Scheduler.Current);

    /// <summary>set_tid_address(address): the calling thread's clear-tid word; answers its id.</summary>
    internal static long SetClearTidAddress(Process* process, ulong address)
    {
        Scheduler.Current->ClearTidAddress = address;
        return CurrentThreadId(process);
    }

    /// <summary>A new thread of <paramref name="process"/> that resumes from the caller's
    /// system call with 0, on <paramref name="stack"/>, with FS base <paramref name="tls"/>
    /// when <paramref name="setTls"/>. Its id, or -errno.</summary>
    internal static long CreateThread(Process* process, ulong stack, bool setTls, ulong tls, ulong parentTidAddress, ulong childTidAddress, ulong clearTidAddress)
    {
        if (process->GroupExiting) return -Syscalls.Errno.EAGAIN;
        var context = (UserContext*)KernelMemory.Allocate((nuint)sizeof(UserContext));
        if (context == null) return -Syscalls.Errno.ENOMEM;
        KernelThread* self = Scheduler.Current;
        UserMode.CaptureSyscallContext((ulong)self->StackBase + Scheduler.StackSize, context);
        UserMode.SetContextStack(context, stack);
        KernelThread* thread = Scheduler.Create(&ThreadStart, (ulong)context, process->Nice);
        if (thread == null)
        {
            KernelMemory.Free(context);
            return -Syscalls.Errno.ENOMEM;
        }

        thread->Process = process;
        thread->AddressSpaceRoot = process->Space.Root;
        thread->ThreadPointer = setTls ? tls : self->ThreadPointer;
        thread->ClearTidAddress = clearTidAddress;
        thread->SignalMask = self->SignalMask; // a new thread starts with its creator's mask
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        ulong tid = s_nextId++;
        thread->UserTid = tid;
        thread->NextInGroup = process->OtherThreads;
        process->OtherThreads = thread;
        process->OtherThreadCount++;
        Cpu.RestoreInterrupts(interrupts);
        int id = (int)tid;
        // Both in the shared space; an unwritable address is ignored, as Linux does.
        if (parentTidAddress != 0) UserMemory.CopyTo(process->Space, parentTidAddress, new ReadOnlySpan<byte>(&id, 4));
        if (childTidAddress != 0) UserMemory.CopyTo(process->Space, childTidAddress, new ReadOnlySpan<byte>(&id, 4));
        Scheduler.Start(thread);
        return (long)tid;
    }

    private static long ThreadStart(ulong contextAddress)
    {
        var saved = (UserContext*)contextAddress;
        byte* buffer = stackalloc byte[sizeof(UserContext) + 16];
        var context = (UserContext*)(((ulong)buffer + 15) & ~15UL);
        *context = *saved;
        KernelMemory.Free(saved);
        UserMode.Resume(context, 0);
        return 0;
    }

    /// <summary>exit(2): ends the calling thread. The last thread's exit ends the process with
    /// <paramref name="waitStatus"/>; the first thread, leaving while others run, waits for
    /// them (Linux keeps it as a zombie leader until then).</summary>
    internal static void ExitThread(int waitStatus)
    {
        Process* process = Current;
        KernelThread* self = Scheduler.Current;
        ReleaseRobustList(process, self);
        if (self != process->Thread) EndThisThread(process);
        while (true)
        {
            process->ThreadsEnded.Prepare(interruptible: false);
            if (process->GroupExiting && process->Thread != self)
            {
                process->ThreadsEnded.Cancel();
                EndThisThread(process);
            }

            if (process->OtherThreadCount == 0)
            {
                process->ThreadsEnded.Cancel();
                ClearTid(process, self);
                Exit(waitStatus);
            }

            process->ThreadsEnded.Sleep(WaitQueue.Forever);
        }
    }

    /// <summary>exit_group, a fatal signal: every other thread of the process ends before this
    /// returns, and the caller becomes <see cref="Thread"/> (the one wait4 sees end). A thread
    /// that finds another already ending the group ends itself instead.</summary>
    internal static void EndOtherThreads(Process* process)
    {
        if (!BecomeOnlyThread(process) && process->Thread != Scheduler.Current) EndThisThread(process);
    }

    /// <summary><see cref="EndOtherThreads"/> for execve, which has a new image to give back
    /// first: false, at once, when another thread is already ending the group (Linux's
    /// de_thread answers EAGAIN then, and the caller ends on its way out).</summary>
    internal static bool BecomeOnlyThread(Process* process)
    {
        KernelThread* self = Scheduler.Current;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        if (process->GroupExiting)
        {
            Cpu.RestoreInterrupts(interrupts);
            return false;
        }

        if (process->OtherThreadCount == 0)
        {
            Cpu.RestoreInterrupts(interrupts);
            return true;
        }

        process->GroupExiting = true;
        if (process->Thread != self)
        {
            // The caller takes the first thread's place; that one ends as any other thread.
            Unlink(process, self);
            KernelThread* first = process->Thread;
            first->UserTid = process->Id;
            first->NextInGroup = process->OtherThreads;
            process->OtherThreads = first;
            process->OtherThreadCount++;
            process->Thread = self;
            // A wait for the process (Process.Wait: the kernel's for init or a test program)
            // was on the first thread; it now waits for the caller, and the reaper, which
            // frees the first thread, is its only joiner (issue 19: "invalid join").
            Scheduler.HandOverJoiner(first);
        }

        // Each ends on its way back to user mode (Process.BeforeUserReturn); an interruptible
        // wait ends at once (HasDeliverableSignal is true for them now).
        for (KernelThread* t = process->OtherThreads; t != null; t = t->NextInGroup) Scheduler.Interrupt(t);
        Cpu.RestoreInterrupts(interrupts);
        process->ThreadsEnded.WakeAll();
        while (true)
        {
            process->ThreadsEnded.Prepare(interruptible: false);
            if (process->OtherThreadCount == 0)
            {
                process->ThreadsEnded.Cancel();
                break;
            }

            process->ThreadsEnded.Sleep(WaitQueue.Forever);
        }

        process->GroupExiting = false;
        return true;
    }

    /// <summary>Whether the calling thread must end because another ends its group.</summary>
    internal static bool MustEndThread(Process* process) => process->GroupExiting && process->Thread != Scheduler.Current;

    /// <summary>Ends the calling thread (not the process's <see cref="Thread"/>): its clear-tid
    /// word, its place in the process, then the reaper frees it. Does not return.</summary>
    internal static void EndThisThread(Process* process)
    {
        KernelThread* self = Scheduler.Current;
        Files.CallReferences.ReleaseAll(); // ending inside a call: its descriptions go too
        ReleaseRobustList(process, self);
        ClearTid(process, self);
        Cpu.DisableInterrupts();
        Unlink(process, self);
        process->Timers.EndedThreadUserTicks += self->UserTicks;
        process->Timers.EndedThreadSystemTicks += self->SystemTicks;
        process->ThreadsEnded.WakeAll();
        self->NextInGroup = s_endedThreads;
        s_endedThreads = self;
        Scheduler.Wake(s_reaper);
        Scheduler.Exit(0);
    }

    /// <summary>CLONE_CHILD_CLEARTID: 0 into the word and one FUTEX_WAKE on it (Linux's
    /// mm_release; only while others share the space, as Linux checks mm_users).</summary>
    private static void ClearTid(Process* process, KernelThread* self)
    {
        ulong address = self->ClearTidAddress;
        if (address == 0 || (address & 3) != 0) return;
        self->ClearTidAddress = 0;
        int zero = 0;
        if (!UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(&zero, 4))) return;
        if (Futex.KeyOf(process, address, isPrivate: false, out FutexKey key) == 0) Futex.Wake(key, 1, uint.MaxValue);
    }

    /// <summary>Takes <paramref name="thread"/> off the list of other threads. Interrupts off.</summary>
    private static void Unlink(Process* process, KernelThread* thread)
    {
        for (KernelThread** at = &process->OtherThreads; *at != null; at = &(*at)->NextInGroup)
        {
            if (*at != thread) continue;
            *at = thread->NextInGroup;
            thread->NextInGroup = null;
            process->OtherThreadCount--;
            return;
        }
    }

    /// <summary>An ended thread for the reaper to free, or null. Interrupts off.</summary>
    private static KernelThread* TakeEndedThread()
    {
        KernelThread* thread = s_endedThreads;
        if (thread != null) s_endedThreads = thread->NextInGroup;
        return thread;
    }

    /// <summary>The thread of <paramref name="process"/> whose id is <paramref name="tid"/>, or
    /// null. Interrupts off.</summary>
    internal static KernelThread* FindThread(Process* process, ulong tid)
    {
        if (ThreadId(process, process->Thread) == tid) return process->Thread;
        for (KernelThread* t = process->OtherThreads; t != null; t = t->NextInGroup)
            if (ThreadId(process, t) == tid) return t;
        return null;
    }

    /// <summary>The thread whose id is <paramref name="tid"/> in any live process, and that
    /// process; null when none (Linux find_task_by_vpid). Table lock held.</summary>
    internal static KernelThread* FindThreadById(long tid, out Process* owner)
    {
        owner = null;
        if (tid <= 0) return null;
        for (Process* p = s_allProcesses; p != null; p = p->NextProcess)
        {
            if (p->Thread == null || p->Thread->State == ThreadState.Exited) continue;
            KernelThread* thread = FindThread(p, (ulong)tid);
            if (thread == null) continue;
            owner = p;
            return thread;
        }

        return null;
    }
}
