using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// AF_UNIX sockets with names (Linux net/unix/af_unix.c): socket(AF_UNIX), bind to a path (a
/// socket node made in the VFS, EADDRINUSE when the path exists; the node stays after close, as
/// Linux) or to an abstract name (a leading NUL; autobind with the family alone), listen,
/// connect (ENOENT for a missing path, ECONNREFUSED for a node nobody listens on, EPROTOTYPE for
/// another type; it waits while the backlog is full), accept/accept4, and datagrams sent to a
/// name (at most one more than <see cref="DatagramQueueLength"/> queued from senders other than a pair's peer,
/// Linux's max_dgram_qlen) or to the name a datagram socket connected to (looked up at each
/// send: a receiver that closed is ECONNREFUSED). A stream connect makes the server's end at
/// once (Linux's embryo), queued on the listener until accept.
/// </summary>
internal static unsafe partial class SocketCalls
{
    /// <summary>sizeof(struct sockaddr_un).</summary>
    private const int UnixAddressSize = 110;

    /// <summary>net.unix.max_dgram_qlen.</summary>
    private const int DatagramQueueLength = 10;

    /// <summary>A socket's name: the sockaddr_un bytes (family included) as getsockname gives
    /// them, and what finds it: a path's node or the abstract bytes.</summary>
    private struct UnixName
    {
        public int Length;
        /// <summary>Room for a 108-byte path and the NUL getsockname adds (Linux: 111 bytes).</summary>
        public fixed byte Bytes[UnixAddressSize + 2];
        public bool IsPath;
        public ulong Device, Inode;
    }

    /// <summary>Bound sockets (path or abstract), under the AF_UNIX lock.</summary>
    private static UnixSocket* s_unixBound;

    private static uint s_autobindCounter;

    /// <summary>socket(AF_UNIX, type, protocol): an unnamed, unconnected socket.</summary>
    internal static long UnixCreate(Process* process, ulong type, ulong protocol)
    {
        int kind = (int)type & 0xF;
        if (kind != SockStream && kind != SockDgram && kind != SockSeqpacket) return -Errno.ESOCKTNOSUPPORT;
        if (protocol != 0 && protocol != AfUnix) return -Errno.EPROTONOSUPPORT;
        long free = process->Descriptors.LowestFree(0, DescriptorLimit(process));
        if (free < 0) return free;
        UnixSocket* socket = NewUnix(kind);
        OpenFileDescription* description = socket == null ? null
            : OpenFileDescription.Create(UnixOperations, socket, OpenFileDescription.ReadWrite | ((int)type & SockNonblock));
        if (description == null)
        {
            FreeUnix(socket);
            return -Errno.ENOMEM;
        }

        socket->Self = description;
        UnixLock();
        Link(socket);
        UnixUnlock();
        long fd = process->Descriptors.Install(description, 0, DescriptorLimit(process), ((int)type & SockCloexec) != 0);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }

    /// <summary>The sockaddr_un from user memory (move_addr_to_kernel: EINVAL past 128 bytes,
    /// EFAULT), then unix_validate_addr: a family other than AF_UNIX, or no room past it, EINVAL.
    /// <paramref name="familyOnly"/>: the address is the family alone (autobind for bind).</summary>
    private static long ReadUnixAddress(Process* process, ulong address, ulong length, UnixName* name, out bool familyOnly)
    {
        familyOnly = false;
        *name = default;
        if (length > 128) return -Errno.EINVAL;
        byte* raw = stackalloc byte[128];
        if (!UserMemory.CopyFrom(process->Space, address, new Span<byte>(raw, (int)length))) return -Errno.EFAULT;
        if (length < 2 || (raw[0] | (raw[1] << 8)) != AfUnix) return -Errno.EINVAL;
        if (length == 2)
        {
            familyOnly = true;
            return -Errno.EINVAL;
        }

        if (length > UnixAddressSize) return -Errno.EINVAL;
        name->Bytes[0] = AfUnix;
        if (raw[2] != 0)
        {
            // A path: up to its first NUL; getsockname gives it back with one.
            int n = 0;
            while (2 + n < (int)length && raw[2 + n] != 0) n++;
            for (int i = 0; i < n; i++) name->Bytes[2 + i] = raw[2 + i];
            name->Bytes[2 + n] = 0;
            name->Length = 2 + n + 1;
            name->IsPath = true;
        }
        else
        {
            for (int i = 2; i < (int)length; i++) name->Bytes[i] = raw[i];
            name->Length = (int)length;
        }

        return 0;
    }

