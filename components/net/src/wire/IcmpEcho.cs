using System;

namespace Aurora.Net;

/// <summary>
/// A view over an ICMPv4 message (RFC 792) with the echo fields: type, code, identifier,
/// sequence number and data. The checksum covers the whole message.
/// </summary>
public readonly ref struct IcmpEcho
{
    public const int HeaderLength = 8;
    public const byte TypeEchoReply = 0;
    public const byte TypeEchoRequest = 8;

    public readonly ReadOnlySpan<byte> Bytes;

    private IcmpEcho(ReadOnlySpan<byte> bytes) => Bytes = bytes;

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

    public byte Type => Bytes[0];

    public byte Code => Bytes[1];

    public ushort Identifier => NetworkOrder.ReadUInt16(Bytes, 4);

    public ushort SequenceNumber => NetworkOrder.ReadUInt16(Bytes, 6);

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
