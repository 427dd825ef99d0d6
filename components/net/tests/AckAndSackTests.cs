using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.Net.Tests;

/// <summary>
/// The receiver's ACK timing (RFC 5681 §4.2, RFC 9293 §3.8.6.3: delayed ACKs within the
/// delayed-ACK time, at once for every second full segment, for out-of-order data and for a gap
/// filled) and the sender's use of the peer's SACK blocks (RFC 2018, RFC 6675: in recovery only
/// the holes are sent again, never data the peer reported holding).
/// </summary>
public class AckAndSackTests
{
    private readonly ITestOutputHelper _output;

    public AckAndSackTests(ITestOutputHelper output) => _output = output;

    /// <summary>TcpSocket.QuickAckBurst (internal).</summary>
    private const int QuickAcks = 16;

    [Fact]
    public void AcksAreDelayedUpToTheTimerButImmediateForSecondFullSegmentsAndHoles()
    {
        using var host = new Host(2, configure: c => { c.TcpReceiveBufferSize = 256 * 1024; c.DelayedAckMs = 40; return c; });
        var peer = new RawPeer(host);
        peer.Handshake(offerScale: true, scale: 7, sack: true);
        uint s = peer.Iss + 1, a = peer.ServerIss + 1;
        var data = new byte[1460];
        uint at = 0;
        List<(uint Seq, uint Ack, byte Flags, ushort Window, int Length)> Send(int length, uint offset)
            => peer.Exchange(peer.Segment(s + offset, a, TcpFlags.Ack, data.AsSpan(0, length)));

        // Quick-ACK mode at the start: the first small segments are each ACKed in their poll.
        for (int i = 0; i < QuickAcks; i++)
        {
            var r = Send(100, at);
            at += 100;
            Assert.Contains(r, x => x.Ack == s + at);
        }

        // Then a lone small segment waits: no ACK for 39 ms, the ACK at 40 ms at the latest.
        ulong sentAt = peer.Now;
        Assert.Empty(Send(100, at));
        at += 100;
        while (peer.Now < sentAt + 39)
        {
            Assert.Empty(peer.Exchange(null));
        }

        var late = peer.Exchange(null);
        peer.Now = sentAt + 40;
        late.AddRange(peer.Exchange(null));
        Assert.Contains(late, x => x.Ack == s + at);
        Assert.True(host.Iface.Statistics.TcpDelayedAcks >= 1);

        // The timer fired: quick-ACK mode again; use it up.
        for (int i = 0; i < QuickAcks; i++)
        {
            Assert.Contains(Send(100, at), x => x.Ack == s + (at += 100));
        }

        // Full-sized segments: the first waits, the second is ACKed at once (both covered).
        Assert.Empty(Send(1460, at));
        at += 1460;
        var second = Send(1460, at);
        at += 1460;
        Assert.Contains(second, x => x.Ack == s + at);

        // Out of order: a duplicate ACK at once (with a SACK block); the gap filled: ACK at once.
        var ooo = Send(1000, at + 1000);
        Assert.Contains(ooo, x => x.Ack == s + at && x.Length == 0);
        Assert.Contains(peer.Sacks, b => b.Count == 1 && b[0] == (s + at + 1000, s + at + 2000));
        var filled = Send(1000, at);
        at += 2000;
        Assert.Contains(filled, x => x.Ack == s + at);

        // A reply carries the ACK: no pure ACK later.
        Assert.Empty(Send(100, at));
        at += 100;
        Assert.Equal(5, host.Iface.Write(peer.Accepted, "reply"u8));
        var reply = peer.Exchange(null);
        Assert.Contains(reply, x => x.Length == 5 && x.Ack == s + at);
        ulong until = peer.Now + 100;
        while (peer.Now < until)
        {
            Assert.DoesNotContain(peer.Exchange(null), x => x.Length == 0 && x.Ack == s + at);
        }

        host.Iface.Abort(peer.Accepted);
        peer.Exchange(null);
    }

    /// <summary>
    /// Several first transmissions lost in one large window (the case NewReno repairs one per
    /// round trip): every hole is resent once, from the SACK scoreboard, with no timeout; no byte
    /// the receiver reported holding (the union of every SACK block and cumulative ACK on the
    /// wire so far: the model) is sent again; the stream arrives exactly.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(14)]
    public void SackRecoveryResendsOnlyTheHolesOfOneWindow(int losses) => Transfer(losses, 0);

    /// <summary>Random loss of first transmissions everywhere: the stream arrives exactly and,
    /// until a timeout makes the sender forget the scoreboard (RFC 2018 §8), nothing SACKed is resent.</summary>
    [Theory]
    [InlineData(0.02)]
    [InlineData(0.08)]
    public void SackRecoveryUnderRandomLossNeverResendsHeldData(double loss) => Transfer(0, loss);

