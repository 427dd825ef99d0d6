using System;

namespace Aurora.Modsign;

/// <summary>A SHA-256 digest held by value (32 bytes, no allocation).</summary>
public unsafe struct Sha256Digest
{
    private fixed byte _bytes[Sha256.HashSize];

    /// <summary>Byte <paramref name="index"/> (0..31) of the digest, in output order; other indices wrap modulo 32 (a fixed buffer has no bounds check).</summary>
    public readonly byte this[int index] => _bytes[index & (Sha256.HashSize - 1)];

    /// <summary>A digest from exactly 32 bytes; false if <paramref name="source"/> has another length.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> source, out Sha256Digest digest)
    {
        digest = default;
        if (source.Length != Sha256.HashSize)
        {
            return false;
        }

        for (int i = 0; i < Sha256.HashSize; i++)
        {
            digest._bytes[i] = source[i];
        }

        return true;
    }

    /// <summary>True when <paramref name="other"/> is exactly these 32 bytes.</summary>
    public readonly bool Matches(ReadOnlySpan<byte> other)
    {
        if (other.Length != Sha256.HashSize)
        {
            return false;
        }

        int difference = 0;
        for (int i = 0; i < Sha256.HashSize; i++)
        {
            difference |= _bytes[i] ^ other[i];
        }

        return difference == 0;
    }

    /// <summary>True when both digests hold the same bytes.</summary>
    public readonly bool Matches(in Sha256Digest other)
    {
        int difference = 0;
        for (int i = 0; i < Sha256.HashSize; i++)
        {
            difference |= _bytes[i] ^ other._bytes[i];
        }

        return difference == 0;
    }

    /// <summary>Copies the 32 bytes into <paramref name="destination"/>; false if it is too short.</summary>
    public readonly bool TryCopyTo(Span<byte> destination)
    {
        if (destination.Length < Sha256.HashSize)
        {
            return false;
        }

        for (int i = 0; i < Sha256.HashSize; i++)
        {
            destination[i] = _bytes[i];
        }

        return true;
    }

    internal void SetByte(int index, byte value) => _bytes[index] = value;
}
