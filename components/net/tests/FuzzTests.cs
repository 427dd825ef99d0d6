using System;
using System.Collections.Generic;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>
/// Random and mutated frames thrown at an interface in the middle of a live TCP connection and a
/// bound UDP socket: nothing may throw or hang, every bad frame is counted, and afterwards the
/// connection still carries data exactly and all memory comes back. Mutations are applied both
/// raw (checksums then fail) and with the IPv4/TCP/UDP/ICMP checksums recomputed, so absurd
/// header fields reach the protocol code. Replay with AURORA_SEED=&lt;seed&gt;.
/// </summary>
public class FuzzTests
{
    /// <summary>Frames thrown at the stack per run (AURORA_FUZZ_FRAMES overrides).</summary>
    private static readonly int Frames =
        int.TryParse(Environment.GetEnvironmentVariable("AURORA_FUZZ_FRAMES"), out int n) && n > 0 ? n : 1_000_000;

    [Fact]
    public void RandomAndMutatedFramesNeverBreakTheStack()
    {
        int seed = TestSeed.Get();
        try
        {
            Run(seed);
        }
        catch (Exception e)
        {
            throw new SeedException(seed, e);
        }
    }

    private static void Run(int seed)
    {
        var random = new Random(seed);
        using var net = new Network(seed);
        var captured = new List<byte[]>();
        int udp = net.B.Iface.OpenUdp();
        net.B.Iface.Bind(udp, Ipv4Address.Any, 53);
        var (client, server, _) = net.Connect();

        // Capture real frames of every kind A sends to B.
        int au = net.A.Iface.OpenUdp();
        net.A.Iface.SendTo(au, "query"u8, net.B.Ip, 53, net.Now);
        net.A.Iface.Write(client, new byte[3000]);
        foreach (byte[] f in net.A.Poll(net.Now)) { captured.Add(f); net.B.Iface.Receive(f, net.Now); }
        byte[] ping = new byte[60];
        IcmpEcho.Emit(ping.AsSpan(34), IcmpEcho.TypeEchoRequest, 1, 1, new byte[18]);
        Ipv4Packet.Emit(ping.AsSpan(14), net.A.Ip, net.B.Ip, IpProtocol.Icmp, 26, 5);
        EthernetFrame.Emit(ping, net.B.Mac, net.A.Mac, EtherType.Ipv4);
        captured.Add(ping);
        byte[] arp = new byte[60];
        EthernetFrame.Emit(arp, MacAddress.Broadcast, net.A.Mac, EtherType.Arp);
        ArpPacket.Emit(arp.AsSpan(14), ArpPacket.OperationRequest, net.A.Mac, net.A.Ip, default, net.B.Ip);
        captured.Add(arp);
        AddFragmentsAndOptions(captured, net, client);
        net.Run(50);
        var sink = new byte[100_000];
        while (net.B.Iface.Read(server, sink) > 0) { }

        ulong before = net.B.Iface.Statistics.FramesDropped;
        for (int i = 0; i < Frames; i++)
        {
            byte[] frame = Mutate(random, captured[random.Next(captured.Count)], net);
            net.B.Iface.Receive(frame, net.Now);
            if (i % 500 == 0)
            {
                // Keep draining B's output so replies cannot pile up; A sees none of it.
                net.B.Poll(net.Now);
                net.Now += 1;
            }
        }

        Assert.True(net.B.Iface.Statistics.FramesDropped > before);
        while (net.B.Iface.ReceiveFrom(udp, sink, out _, out _) > 0) { }

        // Mutated copies of real segments keep valid sequence numbers, so with recomputed
        // checksums they are indistinguishable from the peer's own (forged data, FIN or RST): the
        // old connection may be desynchronised, which is TCP working. The stack itself must stay
        // sound: both ends close, everything lingering drains, and a fresh connection is exact.
        net.A.Iface.Close(client);
        net.B.Iface.Close(server);
        net.Run(130_000); // SYN-RECEIVED children of forged SYNs give up after about 63 s
        Assert.Equal(1, net.A.Iface.SocketsInUse);  // the UDP socket
        Assert.Equal(2, net.B.Iface.SocketsInUse);  // UDP socket and listener
        var (c, s, _) = ConnectAgain(net);

        byte[] data = new byte[50_000];
        random.NextBytes(data);
        var got = new List<byte>();
        int sent = 0;
        while (net.B.Iface.Read(s, sink) > 0) { }
        net.RunUntil(() =>
        {
            if (sent < data.Length)
            {
                long n = net.A.Iface.Write(c, data.AsSpan(sent));
                if (n > 0) sent += (int)n;
            }

            long r;
            while ((r = net.B.Iface.Read(s, sink)) > 0) got.AddRange(sink.AsSpan(0, (int)r).ToArray());
            return got.Count >= data.Length;
        }, limitMs: 300_000, what: "transfer after fuzzing");
        Assert.Equal(data, got.ToArray());
    }