    /// <summary>The absolute path of a path name, into a heap buffer the caller frees; a
    /// sandboxed caller's file view judges it as every other path is judged (bind creates a
    /// name, connect and sendto write to the socket: Sandbox/FileView.cs).</summary>
    private static long AbsolutePath(Process* process, UnixName* name, out byte* buffer, Sandbox.PathAccess access)
    {
        buffer = PathResolver.AllocateBuffer();
        if (buffer == null) return -Errno.ENOMEM;
        int length = name->Length - 3; // family and the NUL
        int total;
        if (name->Bytes[2] == (byte)'/')
        {
            for (int i = 0; i < length; i++) buffer[i] = name->Bytes[2 + i];
            total = length;
        }
        else
        {
            long error = PathResolver.StartOf(process, PathResolver.AtFdcwd, out ReadOnlySpan<byte> start);
            if (error != 0) return error;
            int prefix = start.Length == 1 ? 1 : start.Length + 1;
            if (prefix + length > PathResolver.BufferSize - 1) return -Errno.ENAMETOOLONG;
            start.CopyTo(new Span<byte>(buffer, start.Length));
            buffer[prefix - 1] = (byte)'/';
            for (int i = 0; i < length; i++) buffer[prefix + i] = name->Bytes[2 + i];
            total = prefix + length;
        }

        long denied = Sandbox.FileView.Check(process, new ReadOnlySpan<byte>(buffer, total), access);
        return denied < 0 ? denied : total;
    }

    /// <summary>The node a path name names: its device and inode, ENOENT (or another walk
    /// error) when missing, ECONNREFUSED when it is not a socket (Linux unix_find_bsd).</summary>
    private static long FindNode(Process* process, UnixName* name)
    {
        long length = AbsolutePath(process, name, out byte* path, Sandbox.PathAccess.Write);
        if (length >= 0)
        {
            FileSystem.Lock();
            VfsError error = FileSystem.Vfs.Stat(new ReadOnlySpan<byte>(path, (int)length), out FileStatus status);
            FileSystem.Unlock();
            if (error != VfsError.None) length = -(long)error;
            else if ((status.Mode & FileMode.TypeMask) != FileMode.Socket) length = -Errno.ECONNREFUSED;
            else
            {
                name->Device = status.Device;
                name->Inode = status.Inode;
                length = 0;
            }
        }

        KernelMemory.Free(path);
        return length;
    }

    private static bool SameName(UnixName* a, UnixName* b)
    {
        if (a->IsPath != b->IsPath) return false;
        if (a->IsPath) return a->Device == b->Device && a->Inode == b->Inode;
        if (a->Length != b->Length) return false;
        for (int i = 0; i < a->Length; i++) if (a->Bytes[i] != b->Bytes[i]) return false;
        return true;
    }

    /// <summary>The bound socket with this name; under the lock.</summary>
    private static UnixSocket* FindBound(UnixName* name)
    {
        for (UnixSocket* s = s_unixBound; s != null; s = s->NextBound)
        {
            if (SameName(s->Name, name)) return s;
        }

        return null;
    }

