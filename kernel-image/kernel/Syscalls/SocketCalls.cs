using System;
using Aurora.Kernel.Net;
using Aurora.Kernel.Processes;
using Aurora.Net;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// Sockets (SPEC NET-1): socket, bind, listen, accept, connect, sendto, recvfrom (and read,
/// write, close on socket descriptors) for IPv4 TCP and UDP, served by the kernel's network
/// stack with Linux numbers, <c>struct sockaddr_in</c> and errno. Descriptors 512-527 are the
/// process's sockets. The stack never blocks; calls that must wait (connect, accept, reads
/// with no data, writes to a full buffer) sleep a tick between tries and end with EINTR on a
/// signal; SOCK_NONBLOCK sockets get EAGAIN instead.
/// Limits (security issue 9, finding 7; Processes/ResourceLimits.cs): a process has 16 socket
/// slots and no descriptor at or above its RLIMIT_NOFILE (EMFILE); its account (process tree)
/// at most <see cref="ResourceLimits.SocketsPerAccount"/> open sockets (ENOBUFS); the network
/// stack's table, 32 system-wide, lingering connections included (ENOBUFS).
/// </summary>
internal static unsafe class SocketCalls
{
    internal const int FirstSocket = 512;
    private const int AfInet = 2, SockStream = 1, SockDgram = 2, SockNonblock = 0x800, SockCloexec = 0x80000;
    private const long EINPROGRESS = 115, ENOBUFS = 105;

    // A socket slot holds handle + 1 in the low 16 bits, bit 30 for SOCK_NONBLOCK, bit 29 for UDP.
    private const int NonBlockingBit = 1 << 30, UdpBit = 1 << 29;

    private static bool IsNonBlocking(Process* process, int slot) => (process->SocketHandles[slot] & NonBlockingBit) != 0;

    private static bool IsUdp(Process* process, int slot) => (process->SocketHandles[slot] & UdpBit) != 0;

    internal static bool IsSocket(ulong descriptor) => descriptor >= FirstSocket && descriptor < FirstSocket + Process.MaxSockets;

    private static int Handle(Process* process, ulong descriptor, out int slot)
    {
        slot = (int)(descriptor - FirstSocket);
        if (!IsSocket(descriptor) || process->SocketHandles[slot] == 0) return -1;
        return (process->SocketHandles[slot] & 0xFFFF) - 1;
    }

    internal static long Socket(Process* process, ulong domain, ulong type, ulong protocol)
    {
        if (!NetworkStack.IsUp) return -97; // EAFNOSUPPORT: no network card
        if (domain != AfInet) return -97;
        int kind = (int)type & ~(SockNonblock | SockCloexec);
        if (kind != SockStream && kind != SockDgram) return -94; // ESOCKTNOSUPPORT
        if (protocol != 0 && protocol != (kind == SockStream ? 6UL : 17UL)) return -93; // EPROTONOSUPPORT
        long slot = ReserveSlot(process);
        if (slot < 0) return slot;
        NetworkStack.Lock();
        int handle = kind == SockStream ? NetworkStack.Interface.OpenTcp() : NetworkStack.Interface.OpenUdp();
        NetworkStack.Unlock();
        if (handle < 0)
        {
            ResourceLimits.UnchargeSocket(process->CapsHandle);
            return handle;
        }

        process->SocketHandles[slot] = (handle + 1) | (((int)type & SockNonblock) != 0 ? NonBlockingBit : 0) | (kind == SockDgram ? UdpBit : 0);
        return FirstSocket + slot;
    }