    /// <summary>Frames the stack parses further since 0.5: the three fragments of a 4000-byte
    /// UDP datagram (reassembly), a SYN with MSS and window scale options, and a data segment
    /// far past RCV.NXT (out-of-order reassembly) on the live connection.</summary>
    private static void AddFragmentsAndOptions(List<byte[]> captured, Network net, int client)
    {
        var datagram = new byte[4008];
        new Random(1).NextBytes(datagram);
        UdpDatagram.Emit(datagram, net.A.Ip, net.B.Ip, 5353, 53, 4000);
        for (int offset = 0; offset < datagram.Length; offset += 1480)
        {
            int length = Math.Min(1480, datagram.Length - offset);
            var f = new byte[Math.Max(60, 34 + length)];
            datagram.AsSpan(offset, length).CopyTo(f.AsSpan(34));
            Ipv4Packet.Emit(f.AsSpan(14), net.A.Ip, net.B.Ip, IpProtocol.Udp, length, 77);
            ushort field = (ushort)((offset + length < datagram.Length ? 0x2000 : 0) | (offset / 8));
            f[20] = (byte)(field >> 8);
            f[21] = (byte)field;
            EthernetFrame.Emit(f, net.B.Mac, net.A.Mac, EtherType.Ipv4);
            FixChecksums(f);
            captured.Add(f);
        }

        Assert.Equal(NetError.None, net.A.Iface.GetLocalEndpoint(client, out _, out ushort clientPort));
        foreach (bool syn in new[] { true, false })
        {
            var header = new TcpHeader
            {
                SourcePort = syn ? (ushort)4444 : clientPort, DestinationPort = 80, SequenceNumber = syn ? 1u : 0x4000_0000u,
                AcknowledgmentNumber = syn ? 0u : 1u, Flags = syn ? TcpFlags.Syn : TcpFlags.Ack, Window = 1000,
                MaxSegmentSize = syn ? (ushort)1460 : (ushort)0, OfferWindowScale = syn, WindowScale = 9,
            };
            int tcpLength = header.Length + 100;
            var f = new byte[34 + tcpLength];
            TcpSegment.Emit(f.AsSpan(34), net.A.Ip, net.B.Ip, header, 100);
            Ipv4Packet.Emit(f.AsSpan(14), net.A.Ip, net.B.Ip, IpProtocol.Tcp, tcpLength, 78);
            EthernetFrame.Emit(f, net.B.Mac, net.A.Mac, EtherType.Ipv4);
            captured.Add(f);
        }
    }

    private static (int, int, int) ConnectAgain(Network net)
    {
        int listener = net.B.Iface.OpenTcp();
        Assert.Equal(NetError.None, net.B.Iface.Bind(listener, Ipv4Address.Any, 81));
        Assert.Equal(NetError.None, net.B.Iface.Listen(listener, 2));
        int client = net.A.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, net.A.Iface.Connect(client, net.B.Ip, 81, net.Now));
        int server = -1;
        net.RunUntil(() => (server >= 0 || (server = net.B.Iface.Accept(listener, out _, out _)) >= 0) &&
                           net.A.Iface.GetTcpState(client) == TcpState.Established);
        return (client, server, listener);
    }

    private static byte[] Mutate(Random random, byte[] original, Network net)
    {
        switch (random.Next(6))
        {
            case 0:
            {
                var junk = new byte[random.Next(0, 1600)];
                random.NextBytes(junk);
                if (junk.Length >= 14 && random.Next(2) == 0)
                {
                    net.B.Mac.Write(junk, 0);
                    junk[12] = 0x08;
                    junk[13] = (byte)(random.Next(2) == 0 ? 0x00 : 0x06);
                }

                return junk;
            }
            case 1:
                return original.AsSpan(0, random.Next(original.Length + 1)).ToArray();
        }

        byte[] f = (byte[])original.Clone();
        int flips = random.Next(1, 6);
        for (int i = 0; i < flips; i++)
        {
            // Mostly in the headers, where the parsing decisions are.
            int at = random.Next(3) == 0 ? random.Next(f.Length) : random.Next(Math.Min(f.Length, 14 + 20 + 24));
            f[at] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(f[at] ^ (1 << random.Next(8)));
        }

        if (random.Next(2) == 0)
        {
            FixChecksums(f);
        }

        return f;
    }

    /// <summary>Recomputes the IPv4 and transport checksums as far as the (mutated) lengths allow.</summary>
    private static void FixChecksums(byte[] f)
    {
        if (f.Length < 34 || f[12] != 0x08 || f[13] != 0x00) return;
        int ihl = (f[14] & 0xF) * 4;
        if (ihl < 20 || 14 + ihl > f.Length) return;
        f[24] = 0; f[25] = 0;
        ushort c = InternetChecksum.Compute(f.AsSpan(14, ihl));
        f[24] = (byte)(c >> 8); f[25] = (byte)c;
        int total = (f[16] << 8) | f[17];
        if (total < ihl || 14 + total > f.Length) return;
        Span<byte> l4 = f.AsSpan(14 + ihl, total - ihl);
        var src = Ipv4Address.Read(f, 26);
        var dst = Ipv4Address.Read(f, 30);
        int field = f[23] switch { IpProtocol.Tcp => 16, IpProtocol.Udp => 6, IpProtocol.Icmp => 2, _ => -1 };
        if (field < 0 || l4.Length < field + 2) return;
        if (f[23] == IpProtocol.Udp)
        {
            int ulen = (l4[4] << 8) | l4[5];
            if (ulen < 8 || ulen > l4.Length) return;
            l4 = l4.Slice(0, ulen);
        }

        l4[field] = 0; l4[field + 1] = 0;
        uint sum = f[23] == IpProtocol.Icmp ? 0 : InternetChecksum.PseudoHeader(src, dst, f[23], l4.Length);
        c = InternetChecksum.Finish(InternetChecksum.Add(sum, l4));
        l4[field] = (byte)(c >> 8); l4[field + 1] = (byte)c;
    }
}
