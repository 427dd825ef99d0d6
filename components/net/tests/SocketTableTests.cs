using System;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.Net.Tests;

/// <summary>The socket table is sized by use and memory, not a constant: it grows as sockets
/// open, fails with ENOBUFS at the configured bound or when memory runs out (nothing lost), and
/// gives its memory back once they close.</summary>
public class SocketTableTests
{
    private readonly ITestOutputHelper _output;

    public SocketTableTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void TenThousandSocketsOpenWorkAndGiveTheirMemoryBack()
    {
        using var net = new Network();
        net.Step();
        long baseline = net.B.Ledger.Bytes;
        int before = net.B.Iface.SocketTableSlots;
        const int count = 10_000;
        var handles = new int[count];
        for (int i = 0; i < count; i++)
        {
            handles[i] = i % 2 == 0 ? net.B.Iface.OpenTcp() : net.B.Iface.OpenUdp();
            Assert.Equal(i, handles[i]);
            Assert.Equal(NetError.None, net.B.Iface.Bind(handles[i], Ipv4Address.Any, (ushort)(10_000 + i)));
        }

        Assert.Equal(count, net.B.Iface.SocketsInUse);
        Assert.True(net.B.Iface.SocketTableSlots >= count);
        // The last socket of the table still listens and takes a connection.
        int last = handles[count - 2];
        Assert.Equal(NetError.None, net.B.Iface.Listen(last, 4));
        int client = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(client, net.B.Ip, (ushort)(10_000 + count - 2), net.Now));
        int server = -1;
        net.RunUntil(() => (server >= 0 || (server = net.B.Iface.Accept(last, out _, out _)) >= 0) &&
            net.A.Iface.GetTcpState(client) == TcpState.Established, what: "connection to socket 9998");
        Assert.Equal(count, server);
        Assert.Equal(5, net.A.Iface.Write(client, "hello"u8));
        var buffer = new byte[16];
        long n = 0;
        net.RunUntil(() => (n = net.B.Iface.Read(server, buffer)) > 0, what: "data");
        Assert.Equal(5, n);

        net.B.Iface.Abort(server);
        foreach (int h in handles) Assert.Equal(NetError.None, net.B.Iface.Close(h));
        net.A.Iface.Abort(client);
        net.Run(10);
        Assert.Equal(0, net.B.Iface.SocketsInUse);
        Assert.Equal(before, net.B.Iface.SocketTableSlots);
        Assert.Equal(baseline, net.B.Ledger.Bytes);
        _output.WriteLine($"table {before} slots, {count} sockets, back to {net.B.Iface.SocketTableSlots}; heap {baseline} bytes before and after");
    }

    [Fact]
    public void OutOfMemoryWhileGrowingIsNoBufferSpaceAndLosesNothing()
    {
        using var host = new Host(1);
        var open = new System.Collections.Generic.List<int>();
        for (int i = 0; i < NetInterface<LedgerMemory>.InitialSocketSlots; i++) open.Add(host.Iface.OpenTcp());
        host.Ledger.FailAfter = 0;
        Assert.Equal(-(int)NetError.NoBufferSpace, host.Iface.OpenTcp());
        host.Ledger.FailAfter = -1;
        Assert.Equal(NetInterface<LedgerMemory>.InitialSocketSlots, host.Iface.OpenTcp());
        Assert.Equal(TcpState.Closed, host.Iface.GetTcpState(open[5]));
        Assert.Equal(NetError.None, host.Iface.Close(open[5]));
        Assert.Equal(5, host.Iface.OpenTcp());
    }
}