    private static void Unbind(UnixSocket* socket)
    {
        if (socket->Name == null || !socket->Bound) return;
        if (s_unixBound == socket) s_unixBound = socket->NextBound;
        else
        {
            for (UnixSocket* s = s_unixBound; s != null; s = s->NextBound)
            {
                if (s->NextBound != socket) continue;
                s->NextBound = socket->NextBound;
                break;
            }
        }

        socket->Bound = false;
    }

    /// <summary>bind(2) on an AF_UNIX socket.</summary>
    private static long UnixBind(Process* process, UnixSocket* socket, ulong address, ulong length)
    {
        var name = (UnixName*)KernelMemory.Allocate((nuint)sizeof(UnixName));
        if (name == null) return -Errno.ENOMEM;
        long error = ReadUnixAddress(process, address, length, name, out bool familyOnly);
        if (familyOnly) error = 0;
        if (error != 0)
        {
            KernelMemory.Free(name);
            return error;
        }

        if (socket->Name != null)
        {
            // Bound already: EINVAL, but Linux makes the node first, so a path that exists
            // is EADDRINUSE even then.
            long bound = name->IsPath && FindNode(process, name) is var found && (found == 0 || found == -Errno.ECONNREFUSED) ? -Errno.EADDRINUSE : -Errno.EINVAL;
            KernelMemory.Free(name);
            return bound;
        }

        if (name->IsPath)
        {
            // The node first (EADDRINUSE when anything is there), then its identity.
            long pathLength = AbsolutePath(process, name, out byte* path, Sandbox.PathAccess.Create);
            if (pathLength >= 0)
            {
                uint mode = FileMode.Socket | (0x1FF & ~process->FileCreationMask);
                FileSystem.Lock();
                VfsError made = FileSystem.Vfs.MakeNode(new ReadOnlySpan<byte>(path, (int)pathLength), mode, 0);
                FileStatus status = default;
                if (made == VfsError.None) FileSystem.Vfs.Stat(new ReadOnlySpan<byte>(path, (int)pathLength), out status);
                FileSystem.Unlock();
                pathLength = made == VfsError.Exists ? -Errno.EADDRINUSE : made != VfsError.None ? -(long)made : 0;
                name->Device = status.Device;
                name->Inode = status.Inode;
            }

            KernelMemory.Free(path);
            if (pathLength < 0)
            {
                KernelMemory.Free(name);
                return pathLength;
            }
        }

        UnixLock();
        long result = 0;
        if (socket->Name != null) result = -Errno.EINVAL; // another thread bound it meanwhile
        else if (familyOnly)
        {
            // Linux unix_autobind: an abstract name of five hex digits.
            name->Bytes[0] = AfUnix;
            name->Length = 2 + 6;
            for (int tries = 0; tries < 0x100000; tries++)
            {
                uint n = s_autobindCounter++ & 0xFFFFF;
                for (int i = 0; i < 5; i++) name->Bytes[3 + i] = (byte)"0123456789abcdef"[(int)((n >> (16 - 4 * i)) & 0xF)];
                if (FindBound(name) == null) break;
            }
        }
        else if (!name->IsPath && FindBound(name) != null) result = -Errno.EADDRINUSE;

        if (result == 0)
        {
            socket->Name = name;
            socket->Bound = true;
            socket->NextBound = s_unixBound;
            s_unixBound = socket;
        }

        UnixUnlock();
        if (result != 0) KernelMemory.Free(name);
        return result;
    }

    private static long UnixListen(UnixSocket* socket, long backlog)
    {
        if (socket->Type == SockDgram) return -Errno.EOPNOTSUPP;
        UnixLock();
        long result = 0;
        if (socket->Name == null || socket->Connected) result = -Errno.EINVAL;
        else
        {
            int requested = (int)backlog;
            socket->Backlog = requested < 0 || requested > 4096 ? 4096 : requested;
            socket->Listening = true;
            socket->Events.WakeAll(); // connectors waiting for room
        }

        UnixUnlock();
        return result;
    }

