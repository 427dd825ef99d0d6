namespace Aurora.Net;

/// <summary>Counters of everything the interface received, sent and dropped.</summary>
public struct NetStatistics
{
    /// <summary>Frames the caller handed to the interface, whatever became of them.</summary>
    public ulong FramesReceived;
    /// <summary>Frames handed to the device.</summary>
    public ulong FramesSent;
    /// <summary>Input frames dropped for any reason (the counters below say which).</summary>
    public ulong FramesDropped;
    /// <summary>Input dropped because a header was cut short (<see
    /// cref="WireError.Truncated"/>).</summary>
    public ulong Truncated;
    /// <summary>Input dropped for an impossible field (<see
    /// cref="WireError.Malformed"/>).</summary>
    public ulong Malformed;
    /// <summary>Input dropped because a checksum did not verify (<see
    /// cref="WireError.BadChecksum"/>).</summary>
    public ulong BadChecksum;
    /// <summary>Input dropped for a valid feature this stack does not speak (<see
    /// cref="WireError.Unsupported"/>: IP options, other ARP hardware).</summary>
    public ulong Unsupported;
    /// <summary>Another host's MAC or IP, or an EtherType/protocol not spoken here.</summary>
    public ulong NotForUs;
    /// <summary>UDP or TCP to a port with no socket (TCP answers those with RST).</summary>
    public ulong NoSocket;
    /// <summary>UDP datagrams dropped because the socket's receive queue was full.</summary>
    public ulong UdpQueueFull;
    /// <summary>ARP requests sent to resolve a next hop.</summary>
    public ulong ArpRequestsSent;
    /// <summary>ARP replies sent for this interface's address.</summary>
    public ulong ArpRepliesSent;
    /// <summary>ICMP echo replies sent (answers to ping).</summary>
    public ulong EchoRepliesSent;
    /// <summary>Frames not queued because the transmit queue was full.</summary>
    public ulong TransmitQueueFull;
    /// <summary>Frames dropped after ARP got no answer.</summary>
    public ulong ArpFailures;
    /// <summary>Times the device refused a frame.</summary>
    public ulong DeviceBusy;
    /// <summary>TCP segments sent, retransmissions included.</summary>
    public ulong TcpSegmentsSent;
    /// <summary>Retransmission timer expiries (RTO): each sends the oldest unacknowledged data
    /// again.</summary>
    public ulong TcpRetransmissionTimeouts;
    /// <summary>RST segments sent.</summary>
    public ulong TcpResetsSent;
    /// <summary>Segments whose data did not start at RCV.NXT (held for reassembly when they fit).</summary>
    public ulong TcpOutOfOrder;
    /// <summary>ACKs sent as a segment arrived (duplicate ACKs, hole fills, every second segment).</summary>
    public ulong TcpAcksSentAtOnce;
    /// <summary>Fast retransmits (three duplicate ACKs) and NewReno partial-ACK retransmissions.</summary>
    public ulong TcpFastRetransmits;
    /// <summary>SACK blocks that arrived on connections that negotiated SACK.</summary>
    public ulong TcpSackBlocksReceived;
    /// <summary>Holes sent again because the peer's SACK blocks showed them (RFC 6675 recovery).</summary>
    public ulong TcpSackRetransmits;
    /// <summary>DHCP messages sent, answers ignored (another transaction, malformed, unexpected), NAKs.</summary>
    public ulong DhcpMessagesSent;
    /// <summary>DHCP answers ignored: another transaction, malformed, or not expected in the
    /// client's state.</summary>
    public ulong DhcpMessagesIgnored;
    /// <summary>DHCPNAKs received (each starts discovery again).</summary>
    public ulong DhcpNaks;
    /// <summary>ACKs that waited for the delayed-ACK timer.</summary>
    public ulong TcpDelayedAcks;
    /// <summary>Segments outside the receive window (answered with an ACK).</summary>
    public ulong TcpUnacceptable;
    /// <summary>Connections refused because a listener's accept queue was full.</summary>
    public ulong TcpListenOverflows;
    /// <summary>Half-open connections dropped from a full SYN queue to make room for a new SYN.</summary>
    public ulong TcpSynQueueEvictions;
    /// <summary>TIME-WAIT connections ended early by a new SYN on the same ports.</summary>
    public ulong TcpTimeWaitReused;
    /// <summary>Receive buffers doubled by autotuning (up to <c>InterfaceConfig.TcpReceiveBufferMax</c>);
    /// a doubling that found no memory is not counted (the buffer stays).</summary>
    public ulong TcpReceiveBuffersGrown;

    /// <summary>Send buffers doubled by autotuning (up to <c>InterfaceConfig.TcpSendBufferMax</c>);
    /// a doubling that found no memory is not counted (the buffer stays).</summary>
    public ulong TcpSendBuffersGrown;
    /// <summary>Frames that went through the loopback ring, and those dropped because it was full.</summary>
    public ulong LoopbackFrames;
    /// <summary>Frames dropped because the loopback ring was full.</summary>
    public ulong LoopbackDropped;
    /// <summary>IPv4 fragments received, datagrams completed from them, and datagrams given up
    /// (timed out, replaced by a newer one, fragments that disagree, no memory).</summary>
    public ulong FragmentsReceived;
    /// <summary>ICMP port unreachables sent (rate limited), and ICMP errors given to a connected UDP socket.</summary>
    public ulong IcmpErrorsSent;
    /// <summary>ICMP errors given to a connected UDP socket (its next call reports them).</summary>
    public ulong IcmpErrorsDelivered;
    /// <summary>Datagrams completed from fragments.</summary>
    public ulong DatagramsReassembled;
    /// <summary>Datagrams given up: timed out, replaced by a newer one, fragments that disagree, or
    /// no memory.</summary>
    public ulong ReassemblyFailures;
}
