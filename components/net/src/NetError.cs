namespace Aurora.Net;

/// <summary>
/// Why a call failed, numbered like Linux x86_64 errno (asm-generic/errno-base.h and errno.h),
/// so the socket syscalls return <c>-(long)error</c> unchanged.
/// </summary>
public enum NetError
{
    /// <summary>Success.</summary>
    None = 0,
    /// <summary>EBADF: not an open socket handle, or a handle of the other protocol.</summary>
    BadHandle = 9,
    /// <summary>EAGAIN: nothing to receive, no buffer space to send, no connection to accept yet.</summary>
    WouldBlock = 11,
    /// <summary>ENOMEM: the injected allocator returned null; nothing was changed.</summary>
    NoMemory = 12,
    /// <summary>EINVAL: a bad argument or a call that does not fit the socket's state.</summary>
    InvalidArgument = 22,
    /// <summary>EPIPE: sending after this side closed or shut down writing.</summary>
    BrokenPipe = 32,
    /// <summary>EMSGSIZE: a UDP datagram larger than one unfragmented IPv4 packet.</summary>
    MessageTooLong = 90,
    /// <summary>EOPNOTSUPP: the call does not apply to this socket type (listen on UDP).</summary>
    NotSupported = 95,
    /// <summary>EADDRINUSE: the local port is taken.</summary>
    AddressInUse = 98,
    /// <summary>EADDRNOTAVAIL: binding to an address that is not the interface's.</summary>
    AddressNotAvailable = 99,
    /// <summary>ECONNRESET: the peer reset the connection.</summary>
    ConnectionReset = 104,
    /// <summary>ENOBUFS: the socket table or the transmit queue is full.</summary>
    NoBufferSpace = 105,
    /// <summary>EISCONN: connect on a connected socket.</summary>
    AlreadyConnected = 106,
    /// <summary>EDESTADDRREQ: a datagram sent with no address on a socket with no peer.</summary>
    DestinationAddressRequired = 89,
    /// <summary>ENOTCONN: send/recv on a socket that is not connected.</summary>
    NotConnected = 107,
    /// <summary>ETIMEDOUT: retransmissions ran out.</summary>
    TimedOut = 110,
    /// <summary>ECONNREFUSED: the peer answered the SYN with a reset.</summary>
    ConnectionRefused = 111,
    /// <summary>EHOSTUNREACH: no route (not on the subnet and no gateway), or ARP got no answer.</summary>
    HostUnreachable = 113,
    /// <summary>EALREADY: connect while a connect is in progress.</summary>
    Already = 114,
    /// <summary>EINPROGRESS: the SYN is on its way; poll <c>TcpState</c>/<c>Events</c> for the result.</summary>
    InProgress = 115,
}
