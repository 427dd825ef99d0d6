using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>The device interface (smoltcp-style buffer loans): <c>Poll</c> takes received frames
/// from the device and writes outgoing frames into buffers the device lends, ending every loan
/// exactly once (<see cref="ListDevice"/> checks each).</summary>
public class DeviceTests
{
    private static byte[] ArpRequestFor(byte target) => Hex.Bytes(
        "ffffffffffff 020000000002 0806 0001 0800 06 04 0001 020000000002 0a000002 000000000000 0a0000" + target.ToString("x2"))
        .Concat(new byte[18]).ToArray();

    [Fact]
    public void PollReceivesLentFramesAndAnswersInLentBuffers()
    {
        using var a = new Host(1);
        var device = new ListDevice { Frames = new List<byte[]>(), Incoming = new Queue<byte[]>() };
        device.Incoming.Enqueue(ArpRequestFor(1));
        Assert.False(a.Iface.Poll(10, ref device));
        Assert.True(device.Idle);
        Assert.Equal(1, device.ReceiveLoans);
        Assert.Equal(1UL, a.Iface.Statistics.FramesReceived);
        byte[] reply = Assert.Single(device.Frames);
        Assert.Equal(WireError.None, EthernetFrame.TryParse(reply, out EthernetFrame eth));
        Assert.Equal(WireError.None, ArpPacket.TryParse(eth.Payload, out ArpPacket arp));
        Assert.Equal(ArpPacket.OperationReply, arp.Operation);
        // The reply was padded with zeros in the lent buffer, not with the buffer's old bytes.
        Assert.All(reply.Skip(42), b => Assert.Equal(0, b));
    }

    [Fact]
    public void PollStopsReceivingAtTheBudgetAndSaysSo()
    {
        using var a = new Host(1);
        var device = new ListDevice { Frames = new List<byte[]>(), Incoming = new Queue<byte[]>() };
        for (int i = 0; i < NetInterface<LedgerMemory>.ReceiveBudget + 10; i++) device.Incoming.Enqueue(ArpRequestFor(9));
        Assert.True(a.Iface.Poll(10, ref device));
        Assert.Equal(NetInterface<LedgerMemory>.ReceiveBudget, device.ReceiveLoans);
        Assert.False(a.Iface.Poll(10, ref device));
        Assert.Equal(NetInterface<LedgerMemory>.ReceiveBudget + 10, device.ReceiveLoans);
        Assert.True(device.Idle);
    }

    [Fact]
    public void TcpConnectsAndTransfersThroughDevicesAlone()
    {
        using var a = new Host(1);
        using var b = new Host(2);
        var da = new ListDevice { Frames = new List<byte[]>(), Incoming = new Queue<byte[]>() };
        var db = new ListDevice { Frames = new List<byte[]>(), Incoming = new Queue<byte[]>() };
        int listener = b.Iface.OpenTcp();
        Assert.Equal(NetError.None, b.Iface.Bind(listener, Ipv4Address.Any, 7));
        Assert.Equal(NetError.None, b.Iface.Listen(listener, 1));
        int client = a.Iface.OpenTcp();
        ulong now = 100;
        Assert.Equal(NetError.InProgress, a.Iface.Connect(client, b.Ip, 7, now));
        int server = -1;
        byte[] data = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        int sent = 0;
        var received = new List<byte>();
        byte[] chunk = new byte[4096];
        for (int round = 0; round < 200 && received.Count < data.Length; round++, now++)
        {
            a.Iface.Poll(now, ref da);
            foreach (byte[] f in da.Frames) db.Incoming!.Enqueue(f);
            da.Frames.Clear();
            b.Iface.Poll(now, ref db);
            foreach (byte[] f in db.Frames) da.Incoming!.Enqueue(f);
            db.Frames.Clear();
            if (server < 0) server = b.Iface.Accept(listener, out _, out _);
            if (a.Iface.GetTcpState(client) == TcpState.Established && sent < data.Length)
            {
                long n = a.Iface.Write(client, data.AsSpan(sent));
                if (n > 0) sent += (int)n;
            }

            long r;
            while (server >= 0 && (r = b.Iface.Read(server, chunk)) > 0) received.AddRange(chunk.Take((int)r));
        }

        Assert.True(server >= 0, "no connection accepted");
        Assert.Equal(data, received.ToArray());
        Assert.Equal(0UL, a.Iface.Statistics.BadChecksum + b.Iface.Statistics.BadChecksum);
        Assert.True(da.Idle && db.Idle);
        a.Iface.Close(client);
        b.Iface.Close(server);
        b.Iface.Close(listener);
    }

