using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// AF_UNIX sockets (Linux net/unix/af_unix.c): SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET, made
/// by socketpair(2), socket(2) or accept(2). Each end queues what its peer sent as messages (bytes plus the
/// descriptions passed with SCM_RIGHTS and the sender's credentials); a stream read runs across
/// messages, a datagram or seqpacket read takes one (MSG_TRUNC for the rest). Writers block
/// while the peer's queue holds <see cref="UnixCapacity"/> bytes; a blocking stream write sends
/// everything. SCM_RIGHTS: at most <see cref="MaxPassedFiles"/> descriptions a message (EINVAL,
/// as Linux's SCM_MAX_FD), control buffers past <see cref="MaxControl"/> bytes ENOBUFS (Linux's
/// optmem_max); a receiver's short control buffer gets what fits and MSG_CTRUNC, the rest closed.
/// Descriptions in flight are held by their message: a socket sent over itself (or a ring of
/// sockets sent over each other) whose last descriptor is closed is found unreachable by
/// <see cref="CollectUnreachable"/> (Linux's unix_gc: candidates whose every reference is in
/// flight, less the references from other candidates' queues) and its queue is emptied.
/// Names (bind, listen, connect, accept, named datagrams): SocketCalls.UnixNames.cs.
/// SCM_CREDENTIALS (net/core/scm.c): every message carries its sender's process id, real user
/// and group, or the ones the sender named and may name (its own pid, ids among its real,
/// effective and saved ones; root any existing process and any id: EPERM, ESRCH otherwise); a
/// receiver with SO_PASSCRED gets them as the first control message, and its stream reads do not
/// join messages of different senders.
/// Lock: <see cref="s_unixLock"/>, one mutex for all AF_UNIX sockets; user memory is copied
/// outside it, descriptions released outside it.
/// </summary>
internal static unsafe partial class SocketCalls
{
    private const int AfUnix = 1, SockSeqpacket = 5;
    private const int MsgCtrunc = 0x8, MsgCmsgCloexec = 0x40000000;
    private const int SolSocketLevel = 1, ScmRights = 1, ScmCredentials = 2, SoPasscred = 16;

    /// <summary>struct ucred: the credentials a message carries (SCM_CREDENTIALS).</summary>
    private struct UnixCredentials
    {
        public int Pid;
        public uint Uid, Gid;
        /// <summary>Named by the sender's control buffer (else its own are taken).</summary>
        public bool Given;
    }

    /// <summary>Bytes queued on one end before writers wait (Linux's default unix socket buffer).</summary>
    private const int UnixCapacity = 212992;

    /// <summary>What a queued message costs beyond its bytes (Linux charges an skb's truesize,
    /// about this much for a small one: 278 one-byte messages fill a pair there, 276 here).</summary>
    private const int MessageOverhead = 768;

    /// <summary>Descriptions one account may have in flight at once (Linux: RLIMIT_NOFILE per
    /// user, root exempt; here nobody is, so a tree cannot fill the heap with references).
    /// Past it sendmsg is ETOOMANYREFS.</summary>
    private const int InFlightPerAccount = 65536;

    private struct UnixAccounts
    {
        public fixed int InFlight[Aurora.Caps.CapsLimits.MaxAccounts];
    }

    private static UnixAccounts s_unixAccounts;

    /// <summary>SCM_MAX_FD.</summary>
    private const int MaxPassedFiles = 253;

    /// <summary>Largest control buffer sendmsg copies in (Linux's net.core.optmem_max since 6.9).</summary>
    private const ulong MaxControl = 131072;

    private struct UnixMessage
    {
        public UnixMessage* Next;
        public int Length;
        public int Offset;
        public int FileCount;
        public OpenFileDescription** Files;
        public byte* Data;
        /// <summary>What it counts against the queue (bytes plus <see cref="MessageOverhead"/>).</summary>
        public int Cost;
        /// <summary>A datagram's sender's name (recvfrom), heap or null.</summary>
        public UnixName* From;
        /// <summary>The sender's account, charged for <see cref="FileCount"/> in-flight descriptions.</summary>
        public int Account;
        /// <summary>SCM_CREDENTIALS: the sender's process id, user and group (or those it named).</summary>
        public int CredPid;
        public uint CredUid, CredGid;
    }

    private struct UnixSocket
    {
        public int Type;
        public UnixSocket* Peer;
        public OpenFileDescription* Self;
        public UnixMessage* First, Last;
        /// <summary>The queue's cost (bytes plus overhead per message) and its bytes alone.</summary>
        public int Queued, QueuedBytes;
        /// <summary>Wakes readers, writers and pollers on any change of either end.</summary>
        public WaitQueue Events;
        public bool ShutRead, ShutWrite, Closed;
        /// <summary>SO_PASSCRED: received messages come with SCM_CREDENTIALS.</summary>
        public bool PassCred;
        /// <summary>A datagram peer closed: the next send is ECONNREFUSED (then ENOTCONN).</summary>
        public bool PeerDied;
        /// <summary>A pending error (sock_error): ECONNRESET when the peer closed with data unread.</summary>
        public int Error;
        /// <summary>Messages in other sockets' queues holding this socket's description.</summary>
        public int InFlight;
        public int PeerPid;
        public uint PeerUid, PeerGid;
        public UnixSocket* NextAll, PreviousAll;
        /// <summary>Connected (a pair, or connect/accept): stream reads need it.</summary>
        public bool Connected, Listening, Bound;
        public int Backlog, Pending;
        /// <summary>A listener's connections not yet accepted (linked through NextPending).</summary>
        public UnixSocket* AcceptFirst, AcceptLast, NextPending;
        /// <summary>Its own name (bind, or a listener's for an accepted socket), the name of the
        /// listener it connected to, a datagram socket's connected destination; heap or null.</summary>
        public UnixName* Name, PeerName, Destination;
        public UnixSocket* NextBound;
        /// <summary>The creator's credentials (SO_PEERCRED of whoever connects to it).</summary>
        public int OwnerPid;
        public uint OwnerUid, OwnerGid;
        /// <summary>Messages queued (the datagram limit for senders other than a pair's peer).</summary>
        public int Messages;
        /// <summary>Work space of <see cref="CollectUnreachable"/>.</summary>
        public int CollectReferences;
        public bool CollectAlive;
    }

