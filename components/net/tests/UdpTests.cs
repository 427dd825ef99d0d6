using System;
using System.Text;
using Xunit;

namespace Aurora.Net.Tests;

public class UdpTests
{
    [Fact]
    public void DatagramsTravelBothWaysBetweenTwoInterfaces()
    {
        using var net = new Network();
        int a = net.A.Iface.OpenUdp();
        int b = net.B.Iface.OpenUdp();
        Assert.Equal(NetError.None, net.A.Iface.Bind(a, Ipv4Address.Any, 5000));
        Assert.Equal(NetError.None, net.B.Iface.Bind(b, net.B.Ip, 53));
        for (int i = 0; i < 10; i++)
        {
            byte[] q = Encoding.ASCII.GetBytes($"query {i}");
            Assert.Equal(q.Length, net.A.Iface.SendTo(a, q, net.B.Ip, 53, net.Now));
        }

        var buffer = new byte[2000];
        int got = 0;
        net.RunUntil(() =>
        {
            long n = net.B.Iface.ReceiveFrom(b, buffer, out Ipv4Address from, out ushort port);
            if (n < 0)
            {
                Assert.Equal(-(long)NetError.WouldBlock, n);
                return got == 10;
            }

            Assert.Equal($"query {got}", Encoding.ASCII.GetString(buffer, 0, (int)n));
            Assert.Equal(net.A.Ip.Value, from.Value);
            Assert.Equal(5000, port);
            Assert.Equal(n, net.B.Iface.SendTo(b, buffer.AsSpan(0, (int)n), from, port, net.Now));
            got++;
            return false;
        });

        int echoed = 0;
        net.RunUntil(() =>
        {
            while (net.A.Iface.ReceiveFrom(a, buffer, out _, out ushort port) > 0)
            {
                Assert.Equal(53, port);
                echoed++;
            }

            return echoed == 10;
        });
        Assert.Equal(SocketEvents.Writable, net.A.Iface.Events(a));
    }

    [Fact]
    public void ReceiveQueueIsBoundedAndExcessDatagramsAreCounted()
    {
        using var net = new Network(configure: c => { c.UdpReceiveBufferSize = 1000; return c; });
        int a = net.A.Iface.OpenUdp();
        int b = net.B.Iface.OpenUdp();
        net.B.Iface.Bind(b, Ipv4Address.Any, 9);
        var payload = new byte[300];
        for (int i = 0; i < 5; i++)
        {
            net.A.Iface.SendTo(a, payload, net.B.Ip, 9, net.Now);
        }

        net.Run(10);
        Assert.Equal(2UL, net.B.Iface.Statistics.UdpQueueFull); // 3 × 308 bytes fit in 1000
        var small = new byte[100];
        Assert.Equal(100, net.B.Iface.ReceiveFrom(b, small, out _, out _)); // truncated, rest discarded
        Assert.Equal(100, net.B.Iface.ReceiveFrom(b, small, out _, out _));
        Assert.Equal(100, net.B.Iface.ReceiveFrom(b, small, out _, out _));
        Assert.Equal(-(long)NetError.WouldBlock, net.B.Iface.ReceiveFrom(b, small, out _, out _));
    }

    [Fact]
    public void SocketCallsReportLinuxErrors()
    {
        using var h = new Host(1);
        int a = h.Iface.OpenUdp();
        int b = h.Iface.OpenUdp();
        Assert.Equal(NetError.None, h.Iface.Bind(a, Ipv4Address.Any, 7));
        Assert.Equal(NetError.AddressInUse, h.Iface.Bind(b, Ipv4Address.Any, 7));
        Assert.Equal(NetError.InvalidArgument, h.Iface.Bind(a, Ipv4Address.Any, 8));
        Assert.Equal(NetError.AddressNotAvailable, h.Iface.Bind(b, new Ipv4Address(10, 0, 0, 9), 8));
        Assert.Equal(-(long)NetError.MessageTooLong, h.Iface.SendTo(a, new byte[1473], new Ipv4Address(10, 0, 0, 2), 7, 0));
        Assert.Equal(-(long)NetError.InvalidArgument, h.Iface.SendTo(a, new byte[1], new Ipv4Address(10, 0, 0, 2), 0, 0));
        Assert.Equal(-(long)NetError.WouldBlock, h.Iface.ReceiveFrom(a, new byte[10], out _, out _));
        Assert.Equal(-(long)NetError.DestinationAddressRequired, h.Iface.Write(a, new byte[1]));
        Assert.Equal(NetError.NotSupported, h.Iface.Listen(a, 1));
        Assert.Equal(NetError.None, h.Iface.Close(a));
        Assert.Equal(NetError.BadHandle, h.Iface.Close(a));
        Assert.Equal(-(long)NetError.BadHandle, h.Iface.SendTo(a, new byte[1], new Ipv4Address(10, 0, 0, 2), 7, 0));
        Assert.Equal(NetError.None, h.Iface.Bind(b, Ipv4Address.Any, 7));
        Assert.Equal(1472, h.Iface.SendTo(b, new byte[1472], new Ipv4Address(10, 0, 0, 2), 7, 0));
    }

    [Fact]
    public void SocketTableFullIsNoBufferSpace()
    {
        using var h = new Host(1, configure: c => { c.SocketCapacity = 3; return c; });
        Assert.Equal(0, h.Iface.OpenUdp());
        Assert.Equal(1, h.Iface.OpenTcp());
        Assert.Equal(2, h.Iface.OpenUdp());
        Assert.Equal(-(int)NetError.NoBufferSpace, h.Iface.OpenTcp());
        h.Iface.Close(1);
        Assert.Equal(1, h.Iface.OpenTcp());
    }
}
