using System;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace Aurora.Modsign.Tests;

public class Sha256Tests
{
    private static string Hex(Sha256Digest digest) => Convert.ToHexStringLower(TestKeys.Bytes(digest));

    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void MatchesNistVectors(string message, string expected)
    {
        Assert.Equal(expected, Hex(Sha256.Hash(Encoding.ASCII.GetBytes(message))));
    }

    [Fact]
    public void MatchesNistMillionA()
    {
        byte[] million = new byte[1_000_000];
        million.AsSpan().Fill((byte)'a');
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Hex(Sha256.Hash(million)));
    }

    [Theory]
    [InlineData(0x00, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData(0xbd, 1, "68325720aabd7c82f30f554b313d0570c95accbb7dc4b5aae11204c08ffe732b")]
    [InlineData(0x00, 55, "02779466cdec163811d078815c633f21901413081449002f24aa3e80f0b88ef7")]
    [InlineData(0x00, 56, "d4817aa5497628e7c77e6b606107042bbba3130888c5f47a375e6179be789fbb")]
    [InlineData(0x00, 57, "65a16cb7861335d5ace3c60718b5052e44660726da4cd13bb745381b235a1785")]
    [InlineData(0x00, 64, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b")]
    [InlineData(0x00, 1000, "541b3e9daa09b20bf85fa273e5cbd3e80185aa4ec298e765db87742b70138a53")]
    [InlineData(0x41, 1000, "c2e686823489ced2017f6059b8b239318b6364f6dcd835d0a519105a1eadd6e4")]
    [InlineData(0x55, 1005, "f4d62ddec0f3dd90ea1380fa16a5ff8dc4c54b21740650f24afc4120903552b0")]
    public void MatchesNistAdditionalVectors(byte fill, int length, string expected)
    {
        byte[] message = new byte[length];
        message.AsSpan().Fill(fill);
        Assert.Equal(expected, Hex(Sha256.Hash(message)));
    }

    [Fact]
    public void MatchesDotNetForEveryLengthUpTo300()
    {
        Seeded seeded = Seeded.Create();
        for (int length = 0; length <= 300; length++)
        {
            byte[] message = seeded.Bytes(length);
            Assert.True(TestKeys.Bytes(Sha256.Hash(message)).AsSpan().SequenceEqual(SHA256.HashData(message)),
                $"length {length}, {seeded.Replay}");
        }
    }

    // Every length over several blocks, the data starting at each offset in a word: the
    // compression reads its message words and round constants with unaligned loads.
    [Fact]
    public void MatchesDotNetForEveryLengthUpTo1100AtEveryAlignment()
    {
        Seeded seeded = Seeded.Create();
        byte[] buffer = seeded.Bytes(1100 + 8);
        for (int start = 0; start < 8; start++)
        {
            for (int length = 0; length <= 1100; length++)
            {
                ReadOnlySpan<byte> message = buffer.AsSpan(start, length);
                Assert.True(TestKeys.Bytes(Sha256.Hash(message)).AsSpan().SequenceEqual(SHA256.HashData(message)),
                    $"length {length} at offset {start}, {seeded.Replay}");
            }
        }
    }

    // The compression alone, from random chaining values (a hash only ever starts from H(0)),
    // against FIPS 180-4 §6.2.2 written out plainly: 64-word schedule, one loop of 64 rounds.
    [Fact]
    public unsafe void CompressionMatchesTheTextbookFormFromRandomStates()
    {
        Seeded seeded = Seeded.Create();
        uint* state = stackalloc uint[8];
        uint[] expected = new uint[8];
        for (int round = 0; round < 300; round++)
        {
            int blocks = seeded.Random.Next(1, 6);
            byte[] data = seeded.Bytes(blocks * 64);
            for (int i = 0; i < 8; i++)
            {
                expected[i] = state[i] = (uint)seeded.Random.NextInt64(0, 1L << 32);
            }

            for (int block = 0; block < blocks; block++)
            {
                TextbookCompress(expected, data.AsSpan(block * 64, 64));
            }

            fixed (byte* bytes = data)
            {
                Sha256.CompressPortable(state, bytes, (nuint)blocks);
            }

            for (int i = 0; i < 8; i++)
            {
                Assert.True(expected[i] == state[i], $"round {round}, {blocks} blocks: H{i} {state[i]:x8}, expected {expected[i]:x8}, {seeded.Replay}");
            }
        }
    }

    private static readonly uint[] K =
    {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    };

    private static uint Rotr(uint x, int n) => (x >> n) | (x << (32 - n));

    private static void TextbookCompress(uint[] h, ReadOnlySpan<byte> block)
    {
        uint[] w = new uint[64];
        for (int t = 0; t < 16; t++)
        {
            w[t] = (uint)(block[4 * t] << 24 | block[4 * t + 1] << 16 | block[4 * t + 2] << 8 | block[4 * t + 3]);
        }

        for (int t = 16; t < 64; t++)
        {
            uint s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = s1 + w[t - 7] + s0 + w[t - 16];
        }

        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++)
        {
            uint t1 = hh + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
            uint t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }

        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }

    [Fact]
    public void MatchesDotNetForRandomLargeMessages()
    {
        Seeded seeded = Seeded.Create();
        for (int i = 0; i < 8; i++)
        {
            byte[] message = seeded.Bytes(seeded.Random.Next(1000, 2_000_000));
            Assert.True(TestKeys.Bytes(Sha256.Hash(message)).AsSpan().SequenceEqual(SHA256.HashData(message)),
                $"length {message.Length}, {seeded.Replay}");
        }
    }

    [Fact]
    public void StreamingGivesTheOneShotDigestAtEverySplitPoint()
    {
        Seeded seeded = Seeded.Create();
        byte[] message = seeded.Bytes(200);
        byte[] expected = SHA256.HashData(message);
        for (int split = 0; split <= message.Length; split++)
        {
            Sha256 hasher = Sha256.Create();
            hasher.Update(message.AsSpan(0, split));
            hasher.Update(message.AsSpan(split));
            Assert.True(TestKeys.Bytes(hasher.Final()).AsSpan().SequenceEqual(expected), $"split {split}, {seeded.Replay}");
        }
    }

    [Fact]
    public void StreamingInRandomPiecesMatchesDotNet()
    {
        Seeded seeded = Seeded.Create();
        for (int round = 0; round < 200; round++)
        {
            byte[] message = seeded.Bytes(seeded.Random.Next(0, 5000));
            Sha256 hasher = Sha256.Create();
            int offset = 0;
            while (offset < message.Length)
            {
                int piece = Math.Min(message.Length - offset, seeded.Random.Next(0, 150));
                hasher.Update(message.AsSpan(offset, piece));
                offset += piece;
            }

            Assert.True(TestKeys.Bytes(hasher.Final()).AsSpan().SequenceEqual(SHA256.HashData(message)),
                $"round {round}, length {message.Length}, {seeded.Replay}");
        }
    }

    [Fact]
    public void DefaultHasherStartsItself()
    {
        Sha256 hasher = default;
        hasher.Update("abc"u8);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hex(hasher.Final()));

        Sha256 empty = default;
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex(empty.Final()));
    }

    [Fact]
    public void FinalResetsForTheNextMessage()
    {
        Sha256 hasher = Sha256.Create();
        hasher.Update("first message"u8);
        hasher.Final();
        hasher.Update("abc"u8);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hex(hasher.Final()));
    }

    [Fact]
    public void DigestComparesAndCopiesExactly()
    {
        Sha256Digest digest = Sha256.Hash("abc"u8);
        byte[] bytes = SHA256.HashData("abc"u8);
        Assert.True(digest.Matches(bytes));
        Assert.False(digest.Matches(bytes.AsSpan(0, 31)));
        bytes[31] ^= 1;
        Assert.False(digest.Matches(bytes));
        Assert.False(digest.TryCopyTo(new byte[31]));
        Assert.True(Sha256Digest.TryCreate(SHA256.HashData("abc"u8), out Sha256Digest copy));
        Assert.True(copy.Matches(digest));
        Assert.False(Sha256Digest.TryCreate(new byte[33], out _));
    }
}
