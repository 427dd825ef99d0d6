using System;

namespace Aurora.Net;

/// <summary>One segment the socket wants sent, planned by <see cref="TcpSocket.Plan"/> and
/// confirmed with <see cref="TcpSocket.Commit"/> once the device took it.</summary>
internal struct TcpPlan
{
    public TcpHeader Header;
    /// <summary>Payload: bytes at this offset from the head of the send buffer.</summary>
    public int DataOffset;
    public int DataLength;
}

/// <summary>What <see cref="TcpSocket.Input"/> asks of the interface besides its own state.</summary>
internal struct TcpInputOutcome
{
    /// <summary>Send a reset with these numbers (RFC 9293 §3.10.7.3 and §3.10.7.4).</summary>
    public bool SendReset;
    public uint ResetSequence;
    public byte ResetFlags;
    /// <summary>SYN-RECEIVED moved to ESTABLISHED: a listener's child is ready to accept.</summary>
    public bool Established;
    /// <summary>The segment was outside the receive window (answered with an ACK).</summary>
    public bool Unacceptable;
    /// <summary>The segment's data did not start at RCV.NXT (held for reassembly when it fit).</summary>
    public bool OutOfOrder;
    /// <summary>Acknowledge now, with this segment's RCV.NXT, not at the end of the poll: a
    /// duplicate ACK for out-of-order data, an ACK for data that filled a hole, or the ACK due
    /// every second segment (RFC 5681 §4.2). One ACK per poll would hide losses from the
    /// sender's fast retransmit (three duplicate ACKs) and stretch its congestion window growth.</summary>
    public bool AckNow;
}

/// <summary>
/// A TCP connection's state machine (RFC 9293 §3.10): sequence variables, send and receive
/// buffers, out-of-order reassembly (<see cref="TcpAssembler"/>), window scaling (RFC 7323),
/// NewReno congestion control (RFC 5681, RFC 6582), retransmission with an RFC 6298 RTO,
/// TIME_WAIT. It knows nothing about frames or addresses beyond its own; the interface
/// demultiplexes segments to it and sends what <see cref="Plan"/> asks for.
/// </summary>
internal unsafe struct TcpSocket
{
    /// <summary>Our MSS: a 1500-byte Ethernet MTU less 20 bytes of IPv4 and 20 of TCP.</summary>
    public const int LocalMss = 1460;
    /// <summary>RFC 9293 §3.7.1: the MSS to assume when the peer sends none.</summary>
    public const int DefaultMss = 536;
    public const uint MaxRtoMs = 60_000;
    /// <summary>How long an orphaned FIN-WAIT-2 waits for the peer's FIN (Linux tcp_fin_timeout).</summary>
    public const uint FinWait2TimeoutMs = 60_000;

    public TcpState State;
    public Ipv4Address LocalAddress;
    public Ipv4Address RemoteAddress;
    public ushort LocalPort;
    public ushort RemotePort;

    public uint Iss;
    public uint SndUna;
    public uint SndNxt;
    /// <summary>Highest sequence number sent; SND.NXT drops below it after a timeout (go-back-N).</summary>
    public uint SndMax;
    public uint SndWnd;
    public uint SndWl1;
    public uint SndWl2;
    public uint RcvNxt;
    /// <summary>Sequence number of the first byte in <see cref="Tx"/>.</summary>
    public uint TxStart;
    public int Mss;
    public uint LastAdvertised;

    public RingBuffer Tx;
    public RingBuffer Rx;

    public bool FinQueued;
    public bool FinReceived;
    public bool AckPending;
    public bool ProbeDue;
    public bool RttTiming;

    public ulong RetransmitAt;
    public uint Rto;
    public int Retries;
    public uint Srtt;
    public uint RttVar;
    public uint RttSeq;
    public ulong RttStart;
    /// <summary>End of TIME-WAIT, or of an orphaned FIN-WAIT-2.</summary>
    public ulong LingerUntil;

    public NetError Error;
    public int DuplicateAcks;
    /// <summary>SND.MAX when the last fast retransmit or timeout happened; no fast retransmit
    /// until the cumulative ACK reaches it (RFC 6582 §3.2 "recover").</summary>
    public uint Recover;
    /// <summary>In NewReno fast recovery (RFC 6582 §3.2) until an ACK covers <see cref="Recover"/>.</summary>
    public bool InRecovery;
    /// <summary>Send the segment at SND.UNA again (fast retransmit, or a partial ACK in recovery)
    /// before anything new; only that one segment, the receiver keeps what came after it.</summary>
    public bool RetransmitFirst;
    /// <summary>Congestion window and slow-start threshold in bytes (RFC 5681 §3.1).</summary>
    public uint Cwnd;
    public uint Ssthresh;

    /// <summary>Window shifts (RFC 7323 §2): ours applies to the windows we send, the peer's to
    /// the windows it sends; both 0 unless both SYNs carried the option.</summary>
    public byte RcvScale;
    public byte SndScale;
    public bool ScalingOn;
    /// <summary>Both SYNs carried SACK-permitted (RFC 2018 §2): our ACKs then report the data
    /// held past a hole. (As a sender this stack still repairs one hole per round trip.)</summary>
    public bool SackOn;
    /// <summary>Start of the out-of-order segment held last: its block goes first (RFC 2018 §4).</summary>
    public uint LastHeld;

    /// <summary>Data held past RCV.NXT, its bytes in <see cref="Rx"/>'s free space.</summary>
    public TcpAssembler OutOfOrder;
    /// <summary>A FIN arrived right after out-of-order data; it counts once RCV.NXT reaches it.</summary>
    public bool OutOfOrderFin;
    public uint OutOfOrderFinSeq;
    /// <summary>In-order bytes received since our last ACK (RFC 5681 §4.2: an ACK at least for
    /// every second full-sized segment).</summary>
    public uint BytesUnacked;
    /// <summary>The largest segment the peer sent so far (at most our MSS): "full-sized" for the
    /// every-second-segment rule (Linux's rcv_mss).</summary>
    public uint RcvMss;
    /// <summary>When the delayed ACK is due (RFC 9293 §3.8.6.3: within 0.5 s; ours
    /// <see cref="InterfaceConfig.DelayedAckMs"/>), 0 when none is waiting.</summary>
    public ulong AckDueAt;
    /// <summary>In-order segments still ACKed at the end of their poll instead of delayed (Linux's
    /// quick-ACK mode): at the start of a connection, after an idle gap and after a delayed ACK
    /// had to wait for its timer, so a sender held back by Nagle or a small window is not slowed.</summary>
    public int QuickAcks;
    /// <summary>When in-order data last arrived (an idle gap longer than the RTO refills <see cref="QuickAcks"/>).</summary>
    public ulong LastDataAt;

