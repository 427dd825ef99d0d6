using System;
using System.Collections.Generic;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>Packets to 127.0.0.0/8 and to the interface's own address go through the loopback
/// ring, never the device, as over Linux's lo.</summary>
public class LoopbackTests
{
    /// <summary>Polls until <paramref name="done"/>; every frame the device was given is kept.</summary>
    private static void PollUntil(Host host, ref ulong now, Func<bool> done, List<byte[]> onTheWire)
    {
        for (int i = 0; i < 1000; i++)
        {
            if (done())
            {
                return;
            }

            onTheWire.AddRange(host.Poll(now));
            now++;
        }

        Assert.Fail("timed out");
    }

    [Theory]
    [InlineData(127, 0, 0, 1, "127.0.0.1")]
    [InlineData(10, 0, 0, 1, "the interface's own address")]
    public void TcpConnectsToOwnListenerWithoutTheWire(byte a, byte b, byte c, byte d, string what)
    {
        using var host = new Host(1);
        var target = new Ipv4Address(a, b, c, d);
        ulong now = 1000;
        var wire = new List<byte[]>();
        int listener = host.Iface.OpenTcp();
        host.Iface.Bind(listener, Ipv4Address.Any, 80);
        Assert.Equal(NetError.None, host.Iface.Listen(listener, 4));
        int client = host.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, host.Iface.Connect(client, target, 80, now));
        int server = -1;
        PollUntil(host, ref now, () => (server = server >= 0 ? server : host.Iface.Accept(listener, out _, out _)) >= 0 &&
            host.Iface.GetTcpState(client) == TcpState.Established, wire);
        Assert.Equal(NetError.None, host.Iface.GetLocalEndpoint(client, out Ipv4Address local, out _));
        Assert.Equal(target.Value, local.Value);
        Assert.Equal(NetError.None, host.Iface.GetRemoteEndpoint(server, out Ipv4Address peer, out _));
        Assert.Equal(target.Value, peer.Value);

        byte[] data = new byte[200_000];
        new Random(5).NextBytes(data);
        var got = new List<byte>();
        int sent = 0;
        var buffer = new byte[5000];
        PollUntil(host, ref now, () =>
        {
            if (sent < data.Length)
            {
                long n = host.Iface.Write(client, data.AsSpan(sent, Math.Min(30_000, data.Length - sent)));
                if (n > 0) sent += (int)n;
            }

            long r;
            while ((r = host.Iface.Read(server, buffer)) > 0) got.AddRange(buffer.AsSpan(0, (int)r).ToArray());
            return got.Count == data.Length;
        }, wire);
        Assert.Equal(data, got.ToArray());
        Assert.Empty(wire.FindAll(f => f[12] == 0x08 && f[13] == 0x00)); // no IPv4 left on the device, {what}
        Assert.Equal(0UL, host.Iface.Statistics.LoopbackDropped);
        Assert.True(host.Iface.Statistics.LoopbackFrames > 0, what);
    }

    [Fact]
    public void UdpDatagramToLoopbackArrivesFrom127001()
    {
        using var host = new Host(1);
        ulong now = 1000;
        var wire = new List<byte[]>();
        int a = host.Iface.OpenUdp();
        int b = host.Iface.OpenUdp();
        Assert.Equal(NetError.None, host.Iface.Bind(b, new Ipv4Address(127, 0, 0, 1), 53));
        Assert.Equal(5, host.Iface.SendTo(a, "hello"u8, new Ipv4Address(127, 0, 0, 1), 53, now));
        var buffer = new byte[16];
        long n = -1;
        Ipv4Address from = default;
        PollUntil(host, ref now, () => (n = host.Iface.ReceiveFrom(b, buffer, out from, out _)) > 0, wire);
        Assert.Equal(5, n);
        Assert.Equal(new Ipv4Address(127, 0, 0, 1).Value, from.Value);
        Assert.Empty(wire);
    }

    [Fact]
    public void LoopbackAddressesFromTheWireAreDropped()
    {
        using var host = new Host(1);
        int u = host.Iface.OpenUdp();
        host.Iface.Bind(u, Ipv4Address.Any, 53);
        // A UDP datagram to 127.0.0.1 arriving from the wire (a martian, RFC 1122 §3.2.1.3).
        byte[] frame = new byte[14 + 20 + 8 + 4];
        var mac = host.Mac;
        Span<byte> f = frame;
        EthernetFrame.Emit(f, mac, new MacAddress(2, 0, 0, 0, 0, 9), EtherType.Ipv4);
        Ipv4Packet.Emit(f.Slice(14), new Ipv4Address(10, 0, 0, 9), new Ipv4Address(127, 0, 0, 1), IpProtocol.Udp, 12, 1);
        UdpDatagram.Emit(f.Slice(34), new Ipv4Address(10, 0, 0, 9), new Ipv4Address(127, 0, 0, 1), 999, 53, 4);
        ulong before = host.Iface.Statistics.NotForUs;
        host.Iface.Receive(frame, 1000);
        Assert.Equal(before + 1, host.Iface.Statistics.NotForUs);
        Assert.Equal(-(long)NetError.WouldBlock, host.Iface.ReceiveFrom(u, new byte[8], out _, out _));
    }
}
