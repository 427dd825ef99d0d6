using System;

namespace Aurora.Net;

public unsafe partial struct NetInterface<TMemory>
{
    /// <summary>TCP segments one socket may send in one poll, so one busy connection cannot
    /// starve the others (a 64 KiB window is 45 full segments).</summary>
    private const int SegmentsPerSocketPerPoll = 64;

    /// <summary>Frames taken from the device in one poll, so a flood cannot keep the caller in
    /// the stack forever; <see cref="Poll"/> says when it stopped with frames left.</summary>
    public const int ReceiveBudget = 64;

    /// <summary>
    /// Services <paramref name="device"/> as smoltcp's <c>Interface::poll</c> does: receives the
    /// frames it has waiting (each lent, processed in place and given back, at most
    /// <see cref="ReceiveBudget"/>), then sends what is due: queued frames whose next hop is
    /// resolved (oldest first), then each TCP socket's segments after running its timers
    /// (retransmission, persist, TIME-WAIT), each written straight into a buffer the device
    /// lends. Stops sending at the first buffer the device cannot lend. Returns true when the
    /// receive budget ran out with frames possibly still waiting (poll again).
    /// </summary>
    public bool Poll<TDevice>(ulong nowMs, ref TDevice device) where TDevice : struct, INetworkDevice
    {
        if (!_initialized)
        {
            return false;
        }

        ShrinkSocketTable();
        bool more = ReceiveLoopback(nowMs);
        more |= ReceiveFrom(nowMs, ref device);
        Transmit(nowMs, ref device);
        // Frames this poll looped to its own sockets are taken in now, and what they provoke
        // (an ACK, a reply already queued) sent, as Linux's lo delivers in the sender's softirq:
        // a socket call's poll finishes a loopback exchange instead of leaving it to the
        // network thread (a wake-up and two switches per segment). Bounded, so a flood of
        // looped frames still returns with "more".
        for (int round = 0; round < LoopbackRoundsPerPoll && _loopCount > 0 && !more; round++)
        {
            more = ReceiveLoopback(nowMs);
            Transmit(nowMs, ref device);
        }

        return more || _loopCount > 0;
    }

    /// <summary>Extra rounds of loopback input and output one poll makes (see <see cref="Poll"/>).</summary>
    private const int LoopbackRoundsPerPoll = 4;

    private bool ReceiveFrom<TDevice>(ulong nowMs, ref TDevice device) where TDevice : struct, INetworkDevice
    {
        for (int n = 0; n < ReceiveBudget; n++)
        {
            if (!device.TryReceive(out ReadOnlySpan<byte> frame))
            {
                return false;
            }

            Receive(frame, nowMs);
            device.ReleaseReceived();
        }

        return true;
    }

    private void Transmit<TDevice>(ulong nowMs, ref TDevice device) where TDevice : struct, INetworkDevice
    {
        _now = nowMs;
        _stats.ReassemblyFailures += (ulong)_fragments.Expire(ref _memory, nowMs);
        ResolveWaitingFrames(nowMs);
        DhcpTimers(nowMs);
        if (!DrainQueue(ref device))
        {
            return;
        }

        for (int h = 0; h < _socketEnd; h++)
        {
            SocketSlot* s = _sockets + h;
            if (s->Kind != SocketKind.Tcp)
            {
                continue;
            }

            TcpState was = s->Tcp.State;
            bool alive = s->Tcp.OnTimer(nowMs, _config, ref _stats);
            if (s->Tcp.State != was)
            {
                _socketChanges++; // timed out, or TIME-WAIT over: a waiter may see an error or an end
            }

            if (!alive || s->Tcp.State == TcpState.Closed)
            {
                ReleaseIfUnowned(h);
                continue;
            }

            if (s->Tcp.State == TcpState.TimeWait && !s->UserOwned) ReleaseLingeringBuffers(s);
            if (!SendSegments(h, nowMs, ref device))
            {
                return;
            }
        }

        DrainQueue(ref device);
    }

    /// <summary>The earliest time <see cref="Poll"/> has timer work (retransmission, TIME-WAIT,
    /// ARP retry), or <c>ulong.MaxValue</c>. Frames and socket calls need a poll as well.</summary>
    public readonly ulong NextTimerMs()
    {
        ulong next = ulong.MaxValue;
        if (!_initialized)
        {
            return next;
        }

        if (_loopCount > 0)
        {
            return _now; // looped frames wait to be received: poll again now
        }

        for (int h = 0; h < _socketEnd; h++)
        {
            SocketSlot* s = _sockets + h;
            if (s->Kind != SocketKind.Tcp)
            {
                continue;
            }

            if (s->Tcp.RetransmitAt != 0) next = Math.Min(next, s->Tcp.RetransmitAt);
            if (s->Tcp.AckDueAt != 0) next = Math.Min(next, s->Tcp.AckDueAt);
            if (s->Tcp.LingerUntil != 0 && (s->Tcp.State == TcpState.TimeWait || s->Tcp.State == TcpState.FinWait2))
            {
                next = Math.Min(next, s->Tcp.LingerUntil);
            }
        }

        next = Math.Min(next, _fragments.NextExpiry);
        if (_dhcpState != DhcpState.Off) next = Math.Min(next, _dhcpSendAt);
        for (int i = 0; _queue.WaitingCount > 0 && i < _queue.Capacity; i++)
        {
            if (_queue.Slots[i].State == FrameQueue.WaitingForArp)
            {
                next = Math.Min(next, _queue.Slots[i].Since + ArpCache.RequestIntervalMs);
            }
        }

        return next;
    }

