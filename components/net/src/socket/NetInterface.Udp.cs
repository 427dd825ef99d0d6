using System;

namespace Aurora.Net;

/// <summary>UDP sockets (RFC 768): datagrams in a bounded queue per socket.</summary>
public unsafe partial struct NetInterface<TMemory>
{
    /// <summary>sendto(2) on a UDP socket: the datagram is queued for the next poll (binding the
    /// socket to an ephemeral port first if needed). Returns its length, or -EMSGSIZE (over
    /// <see cref="MaxDatagramSize"/>), -EINVAL, -EHOSTUNREACH, -ENOBUFS (queue full).</summary>
    public long SendTo(int handle, ReadOnlySpan<byte> data, Ipv4Address address, ushort port, ulong nowMs)
    {
        SocketSlot* s = UserSlot(handle);
        if (s == null || s->Kind != SocketKind.Udp)
        {
            return s == null ? -(long)NetError.BadHandle : -(long)NetError.NotSupported;
        }

        if (data.Length > MaxDatagramSize)
        {
            return -(long)NetError.MessageTooLong;
        }

        if (address.IsUnspecified || port == 0 || address.IsMulticast)
        {
            return -(long)NetError.InvalidArgument;
        }

        if (s->Udp.Error != NetError.None)
        {
            // An ICMP error for the connected peer is reported once, by this send (Linux's sock_error).
            NetError pending = s->Udp.Error;
            s->Udp.Error = NetError.None;
            return -(long)pending;
        }

        if (s->Udp.LocalPort == 0)
        {
            NetError bound = Bind(handle, Ipv4Address.Any, 0);
            if (bound != NetError.None)
            {
                return -(long)bound;
            }
        }

        if (!TakeIpv4Frame(address, nowMs, out int slot, out NetError error))
        {
            return -(long)error;
        }

        const int offset = EthernetFrame.HeaderLength + Ipv4Packet.HeaderLength;
        Span<byte> buffer = _queue.Buffer(slot).Slice(offset);
        data.CopyTo(buffer.Slice(UdpDatagram.HeaderLength));
        UdpDatagram.Emit(buffer, SourceFor(address), address, s->Udp.LocalPort, port, data.Length);
        FinishIpv4Frame(slot, address, IpProtocol.Udp, UdpDatagram.HeaderLength + data.Length, nowMs);
        return data.Length;
    }

    /// <summary>recvfrom(2) on a UDP socket: the oldest datagram, cut to the buffer (the rest is
    /// discarded, like Linux without MSG_TRUNC). Returns the bytes copied or -EAGAIN.</summary>
    public long ReceiveFrom(int handle, Span<byte> buffer, out Ipv4Address address, out ushort port) =>
        ReceiveFrom(handle, buffer, out address, out port, peek: false);

    /// <summary><see cref="ReceiveFrom(int, Span{byte}, out Ipv4Address, out ushort)"/>; with
    /// <paramref name="peek"/> (MSG_PEEK) the datagram stays queued, whole.</summary>
    public long ReceiveFrom(int handle, Span<byte> buffer, out Ipv4Address address, out ushort port, bool peek)
    {
        address = default;
        port = 0;
        SocketSlot* s = UserSlot(handle);
        if (s == null || s->Kind != SocketKind.Udp)
        {
            return s == null ? -(long)NetError.BadHandle : -(long)NetError.NotSupported;
        }

        if (s->Udp.Error != NetError.None)
        {
            NetError pending = s->Udp.Error;
            if (!peek)
            {
                s->Udp.Error = NetError.None;
            }

            return -(long)pending;
        }

        if (s->Udp.Rx.Count == 0)
        {
            return -(long)NetError.WouldBlock;
        }

        Span<byte> header = stackalloc byte[UdpSocket.RecordHeader];
        s->Udp.Rx.Peek(0, header);
        address = Ipv4Address.Read(header, 0);
        port = NetworkOrder.ReadUInt16(header, 4);
        int length = NetworkOrder.ReadUInt16(header, 6);
        int copied = Math.Min(length, buffer.Length);
        s->Udp.Rx.Peek(UdpSocket.RecordHeader, buffer.Slice(0, copied));
        if (!peek)
        {
            s->Udp.Rx.Discard(UdpSocket.RecordHeader + length);
        }

        return copied;
    }

