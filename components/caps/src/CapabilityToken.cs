using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Aurora.Caps;

/// <summary>
/// A 256-bit token: the name of a queue or segment and, held by a process, its authority over
/// it. 32 bytes in memory order (the bytes a process passes by pointer), no padding.
/// Deliberately no <c>==</c> and no <c>Equals</c> override: the only comparison is
/// <see cref="FixedTimeEquals"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
public struct CapabilityToken
{
    /// <summary>Bytes 0-7 of the token, as a little-endian word.</summary>
    public ulong Word0;
    /// <summary>Bytes 8-15 of the token.</summary>
    public ulong Word1;
    /// <summary>Bytes 16-23 of the token.</summary>
    public ulong Word2;
    /// <summary>Bytes 24-31 of the token.</summary>
    public ulong Word3;

    /// <summary>The token in <paramref name="bytes"/> (at least 32; the first 32 are used).
    /// InvalidArgument when shorter.</summary>
    public static CapsError FromBytes(ReadOnlySpan<byte> bytes, out CapabilityToken token)
    {
        token = default;
        if (bytes.Length < CapsLimits.TokenSize)
        {
            return CapsError.InvalidArgument;
        }

        token.Word0 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in bytes[0]));
        token.Word1 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in bytes[8]));
        token.Word2 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in bytes[16]));
        token.Word3 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in bytes[24]));
        return CapsError.None;
    }

    /// <summary>Writes the 32 bytes to <paramref name="destination"/> (InvalidArgument when shorter).</summary>
    public readonly CapsError CopyTo(Span<byte> destination)
    {
        if (destination.Length < CapsLimits.TokenSize)
        {
            return CapsError.InvalidArgument;
        }

        Unsafe.WriteUnaligned(ref destination[0], Word0);
        Unsafe.WriteUnaligned(ref destination[8], Word1);
        Unsafe.WriteUnaligned(ref destination[16], Word2);
        Unsafe.WriteUnaligned(ref destination[24], Word3);
        return CapsError.None;
    }

    /// <summary>All 32 bytes are zero: the value of no live token (minted tokens are never all
    /// zero).</summary>
    public readonly bool IsZero => (Word0 | Word1 | Word2 | Word3) == 0;

    /// <summary>
    /// Equality whose running time does not depend on where (or whether) the tokens differ: all
    /// four words are XORed and ORed together and compared once, with no branch on the data
    /// (the tests check the IL has none), so timing cannot reveal how many leading bytes of a
    /// guess were right. Not inlined, so the JIT cannot specialise it at a call site.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool FixedTimeEquals(in CapabilityToken a, in CapabilityToken b)
    {
        ulong difference = (a.Word0 ^ b.Word0) | (a.Word1 ^ b.Word1) | (a.Word2 ^ b.Word2) | (a.Word3 ^ b.Word3);
        return difference == 0;
    }

    /// <summary>1 when equal, 0 otherwise, without a branch: for selecting among many
    /// candidates without stopping at the match.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong FixedTimeMatch(in CapabilityToken a, in CapabilityToken b)
    {
        ulong difference = (a.Word0 ^ b.Word0) | (a.Word1 ^ b.Word1) | (a.Word2 ^ b.Word2) | (a.Word3 ^ b.Word3);
        // (d | -d) has the top bit set exactly when d != 0.
        return ((difference | (0UL - difference)) >> 63) ^ 1;
    }
}
