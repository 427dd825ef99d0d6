using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Sync;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;
using Errno = Aurora.Kernel.Syscalls.Errno;

namespace Aurora.Kernel.Files;

/// <summary>
/// A pipe (Linux fs/pipe.c): a 64 KiB ring buffer on the kernel heap with a read end and a
/// write end, each its own open file description (two operation tables, so each end's last
/// close knows which side it was). Readers sleep on <see cref="Pipe.Readable"/> until data
/// comes or the last writer goes (then 0: end of file); writers sleep on
/// <see cref="Pipe.Writable"/> until there is room. A write of at most <see cref="AtomicSize"/>
/// (PIPE_BUF) bytes goes in whole or waits; a longer one may be split. With no reader left a
/// write raises SIGPIPE and fails with EPIPE (bytes already written are reported instead).
/// O_NONBLOCK: EAGAIN instead of sleeping; a signal ends a wait with ERESTARTSYS (EINTR, or a
/// restart under SA_RESTART) unless something was already transferred.
/// Lock: the pipe's own spin lock guards the ring and the end counts; user memory is copied
/// through a kernel bounce buffer outside it (a user copy may fault and sleep).
/// </summary>
internal static unsafe class PipeFile
{
    /// <summary>The ring's size: Linux's default pipe capacity (16 pages).</summary>
    internal const int Capacity = 64 * 1024;

    /// <summary>PIPE_BUF: writes up to this size are never interleaved with other writers'.</summary>
    internal const int AtomicSize = 4096;

    private const int SigPipe = 13;

    internal struct Pipe
    {
        public SpinLock Lock;
        public byte* Ring;
        public int Head;     // next byte to read
        public int Count;    // bytes in the ring
        public int Readers;  // read-end descriptions alive
        public int Writers;  // write-end descriptions alive
        public WaitQueue Readable;
        public WaitQueue Writable;

        // FIFOs (named pipes): the node this pipe belongs to, while any end is open.
        public bool IsFifo;
        public ulong FifoDevice;
        public ulong FifoInode;
        public uint FifoMode;
        /// <summary>Opens of each end so far: a waiting opener sees its partner arrive even if
        /// it has left again (Linux's r_counter/w_counter).</summary>
        public uint ReaderOpens;
        public uint WriterOpens;
        /// <summary>Openers waiting for the other end (fifo_open's wait_for_partner).</summary>
        public WaitQueue Partner;
        public Pipe* NextFifo;
    }

    /// <summary>The FIFOs with an open end. Lock order: <see cref="s_fifoLock"/>, then a pipe's lock.</summary>
    private static Pipe* s_fifos;
    private static SpinLock s_fifoLock;

    private static FileOperations s_readEnd;
    private static FileOperations s_writeEnd;

    /// <summary>What /proc/PID/fd shows for either end: "pipe:[N]", the same N for both ends
    /// (Linux: the pipe's inode number; here from the pipe's address).</summary>
    private static int Name(OpenFileDescription* description, Span<byte> name)
    {
        var text = new FileSystems.TextBuilder(name);
        text.Append("pipe:[");
        text.Unsigned(((ulong)description->Object >> 4) & 0xFFFF_FFFF);
        text.Append(']');
        return text.Length;
    }

    /// <summary>Pipes alive now (for tests).</summary>
    internal static int Live;

    private static FileOperations* ReadEnd
    {
        get
        {
            fixed (FileOperations* operations = &s_readEnd)
            {
                if (operations->Read == null)
                {
                    operations->Stat = &Stat;
                    operations->Poll = &PollReadEnd;
                    operations->PollWait = &PollWaitReadEnd;
                    operations->Ioctl = &Ioctl;
                    operations->Close = &CloseReadEnd;
                    operations->Name = &Name;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Read = &Read;
                }

                return operations;
            }
        }
    }

    private static FileOperations* WriteEnd
    {
        get
        {
            fixed (FileOperations* operations = &s_writeEnd)
            {
                if (operations->Write == null)
                {
                    operations->SpliceWrite = &SpliceWrite;
                    operations->Stat = &Stat;
                    operations->Poll = &PollWriteEnd;
                    operations->PollWait = &PollWaitWriteEnd;
                    operations->Ioctl = &Ioctl;
                    operations->Close = &CloseWriteEnd;
                    operations->Name = &Name;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Write = &Write;
                }

                return operations;
            }
        }
    }

