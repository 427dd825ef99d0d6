using System;
using System.Linq;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>ARP, ICMP echo and what the interface drops.</summary>
public class InterfaceTests
{
    private static byte[] Frame(string hex)
    {
        byte[] f = Hex.Bytes(hex);
        return f.Length >= 60 ? f : f.Concat(new byte[60 - f.Length]).ToArray();
    }

    [Fact]
    public void ArpRequestForOurAddressIsAnsweredAndTheAskerLearnt()
    {
        using var a = new Host(1);
        a.Iface.Receive(Frame("ffffffffffff 020000000002 0806 0001 0800 06 04 0001 020000000002 0a000002 000000000000 0a000001"), 10);
        var frames = a.Poll(10);
        byte[] reply = Assert.Single(frames);
        Assert.Equal(WireError.None, EthernetFrame.TryParse(reply, out EthernetFrame eth));
        Assert.Equal(0x020000000002UL, eth.Destination.Value);
        Assert.Equal(WireError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpPacket.OperationReply, arp.Operation);
        Assert.Equal(a.Mac.Value, arp.SenderHardware.Value);
        Assert.Equal(a.Ip.Value, arp.SenderProtocol.Value);
        Assert.Equal(new Ipv4Address(10, 0, 0, 2).Value, arp.TargetProtocol.Value);

        // The asker was learnt: a datagram to it goes out without an ARP request.
        int u = a.Iface.OpenUdp();
        Assert.Equal(3, a.Iface.SendTo(u, "abc"u8, new Ipv4Address(10, 0, 0, 2), 9, 11));
        byte[] datagram = Assert.Single(a.Poll(11));
        Assert.Equal(0x0800, (datagram[12] << 8) | datagram[13]);
        Assert.Equal(0x020000000002UL, MacAddress.Read(datagram, 0).Value);
    }

    [Fact]
    public void ArpRequestForAnotherAddressIsIgnored()
    {
        using var a = new Host(1);
        a.Iface.Receive(Frame("ffffffffffff 020000000002 0806 0001 0800 06 04 0001 020000000002 0a000002 000000000000 0a000009"), 10);
        Assert.Empty(a.Poll(10));
    }

    /// <summary>More unresolved neighbours than ARP cache entries (the flood test's SYNs from
    /// forged addresses on the guest's network): each address is asked for at most once per
    /// request interval, not once per poll as entries evict each other (251,005 requests in 20 s
    /// under the flood before).</summary>
    [Fact]
    public void MoreUnresolvedNeighboursThanEntriesDoNotStormArp()
    {
        using var a = new Host(1, configure: c => { c.TransmitQueueCapacity = 128; return c; });
        int u = a.Iface.OpenUdp();
        const int entries = 16; // ArpCache.Capacity
        int targets = entries * 2 + 8;
        for (int i = 0; i < targets; i++)
            Assert.Equal(2, a.Iface.SendTo(u, "hi"u8, new Ipv4Address(10, 0, 0, (byte)(100 + i)), 7, 10));
        for (ulong now = 10; now < 2010; now++) a.Poll(now);
        ulong requests = a.Iface.Statistics.ArpRequestsSent;
        Assert.True(requests >= entries, $"{requests} ARP requests");
        Assert.True(requests <= entries * 3, $"{requests} ARP requests in 2 s for {targets} addresses and {entries} entries");
        for (ulong now = 2010; now < 5010; now++) a.Poll(now);
        Assert.Equal((ulong)targets, a.Iface.Statistics.ArpFailures);
    }

    [Fact]
    public void UnresolvedDestinationWaitsForArpAndIsSentAfterTheReply()
    {
        using var net = new Network();
        int u = net.A.Iface.OpenUdp();
        Assert.Equal(2, net.A.Iface.SendTo(u, "hi"u8, net.B.Ip, 7, net.Now));
        var frames = net.A.Poll(net.Now);
        byte[] request = Assert.Single(frames);
        Assert.Equal(WireError.None, EthernetFrame.TryParse(request, out EthernetFrame eth));
        Assert.True(eth.Destination.IsBroadcast);
        Assert.Equal(EtherType.Arp, eth.EtherType);

        int b = net.B.Iface.OpenUdp();
        Assert.Equal(NetError.None, net.B.Iface.Bind(b, Ipv4Address.Any, 7));
        net.B.Iface.Receive(request, net.Now);
        foreach (byte[] f in net.B.Poll(net.Now)) net.A.Iface.Receive(f, net.Now);
        byte[] datagram = Assert.Single(net.A.Poll(net.Now));
        net.B.Iface.Receive(datagram, net.Now);
        var buffer = new byte[16];
        Assert.Equal(2, net.B.Iface.ReceiveFrom(b, buffer, out Ipv4Address from, out ushort port));
        Assert.Equal(net.A.Ip.Value, from.Value);
        Assert.True(port >= 49152);
        Assert.Equal(1UL, net.A.Iface.Statistics.ArpRequestsSent);
    }

    [Fact]
    public void FrameWithoutArpAnswerIsDroppedAfterThreeSecondsWithRetries()
    {
        using var a = new Host(1);
        int u = a.Iface.OpenUdp();
        Assert.Equal(1, a.Iface.SendTo(u, "x"u8, new Ipv4Address(10, 0, 0, 77), 7, 0));
        int requests = 0;
        for (ulong t = 0; t <= 3500; t += 100)
        {
            requests += a.Poll(t).Count;
        }

        Assert.InRange(requests, 3, 4);
        Assert.Equal(1UL, a.Iface.Statistics.ArpFailures);
        Assert.Equal(ulong.MaxValue, a.Iface.NextTimerMs());
    }

