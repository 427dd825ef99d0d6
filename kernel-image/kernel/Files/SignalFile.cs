using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Files;

/// <summary>
/// A signalfd (Linux fs/signalfd.c): a signal mask behind a descriptor. read(2) takes pending
/// signals of the mask from the reading thread and its process, lowest first, as
/// rt_sigtimedwait does (<see cref="Process.DequeueSignal"/>: the handler does not run), one
/// struct signalfd_siginfo (128 bytes) each, as many as fit; a buffer smaller than one is
/// EINVAL. With none pending it waits for the first (EAGAIN with O_NONBLOCK; an unblocked
/// signal ends the wait with ERESTARTSYS). Readable (POLLIN) while a signal of the mask is
/// pending for the caller: as on Linux, what a signalfd reports depends on who asks, not on who
/// made it. Every signal sent wakes the one queue <see cref="s_waiters"/>, shared by all
/// signalfds (a process's queue could not outlive it while another's epoll watches it), and
/// the woken look again. The mask changes only through signalfd4 on the descriptor.
/// </summary>
internal static unsafe class SignalFile
{
    /// <summary>signalfd4's flags (x86-64 O_ values).</summary>
    internal const int NonBlocking = OpenFileDescription.NonBlocking, CloseOnExec = OpenFileDescription.CloseOnExec;

    /// <summary>sizeof(struct signalfd_siginfo).</summary>
    internal const int InfoSize = 128;

    private const ulong Unblockable = (1UL << (9 - 1)) | (1UL << (19 - 1)); // SIGKILL, SIGSTOP

    internal struct SignalSet
    {
        public ulong Mask;
    }

    private static WaitQueue s_waiters;

    /// <summary>Signalfds alive now (for tests).</summary>
    internal static int Live;

    private static FileOperations s_operations;

    private static FileOperations* Operations
    {
        get
        {
            fixed (FileOperations* operations = &s_operations)
            {
                if (operations->Read == null)
                {
                    operations->Seek = &Seek;
                    operations->Stat = &Stat;
                    operations->Poll = &Poll;
                    operations->PollWait = &PollWait;
                    operations->Close = &Close;
                    operations->Name = &Name;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Read = &Read;
                }

                return operations;
            }
        }
    }

    internal static bool Is(OpenFileDescription* description) => description->Operations == Operations;

    /// <summary>A new signalfd for <paramref name="mask"/> (SIGKILL and SIGSTOP dropped), O_RDWR
    /// plus O_NONBLOCK if <paramref name="flags"/> has it; null when the heap is out.</summary>
    internal static OpenFileDescription* Create(ulong mask, int flags)
    {
        var set = (SignalSet*)KernelMemory.Allocate((nuint)sizeof(SignalSet));
        if (set == null) return null;
        set->Mask = mask & ~Unblockable;
        OpenFileDescription* description = OpenFileDescription.Create(Operations, set,
            OpenFileDescription.ReadWrite | (flags & NonBlocking));
        if (description == null)
        {
            KernelMemory.Free(set);
            return null;
        }

        Live++;
        return description;
    }

    /// <summary>signalfd4 on an existing signalfd: its new mask (flags are not changed, as Linux).</summary>
    internal static void SetMask(OpenFileDescription* description, ulong mask)
    {
        ((SignalSet*)description->Object)->Mask = mask & ~Unblockable;
        s_waiters.WakeAll(); // pending signals of the new mask make it readable
    }

    /// <summary>A signal was made pending somewhere: signalfd readers and pollers look again. Any context.</summary>
    internal static void SignalPosted() => s_waiters.WakeAll();

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        ulong room = length / InfoSize;
        if (room == 0) return -Errno.EINVAL;
        var set = (SignalSet*)description->Object;
        byte* info = stackalloc byte[InfoSize];
        ulong done = 0;
        while (done < room)
        {
            int signal;
            while (true)
            {
                s_waiters.Prepare(interruptible: true);
                signal = Process.DequeueSignal(process, set->Mask);
                if (signal != 0 || done > 0)
                {
                    s_waiters.Cancel();
                    break;
                }

                if (description->IsNonBlocking || Process.HasDeliverableSignal(process))
                {
                    s_waiters.Cancel();
                    return description->IsNonBlocking ? -Errno.EAGAIN : -Errno.ERESTARTSYS;
                }

                s_waiters.Sleep(WaitQueue.Forever);
            }

            if (signal == 0) break;
            Process.TakeSignalInfo(process, signal, out int code, out ulong value);
            Fill(info, signal, code, (uint)process->LastSender, value);
            // As Linux: a signal taken is gone even if the copy fails.
            if (!UserMemory.CopyTo(process->Space, buffer + done * InfoSize, new ReadOnlySpan<byte>(info, InfoSize)))
                return done > 0 ? (long)(done * InfoSize) : -Errno.EFAULT;
            done++;
        }

        return (long)(done * InfoSize);
    }

    /// <summary>struct signalfd_siginfo (Linux include/uapi/linux/signalfd.h): ssi_signo at 0,
    /// ssi_code at 8, ssi_pid at 12, ssi_uid at 16 (0: senders' uids are not kept), ssi_int at
    /// 44, ssi_ptr at 48; the rest 0.</summary>
    private static void Fill(byte* info, int signal, int code, uint sender, ulong value)
    {
        new Span<byte>(info, InfoSize).Clear();
        *(uint*)info = (uint)signal;
        *(int*)(info + 8) = code;
        *(uint*)(info + 12) = sender;
        *(int*)(info + 44) = (int)value;
        *(ulong*)(info + 48) = value;
    }

    /// <summary>Linux's noop_llseek: 0, nothing moves.</summary>
    private static long Seek(OpenFileDescription* description, long offset, int whence) => 0;

    private static int Poll(OpenFileDescription* description)
    {
        var process = (Process*)Scheduler.Current->Process;
        if (process == null) return 0;
        return Process.HasPendingSignal(process, ((SignalSet*)description->Object)->Mask) ? Readiness.In : 0;
    }

    private static void PollWait(OpenFileDescription* description, PollTable* table) => table->Add(ref s_waiters);

    private static long Stat(OpenFileDescription* description, FileStatus* status) => AnonymousInode.Stat(status);

    private static int Name(OpenFileDescription* description, Span<byte> name) => AnonymousInode.Name(name, "signalfd");

    private static void Close(void* obj)
    {
        KernelMemory.Free(obj);
        Live--;
    }
}
