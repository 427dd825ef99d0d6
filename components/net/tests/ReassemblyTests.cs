using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.Net.Tests;

/// <summary>
/// A scripted TCP peer talking to one Aurora interface frame by frame: it crafts every segment
/// itself (any order, any overlap, duplicated) and reads every frame the stack answers with, so
/// tests can hold the receiver to RFC 5681 §4.2 (a duplicate ACK at once for each out-of-order
/// segment), RFC 7323 (window scale negotiation) and to a model of the byte stream.
/// </summary>
internal sealed class RawPeer
{
    public readonly Host Host;
    public readonly MacAddress Mac = new(0x02, 0, 0, 0, 0, 0x99);
    public readonly Ipv4Address Ip = new(10, 0, 0, 99);
    public const ushort Port = 40000;
    public ulong Now = 1000;
    public uint Iss = 0x7000_0000;
    /// <summary>The stack's SYN-ACK, as parsed.</summary>
    public bool SynAckHadScale;
    public byte SynAckScale;
    public bool SynAckHadSack;
    public uint ServerIss;
    public int Accepted = -1;
    private ushort _ipId;

    public RawPeer(Host host) => Host = host;

    public byte[] Segment(uint seq, uint ack, byte flags, ReadOnlySpan<byte> payload, ushort window = 65535,
        bool offerScale = false, byte scale = 0, ushort mss = 0, bool sack = false)
    {
        var header = new TcpHeader
        {
            SourcePort = Port, DestinationPort = 80, SequenceNumber = seq, AcknowledgmentNumber = ack, Flags = flags,
            Window = window, MaxSegmentSize = mss, OfferWindowScale = offerScale, WindowScale = scale, SackPermitted = sack,
        };
        int tcpLength = header.Length + payload.Length;
        var frame = new byte[Math.Max(60, 34 + tcpLength)];
        payload.CopyTo(frame.AsSpan(34 + header.Length));
        TcpSegment.Emit(frame.AsSpan(34), Ip, Host.Ip, header, payload.Length);
        Ipv4Packet.Emit(frame.AsSpan(14), Ip, Host.Ip, IpProtocol.Tcp, tcpLength, _ipId++);
        EthernetFrame.Emit(frame, Host.Mac, Mac, EtherType.Ipv4);
        return frame;
    }

    /// <summary>SACK blocks of each reply, in the order of <see cref="Exchange"/>'s list.</summary>
    public readonly List<List<(uint Start, uint End)>> Sacks = new();

    /// <summary>Gives one frame to the stack and polls it; returns the TCP segments it sent back
    /// as (seq, ack, flags, window field, payload length); their SACK blocks go to <see cref="Sacks"/>.</summary>
    public List<(uint Seq, uint Ack, byte Flags, ushort Window, int Length)> Exchange(byte[]? frame)
    {
        if (frame != null) Host.Iface.Receive(frame, Now);
        var replies = new List<(uint, uint, byte, ushort, int)>();
        Sacks.Clear();
        foreach (byte[] f in Host.Poll(Now))
        {
            Assert.Equal(WireError.None, EthernetFrame.TryParse(f, out EthernetFrame eth));
            if (eth.EtherType != EtherType.Ipv4) continue;
            Assert.Equal(WireError.None, Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
            if (ip.Protocol != IpProtocol.Tcp) continue;
            Assert.Equal(WireError.None, TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out TcpSegment tcp));
            if (tcp.Has(TcpFlags.Syn))
            {
                SynAckHadScale = tcp.HasWindowScale;
                SynAckScale = tcp.WindowScale;
                SynAckHadSack = tcp.SackPermitted;
                ServerIss = tcp.SequenceNumber;
            }

            var blocks = new List<(uint, uint)>();
            for (int b = 0; b < tcp.SackBlockCount; b++)
            {
                tcp.SackBlock(b, out uint start, out uint end);
                blocks.Add((start, end));
            }

            Sacks.Add(blocks);

            replies.Add((tcp.SequenceNumber, tcp.AcknowledgmentNumber, tcp.Flags, tcp.Window, tcp.Payload.Length));
        }

        Now++;
        return replies;
    }

