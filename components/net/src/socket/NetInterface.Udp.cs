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

    private void ReceiveUdp(ReadOnlySpan<byte> bytes, Ipv4Address source, Ipv4Address destination, ulong now)
    {
        WireError error = UdpDatagram.TryParse(bytes, source, destination, out UdpDatagram udp);
        if (error != WireError.None)
        {
            Drop(error);
            return;
        }

        ushort port = udp.DestinationPort;
        for (int i = 0; i < _socketEnd; i++)
        {
            SocketSlot* s = _sockets + i;
            if (s->Kind != SocketKind.Udp || s->Udp.LocalPort != port || port == 0 ||
                (!s->Udp.LocalAddress.IsUnspecified && s->Udp.LocalAddress.Value != destination.Value))
            {
                continue;
            }

            ReadOnlySpan<byte> payload = udp.Payload;
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

        // RFC 1122 §4.1.3.1 suggests ICMP port unreachable; this stack stays silent.
        _stats.NoSocket++;
        _stats.FramesDropped++;
    }
}