    /// <summary>connect(2) on an AF_UNIX socket: a stream or seqpacket socket joins a
    /// listener; a datagram socket remembers where its sends go.</summary>
    private static long UnixConnectTo(Process* process, OpenFileDescription* description, UnixSocket* socket, ulong address, ulong length)
    {
        var name = (UnixName*)KernelMemory.Allocate((nuint)sizeof(UnixName));
        if (name == null) return -Errno.ENOMEM;
        long result = ReadUnixAddress(process, address, length, name, out _);
        if (result == 0 && name->IsPath) result = FindNode(process, name);
        if (result != 0)
        {
            KernelMemory.Free(name);
            return result;
        }

        if (socket->Type == SockDgram)
        {
            UnixLock();
            UnixSocket* target = FindBound(name);
            if (target == null) result = -Errno.ECONNREFUSED;
            else if (target->Type != socket->Type) result = -Errno.EPROTOTYPE;
            else
            {
                KernelMemory.Free(socket->Destination);
                socket->Destination = name;
                name = null;
            }

            UnixUnlock();
            KernelMemory.Free(name);
            return result;
        }

        UnixLock();
        while (true)
        {
            UnixSocket* listener = FindBound(name);
            if (socket->Connected) { result = -Errno.EISCONN; break; }
            if (socket->Listening) { result = -Errno.EINVAL; break; }
            if (listener == null || !listener->Listening) { result = -Errno.ECONNREFUSED; break; }
            if (listener->Type != socket->Type) { result = -Errno.EPROTOTYPE; break; }
            if (listener->Pending > listener->Backlog) // unix_recvq_full: more than the backlog
            {
                // Linux waits on the listener for room (EAGAIN when non-blocking).
                result = UnixWaitOn(process, listener, description->IsNonBlocking);
                if (result != 0) break;
                continue;
            }

            UnixSocket* server = NewUnix(socket->Type);
            if (server == null) { result = -Errno.ENOMEM; break; }
            Link(server);
            server->Connected = socket->Connected = true;
            server->Peer = socket;
            socket->Peer = server;
            // SO_PEERCRED: each end names the other's process (the listener's as of listen).
            server->PeerPid = (int)process->Id;
            server->PeerUid = process->Credentials.EffectiveUid;
            server->PeerGid = process->Credentials.EffectiveGid;
            socket->PeerPid = listener->OwnerPid;
            socket->PeerUid = listener->OwnerUid;
            socket->PeerGid = listener->OwnerGid;
            server->Name = CopyName(listener->Name); // accept's socket has the listener's name
            socket->PeerName = CopyName(listener->Name);
            if (listener->AcceptLast == null) listener->AcceptFirst = server;
            else listener->AcceptLast->NextPending = server;
            listener->AcceptLast = server;
            listener->Pending++;
            listener->Events.WakeAll();
            result = 0;
            break;
        }

        UnixUnlock();
        KernelMemory.Free(name);
        return result;
    }

    private static UnixName* CopyName(UnixName* name)
    {
        if (name == null) return null;
        var copy = (UnixName*)KernelMemory.Allocate((nuint)sizeof(UnixName));
        if (copy != null) *copy = *name;
        return copy;
    }

    /// <summary><see cref="UnixWait"/> on another socket's queue (a listener's).</summary>
    private static long UnixWaitOn(Process* process, UnixSocket* other, bool nonBlocking) => UnixWait(process, other, nonBlocking);

