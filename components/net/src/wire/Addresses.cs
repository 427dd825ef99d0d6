using System;

namespace Aurora.Net;

/// <summary>A 48-bit Ethernet address, held in the low 48 bits with the first octet highest.</summary>
public readonly struct MacAddress
{
    /// <summary>The address in the low 48 bits, first octet highest (00:11:22:33:44:55 =
    /// 0x001122334455).</summary>
    public readonly ulong Value;

    /// <summary>The address in the low 48 bits of <paramref name="value"/>; the top 16 bits are
    /// ignored.</summary>
    public MacAddress(ulong value) => Value = value & 0xFFFF_FFFF_FFFFUL;

    /// <summary>The address a:b:c:d:e:f, in transmission order.</summary>
    public MacAddress(byte a, byte b, byte c, byte d, byte e, byte f) =>
        Value = ((ulong)a << 40) | ((ulong)b << 32) | ((ulong)c << 24) | ((ulong)d << 16) | ((ulong)e << 8) | f;

    /// <summary>ff:ff:ff:ff:ff:ff, every station on the link.</summary>
    public static MacAddress Broadcast => new MacAddress(0xFFFF_FFFF_FFFFUL);

    /// <summary>Whether this is ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>The I/G bit (IEEE 802.3 §3.2.3): set for group (multicast and broadcast) addresses.</summary>
    public bool IsMulticast => (Value & 0x0100_0000_0000UL) != 0;

    /// <summary>The six bytes at <paramref name="offset"/> in <paramref name="bytes"/>, in
    /// transmission order; the span must hold them.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> bytes, int offset) =>
        new MacAddress(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3], bytes[offset + 4], bytes[offset + 5]);

    /// <summary>Writes the six bytes at <paramref name="offset"/>, in transmission order; the span
    /// must have room.</summary>
    public void Write(Span<byte> bytes, int offset)
    {
        for (int i = 0; i < 6; i++)
        {
            bytes[offset + i] = (byte)(Value >> (40 - 8 * i));
        }
    }

}

/// <summary>An IPv4 address; <see cref="Value"/> has the first octet in the top byte (a.b.c.d = 0xaabbccdd).</summary>
public readonly struct Ipv4Address
{
    /// <summary>The address as a number, first octet in the top byte (host order: compare and mask
    /// freely).</summary>
    public readonly uint Value;

    /// <summary>The address whose octets are <paramref name="value"/>'s bytes, most significant
    /// first.</summary>
    public Ipv4Address(uint value) => Value = value;

    /// <summary>The address a.b.c.d.</summary>
    public Ipv4Address(byte a, byte b, byte c, byte d) => Value = ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    /// <summary>0.0.0.0 (INADDR_ANY): unspecified, or any local address when binding.</summary>
    public static Ipv4Address Any => default;

    /// <summary>255.255.255.255, the limited broadcast.</summary>
    public static Ipv4Address Broadcast => new Ipv4Address(0xFFFF_FFFFu);

    /// <summary>Whether this is 0.0.0.0.</summary>
    public bool IsUnspecified => Value == 0;

    /// <summary>Whether this is 255.255.255.255 (the limited broadcast; subnet broadcasts are not
    /// recognised here).</summary>
    public bool IsBroadcast => Value == 0xFFFF_FFFFu;

    /// <summary>224.0.0.0/4 (RFC 5771).</summary>
    public bool IsMulticast => (Value & 0xF000_0000u) == 0xE000_0000u;

    /// <summary>The four bytes at <paramref name="offset"/>, network order; the span must hold
    /// them.</summary>
    public static Ipv4Address Read(ReadOnlySpan<byte> bytes, int offset) => new Ipv4Address(NetworkOrder.ReadUInt32(bytes, offset));

    /// <summary>Writes the four bytes at <paramref name="offset"/> in network order; the span must
    /// have room.</summary>
    public void Write(Span<byte> bytes, int offset) => NetworkOrder.WriteUInt32(bytes, offset, Value);

}
