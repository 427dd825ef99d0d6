using System;
using System.Numerics;

namespace Aurora.Heap;

/// <summary>The debug-mode fill of free memory: 0xDEADBEEF repeated (little-endian bytes
/// EF BE AD DE), so a stale pointer reads an unmistakable value.</summary>
internal static unsafe class Poison
{
    internal const ulong Pattern = 0xDEADBEEF_DEADBEEFUL;

    private const int ChunkWords = 1 << 26;

    /// <summary>Fills [<paramref name="start"/>, +<paramref name="bytes"/>); both multiples of 8.</summary>
    internal static void Fill(byte* start, nuint bytes)
    {
        ulong* p = (ulong*)start;
        nuint words = bytes / 8;
        while (words != 0)
        {
            int chunk = words > ChunkWords ? ChunkWords : (int)words;
            new Span<ulong>(p, chunk).Fill(Pattern);
            p += chunk;
            words -= (nuint)chunk;
        }
    }

    /// <summary>Address of the first byte of [<paramref name="start"/>, +<paramref name="bytes"/>)
    /// that is not the fill, or null when all are.</summary>
    internal static byte* FindOverwrite(byte* start, nuint bytes)
    {
        ulong* p = (ulong*)start;
        nuint words = bytes / 8;
        for (nuint i = 0; i < words; i++)
        {
            ulong difference = p[i] ^ Pattern;
            if (difference != 0)
            {
                return (byte*)(p + i) + (BitOperations.TrailingZeroCount(difference) / 8);
            }
        }

        return null;
    }

    /// <summary>Zeroes [<paramref name="start"/>, +<paramref name="bytes"/>).</summary>
    internal static void Zero(byte* start, nuint bytes)
    {
        while (bytes != 0)
        {
            int chunk = bytes > int.MaxValue ? int.MaxValue : (int)bytes;
            new Span<byte>(start, chunk).Clear();
            start += chunk;
            bytes -= (nuint)chunk;
        }
    }
}
