using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Net;
using Aurora.Kernel.Processes;
using Aurora.Net;
using Aurora.Vfs;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Sockets (SPEC NET-1): socket, bind, listen, accept/accept4, connect for IPv4 TCP and UDP
/// (sending and receiving in SocketCalls.Transfer.cs, options, names and shutdown in
/// SocketCalls.Options.cs), served by the kernel's network stack with Linux numbers, <c>struct sockaddr_in</c>
/// and errno. A socket is a kind of file (Linux's socket_file_ops): an ordinary descriptor
/// (lowest free number) of an open file description whose operations are this file's, so
/// read, write, fstat and close go through the descriptor table like any file, dup and fork
/// share it, and the network handle is closed with the last description. The stack never
/// blocks; calls that must wait (connect, accept, reads with no data, writes to a full buffer)
/// sleep on the network wait queue and end with ERESTARTSYS (EINTR, or restarted under SA_RESTART) on a signal; O_NONBLOCK on the description
/// (SOCK_NONBLOCK, fcntl F_SETFL) gives EAGAIN instead.
/// Limits (security issue 9, finding 7; Processes/ResourceLimits.cs): descriptors below
/// RLIMIT_NOFILE (EMFILE); the opening account (process tree) at most
/// <see cref="ResourceLimits.SocketsPerAccount"/> open sockets (Errno.ENOBUFS), counted until the
/// last description closes; the network stack's table, one socket per page of memory
/// system-wide (NetworkStack.SocketCapacity), lingering connections included (Errno.ENOBUFS).
/// </summary>
internal static unsafe partial class SocketCalls
{
    private const int AfInet = 2, SockStream = 1, SockDgram = 2, SockNonblock = 0x800, SockCloexec = 0x80000;

    /// <summary>The object behind a socket description: the network stack's handle, the
    /// account its charge is on, and what setsockopt stored (SocketCalls.Options.cs).</summary>
    private struct SocketObject
    {
        public int Handle;
        public bool Udp;
        public int Account;
        public SocketOptions Options;
    }

    private static FileOperations s_operations;

    private static FileOperations* Operations
    {
        get
        {
            fixed (FileOperations* operations = &s_operations)
            {
                if (operations->Close == null)
                {
                    operations->Read = &ReadOperation;
                    operations->Write = &WriteOperation;
                    operations->Stat = &StatOperation;
                    operations->Ioctl = &IoctlOperation;
                    operations->Poll = &PollOperation;
                    operations->PollWait = &PollWaitOperation;
                    operations->Name = &NameOperation;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Close = &CloseOperation;
                }

                return operations;
            }
        }
    }

    /// <summary>Readiness (Linux tcp_poll/udp_poll): readable with data, a connection to
    /// accept, the peer's FIN or an error; writable when connected with send room (UDP: always);
    /// POLLERR for a pending error, POLLHUP when the connection is closed or reset.</summary>
    private static int PollOperation(OpenFileDescription* description)
    {
        var socket = (SocketObject*)description->Object;
        NetworkStack.Lock();
        int events = NetworkStack.Interface.Events(socket->Handle);
        NetworkStack.Unlock();
        // After shutdown(SHUT_RD) a read returns at once (end of stream), as Linux's POLLIN|POLLRDHUP;
        // so after the peer's FIN (the states that follow it), for epoll's EPOLLRDHUP.
        const int ReadHangUp = 0x2000;
        if ((socket->Options.Flags & SocketOptions.ShutRead) != 0) events |= SocketEvents.Readable | ReadHangUp;
        if (!socket->Udp)
        {
            NetworkStack.Lock();
            TcpState state = NetworkStack.Interface.GetTcpState(socket->Handle);
            NetworkStack.Unlock();
            if (state == TcpState.CloseWait || state == TcpState.LastAck || state == TcpState.Closing || state == TcpState.TimeWait)
                events |= SocketEvents.Readable | ReadHangUp;
            // A connection that ended in an error or a hang-up (refused, reset) is writable
            // too, as Linux's tcp_poll once both directions are shut: a non-blocking connect
            // waited for with POLLOUT completes, and SO_ERROR says how.
            if ((events & (SocketEvents.Error | SocketEvents.HangUp)) != 0) events |= SocketEvents.Writable;
        }

        return events;
    }