    /// <summary>ARP (so the stack knows our MAC), listener on port 80, SYN (with or without a
    /// window scale), the stack's SYN-ACK, our ACK, accept.</summary>
    public void Handshake(bool offerScale, byte scale = 7, bool sack = false)
    {
        var arp = new byte[60];
        EthernetFrame.Emit(arp, MacAddress.Broadcast, Mac, EtherType.Arp);
        ArpPacket.Emit(arp.AsSpan(14), ArpPacket.OperationRequest, Mac, Ip, default, Host.Ip);
        Exchange(arp);
        int listener = Host.Iface.OpenTcp();
        Assert.Equal(NetError.None, Host.Iface.Bind(listener, Ipv4Address.Any, 80));
        Assert.Equal(NetError.None, Host.Iface.Listen(listener, 4));
        var synAck = Exchange(Segment(Iss, 0, TcpFlags.Syn, default, offerScale: offerScale, scale: scale, mss: 1460, sack: sack));
        Assert.Contains(synAck, r => r.Flags == (TcpFlags.Syn | TcpFlags.Ack) && r.Ack == Iss + 1);
        Exchange(Segment(Iss + 1, ServerIss + 1, TcpFlags.Ack, default));
        Accepted = Host.Iface.Accept(listener, out _, out _);
        Assert.True(Accepted >= 0, "no connection to accept after the handshake");
    }
}

public class ReassemblyTests
{
    private readonly ITestOutputHelper _output;

    public ReassemblyTests(ITestOutputHelper output) => _output = output;

    private static Host BigReceiver(int buffer) =>
        new(2, configure: c => { c.TcpReceiveBufferSize = buffer; c.TransmitQueueCapacity = 64; return c; });

