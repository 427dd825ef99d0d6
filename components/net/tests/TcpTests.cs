using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.Net.Tests;

public class TcpTests
{
    private readonly ITestOutputHelper _output;

    public TcpTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void HandshakeEstablishesBothEndsWithTheRightEndpoints()
    {
        using var net = new Network();
        var (client, server, listener) = net.Connect(8080);
        Assert.Equal(TcpState.Established, net.A.Iface.GetTcpState(client));
        Assert.Equal(TcpState.Established, net.B.Iface.GetTcpState(server));
        Assert.Equal(NetError.None, net.B.Iface.GetRemoteEndpoint(server, out Ipv4Address peer, out ushort peerPort));
        Assert.Equal(net.A.Ip.Value, peer.Value);
        Assert.Equal(NetError.None, net.A.Iface.GetLocalEndpoint(client, out _, out ushort localPort));
        Assert.Equal(localPort, peerPort);
        Assert.Equal(SocketEvents.Writable, net.A.Iface.Events(client));
        Assert.Equal(NetError.AlreadyConnected, net.A.Iface.Connect(client, net.B.Ip, 8080, net.Now));
        Assert.Equal(-(int)NetError.WouldBlock, net.B.Iface.Accept(listener, out _, out _));
    }

    [Fact]
    public void SmallMessagesGoBothWays()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        Assert.Equal(5, net.A.Iface.Write(client, "hello"u8));
        var buffer = new byte[100];
        long n = 0;
        net.RunUntil(() => (n = net.B.Iface.Read(server, buffer)) > 0);
        Assert.Equal("hello"u8.ToArray(), buffer.AsSpan(0, (int)n).ToArray());
        Assert.Equal(-(long)NetError.WouldBlock, net.B.Iface.Read(server, buffer));
        Assert.Equal(6, net.B.Iface.Write(server, "world!"u8));
        net.RunUntil(() => (n = net.A.Iface.Read(client, buffer)) > 0);
        Assert.Equal("world!"u8.ToArray(), buffer.AsSpan(0, (int)n).ToArray());
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.05, 0.05, 0.05)]
    [InlineData(0.15, 0.1, 0.2)]
    [InlineData(0.15, 0.0, 0.0)]
    [InlineData(0.0, 0.1, 0.0)]
    [InlineData(0.0, 0.0, 0.2)]
    public void HundredKibibytesArriveExactlyBothWaysOverAnImpairedWire(double loss, double duplicate, double reorder)
    {
        int seed = TestSeed.Get();
        try
        {
            using var net = new Network(seed);
            var (client, server, _) = net.Connect();
            foreach (Impairment imp in new[] { net.AtoB, net.BtoA })
            {
                imp.Loss = loss;
                imp.Duplicate = duplicate;
                imp.Reorder = reorder;
            }

            var random = new Random(seed);
            byte[] up = new byte[100 * 1024];
            byte[] down = new byte[100 * 1024];
            random.NextBytes(up);
            random.NextBytes(down);
            var gotUp = new List<byte>();
            var gotDown = new List<byte>();
            int sentUp = 0, sentDown = 0;
            var buffer = new byte[3000];
            net.RunUntil(() =>
            {
                if (sentUp < up.Length)
                {
                    long n = net.A.Iface.Write(client, up.AsSpan(sentUp, Math.Min(7000, up.Length - sentUp)));
                    if (n > 0) sentUp += (int)n; else Assert.Equal(-(long)NetError.WouldBlock, n);
                }

                if (sentDown < down.Length)
                {
                    long n = net.B.Iface.Write(server, down.AsSpan(sentDown, Math.Min(5000, down.Length - sentDown)));
                    if (n > 0) sentDown += (int)n; else Assert.Equal(-(long)NetError.WouldBlock, n);
                }

                long r;
                while ((r = net.B.Iface.Read(server, buffer)) > 0) gotUp.AddRange(buffer.AsSpan(0, (int)r).ToArray());
                while ((r = net.A.Iface.Read(client, buffer)) > 0) gotDown.AddRange(buffer.AsSpan(0, (int)r).ToArray());
                return gotUp.Count == up.Length && gotDown.Count == down.Length;
            }, limitMs: 600_000, what: "transfer", describe: () => $"up {sentUp}/{gotUp.Count}, down {sentDown}/{gotDown.Count}, states {net.A.Iface.GetTcpState(client)}/{net.B.Iface.GetTcpState(server)}, errors {net.A.Iface.PendingError(client)}/{net.B.Iface.PendingError(server)}, RTOs {net.A.Iface.Statistics.TcpRetransmissionTimeouts}/{net.B.Iface.Statistics.TcpRetransmissionTimeouts}, unacked {net.A.Iface.UnacknowledgedBytes(client)}/{net.B.Iface.UnacknowledgedBytes(server)}, fast retransmits {net.A.Iface.Statistics.TcpFastRetransmits}/{net.B.Iface.Statistics.TcpFastRetransmits}, next timer {net.A.Iface.NextTimerMs()}/{net.B.Iface.NextTimerMs()} at {net.Now}");

            Assert.Equal(up, gotUp.ToArray());
            Assert.Equal(down, gotDown.ToArray());
            _output.WriteLine($"seed {seed}: {net.Now} ms simulated, {net.FramesAtoB} + {net.FramesBtoA} frames, " +
                $"RTOs {net.A.Iface.Statistics.TcpRetransmissionTimeouts}/{net.B.Iface.Statistics.TcpRetransmissionTimeouts}, " +
                $"out of order {net.A.Iface.Statistics.TcpOutOfOrder}/{net.B.Iface.Statistics.TcpOutOfOrder}");
        }
        catch (Exception e) when (e is not SeedException)
        {
            throw new SeedException(seed, e);
        }
    }

    [Fact]
    public void ClosingBothWaysEndsInTimeWaitAndFreesEverything()
    {
        using var net = new Network();
        var (client, server, listener) = net.Connect();
        Assert.Equal(4, net.A.Iface.Write(client, "data"u8));
        Assert.Equal(NetError.None, net.A.Iface.Close(client));
        var buffer = new byte[10];
        var got = new List<byte>();
        long n = -1;
        net.RunUntil(() =>
        {
            n = net.B.Iface.Read(server, buffer);
            if (n > 0) got.AddRange(buffer.AsSpan(0, (int)n).ToArray());
            return n == 0;
        }, what: "end of stream");
        Assert.Equal("data"u8.ToArray(), got.ToArray());
        Assert.Equal(TcpState.CloseWait, net.B.Iface.GetTcpState(server));
        Assert.Equal(SocketEvents.Readable | SocketEvents.Writable, net.B.Iface.Events(server));
        Assert.Equal(NetError.None, net.B.Iface.Close(server));
        net.Run(50);
        Assert.Equal(1, net.A.Iface.SocketsInUse); // A: the lingering TIME-WAIT connection
        net.Run(2100);
        Assert.Equal(0, net.A.Iface.SocketsInUse);
        Assert.Equal(1, net.B.Iface.SocketsInUse); // the listener
        Assert.Equal(NetError.None, net.B.Iface.Close(listener));
        Assert.Equal(0, net.B.Iface.SocketsInUse);
    }

    [Fact]
    public void TimeWaitKeepsNoBuffers()
    {
        // Issue 13: each lingering connection held its 192 KiB of buffers for 2 s, so a server
        // answering one request per connection kept ~40 MB of them and kept taking fresh memory.
        using var net = new Network();
        var (client, server, _) = net.Connect();
        long connected = net.B.Ledger.Bytes;
        Assert.Equal(5, net.B.Iface.Write(server, "hello"u8));
        Assert.Equal(NetError.None, net.B.Iface.Close(server)); // B closes first: B lingers
        var buffer = new byte[16];
        net.RunUntil(() => net.A.Iface.Read(client, buffer) == 0, what: "FIN at A");
        Assert.Equal(NetError.None, net.A.Iface.Close(client));
        net.Run(50);
        Assert.Equal(2, net.B.Iface.SocketsInUse); // the listener and the TIME-WAIT connection
        Assert.Equal(0, net.A.Iface.SocketsInUse);
        long freed = connected - net.B.Ledger.Bytes;
        Assert.True(freed >= 2 * 32 * 1024, $"TIME-WAIT still holds its buffers: {freed} bytes given back");

        // It still lingers and ends on time, and the stack serves the next connection.
        net.Run(2100);
        Assert.Equal(1, net.B.Iface.SocketsInUse);
        var (client2, server2, _) = net.Connect(port: 81);
        Assert.Equal(2, net.A.Iface.Write(client2, "hi"u8));
        net.RunUntil(() => net.B.Iface.Read(server2, buffer) == 2, what: "data on the second connection");
    }

    [Fact]
    public void PassiveCloseSeesEndOfStreamAndFinishesInLastAck()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        Assert.Equal(NetError.None, net.B.Iface.Close(server));
        var buffer = new byte[10];
        net.RunUntil(() => net.A.Iface.Read(client, buffer) == 0, what: "FIN at A");
        Assert.Equal(TcpState.CloseWait, net.A.Iface.GetTcpState(client));
        Assert.Equal(3, net.A.Iface.Write(client, "bye"u8));
        Assert.Equal(NetError.None, net.A.Iface.Close(client));
        net.Run(100);
        Assert.Equal(0, net.A.Iface.SocketsInUse); // LAST-ACK done
        net.Run(2100);
        Assert.Equal(1, net.B.Iface.SocketsInUse);
    }

    [Fact]
    public void ConnectToAClosedPortIsRefused()
    {
        using var net = new Network();
        int client = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(client, net.B.Ip, 81, net.Now));
        Assert.Equal(NetError.Already, net.A.Iface.Connect(client, net.B.Ip, 81, net.Now));
        net.RunUntil(() => net.A.Iface.PendingError(client) != NetError.None);
        Assert.Equal(NetError.ConnectionRefused, net.A.Iface.PendingError(client));
        Assert.Equal(TcpState.Closed, net.A.Iface.GetTcpState(client));
        Assert.Equal(-(long)NetError.ConnectionRefused, net.A.Iface.Read(client, new byte[4]));
        Assert.Equal(SocketEvents.Readable | SocketEvents.Error | SocketEvents.HangUp, net.A.Iface.Events(client));
        Assert.Equal(1UL, net.B.Iface.Statistics.TcpResetsSent);
        Assert.Equal(NetError.None, net.A.Iface.Close(client));
        Assert.Equal(0, net.A.Iface.SocketsInUse);
    }

    [Fact]
    public void ConnectToADeadPeerTimesOutAfterBackedOffRetransmissions()
    {
        using var net = new Network();
        net.AtoB.DropAllIpv4 = true;
        int client = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(client, net.B.Ip, 80, net.Now));
        ulong start = net.Now;
        net.RunUntil(() => net.A.Iface.PendingError(client) != NetError.None, limitMs: 1_000_000);
        Assert.Equal(NetError.TimedOut, net.A.Iface.PendingError(client));
        Assert.Equal(9UL, net.A.Iface.Statistics.TcpRetransmissionTimeouts);
        // 1 + 2 + 4 + … + 32 + 60 + 60 + 60 s: the RTO doubles up to its 60 s cap.
        Assert.InRange(net.Now - start, 240_000UL, 250_000UL);
    }

    [Fact]
    public void LostDataSegmentIsRetransmittedAfterTheTimeout()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        bool dropped = false;
        net.AtoB.DropIf = f =>
        {
            if (dropped || f.Length < 60 || f[23] != IpProtocol.Tcp) return false;
            int ipTotal = (f[16] << 8) | f[17];
            int tcpHeader = (f[14 + 20 + 12] >> 4) * 4;
            if (ipTotal - 20 - tcpHeader == 0) return false;
            dropped = true;
            return true;
        };
        Assert.Equal(5, net.A.Iface.Write(client, "again"u8));
        ulong start = net.Now;
        var buffer = new byte[10];
        net.RunUntil(() => net.B.Iface.Read(server, buffer) == 5);
        Assert.True(dropped);
        Assert.Equal(1UL, net.A.Iface.Statistics.TcpRetransmissionTimeouts);
        Assert.InRange(net.Now - start, 200UL, 1100UL);
    }

    [Fact]
    public void FullBacklogDelaysTheNextConnectionUntilAccept()
    {
        using var net = new Network();
        int listener = net.B.Iface.OpenTcp();
        net.B.Iface.Bind(listener, Ipv4Address.Any, 80);
        Assert.Equal(NetError.None, net.B.Iface.Listen(listener, 1));
        int c1 = net.A.Iface.OpenTcp();
        int c2 = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(c1, net.B.Ip, 80, net.Now));
        net.Run(20);
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(c2, net.B.Ip, 80, net.Now));
        net.Run(500);
        Assert.Equal(TcpState.Established, net.A.Iface.GetTcpState(c1));
        Assert.Equal(TcpState.SynSent, net.A.Iface.GetTcpState(c2));
        Assert.True(net.B.Iface.Statistics.TcpListenOverflows >= 1);
        Assert.Equal(SocketEvents.Readable, net.B.Iface.Events(listener));
        int s1 = net.B.Iface.Accept(listener, out _, out ushort port1);
        Assert.True(s1 >= 0);
        net.RunUntil(() => net.A.Iface.GetTcpState(c2) == TcpState.Established, what: "second connection");
        int s2 = -1;
        net.RunUntil(() => (s2 = net.B.Iface.Accept(listener, out _, out _)) >= 0);
        Assert.NotEqual(s1, s2);
        net.A.Iface.GetLocalEndpoint(c1, out _, out ushort local1);
        Assert.Equal(local1, port1);
    }

    [Fact]
    public void CloseWithUnreadDataResetsThePeer()
    {
        using var net = new Network();
        var (client, server, _) = net.Connect();
        net.A.Iface.Write(client, "unread"u8);
        net.Run(10);
        Assert.Equal(NetError.None, net.B.Iface.Close(server));
        net.RunUntil(() => net.A.Iface.PendingError(client) != NetError.None);
        Assert.Equal(NetError.ConnectionReset, net.A.Iface.PendingError(client));
        Assert.Equal(-(long)NetError.ConnectionReset, net.A.Iface.Write(client, "x"u8));
        Assert.Equal(-(long)NetError.ConnectionReset, net.A.Iface.Read(client, new byte[1]));
        Assert.Equal(1, net.B.Iface.SocketsInUse);
    }

    [Fact]
    public void ZeroWindowIsProbedAndTheTransferResumesWhenTheReaderCatchesUp()
    {
        using var net = new Network(configure: c => { c.TcpReceiveBufferSize = 4096; return c; });
        var (client, server, _) = net.Connect();
        byte[] data = new byte[20_000];
        new Random(3).NextBytes(data);
        int sent = 0;
        net.RunUntil(() =>
        {
            long n = net.A.Iface.Write(client, data.AsSpan(sent));
            if (n > 0) sent += (int)n;
            return sent == data.Length;
        });
        net.Run(5_000); // the reader sleeps; the window is zero and A probes
        var got = new List<byte>();
        var buffer = new byte[1000];
        net.RunUntil(() =>
        {
            long n;
            while ((n = net.B.Iface.Read(server, buffer)) > 0) got.AddRange(buffer.AsSpan(0, (int)n).ToArray());
            return got.Count == data.Length;
        });
        Assert.Equal(data, got.ToArray());
        Assert.Equal(TcpState.Established, net.A.Iface.GetTcpState(client));
    }

    [Fact]
    public void SocketCallsInTheWrongStateReportLinuxErrors()
    {
        using var h = new Host(1);
        int t = h.Iface.OpenTcp();
        Assert.Equal(-(long)NetError.NotConnected, h.Iface.Read(t, new byte[1]));
        Assert.Equal(-(long)NetError.NotConnected, h.Iface.Write(t, new byte[1]));
        Assert.Equal(-(int)NetError.InvalidArgument, h.Iface.Accept(t, out _, out _));
        Assert.Equal(NetError.InvalidArgument, h.Iface.Connect(t, Ipv4Address.Any, 80, 0));
        Assert.Equal(NetError.None, h.Iface.Bind(t, Ipv4Address.Any, 80));
        Assert.Equal(NetError.None, h.Iface.Listen(t, 100));
        int u = h.Iface.OpenTcp();
        Assert.Equal(NetError.AddressInUse, h.Iface.Bind(u, Ipv4Address.Any, 80));
        Assert.Equal(NetError.InvalidArgument, h.Iface.Connect(t, new Ipv4Address(10, 0, 0, 2), 80, 0));
        Assert.Equal(NetError.BadHandle, h.Iface.Close(99));
        Assert.Equal(NetError.BadHandle, h.Iface.Close(-1));
    }
}

public sealed class SeedException : Exception
{
    public SeedException(int seed, Exception inner)
        : base($"failed with AURORA_SEED={seed}: {inner.Message}", inner)
    {
    }
}