    private static FileOperations s_bothEnds;

    /// <summary>A FIFO opened O_RDWR: one description that is a reader and a writer.</summary>
    private static FileOperations* BothEnds
    {
        get
        {
            fixed (FileOperations* operations = &s_bothEnds)
            {
                if (operations->Read == null)
                {
                    operations->Write = &Write;
                    operations->SpliceWrite = &SpliceWrite;
                    operations->Stat = &Stat;
                    operations->Poll = &PollBothEnds;
                    operations->PollWait = &PollWaitBothEnds;
                    operations->Ioctl = &Ioctl;
                    operations->Close = &CloseBothEnds;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Read = &Read;
                }

                return operations;
            }
        }
    }

    private static void CloseBothEnds(void* obj)
    {
        CloseEnd((Pipe*)obj, reader: true);
        CloseEnd((Pipe*)obj, reader: false);
    }

    private static int PollBothEnds(OpenFileDescription* description) =>
        (PollReadEnd(description) & ~Readiness.HangUp) | (PollWriteEnd(description) & ~Readiness.Error);

    /// <summary>A new pipe: two descriptions with one reference each (the caller's), read end
    /// O_RDONLY and write end O_WRONLY plus <paramref name="statusFlags"/> (O_NONBLOCK).
    /// False when the heap is out (nothing is left allocated).</summary>
    internal static bool Create(int statusFlags, out OpenFileDescription* readEnd, out OpenFileDescription* writeEnd)
    {
        readEnd = writeEnd = null;
        Pipe* pipe = NewPipe();
        if (pipe == null) return false;
        pipe->Readers = pipe->Writers = 1;
        readEnd = OpenFileDescription.Create(ReadEnd, pipe, OpenFileDescription.ReadOnly | statusFlags);
        if (readEnd == null)
        {
            pipe->Readers = 0;
            CloseWriteEnd(pipe); // frees the pipe
            return false;
        }

        writeEnd = OpenFileDescription.Create(WriteEnd, pipe, OpenFileDescription.WriteOnly | statusFlags);
        if (writeEnd == null)
        {
            OpenFileDescription.Release(readEnd); // the only reference: closes the read end
            pipe->Writers = 0;
            Destroy(pipe);
            readEnd = null;
            return false;
        }

        return true;
    }

    /// <summary>
    /// open(2) of /proc/PID/fd/N where N is a pipe end (bash's process substitution opens
    /// /dev/fd/63): Linux's proc_fd_link hands over the pipe's inode itself and fifo_open opens
    /// it, so the result is a new description of the same pipe with the access mode asked for,
    /// whichever end N was. False when <paramref name="end"/> is not a pipe's. The opener does
    /// not wait for a partner: the pipe it names has, or had, both ends (a closed end reads end
    /// of file and writes EPIPE, as on Linux once its wait would be over).
    /// </summary>
    internal static bool TryReopen(OpenFileDescription* end, int flags, out OpenFileDescription* description, out long error)
    {
        description = null;
        error = 0;
        FileOperations* kind = end->Operations;
        if (kind != ReadEnd && kind != WriteEnd && kind != BothEnds) return false;
        var pipe = (Pipe*)end->Object;
        int access = flags & OpenFileDescription.AccessMode;
        bool reads = access != OpenFileDescription.WriteOnly, writes = access != OpenFileDescription.ReadOnly;
        // The caller's reference on `end` keeps the pipe alive while the counts go up.
        bool fifo = pipe->IsFifo;
        bool fifoInterrupts = fifo && s_fifoLock.Acquire();
        bool interrupts = pipe->Lock.Acquire();
        if (reads)
        {
            pipe->Readers++;
            pipe->ReaderOpens++;
        }

        if (writes)
        {
            pipe->Writers++;
            pipe->WriterOpens++;
        }

        pipe->Lock.Release(interrupts);
        if (fifo) s_fifoLock.Release(fifoInterrupts);
        pipe->Partner.WakeAll();
        FileOperations* operations = access == OpenFileDescription.ReadOnly ? ReadEnd
            : access == OpenFileDescription.WriteOnly ? WriteEnd : BothEnds;
        description = OpenFileDescription.Create(operations, pipe, flags | OpenFileDescription.LargeFile);
        if (description == null)
        {
            if (reads) CloseEnd(pipe, reader: true);
            if (writes) CloseEnd(pipe, reader: false);
            error = -Errno.ENOMEM;
        }

        return true;
    }