    [Fact]
    public void ARefusingDeviceKeepsFramesQueuedForTheNextPoll()
    {
        using var a = new Host(1);
        int u = a.Iface.OpenUdp();
        Assert.Equal(3, a.Iface.SendTo(u, "abc"u8, new Ipv4Address(10, 0, 0, 2), 9, 10));
        var device = new ListDevice { Frames = new List<byte[]>(), Refuse = true };
        a.Iface.Poll(10, ref device);
        Assert.Empty(device.Frames);
        Assert.True(a.Iface.Statistics.DeviceBusy > 0);
        device.Refuse = false;
        a.Iface.Poll(11, ref device);
        byte[] request = Assert.Single(device.Frames);   // the ARP request for 10.0.0.2
        Assert.Equal(0x0806, (request[12] << 8) | request[13]);
        Assert.True(device.Idle);
    }

    private struct TinyDevice : INetworkDevice
    {
        public int Returned;
        private readonly byte[] _buffer = new byte[100];

        public TinyDevice() { }

        public bool TryReceive(out ReadOnlySpan<byte> frame) { frame = default; return false; }

        public void ReleaseReceived() => throw new InvalidOperationException("nothing was lent");

        public bool TryReserveTransmit(out Span<byte> buffer) { buffer = _buffer; return true; }

        public void Transmit(int length)
        {
            Assert.Equal(0, length);
            Returned++;
        }
    }

    [Fact]
    public void ABufferTooSmallForAFrameIsGivenBackUnsent()
    {
        using var a = new Host(1);
        int u = a.Iface.OpenUdp();
        Assert.Equal(3, a.Iface.SendTo(u, "abc"u8, new Ipv4Address(10, 0, 0, 2), 9, 10));
        var device = new TinyDevice();
        a.Iface.Poll(10, ref device);
        Assert.Equal(1, device.Returned);
        Assert.True(a.Iface.Statistics.DeviceBusy > 0);
    }
}

/// <summary>A kernel that polls only when a device signals or <c>NextTimerMs</c> comes (no
/// periodic tick) must still see every timer: these tests poll exactly then.</summary>
public class DeadlineTests
{
    [Fact]
    public void ConnectToAnUnansweredNeighbourTimesOutWhenPolledOnlyAtDeadlines()
    {
        using var a = new Host(1);
        var device = new ListDevice { Frames = new List<byte[]>() };
        int s = a.Iface.OpenTcp();
        ulong now = 1000;
        Assert.Equal(NetError.InProgress, a.Iface.Connect(s, new Ipv4Address(10, 0, 0, 77), 80, now));
        a.Iface.Poll(now, ref device);
        int polls = 0;
        while (a.Iface.GetTcpState(s) != TcpState.Closed && polls < 50)
        {
            ulong next = a.Iface.NextTimerMs();
            Assert.NotEqual(ulong.MaxValue, next);   // a connection waiting for ARP has a deadline
            now = Math.Max(now + 1, next);
            a.Iface.Poll(now, ref device);
            polls++;
        }

        Assert.Equal(TcpState.Closed, a.Iface.GetTcpState(s));
        Assert.Equal(NetError.HostUnreachable, a.Iface.PendingError(s));
        Assert.InRange(now, 1000UL + 3000, 1000UL + 4000);
        Assert.InRange(polls, 1, 10);
        Assert.Equal(NetError.None, a.Iface.Close(s));
    }
}
