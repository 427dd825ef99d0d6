using System;

namespace Aurora.Net;

/// <summary>
/// One Ethernet interface with its IPv4 configuration, ARP cache, transmit queue and socket
/// table. The kernel calls <see cref="Poll"/> with its <see cref="INetworkDevice"/> (when the
/// card signals, after socket calls, and when <see cref="NextTimerMs"/> comes): frames in, then
/// frames out; <see cref="Receive"/> takes one frame directly (tests, loopback). It
/// serves socket syscalls from the handle-based calls. Nothing blocks and nothing allocates
/// outside <see cref="Initialize"/>, socket connect/accept (buffers) and their release. A plain
/// struct: keep it in one place and call it by reference.
/// </summary>
public unsafe partial struct NetInterface<TMemory> where TMemory : struct, INetMemory
{
    /// <summary>Socket slots allocated at first; the table doubles from here.</summary>
    public const int InitialSocketSlots = 32;
    /// <summary>Largest <see cref="InterfaceConfig.SocketCapacity"/> (Linux's nr_open).</summary>
    public const int MaxSocketCapacity = 1 << 20;

    private TMemory _memory;
    private InterfaceConfig _config;
    private SocketSlot* _sockets;
    /// <summary>Slots allocated now: the table starts at <see cref="InitialSocketSlots"/>, doubles
    /// when full (up to <see cref="InterfaceConfig.SocketCapacity"/>, as memory allows) and halves
    /// at a poll once three quarters stand empty at its end (NetInterface.Sockets.cs).</summary>
    private int _socketSlots;
    /// <summary>One past the highest socket slot in use (<see cref="Claim"/>, lowered at each poll);
    /// no slot from here on is in use.</summary>
    private int _socketEnd;
    /// <summary>No slot below this one is free (a search for a free slot starts here).</summary>
    private int _freeHint;
    private ArpCache _arp;
    private FrameQueue _queue;
    private Ipv4Reassembly _fragments;
    private NetStatistics _stats;
    private ushort _nextEphemeral;
    /// <summary>ICMP error rate limit: tokens left and when they were last topped up.</summary>
    private int _icmpErrorTokens;
    private ulong _icmpErrorRefilledAt;
    private const int IcmpErrorBurst = 50;
    private const ulong IcmpErrorIntervalMs = 20;
    private const byte IcmpTypeDestinationUnreachable = 3;
    private const byte IcmpCodePortUnreachable = 3;
    private ushort _ipIdentification;
    private ulong _acceptCounter;
    private bool _initialized;
    /// <summary>See <see cref="SocketChanges"/>.</summary>
    private ulong _socketChanges;
    /// <summary>The DHCP client (NetInterface.Dhcp.cs): its state, lease, transaction, the offer
    /// being requested, when it sends next and its retry interval, tries, when the lease began.</summary>
    private DhcpState _dhcpState;
    private DhcpLease _lease;
    private uint _dhcpXid;
    private Ipv4Address _dhcpOffered;
    private Ipv4Address _dhcpOfferServer;
    private ulong _dhcpSendAt;
    private ulong _dhcpRetryMs;
    private int _dhcpTries;
    private ulong _leaseStart;
    private ulong _dhcpLeases;
    /// <summary>The latest clock value the caller passed in, for work done in calls without one (close).</summary>
    private ulong _now;
    /// <summary>Bytes TCP buffers have grown past their starting sizes, all sockets together
    /// (bounded by <see cref="InterfaceConfig.TcpAutotuneBudget"/>).</summary>
    private long _autotuneBytes;

    /// <summary>Bytes TCP buffer autotuning holds now beyond the buffers' starting sizes.</summary>
    public readonly long AutotunedBytes => _autotuneBytes;
    /// <summary>The loopback ring (NetInterface.Loopback.cs): frames, their lengths, the oldest, how many.</summary>
    private byte* _loopData;
    private int* _loopLength;
    private int _loopHead;
    private int _loopCount;
    /// <summary>Set while a frame from the loopback ring is being received.</summary>
    private bool _receivingLoopback;

    /// <summary>An interface that takes its memory from <paramref name="memory"/> (copied in);
    /// nothing is allocated until Initialize.</summary>
    public NetInterface(TMemory memory)
    {
        this = default;
        _memory = memory;
    }

    /// <summary>Whether Initialize succeeded (and the interface has not been disposed
    /// since).</summary>
    public readonly bool IsInitialized => _initialized;

