namespace Aurora.Net;

/// <summary>TCP connection states (RFC 9293 §3.3.2), numbered like Linux's tcp_states.h.</summary>
public enum TcpState : byte
{
    /// <summary>No connection (TCP_CLOSE).</summary>
    Closed = 7,
    /// <summary>Waiting for connections (TCP_LISTEN).</summary>
    Listen = 10,
    /// <summary>SYN sent, waiting for the SYN-ACK (TCP_SYN_SENT).</summary>
    SynSent = 2,
    /// <summary>SYN received and answered, waiting for its ACK (TCP_SYN_RECV).</summary>
    SynReceived = 3,
    /// <summary>Open: data flows both ways (TCP_ESTABLISHED).</summary>
    Established = 1,
    /// <summary>Closed by this side, FIN sent and not yet acknowledged (TCP_FIN_WAIT1).</summary>
    FinWait1 = 4,
    /// <summary>This side's FIN acknowledged; waiting for the peer's FIN (TCP_FIN_WAIT2).</summary>
    FinWait2 = 5,
    /// <summary>The peer sent FIN; this side may still send until it closes
    /// (TCP_CLOSE_WAIT).</summary>
    CloseWait = 8,
    /// <summary>Both sides sent FIN at once; waiting for the ACK of ours (TCP_CLOSING).</summary>
    Closing = 11,
    /// <summary>Closed after the peer's FIN; waiting for the ACK of ours (TCP_LAST_ACK).</summary>
    LastAck = 9,
    /// <summary>Both FINs acknowledged; waiting 2 MSL so late segments die
    /// (TCP_TIME_WAIT).</summary>
    TimeWait = 6,
}