    private static KernelMutex s_unixLock;
    private static UnixSocket* s_unixSockets;
    private static FileOperations s_unixOperations;

    /// <summary>AF_UNIX sockets alive (for tests).</summary>
    internal static int LiveUnixSockets;

    private static FileOperations* UnixOperations
    {
        get
        {
            fixed (FileOperations* operations = &s_unixOperations)
            {
                if (operations->Close == null)
                {
                    operations->Read = &UnixRead;
                    operations->Write = &UnixWrite;
                    operations->Stat = &StatOperation;
                    operations->Poll = &UnixPoll;
                    operations->PollWait = &UnixPollWait;
                    operations->Ioctl = &UnixIoctl;
                    operations->Name = &NameOperation;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Close = &UnixClose;
                }

                return operations;
            }
        }
    }

    private static void UnixLock()
    {
        fixed (KernelMutex* mutex = &s_unixLock) mutex->Acquire();
    }

    private static void UnixUnlock()
    {
        fixed (KernelMutex* mutex = &s_unixLock) mutex->Release();
    }

    /// <summary>The AF_UNIX socket behind a descriptor, or null.</summary>
    private static UnixSocket* UnixOf(Process* process, ulong descriptor, out OpenFileDescription* description)
    {
        description = process->Descriptors.Get((int)descriptor);
        if (description == null || (descriptor >> 32) != 0 || description->Operations != UnixOperations) return null;
        return (UnixSocket*)description->Object;
    }

    /// <summary>socketpair(domain, type, protocol, sv[2]).</summary>
    internal static long SocketPair(Process* process, ulong domain, ulong type, ulong protocol, ulong pair)
    {
        if (((uint)type & ~0xFu & ~(uint)(SockNonblock | SockCloexec)) != 0) return -Errno.EINVAL;
        int kind = (int)type & 0xF;
        if (domain == AfInet) return -Errno.EOPNOTSUPP; // Linux: inet sockets do not pair
        if (domain != AfUnix) return -Errno.EAFNOSUPPORT;
        if (kind != SockStream && kind != SockDgram && kind != SockSeqpacket) return -Errno.ESOCKTNOSUPPORT;
        if (protocol != 0 && protocol != AfUnix) return -Errno.EPROTONOSUPPORT; // 0 or PF_UNIX
        UnixSocket* a = NewUnix(kind), b = NewUnix(kind);
        int flags = OpenFileDescription.ReadWrite | ((int)type & SockNonblock);
        OpenFileDescription* da = a == null ? null : OpenFileDescription.Create(UnixOperations, a, flags);
        OpenFileDescription* db = b == null ? null : OpenFileDescription.Create(UnixOperations, b, flags);
        if (da == null || db == null)
        {
            if (da != null) OpenFileDescription.Release(da); else FreeUnix(a);
            if (db != null) OpenFileDescription.Release(db); else FreeUnix(b);
            return -Errno.ENOMEM;
        }

        a->Self = da;
        b->Self = db;
        a->Peer = b;
        b->Peer = a;
        a->Connected = b->Connected = true;
        a->PeerPid = b->PeerPid = (int)process->Id;
        a->PeerUid = b->PeerUid = process->Credentials.EffectiveUid;
        a->PeerGid = b->PeerGid = process->Credentials.EffectiveGid;
        UnixLock();
        Link(a);
        Link(b);
        UnixUnlock();
        bool closeOnExec = ((int)type & SockCloexec) != 0;
        ulong limit = DescriptorLimit(process);
        long first = process->Descriptors.Install(da, 0, limit, closeOnExec);
        if (first < 0)
        {
            OpenFileDescription.Release(da);
            OpenFileDescription.Release(db);
            return first;
        }

        long second = process->Descriptors.Install(db, 0, limit, closeOnExec);
        if (second < 0)
        {
            process->Descriptors.Close(first);
            OpenFileDescription.Release(db);
            return second;
        }

        int* numbers = stackalloc int[2];
        numbers[0] = (int)first;
        numbers[1] = (int)second;
        if (!UserMemory.CopyTo(process->Space, pair, new ReadOnlySpan<byte>(numbers, 8)))
        {
            // As Linux: the descriptors are not left behind.
            process->Descriptors.Close(first);
            process->Descriptors.Close(second);
            return -Errno.EFAULT;
        }

        return 0;
    }

    private static UnixSocket* NewUnix(int type)
    {
        var socket = (UnixSocket*)KernelMemory.Allocate((nuint)sizeof(UnixSocket));
        if (socket == null) return null;
        *socket = default;
        socket->Type = type;
        Process* owner = Process.Current;
        if (owner != null)
        {
            socket->OwnerPid = (int)owner->Id;
            socket->OwnerUid = owner->Credentials.EffectiveUid;
            socket->OwnerGid = owner->Credentials.EffectiveGid;
        }

        LiveUnixSockets++;
        return socket;
    }

    private static void FreeUnix(UnixSocket* socket)
    {
        if (socket == null) return;
        KernelMemory.Free(socket->Name);
        KernelMemory.Free(socket->PeerName);
        KernelMemory.Free(socket->Destination);
        KernelMemory.Free(socket);
        LiveUnixSockets--;
    }

    private static void Link(UnixSocket* socket)
    {
        socket->NextAll = s_unixSockets;
        if (s_unixSockets != null) s_unixSockets->PreviousAll = socket;
        s_unixSockets = socket;
    }

    private static void Unlink(UnixSocket* socket)
    {
        if (socket->PreviousAll == null) { if (s_unixSockets == socket) s_unixSockets = socket->NextAll; }
        else socket->PreviousAll->NextAll = socket->NextAll;
        if (socket->NextAll != null) socket->NextAll->PreviousAll = socket->PreviousAll;
    }