    /// <summary>The interface's Ethernet address (<see cref="InterfaceConfig.Mac"/>).</summary>
    public readonly MacAddress Mac => _config.Mac;

    /// <summary>The interface's IPv4 address now: the configured one, or the DHCP lease's;
    /// unspecified while it has none.</summary>
    public readonly Ipv4Address Address => _config.Address;

    /// <summary>A copy of the counters as they are now.</summary>
    public readonly NetStatistics Statistics => _stats;

    /// <summary>
    /// Moves whenever the stack did something a blocked socket call may be waiting for: it took
    /// in a frame (from the device or the loopback ring: data, an ACK freeing send space, a
    /// connection, a FIN, a reset, an ICMP error) or a socket timer changed a connection's state
    /// (a connection given up, TIME-WAIT ended). Whoever polls compares it before and after and
    /// wakes its waiters when it moved, from any poll: a socket call's own poll delivers looped
    /// frames to other sockets too (issue 13: the bench's ping-pong sat out 40 ms delayed-ACK
    /// timers because only the network thread's polls woke anyone).
    /// </summary>
    public readonly ulong SocketChanges => _socketChanges;

    /// <summary>Allocates the socket table, the ARP cache and the transmit queue. EINVAL when
    /// already initialized or the netmask is not contiguous; ENOMEM (nothing kept) when memory ran out.</summary>
    public NetError Initialize(in InterfaceConfig config)
    {
        if (_initialized)
        {
            return NetError.InvalidArgument;
        }

        InterfaceConfig c = config;
        c.ApplyDefaults();
        uint inverted = ~c.Netmask.Value;
        if ((inverted & (inverted + 1)) != 0 || c.SocketCapacity > MaxSocketCapacity || c.TransmitQueueCapacity > 4096 ||
            c.TcpReceiveBufferSize > (1 << 24) || c.TcpSendBufferSize > (1 << 24) || c.UdpReceiveBufferSize > (1 << 24) ||
            c.TcpReceiveBufferMax > (1 << 24) || c.TcpSendBufferMax > (1 << 24))
        {
            return NetError.InvalidArgument;
        }

        _config = c;
        _socketSlots = Math.Min(InitialSocketSlots, c.SocketCapacity);
        _socketEnd = 0;
        _freeHint = 0;
        _autotuneBytes = 0;
        _sockets = (SocketSlot*)_memory.Allocate((nuint)(sizeof(SocketSlot) * _socketSlots));
        _arp.Entries = (ArpCache.Entry*)_memory.Allocate((nuint)(sizeof(ArpCache.Entry) * ArpCache.Capacity));
        _queue.Slots = (FrameQueue.Slot*)_memory.Allocate((nuint)(sizeof(FrameQueue.Slot) * c.TransmitQueueCapacity));
        _queue.Data = (byte*)_memory.Allocate((nuint)(EthernetFrame.MaximumLength * c.TransmitQueueCapacity));
        bool loopback = AllocateLoopback();
        bool fragments = _fragments.Allocate(ref _memory);
        if (_sockets == null || _arp.Entries == null || _queue.Slots == null || _queue.Data == null || !loopback || !fragments)
        {
            FreeTables();
            return NetError.NoMemory;
        }

        new Span<byte>(_sockets, sizeof(SocketSlot) * _socketSlots).Clear();
        new Span<byte>(_arp.Entries, sizeof(ArpCache.Entry) * ArpCache.Capacity).Clear();
        new Span<byte>(_queue.Slots, sizeof(FrameQueue.Slot) * c.TransmitQueueCapacity).Clear();
        _queue.Capacity = c.TransmitQueueCapacity;
        _queue.ReadyCount = 0;
        _queue.WaitingCount = 0;
        _queue.NextOrder = 1;
        _nextEphemeral = (ushort)(EphemeralFirst + (c.Seed % (EphemeralLast - EphemeralFirst + 1)));
        _ipIdentification = (ushort)(c.Seed >> 16);
        _stats = default;
        _icmpErrorTokens = IcmpErrorBurst;
        _initialized = true;
        return NetError.None;
    }

    /// <summary>Frees every socket (no FIN or RST is sent) and the tables.</summary>
    public void Dispose()
    {
        if (!_initialized)
        {
            return;
        }

        for (int i = 0; i < _socketEnd; i++)
        {
            FreeSocket(i);
        }

        FreeTables();
        _initialized = false;
    }

