using System;

namespace Aurora.Net;

/// <summary>
/// The network card as the stack sees it, shaped like smoltcp's <c>phy::Device</c> with its
/// <c>RxToken</c>/<c>TxToken</c>: the device <em>lends</em> buffers and the stack gives each
/// one back exactly once, so no frame is copied between the card's memory and the stack's.
/// A struct passed by reference as a generic argument (calls are direct).
///
/// Ownership, one loan of each kind at a time:
/// <list type="bullet">
/// <item><b>Receive.</b> <see cref="TryReceive"/> lends the oldest received frame (destination MAC
/// first, no FCS). The bytes stay the device's (typically its DMA buffer); the stack parses them
/// and calls <see cref="ReleaseReceived"/>, after which the device may reuse the buffer. The span
/// is a <c>ref struct</c>, so the stack cannot keep it past the call that received it.</item>
/// <item><b>Transmit.</b> <see cref="TryReserveTransmit"/> lends a free transmit buffer of at least
/// 1514 bytes; the stack writes one frame at its start and calls <see cref="Transmit"/> with its
/// length (60..1514), which hands the buffer to the hardware. <c>Transmit(0)</c> gives the buffer
/// back unsent.</item>
/// </list>
/// </summary>
public interface INetworkDevice
{
    /// <summary>Lends the oldest received frame; false when none is waiting.</summary>
    bool TryReceive(out ReadOnlySpan<byte> frame);

    /// <summary>Ends the loan of the frame <see cref="TryReceive"/> lent.</summary>
    void ReleaseReceived();

    /// <summary>Lends a free transmit buffer; false when every one is in flight (the stack keeps
    /// queued frames for the next poll and lets TCP retransmit its segments).</summary>
    bool TryReserveTransmit(out Span<byte> buffer);

    /// <summary>Sends the first <paramref name="length"/> bytes of the lent buffer (0: none) and
    /// ends the loan.</summary>
    void Transmit(int length);
}
