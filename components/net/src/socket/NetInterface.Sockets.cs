using System;

namespace Aurora.Net;

/// <summary>The socket table: handles, ports, close, readiness (both protocols).</summary>
public unsafe partial struct NetInterface<TMemory>
{
    /// <summary>The IANA dynamic port range (RFC 6335 §6), used for automatic binding.</summary>
    private const ushort EphemeralFirst = 49152;
    private const ushort EphemeralLast = 65535;
    /// <summary>Largest UDP payload in one unfragmented packet on a 1500-byte MTU.</summary>
    public const int MaxDatagramSize = 1500 - Ipv4Packet.HeaderLength - UdpDatagram.HeaderLength;

    /// <summary>A new UDP socket's handle, or -ENOBUFS (table at its bound, or no memory to grow it).</summary>
    public int OpenUdp()
    {
        int h = FreeSlot();
        if (h < 0)
        {
            return -(int)NetError.NoBufferSpace;
        }

        Claim(h);
        SocketSlot* s = _sockets + h;
        // The receive queue comes with the first datagram (as Linux charges buffers only for
        // what is queued), so ten thousand idle sockets cost their slots alone.
        s->Kind = SocketKind.Udp;
        s->UserOwned = true;
        s->Parent = -1;
        return h;
    }

    /// <summary>A new TCP socket's handle (CLOSED, unbound), or -ENOBUFS when the table is full.</summary>
    public int OpenTcp()
    {
        int h = FreeSlot();
        if (h < 0)
        {
            return -(int)NetError.NoBufferSpace;
        }

        Claim(h);
        SocketSlot* s = _sockets + h;
        s->Kind = SocketKind.Tcp;
        s->UserOwned = true;
        s->Parent = -1;
        s->Tcp.State = TcpState.Closed;
        return h;
    }

    /// <summary>
    /// Gives the handle back. UDP and unconnected TCP sockets go at once; a listener resets its
    /// unaccepted connections; a connection with unread data is reset (RFC 2525 §2.17, as Linux
    /// does); otherwise a FIN is queued after the unsent data and the connection finishes
    /// (FIN-WAIT, TIME-WAIT) without the handle, which is reused only after that.
    /// </summary>
    public NetError Close(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return NetError.BadHandle;
        }

        if (s->Kind == SocketKind.Udp)
        {
            FreeSocket(handle);
            return NetError.None;
        }

        s->UserOwned = false;
        switch (s->Tcp.State)
        {
            case TcpState.Listen:
                for (int i = 0; i < _socketEnd; i++)
                {
                    if (_sockets[i].Kind == SocketKind.Tcp && _sockets[i].Parent == handle)
                    {
                        AbortConnection(i);
                    }
                }

                FreeSocket(handle);
                break;
            case TcpState.Established:
            case TcpState.CloseWait:
            case TcpState.SynReceived:
                if (s->Tcp.Rx.Count > 0)
                {
                    AbortConnection(handle);
                }
                else
                {
                    s->Tcp.QueueFin();
                }

                break;
            default:
                FreeSocket(handle);
                break;
        }

