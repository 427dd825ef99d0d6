namespace Aurora.Net;

/// <summary>Counters of everything the interface received, sent and dropped.</summary>
public struct NetStatistics
{
    public ulong FramesReceived;
    public ulong FramesSent;
    /// <summary>Input frames dropped for any reason (the counters below say which).</summary>
    public ulong FramesDropped;
    public ulong Truncated;
    public ulong Malformed;
    public ulong BadChecksum;
    public ulong Unsupported;
    /// <summary>Another host's MAC or IP, or an EtherType/protocol not spoken here.</summary>
    public ulong NotForUs;
    /// <summary>UDP or TCP to a port with no socket (TCP answers those with RST).</summary>
    public ulong NoSocket;
    public ulong UdpQueueFull;
    public ulong ArpRequestsSent;
    public ulong ArpRepliesSent;
    public ulong EchoRepliesSent;
    /// <summary>Frames not queued because the transmit queue was full.</summary>
    public ulong TransmitQueueFull;
    /// <summary>Frames dropped after ARP got no answer.</summary>
    public ulong ArpFailures;
    /// <summary>Times the device refused a frame.</summary>
    public ulong DeviceBusy;
    public ulong TcpSegmentsSent;
    public ulong TcpRetransmissionTimeouts;
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
    public ulong DhcpMessagesIgnored;
    public ulong DhcpNaks;
    /// <summary>ACKs that waited for the delayed-ACK timer.</summary>
    public ulong TcpDelayedAcks;
    /// <summary>Segments outside the receive window (answered with an ACK).</summary>
    public ulong TcpUnacceptable;
    public ulong TcpListenOverflows;
    /// <summary>Half-open connections dropped from a full SYN queue to make room for a new SYN.</summary>
    public ulong TcpSynQueueEvictions;
    /// <summary>TIME-WAIT connections ended early by a new SYN on the same ports.</summary>
    public ulong TcpTimeWaitReused;
    /// <summary>Receive and send buffers doubled by autotuning (<c>InterfaceConfig.TcpReceiveBufferMax</c>,
    /// <c>TcpSendBufferMax</c>); a doubling that found no memory is not counted (the buffer stays).</summary>
    public ulong TcpReceiveBuffersGrown;
    public ulong TcpSendBuffersGrown;
    /// <summary>Frames that went through the loopback ring, and those dropped because it was full.</summary>
    public ulong LoopbackFrames;
    public ulong LoopbackDropped;
    /// <summary>IPv4 fragments received, datagrams completed from them, and datagrams given up
    /// (timed out, replaced by a newer one, fragments that disagree, no memory).</summary>
    public ulong FragmentsReceived;
    /// <summary>ICMP port unreachables sent (rate limited), and ICMP errors given to a connected UDP socket.</summary>
    public ulong IcmpErrorsSent;
    public ulong IcmpErrorsDelivered;
    public ulong DatagramsReassembled;
    public ulong ReassemblyFailures;
}
