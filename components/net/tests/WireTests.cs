using System;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>Header views against packets written by hand from the RFC layouts (checksums
/// computed independently of this code).</summary>
public class WireTests
{
    private static readonly Ipv4Address HostA = new(10, 0, 0, 1);
    private static readonly Ipv4Address HostB = new(10, 0, 0, 2);

    // RFC 826: who has 10.0.0.1? tell 10.0.0.2 (02:00:00:00:00:02).
    private const string ArpRequestFrame =
        "ffffffffffff 020000000002 0806" +
        "0001 0800 06 04 0001 020000000002 0a000002 000000000000 0a000001";

    [Fact]
    public void ArpRequestParsesAndEmitsTheSameBytes()
    {
        byte[] frame = Hex.Bytes(ArpRequestFrame);
        Assert.Equal(WireError.None, EthernetFrame.TryParse(frame, out EthernetFrame eth));
        Assert.True(eth.Destination.IsBroadcast);
        Assert.Equal(0x020000000002UL, eth.Source.Value);
        Assert.Equal(EtherType.Arp, eth.EtherType);
        Assert.Equal(WireError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpPacket.OperationRequest, arp.Operation);
        Assert.Equal(HostB.Value, arp.SenderProtocol.Value);
        Assert.Equal(HostA.Value, arp.TargetProtocol.Value);

        var emitted = new byte[frame.Length];
        EthernetFrame.Emit(emitted, MacAddress.Broadcast, new MacAddress(0x020000000002UL), EtherType.Arp);
        ArpPacket.Emit(emitted.AsSpan(14), ArpPacket.OperationRequest, new MacAddress(0x020000000002UL), HostB, default, HostA);
        Assert.Equal(frame, emitted);
    }

    [Fact]
    public void ArpForOtherHardwareIsUnsupported()
    {
        byte[] arp = Hex.Bytes(ArpRequestFrame).AsSpan(14).ToArray();
        arp[1] = 6; // IEEE 802 hardware type
        Assert.Equal(WireError.Unsupported, ArpPacket.TryParse(arp, out _));
        Assert.Equal(WireError.Truncated, ArpPacket.TryParse(arp.AsSpan(0, 27), out _));
    }

    [Fact]
    public void Ipv4HeaderChecksumMatchesTheClassicExample()
    {
        // The worked example of the IPv4 header checksum (checksum field b861).
        byte[] header = Hex.Bytes("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
        Assert.Equal(0, InternetChecksum.Compute(header));
        header[10] = 0;
        header[11] = 0;
        Assert.Equal(0xb861, InternetChecksum.Compute(header));
    }

    [Fact]
    public void IcmpEchoRequestParsesAndItsReplyVerifies()
    {
        byte[] packet = Hex.Bytes("4500002800014000400126d20a0000020a000001" + "0800a184123400016175726f72612d70696e6721");
        Assert.Equal(WireError.None, Ipv4Packet.TryParse(packet, out Ipv4Packet ip));
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.Equal(HostB.Value, ip.Source.Value);
        Assert.Equal(40, ip.TotalLength);
        Assert.Equal(WireError.None, IcmpEcho.TryParse(ip.Payload, out IcmpEcho echo));
        Assert.Equal(IcmpEcho.TypeEchoRequest, echo.Type);
        Assert.Equal(0x1234, echo.Identifier);
        Assert.Equal(1, echo.SequenceNumber);
        Assert.Equal("aurora-ping!"u8.ToArray(), echo.Data.ToArray());

        var emitted = new byte[20];
        int n = IcmpEcho.Emit(emitted, IcmpEcho.TypeEchoRequest, 0x1234, 1, "aurora-ping!"u8);
        Assert.Equal(ip.Payload.ToArray(), emitted.AsSpan(0, n).ToArray());

        var ipEmitted = new byte[20];
        Ipv4Packet.Emit(ipEmitted, HostB, HostA, IpProtocol.Icmp, 20, 1);
        Assert.Equal(packet.AsSpan(0, 20).ToArray(), ipEmitted);
    }

    [Fact]
    public void TcpSynWithMssParsesAndEmitsTheSameBytes()
    {
        byte[] segment = Hex.Bytes("9c40005001020304000000006002faf0e89c0000020405b4");
        Assert.Equal(WireError.None, TcpSegment.TryParse(segment, HostB, HostA, out TcpSegment tcp));
        Assert.Equal(40000, tcp.SourcePort);
        Assert.Equal(80, tcp.DestinationPort);
        Assert.Equal(0x01020304u, tcp.SequenceNumber);
        Assert.Equal(TcpFlags.Syn, tcp.Flags);
        Assert.Equal(64240, tcp.Window);
        Assert.Equal(1460, tcp.MaxSegmentSize);
        Assert.Equal(1u, tcp.SequenceLength);
        Assert.Equal(0, tcp.Payload.Length);

        var header = new TcpHeader
        {
            SourcePort = 40000, DestinationPort = 80, SequenceNumber = 0x01020304, Flags = TcpFlags.Syn,
            Window = 64240, MaxSegmentSize = 1460,
        };
        var emitted = new byte[24];
        Assert.Equal(24, TcpSegment.Emit(emitted, HostB, HostA, header, 0));
        Assert.Equal(segment, emitted);

        // The same segment from another source fails its pseudo-header checksum.
        Assert.Equal(WireError.BadChecksum, TcpSegment.TryParse(segment, new Ipv4Address(10, 0, 0, 3), HostA, out _));
    }

    [Fact]
    public void UdpDatagramParsesAndEmitsTheSameBytes()
    {
        byte[] datagram = Hex.Bytes("14e90007000d930f68656c6c6f");
        Assert.Equal(WireError.None, UdpDatagram.TryParse(datagram, HostB, HostA, out UdpDatagram udp));
        Assert.Equal(5353, udp.SourcePort);
        Assert.Equal(7, udp.DestinationPort);
        Assert.Equal("hello"u8.ToArray(), udp.Payload.ToArray());
        var emitted = new byte[13];
        "hello"u8.CopyTo(emitted.AsSpan(8));
        UdpDatagram.Emit(emitted, HostB, HostA, 5353, 7, 5);
        Assert.Equal(datagram, emitted);

        // A zero checksum means "none" (RFC 768) and is accepted.
        datagram[6] = 0;
        datagram[7] = 0;
        Assert.Equal(WireError.None, UdpDatagram.TryParse(datagram, HostB, HostA, out _));
        datagram[7] = 1;
        Assert.Equal(WireError.BadChecksum, UdpDatagram.TryParse(datagram, HostB, HostA, out _));
    }

    [Fact]
    public void Ipv4RefusesBadVersionLengthsChecksumOptionsAndFragments()
    {
        byte[] good = Hex.Bytes("4500002800014000400126d20a0000020a000001" + "0800a184123400016175726f72612d70696e6721");
        Assert.Equal(WireError.Truncated, Ipv4Packet.TryParse(good.AsSpan(0, 19), out _));
        Assert.Equal(WireError.Truncated, Ipv4Packet.TryParse(good.AsSpan(0, 39), out _));

        byte[] p = (byte[])good.Clone();
        p[0] = 0x65;
        Assert.Equal(WireError.Malformed, Ipv4Packet.TryParse(p, out _));
        p = (byte[])good.Clone();
        p[0] = 0x44;
        Assert.Equal(WireError.Malformed, Ipv4Packet.TryParse(p, out _));
        p = (byte[])good.Clone();
        p[3] = 10; // total length below the header
        Assert.Equal(WireError.Malformed, Ipv4Packet.TryParse(p, out _));
        p = (byte[])good.Clone();
        p[8] = 63;
        Assert.Equal(WireError.BadChecksum, Ipv4Packet.TryParse(p, out _));

        // Fragments parse (the interface reassembles them); a non-final one must carry a
        // multiple of 8 bytes, and none may end past 65535.
        Assert.Equal(WireError.None, Ipv4Packet.TryParse(Refresh(good, b => { b[6] = 0x20; b[3] = 0x24; }), out Ipv4Packet mf)); // MF, 16 bytes
        Assert.True(mf.IsFragment);
        Assert.True(mf.MoreFragments);
        Assert.Equal(0, mf.FragmentOffset);
        Assert.Equal(WireError.Malformed, Ipv4Packet.TryParse(Refresh(good, b => b[6] = 0x20), out _)); // MF, 20 bytes
        Assert.Equal(WireError.None, Ipv4Packet.TryParse(Refresh(good, b => b[7] = 0x10), out Ipv4Packet last)); // offset 128
        Assert.Equal(128, last.FragmentOffset);
        Assert.True(last.IsFragment);
        Assert.Equal(WireError.Malformed, Ipv4Packet.TryParse(Refresh(good, b => { b[6] = 0x20; b[3] = 0x27; }), out _)); // MF, 19 bytes
        Assert.Equal(WireError.Malformed, Ipv4Packet.TryParse(Refresh(good, b => { b[6] = 0x1F; b[7] = 0xFF; }), out _)); // past 65535
        Assert.Equal(WireError.Malformed, Ipv4Packet.TryParse(Refresh(good, b => b[6] = 0x80), out _)); // reserved flag

        // IHL 6 with a 4-byte option (NOP padding).
        byte[] withOption = new byte[44];
        good.AsSpan(0, 20).CopyTo(withOption);
        withOption[0] = 0x46;
        withOption[3] = 44;
        withOption[20] = 1; withOption[21] = 1; withOption[22] = 1; withOption[23] = 0;
        good.AsSpan(20).CopyTo(withOption.AsSpan(24));
        Assert.Equal(WireError.Unsupported, Ipv4Packet.TryParse(Refresh(withOption, _ => { }), out _));

        // Ethernet padding after the total length is cut off.
        byte[] padded = new byte[60];
        good.CopyTo(padded, 0);
        Assert.Equal(WireError.None, Ipv4Packet.TryParse(padded, out Ipv4Packet ip));
        Assert.Equal(20, ip.Payload.Length);
    }

    [Fact]
    public void TcpRefusesBadDataOffsetsAndOptions()
    {
        byte[] syn = Hex.Bytes("9c40005001020304000000006002faf0e89c0000020405b4");
        Assert.Equal(WireError.Truncated, TcpSegment.TryParse(syn.AsSpan(0, 19), HostB, HostA, out _));
        Assert.Equal(WireError.Malformed, TcpSegment.TryParse(FixTcp(syn, b => b[12] = 0x40), HostB, HostA, out _));
        Assert.Equal(WireError.Truncated, TcpSegment.TryParse(FixTcp(syn, b => b[12] = 0x70), HostB, HostA, out _));
        Assert.Equal(WireError.Malformed, TcpSegment.TryParse(FixTcp(syn, b => b[21] = 0), HostB, HostA, out _));
        Assert.Equal(WireError.Malformed, TcpSegment.TryParse(FixTcp(syn, b => b[21] = 9), HostB, HostA, out _));
        Assert.Equal(WireError.Malformed, TcpSegment.TryParse(FixTcp(syn, b => b[21] = 3), HostB, HostA, out _));
        // Unknown options are skipped by length: a window-scale option in place of MSS.
        Assert.Equal(WireError.None, TcpSegment.TryParse(FixTcp(syn, b => { b[20] = 1; b[21] = 3; b[22] = 3; b[23] = 7; }), HostB, HostA, out TcpSegment t));
        Assert.Equal(0, t.MaxSegmentSize);
    }

    [Fact]
    public void ChecksumHandlesOddLengthsAndLongBuffers()
    {
        Assert.Equal(Reference(new byte[] { 1, 2, 3 }), InternetChecksum.Compute(new byte[] { 1, 2, 3 }));
        var big = new byte[70_000];
        new Random(5).NextBytes(big);
        Assert.Equal(Reference(big), InternetChecksum.Compute(big));
        var ff = new byte[65_536];
        Array.Fill(ff, (byte)0xFF);
        Assert.Equal(Reference(ff), InternetChecksum.Compute(ff));
    }

    [Fact]
    public void ChecksumOfEveryLengthAndSplitMatchesTheBytePairSum()
    {
        // Add sums a word at a time in little-endian order and swaps at the end: every tail
        // length, every even split point and a running sum carried in must give what the
        // plain big-endian byte-pair sum gives.
        var random = new Random(7);
        for (int length = 0; length <= 80; length++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            if (length % 5 == 0) Array.Fill(bytes, (byte)0xFF);
            for (int split = 0; split <= length; split += 2)
            {
                uint sum = InternetChecksum.Add(0x1_2345u, bytes.AsSpan(0, split));
                sum = InternetChecksum.Add(sum, bytes.AsSpan(split));
                var withPrefix = new byte[length + 4];
                withPrefix[1] = 0x01;
                withPrefix[2] = 0x23;
                withPrefix[3] = 0x45;
                bytes.CopyTo(withPrefix, 4);
                Assert.Equal(Reference(withPrefix), InternetChecksum.Finish(sum));
            }
        }
    }

    private static ushort Reference(byte[] bytes)
    {
        ulong sum = 0;
        for (int i = 0; i < bytes.Length; i += 2)
        {
            sum += (ulong)(bytes[i] << 8) + (i + 1 < bytes.Length ? bytes[i + 1] : 0u);
        }

        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>A modified IPv4 header with its checksum recomputed, so only the change is judged.</summary>
    private static byte[] Refresh(byte[] packet, Action<byte[]> change)
    {
        byte[] p = (byte[])packet.Clone();
        change(p);
        int ihl = (p[0] & 0xF) * 4;
        p[10] = 0;
        p[11] = 0;
        ushort c = InternetChecksum.Compute(p.AsSpan(0, ihl));
        p[10] = (byte)(c >> 8);
        p[11] = (byte)c;
        return p;
    }

    private static byte[] FixTcp(byte[] segment, Action<byte[]> change)
    {
        byte[] s = (byte[])segment.Clone();
        change(s);
        s[16] = 0;
        s[17] = 0;
        ushort c = InternetChecksum.Finish(InternetChecksum.Add(InternetChecksum.PseudoHeader(HostB, HostA, IpProtocol.Tcp, s.Length), s));
        s[16] = (byte)(c >> 8);
        s[17] = (byte)c;
        return s;
    }
}
