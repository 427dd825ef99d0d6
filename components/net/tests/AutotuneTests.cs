using System;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>Receive and send buffer autotuning (InterfaceConfig.TcpReceiveBufferMax and
/// TcpSendBufferMax): buffers start small and double only while the window, not the
/// application, holds the transfer back; the advertised window grows with them.</summary>
public class AutotuneTests
{
    private static InterfaceConfig Tuned(InterfaceConfig c)
    {
        c.TcpReceiveBufferSize = 64 * 1024;
        c.TcpReceiveBufferMax = 1024 * 1024;
        c.TcpSendBufferSize = 64 * 1024;
        c.TcpSendBufferMax = 1024 * 1024;
        c.TransmitQueueCapacity = 128;
        return c;
    }

    /// <summary>Watches B's segments to A: the shift its SYN-ACK offered and the largest window
    /// (in bytes) it advertised afterwards.</summary>
    private sealed class WindowWatch
    {
        public int Shift = -1;
        public long Largest;

        public bool See(byte[] frame)
        {
            if (frame.Length < 54 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 6) return false;
            int tcp = 14 + (frame[14] & 0xF) * 4;
            byte flags = frame[tcp + 13];
            int window = (frame[tcp + 14] << 8) | frame[tcp + 15];
            if ((flags & 0x02) != 0)
            {
                // SYN-ACK: find the window scale option (kind 3).
                int end = tcp + (frame[tcp + 12] >> 4) * 4;
                for (int i = tcp + 20; i < end;)
                {
                    if (frame[i] == 0) break;
                    if (frame[i] == 1) { i++; continue; }
                    if (frame[i] == 3) Shift = frame[i + 2];
                    i += Math.Max(2, (int)frame[i + 1]);
                }

                if (Shift < 0) Shift = 0;
                return false;
            }

            Largest = Math.Max(Largest, (long)window << Math.Max(Shift, 0));
            return false;
        }
    }

    [Fact]
    public void ABusyReaderGrowsTheReceiveWindowBeyondTheInitialBuffer()
    {
        using var net = new Network(3, Tuned);
        // 20 ms round trips: the window, not the harness's one poll per millisecond, limits the rate.
        net.AtoB.Latency = 10;
        net.BtoA.Latency = 10;
        var watch = new WindowWatch();
        net.BtoA.DropIf = watch.See;
        var (client, server, _) = net.Connect();
        var data = new byte[4 * 1024 * 1024];
        new Random(11).NextBytes(data);
        byte[] got = net.SendAToB(client, server, data, 120_000);
        Assert.Equal(data, got);
        // The SYN-ACK offered the shift for the 1 MiB maximum (5: 2^20 >> 4 is one past 65535),
        // not the one for the 64 KiB start (1).
        Assert.Equal(5, watch.Shift);
        Assert.True(net.B.Iface.Statistics.TcpReceiveBuffersGrown >= 2,
            $"receive buffer doubled {net.B.Iface.Statistics.TcpReceiveBuffersGrown} times, expected at least 2 (send buffer {net.A.Iface.Statistics.TcpSendBuffersGrown}, largest window {watch.Largest}, {net.Now} ms)");
        Assert.True(watch.Largest > 128 * 1024, $"largest window advertised {watch.Largest} bytes, expected more than 128 KiB");
        Assert.True(watch.Largest <= 1024 * 1024, $"largest window advertised {watch.Largest} bytes, past the 1 MiB maximum");
        Assert.True(net.A.Iface.Statistics.TcpSendBuffersGrown >= 1,
            $"send buffer doubled {net.A.Iface.Statistics.TcpSendBuffersGrown} times, expected at least once");
        Assert.True(net.B.Iface.AutotunedBytes > 0 && net.A.Iface.AutotunedBytes > 0);
        // Closed and gone (TIME-WAIT included), the growth goes back to the budget.
        net.A.Iface.Close(client);
        net.B.Iface.Close(server);
        net.Run(10_000);
        Assert.Equal(0L, net.A.Iface.AutotunedBytes);
        Assert.Equal(0L, net.B.Iface.AutotunedBytes);
    }

    [Fact]
    public void GrowthStopsAtTheInterfacesBudget()
    {
        using var net = new Network(6, c => { c = Tuned(c); c.TcpAutotuneBudget = 64 * 1024; return c; });
        net.AtoB.Latency = 10;
        net.BtoA.Latency = 10;
        var (client, server, _) = net.Connect();
        var data = new byte[2 * 1024 * 1024];
        new Random(14).NextBytes(data);
        Assert.Equal(data, net.SendAToB(client, server, data, 120_000));
        // 64 KiB → 128 KiB takes the whole budget; the next doubling would pass it.
        Assert.Equal(1UL, net.B.Iface.Statistics.TcpReceiveBuffersGrown);
        Assert.Equal(64L * 1024, net.B.Iface.AutotunedBytes);
        Assert.True(net.A.Iface.AutotunedBytes <= 64 * 1024);
    }

    [Fact]
    public void AReaderThatDoesNotReadGetsNoLargerBufferAndTheWindowCloses()
    {
        using var net = new Network(4, Tuned);
        var watch = new WindowWatch();
        net.BtoA.DropIf = watch.See;
        var (client, server, _) = net.Connect();
        var data = new byte[512 * 1024];
        new Random(12).NextBytes(data);
        int sent = 0;
        // B reads nothing for a while: its 64 KiB fill and the window closes, nothing grows.
        for (int i = 0; i < 3000; i++)
        {
            if (sent < data.Length)
            {
                long n = net.A.Iface.Write(client, data.AsSpan(sent));
                if (n > 0) sent += (int)n;
            }

            net.Step();
        }

        Assert.Equal(0UL, net.B.Iface.Statistics.TcpReceiveBuffersGrown);
        Assert.Equal(64L * 1024, net.B.Iface.ReadableBytes(server));
        // Then it reads: every byte arrives, in order.
        var got = new System.Collections.Generic.List<byte>();
        var buffer = new byte[65536];
        net.RunUntil(() =>
        {
            if (sent < data.Length)
            {
                long n = net.A.Iface.Write(client, data.AsSpan(sent));
                if (n > 0) sent += (int)n;
            }

            long r;
            while ((r = net.B.Iface.Read(server, buffer)) > 0) got.AddRange(buffer.AsSpan(0, (int)r).ToArray());
            return got.Count == data.Length;
        }, 120_000, "transfer");
        Assert.Equal(data, got.ToArray());
    }

    [Fact]
    public void WithoutTheMaximumNothingGrows()
    {
        using var net = new Network(5, c => { c.TcpReceiveBufferSize = 64 * 1024; c.TransmitQueueCapacity = 128; return c; });
        var watch = new WindowWatch();
        net.BtoA.DropIf = watch.See;
        var (client, server, _) = net.Connect();
        var data = new byte[1024 * 1024];
        new Random(13).NextBytes(data);
        Assert.Equal(data, net.SendAToB(client, server, data, 120_000));
        Assert.Equal(1, watch.Shift);
        Assert.Equal(0UL, net.B.Iface.Statistics.TcpReceiveBuffersGrown + net.A.Iface.Statistics.TcpSendBuffersGrown);
        Assert.True(watch.Largest <= 64 * 1024, $"largest window advertised {watch.Largest} bytes, past the 64 KiB buffer");
    }
}
