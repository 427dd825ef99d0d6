namespace Aurora.Net;

/// <summary>TCP connection states (RFC 9293 §3.3.2), numbered like Linux's tcp_states.h.</summary>
public enum TcpState : byte
{
    Closed = 7,
    Listen = 10,
    SynSent = 2,
    SynReceived = 3,
    Established = 1,
    FinWait1 = 4,
    FinWait2 = 5,
    CloseWait = 8,
    Closing = 11,
    LastAck = 9,
    TimeWait = 6,
}