    /// <summary>The last description of an end is gone: the peer sees end of file (or EPIPE on
    /// write), the queue is dropped and the descriptions in it released.</summary>
    private static void UnixClose(void* obj)
    {
        var socket = (UnixSocket*)obj;
        UnixLock();
        socket->Closed = true;
        UnixSocket* peer = socket->Peer;
        if (peer != null)
        {
            // As unix_release_sock: a connected peer can neither read nor write any more, and
            // learns of data it sent that was never read.
            peer->Peer = null;
            if (peer->Type == SockDgram) peer->PeerDied = true;
            else
            {
                // A connection never accepted (Self null: Linux's embryo) resets its client too.
                peer->ShutRead = peer->ShutWrite = true;
                if (socket->First != null || socket->Self == null) peer->Error = (int)Errno.ECONNRESET;
            }

            peer->Events.WakeAll();
        }

        bool linked = socket->NextAll != null || socket->PreviousAll != null || s_unixSockets == socket;
        if (linked) Unlink(socket);
        Unbind(socket);
        socket->Listening = false;
        UnixMessage* queue = socket->First;
        socket->First = socket->Last = null;
        socket->Queued = socket->QueuedBytes = 0;
        // Connections never accepted go with their listener (their clients see a reset).
        UnixSocket* pending = socket->AcceptFirst;
        socket->AcceptFirst = socket->AcceptLast = null;
        socket->Events.WakeAll(); // connectors waiting for room: refused now
        UnixUnlock();
        FreeMessages(queue);
        FreeUnix(socket);
        while (pending != null)
        {
            UnixSocket* next = pending->NextPending;
            pending->NextPending = null;
            UnixClose(pending);
            pending = next;
        }
    }

    /// <summary>Frees messages and releases the descriptions they carried (outside the lock: a
    /// release may close another socket).</summary>
    private static void FreeMessages(UnixMessage* message)
    {
        while (message != null)
        {
            UnixMessage* next = message->Next;
            UnchargeInFlight(message->Account, message->FileCount);
            DropFiles(message->Files, message->FileCount, 0);
            KernelMemory.Free(message->Files);
            KernelMemory.Free(message->From);
            KernelMemory.Free(message->Data);
            KernelMemory.Free(message);
            message = next;
        }
    }

    /// <summary>Releases passed descriptions from index <paramref name="from"/> on.</summary>
    private static void DropFiles(OpenFileDescription** files, int count, int from, bool inFlight = true)
    {
        for (int i = from; i < count; i++)
        {
            OpenFileDescription* file = files[i];
            if (inFlight && file->Operations == UnixOperations)
            {
                UnixLock();
                ((UnixSocket*)file->Object)->InFlight--;
                    s_unixInFlight--;
                UnixUnlock();
            }

            OpenFileDescription.Release(file);
        }
    }

    /// <summary>As Linux's unix_poll and unix_dgram_poll: writable while what this end sent and
    /// the peer has not read is at most a quarter of the buffer (unix_writable).</summary>
    private static int UnixPoll(OpenFileDescription* description)
    {
        var socket = (UnixSocket*)description->Object;
        UnixLock();
        int events = 0;
        UnixSocket* peer = socket->Peer;
        if (socket->Listening)
        {
            // A listener: readable with a connection to accept, never writable (unix_writable).
            events = socket->AcceptFirst != null ? Readiness.In : 0;
            UnixUnlock();
            return events;
        }

        // An unconnected stream or seqpacket socket hangs up (TCP_CLOSE), yet is "writable".
        if (socket->Type != SockDgram && !socket->Connected) events |= Readiness.HangUp;
        if (socket->Error != 0) events |= Readiness.Error;
        if (socket->ShutRead && socket->ShutWrite) events |= Readiness.HangUp;
        if (socket->ShutRead) events |= Readiness.In | 0x2000; // POLLRDHUP
        if (socket->First != null) events |= Readiness.In;
        if (peer == null || peer->Queued * 4 <= UnixCapacity) events |= Readiness.Out | Readiness.WriteBand;
        UnixUnlock();
        return events;
    }

    private static void UnixPollWait(OpenFileDescription* description, PollTable* table)
    {
        var socket = (UnixSocket*)description->Object;
        table->Add(ref socket->Events);
        // A write makes room on the peer's queue: the peer's wakes matter too. The peer may
        // close first, so its queue is not registered; a close wakes ours instead.
    }

    private static long UnixIoctl(OpenFileDescription* description, Process* process, ulong request, ulong argument)
    {
        const ulong FionRead = 0x541B;
        if (request != FionRead) return -Errno.ENOTTY;
        var socket = (UnixSocket*)description->Object;
        UnixLock();
        int bytes = socket->Type == SockStream ? socket->QueuedBytes : socket->First == null ? 0 : socket->First->Length;
        UnixUnlock();
        return UserMemory.CopyTo(process->Space, argument, new ReadOnlySpan<byte>(&bytes, 4)) ? 0 : -Errno.EFAULT;
    }

    private static long UnixRead(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        IoVector vector = new IoVector { Base = buffer, Length = length };
        return UnixReceive(process, description, &vector, 1, length, 0, null, out _, out _);
    }

    private static long UnixWrite(OpenFileDescription* description, Process* process, ulong buffer, ulong length)
    {
        IoVector vector = new IoVector { Base = buffer, Length = length };
        return UnixSend(process, description, &vector, 1, length, 0, null, 0);
    }

    /// <summary>Sleeps on the socket's queue until something changes: 0, -EAGAIN for a
    /// non-blocking call, ERESTARTSYS on a signal. The caller holds the lock; it is dropped for
    /// the sleep and taken again.</summary>
    private static long UnixWait(Process* process, UnixSocket* socket, bool nonBlocking)
    {
        if (nonBlocking)
        {
            return -Errno.EAGAIN;
        }

        socket->Events.Prepare(interruptible: true);
        UnixUnlock();
        if (Process.HasDeliverableSignal(process))
        {
            socket->Events.Cancel();
            UnixLock();
            return -Errno.ERESTARTSYS;
        }

        socket->Events.Sleep(WaitQueue.Forever);
        UnixLock();
        return 0;
    }

