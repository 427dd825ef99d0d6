using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Net;
using Aurora.Kernel.Processes;
using Aurora.Net;

namespace Aurora.Kernel.Syscalls;

/// <summary>What setsockopt stored on a socket and its shutdown state. The stack does not act on
/// most options yet (it always sends at once, keeps its own buffer sizes, sends no keepalive
/// probes): they are kept and answered as Linux answers them, so servers that set them run.
/// SO_RCVTIMEO and SO_SNDTIMEO are honoured by the waits.</summary>
internal struct SocketOptions
{
    internal const int ReuseAddress = 1 << 0, ReusePort = 1 << 1, KeepAlive = 1 << 2, Broadcast = 1 << 3,
        OutOfBandInline = 1 << 4, DontRoute = 1 << 5, Linger = 1 << 6, NoDelay = 1 << 7,
        ShutRead = 1 << 8, ShutWrite = 1 << 9, ErrorReported = 1 << 10;
    /// <summary>The flags an accepted connection takes from its listener.</summary>
    private const int Inheritable = ReuseAddress | ReusePort | KeepAlive | Broadcast | OutOfBandInline | DontRoute | Linger | NoDelay;

    public int Flags;
    public int LingerSeconds;
    /// <summary>Milliseconds; <see cref="Tasks.WaitQueue.Forever"/> when none is set.</summary>
    public ulong ReceiveTimeoutMs, SendTimeoutMs;
    /// <summary>What SO_RCVBUF/SO_SNDBUF report (Linux: twice what was asked, within its bounds).</summary>
    public int ReceiveBuffer, SendBuffer;
    public int KeepIdleSeconds, KeepIntervalSeconds, KeepCount;
    public int TimeToLive, TypeOfService;

    /// <summary>A new socket's options: Linux 6.1's defaults (tcp_rmem/tcp_wmem middle values,
    /// rmem_default/wmem_default for UDP, keepalive 7200/75/9, TTL 64).</summary>
    internal static SocketOptions Defaults(bool udp)
    {
        SocketOptions o = default;
        o.ReceiveTimeoutMs = Tasks.WaitQueue.Forever;
        o.SendTimeoutMs = Tasks.WaitQueue.Forever;
        o.ReceiveBuffer = udp ? 212992 : 131072;
        o.SendBuffer = udp ? 212992 : 16384;
        o.KeepIdleSeconds = 7200;
        o.KeepIntervalSeconds = 75;
        o.KeepCount = 9;
        o.TimeToLive = 64;
        return o;
    }

    internal readonly SocketOptions Inherited()
    {
        SocketOptions o = this;
        o.Flags &= Inheritable;
        return o;
    }
}

/// <summary>setsockopt/getsockopt, getsockname/getpeername, shutdown and the socket ioctls, with
/// Linux's numbers, structures and errno.</summary>
internal static unsafe partial class SocketCalls
{
    private const int SolSocket = 1, IpProtoIp = 0, IpProtoTcp = 6;
    private const int SoDebug = 1, SoReuseaddr = 2, SoType = 3, SoError = 4, SoDontroute = 5, SoBroadcast = 6, SoSndbuf = 7,
        SoRcvbuf = 8, SoKeepalive = 9, SoOobinline = 10, SoLinger = 13, SoReuseport = 15, SoRcvtimeo = 20, SoSndtimeo = 21,
        SoAcceptconn = 30, SoProtocol = 38, SoDomain = 39;
    private const int TcpNodelay = 1, TcpKeepidle = 4, TcpKeepintvl = 5, TcpKeepcnt = 6;
    private const int IpTos = 1, IpTtl = 2;
    /// <summary>Linux's sysctl_rmem_max/wmem_max defaults and SOCK_MIN_RCVBUF/SNDBUF.</summary>
    private const int BufferMax = 212992, MinReceiveBuffer = 2304, MinSendBuffer = 4608;
    private const int Fionread = 0x541B, Fionbio = 0x5421, Siocoutq = 0x5411;

