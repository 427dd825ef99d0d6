using System;

namespace Aurora.Net;

/// <summary>A 48-bit Ethernet address, held in the low 48 bits with the first octet highest.</summary>
public readonly struct MacAddress
{
    public readonly ulong Value;

    public MacAddress(ulong value) => Value = value & 0xFFFF_FFFF_FFFFUL;

    public MacAddress(byte a, byte b, byte c, byte d, byte e, byte f) =>
        Value = ((ulong)a << 40) | ((ulong)b << 32) | ((ulong)c << 24) | ((ulong)d << 16) | ((ulong)e << 8) | f;

    public static MacAddress Broadcast => new MacAddress(0xFFFF_FFFF_FFFFUL);

    public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>The I/G bit (IEEE 802.3 §3.2.3): set for group (multicast and broadcast) addresses.</summary>
    public bool IsMulticast => (Value & 0x0100_0000_0000UL) != 0;

    public static MacAddress Read(ReadOnlySpan<byte> bytes, int offset) =>
        new MacAddress(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3], bytes[offset + 4], bytes[offset + 5]);

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
    public readonly uint Value;

    public Ipv4Address(uint value) => Value = value;

    public Ipv4Address(byte a, byte b, byte c, byte d) => Value = ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    public static Ipv4Address Any => default;

    public static Ipv4Address Broadcast => new Ipv4Address(0xFFFF_FFFFu);

    public bool IsUnspecified => Value == 0;

    public bool IsBroadcast => Value == 0xFFFF_FFFFu;

    /// <summary>224.0.0.0/4 (RFC 5771).</summary>
    public bool IsMulticast => (Value & 0xF000_0000u) == 0xE000_0000u;

    public static Ipv4Address Read(ReadOnlySpan<byte> bytes, int offset) => new Ipv4Address(NetworkOrder.ReadUInt32(bytes, offset));

    public void Write(Span<byte> bytes, int offset) => NetworkOrder.WriteUInt32(bytes, offset, Value);

}
