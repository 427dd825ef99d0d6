using System;

namespace Aurora.Net;

/// <summary>IP protocol numbers (IANA) this stack speaks.</summary>
public static class IpProtocol
{
    /// <summary>ICMP (1).</summary>
    public const byte Icmp = 1;
    /// <summary>TCP (6).</summary>
    public const byte Tcp = 6;
    /// <summary>UDP (17).</summary>
    public const byte Udp = 17;
}

/// <summary>
/// A view over an IPv4 packet (RFC 791 §3.1) without options: version 4, IHL 5, a total length
/// that fits the buffer (Ethernet padding after it is cut off), a valid header checksum and the
/// reserved flag clear. Options are <see cref="WireError.Unsupported"/>; fragments parse (see
/// <see cref="IsFragment"/>) and are put back together by the interface (<c>Ipv4Reassembly</c>).
/// </summary>
public readonly ref struct Ipv4Packet
{
    /// <summary>The header without options: 20 bytes.</summary>
    public const int HeaderLength = 20;
    /// <summary>The TTL of packets this stack sends (Linux's default).</summary>
    public const byte DefaultTtl = 64;

    /// <summary>The packet up to its total length (padding after it cut off; the view does not
    /// copy).</summary>
    public readonly ReadOnlySpan<byte> Bytes;

    private Ipv4Packet(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>A view over <paramref name="packet"/> cut to its total length: <see
    /// cref="WireError.Truncated"/>, <see cref="WireError.Malformed"/>, <see
    /// cref="WireError.BadChecksum"/> or <see cref="WireError.Unsupported"/> (options) as the
    /// type's summary says.</summary>
    public static WireError TryParse(ReadOnlySpan<byte> packet, out Ipv4Packet view)
    {
        view = default;
        if (packet.Length < HeaderLength)
        {
            return WireError.Truncated;
        }

        if ((packet[0] >> 4) != 4)
        {
            return WireError.Malformed;
        }

        int headerLength = (packet[0] & 0xF) * 4;
        if (headerLength < HeaderLength)
        {
            return WireError.Malformed;
        }

        int totalLength = NetworkOrder.ReadUInt16(packet, 2);
        if (totalLength < headerLength)
        {
            return WireError.Malformed;
        }

        if (totalLength > packet.Length || headerLength > packet.Length)
        {
            return WireError.Truncated;
        }

        if (InternetChecksum.Compute(packet.Slice(0, headerLength)) != 0)
        {
            return WireError.BadChecksum;
        }

        if (headerLength != HeaderLength)
        {
            return WireError.Unsupported;
        }

        ushort fragment = NetworkOrder.ReadUInt16(packet, 6);
        // Bit 0 of the flags is reserved and must be zero; MF or a non-zero offset is a fragment.
        if ((fragment & 0x8000) != 0)
        {
            return WireError.Malformed;
        }

        // A fragment other than the last must carry a multiple of 8 bytes (RFC 791 §3.2: the
        // next one's offset is in 8-byte units), and none may reach past 65535.
        int fragmentOffset = (fragment & 0x1FFF) * 8;
        int dataLength = totalLength - headerLength;
        if (((fragment & 0x2000) != 0 && (dataLength % 8 != 0 || dataLength == 0)) || fragmentOffset + dataLength > 65535 - HeaderLength)
        {
            return WireError.Malformed;
        }

        view = new Ipv4Packet(packet.Slice(0, totalLength));
        return WireError.None;
    }

    /// <summary>The total length field: header and payload, in bytes.</summary>
    public int TotalLength => Bytes.Length;

    /// <summary>The identification field, which ties fragments of one datagram together.</summary>
    public ushort Identification => NetworkOrder.ReadUInt16(Bytes, 4);

    /// <summary>The DF flag: the packet must not be fragmented.</summary>
    public bool DontFragment => (Bytes[6] & 0x40) != 0;

    /// <summary>More fragments follow (MF).</summary>
    public bool MoreFragments => (Bytes[6] & 0x20) != 0;

    /// <summary>Where this fragment's data goes in the whole datagram's payload, in bytes.</summary>
    public int FragmentOffset => (NetworkOrder.ReadUInt16(Bytes, 6) & 0x1FFF) * 8;

    /// <summary>Part of a larger datagram: MF set or a non-zero offset.</summary>
    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    /// <summary>The time-to-live field.</summary>
    public byte TimeToLive => Bytes[8];

    /// <summary>The protocol of the payload (<see cref="IpProtocol"/>).</summary>
    public byte Protocol => Bytes[9];

    /// <summary>The source address.</summary>
    public Ipv4Address Source => Ipv4Address.Read(Bytes, 12);

    /// <summary>The destination address.</summary>
    public Ipv4Address Destination => Ipv4Address.Read(Bytes, 16);

    /// <summary>The bytes after the header, up to the total length (a fragment's part of the
    /// datagram when <see cref="IsFragment"/>).</summary>
    public ReadOnlySpan<byte> Payload => Bytes.Slice(HeaderLength);

    /// <summary>Writes a 20-byte header (DF set, TTL <see cref="DefaultTtl"/>) with its checksum for
    /// a payload of <paramref name="payloadLength"/> bytes that follows it in the buffer.</summary>
    public static void Emit(Span<byte> buffer, Ipv4Address source, Ipv4Address destination, byte protocol,
        int payloadLength, ushort identification)
    {
        buffer[0] = 0x45;
        buffer[1] = 0;
        NetworkOrder.WriteUInt16(buffer, 2, (ushort)(HeaderLength + payloadLength));
        NetworkOrder.WriteUInt16(buffer, 4, identification);
        NetworkOrder.WriteUInt16(buffer, 6, 0x4000);
        buffer[8] = DefaultTtl;
        buffer[9] = protocol;
        NetworkOrder.WriteUInt16(buffer, 10, 0);
        source.Write(buffer, 12);
        destination.Write(buffer, 16);
        NetworkOrder.WriteUInt16(buffer, 10, InternetChecksum.Compute(buffer.Slice(0, HeaderLength)));
    }
}