    private void FreeTables()
    {
        if (_sockets != null) _memory.Free(_sockets);
        if (_arp.Entries != null) _memory.Free(_arp.Entries);
        if (_queue.Slots != null) _memory.Free(_queue.Slots);
        if (_queue.Data != null) _memory.Free(_queue.Data);
        _sockets = null;
        _arp.Entries = null;
        _queue.Slots = null;
        _queue.Data = null;
        _fragments.Release(ref _memory);
        FreeLoopback();
    }

    /// <summary>Whether <paramref name="address"/> is on the interface's subnet.</summary>
    private readonly bool OnLink(Ipv4Address address) =>
        (address.Value & _config.Netmask.Value) == (_config.Address.Value & _config.Netmask.Value);

    /// <summary>The directed broadcast address of the subnet.</summary>
    private readonly bool IsSubnetBroadcast(Ipv4Address address) =>
        _config.Netmask.Value != 0xFFFF_FFFFu && address.Value == (_config.Address.Value | ~_config.Netmask.Value);

    /// <summary>The next hop towards <paramref name="destination"/>: itself on the subnet, else the gateway.</summary>
    private readonly bool Route(Ipv4Address destination, out Ipv4Address nextHop)
    {
        if (destination.IsBroadcast || OnLink(destination) || IsLocal(destination))
        {
            nextHop = destination;
            return true;
        }

        nextHop = _config.Gateway;
        return !_config.Gateway.IsUnspecified;
    }

    private void Drop(WireError error)
    {
        _stats.FramesDropped++;
        switch (error)
        {
            case WireError.Truncated: _stats.Truncated++; break;
            case WireError.Malformed: _stats.Malformed++; break;
            case WireError.BadChecksum: _stats.BadChecksum++; break;
            default: _stats.Unsupported++; break;
        }
    }

    private void DropNotForUs()
    {
        _stats.FramesDropped++;
        _stats.NotForUs++;
    }

    /// <summary>
    /// One received Ethernet frame (without FCS). Everything malformed, truncated, with a bad
    /// checksum or unsupported is dropped and counted in <see cref="Statistics"/>; replies (ARP,
    /// ICMP echo, TCP RST) are queued for the next <see cref="Poll"/>.
    /// </summary>
    public void Receive(ReadOnlySpan<byte> frame, ulong nowMs)
    {
        if (!_initialized)
        {
            return;
        }

        _now = nowMs;
        _stats.FramesReceived++;
        _socketChanges++;
        WireError error = EthernetFrame.TryParse(frame, out EthernetFrame ethernet);
        if (error != WireError.None)
        {
            Drop(error);
            return;
        }

        MacAddress destination = ethernet.Destination;
        if (destination.Value != _config.Mac.Value && !destination.IsBroadcast)
        {
            DropNotForUs();
            return;
        }

        switch (ethernet.EtherType)
        {
            case EtherType.Arp:
                ReceiveArp(ethernet.Payload, nowMs);
                break;
            case EtherType.Ipv4:
                ReceiveIpv4(ethernet.Payload, destination.IsBroadcast, nowMs);
                break;
            default:
                DropNotForUs();
                break;
        }
    }

    private void ReceiveArp(ReadOnlySpan<byte> payload, ulong now)
    {
        WireError error = ArpPacket.TryParse(payload, out ArpPacket arp);
        if (error != WireError.None)
        {
            Drop(error);
            return;
        }

        bool forUs = !_config.Address.IsUnspecified && arp.TargetProtocol.Value == _config.Address.Value;
        _arp.Learn(arp.SenderProtocol, arp.SenderHardware, now, forUs);
        if (!forUs)
        {
            return;
        }

        if (arp.Operation == ArpPacket.OperationRequest)
        {
            int slot = _queue.Take(now);
            if (slot < 0)
            {
                _stats.TransmitQueueFull++;
                return;
            }

            Span<byte> buffer = _queue.Buffer(slot);
            EthernetFrame.Emit(buffer, arp.SenderHardware, _config.Mac, EtherType.Arp);
            ArpPacket.Emit(buffer.Slice(EthernetFrame.HeaderLength), ArpPacket.OperationReply, _config.Mac, _config.Address,
                arp.SenderHardware, arp.SenderProtocol);
            _queue.Slots[slot].Length = PadToMinimum(buffer, EthernetFrame.HeaderLength + ArpPacket.Length);
            _stats.ArpRepliesSent++;
        }
    }

