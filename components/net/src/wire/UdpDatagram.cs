using System;

namespace Aurora.Net;

/// <summary>
/// A view over a UDP datagram (RFC 768): ports, a length field that must fit the IP payload
/// (bytes after it are ignored), and the checksum over the pseudo header when it is non-zero.
/// </summary>
public readonly ref struct UdpDatagram
{
    /// <summary>Ports, length and checksum: 8 bytes.</summary>
    public const int HeaderLength = 8;

    /// <summary>The datagram up to its length field (the view does not copy it).</summary>
    public readonly ReadOnlySpan<byte> Bytes;

    private UdpDatagram(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>A view over <paramref name="segment"/> (the IP payload) cut to the UDP length
    /// field: <see cref="WireError.Truncated"/> or <see cref="WireError.Malformed"/> for a length
    /// that does not fit, <see cref="WireError.BadChecksum"/> when a non-zero checksum does not
    /// verify over the pseudo header of <paramref name="source"/> and <paramref
    /// name="destination"/>.</summary>
    public static WireError TryParse(ReadOnlySpan<byte> segment, Ipv4Address source, Ipv4Address destination, out UdpDatagram view)
    {
        view = default;
        if (segment.Length < HeaderLength)
        {
            return WireError.Truncated;
        }

        int length = NetworkOrder.ReadUInt16(segment, 4);
        if (length < HeaderLength)
        {
            return WireError.Malformed;
        }

        if (length > segment.Length)
        {
            return WireError.Truncated;
        }

        ReadOnlySpan<byte> bytes = segment.Slice(0, length);
        // A zero checksum means the sender computed none (RFC 768, "Fields").
        if (NetworkOrder.ReadUInt16(bytes, 6) != 0 &&
            InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.PseudoHeader(source, destination, IpProtocol.Udp, length), bytes)) != 0)
        {
            return WireError.BadChecksum;
        }

        view = new UdpDatagram(bytes);
        return WireError.None;
    }

    /// <summary>The source port, host order.</summary>
    public ushort SourcePort => NetworkOrder.ReadUInt16(Bytes, 0);

    /// <summary>The destination port, host order.</summary>
    public ushort DestinationPort => NetworkOrder.ReadUInt16(Bytes, 2);

    /// <summary>The data after the header.</summary>
    public ReadOnlySpan<byte> Payload => Bytes.Slice(HeaderLength);

    /// <summary>Writes the header for the <paramref name="payloadLength"/> bytes already at offset 8
    /// of <paramref name="buffer"/>, with the checksum (a computed 0 is sent as 0xFFFF).</summary>
    public static void Emit(Span<byte> buffer, Ipv4Address source, Ipv4Address destination,
        ushort sourcePort, ushort destinationPort, int payloadLength)
    {
        int length = HeaderLength + payloadLength;
        NetworkOrder.WriteUInt16(buffer, 0, sourcePort);
        NetworkOrder.WriteUInt16(buffer, 2, destinationPort);
        NetworkOrder.WriteUInt16(buffer, 4, (ushort)length);
        NetworkOrder.WriteUInt16(buffer, 6, 0);
        ushort checksum = InternetChecksum.Finish(InternetChecksum.Add(
            InternetChecksum.PseudoHeader(source, destination, IpProtocol.Udp, length), buffer.Slice(0, length)));
        NetworkOrder.WriteUInt16(buffer, 6, checksum == 0 ? (ushort)0xFFFF : checksum);
    }
}
