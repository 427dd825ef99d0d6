using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Sync;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Files;

/// <summary>
/// An eventfd (Linux fs/eventfd.c): a 64-bit counter behind a descriptor. write(2) adds an
/// 8-byte value (0xffffffffffffffff is EINVAL; a sum past 0xfffffffffffffffe waits for a read,
/// or EAGAIN); read(2) takes the whole count and leaves 0, or with EFD_SEMAPHORE takes 1,
/// waiting while the count is 0 (EAGAIN with O_NONBLOCK). A read shorter than 8 bytes is
/// EINVAL and a longer one moves 8; a write of other than 8 bytes is EINVAL (Linux 6.x).
/// lseek is Linux's noop_llseek: 0, nothing moves. Readable while the count is above 0, writable while a write of 1
/// fits. Readers and writers sleep on the one <see cref="Counter.Waiters"/> queue, as Linux's
/// wqh, and every change wakes it; a signal ends a wait with ERESTARTSYS (EINTR, or a restart
/// under SA_RESTART). Lock: the counter's spin lock guards the count; user memory is copied
/// outside it.
/// </summary>
internal static unsafe class EventCounterFile
{
    /// <summary>eventfd2's flags (Linux include/linux/eventfd.h; x86-64 O_ values).</summary>
    internal const int Semaphore = 1, NonBlocking = OpenFileDescription.NonBlocking, CloseOnExec = OpenFileDescription.CloseOnExec;

    /// <summary>The count never reaches this (Linux ULLONG_MAX): it is the write that is refused.</summary>
    private const ulong Ceiling = ulong.MaxValue;

    internal struct Counter
    {
        public SpinLock Lock;
        public ulong Count;
        public bool Semaphore;
        public WaitQueue Waiters;
    }

    /// <summary>Eventfds alive now (for tests).</summary>
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
                    operations->Write = &Write;
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

    /// <summary>A new eventfd holding <paramref name="initial"/>, opened O_RDWR with O_NONBLOCK
    /// if <paramref name="flags"/> has it; null when the heap is out.</summary>
    internal static OpenFileDescription* Create(uint initial, int flags)
    {
        var counter = (Counter*)KernelMemory.Allocate((nuint)sizeof(Counter));
        if (counter == null) return null;
        *counter = default;
        counter->Count = initial;
        counter->Semaphore = (flags & Semaphore) != 0;
        OpenFileDescription* description = OpenFileDescription.Create(Operations, counter,
            OpenFileDescription.ReadWrite | (flags & NonBlocking));
        if (description == null)
        {
            KernelMemory.Free(counter);
            return null;
        }

        Live++;
        return description;
    }

    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (length < sizeof(ulong)) return -Errno.EINVAL;
        var counter = (Counter*)description->Object;
        ulong taken;
        while (true)
        {
            counter->Waiters.Prepare(interruptible: true);
            bool interrupts = counter->Lock.Acquire();
            taken = counter->Semaphore ? Math.Min(counter->Count, 1UL) : counter->Count;
            counter->Count -= taken;
            counter->Lock.Release(interrupts);
            if (taken != 0)
            {
                counter->Waiters.Cancel();
                break;
            }

            if (description->IsNonBlocking || Process.HasDeliverableSignal(process))
            {
                counter->Waiters.Cancel();
                return description->IsNonBlocking ? -Errno.EAGAIN : -Errno.ERESTARTSYS;
            }

            counter->Waiters.Sleep(WaitQueue.Forever);
        }

        counter->Waiters.WakeAll(); // room for writers
        // As Linux: the count is taken before the copy, so a bad buffer loses it (EFAULT).
        return UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(&taken, sizeof(ulong))) ? sizeof(ulong) : -Errno.EFAULT;
    }

    private static long Write(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (length != sizeof(ulong)) return -Errno.EINVAL;
        ulong value;
        if (!UserMemory.CopyFrom(process->Space, buffer, new Span<byte>(&value, sizeof(ulong)))) return -Errno.EFAULT;
        if (value == Ceiling) return -Errno.EINVAL;
        var counter = (Counter*)description->Object;
        while (true)
        {
            counter->Waiters.Prepare(interruptible: true);
            bool interrupts = counter->Lock.Acquire();
            bool fits = Ceiling - counter->Count > value;
            if (fits) counter->Count += value;
            counter->Lock.Release(interrupts);
            if (fits)
            {
                counter->Waiters.Cancel();
                break;
            }

            if (description->IsNonBlocking || Process.HasDeliverableSignal(process))
            {
                counter->Waiters.Cancel();
                return description->IsNonBlocking ? -Errno.EAGAIN : -Errno.ERESTARTSYS;
            }

            counter->Waiters.Sleep(WaitQueue.Forever);
        }

        counter->Waiters.WakeAll(); // data for readers
        return sizeof(ulong);
    }

    private static long Seek(OpenFileDescription* description, long offset, int whence) => 0;

    /// <summary>Linux eventfd_poll: POLLIN above 0, POLLOUT while 1 more fits, POLLERR at the ceiling.</summary>
    private static int Poll(OpenFileDescription* description)
    {
        var counter = (Counter*)description->Object;
        bool interrupts = counter->Lock.Acquire();
        ulong count = counter->Count;
        counter->Lock.Release(interrupts);
        int bits = 0;
        if (count > 0) bits |= Readiness.In;
        if (count == Ceiling) bits |= Readiness.Error;
        if (Ceiling - 1 > count) bits |= Readiness.Out;
        return bits;
    }

    private static void PollWait(OpenFileDescription* description, PollTable* table) =>
        table->Add(ref ((Counter*)description->Object)->Waiters);

    private static long Stat(OpenFileDescription* description, FileStatus* status) => AnonymousInode.Stat(status);

    private static int Name(OpenFileDescription* description, Span<byte> name) => AnonymousInode.Name(name, "eventfd");

    private static void Close(void* obj)
    {
        KernelMemory.Free(obj);
        Live--;
    }
}
