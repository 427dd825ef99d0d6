using System;
using System.Runtime.CompilerServices;

namespace Aurora.Net;

/// <summary>Big-endian ("network byte order", RFC 1700) field access at a byte offset.</summary>
public static class NetworkOrder
{
    /// <summary>The big-endian 16-bit value at <paramref name="offset"/>; the span must hold
    /// it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ReadUInt16(ReadOnlySpan<byte> bytes, int offset) =>
        (ushort)((bytes[offset] << 8) | bytes[offset + 1]);

    /// <summary>The big-endian 32-bit value at <paramref name="offset"/>; the span must hold
    /// it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ReadUInt32(ReadOnlySpan<byte> bytes, int offset) =>
        ((uint)bytes[offset] << 24) | ((uint)bytes[offset + 1] << 16) | ((uint)bytes[offset + 2] << 8) | bytes[offset + 3];

    /// <summary>Writes <paramref name="value"/> big-endian at <paramref name="offset"/>; the span
    /// must have room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt16(Span<byte> bytes, int offset, ushort value)
    {
        bytes[offset] = (byte)(value >> 8);
        bytes[offset + 1] = (byte)value;
    }

    /// <summary>Writes <paramref name="value"/> big-endian at <paramref name="offset"/>; the span
    /// must have room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt32(Span<byte> bytes, int offset, uint value)
    {
        bytes[offset] = (byte)(value >> 24);
        bytes[offset + 1] = (byte)(value >> 16);
        bytes[offset + 2] = (byte)(value >> 8);
        bytes[offset + 3] = (byte)value;
    }
}