    /// <summary>Sends gathered bytes (and passed descriptions) to the peer. A stream sends in
    /// pieces that fit, until all is sent; a datagram or seqpacket message goes whole.</summary>
    private static long UnixSend(Process* process, OpenFileDescription* description, IoVector* vectors, int vectorCount, ulong total,
        int flags, OpenFileDescription** files, int fileCount, UnixName* destination = null, UnixCredentials* credentials = null)
    {
        var socket = (UnixSocket*)description->Object;
        bool nonBlocking = description->IsNonBlocking || (flags & MsgDontwait) != 0;
        bool stream = socket->Type == SockStream;
        if (!stream && total > UnixCapacity - 32) return -Errno.EMSGSIZE;
        ulong sent = 0;
        int vector = 0;
        ulong vectorOffset = 0;
        long result = 0;
        bool filesSent = false;
        UnixLock();
        do
        {
            UnixSocket* peer = socket->Peer;
            if (socket->Type == SockDgram && (destination != null || socket->Destination != null))
            {
                peer = DatagramTarget(socket, destination, out result);
                if (peer == null) break;
            }

            if (socket->ShutWrite || (peer != null && peer->ShutRead))
            {
                result = -Errno.EPIPE;
                break;
            }

            if (peer == null)
            {
                // A datagram pair whose peer is gone: refused once, then not connected (Linux
                // unix_dgram_disconnected). A stream's closed peer shut this end above.
                result = socket->PeerDied ? -Errno.ECONNREFUSED : -Errno.ENOTCONN;
                socket->PeerDied = false;
                break;
            }

            int room = UnixCapacity - peer->Queued - MessageOverhead;
            // Datagrams from anyone but a pair's peer: at most max_dgram_qlen queued.
            if (socket->Type == SockDgram && peer->Peer != socket && peer->Messages > DatagramQueueLength) room = 0; // unix_recvq_full: more than
            ulong want = total - sent;
            int part = stream ? (int)Math.Min(want, (ulong)Math.Min(Math.Max(room, 0), ChunkSize)) : (int)want;
            if (room <= 0 || (!stream && (ulong)room < want) || (stream && part == 0 && want > 0))
            {
                // A pair's reader wakes its peer (us) when it makes room; a named receiver
                // wakes its own queue.
                result = UnixWait(process, peer == socket->Peer ? socket : peer, nonBlocking);
                if (result != 0) break;
                continue;
            }

            // Copy outside the lock: the user's memory may fault.
            UnixUnlock();
            var message = (UnixMessage*)KernelMemory.Allocate((nuint)sizeof(UnixMessage));
            byte* data = (byte*)KernelMemory.Allocate((nuint)part + 1);
            if (message == null || data == null)
            {
                KernelMemory.Free(message);
                KernelMemory.Free(data);
                UnixLock();
                result = -Errno.ENOBUFS;
                break;
            }

            *message = default;
            message->Data = data;
            message->Length = part;
            // scm_send: the sender's own credentials unless it named others (checked already).
            bool named = credentials != null && credentials->Given;
            message->CredPid = named ? credentials->Pid : (int)process->Id;
            message->CredUid = named ? credentials->Uid : process->Credentials.RealUid;
            message->CredGid = named ? credentials->Gid : process->Credentials.RealGid;
            message->Cost = part + MessageOverhead;
            int copied = 0;
            bool fault = false;
            while (copied < part)
            {
                ulong left = vectors[vector].Length - vectorOffset;
                if (left == 0)
                {
                    vector++;
                    vectorOffset = 0;
                    continue;
                }

                int take = (int)Math.Min(left, (ulong)(part - copied));
                if (!UserMemory.CopyFrom(process->Space, vectors[vector].Base + vectorOffset, new Span<byte>(data + copied, take)))
                {
                    fault = true;
                    break;
                }

                copied += take;
                vectorOffset += (ulong)take;
            }

            UnixLock();
            if (fault)
            {
                KernelMemory.Free(data);
                KernelMemory.Free(message);
                result = -Errno.EFAULT;
                break;
            }

            // The receiver may have gone while the lock was dropped.
            peer = socket->Type == SockDgram && (destination != null || socket->Destination != null)
                ? DatagramTarget(socket, destination, out _) : socket->Peer;
            if (peer == null || peer->ShutRead)
            {
                KernelMemory.Free(data);
                KernelMemory.Free(message);
                result = -Errno.EPIPE;
                break;
            }

            if (!filesSent && fileCount > 0)
            {
                message->Files = files;
                message->FileCount = fileCount;
                message->Account = ResourceLimits.AccountOf(process->CapsHandle); // charged by UnixSendMessage
                for (int i = 0; i < fileCount; i++)
                {
                    if (files[i]->Operations != UnixOperations) continue;
                    ((UnixSocket*)files[i]->Object)->InFlight++;
                    s_unixInFlight++;
                }

                filesSent = true;
            }

            if (peer->Last == null) peer->First = message;
            else peer->Last->Next = message;
            peer->Last = message;
            peer->Messages++;
            if (socket->Type == SockDgram && socket->Name != null) message->From = CopyName(socket->Name);
            peer->Queued += message->Cost;
            peer->QueuedBytes += part;
            peer->Events.WakeAll();
            sent += (ulong)part;
        }
        while (sent < total);

        UnixUnlock();
        if (!filesSent && fileCount > 0)
        {
            UnchargeInFlight(ResourceLimits.AccountOf(process->CapsHandle), fileCount);
            DropFiles(files, fileCount, 0, inFlight: false); // never queued: only the references go
            KernelMemory.Free(files);
        }

        if (sent > 0) return (long)sent;
        if (result == -Errno.EPIPE && stream && (flags & MsgNosignal) == 0) Process.Kill(process, (long)process->Id, SigPipe);
        return result;
    }