    /// <summary>An empty pipe with no ends counted yet; null when the heap is out.</summary>
    private static Pipe* NewPipe()
    {
        var pipe = (Pipe*)KernelMemory.Allocate((nuint)sizeof(Pipe));
        if (pipe == null) return null;
        *pipe = default;
        pipe->Ring = (byte*)KernelMemory.Allocate(Capacity);
        if (pipe->Ring == null)
        {
            KernelMemory.Free(pipe);
            return null;
        }

        Live++;
        return pipe;
    }

    private static void Destroy(Pipe* pipe)
    {
        KernelMemory.Free(pipe->Ring);
        KernelMemory.Free(pipe);
        Live--;
    }

    private static void CloseReadEnd(void* obj) => CloseEnd((Pipe*)obj, reader: true);

    private static void CloseWriteEnd(void* obj) => CloseEnd((Pipe*)obj, reader: false);

    /// <summary>One end's description is gone. The last end frees the pipe (a FIFO's pipe leaves
    /// the FIFO list first, under its lock, so no opener finds it half freed; its data goes with
    /// it, as on Linux). Otherwise the other side learns: blocked writers get EPIPE, blocked
    /// readers end of file.</summary>
    private static void CloseEnd(Pipe* pipe, bool reader)
    {
        bool fifo = pipe->IsFifo;
        bool fifoInterrupts = fifo && s_fifoLock.Acquire();
        bool interrupts = pipe->Lock.Acquire();
        if (reader) pipe->Readers--;
        else pipe->Writers--;
        bool last = pipe->Readers == 0 && pipe->Writers == 0;
        // Woken under the lock: once it is dropped, the other end's last close (another
        // process, after a preemption right here) may free the pipe. Waking after the release
        // read freed memory: a kernel panic in the busybox suite (`find | sort`).
        if (!last && reader) pipe->Writable.WakeAll(); // blocked writers now get EPIPE
        else if (!last) pipe->Readable.WakeAll();      // blocked readers now see end of file
        pipe->Lock.Release(interrupts);
        if (last && fifo) Unlist(pipe);
        if (fifo) s_fifoLock.Release(fifoInterrupts);
        if (last) Destroy(pipe);
    }

    /// <summary>Takes a FIFO's pipe off the list; the caller holds <see cref="s_fifoLock"/>.</summary>
    private static void Unlist(Pipe* pipe)
    {
        if (s_fifos == pipe)
        {
            s_fifos = pipe->NextFifo;
            return;
        }

        for (Pipe* previous = s_fifos; previous != null; previous = previous->NextFifo)
        {
            if (previous->NextFifo == pipe)
            {
                previous->NextFifo = pipe->NextFifo;
                return;
            }
        }
    }

