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
