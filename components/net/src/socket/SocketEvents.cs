namespace Aurora.Net;

/// <summary>Readiness of a socket, with the Linux poll(2) bit values, for the kernel's blocking.</summary>
public static class SocketEvents
{
    /// <summary>POLLIN: data, a datagram, a connection to accept, or end of stream.</summary>
    public const int Readable = 0x001;
    /// <summary>POLLOUT: send buffer space (and, after connect, the connection is up).</summary>
    public const int Writable = 0x004;
    /// <summary>POLLERR: a pending error (refused, reset, timed out, unreachable).</summary>
    public const int Error = 0x008;
    /// <summary>POLLHUP: the connection is closed both ways or was reset.</summary>
    public const int HangUp = 0x010;
}