    /// <summary>Receives into the iovecs. Passed descriptions of the first message read come back
    /// in <paramref name="files"/> (the caller installs them); a stream read does not run past a
    /// message that carried some.</summary>
    private static long UnixReceive(Process* process, OpenFileDescription* description, IoVector* vectors, int vectorCount, ulong total,
        int flags, OpenFileDescription*** files, out int fileCount, out int messageFlags, UnixName* from = null,
        UnixCredentials* credentials = null)
    {
        var socket = (UnixSocket*)description->Object;
        if (from != null) from->Length = 0;
        UnixCredentials ownCredentials = default; // read(2) and recv(2) too stop where the sender changes
        if (credentials == null) credentials = &ownCredentials;
        // Linux: a stream socket not connected is EINVAL to read, a seqpacket one ENOTCONN.
        if (socket->Type != SockDgram && !socket->Connected)
        {
            fileCount = 0;
            messageFlags = 0;
            return socket->Type == SockStream ? -Errno.EINVAL : -Errno.ENOTCONN;
        }

        bool nonBlocking = description->IsNonBlocking || (flags & MsgDontwait) != 0;
        bool stream = socket->Type == SockStream;
        bool peek = (flags & MsgPeek) != 0;
        fileCount = 0;
        messageFlags = 0;
        if (files != null) *files = null;
        ulong received = 0;
        long result = 0;
        int size = (int)Math.Min(total, (ulong)ChunkSize);
        byte* bounce = (byte*)KernelMemory.Allocate((nuint)size + 1);
        if (bounce == null) return -Errno.ENOMEM;
        int vector = 0;
        ulong vectorOffset = 0;
        UnixLock();
        while (true)
        {
            UnixMessage* message = socket->First;
            if (message == null)
            {
                if (received > 0 && !(stream && (flags & MsgWaitall) != 0 && !peek)) break;
                if (socket->Error != 0 && received == 0)
                {
                    result = -socket->Error; // reported once (sock_error)
                    socket->Error = 0;
                    break;
                }

                if (socket->ShutRead) break; // end of file
                if (total == 0 && stream) break;
                result = UnixWait(process, socket, nonBlocking);
                if (result != 0) break;
                continue;
            }

            if (received > 0 && message->FileCount > 0) break; // its descriptions come with its first byte
            if (socket->PassCred && received > 0 && credentials != null &&
                (message->CredPid != credentials->Pid || message->CredUid != credentials->Uid || message->CredGid != credentials->Gid))
                break; // SO_PASSCRED: never glue messages from different writers (unix_stream_read_generic)
            if (credentials != null && received == 0)
            {
                credentials->Pid = message->CredPid;
                credentials->Uid = message->CredUid;
                credentials->Gid = message->CredGid;
                credentials->Given = true;
            }
            int available = message->Length - message->Offset;
            int take = (int)Math.Min((ulong)available, Math.Min(total - received, (ulong)size));
            new ReadOnlySpan<byte>(message->Data + message->Offset, take).CopyTo(new Span<byte>(bounce, take));
            bool carriedFiles = message->FileCount > 0;
            if (!peek && files != null && message->FileCount > 0)
            {
                *files = message->Files;
                fileCount = message->FileCount;
                UnchargeInFlight(message->Account, message->FileCount);
                message->Files = null;
                message->FileCount = 0;
            }

            UnixMessage* done = null;
            if (!stream && from != null && message->From != null) *from = *message->From;
            if (!stream)
            {
                if (available > take) messageFlags |= MsgTrunc;
                if (!peek) done = message;
                if ((flags & MsgTrunc) != 0) received += (ulong)(available - take); // MSG_TRUNC: the real length
            }
            else if (!peek)
            {
                message->Offset += take;
                socket->QueuedBytes -= take;
                if (message->Offset == message->Length) done = message;
            }

            if (done != null)
            {
                socket->First = done->Next;
                if (socket->First == null) socket->Last = null;
                socket->Queued -= done->Cost;
                socket->Messages--;
                if (!stream) socket->QueuedBytes -= done->Length; // a stream counted each read
                done->Next = null;
                if (socket->Peer != null) socket->Peer->Events.WakeAll(); // room for the writer
                socket->Events.WakeAll();
            }

            // Copy out outside the lock.
            UnixUnlock();
            int copied = 0;
            bool fault = false;
            while (copied < take && vector < vectorCount)
            {
                ulong left = vectors[vector].Length - vectorOffset;
                if (left == 0)
                {
                    vector++;
                    vectorOffset = 0;
                    continue;
                }

                int part = (int)Math.Min(left, (ulong)(take - copied));
                if (!UserMemory.CopyTo(process->Space, vectors[vector].Base + vectorOffset, new ReadOnlySpan<byte>(bounce + copied, part)))
                {
                    fault = true;
                    break;
                }

                copied += part;
                vectorOffset += (ulong)part;
            }

            FreeMessages(done); // a datagram's descriptions were taken above (or go now, unwanted)
            UnixLock();
            if (fault)
            {
                result = -Errno.EFAULT;
                break;
            }

            received += (ulong)take;
            if (!stream || peek || carriedFiles || received >= total) break;
        }

        UnixUnlock();
        KernelMemory.Free(bounce);
        if (received > 0 && result != -Errno.EFAULT) return (long)received;
        return result;
    }

    /// <summary>sendmsg on an AF_UNIX socket: SCM_RIGHTS in the control buffer.</summary>
    private static long UnixSendMessage(Process* process, OpenFileDescription* description, ulong message, int flags)
    {
        long error = ReadMessage(process, message, out MessageHeader header, out IoVector* vectors, out ulong total);
        if (error != 0)
        {
            KernelMemory.Free(vectors);
            return error;
        }

        UnixName* destination = null;
        long named = UnixDestination(process, description, header.Name, (ulong)(uint)header.NameLength, out destination);
        if (named != 0)
        {
            KernelMemory.Free(vectors);
            return named;
        }

        OpenFileDescription** files = null;
        int fileCount = 0;
        UnixCredentials credentials = default;
        if (header.ControlLength > 0)
        {
            error = ReadPassedFiles(process, header.Control, header.ControlLength, out files, out fileCount, &credentials);
            if (error != 0)
            {
                KernelMemory.Free(vectors);
                KernelMemory.Free(destination);
                return error;
            }
        }

        if (fileCount > 0 && !ChargeInFlight(ResourceLimits.AccountOf(process->CapsHandle), fileCount))
        {
            for (int i = 0; i < fileCount; i++) OpenFileDescription.Release(files[i]);
            KernelMemory.Free(files);
            KernelMemory.Free(vectors);
            KernelMemory.Free(destination);
            return -Errno.ETOOMANYREFS;
        }

        long result = UnixSend(process, description, vectors, (int)header.IovLength, total, flags, files, fileCount, destination, &credentials);
        KernelMemory.Free(vectors);
        KernelMemory.Free(destination);
        return result;
    }