    /// <summary>
    /// open(2) of a FIFO (Linux fs/pipe.c fifo_open): its pipe, made by the first opener and
    /// shared by every later one until the last end closes. O_RDONLY waits for a writer unless
    /// O_NONBLOCK (then it opens at once and reads end of file while no writer is there);
    /// O_WRONLY waits for a reader, or with O_NONBLOCK is ENXIO when there is none; O_RDWR never
    /// waits. A wait ends with a partner's open (counted, so one that came and went counts) or a
    /// signal (ERESTARTSYS). The description reports the node's device, inode and mode to fstat.
    /// </summary>
    internal static long OpenFifo(Process* process, ulong device, ulong inode, uint mode, int flags, out OpenFileDescription* description)
    {
        description = null;
        int access = flags & OpenFileDescription.AccessMode;
        bool nonBlocking = (flags & OpenFileDescription.NonBlocking) != 0;
        Pipe* fresh = NewPipe();
        if (fresh == null) return -Errno.ENOMEM;
        bool fifoInterrupts = s_fifoLock.Acquire();
        Pipe* pipe = s_fifos;
        while (pipe != null && (pipe->FifoDevice != device || pipe->FifoInode != inode)) pipe = pipe->NextFifo;
        if (pipe == null)
        {
            pipe = fresh;
            fresh = null;
            pipe->IsFifo = true;
            pipe->FifoDevice = device;
            pipe->FifoInode = inode;
            pipe->FifoMode = mode;
            pipe->NextFifo = s_fifos;
            s_fifos = pipe;
        }

        bool interrupts = pipe->Lock.Acquire();
        if (access == OpenFileDescription.WriteOnly && nonBlocking && pipe->Readers == 0)
        {
            bool unused = pipe->Readers == 0 && pipe->Writers == 0;
            pipe->Lock.Release(interrupts);
            if (unused) Unlist(pipe);
            s_fifoLock.Release(fifoInterrupts);
            if (unused) Destroy(pipe);
            if (fresh != null) Destroy(fresh);
            return -Errno.ENXIO;
        }

        bool reads = access != OpenFileDescription.WriteOnly, writes = access != OpenFileDescription.ReadOnly;
        if (reads)
        {
            pipe->Readers++;
            pipe->ReaderOpens++;
        }

        if (writes)
        {
            pipe->Writers++;
            pipe->WriterOpens++;
        }

        uint partnerOpens = access == OpenFileDescription.ReadOnly ? pipe->WriterOpens : pipe->ReaderOpens;
        bool wait = !nonBlocking && access != OpenFileDescription.ReadWrite &&
            (access == OpenFileDescription.ReadOnly ? pipe->Writers == 0 : pipe->Readers == 0);
        pipe->Lock.Release(interrupts);
        s_fifoLock.Release(fifoInterrupts);
        if (fresh != null) Destroy(fresh);
        pipe->Partner.WakeAll();
        // A writer arriving also ends readers' waits for data; a reader, writers' waits for room.
        if (writes) pipe->Readable.WakeAll();

        FileOperations* operations = access == OpenFileDescription.ReadOnly ? ReadEnd
            : access == OpenFileDescription.WriteOnly ? WriteEnd : BothEnds;
        description = OpenFileDescription.Create(operations, pipe, flags | OpenFileDescription.LargeFile);
        if (description == null)
        {
            if (reads) CloseEnd(pipe, reader: true);
            if (writes) CloseEnd(pipe, reader: false);
            return -Errno.ENOMEM;
        }

        while (wait)
        {
            pipe->Partner.Prepare(interruptible: true);
            interrupts = pipe->Lock.Acquire();
            uint now = access == OpenFileDescription.ReadOnly ? pipe->WriterOpens : pipe->ReaderOpens;
            pipe->Lock.Release(interrupts);
            if (now != partnerOpens)
            {
                pipe->Partner.Cancel();
                break;
            }

            if (Process.HasDeliverableSignal(process))
            {
                pipe->Partner.Cancel();
                OpenFileDescription.Release(description); // gives the end back
                description = null;
                return -Errno.ERESTARTSYS;
            }

            pipe->Partner.Sleep(WaitQueue.Forever);
        }

        return 0;
    }