    private void ReceiveUdp(ReadOnlySpan<byte> bytes, Ipv4Address source, Ipv4Address destination, ulong now, ReadOnlySpan<byte> datagram)
    {
        WireError error = UdpDatagram.TryParse(bytes, source, destination, out UdpDatagram udp);
        if (error != WireError.None)
        {
            Drop(error);
            return;
        }

        ushort port = udp.DestinationPort;
        if (port == DhcpClientPort && udp.SourcePort == DhcpServerPort && _dhcpState != DhcpState.Off)
        {
            DhcpInput(udp.Payload, now);
            return;
        }

        for (int i = 0; i < _socketEnd; i++)
        {
            SocketSlot* s = _sockets + i;
            if (s->Kind != SocketKind.Udp || s->Udp.LocalPort != port || port == 0 ||
                (!s->Udp.LocalAddress.IsUnspecified && s->Udp.LocalAddress.Value != destination.Value))
            {
                continue;
            }

            if (s->Udp.RemotePort != 0 && (s->Udp.RemotePort != udp.SourcePort || s->Udp.RemoteAddress.Value != source.Value))
            {
                // A connected socket takes datagrams from its peer only (Linux's udp4_lib_lookup).
                continue;
            }

            ReadOnlySpan<byte> payload = udp.Payload;
            if (s->Udp.Rx.Data == null && !s->Udp.Rx.Allocate(ref _memory, _config.UdpReceiveBufferSize))
            {
                _stats.FramesDropped++;
                return;
            }

            if (s->Udp.Rx.Free < UdpSocket.RecordHeader + payload.Length)
            {
                _stats.UdpQueueFull++;
                _stats.FramesDropped++;
                return;
            }

            Span<byte> header = stackalloc byte[UdpSocket.RecordHeader];
            source.Write(header, 0);
            NetworkOrder.WriteUInt16(header, 4, udp.SourcePort);
            NetworkOrder.WriteUInt16(header, 6, (ushort)payload.Length);
            s->Udp.Rx.Write(header);
            s->Udp.Rx.Write(payload);
            return;
        }

        // RFC 1122 §4.1.3.1: no socket is an ICMP port unreachable (as Linux), never for a
        // broadcast (RFC 1122 §3.2.2).
        _stats.NoSocket++;
        _stats.FramesDropped++;
        if (!destination.IsBroadcast && !IsSubnetBroadcast(destination))
        {
            SendPortUnreachable(source, destination, now, datagram);
        }
    }

    /// <summary>connect(2) on a UDP socket: the default destination of send/write and the only
    /// source recv takes datagrams from; binds an ephemeral port first. An unspecified address
    /// with port 0 dissolves the association (AF_UNSPEC on Linux).</summary>
    private NetError ConnectUdp(SocketSlot* s, int handle, Ipv4Address address, ushort port)
    {
        if (address.IsUnspecified && port == 0)
        {
            s->Udp.RemoteAddress = default;
            s->Udp.RemotePort = 0;
            s->Udp.Error = NetError.None;
            return NetError.None;
        }

        if (address.IsUnspecified || port == 0 || address.IsMulticast)
        {
            return NetError.InvalidArgument;
        }

        if (!Route(address, out _))
        {
            return NetError.HostUnreachable;
        }

        if (s->Udp.LocalPort == 0)
        {
            NetError bound = Bind(handle, Ipv4Address.Any, 0);
            if (bound != NetError.None)
            {
                return bound;
            }
        }

        s->Udp.RemoteAddress = address;
        s->Udp.RemotePort = port;
        s->Udp.Error = NetError.None;
        return NetError.None;
    }