    [Fact]
    public void OffSubnetTrafficGoesToTheGatewayAndWithoutOneIsUnreachable()
    {
        using var a = new Host(1);
        int u = a.Iface.OpenUdp();
        Assert.Equal(1, a.Iface.SendTo(u, "x"u8, new Ipv4Address(192, 168, 1, 1), 7, 0));
        byte[] request = Assert.Single(a.Poll(0));
        Assert.Equal(WireError.None, ArpPacket.TryParse(request.AsSpan(14), out ArpPacket arp));
        Assert.Equal(new Ipv4Address(10, 0, 0, 254).Value, arp.TargetProtocol.Value);

        using var c = new Host(3, configure: cfg => { cfg.Gateway = default; return cfg; });
        int v = c.Iface.OpenUdp();
        Assert.Equal(-(long)NetError.HostUnreachable, c.Iface.SendTo(v, "x"u8, new Ipv4Address(192, 168, 1, 1), 7, 0));
        int t = c.Iface.OpenTcp();
        Assert.Equal(NetError.HostUnreachable, c.Iface.Connect(t, new Ipv4Address(192, 168, 1, 1), 80, 0));
    }

    [Fact]
    public void EchoRequestIsAnsweredWithTheSameIdentifierSequenceAndData()
    {
        using var net = new Network();
        // Let A learn B first (B answers A's ARP request for a datagram).
        int u = net.A.Iface.OpenUdp();
        net.A.Iface.SendTo(u, "x"u8, net.B.Ip, 9, net.Now);
        net.Run(5);

        byte[] request = new byte[14 + 20 + 8 + 12];
        "aurora-ping!"u8.CopyTo(request.AsSpan(42));
        IcmpEcho.Emit(request.AsSpan(34), IcmpEcho.TypeEchoRequest, 0x1234, 7, request.AsSpan(42));
        Ipv4Packet.Emit(request.AsSpan(14), net.A.Ip, net.B.Ip, IpProtocol.Icmp, 20, 99);
        EthernetFrame.Emit(request, net.B.Mac, net.A.Mac, EtherType.Ipv4);
        net.B.Iface.Receive(request, net.Now);
        byte[] reply = Assert.Single(net.B.Poll(net.Now));
        Assert.Equal(WireError.None, EthernetFrame.TryParse(reply, out EthernetFrame eth));
        Assert.Equal(net.A.Mac.Value, eth.Destination.Value);
        Assert.Equal(WireError.None, Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        Assert.Equal(net.B.Ip.Value, ip.Source.Value);
        Assert.Equal(net.A.Ip.Value, ip.Destination.Value);
        Assert.Equal(WireError.None, IcmpEcho.TryParse(ip.Payload, out IcmpEcho echo));
        Assert.Equal(IcmpEcho.TypeEchoReply, echo.Type);
        Assert.Equal(0x1234, echo.Identifier);
        Assert.Equal(7, echo.SequenceNumber);
        Assert.Equal("aurora-ping!"u8.ToArray(), echo.Data.ToArray());
        Assert.Equal(1UL, net.B.Iface.Statistics.EchoRepliesSent);
    }

    [Fact]
    public void FramesForOtherHostsAndBrokenFramesAreDroppedAndCounted()
    {
        using var a = new Host(1);
        a.Iface.Receive(new byte[5], 0);
        a.Iface.Receive(Frame("020000000099 020000000002 0800"), 0);
        a.Iface.Receive(Frame("020000000001 020000000002 86dd"), 0);
        a.Iface.Receive(Frame("020000000001 020000000002 0800 4500"), 0);
        NetStatistics s = a.Iface.Statistics;
        Assert.Equal(4UL, s.FramesReceived);
        Assert.Equal(4UL, s.FramesDropped);
        Assert.Equal(1UL, s.Truncated);
        Assert.Equal(2UL, s.NotForUs);
        Assert.Equal(1UL, s.Malformed);
        Assert.Empty(a.Poll(0));
    }

    [Fact]
    public void InitializeFailsCleanlyWithoutMemoryAndDisposeGivesEverythingBack()
    {
        for (int fail = 0; fail < 4; fail++)   // four tables: sockets, ARP, queue slots, queue data
        {
            var ledger = new MemoryLedger { FailAfter = fail };
            var iface = new NetInterface<LedgerMemory>(new LedgerMemory(ledger));
            var config = new InterfaceConfig { Mac = new MacAddress(2, 0, 0, 0, 0, 1), Address = new Ipv4Address(10, 0, 0, 1), Netmask = new Ipv4Address(255, 255, 255, 0) };
            Assert.Equal(NetError.NoMemory, iface.Initialize(config));
            Assert.Equal(0, ledger.Outstanding);
        }

        var bad = new NetInterface<LedgerMemory>(new LedgerMemory(new MemoryLedger()));
        Assert.Equal(NetError.InvalidArgument, bad.Initialize(new InterfaceConfig { Netmask = new Ipv4Address(255, 0, 255, 0) }));
    }
}