    private void ReceiveIpv4(ReadOnlySpan<byte> payload, bool linkBroadcast, ulong now)
    {
        WireError error = Ipv4Packet.TryParse(payload, out Ipv4Packet ip);
        if (error != WireError.None)
        {
            Drop(error);
            return;
        }

        Ipv4Address destination = ip.Destination;
        Ipv4Address source = ip.Source;
        bool broadcast = destination.IsBroadcast || IsSubnetBroadcast(destination);
        if (!_receivingLoopback && (IsLoopbackNet(destination) || IsLoopbackNet(source)))
        {
            // 127.0.0.0/8 on the wire is a martian (RFC 1122 §3.2.1.3): only lo carries it.
            DropNotForUs();
            return;
        }

        if (destination.Value != _config.Address.Value && !broadcast && !(_receivingLoopback && IsLoopbackNet(destination)))
        {
            DropNotForUs();
            return;
        }

        if (source.IsBroadcast || source.IsMulticast || IsSubnetBroadcast(source))
        {
            Drop(WireError.Malformed);
            return;
        }

        if (ip.IsFragment)
        {
            _stats.FragmentsReceived++;
            int slot = _fragments.Add(ref _memory, ip, now, out bool evicted);
            if (evicted) _stats.ReassemblyFailures++;
            if (slot == -2)
            {
                _stats.ReassemblyFailures++;
                _stats.FramesDropped++;
                return;
            }

            if (slot >= 0)
            {
                _stats.DatagramsReassembled++;
                // No ICMP error quotes a reassembled datagram (its first header is gone).
                Deliver(ip.Protocol, _fragments.Payload(slot), source, destination, broadcast, linkBroadcast, now, default);
                _fragments.Finish(ref _memory, slot);
            }

            return;
        }

        Deliver(ip.Protocol, ip.Payload, source, destination, broadcast, linkBroadcast, now, ip.Bytes);
    }

    /// <summary>An IPv4 payload, whole (one packet or a reassembled datagram), to its protocol;
    /// <paramref name="datagram"/> is the packet it came in (header on) for an ICMP error to quote.</summary>
    private void Deliver(byte protocol, ReadOnlySpan<byte> payload, Ipv4Address source, Ipv4Address destination, bool broadcast,
        bool linkBroadcast, ulong now, ReadOnlySpan<byte> datagram)
    {
        switch (protocol)
        {
            case IpProtocol.Icmp:
                ReceiveIcmp(payload, source, broadcast || linkBroadcast, now);
                break;
            case IpProtocol.Udp:
                ReceiveUdp(payload, source, destination, now, datagram);
                break;
            case IpProtocol.Tcp:
                if (broadcast || linkBroadcast)
                {
                    // TCP is unicast only (RFC 9293 §3.9.2.1 forbids answering broadcasts).
                    DropNotForUs();
                    return;
                }

                ReceiveTcp(payload, source, destination, now);
                break;
            default:
                DropNotForUs();
                break;
        }
    }

    private void ReceiveIcmp(ReadOnlySpan<byte> message, Ipv4Address source, bool broadcast, ulong now)
    {
        WireError error = IcmpEcho.TryParse(message, out IcmpEcho icmp);
        if (error != WireError.None)
        {
            Drop(error);
            return;
        }

        if (icmp.Type == IcmpTypeDestinationUnreachable)
        {
            ReceiveUnreachable(icmp.Code, icmp.Data);
            return;
        }

        // Echo requests to a broadcast address are not answered (RFC 1122 §3.2.2.6 allows silence).
        if (icmp.Type != IcmpEcho.TypeEchoRequest || icmp.Code != 0 || broadcast)
        {
            return;
        }

        const int offset = EthernetFrame.HeaderLength + Ipv4Packet.HeaderLength;
        if (message.Length > EthernetFrame.MaximumLength - offset)
        {
            Drop(WireError.Unsupported);
            return;
        }

        if (!TakeIpv4Frame(source, now, out int slot, out NetError routeError))
        {
            if (routeError == NetError.NoBufferSpace) _stats.TransmitQueueFull++;
            return;
        }

        Span<byte> buffer = _queue.Buffer(slot);
        int length = IcmpEcho.Emit(buffer.Slice(offset), IcmpEcho.TypeEchoReply, icmp.Identifier, icmp.SequenceNumber, icmp.Data);
        FinishIpv4Frame(slot, source, IpProtocol.Icmp, length, now);
        _stats.EchoRepliesSent++;
    }

    private static int PadToMinimum(Span<byte> buffer, int length)
    {
        if (length < EthernetFrame.MinimumLength)
        {
            buffer.Slice(length, EthernetFrame.MinimumLength - length).Clear();
            return EthernetFrame.MinimumLength;
        }

        return length;
    }
}
