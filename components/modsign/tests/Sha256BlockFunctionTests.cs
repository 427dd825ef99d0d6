using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading;
using Xunit;

namespace Aurora.Modsign.Tests;

// The block function is one process-wide setting: these tests run alone so no other test
// hashes while it is swapped.
[CollectionDefinition(nameof(Sha256BlockFunctionTests), DisableParallelization = true)]
public sealed class Sha256BlockFunctionCollection
{
}

/// <summary>
/// <see cref="Sha256.UseBlockFunction"/>: with a platform function handed in, every whole block
/// goes through it (and nothing else: padding and partial blocks stay the hasher's), the digests
/// stay right, and null goes back to the portable code. The real SHA-extension routine is
/// checked against the portable one by the kernel image's host tests (Sha256NiTests).
/// </summary>
[Collection(nameof(Sha256BlockFunctionTests))]
public unsafe class Sha256BlockFunctionTests
{
    private static long s_blocks;
    private static long s_calls;

    [UnmanagedCallersOnly]
    private static void CountingPortable(uint* state, byte* data, nuint blocks)
    {
        Interlocked.Add(ref s_blocks, (long)blocks);
        Interlocked.Increment(ref s_calls);
        Sha256.CompressPortable(state, data, blocks);
    }

    // Breaks every block it is given: a digest that still matches did not go through it.
    [UnmanagedCallersOnly]
    private static void Wrong(uint* state, byte* data, nuint blocks) => state[0] ^= (uint)blocks;

    [Fact]
    public void EveryWholeBlockGoesThroughTheBlockFunction()
    {
        Seeded seeded = Seeded.Create();
        Sha256.UseBlockFunction(&CountingPortable);
        try
        {
            Assert.True(Sha256.HasBlockFunction);
            for (int round = 0; round < 100; round++)
            {
                byte[] message = seeded.Bytes(seeded.Random.Next(0, 3000));
                s_blocks = 0;
                Sha256 hasher = Sha256.Create();
                int offset = 0;
                while (offset < message.Length)
                {
                    int piece = Math.Min(message.Length - offset, seeded.Random.Next(0, 200));
                    hasher.Update(message.AsSpan(offset, piece));
                    offset += piece;
                }

                Sha256Digest digest = hasher.Final();
                Assert.True(TestKeys.Bytes(digest).AsSpan().SequenceEqual(SHA256.HashData(message)),
                    $"round {round}, length {message.Length}, {seeded.Replay}");
                // FIPS 180-4 §5.1.1: the padded message is the data, 0x80, zeros and the 8-byte length.
                long padded = (message.Length + 9 + 63) / 64;
                Assert.True(padded == s_blocks, $"length {message.Length}: {s_blocks} blocks compressed, expected {padded}, {seeded.Replay}");
            }

            s_calls = 0;
            Sha256.Hash(new byte[64 * 10]);
            Assert.True(s_calls == 2, $"10 whole blocks and the padding block took {s_calls} calls, expected 2 (one run of 10, one of 1)");
        }
        finally
        {
            Sha256.UseBlockFunction(null);
        }
    }

    [Fact]
    public void NullGoesBackToThePortableCode()
    {
        Sha256.UseBlockFunction(&Wrong);
        try
        {
            Assert.NotEqual("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Convert.ToHexStringLower(TestKeys.Bytes(Sha256.Hash("abc"u8))));
        }
        finally
        {
            Sha256.UseBlockFunction(null);
        }

        Assert.False(Sha256.HasBlockFunction);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            Convert.ToHexStringLower(TestKeys.Bytes(Sha256.Hash("abc"u8))));
    }
}
