using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Net;
using Aurora.Kernel.Processes;
using Aurora.Net;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Sending and receiving on a socket: write/read, sendto/recvfrom and sendmsg/recvmsg (iovecs,
/// no ancillary data) with Linux's MSG_PEEK (the data stays queued), MSG_DONTWAIT (this call
/// does not block), MSG_WAITALL (a stream read waits for all it asked for), MSG_TRUNC (a
/// datagram's real length) and MSG_NOSIGNAL (no SIGPIPE with EPIPE). A blocking TCP send
/// returns when everything is in the send buffer, however long (Linux's tcp_sendmsg loops the
/// same way); the user's bytes go through a kernel buffer of at most <see cref="ChunkSize"/>.
/// </summary>
internal static unsafe partial class SocketCalls
{
    private const int MsgPeek = 0x2, MsgTrunc = 0x20, MsgDontwait = 0x40, MsgWaitall = 0x100, MsgNosignal = 0x4000;
    private const int SigPipe = 13;
    /// <summary>Bytes copied between user memory and the stack at a time.</summary>
    private const int ChunkSize = 65536;
    /// <summary>Linux's UIO_MAXIOV: more iovecs than this is EMSGSIZE.</summary>
    private const ulong MaxIovecs = 1024;
    /// <summary>Largest UDP payload Linux takes in one call (65535 minus the IP and UDP headers).</summary>
    private const ulong MaxUdpPayload = 65507;

    internal static long Send(Process* process, ulong descriptor, ulong buffer, ulong length, ulong flags, ulong address, ulong addressLength)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixSendTo(process, unixFile, buffer, length, (int)flags, address, addressLength); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out OpenFileDescription* description, out SocketObject* socket);
        return error != 0 ? error : SendOn(process, description, socket, buffer, length, (int)flags, address, addressLength);
    }

    internal static long Receive(Process* process, ulong descriptor, ulong buffer, ulong length, ulong flags, ulong address, ulong lengthPointer)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixReceiveFrom(process, unixFile, buffer, length, (int)flags, address, lengthPointer); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out OpenFileDescription* description, out SocketObject* socket);
        return error != 0 ? error : ReceiveOn(process, description, socket, buffer, length, (int)flags, address, lengthPointer);
    }

    /// <summary>One user buffer: a datagram in one piece (EMSGSIZE past 65507 bytes), a stream
    /// in chunks until all is sent or a non-blocking call found the buffer full.</summary>
    private static long SendOn(Process* process, OpenFileDescription* description, SocketObject* socket, ulong buffer, ulong length, int flags, ulong address, ulong addressLength)
    {
        Ipv4Address ip = default;
        ushort port = 0;
        if (address != 0)
        {
            long bad = ReadAddress(process, address, addressLength, out ip, out port, Sandbox.NetActions.Connect);
            if (bad != 0) return bad;
        }

        if (socket->Udp && length > MaxUdpPayload) return -Errno.EMSGSIZE;
        int size = (int)Math.Min(length, (ulong)ChunkSize);
        byte* data = (byte*)Memory.KernelMemory.Allocate((nuint)size + 1);
        if (data == null) return -Errno.ENOMEM;
        ulong sent = 0;
        long result = 0;
        do
        {
            int part = (int)Math.Min(length - sent, (ulong)size);
            if (!UserMemory.CopyFrom(process->Space, buffer + sent, new Span<byte>(data, part)))
            {
                result = -Errno.EFAULT;
                break;
            }

            result = SendBytes(process, description, socket, data, part, flags, address != 0, ip, port);
            if (result > 0) sent += (ulong)result;
            if (result < part) break;
        }
        while (sent < length);

        Memory.KernelMemory.Free(data);
        return sent > 0 ? (long)sent : result;
    }

    /// <summary>Kernel bytes to the stack: all of them for a blocking stream (waiting for room),
    /// what fits for a non-blocking one, one datagram for UDP. EPIPE raises SIGPIPE unless
    /// MSG_NOSIGNAL; a connection's error is reported once, EPIPE after that (Linux clears
    /// sk_err when it reports it and the socket is shut down).</summary>
    private static long SendBytes(Process* process, OpenFileDescription* description, SocketObject* socket, byte* data, int length, int flags, bool hasAddress, Ipv4Address ip, ushort port)
    {
        bool nonBlocking = description->IsNonBlocking || (flags & MsgDontwait) != 0;
        int handle = socket->Handle;
        long sent = 0;
        long result = 0;
        while (true)
        {
            NetworkStack.Lock();
            long n = hasAddress && socket->Udp
                ? NetworkStack.Interface.SendTo(handle, new ReadOnlySpan<byte>(data + sent, length - (int)sent), ip, port, NetworkStack.NowMs)
                : NetworkStack.Interface.Write(handle, new ReadOnlySpan<byte>(data + sent, length - (int)sent));
            NetError pending = NetworkStack.Interface.PendingError(handle);
            NetworkStack.Flush();
            NetworkStack.Unlock();
            if (n > 0) sent += n;
            if (n >= 0 && (sent == length || socket->Udp)) break;
            if (n < 0 && pending != NetError.None && n == -(long)pending)
            {
                if ((socket->Options.Flags & SocketOptions.ErrorReported) != 0) n = -Errno.EPIPE;
                socket->Options.Flags |= SocketOptions.ErrorReported;
            }

            if (n < 0 && (n != -(long)NetError.WouldBlock || nonBlocking))
            {
                result = n;
                break;
            }

            long waited = Wait(process, socket->Options.SendTimeoutMs);
            if (waited != 0)
            {
                result = waited;
                break;
            }
        }

        if (sent > 0) return sent;
        if (result == -Errno.EPIPE && (flags & MsgNosignal) == 0) Process.Kill(process, (long)process->Id, SigPipe);
        return result;
    }

    /// <summary>One user buffer (read, recv, recvfrom): through a kernel chunk; MSG_WAITALL on a
    /// stream goes on until the buffer is full, the stream ends, or an error or signal.</summary>
    private static long ReceiveOn(Process* process, OpenFileDescription* description, SocketObject* socket, ulong buffer, ulong length, int flags, ulong address, ulong lengthPointer)
    {
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Errno.EFAULT;
        int size = (int)Math.Min(length, (ulong)ChunkSize);
        byte* data = (byte*)Memory.KernelMemory.Allocate((nuint)size + 1);
        if (data == null) return -Errno.ENOMEM;
        ulong received = 0;
        long result;
        bool waitAll = (flags & MsgWaitall) != 0 && (flags & MsgPeek) == 0 && !socket->Udp;
        while (true)
        {
            int part = (int)Math.Min(length - received, (ulong)size);
            result = ReceiveBytes(process, description, socket, data, part, flags, out Ipv4Address ip, out ushort port, out int datagramLength);
            if (result < 0) break;
            if (!UserMemory.CopyTo(process->Space, buffer + received, new ReadOnlySpan<byte>(data, (int)result)))
            {
                result = -Errno.EFAULT;
                break;
            }

            received += (ulong)result;
            if (socket->Udp && address != 0)
            {
                long stored = WriteAddress(process, address, lengthPointer, ip, port);
                if (stored != 0) result = stored;
            }

            if (socket->Udp && (flags & MsgTrunc) != 0 && result >= 0) result = datagramLength; // the real length, as Linux
            if (!waitAll || result == 0 || received == length) break;
        }

        Memory.KernelMemory.Free(data);
        return received > 0 && !socket->Udp ? (long)received : result;
    }

    /// <summary>From the stack into kernel memory: bytes (a datagram cut to the buffer, whose
    /// whole length is <paramref name="datagramLength"/>), 0 at the end of the stream or after
    /// shutdown(SHUT_RD), or -errno; blocking unless O_NONBLOCK or MSG_DONTWAIT.</summary>
    private static long ReceiveBytes(Process* process, OpenFileDescription* description, SocketObject* socket, byte* data, int length, int flags,
        out Ipv4Address ip, out ushort port, out int datagramLength)
    {
        bool nonBlocking = description->IsNonBlocking || (flags & MsgDontwait) != 0;
        bool peek = (flags & MsgPeek) != 0;
        int handle = socket->Handle;
        ip = default;
        port = 0;
        datagramLength = 0;
        while (true)
        {
            NetworkStack.Lock();
            if (socket->Udp) datagramLength = (int)Math.Max(0, NetworkStack.Interface.ReadableBytes(handle));
            long result = socket->Udp
                ? NetworkStack.Interface.ReceiveFrom(handle, new Span<byte>(data, length), out ip, out port, peek)
                : NetworkStack.Interface.Read(handle, new Span<byte>(data, length), peek);
            NetError pending = NetworkStack.Interface.PendingError(handle);
            NetworkStack.Flush();
            NetworkStack.Unlock();
            if (result >= 0) return result;
            if (result == -(long)NetError.WouldBlock && (socket->Options.Flags & SocketOptions.ShutRead) != 0) return 0;
            if (pending != NetError.None && result == -(long)pending)
            {
                // Reported once (Linux's sock_error clears it); then the closed stream reads as ended.
                if ((socket->Options.Flags & SocketOptions.ErrorReported) != 0) return 0;
                socket->Options.Flags |= SocketOptions.ErrorReported;
                return result;
            }

            if (result != -(long)NetError.WouldBlock || nonBlocking) return result;
            long waited = Wait(process, socket->Options.ReceiveTimeoutMs);
            if (waited != 0) return waited;
        }
    }

    /// <summary>struct msghdr (x86-64), as Linux's user_msghdr.</summary>
    private struct MessageHeader
    {
        public ulong Name;
        public int NameLength;
        public int Padding;
        public ulong Iov;
        public ulong IovLength;
        public ulong Control;
        public ulong ControlLength;
        public int Flags;
        public int Padding2;
    }

    private struct IoVector
    {
        public ulong Base;
        public ulong Length;
    }

    /// <summary>The message header and its iovec array from user memory: EFAULT, EMSGSIZE past
    /// UIO_MAXIOV iovecs, EINVAL when the lengths add up past SSIZE_MAX. The caller frees
    /// <paramref name="vectors"/>.</summary>
    private static long ReadMessage(Process* process, ulong message, out MessageHeader header, out IoVector* vectors, out ulong total)
    {
        vectors = null;
        total = 0;
        header = default;
        fixed (MessageHeader* h = &header)
        {
            if (!UserMemory.CopyFrom(process->Space, message, new Span<byte>(h, sizeof(MessageHeader)))) return -Errno.EFAULT;
        }

        if (header.IovLength > MaxIovecs) return -Errno.EMSGSIZE;
        vectors = (IoVector*)Memory.KernelMemory.Allocate((nuint)(sizeof(IoVector) * (int)header.IovLength + 1));
        if (vectors == null) return -Errno.ENOMEM;
        if (!UserMemory.CopyFrom(process->Space, header.Iov, new Span<byte>(vectors, sizeof(IoVector) * (int)header.IovLength))) return -Errno.EFAULT;
        // As import_iovec: a negative length is EINVAL, then an entry outside the user half is
        // EFAULT before anything moves (entries inside it cannot add up past ssize_t).
        for (ulong i = 0; i < header.IovLength; i++)
        {
            if ((long)vectors[i].Length < 0) return -Errno.EINVAL;
        }

        for (ulong i = 0; i < header.IovLength; i++)
        {
            if (!UserMemory.IsUserRange(vectors[i].Base, vectors[i].Length)) return -Errno.EFAULT;
            total += vectors[i].Length;
        }

        return 0;
    }

    /// <summary>sendmsg(2): a stream sends the iovecs in order (stopping where a non-blocking
    /// call ran out of room), a datagram gathers them into one. Ancillary data is not supported:
    /// a control buffer holding a cmsghdr is EINVAL (one shorter than a cmsghdr holds none).</summary>
    internal static long SendMessage(Process* process, ulong descriptor, ulong message, ulong flags)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixSendMessage(process, unixFile, message, (int)flags); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out OpenFileDescription* description, out SocketObject* socket);
        if (error != 0) return error;
        error = ReadMessage(process, message, out MessageHeader header, out IoVector* vectors, out ulong total);
        if (error == 0 && header.ControlLength >= 16) error = -Errno.EINVAL;
        long result = error;
        if (error == 0 && socket->Udp)
        {
            result = total > MaxUdpPayload ? -Errno.EMSGSIZE : SendGathered(process, description, socket, vectors, header, total, (int)flags);
        }
        else if (error == 0)
        {
            ulong sent = 0;
            result = 0;
            for (ulong i = 0; i < header.IovLength; i++)
            {
                if (vectors[i].Length == 0) continue;
                result = SendOn(process, description, socket, vectors[i].Base, vectors[i].Length, (int)flags, 0, 0);
                if (result > 0) sent += (ulong)result;
                if (result < (long)vectors[i].Length) break;
                flags |= MsgNosignal; // one SIGPIPE at most, for the part that failed first
            }

            if (sent > 0) result = (long)sent;
        }

        Memory.KernelMemory.Free(vectors);
        return result;
    }

    private static long SendGathered(Process* process, OpenFileDescription* description, SocketObject* socket, IoVector* vectors, MessageHeader header, ulong total, int flags)
    {
        Ipv4Address ip = default;
        ushort port = 0;
        if (header.Name != 0)
        {
            long bad = ReadAddress(process, header.Name, (ulong)(uint)header.NameLength, out ip, out port, Sandbox.NetActions.Connect);
            if (bad != 0) return bad;
        }

        byte* data = (byte*)Memory.KernelMemory.Allocate((nuint)total + 1);
        if (data == null) return -Errno.ENOMEM;
        ulong at = 0;
        long result = 0;
        for (ulong i = 0; i < header.IovLength && result == 0; i++)
        {
            if (!UserMemory.CopyFrom(process->Space, vectors[i].Base, new Span<byte>(data + at, (int)vectors[i].Length))) result = -Errno.EFAULT;
            at += vectors[i].Length;
        }

        if (result == 0) result = SendBytes(process, description, socket, data, (int)total, flags, header.Name != 0, ip, port);
        Memory.KernelMemory.Free(data);
        return result;
    }

    /// <summary>recvmsg(2): one receive into the iovecs in order (at most <see cref="ChunkSize"/>
    /// bytes at a time). msg_flags gets MSG_TRUNC for a datagram cut short, msg_controllen 0 (no
    /// ancillary data), msg_namelen the source's length (UDP) or 0 (TCP), as Linux.</summary>
    internal static long ReceiveMessage(Process* process, ulong descriptor, ulong message, ulong flags)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixReceiveMessage(process, unixFile, message, (int)flags); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out OpenFileDescription* description, out SocketObject* socket);
        if (error != 0) return error;
        error = ReadMessage(process, message, out MessageHeader header, out IoVector* vectors, out ulong total);
        int size = (int)Math.Min(total, (ulong)ChunkSize);
        byte* data = error == 0 ? (byte*)Memory.KernelMemory.Allocate((nuint)size + 1) : null;
        if (error == 0 && data == null) error = -Errno.ENOMEM;
        long result = error;
        if (error == 0)
        {
            result = ReceiveBytes(process, description, socket, data, size, (int)flags, out Ipv4Address ip, out ushort port, out int datagramLength);
            ulong at = 0;
            for (ulong i = 0; result > 0 && i < header.IovLength && at < (ulong)result; i++)
            {
                int part = (int)Math.Min(vectors[i].Length, (ulong)result - at);
                if (!UserMemory.CopyTo(process->Space, vectors[i].Base, new ReadOnlySpan<byte>(data + at, part))) result = -Errno.EFAULT;
                at += (ulong)part;
            }

            if (result >= 0)
            {
                int messageFlags = socket->Udp && datagramLength > size ? MsgTrunc : 0;
                if (socket->Udp && (flags & MsgTrunc) != 0) result = datagramLength;
                long stored = socket->Udp && header.Name != 0 ? WriteAddress(process, header.Name, message + 8, ip, port) : 0;
                int nameLength = 0;
                ulong noControl = 0;
                bool ok = stored == 0 &&
                    (socket->Udp || UserMemory.CopyTo(process->Space, message + 8, new ReadOnlySpan<byte>(&nameLength, 4))) &&
                    UserMemory.CopyTo(process->Space, message + 40, new ReadOnlySpan<byte>(&noControl, 8)) &&
                    UserMemory.CopyTo(process->Space, message + 48, new ReadOnlySpan<byte>(&messageFlags, 4));
                if (stored != 0) result = stored;
                else if (!ok) result = -Errno.EFAULT;
            }
        }

        Memory.KernelMemory.Free(data);
        Memory.KernelMemory.Free(vectors);
        return result;
    }
}
