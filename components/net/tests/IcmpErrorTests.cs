using System;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>ICMP port unreachable (RFC 792, RFC 1122 §4.1.3.1 and §4.1.3.3): sent for UDP to a
/// closed port (rate limited, never for broadcasts), and reported to a connected UDP socket as
/// ECONNREFUSED once, as Linux does; connected UDP sockets send to and hear only their peer.</summary>
public class IcmpErrorTests
{
    [Fact]
    public void ConnectedUdpSocketGetsConnectionRefusedOnceFromAClosedPort()
    {
        using var net = new Network();
        int a = net.A.Iface.OpenUdp();
        int unconnected = net.A.Iface.OpenUdp();
        Assert.Equal(NetError.None, net.A.Iface.Connect(a, net.B.Ip, 9999, net.Now));
        Assert.Equal(NetError.None, net.A.Iface.GetRemoteEndpoint(a, out Ipv4Address peer, out ushort peerPort));
        Assert.Equal(net.B.Ip.Value, peer.Value);
        Assert.Equal(9999, peerPort);
        Assert.Equal(4, net.A.Iface.Write(a, "ping"u8));
        Assert.Equal(4, net.A.Iface.SendTo(unconnected, "ping"u8, net.B.Ip, 9998, net.Now));
        var buffer = new byte[100];
        net.RunUntil(() => net.A.Iface.PendingError(a) != NetError.None, 1000, "the ICMP error");
        Assert.Equal(2UL, net.B.Iface.Statistics.IcmpErrorsSent);
        Assert.Equal(1UL, net.A.Iface.Statistics.IcmpErrorsDelivered);
        Assert.NotEqual(0, net.A.Iface.Events(a) & SocketEvents.Readable);
        Assert.Equal(-(long)NetError.ConnectionRefused, net.A.Iface.ReceiveFrom(a, buffer, out _, out _));
        Assert.Equal(-(long)NetError.WouldBlock, net.A.Iface.ReceiveFrom(a, buffer, out _, out _));
        // The unconnected socket hears nothing of it (Linux without IP_RECVERR).
        Assert.Equal(-(long)NetError.WouldBlock, net.A.Iface.ReceiveFrom(unconnected, buffer, out _, out _));
        Assert.Equal(NetError.None, net.A.Iface.PendingError(unconnected));

        // Again, reported by the send this time; then the send works.
        Assert.Equal(4, net.A.Iface.Write(a, "ping"u8));
        net.RunUntil(() => net.A.Iface.PendingError(a) != NetError.None, 1000, "the second ICMP error");
        Assert.Equal(-(long)NetError.ConnectionRefused, net.A.Iface.Write(a, "ping"u8));
        Assert.Equal(4, net.A.Iface.Write(a, "ping"u8));
    }

    [Fact]
    public void ConnectedUdpSocketTakesDatagramsFromItsPeerOnly()
    {
        using var net = new Network();
        int b = net.B.Iface.OpenUdp();
        Assert.Equal(NetError.None, net.B.Iface.Bind(b, Ipv4Address.Any, 53));
        Assert.Equal(NetError.None, net.B.Iface.Connect(b, net.A.Ip, 7000, net.Now));
        int fromPeer = net.A.Iface.OpenUdp();
        int fromOther = net.A.Iface.OpenUdp();
        Assert.Equal(NetError.None, net.A.Iface.Bind(fromPeer, Ipv4Address.Any, 7000));
        Assert.Equal(NetError.None, net.A.Iface.Bind(fromOther, Ipv4Address.Any, 7001));
        net.A.Iface.SendTo(fromOther, "other"u8, net.B.Ip, 53, net.Now);
        net.A.Iface.SendTo(fromPeer, "peer"u8, net.B.Ip, 53, net.Now);
        var buffer = new byte[100];
        long n = 0;
        net.RunUntil(() => (n = net.B.Iface.ReceiveFrom(b, buffer, out _, out _)) > 0, 1000, "the peer's datagram");
        Assert.Equal("peer"u8.ToArray(), buffer.AsSpan(0, (int)n).ToArray());
        net.Run(20);
        Assert.Equal(-(long)NetError.WouldBlock, net.B.Iface.ReceiveFrom(b, buffer, out _, out _));
        // The other sender's datagram had no socket: it was refused with an ICMP error.
        Assert.Equal(1UL, net.B.Iface.Statistics.IcmpErrorsSent);
        // AF_UNSPEC (unspecified address, port 0) dissolves the association.
        Assert.Equal(NetError.None, net.B.Iface.Connect(b, default, 0, net.Now));
        Assert.Equal(NetError.NotConnected, net.B.Iface.GetRemoteEndpoint(b, out _, out _));
        Assert.Equal(-(long)NetError.DestinationAddressRequired, net.B.Iface.Write(b, "x"u8));
    }

    [Fact]
    public void PortUnreachablesAreRateLimited()
    {
        using var net = new Network();
        int a = net.A.Iface.OpenUdp();
        for (int i = 0; i < 200; i++)
        {
            net.A.Iface.SendTo(a, "x"u8, net.B.Ip, 9999, net.Now);
            if (i % 20 == 19) net.Step(0);
        }

        net.Run(5);
        Assert.InRange(net.B.Iface.Statistics.IcmpErrorsSent, 1UL, 51UL);
    }
}