    /// <summary>The network thread wakes the socket queue when frames came in or went out.</summary>
    private static void PollWaitOperation(OpenFileDescription* description, Tasks.PollTable* table)
    {
        if (!table->Registering) return;
        table->Add(ref NetworkStack.SocketEvents);
        NetworkStack.Kick(); // its next look may be due sooner than the stack's own timer says
    }

    /// <summary>What /proc/PID/fd shows: "socket:[N]" (Linux: the socket inode's number; here
    /// from the socket object's address).</summary>
    private static int NameOperation(OpenFileDescription* description, Span<byte> name)
    {
        var text = new FileSystems.TextBuilder(name);
        text.Append("socket:[");
        text.Unsigned(((ulong)description->Object >> 4) & 0xFFFF_FFFF);
        text.Append(']');
        return text.Length;
    }

    /// <summary>The socket behind a descriptor: EBADF when it is not open, Errno.ENOTSOCK when it is
    /// another kind of file.</summary>
    private static long Lookup(Process* process, ulong descriptor, out OpenFileDescription* description, out SocketObject* socket)
    {
        socket = null;
        description = process->Descriptors.Get((int)descriptor);
        if (description == null || (descriptor >> 32) != 0) return -Errno.EBADF;
        if (description->Operations != Operations) return -Errno.ENOTSOCK;
        socket = (SocketObject*)description->Object;
        return 0;
    }

