using System;
using System.Collections.Generic;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>The DHCP client (RFC 2131) against a scripted server: the messages it sends (from
/// 0.0.0.0 with the broadcast flag, the offer and server named in the REQUEST, renewal unicast
/// with ciaddr at T1, rebinding broadcast at T2), the lease applied (address, mask, router, DNS),
/// retransmission with backoff, NAK, strangers' answers ignored, the lease's end.</summary>
public class DhcpTests
{
    private static readonly MacAddress ServerMac = new(0x52, 0x55, 0x0a, 0, 2, 2);
    private static readonly Ipv4Address Server = new(10, 0, 2, 2);
    private static readonly Ipv4Address Offered = new(10, 0, 2, 15);

    private sealed record Message(byte Type, uint Xid, bool BroadcastFlag, Ipv4Address Source, Ipv4Address Destination,
        Ipv4Address Ciaddr, Ipv4Address Requested, Ipv4Address ServerId, MacAddress Chaddr);

    private static List<Message> Sent(Host host, ulong now)
    {
        var list = new List<Message>();
        foreach (byte[] f in host.Poll(now))
        {
            Assert.Equal(WireError.None, EthernetFrame.TryParse(f, out EthernetFrame eth));
            if (eth.EtherType != EtherType.Ipv4) continue;
            Assert.Equal(WireError.None, Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
            if (ip.Protocol != IpProtocol.Udp) continue;
            Assert.Equal(WireError.None, UdpDatagram.TryParse(ip.Payload, ip.Source, ip.Destination, out UdpDatagram udp));
            if (udp.DestinationPort != 67) continue;
            Assert.Equal(68, udp.SourcePort);
            ReadOnlySpan<byte> m = udp.Payload;
            Assert.True(m.Length >= 300, "a BOOTP message is at least 300 bytes");
            Assert.Equal(1, m[0]);
            Assert.Equal(0x63825363u, NetworkOrder.ReadUInt32(m, 236));
            byte type = 0;
            Ipv4Address requested = default, serverId = default;
            for (int i = 240; i < m.Length && m[i] != 255;)
            {
                if (m[i] == 0) { i++; continue; }
                if (m[i] == 53) type = m[i + 2];
                if (m[i] == 50) requested = Ipv4Address.Read(m, i + 2);
                if (m[i] == 54) serverId = Ipv4Address.Read(m, i + 2);
                i += 2 + m[i + 1];
            }

            if (ip.Destination.IsBroadcast) Assert.True(eth.Destination.IsBroadcast);
            list.Add(new Message(type, NetworkOrder.ReadUInt32(m, 4), (NetworkOrder.ReadUInt16(m, 10) & 0x8000) != 0,
                ip.Source, ip.Destination, Ipv4Address.Read(m, 12), requested, serverId, MacAddress.Read(m, 28)));
        }

        return list;
    }

    private static byte[] Reply(byte type, uint xid, MacAddress client, Ipv4Address yiaddr, uint lease = 86400,
        bool withDns = true, ushort sourcePort = 67)
    {
        var m = new List<byte>();
        var fixedPart = new byte[240];
        fixedPart[0] = 2; fixedPart[1] = 1; fixedPart[2] = 6;
        NetworkOrder.WriteUInt32(fixedPart, 4, xid);
        yiaddr.Write(fixedPart, 16);
        client.Write(fixedPart, 28);
        NetworkOrder.WriteUInt32(fixedPart, 236, 0x63825363);
        m.AddRange(fixedPart);
        void Option(byte code, params byte[] value) { m.Add(code); m.Add((byte)value.Length); m.AddRange(value); }
        Option(53, type);
        Option(54, 10, 0, 2, 2);
        Option(1, 255, 255, 255, 0);
        Option(3, 10, 0, 2, 2);
        if (withDns) Option(6, 10, 0, 2, 3, 10, 0, 2, 4);
        Option(51, (byte)(lease >> 24), (byte)(lease >> 16), (byte)(lease >> 8), (byte)lease);
        m.Add(255);
        while (m.Count < 300) m.Add(0);
        int udpLength = 8 + m.Count;
        var frame = new byte[14 + 20 + udpLength];
        m.ToArray().CopyTo(frame, 42);
        UdpDatagram.Emit(frame.AsSpan(34), Server, Ipv4Address.Broadcast, sourcePort, 68, m.Count);
        Ipv4Packet.Emit(frame.AsSpan(14), Server, Ipv4Address.Broadcast, IpProtocol.Udp, udpLength, 1);
        EthernetFrame.Emit(frame, MacAddress.Broadcast, ServerMac, EtherType.Ipv4);
        return frame;
    }

    private static Host Client() => new(1, configure: c => { c.Address = default; c.Netmask = default; c.Gateway = default; return c; });

    /// <summary>DISCOVER, OFFER, REQUEST, ACK: the lease applied; T1 renewal unicast; T2 rebinding broadcast.</summary>
    [Fact]
    public void TheFullExchangeTakesTheLeaseAndRenewsAtT1()
    {
        using Host host = Client();
        ulong now = 1000;
        Assert.Equal(NetError.None, host.Iface.StartDhcp(now));
        Assert.Equal(DhcpState.Selecting, host.Iface.DhcpStatus);
        var discover = Assert.Single(Sent(host, now));
        Assert.Equal(1, discover.Type);
        Assert.True(discover.BroadcastFlag);
        Assert.True(discover.Source.IsUnspecified);
        Assert.True(discover.Destination.IsBroadcast);
        Assert.Equal(host.Mac.Value, discover.Chaddr.Value);

        // A stranger's offer (another transaction) and one from a wrong port are ignored.
        host.Iface.Receive(Reply(2, discover.Xid + 1, host.Mac, Offered), now);
        host.Iface.Receive(Reply(2, discover.Xid, host.Mac, Offered, sourcePort: 99), now);
        Assert.Equal(DhcpState.Selecting, host.Iface.DhcpStatus);

        host.Iface.Receive(Reply(2, discover.Xid, host.Mac, Offered), now);
        Assert.Equal(DhcpState.Requesting, host.Iface.DhcpStatus);
        var request = Assert.Single(Sent(host, now));
        Assert.Equal(3, request.Type);
        Assert.Equal(discover.Xid, request.Xid);
        Assert.Equal(Offered.Value, request.Requested.Value);
        Assert.Equal(Server.Value, request.ServerId.Value);
        Assert.True(request.Source.IsUnspecified && request.Destination.IsBroadcast);

        host.Iface.Receive(Reply(5, request.Xid, host.Mac, Offered, lease: 100), now);
        Assert.Equal(DhcpState.Bound, host.Iface.DhcpStatus);
        Assert.True(host.Iface.TryGetLease(out DhcpLease lease));
        Assert.Equal(Offered.Value, host.Iface.Address.Value);
        Assert.Equal(new Ipv4Address(255, 255, 255, 0).Value, lease.Netmask.Value);
        Assert.Equal(Server.Value, lease.Gateway.Value);
        Assert.Equal(2, lease.DnsCount);
        Assert.Equal(new Ipv4Address(10, 0, 2, 3).Value, lease.Dns0.Value);
        Assert.Equal(new Ipv4Address(10, 0, 2, 4).Value, lease.Dns1.Value);
        Assert.Equal(50u, lease.RenewSeconds);
        Assert.Equal(87u, lease.RebindSeconds);
        Assert.Equal(1UL, host.Iface.DhcpLeaseCount);

        // Nothing until T1 (50 s); then a REQUEST unicast to the server, ciaddr ours. ARP first.
        Assert.Empty(Sent(host, now + 49_000));
        Assert.Equal(now + 50_000, host.Iface.NextTimerMs());
        host.Poll(now + 50_000);
        var arp = new byte[60];
        EthernetFrame.Emit(arp, host.Mac, ServerMac, EtherType.Arp);
        ArpPacket.Emit(arp.AsSpan(14), ArpPacket.OperationReply, ServerMac, Server, host.Mac, Offered);
        host.Iface.Receive(arp, now + 50_000);
        var renew = Assert.Single(Sent(host, now + 50_001));
        Assert.Equal(DhcpState.Renewing, host.Iface.DhcpStatus);
        Assert.Equal(3, renew.Type);
        Assert.Equal(Offered.Value, renew.Ciaddr.Value);
        Assert.Equal(Offered.Value, renew.Source.Value);
        Assert.Equal(Server.Value, renew.Destination.Value);
        Assert.False(renew.BroadcastFlag);
        Assert.True(renew.Requested.IsUnspecified, "option 50 only while selecting");

        // No answer: at T2 (87 s) it rebinds by broadcast; at the lease's end the address goes.
        Assert.Contains(Sent(host, now + 87_000), m => m.Type == 3 && m.Destination.IsBroadcast && m.Ciaddr.Value == Offered.Value);
        Assert.Equal(DhcpState.Rebinding, host.Iface.DhcpStatus);
        var again = Sent(host, now + 100_000);
        Assert.Equal(DhcpState.Selecting, host.Iface.DhcpStatus);
        Assert.True(host.Iface.Address.IsUnspecified);
        Assert.Contains(again, m => m.Type == 1);

        // A new lease, then a renewal ACK extends it.
        var d2 = again.Find(m => m.Type == 1)!;
        host.Iface.Receive(Reply(2, d2.Xid, host.Mac, Offered), now + 100_000);
        var r2 = Assert.Single(Sent(host, now + 100_000));
        host.Iface.Receive(Reply(5, r2.Xid, host.Mac, Offered, lease: 100), now + 100_000);
        Assert.Equal(DhcpState.Bound, host.Iface.DhcpStatus);
        Assert.Equal(2UL, host.Iface.DhcpLeaseCount);
    }

    [Fact]
    public void UnansweredDiscoversAreRetriedWithBackoffAndANakStartsOver()
    {
        using Host host = Client();
        ulong now = 1000;
        host.Iface.StartDhcp(now);
        var times = new List<ulong>();
        for (ulong t = now; t < now + 20_000; t += 10)
        {
            if (Sent(host, t).Exists(m => m.Type == 1)) times.Add(t - now);
        }

        Assert.Equal(new ulong[] { 0, 1000, 3000, 7000, 15000 }, times);

        // An offer, a REQUEST, a NAK: back to discovery with no address.
        ulong at = now + 20_000;
        host.Iface.Receive(Reply(2, host.Iface.DhcpStatus == DhcpState.Selecting ? LastXid(host, at) : 0, host.Mac, Offered), at);
        Assert.Equal(DhcpState.Requesting, host.Iface.DhcpStatus);
        var request = Assert.Single(Sent(host, at));
        host.Iface.Receive(Reply(6, request.Xid, host.Mac, default), at);
        Assert.Equal(DhcpState.Selecting, host.Iface.DhcpStatus);
        Assert.True(host.Iface.Address.IsUnspecified);
        Assert.Equal(1UL, host.Iface.Statistics.DhcpNaks);

        // The fallback: addresses by hand, DHCP stopped, the stack works.
        host.Iface.Configure(new Ipv4Address(10, 0, 0, 1), new Ipv4Address(255, 255, 255, 0), default);
        Assert.Equal(DhcpState.Off, host.Iface.DhcpStatus);
        Assert.Empty(Sent(host, at + 100_000));
    }

    /// <summary>The xid of the DISCOVER the client sends when polled (forces one out).</summary>
    private static uint LastXid(Host host, ulong at)
    {
        host.Iface.StartDhcp(at);
        return Assert.Single(Sent(host, at)).Xid;
    }

    [Fact]
    public void MalformedAndUnexpectedAnswersAreIgnored()
    {
        using Host host = Client();
        host.Iface.StartDhcp(1000);
        var discover = Assert.Single(Sent(host, 1000));
        byte[] ack = Reply(5, discover.Xid, host.Mac, Offered);
        host.Iface.Receive(ack, 1000); // an ACK while selecting
        Assert.Equal(DhcpState.Selecting, host.Iface.DhcpStatus);
        byte[] other = Reply(2, discover.Xid, new MacAddress(2, 0, 0, 0, 0, 77), Offered);
        host.Iface.Receive(other, 1000); // an offer for another client
        byte[] truncated = Reply(2, discover.Xid, host.Mac, Offered);
        truncated[42 + 241] = 200; // option 53's length runs past the end
        UdpDatagram.Emit(truncated.AsSpan(34), Server, Ipv4Address.Broadcast, 67, 68, truncated.Length - 42);
        host.Iface.Receive(truncated, 1000);
        Assert.Equal(DhcpState.Selecting, host.Iface.DhcpStatus);
        Assert.True(host.Iface.Statistics.DhcpMessagesIgnored >= 3);
        Assert.True(host.Iface.Address.IsUnspecified);
    }
}