        return NetError.None;
    }

    /// <summary>close(2) with SO_LINGER on and a zero time (Linux's abortive close): a
    /// connection is reset at once (RST, no FIN, no TIME-WAIT) and its handle freed; anything
    /// else closes as <see cref="Close"/>.</summary>
    public NetError Abort(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return NetError.BadHandle;
        }

        if (s->Kind != SocketKind.Tcp || s->Tcp.State == TcpState.Listen || s->Tcp.State == TcpState.Closed)
        {
            return Close(handle);
        }

        AbortConnection(handle);
        return NetError.None;
    }

    /// <summary>bind(2): <paramref name="address"/> is unspecified or the interface's own;
    /// port 0 picks a free one from 49152–65535. EINVAL if already bound, EADDRINUSE if taken.</summary>
    public NetError Bind(int handle, Ipv4Address address, ushort port)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return NetError.BadHandle;
        }

        if (!address.IsUnspecified && address.Value != _config.Address.Value && !IsLoopbackNet(address))
        {
            return NetError.AddressNotAvailable;
        }

        if (LocalPortOf(s) != 0 || (s->Kind == SocketKind.Tcp && s->Tcp.State != TcpState.Closed))
        {
            return NetError.InvalidArgument;
        }

        if (port == 0)
        {
            port = EphemeralPort(s->Kind);
            if (port == 0)
            {
                return NetError.AddressInUse;
            }
        }
        else if (PortTaken(s->Kind, port, handle))
        {
            return NetError.AddressInUse;
        }

        if (s->Kind == SocketKind.Udp)
        {
            s->Udp.LocalAddress = address;
            s->Udp.LocalPort = port;
        }
        else
        {
            s->Tcp.LocalAddress = address;
            s->Tcp.LocalPort = port;
        }

        return NetError.None;
    }

    /// <summary>getsockname(2).</summary>
    public readonly NetError GetLocalEndpoint(int handle, out Ipv4Address address, out ushort port)
    {
        SocketSlot* s = UserSlot(handle);
        address = default;
        port = 0;
        if (s == null)
        {
            return NetError.BadHandle;
        }

        address = s->Kind == SocketKind.Udp ? s->Udp.LocalAddress : s->Tcp.LocalAddress;
        port = LocalPortOf(s);
        return NetError.None;
    }

    /// <summary>getpeername(2): ENOTCONN unless a TCP connection is (or was) set up.</summary>
    public readonly NetError GetRemoteEndpoint(int handle, out Ipv4Address address, out ushort port)
    {
        SocketSlot* s = UserSlot(handle);
        address = default;
        port = 0;
        if (s == null)
        {
            return NetError.BadHandle;
        }

        if (s->Kind == SocketKind.Udp)
        {
            if (s->Udp.RemotePort == 0)
            {
                return NetError.NotConnected;
            }

            address = s->Udp.RemoteAddress;
            port = s->Udp.RemotePort;
            return NetError.None;
        }

        if (s->Kind != SocketKind.Tcp || s->Tcp.RemotePort == 0)
        {
            return NetError.NotConnected;
        }

        address = s->Tcp.RemoteAddress;
        port = s->Tcp.RemotePort;
        return NetError.None;
    }

    /// <summary>Readiness as poll(2) bits (<see cref="SocketEvents"/>); 0 for a bad handle.</summary>
    public readonly int Events(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return 0;
        }

        if (s->Kind == SocketKind.Udp)
        {
            return SocketEvents.Writable | (s->Udp.Rx.Count > 0 || s->Udp.Error != NetError.None ? SocketEvents.Readable : 0);
        }

        int events = 0;
        ref TcpSocket tcp = ref s->Tcp;
        if (tcp.State == TcpState.Listen)
        {
            return AcceptableChild(handle) >= 0 ? SocketEvents.Readable : 0;
        }

        if (tcp.Rx.Count > 0 || tcp.FinReceived || tcp.Error != NetError.None)
        {
            events |= SocketEvents.Readable;
        }

        if (tcp.CanSend && tcp.Tx.Free > 0)
        {
            events |= SocketEvents.Writable;
        }

        if (tcp.Error != NetError.None)
        {
            events |= SocketEvents.Error | SocketEvents.HangUp;
        }
        else if (tcp.State == TcpState.Closed)
        {
            events |= SocketEvents.HangUp;
        }

        return events;
    }

    /// <summary>SO_ERROR: the error that ended the connection (refused, reset, timed out,
    /// unreachable), or None. It stays set: reads and writes keep returning it.</summary>
    public readonly NetError PendingError(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        return s == null ? NetError.BadHandle : s->Kind == SocketKind.Tcp ? s->Tcp.Error : s->Udp.Error;
    }

    /// <summary>SO_ERROR: <see cref="PendingError"/>, cleared when it can come again (a UDP
    /// socket's ICMP error, as Linux's sock_error); a TCP connection's error stays (it ended).</summary>
    public NetError TakeError(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null || s->Kind != SocketKind.Udp)
        {
            return PendingError(handle);
        }

        NetError error = s->Udp.Error;
        s->Udp.Error = NetError.None;
        return error;
    }

    /// <summary>Open sockets, lingering TCP connections included.</summary>
    public readonly int SocketsInUse
    {
        get
        {
            int n = 0;
            for (int i = 0; _initialized && i < _socketEnd; i++)
            {
                if (_sockets[i].Kind != SocketKind.Free) n++;
            }

            return n;
        }
    }

    private readonly SocketSlot* UserSlot(int handle)
    {
        if (!_initialized || handle < 0 || handle >= _socketEnd)
        {
            return null;
        }

        SocketSlot* s = _sockets + handle;
        return s->Kind != SocketKind.Free && s->UserOwned ? s : null;
    }

    /// <summary>Slot <paramref name="h"/> is about to be used: the loops over sockets (each poll's
    /// timers and output, every segment's lookup) stop at <see cref="_socketEnd"/>, the end of the
    /// slots ever used, instead of the whole table (issue 17: a loopback round trip walked the
    /// 1024 slots several times, 150,000 instructions).</summary>
    private void Claim(int h)
    {
        if (h >= _socketEnd) _socketEnd = h + 1;
    }

    /// <summary>The lowest free slot, growing the table when every slot is taken; -1 when it is
    /// at <see cref="InterfaceConfig.SocketCapacity"/> or memory ran out. The table may move:
    /// callers take slot pointers only after this.</summary>
    private int FreeSlot()
    {
        if (!_initialized)
        {
            return -1;
        }

        for (int i = _freeHint; i < _socketSlots; i++)
        {
            if (_sockets[i].Kind == SocketKind.Free)
            {
                _freeHint = i;
                return i;
            }
        }

        int found = _socketSlots;
        if (found >= _config.SocketCapacity || !ResizeSocketTable((int)Math.Min(2L * _socketSlots, _config.SocketCapacity)))
        {
            return -1;
        }

        _freeHint = found;
        return found;
    }

    /// <summary>Moves the table to one of <paramref name="slots"/> slots (at least
    /// <see cref="_socketEnd"/>); handles are indexes, so they stay valid. False (table unchanged)
    /// when memory ran out.</summary>
    private bool ResizeSocketTable(int slots)
    {
        var table = (SocketSlot*)_memory.Allocate((nuint)(sizeof(SocketSlot) * slots));
        if (table == null)
        {
            return false;
        }

        int keep = Math.Min(_socketEnd, slots);
        new ReadOnlySpan<byte>(_sockets, sizeof(SocketSlot) * keep).CopyTo(new Span<byte>(table, sizeof(SocketSlot) * keep));
        new Span<byte>(table + keep, sizeof(SocketSlot) * (slots - keep)).Clear();
        _memory.Free(_sockets);
        _sockets = table;
        _socketSlots = slots;
        return true;
    }

    /// <summary>At the start of a poll (no slot pointer is held then): lowers
    /// <see cref="_socketEnd"/> past free slots at the end and halves the table while its used
    /// part fits in a quarter, so the memory of a burst of sockets comes back once they close.</summary>
    private void ShrinkSocketTable()
    {
        while (_socketEnd > 0 && _sockets[_socketEnd - 1].Kind == SocketKind.Free)
        {
            _socketEnd--;
        }

        while (_socketSlots > InitialSocketSlots && _socketEnd <= _socketSlots / 4)
        {
            if (!ResizeSocketTable(_socketSlots / 2))
            {
                return;
            }
        }

        if (_freeHint > _socketSlots) _freeHint = _socketSlots;
    }

    /// <summary>Slots the table holds now (it grows and shrinks with the sockets in use).</summary>
    public readonly int SocketTableSlots => _socketSlots;

    private static ushort LocalPortOf(SocketSlot* s) => s->Kind == SocketKind.Udp ? s->Udp.LocalPort : s->Tcp.LocalPort;

    /// <summary>A bind conflict: another UDP socket on the port, or a TCP socket the caller holds
    /// on it that is not a connection (listening, bound, connecting). Connections and lingering
    /// sockets do not block a new listener, as with SO_REUSEADDR.</summary>
    private readonly bool PortTaken(SocketKind kind, ushort port, int except)
    {
        for (int i = 0; i < _socketEnd; i++)
        {
            SocketSlot* o = _sockets + i;
            if (i == except || o->Kind != kind || LocalPortOf(o) != port)
            {
                continue;
            }

            if (kind == SocketKind.Udp || (o->UserOwned && !o->Tcp.IsSynchronized))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A port in the dynamic range no socket of the kind uses, or 0.</summary>
    private ushort EphemeralPort(SocketKind kind)
    {
        for (int tries = 0; tries <= EphemeralLast - EphemeralFirst; tries++)
        {
            ushort port = _nextEphemeral;
            _nextEphemeral = _nextEphemeral == EphemeralLast ? EphemeralFirst : (ushort)(_nextEphemeral + 1);
            bool used = false;
            for (int i = 0; i < _socketEnd && !used; i++)
            {
                used = _sockets[i].Kind == kind && LocalPortOf(_sockets + i) == port;
            }

            if (!used)
            {
                return port;
            }
        }

        return 0;
    }

    private void FreeSocket(int handle)
    {
        SocketSlot* s = _sockets + handle;
        // What autotuning added to this socket's buffers goes back to the budget.
        if (s->Tcp.Tx.Data != null) _autotuneBytes -= Math.Max(0, s->Tcp.Tx.Capacity - _config.TcpSendBufferSize);
        if (s->Tcp.Rx.Data != null) _autotuneBytes -= Math.Max(0, s->Tcp.Rx.Capacity - _config.TcpReceiveBufferSize);
        s->Udp.Rx.Release(ref _memory);
        s->Tcp.Tx.Release(ref _memory);
        s->Tcp.Rx.Release(ref _memory);
        *s = default;
        if (handle < _freeHint) _freeHint = handle;
    }

    /// <summary>
    /// A TIME-WAIT connection nobody holds keeps only its sequence numbers and its timer: every
    /// byte sent was acknowledged (our FIN included) and nobody will read, so its buffers go back
    /// now instead of 2 s later, as Linux swaps such a socket for a small inet_timewait_sock.
    /// Issue 13: a server answering one request per connection otherwise held 192 KiB for each
    /// of the ~200 connections of the last 2 s, so the first 40 MB of requests each took fresh
    /// memory; in QEMU every fresh 2 MiB of guest memory stalled the guest ~5 ms (the host
    /// backing it), one request in ten. Its ACKs now offer a zero window: it takes no data.
    /// </summary>
    private void ReleaseLingeringBuffers(SocketSlot* s)
    {
        if (s->Tcp.Rx.Data == null && s->Tcp.Tx.Data == null) return;
        _autotuneBytes -= Math.Max(0, s->Tcp.Tx.Capacity - _config.TcpSendBufferSize);
        _autotuneBytes -= Math.Max(0, s->Tcp.Rx.Capacity - _config.TcpReceiveBufferSize);
        s->Tcp.Tx.Release(ref _memory);
        s->Tcp.Rx.Release(ref _memory);
        s->Tcp.OutOfOrder.Clear();
    }

    /// <summary>Frees a CLOSED TCP socket nobody holds: closed by the caller, or never accepted.</summary>
    private void ReleaseIfUnowned(int handle)
    {
        SocketSlot* s = _sockets + handle;
        if (s->Kind == SocketKind.Tcp && s->Tcp.State == TcpState.Closed && !s->UserOwned)
        {
            FreeSocket(handle);
        }
    }

    /// <summary>Sends RST (RFC 9293 §3.10.4 ABORT) and frees the connection.</summary>
    private void AbortConnection(int handle)
    {
        SocketSlot* s = _sockets + handle;
        if (s->Tcp.State != TcpState.SynSent && s->Tcp.State != TcpState.Closed && s->Tcp.State != TcpState.Listen)
        {
            QueueReset(s->Tcp.LocalAddress, s->Tcp.RemoteAddress, s->Tcp.LocalPort, s->Tcp.RemotePort, s->Tcp.SndNxt,
                s->Tcp.RcvNxt, TcpFlags.Rst | TcpFlags.Ack, _now);
        }

        FreeSocket(handle);
    }
}