    /// <summary>The sender's SACK scoreboard (RFC 6675 §3): ranges past SND.UNA the peer reported
    /// holding; only the holes between them are sent again in recovery.</summary>
    public TcpAssembler Sacked;
    /// <summary>The end of the highest SACK block that did not fit in <see cref="Sacked"/>: the
    /// data below it is not counted in flight (it arrived or was lost), though only the holes
    /// recorded are resent until the scoreboard has room again.</summary>
    public uint SackOverflowEnd;
    /// <summary>RFC 6675 HighRxt: the end of the highest range retransmitted in this recovery.</summary>
    public uint HighRxt;

    /// <summary>Receive buffer autotuning (<see cref="InterfaceConfig.TcpReceiveBufferMax"/>): the
    /// largest <see cref="Rx"/> may become; the SYN's window shift is chosen for it.</summary>
    public int RcvBufferMax;
    /// <summary>The receiver's round-trip estimate (ms, 0 = none yet), as Linux's rcv_rtt_est
    /// without timestamps: the time the peer takes to fill one window we offered.</summary>
    public uint RcvRtt;
    /// <summary>The measurement under way: the window's right edge when it began, and when.</summary>
    public uint RcvRttEdge;
    public ulong RcvRttStart;
    /// <summary>Bytes the application read since <see cref="CopiedSince"/> (one receiver round trip
    /// at a time), and the most it ever read in one (Linux's rcvq_space).</summary>
    public uint Copied;
    public ulong CopiedSince;
    public uint RcvSpace;

    /// <summary>Quick ACKs granted at the start and after a stall (Linux's TCP_MAX_QUICKACKS).</summary>
    public const int QuickAckBurst = 16;

    /// <summary>Congestion window ceiling: far above any window this stack can be offered.</summary>
    private const uint MaxCwnd = 1u << 30;

    private static bool Lt(uint a, uint b) => (int)(a - b) < 0;
    private static bool Le(uint a, uint b) => (int)(a - b) <= 0;

    public readonly bool IsSynchronized => State != TcpState.Closed && State != TcpState.Listen &&
        State != TcpState.SynSent && State != TcpState.SynReceived;

    /// <summary>Bytes the peer may send past RCV.NXT: the free receive buffer (out-of-order
    /// data waits in it, so it does not shrink the window), at most what the header can say.</summary>
    public readonly uint ReceiveWindow => (uint)Math.Min((long)Rx.Free, 65535L << RcvScale);

    /// <summary>The window field for a segment: unscaled on a SYN (RFC 7323 §2.2).</summary>
    private readonly ushort WindowField(bool syn) =>
        syn ? (ushort)Math.Min(ReceiveWindow, 65535u) : (ushort)Math.Min(ReceiveWindow >> RcvScale, 65535u);

    /// <summary>The smallest shift that lets a window field cover a buffer of <paramref name="bytes"/>.</summary>
    public static byte ScaleFor(int bytes)
    {
        byte shift = 0;
        while (shift < TcpSegment.MaxWindowScale && (bytes >> shift) > 65535)
        {
            shift++;
        }

        return shift;
    }

    /// <summary>RFC 6928 initial window: ten segments (Linux's default).</summary>
    private readonly uint InitialWindow => (uint)(10 * Mss);

    private readonly uint DataEnd => TxStart + (uint)Tx.Count;

    /// <summary>Sets the sequence variables for an active (SYN-SENT) or passive (SYN-RECEIVED) open.</summary>
    public void Open(TcpState state, uint iss, uint initialRto)
    {
        State = state;
        Iss = iss;
        SndUna = iss;
        SndNxt = iss;
        SndMax = iss;
        TxStart = iss + 1;
        Mss = DefaultMss;
        Rto = initialRto;
        RetransmitAt = 0;
        Retries = 0;
        Srtt = 0;
        RttVar = 0;
        RttTiming = false;
        FinQueued = false;
        FinReceived = false;
        AckPending = false;
        ProbeDue = false;
        Error = NetError.None;
        RcvScale = ScaleFor(Math.Max(Rx.Capacity, RcvBufferMax));
        RcvRtt = 0;
        RcvRttStart = 0;
        Copied = 0;
        CopiedSince = 0;
        RcvSpace = (uint)Rx.Capacity / 2;
        SndScale = 0;
        ScalingOn = false;
        SackOn = false;
        OutOfOrder.Clear();
        OutOfOrderFin = false;
        BytesUnacked = 0;
        RcvMss = DefaultMss;
        AckDueAt = 0;
        QuickAcks = QuickAckBurst;
        LastDataAt = 0;
        Sacked.Clear();
        SackOverflowEnd = iss;
        HighRxt = iss;
        DuplicateAcks = 0;
        InRecovery = false;
        RetransmitFirst = false;
        Recover = iss;
        Cwnd = InitialWindow;
        Ssthresh = MaxCwnd;
    }

    /// <summary>The options of the peer's SYN (RFC 9293 §3.7.1 MSS, RFC 7323 §2.2 window scale):
    /// scaling is on only when both SYNs carry the option, so ours is withdrawn otherwise.</summary>
    public void TakeSynOptions(in TcpSegment syn)
    {
        Mss = syn.MaxSegmentSize != 0 ? Math.Max(64, Math.Min((int)syn.MaxSegmentSize, LocalMss)) : DefaultMss;
        SackOn = syn.SackPermitted && (State == TcpState.SynReceived || State == TcpState.SynSent);
        if (syn.HasWindowScale && (State == TcpState.SynReceived || State == TcpState.SynSent))
        {
            ScalingOn = true;
            SndScale = syn.WindowScale;
        }
        else
        {
            ScalingOn = false;
            SndScale = 0;
            RcvScale = 0;
        }

        Cwnd = InitialWindow;
    }

    public readonly bool CanSend => State == TcpState.Established || State == TcpState.CloseWait;

    public readonly bool CanReceive => State == TcpState.Established || State == TcpState.FinWait1 || State == TcpState.FinWait2;

