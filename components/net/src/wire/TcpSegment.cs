using System;

namespace Aurora.Net;

/// <summary>TCP control bits (RFC 9293 §3.1).</summary>
public static class TcpFlags
{
    /// <summary>FIN: the sender has no more data.</summary>
    public const byte Fin = 0x01;
    /// <summary>SYN: synchronize sequence numbers (opens a connection).</summary>
    public const byte Syn = 0x02;
    /// <summary>RST: reset the connection.</summary>
    public const byte Rst = 0x04;
    /// <summary>PSH: push the data to the application.</summary>
    public const byte Psh = 0x08;
    /// <summary>ACK: the acknowledgment number is valid.</summary>
    public const byte Ack = 0x10;
    /// <summary>URG: the urgent pointer is valid (this stack never sets it and ignores
    /// it).</summary>
    public const byte Urg = 0x20;
}

/// <summary>The fields of a TCP header to emit; <see cref="MaxSegmentSize"/> 0 means no option,
/// <see cref="WindowScale"/> is sent only with <see cref="OfferWindowScale"/> (SYNs, RFC 7323 §2.2).</summary>
public struct TcpHeader
{
    /// <summary>The sending port.</summary>
    public ushort SourcePort;
    /// <summary>The receiving port.</summary>
    public ushort DestinationPort;
    /// <summary>The sequence number of the first data byte (or of the SYN).</summary>
    public uint SequenceNumber;
    /// <summary>The next sequence number expected from the peer; sent with <see
    /// cref="TcpFlags.Ack"/>.</summary>
    public uint AcknowledgmentNumber;
    /// <summary><see cref="TcpFlags"/> bits.</summary>
    public byte Flags;
    /// <summary>The receive window, already scaled down by the connection's window scale.</summary>
    public ushort Window;
    /// <summary>The MSS option's value (kind 2); 0 sends no option.</summary>
    public ushort MaxSegmentSize;
    /// <summary>Whether to send the window scale option (kind 3, only on SYNs).</summary>
    public bool OfferWindowScale;
    /// <summary>The shift count of the window scale option, 0 to 14.</summary>
    public byte WindowScale;
    /// <summary>SACK-permitted (RFC 2018 §2), on a SYN.</summary>
    public bool SackPermitted;
    /// <summary>SACK blocks (RFC 2018 §3), 0 to 3, as [start, end) sequence numbers.</summary>
    public int SackBlocks;
    /// <summary>The SACK blocks' [start, end) sequence numbers; the first <see cref="SackBlocks"/>
    /// pairs are sent.</summary>
    public uint SackStart0, SackEnd0, SackStart1, SackEnd1, SackStart2, SackEnd2;

    /// <summary>Bytes the header takes with its options (a multiple of 4, at most 60).</summary>
    public readonly int Length => TcpSegment.HeaderLength + (MaxSegmentSize != 0 ? 4 : 0) + (OfferWindowScale ? 4 : 0) +
        (SackPermitted ? 4 : 0) + (SackBlocks > 0 ? 4 + (8 * Math.Min(SackBlocks, TcpSegment.MaxSackBlocks)) : 0);
}

