using System;

namespace Aurora.Net;

/// <summary>
/// The 16-bit one's complement sum of RFC 1071, as used by IPv4, ICMP, UDP and TCP. Sums are
/// carried in a uint and folded at the end; only the last span added may have odd length.
/// </summary>
public static unsafe class InternetChecksum
{
    /// <summary>Adds <paramref name="bytes"/> as big-endian 16-bit words to <paramref name="sum"/>
    /// (an odd last byte as the high half of a word) and returns the unfolded sum; finish it with
    /// <see cref="Finish"/>.</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> bytes)
    {
        // Summed eight bytes at a time in the machine's (little-endian) order with the carries
        // folded back in: the one's complement sum does not depend on byte order except for a
        // swap at the end (RFC 1071 §2(B)), and a word at a time costs a quarter of the
        // instructions of two bytes at a time, on every segment in and out (under an emulator
        // that is a good part of a frame's cost).
        if (bytes.IsEmpty) return sum;
        ulong acc = 0;
        int n = bytes.Length;
        // Pinned through its first element (the contract's corlib has no span pinning).
        fixed (byte* start = &System.Runtime.CompilerServices.Unsafe.AsRef(in bytes[0]))
        {
            byte* p = start;
            while (n >= 32)
            {
                ulong a = *(ulong*)p, b = *(ulong*)(p + 8), c = *(ulong*)(p + 16), d = *(ulong*)(p + 24);
                acc += a;
                if (acc < a) acc++;
                acc += b;
                if (acc < b) acc++;
                acc += c;
                if (acc < c) acc++;
                acc += d;
                if (acc < d) acc++;
                p += 32;
                n -= 32;
            }

            while (n >= 8)
            {
                ulong a = *(ulong*)p;
                acc += a;
                if (acc < a) acc++;
                p += 8;
                n -= 8;
            }

            ulong tail = 0;
            if (n >= 4)
            {
                tail = *(uint*)p;
                p += 4;
                n -= 4;
            }

            if (n >= 2)
            {
                tail += (ulong)*(ushort*)p << 32;
                p += 2;
                n -= 2;
            }

            if (n == 1)
            {
                // Only the last span added may be odd: its last byte is the high half of a word
                // padded with zero (the low half in little-endian order).
                tail += (ulong)*p << 48;
            }

            acc += tail;
            if (acc < tail) acc++;
        }

        // 64 bits down to 16 with the end-around carry, then back to network order.
        acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
        acc = (acc & 0xFFFF_FFFF) + (acc >> 32);
        uint folded = (uint)((acc & 0xFFFF) + (acc >> 16));
        folded = (folded & 0xFFFF) + (folded >> 16);
        folded = (folded & 0xFFFF) + (folded >> 16);
        uint swapped = ((folded & 0xFF) << 8) | (folded >> 8);
        sum += swapped;
        // Fold early so many spans cannot overflow the caller's accumulator.
        if ((sum & 0x8000_0000u) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
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