    /// <summary>Queues our FIN after the data already in the send buffer (close).</summary>
    public void QueueFin()
    {
        FinQueued = true;
        State = State == TcpState.CloseWait ? TcpState.LastAck : TcpState.FinWait1;
    }

    /// <summary>Timers: TIME-WAIT end, retransmission timeout (go back to SND.UNA, double the
    /// RTO, RFC 6298 §5.5) and the zero-window probe. Returns false when the connection timed out.</summary>
    public bool OnTimer(ulong now, in InterfaceConfig config, ref NetStatistics stats)
    {
        if (LingerUntil != 0 && now >= LingerUntil && (State == TcpState.TimeWait || State == TcpState.FinWait2))
        {
            State = TcpState.Closed;
            return true;
        }

        if (!IsSynchronized && State != TcpState.SynSent && State != TcpState.SynReceived)
        {
            return true;
        }

        if (AckDueAt != 0 && now >= AckDueAt)
        {
            // The delayed ACK waited its full time: the sender is waiting for it (a last odd
            // segment, or Nagle holding the next one back), so ACK the next segments at once.
            AckDueAt = 0;
            AckPending = true;
            QuickAcks = QuickAckBurst;
            stats.TcpDelayedAcks++;
        }

        bool inFlight = SndUna != SndMax;
        if (!inFlight && SndWnd == 0 && Lt(SndNxt, DataEnd) && RetransmitAt == 0)
        {
            // Persist timer (RFC 9293 §3.8.6.1): probe a zero window one byte at a time.
            RetransmitAt = now + Rto;
        }

        if (RetransmitAt == 0 || now < RetransmitAt)
        {
            return true;
        }

        if (inFlight)
        {
            Retries++;
            stats.TcpRetransmissionTimeouts++;
            // A passive open gives up sooner (Linux tcp_synack_retries = 5, about 63 s).
            int limit = State == TcpState.SynReceived ? Math.Min(config.MaxRetransmissions, 5) : config.MaxRetransmissions;
            if (Retries > limit)
            {
                Error = NetError.TimedOut;
                State = TcpState.Closed;
                RetransmitAt = 0;
                return false;
            }

            // RFC 5681 §3.1 eq. 4 (once per loss: a segment timed out again keeps ssthresh),
            // then one segment at a time from SND.UNA in slow start; no fast retransmit for
            // what was in flight before (RFC 6582 §3.2 "recover").
            if (Retries == 1)
            {
                Ssthresh = Math.Max((SndMax - SndUna) / 2, 2 * (uint)Mss);
            }

            Cwnd = (uint)Mss;
            Recover = SndMax;
            // RFC 2018 §8: after a timeout the SACKed bits are forgotten (the receiver may renege).
            Sacked.Clear();
            SackOverflowEnd = SndUna;
            InRecovery = false;
            RetransmitFirst = false;
            DuplicateAcks = 0;
            SndNxt = SndUna;
            RttTiming = false;
        }
        else if (SndWnd == 0 && Lt(SndNxt, DataEnd))
        {
            ProbeDue = true;
        }
        else
        {
            RetransmitAt = 0;
            return true;
        }

        Rto = Math.Min(Rto * 2, MaxRtoMs);
        RetransmitAt = now + Rto;
        return true;
    }

