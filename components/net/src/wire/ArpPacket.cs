using System;

namespace Aurora.Net;

/// <summary>
/// A view over an ARP packet for IPv4 over Ethernet (RFC 826): hardware type 1, protocol type
/// 0x0800, address lengths 6 and 4; anything else is <see cref="WireError.Unsupported"/>.
/// </summary>
public readonly ref struct ArpPacket
{
    /// <summary>Bytes of an ARP packet for IPv4 over Ethernet.</summary>
    public const int Length = 28;
    /// <summary>ARP operation 1, a request ("who has").</summary>
    public const ushort OperationRequest = 1;
    /// <summary>ARP operation 2, a reply ("is at").</summary>
    public const ushort OperationReply = 2;

    /// <summary>The packet's <see cref="Length"/> bytes (the view does not copy them).</summary>
    public readonly ReadOnlySpan<byte> Bytes;

    private ArpPacket(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>A view over the first <see cref="Length"/> bytes of <paramref name="packet"/>: <see
    /// cref="WireError.Truncated"/> when shorter, <see cref="WireError.Unsupported"/> for another
    /// hardware or protocol, other address lengths, or an operation other than request or
    /// reply.</summary>
    public static WireError TryParse(ReadOnlySpan<byte> packet, out ArpPacket view)
    {
        view = default;
        if (packet.Length < Length)
        {
            return WireError.Truncated;
        }

        if (NetworkOrder.ReadUInt16(packet, 0) != 1 || NetworkOrder.ReadUInt16(packet, 2) != EtherType.Ipv4 ||
            packet[4] != 6 || packet[5] != 4)
        {
            return WireError.Unsupported;
        }

        ushort operation = NetworkOrder.ReadUInt16(packet, 6);
        if (operation != OperationRequest && operation != OperationReply)
        {
            return WireError.Unsupported;
        }

        view = new ArpPacket(packet.Slice(0, Length));
        return WireError.None;
    }

    /// <summary><see cref="OperationRequest"/> or <see cref="OperationReply"/>.</summary>
    public ushort Operation => NetworkOrder.ReadUInt16(Bytes, 6);

    /// <summary>The sender's Ethernet address.</summary>
    public MacAddress SenderHardware => MacAddress.Read(Bytes, 8);

    /// <summary>The sender's IPv4 address.</summary>
    public Ipv4Address SenderProtocol => Ipv4Address.Read(Bytes, 14);

    /// <summary>The target's Ethernet address (zero in a request).</summary>
    public MacAddress TargetHardware => MacAddress.Read(Bytes, 18);

    /// <summary>The IPv4 address asked about (request) or answered to (reply).</summary>
    public Ipv4Address TargetProtocol => Ipv4Address.Read(Bytes, 24);

    /// <summary>Writes a <see cref="Length"/>-byte ARP packet for IPv4 over Ethernet to the start
    /// of <paramref name="buffer"/>, which must hold it.</summary>
    public static void Emit(Span<byte> buffer, ushort operation, MacAddress senderHardware, Ipv4Address senderProtocol,
        MacAddress targetHardware, Ipv4Address targetProtocol)
    {
        NetworkOrder.WriteUInt16(buffer, 0, 1);
        NetworkOrder.WriteUInt16(buffer, 2, EtherType.Ipv4);
        buffer[4] = 6;
        buffer[5] = 4;
        NetworkOrder.WriteUInt16(buffer, 6, operation);
        senderHardware.Write(buffer, 8);
        senderProtocol.Write(buffer, 14);
        targetHardware.Write(buffer, 18);
        targetProtocol.Write(buffer, 24);
    }
}