    /// <summary>The SCM_RIGHTS descriptions a control buffer names, each with a reference taken
    /// (Linux scm_send and __scm_send's checks: ENOBUFS past optmem_max, EINVAL for a
    /// malformed cmsghdr or an unknown type, EBADF for a closed descriptor, EINVAL past
    /// SCM_MAX_FD).</summary>
    private static long ReadPassedFiles(Process* process, ulong control, ulong length, out OpenFileDescription** files, out int count,
        UnixCredentials* credentials)
    {
        files = null;
        count = 0;
        if (length > int.MaxValue) return -Errno.ENOBUFS;
        if (length < 16) return 0; // no room for a cmsghdr: none (Linux's CMSG_FIRSTHDR)
        if (length > MaxControl) return -Errno.ENOBUFS;
        byte* buffer = (byte*)KernelMemory.Allocate((nuint)length);
        if (buffer == null) return -Errno.ENOMEM;
        long result = 0;
        if (!UserMemory.CopyFrom(process->Space, control, new Span<byte>(buffer, (int)length))) result = -Errno.EFAULT;
        ulong at = 0;
        while (result == 0 && at + 16 <= length)
        {
            ulong cmsgLength = *(ulong*)(buffer + at);
            int level = *(int*)(buffer + at + 8), type = *(int*)(buffer + at + 12);
            if (cmsgLength < 16 || cmsgLength > length - at) { result = -Errno.EINVAL; break; }
            if (level == SolSocketLevel && type == ScmCredentials)
            {
                // struct ucred, exactly CMSG_LEN(12) (__scm_send), then scm_check_creds.
                if (cmsgLength != 16 + 12) { result = -Errno.EINVAL; break; }
                result = CheckCredentials(process, *(int*)(buffer + at + 16), *(uint*)(buffer + at + 20), *(uint*)(buffer + at + 24), credentials);
                at += (cmsgLength + 7) & ~7UL;
                continue;
            }

            if (level != SolSocketLevel || type != ScmRights) { result = -Errno.EINVAL; break; }
            int n = (int)((cmsgLength - 16) / 4);
            if (n == 0) { at += (cmsgLength + 7) & ~7UL; continue; }
            if (count + n > MaxPassedFiles) { result = -Errno.EINVAL; break; }
            var grown = (OpenFileDescription**)KernelMemory.Allocate((nuint)((count + n) * sizeof(OpenFileDescription*)));
            if (grown == null) { result = -Errno.ENOMEM; break; }
            for (int i = 0; i < count; i++) grown[i] = files[i];
            KernelMemory.Free(files);
            files = grown;
            for (int i = 0; i < n; i++)
            {
                OpenFileDescription* file = process->Descriptors.Acquire(*(int*)(buffer + at + 16 + i * 4));
                if (file == null) { result = -Errno.EBADF; break; }
                files[count++] = file;
            }

            at += (cmsgLength + 7) & ~7UL;
        }

        KernelMemory.Free(buffer);
        if (result != 0)
        {
            for (int i = 0; i < count; i++) OpenFileDescription.Release(files[i]);
            KernelMemory.Free(files);
            files = null;
            count = 0;
        }

        return result;
    }

    /// <summary>recvmsg on an AF_UNIX socket: passed descriptions installed as SCM_RIGHTS (what
    /// fits the control buffer; MSG_CTRUNC and the rest closed otherwise).</summary>
    private static long UnixReceiveMessage(Process* process, OpenFileDescription* description, ulong message, int flags)
    {
        long error = ReadMessage(process, message, out MessageHeader header, out IoVector* vectors, out ulong total);
        if (error != 0)
        {
            KernelMemory.Free(vectors);
            return error;
        }

        OpenFileDescription** files = null;
        UnixName from;
        UnixCredentials credentials = default;
        long result = UnixReceive(process, description, vectors, (int)header.IovLength, total, flags, &files, out int fileCount, out int messageFlags, &from,
            &credentials);
        KernelMemory.Free(vectors);
        if (result < 0)
        {
            DropFiles(files, fileCount, 0);
            KernelMemory.Free(files);
            return result;
        }

        // SO_PASSCRED: the credentials first (scm_recv's put_cmsg: cut to what fits, MSG_CTRUNC,
        // nothing when not even a cmsghdr fits). A read that took no message has none.
        ulong controlUsed = 0;
        if (((UnixSocket*)description->Object)->PassCred && credentials.Given)
        {
            ulong space = header.Control == 0 ? 0 : header.ControlLength;
            if (space < 16) messageFlags |= MsgCtrunc;
            else
            {
                int* cmsg = stackalloc int[8];
                *(ulong*)cmsg = 16 + 12;
                cmsg[2] = SolSocketLevel;
                cmsg[3] = ScmCredentials;
                cmsg[4] = credentials.Pid;
                cmsg[5] = (int)credentials.Uid;
                cmsg[6] = (int)credentials.Gid;
                cmsg[7] = 0;
                ulong length = 16 + 12;
                if (space < length)
                {
                    messageFlags |= MsgCtrunc;
                    length = space;
                    *(ulong*)cmsg = length;
                }

                if (!UserMemory.CopyTo(process->Space, header.Control, new ReadOnlySpan<byte>(cmsg, (int)length))) result = -Errno.EFAULT;
                controlUsed = Math.Min(32UL, space);
            }
        }

        // Install what fits after them: CMSG_SPACE(4 n) ≤ what is left of msg_controllen.
        ulong controlLeft = header.ControlLength - controlUsed;
        ulong controlAt = header.Control + controlUsed;
        int installed = 0;
        if (fileCount > 0)
        {
            long room = header.Control == 0 || controlLeft < 16 ? 0 : (long)((controlLeft - 16) / 4);
            int fit = (int)Math.Min(room, fileCount);
            if (fit < fileCount) messageFlags |= MsgCtrunc;
            int* numbers = stackalloc int[4 + MaxPassedFiles];
            new Span<byte>(numbers, (4 + MaxPassedFiles) * 4).Clear();
            // As Linux's receive_fd_user: a descriptor is installed only where its number can be
            // written, so a control buffer the caller cannot write gets none (MSG_CTRUNC).
            if (fit > 0 && !UserMemory.CopyTo(process->Space, controlAt, new ReadOnlySpan<byte>(numbers, 16 + fit * 4)))
            {
                fit = 0;
                messageFlags |= MsgCtrunc;
            }

            ulong limit = DescriptorLimit(process);
            for (; installed < fit; installed++)
            {
                OpenFileDescription* file = files[installed];
                long fd = process->Descriptors.Install(file, 0, limit, (flags & MsgCmsgCloexec) != 0);
                if (fd < 0)
                {
                    messageFlags |= MsgCtrunc;
                    break;
                }

                if (file->Operations == UnixOperations)
                {
                    UnixLock();
                    ((UnixSocket*)file->Object)->InFlight--;
                    s_unixInFlight--;
                    UnixUnlock();
                }

                numbers[4 + installed] = (int)fd;
            }

            if (installed > 0)
            {
                *(ulong*)numbers = 16 + (ulong)installed * 4;
                numbers[2] = SolSocketLevel;
                numbers[3] = ScmRights;
                ulong rights = (16 + (ulong)installed * 4 + 7) & ~7UL;
                controlUsed += Math.Min(rights, controlLeft);
                if (!UserMemory.CopyTo(process->Space, controlAt, new ReadOnlySpan<byte>(numbers, (int)(16 + installed * 4)))) result = -Errno.EFAULT;
            }

            DropFiles(files, fileCount, installed); // did not fit: closed, as Linux
            KernelMemory.Free(files);
        }

        // msg_name: a datagram's sender's name (cut to msg_namelen), else nothing.
        int nameLength = from.Length;
        if (header.Name != 0 && nameLength > 0 &&
            !UserMemory.CopyTo(process->Space, header.Name, new ReadOnlySpan<byte>(from.Bytes, Math.Min(nameLength, Math.Max(header.NameLength, 0)))))
            result = -Errno.EFAULT;
        if (header.Name == 0) nameLength = 0;
        if (!UserMemory.CopyTo(process->Space, message + 8, new ReadOnlySpan<byte>(&nameLength, 4)) ||
            !UserMemory.CopyTo(process->Space, message + 40, new ReadOnlySpan<byte>(&controlUsed, 8)) ||
            !UserMemory.CopyTo(process->Space, message + 48, new ReadOnlySpan<byte>(&messageFlags, 4)))
            result = -Errno.EFAULT;
        return result;
    }

