namespace Aurora.Net;

/// <summary>Self-checks for tests and fuzzing: what must hold between any two calls.</summary>
public unsafe partial struct NetInterface<TMemory>
{
    /// <summary>
    /// 0 when the stack's state is sound, else a code naming the first rule broken: 1000 + the
    /// handle's TCP rule (<c>TcpSocket.Check</c>: sequence variables ordered, buffers within
    /// capacity, held out-of-order ranges sorted and inside the buffer, the SACK scoreboard within
    /// what was sent, MSS and cwnd sane) × 100000; 1 the socket table's bounds; 2 a UDP queue
    /// beyond its capacity; 3 a child whose listener is gone; 4 the DHCP state (bound without an
    /// address, or an address that is not the lease's); 5 the transmit queue's counts of ready and
    /// ARP-waiting frames.
    /// </summary>
    public readonly int CheckInvariants()
    {
        if (!_initialized) return 0;
        if (_socketEnd < 0 || _socketEnd > _socketSlots || _socketSlots > _config.SocketCapacity || _freeHint < 0) return 1;
        for (int h = 0; h < _socketEnd; h++)
        {
            SocketSlot* s = _sockets + h;
            if (s->Kind == SocketKind.Udp && (s->Udp.Rx.Count < 0 || s->Udp.Rx.Count > s->Udp.Rx.Capacity)) return 2;
            if (s->Kind != SocketKind.Tcp) continue;
            if (s->Parent >= 0 && (s->Parent >= _socketEnd || _sockets[s->Parent].Kind != SocketKind.Tcp)) return 3;
            int rule = s->Tcp.Check();
            if (rule != 0) return 1000 + rule + h * 100_000;
        }

        bool bound = _dhcpState == DhcpState.Bound || _dhcpState == DhcpState.Renewing || _dhcpState == DhcpState.Rebinding;
        if (bound && (_config.Address.IsUnspecified || _config.Address.Value != _lease.Address.Value)) return 4;
        int ready = 0, waiting = 0;
        for (int i = 0; i < _queue.Capacity; i++)
        {
            if (_queue.Slots[i].State == FrameQueue.Ready) ready++;
            else if (_queue.Slots[i].State == FrameQueue.WaitingForArp) waiting++;
        }

        if (ready != _queue.ReadyCount || waiting != _queue.WaitingCount) return 5;
        return 0;
    }
}