    private void ResolveWaitingFrames(ulong now)
    {
        for (int i = 0; _queue.WaitingCount > 0 && i < _queue.Capacity; i++)
        {
            FrameQueue.Slot* slot = _queue.Slots + i;
            if (slot->State != FrameQueue.WaitingForArp)
            {
                continue;
            }

            Ipv4Address hop = new Ipv4Address(slot->NextHop);
            if (_arp.TryLookup(hop, now, out MacAddress mac))
            {
                mac.Write(_queue.Buffer(i), 0);
                _queue.SetState(i, FrameQueue.Ready);
            }
            else if (now - slot->Since >= FrameQueue.ArpWaitMs)
            {
                _queue.SetState(i, FrameQueue.Free);
                _stats.ArpFailures++;
            }
            else
            {
                RequestArp(hop, now);
            }
        }
    }

    private bool DrainQueue<TDevice>(ref TDevice device) where TDevice : struct, INetworkDevice
    {
        while (true)
        {
            int i = _queue.ReadyCount == 0 ? -1 : _queue.Oldest(FrameQueue.Ready, 0);
            if (i < 0)
            {
                return true;
            }

            if (FrameIsLocal(_queue.Buffer(i).Slice(0, _queue.Slots[i].Length)))
            {
                if (TryTakeLoopback(out Span<byte> looped))
                {
                    _queue.Buffer(i).Slice(0, _queue.Slots[i].Length).CopyTo(looped);
                    CommitLoopback(_queue.Slots[i].Length);
                }

                _queue.SetState(i, FrameQueue.Free);
                continue;
            }

            if (!TryLendTransmit(ref device, out Span<byte> buffer))
            {
                return false;
            }

            int length = _queue.Slots[i].Length;
            _queue.Buffer(i).Slice(0, length).CopyTo(buffer);
            device.Transmit(length);

            _queue.SetState(i, FrameQueue.Free);
            _stats.FramesSent++;
        }
    }

    /// <summary>A transmit buffer from the device, refused (given back unsent) when it is too
    /// small for a full frame: a device bug must not become a write past its buffer.</summary>
    private bool TryLendTransmit<TDevice>(ref TDevice device, out Span<byte> buffer) where TDevice : struct, INetworkDevice
    {
        if (!device.TryReserveTransmit(out buffer))
        {
            _stats.DeviceBusy++;
            return false;
        }

        if (buffer.Length < EthernetFrame.MaximumLength)
        {
            device.Transmit(0);
            _stats.DeviceBusy++;
            return false;
        }

        return true;
    }

    private void RequestArp(Ipv4Address target, ulong now)
    {
        if (!_arp.ShouldRequest(target, now))
        {
            return;
        }

        int slot = _queue.Take(now);
        if (slot < 0)
        {
            _stats.TransmitQueueFull++;
            return;
        }

        Span<byte> buffer = _queue.Buffer(slot);
        EthernetFrame.Emit(buffer, MacAddress.Broadcast, _config.Mac, EtherType.Arp);
        ArpPacket.Emit(buffer.Slice(EthernetFrame.HeaderLength), ArpPacket.OperationRequest, _config.Mac, _config.Address,
            default, target);
        _queue.Slots[slot].Length = PadToMinimum(buffer, EthernetFrame.HeaderLength + ArpPacket.Length);
        _stats.ArpRequestsSent++;
    }

    /// <summary>A queue slot for an IPv4 packet to <paramref name="destination"/>: EHOSTUNREACH
    /// without a route, ENOBUFS when the queue is full.</summary>
    private bool TakeIpv4Frame(Ipv4Address destination, ulong now, out int slot, out NetError error)
    {
        slot = -1;
        if (!Route(destination, out Ipv4Address hop))
        {
            error = NetError.HostUnreachable;
            return false;
        }

        slot = _queue.Take(now);
        if (slot < 0)
        {
            error = NetError.NoBufferSpace;
            return false;
        }

        _queue.Slots[slot].NextHop = hop.Value;
        error = NetError.None;
        return true;
    }

    /// <summary>Writes the IPv4 and Ethernet headers around the <paramref name="payloadLength"/> bytes
    /// at offset 34 of the slot; the frame waits for ARP when the next hop is not resolved.</summary>
    private void FinishIpv4Frame(int slot, Ipv4Address destination, byte protocol, int payloadLength, ulong now) =>
        FinishIpv4Frame(slot, SourceFor(destination), destination, protocol, payloadLength, now);