    /// <summary>Linux unix_gc, run when a socket's last descriptor closes while sockets are in
    /// flight: sockets whose every reference is a message in a queue, and which no socket outside
    /// that set reaches, can never be read again; their queues are emptied (which releases the
    /// rest). Bounded by the sockets and messages alive.</summary>
    private static void CollectUnreachable()
    {
        UnixLock();
        bool any = false;
        for (UnixSocket* s = s_unixSockets; s != null; s = s->NextAll)
        {
            // A candidate: every reference to its description is held by a message.
            s->CollectReferences = s->InFlight > 0 && s->Self != null && s->Self->References == s->InFlight ? s->InFlight : -1;
            s->CollectAlive = s->CollectReferences < 0;
            any |= !s->CollectAlive;
        }

        if (!any)
        {
            UnixUnlock();
            return;
        }

        // References from candidates' own queues do not keep a candidate alive.
        for (UnixSocket* s = s_unixSockets; s != null; s = s->NextAll)
        {
            if (s->CollectAlive) continue;
            for (UnixMessage* m = s->First; m != null; m = m->Next)
            {
                for (int i = 0; i < m->FileCount; i++)
                {
                    if (m->Files[i]->Operations != UnixOperations) continue;
                    var target = (UnixSocket*)m->Files[i]->Object;
                    if (!target->CollectAlive) target->CollectReferences--;
                }
            }
        }

        // A candidate with references left is reached from outside; so is all it holds.
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (UnixSocket* s = s_unixSockets; s != null; s = s->NextAll)
            {
                if (s->CollectAlive || s->CollectReferences <= 0) continue;
                s->CollectAlive = true;
                changed = true;
                MarkHeldAlive(s);
            }
        }

        // The rest is garbage: detach its queues, release outside the lock.
        UnixMessage* garbage = null;
        for (UnixSocket* s = s_unixSockets; s != null; s = s->NextAll)
        {
            if (s->CollectAlive || s->First == null) continue;
            s->Last->Next = garbage;
            garbage = s->First;
            s->First = s->Last = null;
            s->Queued = s->QueuedBytes = 0;
        }