    [System.Runtime.CompilerServices.SkipLocalsInit] // the small bounce buffer needs no zeroing
    private static long Read(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        if (length == 0) return 0;
        var pipe = (Pipe*)description->Object;
        byte* small = stackalloc byte[SmallTransfer];
        byte* bounce = Bounce(small, length);
        if (bounce == null) return -Errno.ENOMEM;
        long result = 0;
        ulong done = 0;
        // Wait for the first byte (or end of file); then take what is there without waiting.
        while (true)
        {
            pipe->Readable.Prepare(interruptible: true);
            bool interrupts = pipe->Lock.Acquire();
            int available = pipe->Count;
            int writers = pipe->Writers;
            pipe->Lock.Release(interrupts);
            if (available > 0 || writers == 0)
            {
                pipe->Readable.Cancel();
                break;
            }

            if (description->IsNonBlocking || Process.HasDeliverableSignal(process))
            {
                pipe->Readable.Cancel();
                result = description->IsNonBlocking ? -Errno.EAGAIN : -Errno.ERESTARTSYS;
                break;
            }

            pipe->Readable.Sleep(WaitQueue.Forever);
        }

        while (result == 0 && done < length)
        {
            int want = (int)Math.Min(length - done, (ulong)AtomicSize);
            bool interrupts = pipe->Lock.Acquire();
            int n = Math.Min(want, pipe->Count);
            pipe->Lock.Release(interrupts);
            if (n == 0) break;
            // Checked before the bytes leave the ring: a bad buffer loses no data. The process
            // has one thread, so what is accessible now still is after the copy below.
            if (!UserMemory.IsAccessible(process->Space, buffer + done, (ulong)n, write: true))
            {
                if (done == 0) result = -Errno.EFAULT;
                break;
            }

            interrupts = pipe->Lock.Acquire();
            n = Math.Min(n, pipe->Count); // another reader may have taken some meanwhile
            int first = Math.Min(n, Capacity - pipe->Head);
            new ReadOnlySpan<byte>(pipe->Ring + pipe->Head, first).CopyTo(new Span<byte>(bounce, first));
            new ReadOnlySpan<byte>(pipe->Ring, n - first).CopyTo(new Span<byte>(bounce + first, n - first));
            pipe->Head = (pipe->Head + n) % Capacity;
            pipe->Count -= n;
            if (pipe->Count == 0) pipe->Head = 0;
            pipe->Lock.Release(interrupts);
            if (n == 0) break;
            UserMemory.CopyTo(process->Space, buffer + done, new ReadOnlySpan<byte>(bounce, n));
            done += (ulong)n;
            pipe->Writable.WakeAll();
        }

        if (bounce != small) KernelMemory.Free(bounce);
        return done > 0 ? (long)done : result;
    }

    /// <summary>A transfer of up to this many bytes bounces through the caller's stack: the
    /// heap's 4 KiB block cost more than a byte's round trip itself (issue 17's pipe ping-pong).</summary>
    private const int SmallTransfer = 256;

    /// <summary>The bounce buffer for a transfer of <paramref name="length"/> bytes: the caller's
    /// <paramref name="small"/> one, or AtomicSize bytes from the heap (null: no memory).</summary>
    private static byte* Bounce(byte* small, ulong length) =>
        length <= SmallTransfer ? small : (byte*)KernelMemory.Allocate(AtomicSize);

