using System;

namespace Aurora.Net;

/// <summary>
/// The NIC side of <c>NetInterface.Poll</c>: one call per outgoing Ethernet frame (destination
/// MAC first, no FCS, 60..1514 bytes). A struct passed by reference as a generic argument.
/// </summary>
public interface INetworkDevice
{
    /// <summary>Copies the frame into the device's transmit ring. False when the ring is full:
    /// the stack keeps queued frames for the next poll and lets TCP retransmit its segments.</summary>
    bool TrySend(ReadOnlySpan<byte> frame);
}