    /// <summary>The next segment to send, if any; changes nothing.</summary>
    public readonly bool Plan(out TcpPlan plan)
    {
        plan = default;
        plan.Header.SourcePort = LocalPort;
        plan.Header.DestinationPort = RemotePort;
        plan.Header.Window = WindowField(syn: false);
        plan.Header.AcknowledgmentNumber = RcvNxt;
        switch (State)
        {
            case TcpState.Closed:
            case TcpState.Listen:
                return false;
            case TcpState.SynSent:
            case TcpState.SynReceived:
                if (SndNxt != Iss)
                {
                    return false;
                }

                plan.Header.SequenceNumber = Iss;
                plan.Header.MaxSegmentSize = LocalMss;
                plan.Header.Window = WindowField(syn: true);
                // Offer our shift on a SYN; answer with it only when the peer offered one.
                plan.Header.OfferWindowScale = State == TcpState.SynSent || ScalingOn;
                plan.Header.WindowScale = RcvScale;
                plan.Header.SackPermitted = State == TcpState.SynSent || SackOn;
                if (State == TcpState.SynSent)
                {
                    plan.Header.Flags = TcpFlags.Syn;
                    plan.Header.AcknowledgmentNumber = 0;
                }
                else
                {
                    plan.Header.Flags = TcpFlags.Syn | TcpFlags.Ack;
                }

                return true;
            case TcpState.TimeWait:
                if (!AckPending)
                {
                    return false;
                }

                plan.Header.SequenceNumber = SndNxt;
                plan.Header.Flags = TcpFlags.Ack;
                return true;
        }

        uint dataEnd = DataEnd;
        if (RetransmitFirst && Lt(SndUna, SndMax))
        {
            // Fast retransmit / NewReno partial ACK: the first unacknowledged segment, whatever
            // the congestion window says (RFC 5681 §3.2 step 4).
            plan.Header.SequenceNumber = SndUna;
            plan.Header.Flags = TcpFlags.Ack;
            if (Lt(SndUna, dataEnd))
            {
                uint length = Math.Min(dataEnd - SndUna, (uint)Mss);
                plan.DataOffset = (int)(SndUna - TxStart);
                plan.DataLength = (int)length;
                if (SndUna + length == dataEnd && FinQueued && Lt(dataEnd, SndMax))
                {
                    plan.Header.Flags |= TcpFlags.Fin;
                }

                return true;
            }

            if (FinQueued && SndUna == dataEnd)
            {
                plan.Header.Flags |= TcpFlags.Fin;
                return true;
            }
        }

        // RFC 5681 §3.1: at most min(cwnd, rwnd) in flight; Limited Transmit (RFC 3042): the
        // first two duplicate ACKs each let one new segment out, so a small window still gets
        // its third duplicate ACK (or the SACK blocks) for a fast retransmit instead of a timeout.
        uint limit = SndUna + Math.Min(SndWnd, Cwnd + (!InRecovery && DuplicateAcks is 1 or 2 ? (uint)(DuplicateAcks * Mss) : 0u));
        if (InRecovery && SackOn)
        {
            // RFC 6675 §5 (C): while cwnd - pipe >= 1 SMSS, the holes the peer's SACK blocks
            // show first (NextSeg rule 1), then new data (rule 2), never what it holds.
            uint pipe = Pipe();
            if (pipe + (uint)Mss > Cwnd)
            {
                limit = SndNxt;
            }
            else
            {
                if (NextHole(out uint holeStart, out uint holeEnd))
                {
                    plan.Header.SequenceNumber = holeStart;
                    plan.Header.Flags = TcpFlags.Ack;
                    if (Lt(holeStart, dataEnd))
                    {
                        uint end = holeEnd;
                        if (Lt(holeStart + (uint)Mss, end)) end = holeStart + (uint)Mss;
                        if (Lt(dataEnd, end)) end = dataEnd;
                        plan.DataOffset = (int)(holeStart - TxStart);
                        plan.DataLength = (int)(end - holeStart);
                        if (end == dataEnd && FinQueued && Lt(dataEnd, SndMax))
                        {
                            plan.Header.Flags |= TcpFlags.Fin;
                        }

                        return true;
                    }

                    if (FinQueued && holeStart == dataEnd)
                    {
                        plan.Header.Flags |= TcpFlags.Fin;
                        return true;
                    }
                }

                uint room = SndNxt + (Cwnd - pipe);
                uint window = SndUna + SndWnd;
                limit = Lt(room, window) ? room : window;
            }
        }

        if (SndWnd == 0 && ProbeDue)
        {
            limit = SndUna + 1;
        }

        // Going back after a timeout: skip what the peer SACKed since (RFC 6675 §5.1 allows
        // it; the scoreboard was cleared at the timeout, so these are fresh reports).
        uint next = SndNxt;
        uint stop = dataEnd;
        if (SackOn && Lt(next, SndMax))
        {
            for (int i = 0; i < Sacked.Count; i++)
            {
                if (Le(Sacked.StartAt(i), next) && Lt(next, Sacked.EndAt(i)))
                {
                    next = Sacked.EndAt(i);
                }
                else if (Lt(next, Sacked.StartAt(i)))
                {
                    if (Lt(Sacked.StartAt(i), stop)) stop = Sacked.StartAt(i);
                    break;
                }
            }

            if (Lt(dataEnd, next)) next = dataEnd;
        }

        plan.Header.SequenceNumber = next;
        plan.Header.Flags = TcpFlags.Ack;
        if (Lt(next, stop) && Lt(next, limit))
        {
            uint length = Math.Min(Math.Min(stop - next, limit - next), (uint)Mss);
            plan.DataOffset = (int)(next - TxStart);
            plan.DataLength = (int)length;
            if (next + length == dataEnd)
            {
                plan.Header.Flags |= TcpFlags.Psh;
                if (FinQueued)
                {
                    plan.Header.Flags |= TcpFlags.Fin;
                }
            }

            return true;
        }

        if (FinQueued && next == dataEnd && (next == SndNxt || Lt(next, SndMax)))
        {
            plan.Header.Flags |= TcpFlags.Fin;
            return true;
        }

        if (AckPending || WindowUpdateDue())
        {
            // A pure ACK carries SND.MAX, not a SND.NXT pulled back by a timeout: the peer may
            // already hold everything up to SND.MAX, and a sequence number below its RCV.NXT
            // makes the segment unacceptable, ACK field and all (RFC 9293 §3.10.7.4). Two ends
            // that both went back would then ignore each other's ACKs forever (Linux's
            // tcp_acceptable_seq sends snd_nxt, which never goes back).
            plan.Header.SequenceNumber = SndMax;
            AddSackBlocks(ref plan.Header);
            return true;
        }

        return false;
    }

    /// <summary>The first hole in the scoreboard at or past max(SND.UNA, HighRxt) that lies below
    /// the highest SACKed byte (RFC 6675 NextSeg rule 1, with IsLost simplified to "the peer holds
    /// data after it"); false when every such hole was sent again already.</summary>
    private readonly bool NextHole(out uint start, out uint end)
    {
        uint from = Lt(SndUna, HighRxt) ? HighRxt : SndUna;
        for (int i = 0; i < Sacked.Count; i++)
        {
            if (Lt(from, Sacked.StartAt(i)))
            {
                start = from;
                end = Sacked.StartAt(i);
                return true;
            }

            if (Lt(from, Sacked.EndAt(i)))
            {
                from = Sacked.EndAt(i);
            }
        }

        start = end = 0;
        return false;
    }

    /// <summary>Bytes of [from, to) the peer reported holding.</summary>
    private readonly uint SackedBetween(uint from, uint to)
    {
        uint total = 0;
        for (int i = 0; i < Sacked.Count; i++)
        {
            uint a = Lt(from, Sacked.StartAt(i)) ? Sacked.StartAt(i) : from;
            uint b = Lt(Sacked.EndAt(i), to) ? Sacked.EndAt(i) : to;
            if (Lt(a, b)) total += b - a;
        }

        return total;
    }

    /// <summary>RFC 6675 §4 pipe: bytes still in the network. Past the highest SACKed byte
    /// everything sent counts; below it the holes are taken as lost, except those sent again in
    /// this recovery (below HighRxt).</summary>
    private readonly uint Pipe()
    {
        uint highSacked = Sacked.IsEmpty ? SndUna : Sacked.EndAt(Sacked.Count - 1);
        if (Lt(highSacked, SackOverflowEnd)) highSacked = SackOverflowEnd;
        uint pipe = Lt(highSacked, SndMax) ? SndMax - highSacked : 0;
        uint resent = Lt(HighRxt, highSacked) ? HighRxt : highSacked;
        if (Lt(SndUna, resent))
        {
            pipe += resent - SndUna - SackedBetween(SndUna, resent);
        }

        return pipe;
    }

    /// <summary>Records the SACK blocks of an ACK (RFC 2018 §3) in the scoreboard: only ranges
    /// past SND.UNA of data really sent (a D-SACK or a lie is ignored).</summary>
    private void TakeSackBlocks(in TcpSegment segment)
    {
        for (int i = 0; i < segment.SackBlockCount; i++)
        {
            segment.SackBlock(i, out uint start, out uint end);
            if (!Lt(start, end) || !Lt(SndUna, end) || Lt(SndMax, end) || Lt(start + 0x4000_0000u, SndUna))
            {
                continue;
            }

            if (Lt(start, SndUna))
            {
                start = SndUna;
            }

            if (!Sacked.Add(start, end) && Lt(SackOverflowEnd, end))
            {
                SackOverflowEnd = end;
            }
        }
    }

