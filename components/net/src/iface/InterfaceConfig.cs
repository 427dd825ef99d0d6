namespace Aurora.Net;

/// <summary>
/// What the kernel tells <c>NetInterface.Initialize</c>: addresses, table sizes and TCP timers.
/// Zero sizes and times take the defaults in brackets.
/// </summary>
public struct InterfaceConfig
{
    /// <summary>The interface's own Ethernet address: the source of every frame sent, and the
    /// destination (with broadcast) it accepts.</summary>
    public MacAddress Mac;
    /// <summary>The interface's IPv4 address; unspecified (0.0.0.0) to let the DHCP client find
    /// one.</summary>
    public Ipv4Address Address;
    /// <summary>The subnet mask: destinations inside Address/Netmask are reached directly (ARP),
    /// others through the gateway.</summary>
    public Ipv4Address Netmask;
    /// <summary>Next hop for destinations off the subnet; unspecified = none (EHOSTUNREACH).</summary>
    public Ipv4Address Gateway;
    /// <summary>Secret for initial sequence numbers (RFC 6528); the kernel passes random bits.</summary>
    public ulong Seed;

    /// <summary>Most sockets at once, handles 0..n-1 (at most 1,048,576) [65536]. Only a
    /// bound: the table grows from 32 slots as sockets open (and memory allows) and shrinks as
    /// they end, so the kernel sizes this from its memory.</summary>
    public int SocketCapacity;
    /// <summary>Frames waiting for the device or for ARP: control replies, UDP datagrams, resets [32].</summary>
    public int TransmitQueueCapacity;
    /// <summary>Per TCP socket; the receive window is the free part, at most 65535 [65535].</summary>
    public int TcpReceiveBufferSize;
    /// <summary>Per TCP socket; unacknowledged plus unsent bytes [65536].</summary>
    public int TcpSendBufferSize;
    /// <summary>Receive buffer autotuning (as Linux's tcp_rmem[2]): a connection's receive buffer
    /// starts at <see cref="TcpReceiveBufferSize"/> and doubles, up to this, while the peer is
    /// held back by the window and the application keeps reading; the SYN offers the window
    /// shift this needs. At most 16 MiB [TcpReceiveBufferSize: no autotuning].</summary>
    public int TcpReceiveBufferMax;
    /// <summary>Send buffer autotuning (as Linux's tcp_wmem[2]): doubles, up to this, when a write
    /// finds it full while at least half of it is in flight, so new data is ready when an ACK
    /// opens the window. At most 16 MiB [TcpSendBufferSize: no autotuning].</summary>
    public int TcpSendBufferMax;
    /// <summary>Bytes all TCP buffers together may have grown past their starting sizes (Linux's
    /// tcp_mem, simplified): a doubling that would pass it does not happen [64 MiB].</summary>
    public long TcpAutotuneBudget;
    /// <summary>Per UDP socket, datagrams plus 8 bytes each [16384].</summary>
    public int UdpReceiveBufferSize;

    /// <summary>TIME_WAIT length; short on purpose instead of 2 MSL = 4 min [2000].</summary>
    public uint TimeWaitMs;
    /// <summary>RTO before the first RTT sample (RFC 6298 §2.1) [1000].</summary>
    public uint InitialRtoMs;
    /// <summary>Lower bound of the RTO (Linux uses 200) [200].</summary>
    public uint MinRtoMs;
    /// <summary>Retransmissions of one segment before ETIMEDOUT [8].</summary>
    public int MaxRetransmissions;
    /// <summary>Longest a lone in-order segment waits for its ACK (RFC 9293 §3.8.6.3 allows
    /// 500 ms; Linux's minimum is 40); at most 200 [40].</summary>
    public uint DelayedAckMs;

    internal void ApplyDefaults()
    {
        if (SocketCapacity <= 0) SocketCapacity = 65536;
        if (TransmitQueueCapacity <= 0) TransmitQueueCapacity = 32;
        if (TcpReceiveBufferSize <= 0) TcpReceiveBufferSize = 65535;
        if (TcpSendBufferSize <= 0) TcpSendBufferSize = 65536;
        if (UdpReceiveBufferSize <= 0) UdpReceiveBufferSize = 16384;
        if (TcpReceiveBufferMax < TcpReceiveBufferSize) TcpReceiveBufferMax = TcpReceiveBufferSize;
        if (TcpSendBufferMax < TcpSendBufferSize) TcpSendBufferMax = TcpSendBufferSize;
        if (TcpAutotuneBudget <= 0) TcpAutotuneBudget = 64L * 1024 * 1024;
        if (TimeWaitMs == 0) TimeWaitMs = 2000;
        if (InitialRtoMs == 0) InitialRtoMs = 1000;
        if (MinRtoMs == 0) MinRtoMs = 200;
        if (MaxRetransmissions <= 0) MaxRetransmissions = 8;
        if (DelayedAckMs == 0) DelayedAckMs = 40;
        if (DelayedAckMs > 200) DelayedAckMs = 200;
    }
}