    /// <summary>The lowest free socket slot, charged to the process's account: EMFILE when the
    /// process has none below its RLIMIT_NOFILE, ENOBUFS when its account has its share open.</summary>
    private static long ReserveSlot(Process* process)
    {
        int slot = -1;
        for (int i = 0; i < Process.MaxSockets && slot < 0; i++)
        {
            if (process->SocketHandles[i] == 0) slot = i;
        }

        if (slot < 0 || (ulong)(FirstSocket + slot) >= ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.OpenFiles))
            return -Errno.EMFILE;
        return ResourceLimits.ChargeSocket(process->CapsHandle) ? slot : -ENOBUFS;
    }

    internal static long Close(Process* process, ulong descriptor)
    {
        int handle = Handle(process, descriptor, out int slot);
        if (handle < 0) return -Errno.EBADF;
        NetworkStack.Lock();
        NetError error = NetworkStack.Interface.Close(handle);
        NetworkStack.Flush();
        NetworkStack.Unlock();
        process->SocketHandles[slot] = 0;
        ResourceLimits.UnchargeSocket(process->CapsHandle);
        return -(long)error;
    }

    /// <summary>Closes every socket of a process that is ending.</summary>
    internal static void CloseAll(Process* process)
    {
        for (int i = 0; i < Process.MaxSockets; i++)
        {
            if (process->SocketHandles[i] != 0) Close(process, (ulong)(FirstSocket + i));
        }
    }

    private static long ReadAddress(Process* process, ulong address, ulong length, out Ipv4Address ip, out ushort port)
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
        if ((sockaddr[0] | (sockaddr[1] << 8)) != AfInet) return -97;
        if (length < InetSize) return -Errno.EINVAL;
        port = (ushort)((sockaddr[2] << 8) | sockaddr[3]);
        ip = new Ipv4Address(sockaddr[4], sockaddr[5], sockaddr[6], sockaddr[7]);
        return 0;
    }

    private static long WriteAddress(Process* process, ulong address, ulong lengthPointer, Ipv4Address ip, ushort port)
    {
        if (address == 0) return 0;
        uint length;
        if (!UserMemory.CopyFrom(process->Space, lengthPointer, new Span<byte>(&length, 4))) return -Errno.EFAULT;
        byte* sockaddr = stackalloc byte[16];
        new Span<byte>(sockaddr, 16).Clear();
        sockaddr[0] = AfInet;
        sockaddr[2] = (byte)(port >> 8);
        sockaddr[3] = (byte)port;
        sockaddr[4] = (byte)(ip.Value >> 24); sockaddr[5] = (byte)(ip.Value >> 16); sockaddr[6] = (byte)(ip.Value >> 8); sockaddr[7] = (byte)ip.Value;
        uint stored = Math.Min(length, 16u);
        uint full = 16;
        return UserMemory.CopyTo(process->Space, address, new ReadOnlySpan<byte>(sockaddr, (int)stored)) &&
               UserMemory.CopyTo(process->Space, lengthPointer, new ReadOnlySpan<byte>(&full, 4)) ? 0 : -Errno.EFAULT;
    }

    internal static long Bind(Process* process, ulong descriptor, ulong address, ulong length)
    {
        int handle = Handle(process, descriptor, out _);
        if (handle < 0) return -Errno.EBADF;
        long error = ReadAddress(process, address, length, out Ipv4Address ip, out ushort port);
        if (error != 0) return error;
        NetworkStack.Lock();
        NetError result = NetworkStack.Interface.Bind(handle, ip, port);
        NetworkStack.Unlock();
        return -(long)result;
    }

    internal static long Listen(Process* process, ulong descriptor, ulong backlog)
    {
        int handle = Handle(process, descriptor, out _);
        if (handle < 0) return -Errno.EBADF;
        NetworkStack.Lock();
        NetError result = NetworkStack.Interface.Listen(handle, (int)Math.Min(backlog, 16UL));
        NetworkStack.Unlock();
        return -(long)result;
    }

    internal static long Accept(Process* process, ulong descriptor, ulong address, ulong lengthPointer)
    {
        int handle = Handle(process, descriptor, out int listenerSlot);
        if (handle < 0) return -Errno.EBADF;
        long reserved = ReserveSlot(process);
        if (reserved < 0) return reserved;
        int slot = (int)reserved;
        long result = AcceptInto(process, handle, listenerSlot, slot, address, lengthPointer);
        if (result < 0 && process->SocketHandles[slot] == 0) ResourceLimits.UnchargeSocket(process->CapsHandle);
        return result;
    }

    private static long AcceptInto(Process* process, int handle, int listenerSlot, int slot, ulong address, ulong lengthPointer)
    {
        while (true)
        {
            NetworkStack.Lock();
            int accepted = NetworkStack.Interface.Accept(handle, out Ipv4Address ip, out ushort port);
            NetworkStack.Unlock();
            if (accepted >= 0)
            {
                process->SocketHandles[slot] = accepted + 1;
                long stored = WriteAddress(process, address, lengthPointer, ip, port);
                return stored != 0 ? stored : FirstSocket + slot;
            }

            if (accepted != -(int)NetError.WouldBlock || IsNonBlocking(process, listenerSlot)) return accepted;
            if (!Wait(process)) return -Errno.ERESTARTSYS;
        }
    }

    internal static long Connect(Process* process, ulong descriptor, ulong address, ulong length)
    {
        int handle = Handle(process, descriptor, out int slot);
        if (handle < 0) return -Errno.EBADF;
        long error = ReadAddress(process, address, length, out Ipv4Address ip, out ushort port);
        if (error != 0) return error;
        NetworkStack.Lock();
        NetError result = NetworkStack.Interface.Connect(handle, ip, port, NetworkStack.NowMs);
        NetworkStack.Flush();
        NetworkStack.Unlock();
        if (result != NetError.None && result != NetError.InProgress) return -(long)result;
        if (IsNonBlocking(process, slot)) return -EINPROGRESS;
        while (true)
        {
            NetworkStack.Lock();
            TcpState state = NetworkStack.Interface.GetTcpState(handle);
            NetError pending = NetworkStack.Interface.PendingError(handle);
            NetworkStack.Unlock();
            if (pending != NetError.None) return -(long)pending;
            if (state == TcpState.Established || state == TcpState.CloseWait) return 0;
            if (state != TcpState.SynSent && state != TcpState.SynReceived) return -(long)NetError.ConnectionRefused;
            if (!Wait(process)) return -Errno.EINTR;
        }
    }

    internal static long Send(Process* process, ulong descriptor, ulong buffer, ulong length, ulong address, ulong addressLength)
    {
        int handle = Handle(process, descriptor, out int slot);
        if (handle < 0) return -Errno.EBADF;
        if (length > 65536) length = 65536;
        byte* data = (byte*)Memory.KernelMemory.Allocate((nuint)length + 1);
        if (data == null) return -Errno.ENOMEM;
        long result = UserMemory.CopyFrom(process->Space, buffer, new Span<byte>(data, (int)length)) ? 0 : -Errno.EFAULT;
        Ipv4Address ip = default;
        ushort port = 0;
        if (result == 0 && address != 0) result = ReadAddress(process, address, addressLength, out ip, out port);
        ulong sent = 0;
        while (result == 0)
        {
            NetworkStack.Lock();
            long n = address != 0
                ? NetworkStack.Interface.SendTo(handle, new ReadOnlySpan<byte>(data + sent, (int)(length - sent)), ip, port, NetworkStack.NowMs)
                : NetworkStack.Interface.Write(handle, new ReadOnlySpan<byte>(data + sent, (int)(length - sent)));
            NetworkStack.Flush();
            NetworkStack.Unlock();
            if (n > 0) sent += (ulong)n;
            if (n >= 0 && (sent == length || address != 0)) break;
            if (n < 0 && (n != -(long)NetError.WouldBlock || IsNonBlocking(process, slot)))
            {
                result = sent > 0 ? 0 : n;
                break;
            }

            if (!Wait(process))
            {
                result = sent > 0 ? 0 : -Errno.ERESTARTSYS;
                break;
            }
        }

        Memory.KernelMemory.Free(data);
        return result < 0 ? result : (long)sent;
    }

    internal static long Receive(Process* process, ulong descriptor, ulong buffer, ulong length, ulong address, ulong lengthPointer)
    {
        int handle = Handle(process, descriptor, out int slot);
        if (handle < 0) return -Errno.EBADF;
        if (length > 65536) length = 65536;
        if (!UserMemory.IsAccessible(process->Space, buffer, length, write: true)) return -Errno.EFAULT;
        byte* data = (byte*)Memory.KernelMemory.Allocate((nuint)length + 1);
        if (data == null) return -Errno.ENOMEM;
        long result;
        while (true)
        {
            Ipv4Address ip = default;
            ushort port = 0;
            NetworkStack.Lock();
            bool udp = IsUdp(process, slot);
            result = udp
                ? NetworkStack.Interface.ReceiveFrom(handle, new Span<byte>(data, (int)length), out ip, out port)
                : NetworkStack.Interface.Read(handle, new Span<byte>(data, (int)length));
            NetworkStack.Flush();
            NetworkStack.Unlock();
            if (result >= 0)
            {
                UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(data, (int)result));
                if (udp && address != 0)
                {
                    long stored = WriteAddress(process, address, lengthPointer, ip, port);
                    if (stored != 0) result = stored;
                }

                break;
            }

            if (result != -(long)NetError.WouldBlock || IsNonBlocking(process, slot)) break;
            if (!Wait(process))
            {
                result = -Errno.ERESTARTSYS;
                break;
            }
        }

        Memory.KernelMemory.Free(data);
        return result;
    }

    /// <summary>Sleeps until the network stack reports an event this thread has not seen
    /// (NetworkStack.WaitForSocketEvent); false when a signal should interrupt the call. The
    /// callers answer ERESTARTSYS (restarted under SA_RESTART, as Linux's accept, recv and
    /// send are), except connect: EINTR (a restarted connect would find the socket connecting).</summary>
    private static bool Wait(Process* process) => NetworkStack.WaitForSocketEvent(&CurrentHasSignal);

    private static bool CurrentHasSignal() => Process.HasDeliverableSignal(Process.Current);
}
