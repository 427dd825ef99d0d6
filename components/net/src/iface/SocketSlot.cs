namespace Aurora.Net;

internal enum SocketKind : byte
{
    Free = 0,
    Udp = 1,
    Tcp = 2,
}

/// <summary>A UDP socket: its local endpoint and a queue of received datagrams, each stored as
/// source address (4), source port (2), length (2) and the payload.</summary>
internal struct UdpSocket
{
    public const int RecordHeader = 8;
    public Ipv4Address LocalAddress;
    public ushort LocalPort;
    public RingBuffer Rx;
    /// <summary>The peer of a connected socket (connect(2)); port 0 = not connected.</summary>
    public Ipv4Address RemoteAddress;
    public ushort RemotePort;
    /// <summary>An ICMP error for the connected peer (ECONNREFUSED on port unreachable), reported
    /// once by the next receive or send, as Linux's sock_error.</summary>
    public NetError Error;
}

/// <summary>One entry of the socket table; its index is the handle.</summary>
internal struct SocketSlot
{
    public SocketKind Kind;
    /// <summary>The handle belongs to the caller (opened or accepted, not yet closed). A TCP socket
    /// the caller closed lingers without it (FIN-WAIT, TIME-WAIT) until it reaches CLOSED.</summary>
    public bool UserOwned;
    /// <summary>For a connection not yet accepted: the listener's handle; otherwise -1.</summary>
    public int Parent;
    public int Backlog;
    /// <summary>Order in which connections became established, for accept's FIFO; 0 = not yet.</summary>
    public ulong AcceptOrder;
    /// <summary>Since when the socket has had a segment to send but no ARP answer; 0 = not waiting.</summary>
    public ulong ArpWaitSince;
    public TcpSocket Tcp;
    public UdpSocket Udp;
}