    /// <summary>ICMP destination unreachable, code 3 (RFC 792), quoting the offending datagram's
    /// IP header and the start of its payload; at most <see cref="IcmpErrorBurst"/> at once and
    /// one more every <see cref="IcmpErrorIntervalMs"/> (Linux's icmp_ratelimit), so a flood to
    /// closed ports cannot make the stack a traffic amplifier.</summary>
    private void SendPortUnreachable(Ipv4Address source, Ipv4Address destination, ulong now, ReadOnlySpan<byte> datagram)
    {
        ulong refill = (now - _icmpErrorRefilledAt) / IcmpErrorIntervalMs;
        if (refill > 0)
        {
            _icmpErrorTokens = (int)Math.Min(IcmpErrorBurst, _icmpErrorTokens + (long)refill);
            _icmpErrorRefilledAt = now;
        }

        if (_icmpErrorTokens <= 0 || datagram.Length < Ipv4Packet.HeaderLength + 8)
        {
            return;
        }

        if (!TakeIpv4Frame(source, now, out int slot, out NetError error))
        {
            if (error == NetError.NoBufferSpace) _stats.TransmitQueueFull++;
            return;
        }

        _icmpErrorTokens--;
        const int offset = EthernetFrame.HeaderLength + Ipv4Packet.HeaderLength;
        Span<byte> message = _queue.Buffer(slot).Slice(offset);
        ReadOnlySpan<byte> quote = datagram.Slice(0, Ipv4Packet.HeaderLength + 8);
        message.Slice(0, 8).Clear();
        message[0] = IcmpTypeDestinationUnreachable;
        message[1] = IcmpCodePortUnreachable;
        quote.CopyTo(message.Slice(8));
        int length = 8 + quote.Length;
        NetworkOrder.WriteUInt16(message, 2, InternetChecksum.Compute(message.Slice(0, length)));
        FinishIpv4Frame(slot, destination, source, IpProtocol.Icmp, length, now);
        _stats.IcmpErrorsSent++;
    }

    /// <summary>An ICMP destination unreachable for a datagram we sent (RFC 1122 §4.1.3.3: UDP
    /// passes it to the application): a connected socket whose peer it names gets
    /// ECONNREFUSED (port unreachable) or EHOSTUNREACH (net or host unreachable); others
    /// ignore it, as Linux does without IP_RECVERR.</summary>
    private void ReceiveUnreachable(byte code, ReadOnlySpan<byte> quoted)
    {
        if (quoted.Length < Ipv4Packet.HeaderLength + 8 || (quoted[0] >> 4) != 4 || quoted[9] != IpProtocol.Udp)
        {
            return;
        }

        int headerLength = (quoted[0] & 0xF) * 4;
        if (headerLength < Ipv4Packet.HeaderLength || quoted.Length < headerLength + 8)
        {
            return;
        }

        NetError error = code == IcmpCodePortUnreachable ? NetError.ConnectionRefused
            : code <= 1 ? NetError.HostUnreachable : NetError.None;
        if (error == NetError.None)
        {
            return;
        }

        Ipv4Address remote = Ipv4Address.Read(quoted, 16);
        ushort localPort = NetworkOrder.ReadUInt16(quoted, headerLength);
        ushort remotePort = NetworkOrder.ReadUInt16(quoted, headerLength + 2);
        for (int i = 0; i < _socketEnd; i++)
        {
            SocketSlot* s = _sockets + i;
            if (s->Kind == SocketKind.Udp && s->Udp.LocalPort == localPort && s->Udp.RemotePort == remotePort &&
                s->Udp.RemoteAddress.Value == remote.Value)
            {
                s->Udp.Error = error;
                _stats.IcmpErrorsDelivered++;
                return;
            }
        }
    }
}