    /// <summary>SACK blocks for a pure ACK (RFC 2018 §4): the range holding the segment received
    /// last first, then the others in sequence order, at most three. Data segments carry none,
    /// so options never cut into a full segment's payload.</summary>
    private readonly void AddSackBlocks(ref TcpHeader header)
    {
        if (!SackOn || OutOfOrder.IsEmpty)
        {
            return;
        }

        int first = 0;
        for (int i = 0; i < OutOfOrder.Count; i++)
        {
            if (Le(OutOfOrder.StartAt(i), LastHeld) && Lt(LastHeld, OutOfOrder.EndAt(i)))
            {
                first = i;
                break;
            }
        }

        header.SackStart0 = OutOfOrder.StartAt(first);
        header.SackEnd0 = OutOfOrder.EndAt(first);
        int n = 1;
        for (int i = 0; i < OutOfOrder.Count && n < TcpSegment.MaxSackBlocks; i++)
        {
            if (i == first) continue;
            if (n == 1)
            {
                header.SackStart1 = OutOfOrder.StartAt(i);
                header.SackEnd1 = OutOfOrder.EndAt(i);
            }
            else
            {
                header.SackStart2 = OutOfOrder.StartAt(i);
                header.SackEnd2 = OutOfOrder.EndAt(i);
            }

            n++;
        }

        header.SackBlocks = n;
    }

    /// <summary>Window update after the application read (RFC 9293 §3.8.6.2.2: once the window grew
    /// by min(buffer/2, 2*MSS) bytes, or reopened from zero).</summary>
    private readonly bool WindowUpdateDue()
    {
        if (!CanReceive)
        {
            return false;
        }

        uint window = (ReceiveWindow >> RcvScale) << RcvScale;
        if (window <= LastAdvertised)
        {
            return false;
        }

        uint step = Math.Min((uint)Rx.Capacity / 2, 2 * LocalMss);
        return LastAdvertised == 0 || window - LastAdvertised >= step;
    }

    /// <summary>The device took the planned segment: advance SND.NXT, arm the timer, time one
    /// segment for the RTT (never a retransmitted one: Karn's rule, RFC 6298 §3).</summary>
    public void Commit(in TcpPlan plan, ulong now)
    {
        uint seq = plan.Header.SequenceNumber;
        uint length = (uint)plan.DataLength;
        if ((plan.Header.Flags & TcpFlags.Syn) != 0) length++;
        if ((plan.Header.Flags & TcpFlags.Fin) != 0) length++;
        if (length > 0)
        {
            uint end = seq + length;
            if (InRecovery && Lt(seq, SndMax) && Lt(HighRxt, end))
            {
                HighRxt = end;
            }
            if (Lt(SndMax, end))
            {
                if (!RttTiming && Le(SndMax, seq))
                {
                    RttTiming = true;
                    RttSeq = end;
                    RttStart = now;
                }

                SndMax = end;
            }

            if (Lt(SndNxt, end))
            {
                SndNxt = end;
            }

            if (RetransmitAt == 0)
            {
                RetransmitAt = now + Rto;
            }
        }

        if (plan.DataLength > 0 && SndWnd == 0)
        {
            ProbeDue = false;
        }

        if (RetransmitFirst && seq == SndUna && length > 0)
        {
            RetransmitFirst = false;
        }

        AckSent((plan.Header.Flags & TcpFlags.Syn) != 0 ? plan.Header.Window : (uint)plan.Header.Window << RcvScale);
    }

    /// <summary>A segment carrying our current ACK and this window (bytes) left.</summary>
    public void AckSent(uint windowBytes)
    {
        AckPending = false;
        BytesUnacked = 0;
        AckDueAt = 0;
        LastAdvertised = windowBytes;
    }

    /// <summary>Receiver RTT (Linux's tcp_rcv_rtt_measure): the time from offering a window to
    /// receiving its last byte. An upper bound when the sender is not window-limited; the
    /// smallest recent sample counts most.</summary>
    private void MeasureReceiveRtt(ulong now)
    {
        if (RcvRttStart != 0 && Le(RcvRttEdge, RcvNxt))
        {
            uint sample = (uint)Math.Max(1UL, Math.Min(now - RcvRttStart, (ulong)MaxRtoMs));
            RcvRtt = RcvRtt == 0 || sample < RcvRtt ? sample : (7 * RcvRtt + sample) / 8;
            RcvRttStart = 0;
        }

        if (RcvRttStart == 0)
        {
            RcvRttEdge = RcvNxt + Math.Max(ReceiveWindow, 1u);
            RcvRttStart = now;
        }
    }

    /// <summary>Receive buffer autotuning (Linux's dynamic right-sizing, tcp_rcv_space_adjust):
    /// the application read <paramref name="bytes"/>; once per receiver round trip, when it read
    /// more than in any earlier one, the buffer should hold twice that (the sender may then keep
    /// a window of it in flight while the reader drains the last one). Returns the size the buffer
    /// should grow to, or 0.</summary>
    public int Consumed(int bytes, ulong now)
    {
        if (RcvBufferMax <= Rx.Capacity || bytes <= 0)
        {
            return 0;
        }

        Copied = (uint)Math.Min((long)Copied + bytes, int.MaxValue);
        uint rtt = RcvRtt != 0 ? RcvRtt : Math.Max(Srtt, 1u);
        if (CopiedSince == 0)
        {
            CopiedSince = now;
            return 0;
        }

        if (now - CopiedSince < rtt)
        {
            return 0;
        }

        uint copied = Copied;
        Copied = 0;
        CopiedSince = now;
        if (copied <= RcvSpace)
        {
            return 0;
        }

        RcvSpace = copied;
        // Without window scaling the window stops at 64 KiB: a buffer twice that is enough.
        long want = Math.Min(2L * copied, 2 * (65535L << RcvScale));
        return want > Rx.Capacity ? (int)Math.Min(want, RcvBufferMax) : 0;
    }