    /// <summary>
    /// Random segments (random starts and lengths, so they overlap arbitrarily, duplicated, in
    /// random order) of a random byte stream: the stream read back must be the model exactly;
    /// every ACK must be within what was sent and never go back; every segment that starts
    /// past the cumulative ACK must be answered at once by a duplicate ACK for it (RFC 5681 §4.2);
    /// a segment at the ACK point must move it at least past its own end.
    /// </summary>
    [Theory]
    [InlineData(65535, false)]
    [InlineData(256 * 1024, true)]
    public void RandomlyOrderedOverlappingSegmentsReassembleToTheModelStream(int buffer, bool scale)
    {
        int seed = TestSeed.Get();
        try
        {
            using Host host = BigReceiver(buffer);
            var peer = new RawPeer(host);
            peer.Handshake(scale, sack: scale);
            Assert.Equal(scale, peer.SynAckHadSack);
            var random = new Random(seed);
            var sentBytes = new bool[buffer * 3 / 2];
            int sackBlocksSeen = 0;
            byte[] model = new byte[buffer * 3 / 2];
            random.NextBytes(model);
            uint start = peer.Iss + 1;
            int acked = 0;        // the stack's cumulative ACK, as an offset into the model
            int read = 0;         // bytes the application has read
            var got = new byte[model.Length];
            int rounds = 0, outOfOrderSent = 0;
            while (read < model.Length)
            {
                Assert.True(++rounds < 200_000, $"no progress: acked {acked}, read {read}");
                // Segments within what the receiver can hold: the free buffer past the ACK point.
                int windowEnd = Math.Min(model.Length, read + (scale ? buffer : Math.Min(buffer, 65535)));
                if (acked < windowEnd)
                {
                    int at = random.Next(4) == 0 ? acked : acked + random.Next(Math.Min(windowEnd - acked, 40_000));
                    int length = Math.Min(random.Next(1, 1461), windowEnd - at);
                    if (length > 0)
                    {
                        byte[] frame = peer.Segment(start + (uint)at, peer.ServerIss + 1, TcpFlags.Ack, model.AsSpan(at, length));
                        Array.Fill(sentBytes, true, at, length);
                        for (int copy = random.Next(5) == 0 ? 2 : 1; copy > 0; copy--)
                        {
                            int before = acked;
                            var replies = peer.Exchange(frame);
                            for (int k = 0; k < replies.Count; k++)
                            {
                                var r = replies[k];
                                int ack = (int)(r.Ack - start);
                                Assert.True(ack >= before && ack <= model.Length, $"ACK {ack} went back from {before} or past the stream");
                                acked = Math.Max(acked, ack);
                                // RFC 2018: only with SACK permitted; blocks past the ACK, of bytes
                                // really sent, the one holding this segment first.
                                Assert.True(scale || peer.Sacks[k].Count == 0, "SACK blocks without SACK-permitted");
                                sackBlocksSeen += peer.Sacks[k].Count;
                                for (int b = 0; b < peer.Sacks[k].Count; b++)
                                {
                                    int s0 = (int)(peer.Sacks[k][b].Start - start), e0 = (int)(peer.Sacks[k][b].End - start);
                                    Assert.True(s0 > ack && e0 > s0 && e0 <= model.Length, $"SACK block {s0}-{e0} with ACK {ack}");
                                    Assert.True(Array.IndexOf(sentBytes, false, s0, e0 - s0) < 0, $"SACK block {s0}-{e0} covers bytes never sent");
                                    Assert.True(b == 0 || !(s0 <= at && at < e0), $"the block holding the newest segment ({at}) is not first");
                                }
                            }

                            if (at > before)
                            {
                                outOfOrderSent++;
                                Assert.True(replies.Exists(r => r.Ack - start == (uint)before && r.Length == 0),
                                    $"no immediate duplicate ACK for the out-of-order segment at {at} (ACK point {before})");
                            }
                            else if (at + length > before)
                            {
                                Assert.True(acked >= at + length, $"in-order segment {at}+{length} left the ACK at {acked}");
                            }
                        }
                    }
                }

                // The application reads now and then (the window opens again).
                if (random.Next(8) == 0)
                {
                    long n = host.Iface.Read(peer.Accepted, got.AsSpan(read, Math.Min(got.Length - read, random.Next(1, 70_000))));
                    if (n > 0) read += (int)n;
                    else Assert.Equal(-(long)NetError.WouldBlock, n);
                }
            }

            Assert.True(model.AsSpan().SequenceEqual(got), "the reassembled stream differs from the model");
            Assert.True(host.Iface.Statistics.TcpOutOfOrder > 0);
            Assert.Equal(scale, peer.SynAckHadScale);
            Assert.Equal(scale, sackBlocksSeen > 0);
            _output.WriteLine($"seed {seed}: {rounds} rounds, {outOfOrderSent} out-of-order segments, " +
                $"{host.Iface.Statistics.TcpAcksSentAtOnce} immediate ACKs, {sackBlocksSeen} SACK blocks");
        }
        catch (Exception e) when (e is not SeedException)
        {
            throw new SeedException(seed, e);
        }
    }

    [Theory]
    [InlineData(65535, 0)]
    [InlineData(256 * 1024, 3)]
    [InlineData(1 << 20, 5)]
    public void WindowScaleIsNegotiatedOnlyWhenBothSynsCarryIt(int buffer, byte expectedShift)
    {
        // Offered: the SYN-ACK carries our shift and later windows are scaled by it.
        using (Host host = BigReceiver(buffer))
        {
            var peer = new RawPeer(host);
            peer.Handshake(offerScale: true, scale: 2);
            Assert.True(peer.SynAckHadScale);
            Assert.Equal(expectedShift, peer.SynAckScale);
            var replies = peer.Exchange(peer.Segment(peer.Iss + 1, peer.ServerIss + 1, TcpFlags.Ack | TcpFlags.Psh, new byte[100]));
            var ack = Assert.Single(replies);
            long window = (long)ack.Window << expectedShift;
            Assert.InRange(window, Math.Min(buffer, 65535L << expectedShift) - 100 - (1 << expectedShift), buffer - 100);
            host.Iface.Abort(peer.Accepted);
            peer.Exchange(null);
        }

        // Not offered: no option in the SYN-ACK and windows in plain bytes, at most 65535.
        using (Host host = BigReceiver(buffer))
        {
            var peer = new RawPeer(host);
            peer.Handshake(offerScale: false);
            Assert.False(peer.SynAckHadScale);
            var replies = peer.Exchange(peer.Segment(peer.Iss + 1, peer.ServerIss + 1, TcpFlags.Ack | TcpFlags.Psh, new byte[100]));
            var ack = Assert.Single(replies);
            Assert.Equal(Math.Min(buffer - 100, 65535), ack.Window);
            host.Iface.Abort(peer.Accepted);
            peer.Exchange(null);
        }
    }