    internal static long SetOption(Process* process, ulong descriptor, ulong level, ulong name, ulong value, ulong length)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixSetOption(process, unix, (int)level, (int)name, value, length); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out _, out SocketObject* socket);
        if (error != 0) return error;
        ref SocketOptions o = ref socket->Options;
        int optionLength = (int)length;
        if (optionLength < 0) return -Errno.EINVAL;
        if ((int)level == SolSocket && ((int)name == SoLinger || (int)name == SoRcvtimeo || (int)name == SoSndtimeo))
            return SetStructOption(process, ref o, (int)name, value, optionLength);

        // Every other option here is an int: shorter is EINVAL, an unreadable one EFAULT.
        int v;
        if (optionLength < 4) return KnownOption(socket, (int)level, (int)name) ? -Errno.EINVAL : -Errno.ENOPROTOOPT;
        if (!UserMemory.CopyFrom(process->Space, value, new Span<byte>(&v, 4))) return -Errno.EFAULT;
        switch ((int)level)
        {
            case SolSocket:
                switch ((int)name)
                {
                    case SoReuseaddr: return SetFlag(ref o, SocketOptions.ReuseAddress, v);
                    case SoReuseport: return SetFlag(ref o, SocketOptions.ReusePort, v);
                    case SoKeepalive: return SetFlag(ref o, SocketOptions.KeepAlive, v);
                    case SoBroadcast: return SetFlag(ref o, SocketOptions.Broadcast, v);
                    case SoOobinline: return SetFlag(ref o, SocketOptions.OutOfBandInline, v);
                    case SoDontroute: return SetFlag(ref o, SocketOptions.DontRoute, v);
                    case SoRcvbuf:
                        o.ReceiveBuffer = Math.Max(Math.Min(v < 0 ? BufferMax : v, BufferMax) * 2, MinReceiveBuffer);
                        return 0;
                    case SoSndbuf:
                        o.SendBuffer = Math.Max(Math.Min(v < 0 ? BufferMax : v, BufferMax) * 2, MinSendBuffer);
                        return 0;
                    case SoDebug: return v != 0 && !process->Credentials.Privileged ? -Errno.EACCES : 0; // CAP_NET_ADMIN to turn on
                    case SoType: case SoError: case SoAcceptconn: case SoProtocol: case SoDomain: return -Errno.ENOPROTOOPT;
                    default: return -Errno.ENOPROTOOPT;
                }
            case IpProtoTcp when !socket->Udp:
                switch ((int)name)
                {
                    case TcpNodelay: return SetFlag(ref o, SocketOptions.NoDelay, v);
                    case TcpKeepidle:
                        if (v < 1 || v > 32767) return -Errno.EINVAL;
                        o.KeepIdleSeconds = v;
                        return 0;
                    case TcpKeepintvl:
                        if (v < 1 || v > 32767) return -Errno.EINVAL;
                        o.KeepIntervalSeconds = v;
                        return 0;
                    case TcpKeepcnt:
                        if (v < 1 || v > 127) return -Errno.EINVAL;
                        o.KeepCount = v;
                        return 0;
                    default: return -Errno.ENOPROTOOPT;
                }
            case IpProtoIp:
                switch ((int)name)
                {
                    case IpTtl:
                        if (v != -1 && (v < 1 || v > 255)) return -Errno.EINVAL;
                        o.TimeToLive = v == -1 ? 64 : v;
                        return 0;
                    case IpTos:
                        // TCP keeps its own ECN bits (Linux's __ip_sock_set_tos).
                        o.TypeOfService = socket->Udp ? (byte)v : ((byte)v & 0xFC) | (o.TypeOfService & 0x3);
                        return 0;
                    default: return -Errno.ENOPROTOOPT;
                }
            default:
                return -Errno.ENOPROTOOPT;
        }
    }

    /// <summary>Whether Linux knows the option (so a short value is EINVAL, not ENOPROTOOPT).</summary>
    private static bool KnownOption(SocketObject* socket, int level, int name) => level switch
    {
        SolSocket => name is SoReuseaddr or SoReuseport or SoKeepalive or SoBroadcast or SoOobinline or SoDontroute or SoRcvbuf or SoSndbuf or SoDebug,
        IpProtoTcp => !socket->Udp && name is TcpNodelay or TcpKeepidle or TcpKeepintvl or TcpKeepcnt,
        IpProtoIp => name is IpTtl or IpTos,
        _ => false,
    };

    private static long SetFlag(ref SocketOptions o, int flag, int value)
    {
        if (value != 0) o.Flags |= flag;
        else o.Flags &= ~flag;
        return 0;
    }

    /// <summary>SO_LINGER (struct linger, 8 bytes) and SO_RCVTIMEO/SO_SNDTIMEO (struct timeval, 16
    /// bytes): shorter is EINVAL; a timeval's microseconds outside 0..999999 are EDOM; a negative
    /// time is "do not wait", zero "wait forever" (Linux's sock_set_timeout).</summary>
    private static long SetStructOption(Process* process, ref SocketOptions o, int name, ulong value, int length)
    {
        if (name == SoLinger)
        {
            int* linger = stackalloc int[2];
            if (length < 8) return -Errno.EINVAL;
            if (!UserMemory.CopyFrom(process->Space, value, new Span<byte>(linger, 8))) return -Errno.EFAULT;
            SetFlag(ref o, SocketOptions.Linger, linger[0]);
            o.LingerSeconds = linger[1];
            return 0;
        }

        long* time = stackalloc long[2];
        if (length < 16) return -Errno.EINVAL;
        if (!UserMemory.CopyFrom(process->Space, value, new Span<byte>(time, 16))) return -Errno.EFAULT;
        if (time[1] < 0 || time[1] >= 1_000_000) return -Errno.EDOM;
        ulong ms;
        if (time[0] < 0) ms = 0;
        else if (time[0] == 0 && time[1] == 0) ms = Tasks.WaitQueue.Forever;
        else ms = (ulong)Math.Min(time[0], long.MaxValue / 2000) * 1000 + (ulong)(time[1] + 999) / 1000;
        if (name == SoRcvtimeo) o.ReceiveTimeoutMs = ms;
        else o.SendTimeoutMs = ms;
        return 0;
    }

    internal static long GetOption(Process* process, ulong descriptor, ulong level, ulong name, ulong value, ulong lengthPointer)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixGetOption(process, unix, (int)level, (int)name, value, lengthPointer); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out _, out SocketObject* socket);
        if (error != 0) return error;
        int length;
        if (!UserMemory.CopyFrom(process->Space, lengthPointer, new Span<byte>(&length, 4))) return -Errno.EFAULT;
        if (length < 0) return -Errno.EINVAL;
        ref SocketOptions o = ref socket->Options;
        long* answer = stackalloc long[2];
        answer[0] = answer[1] = 0;
        int* word = (int*)answer;
        int size = 4;
        switch ((int)level)
        {
            case SolSocket:
                switch ((int)name)
                {
                    case SoReuseaddr: *word = Flag(o, SocketOptions.ReuseAddress); break;
                    case SoReuseport: *word = Flag(o, SocketOptions.ReusePort); break;
                    case SoKeepalive: *word = Flag(o, SocketOptions.KeepAlive); break;
                    case SoBroadcast: *word = Flag(o, SocketOptions.Broadcast); break;
                    case SoOobinline: *word = Flag(o, SocketOptions.OutOfBandInline); break;
                    case SoDontroute: *word = Flag(o, SocketOptions.DontRoute); break;
                    case SoDebug: *word = 0; break;
                    case SoRcvbuf: *word = o.ReceiveBuffer; break;
                    case SoSndbuf: *word = o.SendBuffer; break;
                    case SoType: *word = socket->Udp ? SockDgram : SockStream; break;
                    case SoDomain: *word = AfInet; break;
                    case SoProtocol: *word = socket->Udp ? 17 : 6; break;
                    case SoAcceptconn:
                        NetworkStack.Lock();
                        *word = !socket->Udp && NetworkStack.Interface.GetTcpState(socket->Handle) == TcpState.Listen ? 1 : 0;
                        NetworkStack.Unlock();
                        break;
                    case SoError:
                        // Reported once, as Linux's sock_error clears sk_err.
                        NetworkStack.Lock();
                        NetError pending = socket->Udp ? NetworkStack.Interface.TakeError(socket->Handle) // ICMP errors come and go
                            : NetworkStack.Interface.PendingError(socket->Handle);
                        NetworkStack.Unlock();
                        if (socket->Udp) *word = (int)pending;
                        else if ((o.Flags & SocketOptions.ErrorReported) == 0 && pending != NetError.None)
                        {
                            *word = (int)pending;
                            o.Flags |= SocketOptions.ErrorReported;
                        }

                        break;
                    case SoLinger:
                        word[0] = Flag(o, SocketOptions.Linger);
                        word[1] = o.LingerSeconds;
                        size = 8;
                        break;
                    case SoRcvtimeo:
                    case SoSndtimeo:
                        ulong ms = (int)name == SoRcvtimeo ? o.ReceiveTimeoutMs : o.SendTimeoutMs;
                        if (ms != Tasks.WaitQueue.Forever)
                        {
                            answer[0] = (long)(ms / 1000);
                            answer[1] = (long)(ms % 1000) * 1000;
                        }

                        size = 16;
                        break;
                    default: return -Errno.ENOPROTOOPT;
                }

                break;
            case IpProtoTcp when !socket->Udp:
                switch ((int)name)
                {
                    case TcpNodelay: *word = Flag(o, SocketOptions.NoDelay); break;
                    case TcpKeepidle: *word = o.KeepIdleSeconds; break;
                    case TcpKeepintvl: *word = o.KeepIntervalSeconds; break;
                    case TcpKeepcnt: *word = o.KeepCount; break;
                    default: return -Errno.ENOPROTOOPT;
                }

                break;
            case IpProtoIp:
                switch ((int)name)
                {
                    case IpTtl: *word = o.TimeToLive; break;
                    case IpTos: *word = o.TypeOfService; break;
                    default: return -Errno.ENOPROTOOPT;
                }

                break;
            default:
                return -Errno.EOPNOTSUPP; // Linux's ip_getsockopt for a level it does not know
        }

        // As Linux: as much of the value as the caller has room for, and that length back.
        int stored = Math.Min(length, size);
        return UserMemory.CopyTo(process->Space, value, new ReadOnlySpan<byte>(answer, stored)) &&
               UserMemory.CopyTo(process->Space, lengthPointer, new ReadOnlySpan<byte>(&stored, 4)) ? 0 : -Errno.EFAULT;
    }

    private static int Flag(in SocketOptions o, int flag) => (o.Flags & flag) != 0 ? 1 : 0;

    /// <summary>getsockname(2): the local address and port (0.0.0.0:0 before bind).</summary>
    internal static long GetSocketName(Process* process, ulong descriptor, ulong address, ulong lengthPointer)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixSocketName(process, unix, address, lengthPointer, peer: false); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out _, out SocketObject* socket);
        if (error != 0) return error;
        NetworkStack.Lock();
        NetError result = NetworkStack.Interface.GetLocalEndpoint(socket->Handle, out Ipv4Address ip, out ushort port);
        NetworkStack.Unlock();
        if (result != NetError.None) return -(long)result;
        if (address == 0) return -Errno.EFAULT;
        return WriteAddress(process, address, lengthPointer, ip, port);
    }

    /// <summary>getpeername(2): the connected peer; ENOTCONN unless connected (Linux's
    /// inet_getname: not while connecting, not after the connection closed).</summary>
    internal static long GetPeerName(Process* process, ulong descriptor, ulong address, ulong lengthPointer)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixSocketName(process, unix, address, lengthPointer, peer: true); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out _, out SocketObject* socket);
        if (error != 0) return error;
        NetworkStack.Lock();
        NetError result = NetworkStack.Interface.GetRemoteEndpoint(socket->Handle, out Ipv4Address ip, out ushort port);
        TcpState state = NetworkStack.Interface.GetTcpState(socket->Handle);
        NetworkStack.Unlock();
        if (result == NetError.None && !socket->Udp && (state == TcpState.Closed || state == TcpState.SynSent)) result = NetError.NotConnected;
        if (result != NetError.None) return -(long)result;
        if (address == 0) return -Errno.EFAULT;
        return WriteAddress(process, address, lengthPointer, ip, port);
    }

    /// <summary>shutdown(2): SHUT_RD (0) ends reading (reads return 0 once the queue is empty),
    /// SHUT_WR (1) sends a FIN (writes are EPIPE), SHUT_RDWR (2) both; any other value is EINVAL,
    /// a socket that is not connected ENOTCONN.</summary>
    internal static long Shutdown(Process* process, ulong descriptor, ulong how)
    {
        if (UnixOf(process, descriptor, out OpenFileDescription* unixFile) is var unix && unix != null) return UnixShutdown(unix, (int)how); // AF_UNIX: SocketCalls.Unix.cs
        long error = Lookup(process, descriptor, out _, out SocketObject* socket);
        if (error != 0) return error;
        int mode = (int)how;
        if (mode < 0 || mode > 2) return -Errno.EINVAL;
        NetworkStack.Lock();
        NetError result;
        if (mode != 0)
        {
            result = NetworkStack.Interface.ShutdownWrite(socket->Handle);
        }
        else
        {
            TcpState state = NetworkStack.Interface.GetTcpState(socket->Handle);
            result = socket->Udp || state == TcpState.Closed || state == TcpState.SynSent ? NetError.NotConnected : NetError.None;
        }

        NetworkStack.Flush();
        NetworkStack.Unlock();
        if (result != NetError.None) return -(long)result;
        if (mode != 1) socket->Options.Flags |= SocketOptions.ShutRead;
        if (mode != 0) socket->Options.Flags |= SocketOptions.ShutWrite;
        NetworkStack.Kick(); // readers asleep on this socket look again (a shut down read ends)
        return 0;
    }

    /// <summary>FIONREAD/SIOCINQ (bytes ready to read; a datagram's length), SIOCOUTQ (bytes
    /// not yet acknowledged), FIONBIO (O_NONBLOCK on the description); others ENOTTY.</summary>
    private static long IoctlOperation(OpenFileDescription* description, Process* process, ulong request, ulong argument)
    {
        var socket = (SocketObject*)description->Object;
        int value;
        switch ((int)request)
        {
            case Fionread:
            case Siocoutq:
                NetworkStack.Lock();
                long count = (int)request == Fionread
                    ? NetworkStack.Interface.ReadableBytes(socket->Handle)
                    : NetworkStack.Interface.UnacknowledgedBytes(socket->Handle);
                NetworkStack.Unlock();
                if (count < 0) return count;
                value = (int)count;
                return UserMemory.CopyTo(process->Space, argument, new ReadOnlySpan<byte>(&value, 4)) ? 0 : -Errno.EFAULT;
            case Fionbio:
                if (!UserMemory.CopyFrom(process->Space, argument, new Span<byte>(&value, 4))) return -Errno.EFAULT;
                if (value != 0) description->StatusFlags |= OpenFileDescription.NonBlocking;
                else description->StatusFlags &= ~OpenFileDescription.NonBlocking;
                return 0;
            default:
                return -Errno.ENOTTY;
        }
    }
}