    /// <summary>The header of a pure ACK with the current numbers (sent at once by the interface
    /// when <see cref="TcpInputOutcome.AckNow"/> asks).</summary>
    public readonly TcpHeader AckHeader()
    {
        TcpHeader header = default;
        header.SourcePort = LocalPort;
        header.DestinationPort = RemotePort;
        header.SequenceNumber = SndMax; // as Plan's pure ACKs
        header.AcknowledgmentNumber = RcvNxt;
        header.Flags = TcpFlags.Ack;
        header.Window = WindowField(syn: false);
        AddSackBlocks(ref header);
        return header;
    }

    /// <summary>A segment for this connection (not LISTEN: the interface handles those).</summary>
    public void Input(in TcpSegment segment, ulong now, in InterfaceConfig config, ref TcpInputOutcome outcome)
    {
        if (State == TcpState.SynSent)
        {
            InputSynSent(segment, now, config, ref outcome);
            return;
        }

        if (State == TcpState.Closed || State == TcpState.Listen)
        {
            return;
        }

        uint seq = segment.SequenceNumber;
        ReadOnlySpan<byte> payload = segment.Payload;
        uint segLength = segment.SequenceLength;
        bool rst = segment.Has(TcpFlags.Rst);

        // RFC 9293 §3.10.7.4, first: is the segment in the receive window?
        uint window = ReceiveWindow;
        bool acceptable;
        if (segLength == 0)
        {
            acceptable = window == 0 ? seq == RcvNxt : Le(RcvNxt, seq) && Lt(seq, RcvNxt + window);
        }
        else
        {
            uint last = seq + segLength - 1;
            acceptable = window != 0 &&
                ((Le(RcvNxt, seq) && Lt(seq, RcvNxt + window)) || (Le(RcvNxt, last) && Lt(last, RcvNxt + window)));
        }

        if (!acceptable)
        {
            outcome.Unacceptable = true;
            if (!rst)
            {
                AckPending = true;
            }

            return;
        }

        // Second: RST. Only an exact match resets; others in the window get a challenge ACK (RFC 5961 §3.2).
        if (rst)
        {
            if (seq != RcvNxt)
            {
                AckPending = true;
                return;
            }

            // A reset after the peer's FIN (CLOSE-WAIT) is EPIPE, as Linux's tcp_reset reports it.
            Error = State == TcpState.SynReceived ? NetError.ConnectionRefused :
                State == TcpState.CloseWait ? NetError.BrokenPipe : NetError.ConnectionReset;
            if (State == TcpState.Closing || State == TcpState.LastAck || State == TcpState.TimeWait)
            {
                Error = NetError.None;
            }

            State = TcpState.Closed;
            RetransmitAt = 0;
            return;
        }

        // Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 §4.2).
        if (segment.Has(TcpFlags.Syn))
        {
            AckPending = true;
            return;
        }

        // Fifth: the ACK field.
        if (!segment.Has(TcpFlags.Ack))
        {
            return;
        }

        uint ack = segment.AcknowledgmentNumber;
        if (State == TcpState.SynReceived)
        {
            if (!(Lt(SndUna, ack) && Le(ack, SndMax)))
            {
                outcome.SendReset = true;
                outcome.ResetSequence = ack;
                outcome.ResetFlags = TcpFlags.Rst;
                return;
            }

            State = TcpState.Established;
            outcome.Established = true;
            SndWnd = (uint)segment.Window << SndScale;
            SndWl1 = seq;
            SndWl2 = ack;
        }

        if (Lt(SndMax, ack))
        {
            // Acknowledges something never sent.
            AckPending = true;
            return;
        }

        if (SackOn && segment.SackBlockCount > 0)
        {
            TakeSackBlocks(segment);
        }

        uint scaledWindow = (uint)segment.Window << SndScale;
        if (Lt(SndUna, ack))
        {
            uint acked = ack - SndUna;
            Acknowledge(ack, now, config);
            Sacked.Trim(ack);
            DuplicateAcks = 0;
            OnNewAck(ack, acked);
        }
        else if (ack == SndUna && payload.Length == 0 && !segment.Has(TcpFlags.Fin) && SndUna != SndMax &&
                 scaledWindow == SndWnd)
        {
            OnDuplicateAck(ack);
        }

        if (Le(SndUna, ack) && (Lt(SndWl1, seq) || (SndWl1 == seq && Le(SndWl2, ack))))
        {
            SndWnd = scaledWindow;
            SndWl1 = seq;
            SndWl2 = ack;
            if (SndWnd == 0)
            {
                // The peer is alive and answering probes; only unanswered retransmissions count.
                Retries = 0;
            }
        }

        bool finAcked = FinQueued && SndUna == DataEnd + 1;
        switch (State)
        {
            case TcpState.FinWait1:
                if (finAcked)
                {
                    State = TcpState.FinWait2;
                    LingerUntil = now + FinWait2TimeoutMs;
                }

                break;
            case TcpState.Closing:
                if (finAcked)
                {
                    EnterTimeWait(now, config);
                }

                break;
            case TcpState.LastAck:
                if (finAcked)
                {
                    State = TcpState.Closed;
                    RetransmitAt = 0;
                    return;
                }

                break;
            case TcpState.TimeWait:
                if (segment.Has(TcpFlags.Fin))
                {
                    AckPending = true;
                    EnterTimeWait(now, config);
                }

                return;
        }

        // Seventh: segment text, in order only.
        bool fin = segment.Has(TcpFlags.Fin);
        uint skip = Lt(seq, RcvNxt) ? RcvNxt - seq : 0;
        if (skip > 0 && skip >= (uint)payload.Length)
        {
            bool finIsNext = fin && seq + (uint)payload.Length == RcvNxt;
            payload = ReadOnlySpan<byte>.Empty;
            if (!finIsNext)
            {
                fin = false;
                AckPending |= segLength > 0;
            }

            seq = RcvNxt;
        }
        else if (skip > 0)
        {
            payload = payload.Slice((int)skip);
            seq = RcvNxt;
        }

        if (seq != RcvNxt)
        {
            // Out of order: held for reassembly when it fits; a duplicate ACK at once tells the
            // sender where the hole is (RFC 5681 §4.2), so three of them trigger its fast retransmit.
            outcome.OutOfOrder = true;
            outcome.AckNow = true;
            AckPending = true;
            if (CanReceive && payload.Length > 0)
            {
                HoldOutOfOrder(seq, payload, fin);
            }

            return;
        }

        if (payload.Length > 0)
        {
            if (!CanReceive)
            {
                AckPending = true;
                return;
            }

            bool hadHoles = !OutOfOrder.IsEmpty;
            int taken = Rx.Write(payload);
            RcvNxt += (uint)taken;
            uint next = OutOfOrder.Advance(RcvNxt);
            if (next != RcvNxt)
            {
                // The bytes held past the hole are in place already: count them.
                Rx.Commit((int)(next - RcvNxt));
                RcvNxt = next;
            }

            if (OutOfOrderFin && RcvNxt == OutOfOrderFinSeq)
            {
                OutOfOrderFin = false;
                fin = true;
            }

            if (taken < payload.Length)
            {
                AckPending = true;
                return;
            }

            // RFC 5681 §4.2 / RFC 9293 §3.8.6.3: an ACK at once for a segment that fills (part
            // of) a hole and for every second full-sized segment; otherwise the ACK is delayed
            // (at most DelayedAckMs) so it can ride on a reply or cover the next segment too,
            // except in quick-ACK mode, where it goes at the end of the poll.
            if ((uint)payload.Length > RcvMss)
            {
                RcvMss = (uint)Math.Min(payload.Length, LocalMss);
            }

            if (LastDataAt != 0 && now - LastDataAt > Rto)
            {
                QuickAcks = QuickAckBurst; // idle long enough that the sender restarts from a small window
            }

            LastDataAt = now;
            BytesUnacked += (uint)taken;
            if (RcvBufferMax > Rx.Capacity)
            {
                MeasureReceiveRtt(now);
            }
            if (hadHoles || BytesUnacked >= 2 * RcvMss)
            {
                outcome.AckNow = true;
                AckPending = true;
            }
            else if (QuickAcks > 0)
            {
                QuickAcks--;
                AckPending = true;
            }
            else if (AckDueAt == 0)
            {
                AckDueAt = now + config.DelayedAckMs;
            }
        }

        // Eighth: FIN, once everything before it was taken.
        if (fin)
        {
            RcvNxt++;
            AckPending = true;
            FinReceived = true;
            switch (State)
            {
                case TcpState.Established:
                    State = TcpState.CloseWait;
                    break;
                case TcpState.FinWait1:
                    if (FinQueued && SndUna == DataEnd + 1)
                    {
                        EnterTimeWait(now, config);
                    }
                    else
                    {
                        State = TcpState.Closing;
                    }

                    break;
                case TcpState.FinWait2:
                    EnterTimeWait(now, config);
                    break;
            }
        }
    }