    private static ulong DescriptorLimit(Process* process) => ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles);

    internal static long Socket(Process* process, ulong domain, ulong type, ulong protocol)
    {
        // As Linux's __sys_socket: flags beyond the type (low 4 bits) other than these are EINVAL first.
        if (((uint)type & ~0xFu & ~(uint)(SockNonblock | SockCloexec)) != 0) return -Errno.EINVAL;
        if (domain == AfUnix)
        {
            if (!process->Sandbox.Holds(Sandbox.Promises.Unix)) return -Errno.EPERM; // pledge without unix
            return UnixCreate(process, type, protocol); // SocketCalls.UnixNames.cs
        }
        if (!NetworkStack.IsUp) return -Errno.EAFNOSUPPORT; // no network card
        if (domain != AfInet) return -Errno.EAFNOSUPPORT;
        if (!process->Sandbox.Holds(Sandbox.Promises.Inet)) return -Errno.EPERM; // pledge without inet
        int kind = (int)type & 0xF;
        if (kind != SockStream && kind != SockDgram) return -Errno.ESOCKTNOSUPPORT;
        if (protocol != 0 && protocol != (kind == SockStream ? 6UL : 17UL)) return -Errno.EPROTONOSUPPORT;
        long free = process->Descriptors.LowestFree(0, DescriptorLimit(process));
        if (free < 0) return free;
        if (!ResourceLimits.ChargeSocket(process->CapsHandle)) return -Errno.ENOBUFS;
        NetworkStack.Lock();
        int handle = kind == SockStream ? NetworkStack.Interface.OpenTcp() : NetworkStack.Interface.OpenUdp();
        NetworkStack.Unlock();
        if (handle < 0)
        {
            ResourceLimits.UnchargeSocket(process->CapsHandle);
            return handle;
        }

        return InstallSocket(process, handle, kind == SockDgram, (int)type & SockNonblock, ((int)type & SockCloexec) != 0, null);
    }

    /// <summary>A charged, open network handle as a new description at the lowest free
    /// descriptor; on failure the handle is closed and the charge dropped.</summary>
    private static long InstallSocket(Process* process, int handle, bool udp, int statusFlags, bool closeOnExec, SocketObject* listener)
    {
        var socket = (SocketObject*)Memory.KernelMemory.Allocate((nuint)sizeof(SocketObject));
        OpenFileDescription* description = null;
        if (socket != null)
        {
            socket->Handle = handle;
            socket->Udp = udp;
            socket->Account = ResourceLimits.AccountOf(process->CapsHandle);
            // An accepted connection starts with its listener's options (Linux's sk_clone_lock),
            // but none of its state (shutdown, a reported error).
            socket->Options = listener != null ? listener->Options.Inherited() : SocketOptions.Defaults(udp);
            description = OpenFileDescription.Create(Operations, socket, OpenFileDescription.ReadWrite | statusFlags);
        }

        if (description == null)
        {
            Memory.KernelMemory.Free(socket);
            CloseHandle(handle, ResourceLimits.AccountOf(process->CapsHandle));
            return -Errno.ENOMEM;
        }

        long fd = process->Descriptors.Install(description, 0, DescriptorLimit(process), closeOnExec);
        if (fd < 0) OpenFileDescription.Release(description);
        return fd;
    }

    private static void CloseHandle(int handle, int account, bool abort = false)
    {
        NetworkStack.Lock();
        if (abort) NetworkStack.Interface.Abort(handle);
        else NetworkStack.Interface.Close(handle);
        NetworkStack.Flush();
        NetworkStack.Unlock();
        ResourceLimits.UnchargeAccountSocket(account);
    }

    /// <summary>The last description of a socket is gone: the network handle closes (a TCP
    /// connection goes on through FIN and TIME_WAIT inside the stack) and the charge is dropped.</summary>
    private static void CloseOperation(void* obj)
    {
        var socket = (SocketObject*)obj;
        // SO_LINGER on with a zero time: a reset, no FIN (Linux's abortive close).
        bool abort = (socket->Options.Flags & SocketOptions.Linger) != 0 && socket->Options.LingerSeconds == 0;
        CloseHandle(socket->Handle, socket->Account, abort);
        Memory.KernelMemory.Free(socket);
    }

    private static long ReadOperation(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        ReceiveOn(process, description, (SocketObject*)description->Object, buffer, length, 0, 0, 0);

    private static long WriteOperation(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        SendOn(process, description, (SocketObject*)description->Object, buffer, length, 0, 0, 0);

    private static long StatOperation(OpenFileDescription* description, FileStatus* status)
    {
        status->Mode = 0xC000 | 0x1FF; // S_IFSOCK, rwxrwxrwx, as Linux's sockfs
        status->BlockSize = 4096;
        return 0;
    }

    /// <summary>A sockaddr_in from the user, and the sandbox's one network check (Sandbox:
    /// EACCES when a rule of the process's does not allow <paramref name="action"/> there).</summary>
    private static long ReadAddress(Process* process, ulong address, ulong length, out Ipv4Address ip, out ushort port, uint action)
    {
        ip = default;
        port = 0;
        // As Linux's move_addr_to_kernel: the whole address (up to a sockaddr_storage) is
        // copied first, so a pointer that runs into unmapped memory is EFAULT before the family
        // is looked at; then AF_INET needs a full sockaddr_in.
        const ulong StorageSize = 128, InetSize = 16;
        if (length > StorageSize) return -Errno.EINVAL;
        byte* sockaddr = stackalloc byte[(int)StorageSize];
        if (!UserMemory.CopyFrom(process->Space, address, new Span<byte>(sockaddr, (int)length))) return -Errno.EFAULT;
        if (length < 2) return -Errno.EINVAL;
        if ((sockaddr[0] | (sockaddr[1] << 8)) != AfInet) return -Errno.EAFNOSUPPORT;
        if (length < InetSize) return -Errno.EINVAL;
        port = (ushort)((sockaddr[2] << 8) | sockaddr[3]);
        ip = new Ipv4Address(sockaddr[4], sockaddr[5], sockaddr[6], sockaddr[7]);
        return SandboxCalls.CheckNetwork(process, action, ip.Value, port);
    }

    /// <summary>A sockaddr_in for the caller's buffer, cut to its length, and the full length
    /// (16) stored back, as Linux's move_addr_to_user; no address wanted when it is null.</summary>
    private static long WriteAddress(Process* process, ulong address, ulong lengthPointer, Ipv4Address ip, ushort port)
    {
        if (address == 0) return 0;
        int length;
        if (!UserMemory.CopyFrom(process->Space, lengthPointer, new Span<byte>(&length, 4))) return -Errno.EFAULT;
        if (length < 0) return -Errno.EINVAL; // as Linux's move_addr_to_user
        byte* sockaddr = stackalloc byte[16];
        new Span<byte>(sockaddr, 16).Clear();
        sockaddr[0] = AfInet;
        sockaddr[2] = (byte)(port >> 8);
        sockaddr[3] = (byte)port;
        sockaddr[4] = (byte)(ip.Value >> 24); sockaddr[5] = (byte)(ip.Value >> 16); sockaddr[6] = (byte)(ip.Value >> 8); sockaddr[7] = (byte)ip.Value;
        uint stored = Math.Min((uint)length, 16u);
        uint full = 16;
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(sockaddr, (int)stored)) &&
               UserMemory.CopyTo(process->Space, lengthPointer, new ReadOnlySpan<byte>(&full, 4)) ? 0 : -Errno.EFAULT;
    }

    internal static long Bind(Process* process, ulong descriptor, ulong address, ulong length)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixBind(process, unix, address, length); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out _, out SocketObject* socket);
        if (error != 0) return error;
        int handle = socket->Handle;
        error = ReadAddress(process, address, length, out Ipv4Address ip, out ushort port, Sandbox.NetActions.Bind);
        if (error != 0) return error;
        NetworkStack.Lock();
        NetError result = NetworkStack.Interface.Bind(handle, ip, port);
        NetworkStack.Unlock();
        return -(long)result;
    }

    internal static long Listen(Process* process, ulong descriptor, ulong backlog)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixListen(unix, (long)backlog); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out _, out SocketObject* socket);
        if (error != 0) return error;
        int handle = socket->Handle;
        NetworkStack.Lock();
        // Linux truncates the backlog to an int and takes anything above SOMAXCONN (or
        // negative) as SOMAXCONN; the stack clamps it to its own largest.
        int requested = (int)backlog;
        if (requested < 0 || requested > NetInterface<Memory.HeapNetMemory>.MaxBacklog) requested = NetInterface<Memory.HeapNetMemory>.MaxBacklog;
        NetError result = NetworkStack.Interface.Listen(handle, requested);
        NetworkStack.Unlock();
        return -(long)result;
    }

    internal static long Accept(Process* process, ulong descriptor, ulong address, ulong lengthPointer) =>
        Accept4(process, descriptor, address, lengthPointer, 0);

    /// <summary>accept4(2): accept with SOCK_NONBLOCK (O_NONBLOCK on the new description) and
    /// SOCK_CLOEXEC; any other flag is EINVAL before anything else, as Linux.</summary>
    internal static long Accept4(Process* process, ulong descriptor, ulong address, ulong lengthPointer, ulong flags)
    {
        if ((flags & ~(ulong)(SockNonblock | SockCloexec)) != 0) return -Errno.EINVAL;
        if (UnixOf(process, descriptor, out OpenFileDescription* unixListener) is var unix && unix != null) return UnixAccept(process, unixListener, unix, address, lengthPointer, flags); // AF_UNIX
        long error = Lookup(process, descriptor, out OpenFileDescription* listener, out SocketObject* socket);
        if (error != 0) return error;
        // As Linux's accept4: a free descriptor first (EMFILE before any wait).
        long free = process->Descriptors.LowestFree(0, DescriptorLimit(process));
        if (free < 0) return free;
        if (!ResourceLimits.ChargeSocket(process->CapsHandle)) return -Errno.ENOBUFS;
        while (true)
        {
            NetworkStack.Lock();
            int accepted = NetworkStack.Interface.Accept(socket->Handle, out Ipv4Address ip, out ushort port);
            NetworkStack.Unlock();
            if (accepted >= 0)
            {
                long stored = WriteAddress(process, address, lengthPointer, ip, port);
                if (stored != 0)
                {
                    CloseHandle(accepted, ResourceLimits.AccountOf(process->CapsHandle));
                    return stored;
                }

                return InstallSocket(process, accepted, udp: false, (int)flags & SockNonblock, (flags & SockCloexec) != 0, socket);
            }

            long waited = accepted != -(int)NetError.WouldBlock || listener->IsNonBlocking
                ? accepted
                : Wait(process, socket->Options.ReceiveTimeoutMs);
            if (waited != 0)
            {
                ResourceLimits.UnchargeSocket(process->CapsHandle);
                return waited;
            }
        }
    }

    internal static long Connect(Process* process, ulong descriptor, ulong address, ulong length)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixConnectTo(process, unixFile, unix, address, length); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out OpenFileDescription* description, out SocketObject* socket);
        if (error != 0) return error;
        int handle = socket->Handle;
        error = ReadAddress(process, address, length, out Ipv4Address ip, out ushort port, Sandbox.NetActions.Connect);
        if (error != 0) return error;
        NetworkStack.Lock();
        NetError result = NetworkStack.Interface.Connect(handle, ip, port, NetworkStack.NowMs);
        NetworkStack.Flush();
        NetworkStack.Unlock();
        if (socket->Udp) return -(long)result; // UDP connect only sets the peer: done at once (or the errno)
        if (result != NetError.None && result != NetError.InProgress) return -(long)result;
        if (description->IsNonBlocking) return -Errno.EINPROGRESS;
        while (true)
        {
            NetworkStack.Lock();
            TcpState state = NetworkStack.Interface.GetTcpState(handle);
            NetError pending = NetworkStack.Interface.PendingError(handle);
            NetworkStack.Unlock();
            if (pending != NetError.None)
            {
                socket->Options.Flags |= SocketOptions.ErrorReported; // connect reported it, SO_ERROR is 0 now
                return -(long)pending;
            }

            if (state == TcpState.Established || state == TcpState.CloseWait) return 0;
            if (state != TcpState.SynSent && state != TcpState.SynReceived) return -(long)NetError.ConnectionRefused;
            long waited = Wait(process, socket->Options.SendTimeoutMs);
            if (waited != 0) return waited == -Errno.EAGAIN ? -Errno.EINPROGRESS : -Errno.EINTR;
        }
    }

    /// <summary>Sleeps until the network stack reports an event this thread has not seen
    /// (NetworkStack.WaitForSocketEvent) or <paramref name="timeoutMs"/> (SO_RCVTIMEO/SO_SNDTIMEO;
    /// <see cref="WaitQueue.Forever"/> without one) runs out: 0 to look again, -EAGAIN on the
    /// timeout, and on a signal ERESTARTSYS (restarted under SA_RESTART, as Linux's accept, recv
    /// and send are) or, with a timeout set, EINTR (Linux's sock_intr_errno). Connect answers
    /// EINTR itself (a restarted connect would find the socket connecting).</summary>
    private static long Wait(Process* process, ulong timeoutMs)
    {
        if (timeoutMs == 0) return -Errno.EAGAIN;
        Tasks.WakeReason reason = NetworkStack.WaitForSocketEvent(&CurrentHasSignal, timeoutMs);
        return reason switch
        {
            Tasks.WakeReason.Woken => 0,
            Tasks.WakeReason.TimedOut => -Errno.EAGAIN,
            _ => timeoutMs == Tasks.WaitQueue.Forever ? -Errno.ERESTARTSYS : -Errno.EINTR,
        };
    }

    private static bool CurrentHasSignal() => Process.HasDeliverableSignal(Process.Current);
}
