using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.Net.Tests;

/// <summary>IPv4 fragments (RFC 791 §3.2) are put back together whatever their order, overlap
/// or duplication, bounded in number and time, and every buffer comes back.</summary>
public class FragmentTests
{
    private static readonly MacAddress PeerMac = new(0x02, 0, 0, 0, 0, 0x77);
    private static readonly Ipv4Address PeerIp = new(10, 0, 0, 77);
    private readonly ITestOutputHelper _output;

    public FragmentTests(ITestOutputHelper output) => _output = output;

    private static Host Receiver() => new(2, configure: c => { c.UdpReceiveBufferSize = 256 * 1024; return c; });

    /// <summary>A UDP datagram (header and data) as the payload a sender would fragment.</summary>
    private static byte[] UdpPayload(Host host, byte[] data, ushort port)
    {
        var datagram = new byte[8 + data.Length];
        data.CopyTo(datagram, 8);
        UdpDatagram.Emit(datagram, PeerIp, host.Ip, 5000, port, data.Length);
        return datagram;
    }

    private static byte[] Fragment(Host host, byte[] payload, int offset, int length, bool more, ushort id)
    {
        var frame = new byte[Math.Max(60, 34 + length)];
        payload.AsSpan(offset, length).CopyTo(frame.AsSpan(34));
        Ipv4Packet.Emit(frame.AsSpan(14), PeerIp, host.Ip, IpProtocol.Udp, length, id);
        ushort field = (ushort)((more ? 0x2000 : 0) | (offset / 8));
        frame[20] = (byte)(field >> 8);
        frame[21] = (byte)field;
        frame[24] = 0;
        frame[25] = 0;
        ushort checksum = InternetChecksum.Compute(frame.AsSpan(14, 20));
        frame[24] = (byte)(checksum >> 8);
        frame[25] = (byte)checksum;
        EthernetFrame.Emit(frame, host.Mac, PeerMac, EtherType.Ipv4);
        return frame;
    }

    /// <summary>Cuts [0, payload) into random pieces of 8-byte multiples (the last any length).</summary>
    private static List<(int Offset, int Length)> Cut(Random random, int total)
    {
        var pieces = new List<(int, int)>();
        int at = 0;
        while (at < total)
        {
            int length = Math.Min(total - at, 8 * random.Next(1, 186));
            pieces.Add((at, length));
            at += length;
        }

        return pieces;
    }

    [Fact]
    public void RandomlyCutShuffledDuplicatedFragmentsGiveBackTheDatagramExactly()
    {
        int seed = TestSeed.Get();
        try
        {
            var random = new Random(seed);
            using Host host = Receiver();
            int udp = host.Iface.OpenUdp();
            Assert.Equal(NetError.None, host.Iface.Bind(udp, Ipv4Address.Any, 9));
            var got = new byte[70_000];
            // The socket's receive queue comes with its first datagram and stays (one block).
            int blocksIdle = host.Ledger.Outstanding + 1;
            for (int round = 0; round < 200; round++)
            {
                var data = new byte[random.Next(1, Ipv4Reassembly.MaxPayload - 8 + 1)];
                random.NextBytes(data);
                byte[] payload = UdpPayload(host, data, 9);
                ushort id = (ushort)random.Next(65536);
                // Two different cuttings of the same datagram, mixed: fragments overlap arbitrarily.
                var fragments = new List<byte[]>();
                foreach (var (offset, length) in Cut(random, payload.Length))
                {
                    fragments.Add(Fragment(host, payload, offset, length, offset + length < payload.Length, id));
                }

                if (random.Next(3) == 0)
                {
                    foreach (var (offset, length) in Cut(random, payload.Length))
                    {
                        if (random.Next(2) == 0) fragments.Add(Fragment(host, payload, offset, length, offset + length < payload.Length, id));
                    }
                }

                for (int i = fragments.Count - 1; i > 0; i--)
                {
                    int j = random.Next(i + 1);
                    (fragments[i], fragments[j]) = (fragments[j], fragments[i]);
                }

                int delivered = 0;
                ulong now = 1000 + (ulong)round * (Ipv4Reassembly.TimeoutMs + 1);
                foreach (byte[] f in fragments)
                {
                    host.Iface.Receive(f, now);
                    long n;
                    while ((n = host.Iface.ReceiveFrom(udp, got, out Ipv4Address from, out ushort port)) >= 0)
                    {
                        delivered++;
                        Assert.Equal(data.Length, n);
                        Assert.True(data.AsSpan().SequenceEqual(got.AsSpan(0, (int)n)), $"round {round}: the datagram differs");
                        Assert.Equal(PeerIp.Value, from.Value);
                        Assert.Equal(5000, port);
                    }
                }

                // Copies arriving after completion start the datagram again (delivered again only
                // if they cover it all, as on Linux); what is left times out.
                Assert.True(delivered >= 1, $"round {round}: nothing delivered");
                host.Poll(now + Ipv4Reassembly.TimeoutMs);
                Assert.True(host.Ledger.Outstanding == blocksIdle, $"round {round}: {host.Ledger.Outstanding - blocksIdle} blocks still held");
            }

            // A datagram cut into one piece is no fragment; every other one was reassembled.
            Assert.True(host.Iface.Statistics.DatagramsReassembled >= 150, $"{host.Iface.Statistics.DatagramsReassembled} reassembled");
        }
        catch (Exception e) when (e is not SeedException)
        {
            throw new SeedException(seed, e);
        }
    }