    /// <summary>Keeps out-of-order data (RFC 9293 §3.10.7.4) in the receive ring at its offset
    /// from RCV.NXT, within the advertised window; dropped when the assembler is full.</summary>
    private void HoldOutOfOrder(uint seq, ReadOnlySpan<byte> payload, bool fin)
    {
        uint offset = seq - RcvNxt;
        uint window = ReceiveWindow;
        if (offset >= window)
        {
            return;
        }

        int n = (int)Math.Min((uint)payload.Length, window - offset);
        if (!OutOfOrder.Add(seq, seq + (uint)n))
        {
            return;
        }

        Rx.WriteAt((int)offset, payload.Slice(0, n));
        LastHeld = seq;
        if (fin && n == payload.Length)
        {
            OutOfOrderFin = true;
            OutOfOrderFinSeq = seq + (uint)n;
        }
    }

    /// <summary>Congestion control on an ACK of new data (RFC 5681 §3.1, RFC 6582 §3.2 steps 3-4).</summary>
    private void OnNewAck(uint ack, uint acked)
    {
        uint mss = (uint)Mss;
        if (InRecovery)
        {
            if (Le(Recover, ack))
            {
                // Full ACK: recovery ends, the window deflates to ssthresh (RFC 6582 step 3, option 1).
                InRecovery = false;
                RetransmitFirst = false;
                Cwnd = Math.Min(Ssthresh, Math.Max(SndMax - SndUna, mss) + mss);
            }
            else if (SackOn)
            {
                // RFC 6675: cwnd stays at ssthresh, the scoreboard says what to resend. Without
                // SACK information past it, the new SND.UNA is the next loss (as NewReno's).
                if (Lt(HighRxt, SndUna)) HighRxt = SndUna;
                RetransmitFirst = HighRxt == SndUna && Sacked.IsEmpty;
            }
            else
            {
                // Partial ACK: the next hole is lost as well; resend it, deflate by what was acked.
                RetransmitFirst = true;
                Cwnd = Cwnd > acked ? Cwnd - acked + mss : mss;
            }

            return;
        }

        if (Cwnd < Ssthresh)
        {
            // Slow start, byte counting with L = 2 SMSS (RFC 3465 §2.2).
            Cwnd += Math.Min(acked, 2 * mss);
        }
        else
        {
            // Congestion avoidance: about one SMSS per round trip (RFC 5681 eq. 3).
            Cwnd += Math.Max(1u, mss * mss / Math.Max(Cwnd, 1u));
        }

        Cwnd = Math.Min(Cwnd, MaxCwnd);
    }

    /// <summary>A duplicate ACK (RFC 5681 §2): the third starts NewReno fast retransmit and
    /// recovery unless it is about data sent before the last loss (RFC 6582 §3.2 step 2);
    /// further ones inflate the window by one segment each (they mean one segment left the net).</summary>
    private void OnDuplicateAck(uint ack)
    {
        uint mss = (uint)Mss;
        DuplicateAcks++;
        if (InRecovery)
        {
            // With SACK the pipe shrinks by what the peer reports instead (RFC 6675).
            if (!SackOn) Cwnd = Math.Min(Cwnd + mss, MaxCwnd);
            return;
        }

        // RFC 6675 §5: recovery also starts once more than two segments' worth past SND.UNA
        // were SACKed (IsLost(SND.UNA)), even before the third duplicate ACK.
        bool lost = DuplicateAcks == 3 || (SackOn && SackedBetween(SndUna, SndMax) > 2 * mss);
        if (!lost || !Le(Recover, ack))
        {
            return;
        }

        Ssthresh = Math.Max((SndMax - SndUna) / 2, 2 * mss);
        Recover = SndMax;
        InRecovery = true;
        RetransmitFirst = true;
        HighRxt = SndUna;
        Cwnd = SackOn ? Ssthresh : Ssthresh + 3 * mss;
        RttTiming = false;
    }

