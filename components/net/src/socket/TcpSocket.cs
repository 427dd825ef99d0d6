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
    /// <summary>The segment's data did not start at RCV.NXT and was dropped.</summary>
    public bool OutOfOrder;
}

/// <summary>
/// A TCP connection's state machine (RFC 9293 §3.10): sequence variables, send and receive
/// buffers, retransmission with an RFC 6298 RTO and go-back-N, TIME_WAIT. It knows nothing about
/// frames or addresses beyond its own; the interface demultiplexes segments to it and sends what
/// <see cref="Plan"/> asks for.
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
    /// <summary>SND.MAX when the last fast retransmit happened; no other one until SND.UNA passes it (RFC 6582 "recover").</summary>
    public uint Recover;
    public bool InRecovery;
    /// <summary>Duplicate ACKs for segments that were in flight before a go-back-N are expected;
    /// another fast retransmit waits until about one round trip has passed.</summary>
    public ulong RecoveryUntil;

    private static bool Lt(uint a, uint b) => (int)(a - b) < 0;
    private static bool Le(uint a, uint b) => (int)(a - b) <= 0;

    public readonly bool IsSynchronized => State != TcpState.Closed && State != TcpState.Listen &&
        State != TcpState.SynSent && State != TcpState.SynReceived;

    public readonly uint ReceiveWindow => (uint)Math.Min(Rx.Free, 65535);

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
        plan.Header.Window = (ushort)ReceiveWindow;
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
        uint limit = SndUna + SndWnd;
        if (SndWnd == 0 && ProbeDue)
        {
            limit = SndUna + 1;
        }

        plan.Header.SequenceNumber = SndNxt;
        plan.Header.Flags = TcpFlags.Ack;
        if (Lt(SndNxt, dataEnd) && Lt(SndNxt, limit))
        {
            uint length = Math.Min(Math.Min(dataEnd - SndNxt, limit - SndNxt), (uint)Mss);
            plan.DataOffset = (int)(SndNxt - TxStart);
            plan.DataLength = (int)length;
            if (SndNxt + length == dataEnd)
            {
                plan.Header.Flags |= TcpFlags.Psh;
                if (FinQueued)
                {
                    plan.Header.Flags |= TcpFlags.Fin;
                }
            }

            return true;
        }

        if (FinQueued && SndNxt == dataEnd)
        {
            plan.Header.Flags |= TcpFlags.Fin;
            return true;
        }

        if (AckPending || WindowUpdateDue())
        {
            return true;
        }

        return false;
    }

    /// <summary>Window update after the application read (RFC 9293 §3.8.6.2.2: once the window grew
    /// by min(buffer/2, 2*MSS) bytes, or reopened from zero).</summary>
    private readonly bool WindowUpdateDue()
    {
        if (!CanReceive)
        {
            return false;
        }

        uint window = ReceiveWindow;
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

        AckPending = false;
        LastAdvertised = plan.Header.Window;
    }

    /// <summary>A segment for this connection (not LISTEN: the interface handles those).</summary>
    public void Input(in TcpSegment segment, ulong now, in InterfaceConfig config, ref TcpInputOutcome outcome)
    {
        if (State == TcpState.SynSent)
        {
            InputSynSent(segment, now, ref outcome);
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
            SndWnd = segment.Window;
            SndWl1 = seq;
            SndWl2 = ack;
        }

        if (Lt(SndMax, ack))
        {
            // Acknowledges something never sent.
            AckPending = true;
            return;
        }

        if (Lt(SndUna, ack))
        {
            Acknowledge(ack, now, config);
            DuplicateAcks = 0;
            if (InRecovery && Le(Recover, ack))
            {
                InRecovery = false;
            }
        }
        else if (ack == SndUna && payload.Length == 0 && !segment.Has(TcpFlags.Fin) && SndUna != SndMax &&
                 segment.Window == SndWnd && (!InRecovery || now >= RecoveryUntil) && ++DuplicateAcks == 3)
        {
            // Fast retransmit (RFC 5681 §3.2). The receiver dropped everything after the hole (it
            // keeps no out-of-order data), so resend all from SND.UNA: go-back-N, no backoff.
            DuplicateAcks = 0;
            InRecovery = true;
            Recover = SndMax;
            RecoveryUntil = now + 2 * Math.Max(Srtt, 1u) + 1;
            SndNxt = SndUna;
            RttTiming = false;
        }

        if (Le(SndUna, ack) && (Lt(SndWl1, seq) || (SndWl1 == seq && Le(SndWl2, ack))))
        {
            SndWnd = segment.Window;
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
            // Out of order: dropped; the duplicate ACK tells the sender where we are.
            outcome.OutOfOrder = true;
            AckPending = true;
            return;
        }

        if (payload.Length > 0)
        {
            AckPending = true;
            if (!CanReceive)
            {
                return;
            }

            int taken = Rx.Write(payload);
            RcvNxt += (uint)taken;
            if (taken < payload.Length)
            {
                return;
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

    private void InputSynSent(in TcpSegment segment, ulong now, ref TcpInputOutcome outcome)
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
        Mss = segment.MaxSegmentSize != 0 ? Math.Min((int)segment.MaxSegmentSize, LocalMss) : DefaultMss;
        if (Mss < 64)
        {
            Mss = 64;
        }

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
                Rto = Math.Min(Math.Max(Srtt + Math.Max(4 * RttVar, 1u), 200u), MaxRtoMs);
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