    private static long Write(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        WriteFrom(description, process, buffer, null, length);

    /// <summary>sendfile into a pipe: the same rules as write(2), from kernel memory.</summary>
    private static long SpliceWrite(OpenFileDescription* description, Process* process, byte* bytes, int count) =>
        WriteFrom(description, process, 0, bytes, (ulong)count);

    [System.Runtime.CompilerServices.SkipLocalsInit] // the small bounce buffer needs no zeroing
    private static long WriteFrom(OpenFileDescription* description, Process* process, ulong buffer, byte* kernelBytes, ulong length)
    {
        if (length == 0) return 0;
        var pipe = (Pipe*)description->Object;
        byte* small = stackalloc byte[SmallTransfer];
        byte* bounce = Bounce(small, length);
        if (bounce == null) return -Errno.ENOMEM;
        bool atomic = length <= AtomicSize;
        long result = 0;
        ulong done = 0;
        while (done < length && result == 0)
        {
            int chunk = (int)Math.Min(length - done, (ulong)AtomicSize);
            if (kernelBytes != null)
            {
                new ReadOnlySpan<byte>(kernelBytes + done, chunk).CopyTo(new Span<byte>(bounce, chunk));
            }
            else if (!UserMemory.CopyFrom(process->Space, buffer + done, new Span<byte>(bounce, chunk)))
            {
                if (done == 0) result = -Errno.EFAULT;
                break;
            }

            // Put the chunk in, waiting for room: all at once for an atomic write, else
            // whatever fits each time.
            int placed = 0;
            while (placed < chunk)
            {
                pipe->Writable.Prepare(interruptible: true);
                bool interrupts = pipe->Lock.Acquire();
                if (pipe->Readers == 0)
                {
                    pipe->Lock.Release(interrupts);
                    pipe->Writable.Cancel();
                    Process.Kill(process, (long)process->Id, SigPipe);
                    result = -Errno.EPIPE;
                    break;
                }

                int room = Capacity - pipe->Count;
                int n = Math.Min(room, chunk - placed);
                if (atomic && room < chunk) n = 0;
                if (n > 0)
                {
                    int tail = (pipe->Head + pipe->Count) % Capacity;
                    int first = Math.Min(n, Capacity - tail);
                    new ReadOnlySpan<byte>(bounce + placed, first).CopyTo(new Span<byte>(pipe->Ring + tail, first));
                    new ReadOnlySpan<byte>(bounce + placed + first, n - first).CopyTo(new Span<byte>(pipe->Ring, n - first));
                    pipe->Count += n;
                    pipe->Lock.Release(interrupts);
                    pipe->Writable.Cancel();
                    placed += n;
                    done += (ulong)n;
                    pipe->Readable.WakeAll();
                    continue;
                }

                pipe->Lock.Release(interrupts);
                if (description->IsNonBlocking || Process.HasDeliverableSignal(process))
                {
                    pipe->Writable.Cancel();
                    result = description->IsNonBlocking ? -Errno.EAGAIN : -Errno.ERESTARTSYS;
                    break;
                }

                pipe->Writable.Sleep(WaitQueue.Forever);
            }
        }

        if (bounce != small) KernelMemory.Free(bounce);
        return done > 0 ? (long)done : result;
    }

    private static int PollReadEnd(OpenFileDescription* description)
    {
        var pipe = (Pipe*)description->Object;
        bool interrupts = pipe->Lock.Acquire();
        int bits = (pipe->Count > 0 ? Readiness.In : 0) | (pipe->Writers == 0 ? Readiness.HangUp : 0);
        pipe->Lock.Release(interrupts);
        return bits;
    }

    private static int PollWriteEnd(OpenFileDescription* description)
    {
        var pipe = (Pipe*)description->Object;
        bool interrupts = pipe->Lock.Acquire();
        int bits = (Capacity - pipe->Count >= AtomicSize ? Readiness.Out : 0) | (pipe->Readers == 0 ? Readiness.Error : 0);
        pipe->Lock.Release(interrupts);
        return bits;
    }

    // Data and the last writer's close wake Readable; room and the last reader's close, Writable.
    private static void PollWaitReadEnd(OpenFileDescription* description, PollTable* table) => table->Add(ref ((Pipe*)description->Object)->Readable);

    /// <summary>A FIFO opened O_RDWR changes readiness on both queues.</summary>
    private static void PollWaitBothEnds(OpenFileDescription* description, PollTable* table)
    {
        table->Add(ref ((Pipe*)description->Object)->Readable);
        table->Add(ref ((Pipe*)description->Object)->Writable);
    }

    private static void PollWaitWriteEnd(OpenFileDescription* description, PollTable* table) => table->Add(ref ((Pipe*)description->Object)->Writable);

    /// <summary>FIONREAD: the bytes waiting in the pipe, as an int.</summary>
    private static long Ioctl(OpenFileDescription* description, Process* process, ulong request, ulong argument)
    {
        const ulong FionRead = 0x541B;
        if (request != FionRead) return -Errno.ENOTTY;
        var pipe = (Pipe*)description->Object;
        bool interrupts = pipe->Lock.Acquire();
        int count = pipe->Count;
        pipe->Lock.Release(interrupts);
        return UserMemory.CopyTo(process->Space, argument, new ReadOnlySpan<byte>(&count, 4)) ? 0 : -Errno.EFAULT;
    }

    private static long Stat(OpenFileDescription* description, FileStatus* status)
    {
        var pipe = (Pipe*)description->Object;
        status->Mode = 0x1000 | 0x180; // S_IFIFO, rw-------: as Linux's pipefs
        status->LinkCount = 1;
        status->BlockSize = 4096;
        status->Inode = (ulong)description->Object >> 4;
        if (pipe->IsFifo)
        {
            // A FIFO reports its node (as at open; a later chmod is not seen here).
            status->Device = pipe->FifoDevice;
            status->Inode = pipe->FifoInode;
            status->Mode = pipe->FifoMode;
        }

        return 0;
    }
}