        UnixUnlock();
        FreeMessages(garbage);
    }

    private static void MarkHeldAlive(UnixSocket* socket)
    {
        for (UnixMessage* m = socket->First; m != null; m = m->Next)
        {
            for (int i = 0; i < m->FileCount; i++)
            {
                if (m->Files[i]->Operations != UnixOperations) continue;
                var target = (UnixSocket*)m->Files[i]->Object;
                if (!target->CollectAlive && target->CollectReferences <= 0) target->CollectReferences = 1; // reached: the pass above marks it
            }
        }
    }

    /// <summary>A descriptor closed (DescriptorTable.Close): when AF_UNIX sockets are in
    /// flight, the close may have left a cycle only messages hold.</summary>
    internal static void AfterClose()
    {
        if (s_unixInFlight > 0) CollectUnreachable();
    }

    /// <summary>AF_UNIX descriptions held by messages, all sockets together.</summary>
    private static int s_unixInFlight;

    private static long UnixShutdown(UnixSocket* socket, int how)
    {
        if (how < 0 || how > 2) return -Errno.EINVAL;
        UnixLock();
        if (how != 1) socket->ShutRead = true;
        if (how != 0) socket->ShutWrite = true;
        // Linux: the peer's opposite side is shut too (its reads end, its writes EPIPE).
        UnixSocket* peer = socket->Peer;
        if (peer != null)
        {
            if (how != 1) peer->ShutWrite = true;
            if (how != 0) peer->ShutRead = true;
            peer->Events.WakeAll();
        }

        socket->Events.WakeAll();
        UnixUnlock();
        return 0;
    }

    /// <summary>getsockopt on an AF_UNIX socket: SO_TYPE, SO_DOMAIN, SO_ERROR, SO_PEERCRED,
    /// SO_SNDBUF/SO_RCVBUF, SO_ACCEPTCONN.</summary>
    private static long UnixGetOption(Process* process, UnixSocket* socket, int level, int name, ulong value, ulong lengthPointer)
    {
        int length;
        if (!UserMemory.CopyFrom(process->Space, lengthPointer, new Span<byte>(&length, 4))) return -Errno.EFAULT;
        if (length < 0) return -Errno.EINVAL;
        if (level != SolSocketLevel) return -Errno.EOPNOTSUPP;
        int* answer = stackalloc int[3];
        answer[0] = answer[1] = answer[2] = 0;
        int size = 4;
        switch (name)
        {
            case 3: answer[0] = socket->Type; break;            // SO_TYPE
            case 39: answer[0] = AfUnix; break;                  // SO_DOMAIN
            case 4: break;                                       // SO_ERROR
            case 30: break;                                      // SO_ACCEPTCONN
            case 7: case 8: answer[0] = UnixCapacity; break;    // SO_SNDBUF, SO_RCVBUF
            case SoPasscred: answer[0] = socket->PassCred ? 1 : 0; break;
            case 17:                                             // SO_PEERCRED: struct ucred
                answer[0] = socket->PeerPid;
                answer[1] = (int)socket->PeerUid;
                answer[2] = (int)socket->PeerGid;
                size = 12;
                break;
            default: return -Errno.ENOPROTOOPT;
        }

        int stored = Math.Min(length, size);
        return UserMemory.CopyTo(process->Space, value, new ReadOnlySpan<byte>(answer, stored)) &&
               UserMemory.CopyTo(process->Space, lengthPointer, new ReadOnlySpan<byte>(&stored, 4)) ? 0 : -Errno.EFAULT;
    }

    /// <summary>setsockopt on an AF_UNIX socket: SO_PASSCRED is kept; other SOL_SOCKET options
    /// are taken (and have no effect here); other levels are EOPNOTSUPP, as Linux's unix sockets.</summary>
    private static long UnixSetOption(Process* process, UnixSocket* socket, int level, int name, ulong value, ulong length)
    {
        if (level != SolSocketLevel) return -Errno.EOPNOTSUPP;
        if ((uint)length < 4) return -Errno.EINVAL;
        int word;
        if (!UserMemory.CopyFrom(process->Space, value, new Span<byte>(&word, 4))) return -Errno.EFAULT;
        if (name == SoPasscred) socket->PassCred = word != 0;
        return 0;
    }

    /// <summary>scm_check_creds: a sender names its own process (root: any live one, else ESRCH)
    /// and ids among its real, effective and saved ones (root: any; (uid_t)-1 is EINVAL as an
    /// invalid kuid); EPERM otherwise.</summary>
    private static long CheckCredentials(Process* process, int pid, uint uid, uint gid, UnixCredentials* credentials)
    {
        ref Credentials own = ref process->Credentials;
        bool root = own.Privileged;
        if (uid == uint.MaxValue || gid == uint.MaxValue) return -Errno.EINVAL;
        if (pid != (int)process->Id && !root) return -Errno.EPERM;
        if (!root && uid != own.RealUid && uid != own.EffectiveUid && uid != own.SavedUid) return -Errno.EPERM;
        if (!root && gid != own.RealGid && gid != own.EffectiveGid && gid != own.SavedGid) return -Errno.EPERM;
        if (pid != (int)process->Id && (pid <= 0 || !Process.Exists(pid))) return -Errno.ESRCH;
        if (credentials != null)
        {
            credentials->Pid = pid;
            credentials->Uid = uid;
            credentials->Gid = gid;
            credentials->Given = true;
        }

        return 0;
    }

    private static bool ChargeInFlight(int account, int count)
    {
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        bool ok = s_unixAccounts.InFlight[account] + count <= InFlightPerAccount;
        if (ok) s_unixAccounts.InFlight[account] += count;
        Hal.Cpu.RestoreInterrupts(interrupts);
        return ok;
    }

    private static void UnchargeInFlight(int account, int count)
    {
        if (count == 0) return;
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        s_unixAccounts.InFlight[account] -= count;
        Hal.Cpu.RestoreInterrupts(interrupts);
    }

    /// <summary>A destination address given to a send: a connected stream says EISCONN (an
    /// unconnected one EOPNOTSUPP, unix_stream_sendmsg), seqpacket ignores it
    /// (unix_seqpacket_sendmsg), a datagram goes to the named socket (the name comes back in
    /// <paramref name="destination"/>, on the heap).</summary>
    private static long UnixDestination(Process* process, OpenFileDescription* description, ulong address, ulong length, out UnixName* destination)
    {
        destination = null;
        if (address == 0 || length == 0) return 0;
        var socket = (UnixSocket*)description->Object;
        if (socket->Type == SockStream) return socket->Connected ? -Errno.EISCONN : -Errno.EOPNOTSUPP;
        if (socket->Type == SockSeqpacket) return 0;
        var name = (UnixName*)KernelMemory.Allocate((nuint)sizeof(UnixName));
        if (name == null) return -Errno.ENOMEM;
        long error = ReadUnixAddress(process, address, length, name, out _);
        if (error == 0 && name->IsPath) error = FindNode(process, name);
        if (error != 0)
        {
            KernelMemory.Free(name);
            return error;
        }

        destination = name;
        return 0;
    }

    private static long UnixSendTo(Process* process, OpenFileDescription* description, ulong buffer, ulong length, int flags, ulong address, ulong addressLength)
    {
        long named = UnixDestination(process, description, address, addressLength, out UnixName* destination);
        if (named != 0) return named;
        IoVector vector = new IoVector { Base = buffer, Length = length };
        long result = UnixSend(process, description, &vector, 1, length, flags, null, 0, destination);
        KernelMemory.Free(destination);
        return result;
    }

    /// <summary>recvfrom: a datagram's sender's name, or none (length 0).</summary>
    private static long UnixReceiveFrom(Process* process, OpenFileDescription* description, ulong buffer, ulong length, int flags, ulong address, ulong lengthPointer)
    {
        IoVector vector = new IoVector { Base = buffer, Length = length };
        UnixName from;
        long result = UnixReceive(process, description, &vector, 1, length, flags, null, out _, out _, &from);
        if (result < 0 || address == 0) return result;
        if (from.Length > 0)
        {
            long stored = WriteUnixName(process, &from, address, lengthPointer);
            return stored != 0 ? stored : result;
        }

        int given;
        if (!UserMemory.CopyFrom(process->Space, lengthPointer, new Span<byte>(&given, 4))) return -Errno.EFAULT;
        if (given < 0) return -Errno.EINVAL;
        int none = 0;
        return UserMemory.CopyTo(process->Space, lengthPointer, new ReadOnlySpan<byte>(&none, 4)) ? result : -Errno.EFAULT;
    }
}
