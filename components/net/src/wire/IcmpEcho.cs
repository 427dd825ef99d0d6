using System;

namespace Aurora.Net;

/// <summary>
/// A view over an ICMPv4 message (RFC 792) with the echo fields: type, code, identifier,
/// sequence number and data. The checksum covers the whole message.
/// </summary>
public readonly ref struct IcmpEcho
{
    /// <summary>Type, code, checksum, identifier and sequence number: 8 bytes.</summary>
    public const int HeaderLength = 8;
    /// <summary>ICMP type 0, echo reply.</summary>
    public const byte TypeEchoReply = 0;
    /// <summary>ICMP type 8, echo request.</summary>
    public const byte TypeEchoRequest = 8;

    /// <summary>The whole message (the view does not copy it).</summary>
    public readonly ReadOnlySpan<byte> Bytes;

    private IcmpEcho(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>A view over the whole of <paramref name="message"/>: <see
    /// cref="WireError.Truncated"/> when shorter than the header, <see
    /// cref="WireError.BadChecksum"/> when the checksum over the message does not verify. Any type
    /// parses; the caller checks <see cref="Type"/>.</summary>
    public static WireError TryParse(ReadOnlySpan<byte> message, out IcmpEcho view)
    {
        view = default;
        if (message.Length < HeaderLength)
        {
            return WireError.Truncated;
        }

        if (InternetChecksum.Compute(message) != 0)
        {
            return WireError.BadChecksum;
        }

        view = new IcmpEcho(message);
        return WireError.None;
    }

    /// <summary>The ICMP type (<see cref="TypeEchoRequest"/>, <see cref="TypeEchoReply"/>, or
    /// another).</summary>
    public byte Type => Bytes[0];

    /// <summary>The ICMP code (0 for echo).</summary>
    public byte Code => Bytes[1];

    /// <summary>The echo identifier, host order.</summary>
    public ushort Identifier => NetworkOrder.ReadUInt16(Bytes, 4);

    /// <summary>The echo sequence number, host order.</summary>
    public ushort SequenceNumber => NetworkOrder.ReadUInt16(Bytes, 6);

    /// <summary>The bytes after the header (echoed back in a reply).</summary>
    public ReadOnlySpan<byte> Data => Bytes.Slice(HeaderLength);

    /// <summary>Writes an echo message with <paramref name="data"/> (which may already sit at
    /// offset 8 of the buffer) and its checksum; returns the message length.</summary>
    public static int Emit(Span<byte> buffer, byte type, ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> data)
    {
        buffer[0] = type;
        buffer[1] = 0;
        NetworkOrder.WriteUInt16(buffer, 2, 0);
        NetworkOrder.WriteUInt16(buffer, 4, identifier);
        NetworkOrder.WriteUInt16(buffer, 6, sequenceNumber);
        data.CopyTo(buffer.Slice(HeaderLength));
        int length = HeaderLength + data.Length;
        NetworkOrder.WriteUInt16(buffer, 2, InternetChecksum.Compute(buffer.Slice(0, length)));
        return length;
    }
}