    /// <summary><see cref="FinishIpv4Frame(int, Ipv4Address, byte, int, ulong)"/> from a given
    /// source (a connection's own address, which its checksum covers).</summary>
    private void FinishIpv4Frame(int slot, Ipv4Address source, Ipv4Address destination, byte protocol, int payloadLength, ulong now)
    {
        Span<byte> buffer = _queue.Buffer(slot);
        Ipv4Packet.Emit(buffer.Slice(EthernetFrame.HeaderLength), source, destination, protocol, payloadLength,
            _ipIdentification++);
        Ipv4Address hop = new Ipv4Address(_queue.Slots[slot].NextHop);
        MacAddress mac = MacAddress.Broadcast;
        bool local = IsLocal(destination);
        if (local) mac = _config.Mac;
        bool resolved = local || destination.IsBroadcast || IsSubnetBroadcast(destination) || _arp.TryLookup(hop, now, out mac);
        if (!resolved)
        {
            mac = default;
        }

        EthernetFrame.Emit(buffer, mac, _config.Mac, EtherType.Ipv4);
        _queue.Slots[slot].Length = PadToMinimum(buffer, EthernetFrame.HeaderLength + Ipv4Packet.HeaderLength + payloadLength);
        if (!resolved)
        {
            _queue.SetState(slot, FrameQueue.WaitingForArp);
            RequestArp(hop, now);
        }
    }

    /// <summary>Sends socket <paramref name="h"/>'s due segments; false when the device is full.</summary>
    private bool SendSegments<TDevice>(int h, ulong now, ref TDevice device) where TDevice : struct, INetworkDevice
    {
        SocketSlot* s = _sockets + h;
        for (int n = 0; n < SegmentsPerSocketPerPoll; n++)
        {
            if (!s->Tcp.Plan(out TcpPlan plan))
            {
                s->ArpWaitSince = 0;
                return true;
            }

            if (!Route(s->Tcp.RemoteAddress, out Ipv4Address hop))
            {
                s->Tcp.Error = NetError.HostUnreachable;
                s->Tcp.State = TcpState.Closed;
                ReleaseIfUnowned(h);
                return true;
            }

            bool local = IsLocal(s->Tcp.RemoteAddress);
            MacAddress mac = _config.Mac;
            if (!local && !_arp.TryLookup(hop, now, out mac))
            {
                if (s->ArpWaitSince == 0)
                {
                    s->ArpWaitSince = now == 0 ? 1 : now;
                }
                else if (now - s->ArpWaitSince >= FrameQueue.ArpWaitMs &&
                         (s->Tcp.State == TcpState.SynSent || s->Tcp.State == TcpState.SynReceived))
                {
                    s->Tcp.Error = NetError.HostUnreachable;
                    s->Tcp.State = TcpState.Closed;
                    ReleaseIfUnowned(h);
                    return true;
                }

                RequestArp(hop, now);
                return true;
            }

            s->ArpWaitSince = 0;
            // The segment is built in place in the device's buffer (or the loopback ring): no
            // copy on the way out.
            scoped Span<byte> frame;
            if (local)
            {
                if (!TryTakeLoopback(out frame))
                {
                    return false;
                }
            }
            else if (!TryLendTransmit(ref device, out frame))
            {
                return false;
            }

            const int ipOffset = EthernetFrame.HeaderLength;
            const int tcpOffset = ipOffset + Ipv4Packet.HeaderLength;
            int headerLength = plan.Header.Length;
            if (plan.DataLength > 0)
            {
                s->Tcp.Tx.Peek(plan.DataOffset, frame.Slice(tcpOffset + headerLength, plan.DataLength));
            }

            int tcpLength = TcpSegment.Emit(frame.Slice(tcpOffset), s->Tcp.LocalAddress, s->Tcp.RemoteAddress, plan.Header,
                plan.DataLength);
            Ipv4Packet.Emit(frame.Slice(ipOffset), s->Tcp.LocalAddress, s->Tcp.RemoteAddress, IpProtocol.Tcp, tcpLength,
                _ipIdentification++);
            EthernetFrame.Emit(frame, mac, _config.Mac, EtherType.Ipv4);
            if (local) CommitLoopback(PadToMinimum(frame, tcpOffset + tcpLength));
            else device.Transmit(PadToMinimum(frame, tcpOffset + tcpLength));
            if (s->Tcp.RetransmitFirst && plan.Header.SequenceNumber == s->Tcp.SndUna) _stats.TcpFastRetransmits++;
            else if (s->Tcp.InRecovery && (int)(plan.Header.SequenceNumber - s->Tcp.SndMax) < 0) _stats.TcpSackRetransmits++;
            s->Tcp.Commit(plan, now);
            _stats.FramesSent++;
            _stats.TcpSegmentsSent++;
        }

        return true;
    }
}