    private void Transfer(int burst, double loss)
    {
        int seed = TestSeed.Get();
        _output.WriteLine($"seed {seed} (replay: AURORA_SEED={seed})");
        try
        {
            using var net = new Network(seed, c => { c.TcpReceiveBufferSize = 256 * 1024; c.TcpSendBufferSize = 256 * 1024; c.TransmitQueueCapacity = 64; return c; });
            var (client, server, _) = net.Connect();
            var random = new Random(seed);
            byte[] up = new byte[600 * 1024];
            random.NextBytes(up);
            // The burst: segments 150..229 by first-transmission order (the window is large by then).
            var doomed = new HashSet<int>();
            while (doomed.Count < burst) doomed.Add(150 + random.Next(80));
            uint? isn = null;
            var firstSeen = new HashSet<uint>();
            // What the receiver reported and when it reached the sender (sent + 1 ms): the model.
            var sacked = new List<(uint Start, uint End, ulong At)>();
            var acks = new List<(uint Ack, ulong At)>();
            ulong timeoutsSeen = 0;
            int drops = 0, resent = 0, violations = 0, firstSends = 0;
            string firstViolation = "";
            static bool Parse(byte[] f, out TcpSegment tcp)
            {
                tcp = default;
                return EthernetFrame.TryParse(f, out EthernetFrame eth) == WireError.None && eth.EtherType == EtherType.Ipv4 &&
                    Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip) == WireError.None && ip.Protocol == IpProtocol.Tcp &&
                    TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out tcp) == WireError.None;
            }

            net.BtoA.DropIf = f =>
            {
                if (!Parse(f, out TcpSegment tcp) || !tcp.Has(TcpFlags.Ack) || isn == null) return false;
                acks.Add((tcp.AcknowledgmentNumber, net.Now + 1));
                for (int b = 0; b < tcp.SackBlockCount; b++)
                {
                    tcp.SackBlock(b, out uint st, out uint en);
                    sacked.Add((st, en, net.Now + 1));
                }

                return false;
            };
            net.AtoB.DropIf = f =>
            {
                if (!Parse(f, out TcpSegment tcp) || tcp.Payload.Length == 0) return false;
                isn ??= tcp.SequenceNumber;
                if (net.A.Iface.Statistics.TcpRetransmissionTimeouts != timeoutsSeen)
                {
                    timeoutsSeen = net.A.Iface.Statistics.TcpRetransmissionTimeouts;
                    sacked.Clear(); // the sender forgets them after a timeout, as RFC 2018 §8 asks
                }

                uint seq = tcp.SequenceNumber, end = seq + (uint)tcp.Payload.Length;
                if (!firstSeen.Add(seq))
                {
                    resent++;
                    bool held = false;
                    foreach (var (ack, at) in acks)
                    {
                        if (at <= net.Now && (int)(end - ack) <= 0) held = true;
                    }

                    foreach (var (st, en, at) in sacked)
                    {
                        if (at <= net.Now && (int)(st - seq) <= 0 && (int)(end - en) <= 0) held = true;
                    }

                    if (held && violations++ == 0) firstViolation = $"resent {seq - isn}+{end - seq}, held by the receiver";
                    return false;
                }

                // First transmissions only, never near the end (a tail loss needs the timer).
                bool drop = burst > 0 ? doomed.Contains(firstSends) :
                    seq - isn.Value < up.Length - (40 * 1460) && random.NextDouble() < loss;
                firstSends++;
                if (drop) drops++;
                return drop;
            };
            ulong startMs = net.Now;
            byte[] got = net.SendAToB(client, server, up, limitMs: 120_000);
            NetStatistics stats = net.A.Iface.Statistics;
            _output.WriteLine($"{net.Now - startMs} ms simulated, {drops} drops, {resent} resent, " +
                $"{stats.TcpFastRetransmits} fast + {stats.TcpSackRetransmits} SACK retransmits, {stats.TcpRetransmissionTimeouts} timeouts");
            Assert.Equal(up, got);
            Assert.True(drops > 0, "nothing was dropped");
            Assert.True(violations == 0, $"{violations} retransmissions of data the receiver held, first: {firstViolation}");
            if (burst > 0)
            {
                Assert.Equal(burst, drops);
                Assert.Equal(0UL, stats.TcpRetransmissionTimeouts);
                Assert.Equal(drops, resent);
                Assert.True(stats.TcpSackRetransmits >= (ulong)(burst - 2), "the holes were not resent from the scoreboard");
            }
        }
        catch (Exception e) when (e is not SeedException)
        {
            throw new SeedException(seed, e);
        }
    }
}
