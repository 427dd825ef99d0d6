using System;

namespace Aurora.Net;

/// <summary>EtherType values this stack speaks (IEEE 802.3 / IANA).</summary>
public static class EtherType
{
    /// <summary>IPv4 (0x0800).</summary>
    public const ushort Ipv4 = 0x0800;
    /// <summary>ARP (0x0806).</summary>
    public const ushort Arp = 0x0806;
}

/// <summary>
/// A view over an Ethernet II frame: destination, source, EtherType, payload (the frame check
/// sequence is the NIC's business and not part of the span). 802.1Q tags are not understood.
/// </summary>
public readonly ref struct EthernetFrame
{
    /// <summary>Destination, source and EtherType: 14 bytes.</summary>
    public const int HeaderLength = 14;
    /// <summary>Payloads shorter than 46 bytes are padded on the wire (IEEE 802.3 §3.2.8).</summary>
    public const int MinimumLength = 60;
    /// <summary>The largest frame without the FCS: a 1500-byte payload and the header.</summary>
    public const int MaximumLength = 1514;

    /// <summary>The whole frame (the view does not copy it).</summary>
    public readonly ReadOnlySpan<byte> Bytes;

    private EthernetFrame(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>A view over <paramref name="frame"/>; <see cref="WireError.Truncated"/> when it is
    /// shorter than the header. Padding is kept; the layers above cut it by their own
    /// lengths.</summary>
    public static WireError TryParse(ReadOnlySpan<byte> frame, out EthernetFrame view)
    {
        view = default;
        if (frame.Length < HeaderLength)
        {
            return WireError.Truncated;
        }

        view = new EthernetFrame(frame);
        return WireError.None;
    }

    /// <summary>The destination address.</summary>
    public MacAddress Destination => MacAddress.Read(Bytes, 0);

    /// <summary>The source address.</summary>
    public MacAddress Source => MacAddress.Read(Bytes, 6);

    /// <summary>The EtherType (<see cref="EtherType"/>), host order.</summary>
    public ushort EtherType => NetworkOrder.ReadUInt16(Bytes, 12);

    /// <summary>Everything after the header, padding included.</summary>
    public ReadOnlySpan<byte> Payload => Bytes.Slice(HeaderLength);

    /// <summary>Writes the 14-byte header at the start of <paramref name="buffer"/>.</summary>
    public static void Emit(Span<byte> buffer, MacAddress destination, MacAddress source, ushort etherType)
    {
        destination.Write(buffer, 0);
        source.Write(buffer, 6);
        NetworkOrder.WriteUInt16(buffer, 12, etherType);
    }
}
