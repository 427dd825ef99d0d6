using System;

namespace Aurora.Net;

/// <summary>TCP sockets: connect, listen/accept, read/write, and segment demultiplexing.</summary>
public unsafe partial struct NetInterface<TMemory>
{
    /// <summary>Largest listen backlog: established connections not yet accepted (Linux's SOMAXCONN is 4096).</summary>
    public const int MaxBacklog = 128;

    /// <summary>Half-open (SYN-RECEIVED) connections one listener keeps at a time.</summary>
    public const int SynQueueLimit = 128;

    /// <summary>
    /// connect(2), non-blocking: binds to an ephemeral port if needed and queues the SYN for the
    /// next poll. Returns EINPROGRESS; the result shows in <see cref="GetTcpState"/> (ESTABLISHED)
    /// or <see cref="PendingError"/> (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH). EALREADY while
    /// connecting, EISCONN once connected, EINVAL on a listener or an unspecified address/port.
    /// </summary>
    public NetError Connect(int handle, Ipv4Address address, ushort port, ulong nowMs)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return NetError.BadHandle;
        }

        if (s->Kind == SocketKind.Udp)
        {
            return ConnectUdp(s, handle, address, port);
        }

        if (s->Kind != SocketKind.Tcp)
        {
            return NetError.NotSupported;
        }

        switch (s->Tcp.State)
        {
            case TcpState.Closed:
                break;
            case TcpState.SynSent:
            case TcpState.SynReceived:
                return NetError.Already;
            case TcpState.Listen:
                return NetError.InvalidArgument;
            default:
                return NetError.AlreadyConnected;
        }

        if (s->Tcp.RemotePort != 0)
        {
            // A connection that ended (refused, reset, closed) is not restarted on the same socket.
            return s->Tcp.Error != NetError.None ? s->Tcp.Error : NetError.AlreadyConnected;
        }

        if (address.IsUnspecified || address.IsBroadcast || address.IsMulticast || IsSubnetBroadcast(address) || port == 0)
        {
            return NetError.InvalidArgument;
        }

        if (!Route(address, out _))
        {
            return NetError.HostUnreachable;
        }

        if (s->Tcp.LocalPort == 0)
        {
            ushort local = EphemeralPort(SocketKind.Tcp);
            if (local == 0)
            {
                return NetError.AddressInUse;
            }

            s->Tcp.LocalPort = local;
        }

        if (!AllocateBuffers(s))
        {
            return NetError.NoMemory;
        }

        s->Tcp.LocalAddress = SourceFor(address);
        s->Tcp.RemoteAddress = address;
        s->Tcp.RemotePort = port;
        s->Tcp.Open(TcpState.SynSent, InitialSequence(s->Tcp.LocalPort, address, port, nowMs), _config.InitialRtoMs);
        return NetError.InProgress;
    }

    /// <summary>listen(2): binds to an ephemeral port if unbound; backlog clamped to 1..<see cref="MaxBacklog"/>.</summary>
    public NetError Listen(int handle, int backlog)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return NetError.BadHandle;
        }

        if (s->Kind != SocketKind.Tcp)
        {
            return NetError.NotSupported;
        }

        if (s->Tcp.State != TcpState.Closed && s->Tcp.State != TcpState.Listen || s->Tcp.RemotePort != 0)
        {
            return NetError.InvalidArgument;
        }

        if (s->Tcp.LocalPort == 0)
        {
            NetError bound = Bind(handle, Ipv4Address.Any, 0);
            if (bound != NetError.None)
            {
                return bound;
            }
        }

        s->Backlog = Math.Max(1, Math.Min(backlog, MaxBacklog));
        s->Tcp.State = TcpState.Listen;
        return NetError.None;
    }

    /// <summary>accept(2): the oldest established connection of the listener as a new handle,
    /// or -EAGAIN; -EINVAL if the socket is not listening.</summary>
    public int Accept(int handle, out Ipv4Address remoteAddress, out ushort remotePort)
    {
        remoteAddress = default;
        remotePort = 0;
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return -(int)NetError.BadHandle;
        }

        if (s->Kind != SocketKind.Tcp)
        {
            return -(int)NetError.NotSupported;
        }

        if (s->Tcp.State != TcpState.Listen)
        {
            return -(int)NetError.InvalidArgument;
        }

        int child = AcceptableChild(handle);
        if (child < 0)
        {
            return -(int)NetError.WouldBlock;
        }

        SocketSlot* c = _sockets + child;
        c->Parent = -1;
        c->UserOwned = true;
        remoteAddress = c->Tcp.RemoteAddress;
        remotePort = c->Tcp.RemotePort;
        return child;
    }

    /// <summary>send(2)/write(2) on a TCP socket: copies what fits in the send buffer. Returns the
    /// bytes taken, -EAGAIN (buffer full, or still connecting), -ENOTCONN, -EPIPE after our FIN,
    /// or the connection's error (-ECONNRESET, -ETIMEDOUT …).</summary>
    public long Write(int handle, ReadOnlySpan<byte> data)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return -(long)NetError.BadHandle;
        }

        if (s->Kind == SocketKind.Udp)
        {
            // A UDP socket sends to its connected peer; without one there is nowhere (EDESTADDRREQ).
            return s->Udp.RemotePort == 0 ? -(long)NetError.DestinationAddressRequired
                : SendTo(handle, data, s->Udp.RemoteAddress, s->Udp.RemotePort, _now);
        }

        ref TcpSocket tcp = ref s->Tcp;
        if (tcp.Error != NetError.None)
        {
            return -(long)tcp.Error;
        }

        switch (tcp.State)
        {
            case TcpState.Established:
            case TcpState.CloseWait:
                if (data.IsEmpty)
                {
                    return 0;
                }

                int taken = tcp.Tx.Write(data);
                if (taken < data.Length && tcp.Tx.Capacity < _config.TcpSendBufferMax &&
                    tcp.SndMax - tcp.SndUna >= (uint)tcp.Tx.Capacity / 2)
                {
                    // Send buffer autotuning: half the buffer is in flight, so the network takes
                    // as much as the buffer holds; a larger one has the next data ready when an
                    // ACK opens the window, instead of waiting for the writer to be woken.
                    if (Grow(ref tcp.Tx, _config.TcpSendBufferMax)) _stats.TcpSendBuffersGrown++;
                    taken += tcp.Tx.Write(data.Slice(taken));
                }

                return taken > 0 ? taken : -(long)NetError.WouldBlock;
            case TcpState.SynSent:
            case TcpState.SynReceived:
                return -(long)NetError.WouldBlock;
            case TcpState.Closed:
                return tcp.RemotePort != 0 ? -(long)NetError.BrokenPipe : -(long)NetError.NotConnected;
            case TcpState.Listen:
                return -(long)NetError.NotConnected;
            default:
                return -(long)NetError.BrokenPipe;
        }
    }

    /// <summary>recv(2)/read(2) on a TCP socket (or a UDP one, without the source): bytes read,
    /// 0 at end of stream (the peer's FIN), -EAGAIN, -ENOTCONN, or the connection's error.</summary>
    public long Read(int handle, Span<byte> buffer) => Read(handle, buffer, peek: false);

    /// <summary><see cref="Read(int, Span{byte})"/>; with <paramref name="peek"/> (MSG_PEEK) the
    /// bytes stay queued for the next read.</summary>
    public long Read(int handle, Span<byte> buffer, bool peek)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return -(long)NetError.BadHandle;
        }

        if (s->Kind == SocketKind.Udp)
        {
            return ReceiveFrom(handle, buffer, out _, out _, peek);
        }

        ref TcpSocket tcp = ref s->Tcp;
        if (tcp.Rx.Count > 0)
        {
            if (!peek)
            {
                int read = buffer.IsEmpty ? 0 : tcp.Rx.Read(buffer);
                int want = tcp.Consumed(read, _now);
                if (want > 0)
                {
                    // Doubled until it holds what the reader took in one round trip, twice over.
                    while (tcp.Rx.Capacity < want && Grow(ref tcp.Rx, tcp.RcvBufferMax)) _stats.TcpReceiveBuffersGrown++;
                }

                return read;
            }

            int n = Math.Min(buffer.Length, tcp.Rx.Count);
            tcp.Rx.Peek(0, buffer.Slice(0, n));
            return n;
        }

        if (tcp.Error != NetError.None)
        {
            return -(long)tcp.Error;
        }

        if (tcp.FinReceived)
        {
            return 0;
        }

        switch (tcp.State)
        {
            case TcpState.SynSent:
            case TcpState.SynReceived:
            case TcpState.Established:
            case TcpState.FinWait1:
            case TcpState.FinWait2:
                return -(long)NetError.WouldBlock;
            case TcpState.Closed:
                return tcp.RemotePort != 0 ? 0 : -(long)NetError.NotConnected;
            default:
                return -(long)NetError.NotConnected;
        }
    }

    /// <summary>shutdown(2) for writing (SHUT_WR, SHUT_RDWR): a FIN after the unsent data, as
    /// close would, but the handle stays open and can still read. ENOTCONN on a socket that is
    /// not connected (CLOSED, connecting, or UDP); nothing on a listener or a connection whose
    /// FIN is already queued. Reading is shut down by the caller (it stops reading).</summary>
    public NetError ShutdownWrite(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return NetError.BadHandle;
        }

        if (s->Kind != SocketKind.Tcp)
        {
            return NetError.NotConnected;
        }

        switch (s->Tcp.State)
        {
            case TcpState.Established:
            case TcpState.CloseWait:
                s->Tcp.QueueFin();
                return NetError.None;
            case TcpState.Closed:
            case TcpState.SynSent:
                return NetError.NotConnected;
            default:
                return NetError.None;
        }
    }

    /// <summary>FIONREAD/SIOCINQ: bytes a read would return now (TCP), or the payload length
    /// of the next datagram (UDP, as Linux's first_packet_length); EINVAL on a listener.</summary>
    public readonly long ReadableBytes(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null)
        {
            return -(long)NetError.BadHandle;
        }

        if (s->Kind == SocketKind.Udp)
        {
            if (s->Udp.Rx.Count == 0)
            {
                return 0;
            }

            Span<byte> header = stackalloc byte[UdpSocket.RecordHeader];
            s->Udp.Rx.Peek(0, header);
            return NetworkOrder.ReadUInt16(header, 6);
        }

        return s->Tcp.State == TcpState.Listen ? -(long)NetError.InvalidArgument : s->Tcp.Rx.Count;
    }

    /// <summary>The TCP state of a handle (CLOSED for a bad handle or a UDP socket).</summary>
    public readonly TcpState GetTcpState(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        return s == null || s->Kind != SocketKind.Tcp ? TcpState.Closed : s->Tcp.State;
    }

    /// <summary>Bytes in the send buffer not yet acknowledged by the peer.</summary>
    public readonly int UnacknowledgedBytes(int handle)
    {
        SocketSlot* s = UserSlot(handle);
        return s == null || s->Kind != SocketKind.Tcp ? 0 : s->Tcp.Tx.Count;
    }

    /// <summary>Doubles <paramref name="ring"/>, at most to <paramref name="max"/>; false when it
    /// is there already or the memory is not (the ring stays as it was).</summary>
    private bool Grow(ref RingBuffer ring, int max)
    {
        int target = (int)Math.Min(2L * ring.Capacity, max);
        int extra = target - ring.Capacity;
        if (extra <= 0 || _autotuneBytes + extra > _config.TcpAutotuneBudget || !ring.Resize(ref _memory, target))
        {
            return false;
        }

        _autotuneBytes += extra;
        return true;
    }

    private bool AllocateBuffers(SocketSlot* s)
    {
        s->Tcp.RcvBufferMax = _config.TcpReceiveBufferMax;
        if (s->Tcp.Tx.Data == null && !s->Tcp.Tx.Allocate(ref _memory, _config.TcpSendBufferSize))
        {
            return false;
        }

        if (s->Tcp.Rx.Data == null && !s->Tcp.Rx.Allocate(ref _memory, _config.TcpReceiveBufferSize))
        {
            s->Tcp.Tx.Release(ref _memory);
            return false;
        }

        return true;
    }

    private readonly int AcceptableChild(int listener)
    {
        int best = -1;
        for (int i = 0; i < _socketEnd; i++)
        {
            SocketSlot* c = _sockets + i;
            if (c->Kind == SocketKind.Tcp && c->Parent == listener && !c->UserOwned && c->AcceptOrder != 0 &&
                (best < 0 || c->AcceptOrder < _sockets[best].AcceptOrder))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>RFC 6528: a keyed hash of the connection's addresses and ports plus a clock that
    /// ticks every 4 µs, so sequence numbers are unpredictable off-path and grow over time.</summary>
    private readonly uint InitialSequence(ushort localPort, Ipv4Address remote, ushort remotePort, ulong now)
    {
        ulong x = _config.Seed ^ ((ulong)_config.Address.Value << 32 | remote.Value);
        x ^= ((ulong)localPort << 16 | remotePort) * 0x9E37_79B9_7F4A_7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D0_49BB_1331_11EBUL;
        x ^= x >> 31;
        return (uint)x + (uint)(now * 250);
    }

    private void ReceiveTcp(ReadOnlySpan<byte> bytes, Ipv4Address source, Ipv4Address destination, ulong now)
    {
        WireError error = TcpSegment.TryParse(bytes, source, destination, out TcpSegment segment);
        if (error != WireError.None)
        {
            Drop(error);
            return;
        }

        ushort localPort = segment.DestinationPort;
        ushort remotePort = segment.SourcePort;
        if (localPort == 0 || remotePort == 0)
        {
            Drop(WireError.Malformed);
            return;
        }

        int listener = -1;
        for (int i = 0; i < _socketEnd; i++)
        {
            SocketSlot* s = _sockets + i;
            if (s->Kind != SocketKind.Tcp || s->Tcp.LocalPort != localPort)
            {
                continue;
            }

            if (s->Tcp.State == TcpState.Listen)
            {
                if (s->Tcp.LocalAddress.IsUnspecified || s->Tcp.LocalAddress.Value == destination.Value)
                {
                    listener = i;
                }

                continue;
            }

            if (s->Tcp.State == TcpState.Closed || s->Tcp.RemotePort != remotePort || s->Tcp.RemoteAddress.Value != source.Value)
            {
                continue;
            }

            if (s->Tcp.State == TcpState.TimeWait && !s->UserOwned && segment.Has(TcpFlags.Syn) && !segment.Has(TcpFlags.Ack) &&
                (int)(segment.SequenceNumber - s->Tcp.RcvNxt) > 0)
            {
                // A new connection on the same ports whose SYN is past the old one's sequence
                // space (RFC 9293 §3.6.1, RFC 6191 without timestamps; Linux's
                // tcp_timewait_state_process): TIME-WAIT ends and a listener takes the SYN.
                FreeSocket(i);
                _stats.TcpTimeWaitReused++;
                continue;
            }

            // New data for a connection its owner has closed (FIN-WAIT-1/2: nobody will read
            // it): reset it, as Linux's tcp_rcv_state_process does (TCPAbortOnData), so the
            // sender's next write fails instead of going into a void. shutdown(SHUT_WR) keeps
            // the owner, and with it the right to read.
            if (!s->UserOwned && (s->Tcp.State == TcpState.FinWait1 || s->Tcp.State == TcpState.FinWait2) &&
                !segment.Has(TcpFlags.Rst) && segment.Payload.Length > 0 &&
                (int)(segment.SequenceNumber + (uint)segment.Payload.Length - s->Tcp.RcvNxt) > 0)
            {
                _stats.FramesDropped++;
                AbortConnection(i);
                return;
            }

            if (s->Tcp.SackOn) _stats.TcpSackBlocksReceived += (ulong)segment.SackBlockCount;
            TcpInputOutcome outcome = default;
            s->Tcp.Input(segment, now, _config, ref outcome);
            if (outcome.SendReset)
            {
                QueueReset(destination, source, localPort, remotePort, outcome.ResetSequence, 0,
                    outcome.ResetFlags, now);
            }

            if (outcome.Unacceptable) _stats.TcpUnacceptable++;
            if (outcome.OutOfOrder) _stats.TcpOutOfOrder++;
            if (outcome.AckNow && s->Tcp.IsSynchronized) QueueAck(ref s->Tcp, now);
            if (outcome.Established && s->Parent >= 0)
            {
                s->AcceptOrder = ++_acceptCounter;
            }

            if (s->Tcp.State == TcpState.Closed)
            {
                ReleaseIfUnowned(i);
            }

            return;
        }

        if (listener >= 0)
        {
            ListenInput(listener, segment, source, destination, now);
            return;
        }

        _stats.NoSocket++;
        _stats.FramesDropped++;
        ResetUnexpected(segment, source, destination, now);
    }

    /// <summary>RFC 9293 §3.10.7.1: a segment for no connection is answered with a reset
    /// (never a reset for a reset).</summary>
    private void ResetUnexpected(in TcpSegment segment, Ipv4Address source, Ipv4Address destination, ulong now)
    {
        if (segment.Has(TcpFlags.Rst))
        {
            return;
        }

        if (segment.Has(TcpFlags.Ack))
        {
            QueueReset(destination, source, segment.DestinationPort, segment.SourcePort, segment.AcknowledgmentNumber, 0,
                TcpFlags.Rst, now);
        }
        else
        {
            QueueReset(destination, source, segment.DestinationPort, segment.SourcePort, 0,
                segment.SequenceNumber + segment.SequenceLength, TcpFlags.Rst | TcpFlags.Ack, now);
        }
    }

    /// <summary>RFC 9293 §3.10.7.2: a SYN makes a SYN-RECEIVED child unless the backlog is full
    /// (then it is dropped and the peer retries, as Linux does); an ACK is reset.</summary>
    private void ListenInput(int listener, in TcpSegment segment, Ipv4Address source, Ipv4Address destination, ulong now)
    {
        if (segment.Has(TcpFlags.Rst))
        {
            return;
        }

        if (segment.Has(TcpFlags.Ack))
        {
            ResetUnexpected(segment, source, destination, now);
            return;
        }

        if (!segment.Has(TcpFlags.Syn))
        {
            return;
        }

        // The backlog counts established connections waiting for accept (Linux's accept queue);
        // half-open ones have their own, larger limit (the SYN queue), so a burst of SYNs that
        // never complete does not keep out the next real client.
        int established = 0, halfOpen = 0, oldest = -1;
        for (int i = 0; i < _socketEnd; i++)
        {
            if (_sockets[i].Kind == SocketKind.Tcp && _sockets[i].Parent == listener && !_sockets[i].UserOwned)
            {
                if (_sockets[i].AcceptOrder != 0) established++;
                else
                {
                    halfOpen++;
                    if (oldest < 0 || EvictFirst(_sockets + i, _sockets + oldest)) oldest = i;
                }
            }
        }

        // A full SYN queue is a SYN flood (forged sources never answer, and each half-open
        // connection would stay about a minute, through 5 SYN-ACK retransmissions): the new SYN
        // takes the place of the half-open connection that has waited longest, as BSD's syncache
        // does, so a real client's handshake (one round trip) still completes. Linux answers with
        // SYN cookies instead.
        if (established < _sockets[listener].Backlog && halfOpen >= SynQueueLimit && oldest >= 0)
        {
            FreeSocket(oldest);
            _stats.TcpSynQueueEvictions++;
            halfOpen--;
        }

        int h = established < _sockets[listener].Backlog && halfOpen < SynQueueLimit ? FreeSlot() : -1;
        if (h < 0)
        {
            _stats.TcpListenOverflows++;
            return;
        }

        Claim(h);
        SocketSlot* c = _sockets + h;
        *c = default;
        c->Kind = SocketKind.Tcp;
        c->Parent = listener;
        if (!AllocateBuffers(c))
        {
            *c = default;
            return;
        }

        ref TcpSocket tcp = ref c->Tcp;
        tcp.LocalAddress = destination;
        tcp.LocalPort = segment.DestinationPort;
        tcp.RemoteAddress = source;
        tcp.RemotePort = segment.SourcePort;
        tcp.Open(TcpState.SynReceived, InitialSequence(tcp.LocalPort, source, tcp.RemotePort, now), _config.InitialRtoMs);
        tcp.RcvNxt = segment.SequenceNumber + 1;
        tcp.SndWnd = segment.Window; // a SYN's window is never scaled (RFC 7323 §2.2)
        tcp.SndWl1 = segment.SequenceNumber;
        tcp.TakeSynOptions(segment);
    }

    /// <summary>Whether half-open connection <paramref name="a"/> should leave a full SYN queue
    /// before <paramref name="b"/>: one whose SYN-ACK could not even be sent (its next hop does
    /// not answer ARP: a forged source on the local network) first, then the one that has waited
    /// longer (more SYN-ACKs retransmitted, or the same and its next one sooner).</summary>
    private static bool EvictFirst(SocketSlot* a, SocketSlot* b)
    {
        bool aUnresolved = a->ArpWaitSince != 0, bUnresolved = b->ArpWaitSince != 0;
        if (aUnresolved != bUnresolved) return aUnresolved;
        return a->Tcp.Retries != b->Tcp.Retries ? a->Tcp.Retries > b->Tcp.Retries : a->Tcp.RetransmitAt < b->Tcp.RetransmitAt;
    }

    /// <summary>A pure ACK with the connection's current numbers, queued now (before the segments
    /// of the poll's send phase) so it carries this moment's RCV.NXT: duplicate ACKs must be one
    /// per out-of-order segment. When the queue is full the ACK waits for the send phase.</summary>
    private void QueueAck(ref TcpSocket tcp, ulong now)
    {
        if (!TakeIpv4Frame(tcp.RemoteAddress, now, out int slot, out NetError error))
        {
            if (error == NetError.NoBufferSpace) _stats.TransmitQueueFull++;
            return;
        }

        TcpHeader header = tcp.AckHeader();
        const int offset = EthernetFrame.HeaderLength + Ipv4Packet.HeaderLength;
        int length = TcpSegment.Emit(_queue.Buffer(slot).Slice(offset), tcp.LocalAddress, tcp.RemoteAddress, header, 0);
        FinishIpv4Frame(slot, tcp.LocalAddress, tcp.RemoteAddress, IpProtocol.Tcp, length, now);
        tcp.AckSent((uint)header.Window << tcp.RcvScale);
        _stats.TcpAcksSentAtOnce++;
    }

    private void QueueReset(Ipv4Address local, Ipv4Address remote, ushort localPort, ushort remotePort, uint seq, uint ack,
        byte flags, ulong now)
    {
        if (!TakeIpv4Frame(remote, now, out int slot, out NetError error))
        {
            if (error == NetError.NoBufferSpace) _stats.TransmitQueueFull++;
            return;
        }

        TcpHeader header = default;
        header.SourcePort = localPort;
        header.DestinationPort = remotePort;
        header.SequenceNumber = seq;
        header.AcknowledgmentNumber = ack;
        header.Flags = flags;
        const int offset = EthernetFrame.HeaderLength + Ipv4Packet.HeaderLength;
        int length = TcpSegment.Emit(_queue.Buffer(slot).Slice(offset), local, remote, header, 0);
        FinishIpv4Frame(slot, remote, IpProtocol.Tcp, length, now);
        _stats.TcpResetsSent++;
    }
}