    [Fact]
    public void AMissingFragmentTimesOutAndFreesTheBuffer()
    {
        using Host host = Receiver();
        int udp = host.Iface.OpenUdp();
        host.Iface.Bind(udp, Ipv4Address.Any, 9);
        byte[] payload = UdpPayload(host, new byte[3000], 9);
        int blocksBefore = host.Ledger.Outstanding;
        host.Iface.Receive(Fragment(host, payload, 0, 1480, true, 1), 1000);
        Assert.Equal(blocksBefore + 1, host.Ledger.Outstanding);
        Assert.Equal(1000 + Ipv4Reassembly.TimeoutMs, host.Iface.NextTimerMs());
        host.Poll(1000 + Ipv4Reassembly.TimeoutMs - 1);
        Assert.Equal(blocksBefore + 1, host.Ledger.Outstanding);
        host.Poll(1000 + Ipv4Reassembly.TimeoutMs);
        Assert.Equal(blocksBefore, host.Ledger.Outstanding);
        Assert.Equal(1UL, host.Iface.Statistics.ReassemblyFailures);
        // The rest arriving late is a new datagram that never completes: nothing delivered.
        host.Iface.Receive(Fragment(host, payload, 1480, payload.Length - 1480, false, 1), 40_000);
        Assert.Equal(-(long)NetError.WouldBlock, host.Iface.ReceiveFrom(udp, new byte[4000], out _, out _));
    }

    [Fact]
    public void MoreDatagramsThanSlotsReplaceTheOldestAndInconsistentEndsAreDropped()
    {
        using Host host = Receiver();
        int udp = host.Iface.OpenUdp();
        host.Iface.Bind(udp, Ipv4Address.Any, 9);
        byte[] payload = UdpPayload(host, new byte[2000], 9);
        for (ushort id = 1; id <= Ipv4Reassembly.Capacity + 1; id++)
        {
            host.Iface.Receive(Fragment(host, payload, 0, 1000, true, id), 1000UL + id);
        }

        Assert.Equal(1UL, host.Iface.Statistics.ReassemblyFailures);
        // id 1 was replaced: id 2's second half completes it; id 1's alone completes nothing.
        host.Iface.Receive(Fragment(host, payload, 1000, payload.Length - 1000, false, 2), 1100);
        Assert.Equal(2000, host.Iface.ReceiveFrom(udp, new byte[4000], out _, out _));
        host.Iface.Receive(Fragment(host, payload, 1000, payload.Length - 1000, false, 1), 1100);
        Assert.Equal(-(long)NetError.WouldBlock, host.Iface.ReceiveFrom(udp, new byte[4000], out _, out _));

        // A last fragment that ends before data already received: the datagram is dropped.
        host.Iface.Receive(Fragment(host, payload, 1000, 800, true, 50), 1200);
        host.Iface.Receive(Fragment(host, payload, 8, 992, false, 50), 1200);
        Assert.Equal(-(long)NetError.WouldBlock, host.Iface.ReceiveFrom(udp, new byte[4000], out _, out _));
        ulong failures = host.Iface.Statistics.ReassemblyFailures;
        Assert.True(failures >= 3, $"{failures} failures counted");
    }
}