/// <summary>
/// A view over a TCP segment (RFC 9293 §3.1): data offset within the segment, checksum over the
/// pseudo header, and options walked to find MSS (kind 2, RFC 9293 §3.7.1) and the window scale
/// (kind 3, RFC 7323 §2.2); other options are skipped by their length, an option running past the
/// header or a known option of the wrong length is <see cref="WireError.Malformed"/>.
/// </summary>
public readonly ref struct TcpSegment
{
    /// <summary>The header without options: 20 bytes.</summary>
    public const int HeaderLength = 20;

    /// <summary>The whole segment, header and data (the view does not copy it).</summary>
    public readonly ReadOnlySpan<byte> Bytes;
    /// <summary>The MSS option's value, 0 when the segment carries none.</summary>
    public readonly ushort MaxSegmentSize;
    /// <summary>The segment carries a window scale option (meaningful on a SYN only).</summary>
    public readonly bool HasWindowScale;
    /// <summary>Its shift count, clamped to 14 (RFC 7323 §2.3: larger values are logged and taken as 14).</summary>
    public readonly byte WindowScale;
    /// <summary>The segment carries SACK-permitted (kind 4, RFC 2018 §2).</summary>
    public readonly bool SackPermitted;
    /// <summary>SACK blocks carried (kind 5, RFC 2018 §3), read with <see cref="SackBlock"/>.</summary>
    public readonly int SackBlockCount;
    private readonly int _sackAt;

    private TcpSegment(ReadOnlySpan<byte> bytes, ushort mss, bool hasScale, byte scale, bool sackPermitted, int sackBlocks, int sackAt)
    {
        Bytes = bytes;
        MaxSegmentSize = mss;
        HasWindowScale = hasScale;
        WindowScale = scale;
        SackPermitted = sackPermitted;
        SackBlockCount = sackBlocks;
        _sackAt = sackAt;
    }

    /// <summary>The largest window shift RFC 7323 §2.3 allows.</summary>
    public const int MaxWindowScale = 14;

    /// <summary>SACK blocks this stack sends at most (three fit beside other options).</summary>
    public const int MaxSackBlocks = 3;

    /// <summary>SACK block <paramref name="i"/> as [start, end).</summary>
    public void SackBlock(int i, out uint start, out uint end)
    {
        start = NetworkOrder.ReadUInt32(Bytes, _sackAt + (8 * i));
        end = NetworkOrder.ReadUInt32(Bytes, _sackAt + (8 * i) + 4);
    }

    /// <summary>A view over <paramref name="segment"/> (the IP payload) whose checksum is checked
    /// over the pseudo header of <paramref name="source"/> and <paramref name="destination"/>: <see
    /// cref="WireError.Truncated"/>, <see cref="WireError.Malformed"/> (data offset, options) or
    /// <see cref="WireError.BadChecksum"/>.</summary>
    public static WireError TryParse(ReadOnlySpan<byte> segment, Ipv4Address source, Ipv4Address destination, out TcpSegment view)
    {
        view = default;
        if (segment.Length < HeaderLength)
        {
            return WireError.Truncated;
        }

        int dataOffset = (segment[12] >> 4) * 4;
        if (dataOffset < HeaderLength)
        {
            return WireError.Malformed;
        }

        if (dataOffset > segment.Length)
        {
            return WireError.Truncated;
        }

        if (InternetChecksum.Finish(InternetChecksum.Add(
                InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, segment.Length), segment)) != 0)
        {
            return WireError.BadChecksum;
        }

        ushort mss = 0;
        bool hasScale = false;
        byte scale = 0;
        bool sackPermitted = false;
        int sackBlocks = 0, sackAt = 0;
        int i = HeaderLength;
        while (i < dataOffset)
        {
            byte kind = segment[i];
            if (kind == 0)
            {
                break;
            }

            if (kind == 1)
            {
                i++;
                continue;
            }

            if (i + 1 >= dataOffset)
            {
                return WireError.Malformed;
            }

            int length = segment[i + 1];
            if (length < 2 || i + length > dataOffset)
            {
                return WireError.Malformed;
            }

            if (kind == 2)
            {
                if (length != 4)
                {
                    return WireError.Malformed;
                }

                mss = NetworkOrder.ReadUInt16(segment, i + 2);
            }
            else if (kind == 3)
            {
                if (length != 3)
                {
                    return WireError.Malformed;
                }

                hasScale = true;
                scale = (byte)Math.Min((int)segment[i + 2], MaxWindowScale);
            }
            else if (kind == 4)
            {
                if (length != 2)
                {
                    return WireError.Malformed;
                }

                sackPermitted = true;
            }
            else if (kind == 5)
            {
                if ((length - 2) % 8 != 0 || length < 10)
                {
                    return WireError.Malformed;
                }

                sackBlocks = (length - 2) / 8;
                sackAt = i + 2;
            }

            i += length;
        }

        view = new TcpSegment(segment, mss, hasScale, scale, sackPermitted, sackBlocks, sackAt);
        return WireError.None;
    }

    /// <summary>The source port, host order.</summary>
    public ushort SourcePort => NetworkOrder.ReadUInt16(Bytes, 0);

    /// <summary>The destination port, host order.</summary>
    public ushort DestinationPort => NetworkOrder.ReadUInt16(Bytes, 2);

    /// <summary>The sequence number.</summary>
    public uint SequenceNumber => NetworkOrder.ReadUInt32(Bytes, 4);

    /// <summary>The acknowledgment number (valid with <see cref="TcpFlags.Ack"/>).</summary>
    public uint AcknowledgmentNumber => NetworkOrder.ReadUInt32(Bytes, 8);

    /// <summary>Header length with options, in bytes (20 to 60).</summary>
    public int DataOffset => (Bytes[12] >> 4) * 4;

    /// <summary>The six control bits (<see cref="TcpFlags"/>).</summary>
    public byte Flags => (byte)(Bytes[13] & 0x3F);

    /// <summary>The window field as sent (not scaled).</summary>
    public ushort Window => NetworkOrder.ReadUInt16(Bytes, 14);

    /// <summary>The data after the header and options.</summary>
    public ReadOnlySpan<byte> Payload => Bytes.Slice(DataOffset);

    /// <summary>Whether control bit <paramref name="flag"/> (a <see cref="TcpFlags"/> value) is
    /// set.</summary>
    public bool Has(byte flag) => (Bytes[13] & flag) != 0;

    /// <summary>Sequence space the segment occupies: payload plus one each for SYN and FIN.</summary>
    public uint SequenceLength => (uint)(Bytes.Length - DataOffset) + (Has(TcpFlags.Syn) ? 1u : 0u) + (Has(TcpFlags.Fin) ? 1u : 0u);

    /// <summary>Writes <paramref name="header"/> in front of the <paramref name="payloadLength"/> bytes
    /// already at offset <c>header.Length</c>, with the checksum; returns the segment length.</summary>
    public static int Emit(Span<byte> buffer, Ipv4Address source, Ipv4Address destination, in TcpHeader header, int payloadLength)
    {
        int headerLength = header.Length;
        NetworkOrder.WriteUInt16(buffer, 0, header.SourcePort);
        NetworkOrder.WriteUInt16(buffer, 2, header.DestinationPort);
        NetworkOrder.WriteUInt32(buffer, 4, header.SequenceNumber);
        NetworkOrder.WriteUInt32(buffer, 8, header.AcknowledgmentNumber);
        buffer[12] = (byte)((headerLength / 4) << 4);
        buffer[13] = header.Flags;
        NetworkOrder.WriteUInt16(buffer, 14, header.Window);
        NetworkOrder.WriteUInt32(buffer, 16, 0);
        if (header.MaxSegmentSize != 0)
        {
            buffer[20] = 2;
            buffer[21] = 4;
            NetworkOrder.WriteUInt16(buffer, 22, header.MaxSegmentSize);
        }

        if (header.OfferWindowScale)
        {
            // NOP, then kind 3 length 3 (RFC 7323 §2.2): the option stays 4-byte aligned.
            int at = header.MaxSegmentSize != 0 ? 24 : 20;
            buffer[at] = 1;
            buffer[at + 1] = 3;
            buffer[at + 2] = 3;
            buffer[at + 3] = header.WindowScale;
        }

        int next = HeaderLength + (header.MaxSegmentSize != 0 ? 4 : 0) + (header.OfferWindowScale ? 4 : 0);
        if (header.SackPermitted)
        {
            buffer[next] = 1;
            buffer[next + 1] = 1;
            buffer[next + 2] = 4;
            buffer[next + 3] = 2;
            next += 4;
        }

        int blocks = Math.Min(header.SackBlocks, MaxSackBlocks);
        if (blocks > 0)
        {
            buffer[next] = 1;
            buffer[next + 1] = 1;
            buffer[next + 2] = 5;
            buffer[next + 3] = (byte)(2 + (8 * blocks));
            next += 4;
            for (int b = 0; b < blocks; b++)
            {
                uint start = b == 0 ? header.SackStart0 : b == 1 ? header.SackStart1 : header.SackStart2;
                uint end = b == 0 ? header.SackEnd0 : b == 1 ? header.SackEnd1 : header.SackEnd2;
                NetworkOrder.WriteUInt32(buffer, next, start);
                NetworkOrder.WriteUInt32(buffer, next + 4, end);
                next += 8;
            }
        }

        int length = headerLength + payloadLength;
        ushort checksum = InternetChecksum.Finish(InternetChecksum.Add(
            InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, length), buffer.Slice(0, length)));
        NetworkOrder.WriteUInt16(buffer, 16, checksum);
        return length;
    }
}
