using System;
using System.Collections.Generic;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>The calls behind MSG_PEEK, shutdown(2), FIONREAD and the listen backlog, each as
/// Linux answers it.</summary>
public class SocketCallTests
{
    [Fact]
    public void PeekLeavesTcpBytesForTheNextRead()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        net.A.Iface.Write(client, "peekaboo"u8);
        var buffer = new byte[16];
        net.RunUntil(() => net.B.Iface.ReadableBytes(server) == 8);
        Assert.Equal(4, net.B.Iface.Read(server, buffer.AsSpan(0, 4), peek: true));
        Assert.Equal("peek"u8.ToArray(), buffer.AsSpan(0, 4).ToArray());
        Assert.Equal(8, net.B.Iface.Read(server, buffer, peek: true));
        Assert.Equal(8, net.B.Iface.ReadableBytes(server));
        Assert.Equal(8, net.B.Iface.Read(server, buffer));
        Assert.Equal("peekaboo"u8.ToArray(), buffer.AsSpan(0, 8).ToArray());
        Assert.Equal(0, net.B.Iface.ReadableBytes(server));
        Assert.Equal(-(long)NetError.WouldBlock, net.B.Iface.Read(server, buffer, peek: true));
    }

    [Fact]
    public void PeekLeavesTheWholeDatagramQueuedAndReadableBytesIsItsLength()
    {
        using var net = new Network();
        int a = net.A.Iface.OpenUdp();
        int b = net.B.Iface.OpenUdp();
        Assert.Equal(NetError.None, net.B.Iface.Bind(b, Ipv4Address.Any, 53));
        Assert.Equal(0, net.B.Iface.ReadableBytes(b));
        net.A.Iface.SendTo(a, "first"u8, net.B.Ip, 53, net.Now);
        net.A.Iface.SendTo(a, "second!"u8, net.B.Ip, 53, net.Now);
        net.RunUntil(() => net.B.Iface.ReadableBytes(b) > 0);
        Assert.Equal(5, net.B.Iface.ReadableBytes(b));
        var buffer = new byte[16];
        Assert.Equal(3, net.B.Iface.ReceiveFrom(b, buffer.AsSpan(0, 3), out Ipv4Address from, out _, peek: true));
        Assert.Equal(net.A.Ip.Value, from.Value);
        Assert.Equal(5, net.B.Iface.ReceiveFrom(b, buffer, out _, out _, peek: true));
        Assert.Equal(5, net.B.Iface.ReceiveFrom(b, buffer, out _, out _));
        Assert.Equal("first"u8.ToArray(), buffer.AsSpan(0, 5).ToArray());
        net.RunUntil(() => net.B.Iface.ReadableBytes(b) > 0);
        Assert.Equal(7, net.B.Iface.Read(b, buffer));
    }

    [Fact]
    public void ShutdownWriteSendsFinAndTheSocketStillReads()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        Assert.Equal(NetError.None, net.A.Iface.ShutdownWrite(client));
        var buffer = new byte[16];
        net.RunUntil(() => net.B.Iface.Read(server, buffer) == 0, what: "end of stream at the peer");
        Assert.Equal(-(long)NetError.BrokenPipe, net.A.Iface.Write(client, "late"u8));
        Assert.Equal(NetError.None, net.A.Iface.ShutdownWrite(client)); // again: nothing more to do
        Assert.Equal(5, net.B.Iface.Write(server, "reply"u8));
        long n = 0;
        net.RunUntil(() => (n = net.A.Iface.Read(client, buffer)) > 0);
        Assert.Equal("reply"u8.ToArray(), buffer.AsSpan(0, (int)n).ToArray());
    }

    [Fact]
    public void ShutdownOfAnUnconnectedSocketIsNotConnected()
    {
        using var net = new Network();
        int tcp = net.A.Iface.OpenTcp();
        int udp = net.A.Iface.OpenUdp();
        Assert.Equal(NetError.NotConnected, net.A.Iface.ShutdownWrite(tcp));
        Assert.Equal(NetError.NotConnected, net.A.Iface.ShutdownWrite(udp));
        Assert.Equal(NetError.BadHandle, net.A.Iface.ShutdownWrite(99));
        Assert.Equal(NetError.None, net.A.Iface.Listen(tcp, 1));
        Assert.Equal(NetError.None, net.A.Iface.ShutdownWrite(tcp));
        Assert.Equal(-(long)NetError.InvalidArgument, net.A.Iface.ReadableBytes(tcp));
    }

    [Fact]
    public void ResetAfterThePeersFinIsBrokenPipe()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        Assert.Equal(NetError.None, net.B.Iface.Close(server));
        var buffer = new byte[4];
        net.RunUntil(() => net.A.Iface.Read(client, buffer) == 0, what: "the peer's FIN");
        // Once the closed end is gone (after its FIN-WAIT and TIME-WAIT), data gets a reset.
        net.RunUntil(() => net.B.Iface.SocketsInUse == 1, what: "the peer's connection to end");
        Assert.Equal(1, net.A.Iface.Write(client, "x"u8));
        net.RunUntil(() => net.A.Iface.PendingError(client) != NetError.None, what: "the reset");
        Assert.Equal(NetError.BrokenPipe, net.A.Iface.PendingError(client));
        Assert.Equal(-(long)NetError.BrokenPipe, net.A.Iface.Write(client, "y"u8));
    }

    [Fact]
    public void NewSynOnTheSamePortsEndsTimeWaitAndIsAccepted()
    {
        using var net = new Network();
        int listener = net.B.Iface.OpenTcp();
        net.B.Iface.Bind(listener, Ipv4Address.Any, 80);
        net.B.Iface.Listen(listener, 4);
        int client = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.None, net.A.Iface.Bind(client, Ipv4Address.Any, 5000));
        net.A.Iface.Connect(client, net.B.Ip, 80, net.Now);
        int server = -1;
        net.RunUntil(() => (server = net.B.Iface.Accept(listener, out _, out _)) >= 0);
        // The server closes first, so its end waits in TIME-WAIT.
        net.B.Iface.Close(server);
        var buffer = new byte[4];
        net.RunUntil(() => net.A.Iface.Read(client, buffer) == 0, what: "the server's FIN");
        net.A.Iface.Close(client);
        net.RunUntil(() => net.A.Iface.SocketsInUse == 0, what: "the client's end to close");
        Assert.Equal(2, net.B.Iface.SocketsInUse); // the listener and the TIME-WAIT connection
        net.Run(10);
        int again = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.None, net.A.Iface.Bind(again, Ipv4Address.Any, 5000));
        ulong start = net.Now;
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(again, net.B.Ip, 80, net.Now));
        net.RunUntil(() => net.A.Iface.GetTcpState(again) == TcpState.Established, what: "the new connection");
        Assert.True(net.Now - start < 100, $"the new SYN waited {net.Now - start} ms for TIME-WAIT");
        Assert.Equal(1UL, net.B.Iface.Statistics.TcpTimeWaitReused);
        net.RunUntil(() => net.B.Iface.Accept(listener, out _, out _) >= 0, what: "accept");
    }

    [Fact]
    public void AbortResetsThePeerAndLeavesNoTimeWait()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        Assert.Equal(NetError.None, net.A.Iface.Abort(client));
        Assert.Equal(0, net.A.Iface.SocketsInUse);
        net.RunUntil(() => net.B.Iface.PendingError(server) != NetError.None, what: "the reset");
        Assert.Equal(NetError.ConnectionReset, net.B.Iface.PendingError(server));
        Assert.Equal(NetError.BadHandle, net.A.Iface.Abort(client));
    }

    [Fact]
    public void HalfOpenConnectionsDoNotFillTheBacklog()
    {
        using var net = new Network();
        int listener = net.B.Iface.OpenTcp();
        net.B.Iface.Bind(listener, Ipv4Address.Any, 80);
        Assert.Equal(NetError.None, net.B.Iface.Listen(listener, 1));
        // A SYN whose SYN-ACK never arrives leaves a half-open connection at B.
        net.BtoA.DropAllIpv4 = true;
        int lost = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(lost, net.B.Ip, 80, net.Now));
        net.Run(20);
        net.A.Iface.Close(lost);
        net.BtoA.DropAllIpv4 = false;
        int client = net.A.Iface.OpenTcp();
        ulong start = net.Now;
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(client, net.B.Ip, 80, net.Now));
        net.RunUntil(() => net.A.Iface.GetTcpState(client) == TcpState.Established, what: "the second connection");
        Assert.True(net.Now - start < 100, $"the second SYN waited {net.Now - start} ms for the half-open one");
        Assert.Equal(0UL, net.B.Iface.Statistics.TcpListenOverflows);
        net.RunUntil(() => net.B.Iface.Accept(listener, out _, out _) >= 0, what: "accept");
    }

    /// <summary>A SYN flood (issue 13's flood test: forged sources that never answer the SYN-ACK)
    /// fills the SYN queue; a real client's SYN then takes the place of the oldest half-open
    /// connection and its handshake completes at once, instead of after the minute the flood's
    /// half-open connections would wait through their SYN-ACK retransmissions.</summary>
    [Fact]
    public void SynFloodDoesNotLockOutARealClient()
    {
        using var net = new Network(configure: c => { c.SocketCapacity = 512; return c; });
        int listener = net.B.Iface.OpenTcp();
        net.B.Iface.Bind(listener, Ipv4Address.Any, 80);
        Assert.Equal(NetError.None, net.B.Iface.Listen(listener, 16));
        // B's SYN-ACKs reach A only for the real client's port (5000).
        net.BtoA.DropIf = frame => frame[23] == 6 && (frame[36] << 8 | frame[37]) != 5000;
        var flood = new List<int>();
        for (int i = 0; i < NetInterface<LedgerMemory>.SynQueueLimit + 20; i++)
        {
            int s = net.A.Iface.OpenTcp();
            Assert.Equal(NetError.InProgress, net.A.Iface.Connect(s, net.B.Ip, 80, net.Now));
            flood.Add(s);
        }

        net.Run(20);
        foreach (int s in flood) net.A.Iface.Close(s);
        ulong overflows = net.B.Iface.Statistics.TcpListenOverflows;
        Assert.True(net.B.Iface.Statistics.TcpSynQueueEvictions >= 20, $"{net.B.Iface.Statistics.TcpSynQueueEvictions} evictions");
        int client = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.None, net.A.Iface.Bind(client, Ipv4Address.Any, 5000));
        ulong start = net.Now;
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(client, net.B.Ip, 80, net.Now));
        net.RunUntil(() => net.A.Iface.GetTcpState(client) == TcpState.Established, what: "the real client's connection");
        Assert.True(net.Now - start < 100, $"the real client waited {net.Now - start} ms behind the flood");
        Assert.Equal(overflows, net.B.Iface.Statistics.TcpListenOverflows);
        net.RunUntil(() => net.B.Iface.Accept(listener, out _, out _) >= 0, what: "accept");
    }

    /// <summary>A SYN flood faster than a handshake (the flood test under TCG: hundreds of SYNs
    /// from forged addresses on the local network while the real client's ACK is on its way):
    /// the half-open connections whose SYN-ACK could not be sent (no ARP answer) leave the full
    /// SYN queue first, so the real client's entry survives to its ACK.</summary>
    [Fact]
    public void SynFloodFromUnresolvedNeighboursDoesNotEvictARealHandshake()
    {
        using var net = new Network(configure: c => { c.SocketCapacity = 512; return c; });
        int listener = net.B.Iface.OpenTcp();
        net.B.Iface.Bind(listener, Ipv4Address.Any, 80);
        Assert.Equal(NetError.None, net.B.Iface.Listen(listener, 16));
        net.Run(5);
        int forged = 0;
        void Flood(int count)
        {
            var frame = new byte[54];
            for (int i = 0; i < count; i++, forged++)
            {
                var source = new Ipv4Address(10, 0, 0, (byte)(100 + forged % 100));
                EthernetFrame.Emit(frame, net.B.Mac, new MacAddress(0x02, 0, 0, 0, 0, 9), EtherType.Ipv4);
                Ipv4Packet.Emit(frame.AsSpan(14), source, net.B.Ip, IpProtocol.Tcp, 20, (ushort)forged);
                var syn = new TcpHeader { SourcePort = (ushort)(1024 + forged), DestinationPort = 80, SequenceNumber = (uint)forged * 7919, Flags = TcpFlags.Syn, Window = 65535 };
                TcpSegment.Emit(frame.AsSpan(34), source, net.B.Ip, syn, 0);
                net.B.Iface.Receive(frame, net.Now);
            }
        }

        Flood(NetInterface<LedgerMemory>.SynQueueLimit);
        net.Step();
        int client = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(client, net.B.Ip, 80, net.Now));
        for (int ms = 0; ms < 50 && net.A.Iface.GetTcpState(client) != TcpState.Established; ms++)
        {
            Flood(NetInterface<LedgerMemory>.SynQueueLimit / 2); // half the queue every millisecond: each entry lives about 2 ms, the handshake takes 2
            net.Step();
        }

        Assert.True(net.B.Iface.Statistics.TcpSynQueueEvictions > 0);
        Assert.Equal(TcpState.Established, net.A.Iface.GetTcpState(client));
        net.RunUntil(() => net.B.Iface.Accept(listener, out _, out _) >= 0, what: "accept", limitMs: 100);
    }
}
