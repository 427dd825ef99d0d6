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
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public FuzzTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    /// <summary>Frames thrown at the stack per run (AURORA_FUZZ_FRAMES overrides).</summary>
    private static readonly int Frames =
        int.TryParse(Environment.GetEnvironmentVariable("AURORA_FUZZ_FRAMES"), out int n) && n > 0 ? n : 1_000_000;

    [Fact]
    public void RandomAndMutatedFramesNeverBreakTheStack()
    {
        int seed = TestSeed.Get();
        _output.WriteLine($"seed {seed}, {Frames} frames (replay: AURORA_SEED={seed}; AURORA_FUZZ_FRAMES=n for more or fewer)");
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

        // B sends data A never sees, so the ACKs with SACK blocks below (and their mutations)
        // reach a sender with data in flight: the scoreboard, recovery and pipe code run.
        _sackTemplate = AddSackAcks(captured, net, client, server);
        var templates = new List<byte[]>(_sackTemplate);

        // First a twentieth of the frames are SACK ACKs alone (blocks re-drawn, checksums right),
        // before any forged RST can end the connection: they must drive a recovery.
        int sackPhase = Math.Min(Frames / 20, 50_000);
        for (int i = 0; i < sackPhase; i++)
        {
            net.B.Iface.Receive(Mutate(random, templates[random.Next(templates.Count)], net, sackOnly: true), net.Now);
            if (i % 50 == 0)
            {
                net.B.Iface.Write(server, sink.AsSpan(0, 1460)); // keep data in flight
                net.B.Poll(net.Now);
                net.Now += 1;
                int broken = net.B.Iface.CheckInvariants();
                Assert.True(broken == 0, $"invariant {broken} broken after SACK frame {i}");
            }
        }

        NetStatistics afterSack = net.B.Iface.Statistics;
        Assert.True(afterSack.TcpSackBlocksReceived > 0, "no SACK block was taken");
        Assert.True(afterSack.TcpSackRetransmits + afterSack.TcpFastRetransmits > 0,
            $"the SACK ACKs never drove a retransmission ({afterSack.TcpSackBlocksReceived} blocks, {afterSack.TcpRetransmissionTimeouts} timeouts, " +
            $"state {net.B.Iface.GetTcpState(server)}, {net.B.Iface.UnacknowledgedBytes(server)} unacknowledged)");

        ulong before = net.B.Iface.Statistics.FramesDropped;
        for (int i = sackPhase; i < Frames; i++)
        {
            byte[] frame = Mutate(random, captured[random.Next(captured.Count)], net);
            net.B.Iface.Receive(frame, net.Now);
            if (i % 500 == 0)
            {
                // Keep draining B's output so replies cannot pile up; A sees none of it.
                net.B.Poll(net.Now);
                net.Now += 1;
                int broken = net.B.Iface.CheckInvariants();
                Assert.True(broken == 0, $"invariant {broken} broken after frame {i}");
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

    /// <summary>A DHCP client fed mutated OFFERs, ACKs and NAKs of its own transaction (checksums
    /// right half the time): nothing throws, the invariants hold after every frame (bound means
    /// the address is the lease's), no memory is taken, and a clean exchange still binds.</summary>
    [Fact]
    public void MutatedDhcpAnswersNeverBreakTheClient()
    {
        int seed = TestSeed.Get();
        int frames = Math.Max(1000, Frames / 5);
        _output.WriteLine($"seed {seed}, {frames} frames (replay: AURORA_SEED={seed})");
        try
        {
            var random = new Random(seed);
            using var host = new Host(1, configure: c => { c.Address = default; c.Netmask = default; c.Gateway = default; return c; });
            ulong now = 1000;
            host.Iface.StartDhcp(now);
            int blocks = host.Ledger.Outstanding;
            for (int i = 0; i < frames; i++)
            {
                uint xid = DhcpXid(host, now);
                byte type = (byte)(random.Next(3) switch { 0 => 2, 1 => 5, _ => random.Next(8) });
                byte[] f = DhcpAnswer(type, xid, host.Mac, random);
                int flips = random.Next(0, 6);
                for (int k = 0; k < flips; k++) f[random.Next(14, f.Length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(2) == 0) FixChecksums(f);
                host.Iface.Receive(f, now);
                int broken = host.Iface.CheckInvariants();
                Assert.True(broken == 0, $"invariant {broken} broken after DHCP frame {i}");
                if (i % 100 == 0) { now += 700; host.Poll(now); }
            }

            host.Poll(now + Ipv4Reassembly.TimeoutMs + 1); // fragments the flips made expire
            Assert.Equal(blocks, host.Ledger.Outstanding);
            Assert.True(host.Iface.Statistics.DhcpMessagesIgnored > 0);
        }
        catch (Exception e)
        {
            throw new SeedException(seed, e);
        }
    }

    /// <summary>The transaction the client uses now (from the message it sends when restarted).</summary>
    private static uint DhcpXid(Host host, ulong now)
    {
        if (host.Iface.DhcpStatus is DhcpState.Bound or DhcpState.Renewing or DhcpState.Rebinding || now % 7 == 0)
        {
            host.Iface.StartDhcp(now);
        }

        uint xid = 0;
        foreach (byte[] f in host.Poll(now))
        {
            if (f.Length > 42 + 8 && f[23] == IpProtocol.Udp && f[36] == 0 && f[37] == 67) xid = NetworkOrder.ReadUInt32(f, 42 + 4);
        }

        return xid != 0 ? xid : _lastXid;
    }

    [ThreadStatic] private static uint _lastXid;

    private static byte[] DhcpAnswer(byte type, uint xid, MacAddress client, Random random)
    {
        if (xid != 0) _lastXid = xid;
        var m = new byte[300];
        m[0] = 2; m[1] = 1; m[2] = 6;
        NetworkOrder.WriteUInt32(m, 4, xid);
        new Ipv4Address((uint)(random.Next(3) == 0 ? random.Next() : 0x0A00020F)).Write(m, 16);
        client.Write(m, 28);
        NetworkOrder.WriteUInt32(m, 236, 0x63825363);
        int o = 240;
        byte[] codes = { 53, 54, 1, 3, 6, 51, 58, 59 };
        foreach (byte code in codes)
        {
            if (random.Next(5) == 0) continue;
            int length = code == 53 ? 1 : code == 6 ? 4 * random.Next(1, 4) : 4;
            if (random.Next(10) == 0) length = random.Next(0, 12);
            if (o + 2 + length >= m.Length - 1) break;
            m[o++] = code; m[o++] = (byte)length;
            for (int i = 0; i < length; i++) m[o + i] = (byte)random.Next(256);
            if (code == 53 && length == 1) m[o] = type;
            o += length;
        }

        m[o] = 255;
        var frame = new byte[42 + m.Length];
        m.CopyTo(frame, 42);
        var server = new Ipv4Address(10, 0, 2, 2);
        UdpDatagram.Emit(frame.AsSpan(34), server, Ipv4Address.Broadcast, 67, 68, m.Length);
        Ipv4Packet.Emit(frame.AsSpan(14), server, Ipv4Address.Broadcast, IpProtocol.Udp, 8 + m.Length, 1);
        EthernetFrame.Emit(frame, MacAddress.Broadcast, new MacAddress(2, 0, 0, 0, 2, 2), EtherType.Ipv4);
        return frame;
    }

    /// <summary>Which captured frames are ACKs with SACK blocks (their blocks are re-drawn by <see cref="Mutate"/>).</summary>
    [ThreadStatic] private static HashSet<byte[]>? _sackTemplate;
    [ThreadStatic] private static uint _sackBase;

    /// <summary>B writes 30 KB that A never receives; ACKs from A's port carrying three SACK
    /// blocks over that data (and the ACK's own number, the window) become templates.</summary>
    private static HashSet<byte[]> AddSackAcks(List<byte[]> captured, Network net, int client, int server)
    {
        Assert.Equal(NetError.None, net.A.Iface.GetLocalEndpoint(client, out _, out ushort clientPort));
        // A's next sequence number and B's first unacknowledged byte, from a pure ACK of A's.
        Assert.Equal(1, net.A.Iface.Write(client, new byte[1]));
        uint seq = 0, ack = 0;
        foreach (byte[] f in net.A.Poll(net.Now))
        {
            if (EthernetFrame.TryParse(f, out EthernetFrame eth) == WireError.None && eth.EtherType == EtherType.Ipv4 &&
                Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip) == WireError.None && ip.Protocol == IpProtocol.Tcp &&
                TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out TcpSegment tcp) == WireError.None)
            {
                seq = tcp.SequenceNumber + (uint)tcp.Payload.Length;
                ack = tcp.AcknowledgmentNumber;
            }

            net.B.Iface.Receive(f, net.Now);
        }

        Assert.Equal(30_000, net.B.Iface.Write(server, new byte[30_000]));
        net.B.Poll(net.Now); // sent into the void: A never gets it
        _sackBase = ack;
        var templates = new HashSet<byte[]>();
        for (int k = 0; k < 8; k++)
        {
            var header = new TcpHeader
            {
                SourcePort = clientPort, DestinationPort = 80, SequenceNumber = seq, AcknowledgmentNumber = ack,
                Flags = TcpFlags.Ack, Window = 60000, SackBlocks = 3,
                SackStart0 = ack + 1460, SackEnd0 = ack + 2920 + (uint)(k * 1460),
                SackStart1 = ack + 14600, SackEnd1 = ack + 16060,
                SackStart2 = ack + 20000, SackEnd2 = ack + 29200,
            };
            var f = new byte[34 + header.Length];
            TcpSegment.Emit(f.AsSpan(34), net.A.Ip, net.B.Ip, header, 0);
            Ipv4Packet.Emit(f.AsSpan(14), net.A.Ip, net.B.Ip, IpProtocol.Tcp, header.Length, 79);
            EthernetFrame.Emit(f, net.B.Mac, net.A.Mac, EtherType.Ipv4);
            captured.Add(f);
            captured.Add(f); // twice: drawn as often as the rest together would be too rare
            templates.Add(f);
        }

        return templates;
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

    private static byte[] Mutate(Random random, byte[] original, Network net, bool sackOnly = false)
    {
        if (_sackTemplate != null && _sackTemplate.Contains(original) && (sackOnly || random.Next(2) == 0))
        {
            // Re-drawn SACK blocks: anywhere around the data in flight, inverted, empty, past
            // SND.MAX, wrapped; the ACK number sometimes moves too. Valid checksums.
            byte[] m = (byte[])original.Clone();
            int options = 34 + 20;
            int at = Array.IndexOf(m, (byte)5, options);
            if (at > 0 && at + 2 + 24 <= m.Length)
            {
                for (int b = 0; b < 6; b++)
                {
                    uint value = random.Next(4) switch
                    {
                        0 => (uint)random.Next(),
                        _ => _sackBase + (uint)random.Next(-3000, 40_000),
                    };
                    NetworkOrder.WriteUInt32(m, at + 2 + 4 * b, value);
                }

                // The ACK number moves only after the SACK phase (a new ACK would leave the
                // templates' ACK behind SND.UNA, and they would stop being duplicates).
                if (!sackOnly && random.Next(16) == 0) NetworkOrder.WriteUInt32(m, 34 + 8, _sackBase + (uint)random.Next(-100, 3000));
                FixChecksums(m);
                return m;
            }
        }

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
            // Mostly in the headers and TCP options (up to 40 bytes of them).
            int at = random.Next(3) == 0 ? random.Next(f.Length) : random.Next(Math.Min(f.Length, 14 + 20 + 60));
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