    [Fact]
    public void OutOfOrderFinIsTakenOnceTheHoleFills()
    {
        using Host host = BigReceiver(65535);
        var peer = new RawPeer(host);
        peer.Handshake(false);
        uint s = peer.Iss + 1, a = peer.ServerIss + 1;
        byte[] data = new byte[3000];
        new Random(5).NextBytes(data);
        peer.Exchange(peer.Segment(s + 1500, a, TcpFlags.Ack | TcpFlags.Fin, data.AsSpan(1500)));
        Assert.Equal(TcpState.Established, host.Iface.GetTcpState(peer.Accepted));
        var replies = peer.Exchange(peer.Segment(s, a, TcpFlags.Ack, data.AsSpan(0, 1500)));
        Assert.Contains(replies, r => r.Ack == s + 3001);
        Assert.Equal(TcpState.CloseWait, host.Iface.GetTcpState(peer.Accepted));
        var got = new byte[4000];
        Assert.Equal(3000, host.Iface.Read(peer.Accepted, got));
        Assert.True(data.AsSpan().SequenceEqual(got.AsSpan(0, 3000)));
        Assert.Equal(0, host.Iface.Read(peer.Accepted, got));
        host.Iface.Abort(peer.Accepted);
        peer.Exchange(null);
    }

    /// <summary>One lost data segment in a bulk transfer is repaired by fast retransmit (three
    /// duplicate ACKs from a receiver that keeps what came after the hole), not by a timeout,
    /// and only that segment is sent again (NewReno, not go-back-N).</summary>
    [Fact]
    public void ASingleLossIsRepairedByFastRetransmitWithoutATimeout()
    {
        using var net = new Network(7, c => { c.TcpReceiveBufferSize = 256 * 1024; c.TcpSendBufferSize = 256 * 1024; c.TransmitQueueCapacity = 64; return c; });
        var (client, server, _) = net.Connect();
        int dataSegments = 0;
        bool dropped = false;
        net.AtoB.DropIf = f =>
        {
            if (f.Length < 1000) return false;
            dataSegments++;
            if (dataSegments == 30 && !dropped)
            {
                dropped = true;
                return true;
            }

            return false;
        };
        byte[] up = new byte[400 * 1024];
        new Random(3).NextBytes(up);
        ulong startMs = net.Now;
        byte[] got = net.SendAToB(client, server, up, limitMs: 60_000);
        Assert.True(dropped);
        Assert.Equal(up, got);
        Assert.Equal(0UL, net.A.Iface.Statistics.TcpRetransmissionTimeouts);
        Assert.True(net.A.Iface.Statistics.TcpFastRetransmits >= 1, "no fast retransmit");
        Assert.True(net.B.Iface.Statistics.TcpOutOfOrder > 0);
        // Go-back-N would resend everything in flight after the hole; NewReno resends the hole.
        Assert.InRange(dataSegments, 0, (up.Length / 1460) + 5);
        _output.WriteLine($"{net.Now - startMs} ms simulated, {dataSegments} data segments for {up.Length / 1460 + 1}");
    }
}
