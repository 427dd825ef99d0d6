using System;

namespace Aurora.Net;

/// <summary>
/// The 16-bit one's complement sum of RFC 1071, as used by IPv4, ICMP, UDP and TCP. Sums are
/// carried in a uint and folded at the end; only the last span added may have odd length.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="bytes"/> as big-endian 16-bit words to <paramref name="sum"/>
    /// (an odd last byte as the high half of a word) and returns the unfolded sum; finish it with
    /// <see cref="Finish"/>.</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        int even = bytes.Length & ~1;
        for (; i < even; i += 2)
        {
            sum += (uint)((bytes[i] << 8) | bytes[i + 1]);
            // Fold early so a long buffer cannot overflow the accumulator.
            if ((sum & 0x8000_0000u) != 0)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
        }

        if (i < bytes.Length)
        {
            sum += (uint)(bytes[i] << 8);
        }

        return sum;
    }

    /// <summary>The pseudo header of RFC 768 and RFC 9293 §3.1: source, destination, zero,
    /// protocol, and the transport length.</summary>
    public static uint PseudoHeader(Ipv4Address source, Ipv4Address destination, byte protocol, int length) =>
        (source.Value >> 16) + (source.Value & 0xFFFF) + (destination.Value >> 16) + (destination.Value & 0xFFFF) +
        protocol + (uint)length;

    /// <summary>The one's complement of the folded sum: the value to put in a checksum field.</summary>
    public static ushort Finish(uint sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>Checksum of one buffer; a buffer whose checksum field is correct gives 0.</summary>
    public static ushort Compute(ReadOnlySpan<byte> bytes) => Finish(Add(0, bytes));
}