    /// <summary>accept/accept4 on an AF_UNIX listener.</summary>
    private static long UnixAccept(Process* process, OpenFileDescription* description, UnixSocket* listener, ulong address, ulong lengthPointer, ulong flags)
    {
        long free = process->Descriptors.LowestFree(0, DescriptorLimit(process));
        if (free < 0) return free;
        UnixLock();
        UnixSocket* server = null;
        long result = 0;
        while (true)
        {
            if (!listener->Listening) { result = -Errno.EINVAL; break; }
            server = listener->AcceptFirst;
            if (server != null)
            {
                listener->AcceptFirst = server->NextPending;
                if (listener->AcceptFirst == null) listener->AcceptLast = null;
                listener->Pending--;
                server->NextPending = null;
                listener->Events.WakeAll(); // a connector waiting for room
                break;
            }

            result = UnixWait(process, listener, description->IsNonBlocking);
            if (result != 0) break;
        }

        UnixUnlock();
        if (server == null) return result;
        OpenFileDescription* accepted = OpenFileDescription.Create(UnixOperations, server, OpenFileDescription.ReadWrite | ((int)flags & SockNonblock));
        if (accepted == null)
        {
            UnixClose(server);
            return -Errno.ENOMEM;
        }

        server->Self = accepted;
        if (address != 0)
        {
            // The connecting socket's name, or the family alone when it has none.
            long stored;
            UnixLock();
            UnixName peerName = server->Peer != null && server->Peer->Name != null ? *server->Peer->Name : default;
            UnixUnlock();
            stored = WriteUnixName(process, peerName.Length == 0 ? null : &peerName, address, lengthPointer);
            if (stored != 0)
            {
                OpenFileDescription.Release(accepted);
                return stored;
            }
        }

        long fd = process->Descriptors.Install(accepted, 0, DescriptorLimit(process), (flags & SockCloexec) != 0);
        if (fd < 0) OpenFileDescription.Release(accepted);
        return fd;
    }

    /// <summary>A name to the caller (move_addr_to_user: cut to the buffer, the full length
    /// stored back); null: the family alone.</summary>
    private static long WriteUnixName(Process* process, UnixName* name, ulong address, ulong lengthPointer)
    {
        int length;
        if (!UserMemory.CopyFrom(process->Space, lengthPointer, new Span<byte>(&length, 4))) return -Errno.EFAULT;
        if (length < 0) return -Errno.EINVAL;
        byte* bytes = stackalloc byte[UnixAddressSize + 2];
        int full = 2;
        bytes[0] = AfUnix;
        bytes[1] = 0;
        if (name != null)
        {
            full = name->Length;
            for (int i = 0; i < full; i++) bytes[i] = name->Bytes[i];
        }

        int stored = Math.Min(length, full);
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(bytes, stored)) &&
               UserMemory.CopyTo(process->Space, lengthPointer, new ReadOnlySpan<byte>(&full, 4)) ? 0 : -Errno.EFAULT;
    }

    /// <summary>getsockname/getpeername on an AF_UNIX socket.</summary>
    private static long UnixSocketName(Process* process, UnixSocket* socket, ulong address, ulong lengthPointer, bool peer)
    {
        UnixName copy = default;
        bool named;
        UnixLock();
        UnixName* name = socket->Name;
        if (peer)
        {
            // Linux unix_getname: the peer's name while there is a peer, else ENOTCONN.
            if (socket->Peer != null) name = socket->Peer->Name;
            else if (socket->Destination != null) name = socket->Destination;
            else
            {
                UnixUnlock();
                return -Errno.ENOTCONN;
            }
        }

        named = name != null;
        if (named) copy = *name;
        UnixUnlock();
        return WriteUnixName(process, named ? &copy : null, address, lengthPointer);
    }

    /// <summary>The socket a datagram goes to: a pair's peer, or the bound socket of the name
    /// given or connected to. Under the lock; null with the errno in <paramref name="error"/>.</summary>
    private static UnixSocket* DatagramTarget(UnixSocket* socket, UnixName* given, out long error)
    {
        error = 0;
        UnixName* name = given != null ? given : socket->Destination;
        if (name == null) return socket->Peer;
        UnixSocket* target = FindBound(name);
        if (target == null) error = -Errno.ECONNREFUSED;
        else if (target->Type != socket->Type) { error = -Errno.EPROTOTYPE; target = null; }
        return target;
    }
}