    /// <summary>The connection's own consistency (for <c>NetInterface.CheckInvariants</c>): 0 when
    /// sound, else the number of the first rule broken.</summary>
    public readonly int Check()
    {
        if (State == TcpState.Closed || State == TcpState.Listen) return 0;
        if (!Le(SndUna, SndNxt) || !Le(SndNxt, SndMax)) return 1;             // SND.UNA <= SND.NXT <= SND.MAX
        if (Tx.Count < 0 || Tx.Count > Tx.Capacity || Rx.Count < 0 || Rx.Count > Rx.Capacity) return 2;
        if (IsSynchronized && Lt(SndMax, TxStart - 1)) return 3;                 // nothing acked past what was sent
        if (IsSynchronized && Lt(TxStart + (uint)Tx.Count + 1, SndMax)) return 4; // sent at most the data and a FIN
        if (Mss < 64 || Mss > LocalMss) return 5;
        if (Cwnd == 0 || Cwnd > MaxCwnd) return 6;
        for (int i = 0; i < OutOfOrder.Count; i++)
        {
            // Held ranges: sorted, apart, past RCV.NXT and inside the receive buffer.
            if (!Lt(OutOfOrder.StartAt(i), OutOfOrder.EndAt(i)) || !Lt(RcvNxt, OutOfOrder.StartAt(i))) return 7;
            if ((long)(OutOfOrder.EndAt(i) - RcvNxt) > Rx.Capacity - Rx.Count) return 8;
            if (i > 0 && !Lt(OutOfOrder.EndAt(i - 1), OutOfOrder.StartAt(i))) return 9;
        }

        for (int i = 0; i < Sacked.Count; i++)
        {
            // The scoreboard: sorted ranges within (SND.UNA, SND.MAX].
            if (!Lt(Sacked.StartAt(i), Sacked.EndAt(i)) || Lt(Sacked.StartAt(i), SndUna) || Lt(SndMax, Sacked.EndAt(i))) return 10;
            if (i > 0 && Lt(Sacked.StartAt(i), Sacked.EndAt(i - 1))) return 11;
        }

        if (InRecovery && Lt(SndMax, HighRxt)) return 12;
        return 0;
    }

    private void EnterTimeWait(ulong now, in InterfaceConfig config)
    {
        State = TcpState.TimeWait;
        RetransmitAt = 0;
        LingerUntil = now + config.TimeWaitMs;
    }

    /// <summary>SND.UNA moves to <paramref name="ack"/>: free acknowledged bytes, take an RTT sample
    /// (RFC 6298 §2), restart or stop the timer.</summary>
    private void Acknowledge(uint ack, ulong now, in InterfaceConfig config)
    {
        uint bytes = ack - TxStart;
        if (Lt(ack, TxStart))
        {
            bytes = 0;
        }

        if (bytes > (uint)Tx.Count)
        {
            bytes = (uint)Tx.Count;
        }

        Tx.Discard((int)bytes);
        TxStart += bytes;
        SndUna = ack;
        if (Lt(SndNxt, ack))
        {
            SndNxt = ack;
        }

        if (RttTiming && Le(RttSeq, ack))
        {
            RttTiming = false;
            uint sample = (uint)Math.Min(now - RttStart, (ulong)MaxRtoMs);
            if (Srtt == 0)
            {
                Srtt = sample == 0 ? 1 : sample;
                RttVar = sample / 2;
            }
            else
            {
                uint delta = Srtt > sample ? Srtt - sample : sample - Srtt;
                RttVar = (3 * RttVar + delta) / 4;
                Srtt = (7 * Srtt + sample) / 8;
                if (Srtt == 0) Srtt = 1;
            }

            Rto = Math.Min(Math.Max(Srtt + Math.Max(4 * RttVar, 1u), config.MinRtoMs), MaxRtoMs);
        }

        else if (Srtt != 0)
        {
            // New data was acknowledged: the path works again, so drop the exponential backoff
            // (as BSD does) instead of waiting for a sample Karn's rule may not allow soon.
            Rto = Math.Min(Math.Max(Srtt + Math.Max(4 * RttVar, 1u), config.MinRtoMs), MaxRtoMs);
        }

        Retries = 0;
        ProbeDue = false;
        RetransmitAt = SndUna == SndMax ? 0 : now + Rto;
    }

    private void InputSynSent(in TcpSegment segment, ulong now, in InterfaceConfig config, ref TcpInputOutcome outcome)
    {
        bool hasAck = segment.Has(TcpFlags.Ack);
        uint ack = segment.AcknowledgmentNumber;
        if (hasAck && (Le(ack, Iss) || Lt(SndMax, ack)))
        {
            if (!segment.Has(TcpFlags.Rst))
            {
                outcome.SendReset = true;
                outcome.ResetSequence = ack;
                outcome.ResetFlags = TcpFlags.Rst;
            }

            return;
        }

        if (segment.Has(TcpFlags.Rst))
        {
            if (hasAck)
            {
                Error = NetError.ConnectionRefused;
                State = TcpState.Closed;
                RetransmitAt = 0;
            }

            return;
        }

        if (!segment.Has(TcpFlags.Syn))
        {
            return;
        }

        RcvNxt = segment.SequenceNumber + 1;
        TakeSynOptions(segment);
        AckPending = true;
        if (hasAck)
        {
            SndUna = ack;
            if (Lt(SndNxt, ack)) SndNxt = ack;
            SndWnd = segment.Window;
            SndWl1 = segment.SequenceNumber;
            SndWl2 = ack;
            State = TcpState.Established;
            RetransmitAt = 0;
            Retries = 0;
            if (RttTiming)
            {
                RttTiming = false;
                uint sample = (uint)Math.Min(now - RttStart, (ulong)MaxRtoMs);
                Srtt = sample == 0 ? 1 : sample;
                RttVar = sample / 2;
                Rto = Math.Min(Math.Max(Srtt + Math.Max(4 * RttVar, 1u), config.MinRtoMs), MaxRtoMs);
            }
        }
        else
        {
            // Simultaneous open (RFC 9293 §3.5, figure 8): answer with SYN,ACK.
            State = TcpState.SynReceived;
            SndNxt = Iss;
            RetransmitAt = 0;
        }
    }
}
