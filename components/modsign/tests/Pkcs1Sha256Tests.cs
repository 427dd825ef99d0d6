using System;
using System.Linq;
using System.Numerics;
using System.Security.Cryptography;
using Xunit;

namespace Aurora.Modsign.Tests;

public class Pkcs1Sha256Tests
{
    private static readonly byte[] DigestInfoPrefix =
        [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

    /// <summary>Raw RSA with the private exponent: lets a test "sign" any encoded block it builds.</summary>
    private static byte[] RawSign(RSA rsa, byte[] encoded)
    {
        RSAParameters p = rsa.ExportParameters(true);
        BigInteger n = new(p.Modulus, isUnsigned: true, isBigEndian: true);
        BigInteger d = new(p.D, isUnsigned: true, isBigEndian: true);
        BigInteger m = new(encoded, isUnsigned: true, isBigEndian: true);
        return Fixed256(BigInteger.ModPow(m, d, n));
    }

    private static byte[] Fixed256(BigInteger value)
    {
        byte[] bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        byte[] result = new byte[256];
        bytes.CopyTo(result, 256 - bytes.Length);
        return result;
    }

    private static byte[] Encode(byte[] hash, int paddingLength = 202, byte[]? digestInfo = null, byte blockType = 0x01, byte[]? trailer = null)
    {
        byte[] body = [0x00, blockType, .. Enumerable.Repeat((byte)0xFF, paddingLength), 0x00, .. digestInfo ?? DigestInfoPrefix, .. hash, .. trailer ?? []];
        Assert.Equal(256, body.Length);
        return body;
    }

    [Fact]
    public void DotNetSignaturesVerifyAcrossKeysAndMessages()
    {
        Seeded seeded = Seeded.Create();
        foreach (RSA rsa in TestKeys.All)
        {
            RsaPublicKey key = TestKeys.Parse(rsa);
            for (int i = 0; i < 5; i++)
            {
                byte[] message = seeded.Bytes(seeded.Random.Next(0, 3000));
                byte[] signature = TestKeys.Sign(rsa, message);
                Assert.True(Pkcs1Sha256.Verify(key, message, signature) == VerifyResult.Valid, $"length {message.Length}, {seeded.Replay}");
            }
        }
    }

    [Fact]
    public void PortableMultiplyPathVerifiesLikeTheHostPath()
    {
        // The freestanding kernel always runs the portable multiply: prove it end to end here.
        Seeded seeded = Seeded.Create();
        for (int i = 0; i < 5; i++)
        {
            RSA rsa = TestKeys.All[i];
            RsaPublicKey key = TestKeys.Parse(rsa);
            byte[] message = seeded.Bytes(seeded.Random.Next(0, 500));
            byte[] signature = TestKeys.Sign(rsa, message);
            Sha256Digest digest = Sha256.Hash(message);
            Assert.True(Pkcs1Sha256.VerifyDigest<PortableMultiply>(key, digest, signature) == VerifyResult.Valid, seeded.Replay);
            signature[seeded.Random.Next(256)] ^= (byte)(1 << seeded.Random.Next(8));
            Assert.Equal(Pkcs1Sha256.VerifyDigest(key, digest, signature), Pkcs1Sha256.VerifyDigest<PortableMultiply>(key, digest, signature));
            Assert.NotEqual(VerifyResult.Valid, Pkcs1Sha256.VerifyDigest<PortableMultiply>(key, digest, signature));
        }
    }

    [Fact]
    public void VerifyDigestMatchesVerify()
    {
        byte[] message = "module"u8.ToArray();
        byte[] signature = TestKeys.Sign(TestKeys.First, message);
        RsaPublicKey key = TestKeys.Parse(TestKeys.First);
        Sha256Digest digest = Sha256.Hash(message);
        Assert.Equal(VerifyResult.Valid, Pkcs1Sha256.VerifyDigest(key, digest, signature));
        Assert.Equal(VerifyResult.DigestMismatch, Pkcs1Sha256.VerifyDigest(key, Sha256.Hash("other"u8), signature));
    }

    [Fact]
    public void WrongKeyIsRejected()
    {
        byte[] message = "module"u8.ToArray();
        byte[] signature = TestKeys.Sign(TestKeys.First, message);
        for (int i = 1; i < TestKeys.Count; i++)
        {
            Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(TestKeys.Parse(TestKeys.All[i]), message, signature) switch
            {
                VerifyResult.SignatureNotLessThanModulus => VerifyResult.BadPadding, // the other modulus may be smaller
                VerifyResult r => r,
            });
        }
    }

    [Fact]
    public void EveryBitFlipOfAShortMessageIsRejected()
    {
        byte[] message = "sixteen byte msg"u8.ToArray();
        RsaPublicKey key = TestKeys.Parse(TestKeys.First);
        byte[] signature = TestKeys.Sign(TestKeys.First, message);
        for (int bit = 0; bit < message.Length * 8; bit++)
        {
            message[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(VerifyResult.DigestMismatch, Pkcs1Sha256.Verify(key, message, signature));
            message[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.Equal(VerifyResult.Valid, Pkcs1Sha256.Verify(key, message, signature));
    }

    [Fact]
    public void RandomBitFlipsOfALongMessageAreRejected()
    {
        Seeded seeded = Seeded.Create();
        byte[] message = seeded.Bytes(64 * 1024);
        RsaPublicKey key = TestKeys.Parse(TestKeys.First);
        byte[] signature = TestKeys.Sign(TestKeys.First, message);
        for (int i = 0; i < 300; i++)
        {
            int bit = seeded.Random.Next(message.Length * 8);
            message[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.True(Pkcs1Sha256.Verify(key, message, signature) == VerifyResult.DigestMismatch, $"bit {bit}, {seeded.Replay}");
            message[bit / 8] ^= (byte)(1 << (bit % 8));
        }
    }

    [Fact]
    public void EveryBitFlipOfTheSignatureIsRejected()
    {
        byte[] message = "module"u8.ToArray();
        RsaPublicKey key = TestKeys.Parse(TestKeys.First);
        byte[] signature = TestKeys.Sign(TestKeys.First, message);
        for (int bit = 0; bit < signature.Length * 8; bit++)
        {
            signature[bit / 8] ^= (byte)(1 << (bit % 8));
            VerifyResult result = Pkcs1Sha256.Verify(key, message, signature);
            Assert.True(result is VerifyResult.BadPadding or VerifyResult.SignatureNotLessThanModulus, $"bit {bit}: {result}");
            signature[bit / 8] ^= (byte)(1 << (bit % 8));
        }
    }

    [Fact]
    public void SignaturesOfTheWrongLengthAreRejected()
    {
        byte[] message = "module"u8.ToArray();
        RsaPublicKey key = TestKeys.Parse(TestKeys.First);
        byte[] signature = TestKeys.Sign(TestKeys.First, message);
        Assert.Equal(VerifyResult.BadSignatureLength, Pkcs1Sha256.Verify(key, message, signature.AsSpan(0, 255)));
        Assert.Equal(VerifyResult.BadSignatureLength, Pkcs1Sha256.Verify(key, message, signature.AsSpan(1)));
        Assert.Equal(VerifyResult.BadSignatureLength, Pkcs1Sha256.Verify(key, message, [0x00, .. signature]));
        Assert.Equal(VerifyResult.BadSignatureLength, Pkcs1Sha256.Verify(key, message, [.. signature, .. signature]));
        Assert.Equal(VerifyResult.BadSignatureLength, Pkcs1Sha256.Verify(key, message, []));
    }

    [Fact]
    public void SignaturesNotBelowTheModulusAreRejected()
    {
        RSA rsa = TestKeys.First;
        RsaPublicKey key = TestKeys.Parse(rsa);
        BigInteger n = new(rsa.ExportParameters(false).Modulus, isUnsigned: true, isBigEndian: true);
        byte[] message = "module"u8.ToArray();

        // s and s + n are the same residue: accepting s + n would make signatures malleable.
        BigInteger s = new(TestKeys.Sign(rsa, message), isUnsigned: true, isBigEndian: true);
        if (s + n < BigInteger.One << 2048)
        {
            Assert.Equal(VerifyResult.SignatureNotLessThanModulus, Pkcs1Sha256.Verify(key, message, Fixed256(s + n)));
        }

        Assert.Equal(VerifyResult.SignatureNotLessThanModulus, Pkcs1Sha256.Verify(key, message, Fixed256(n)));
        Assert.Equal(VerifyResult.SignatureNotLessThanModulus, Pkcs1Sha256.Verify(key, message, Fixed256(n + 1)));
        Assert.Equal(VerifyResult.SignatureNotLessThanModulus, Pkcs1Sha256.Verify(key, message, Fixed256((BigInteger.One << 2048) - 1)));
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, Fixed256(n - 1)));
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, Fixed256(0)));
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, Fixed256(1)));
    }

    [Fact]
    public void OnlyTheExactEncodingIsAccepted()
    {
        RSA rsa = TestKeys.First;
        RsaPublicKey key = TestKeys.Parse(rsa);
        byte[] message = "module"u8.ToArray();
        byte[] hash = SHA256.HashData(message);
        byte[] garbage = new byte[8];
        garbage.AsSpan().Fill(0x5A);

        Assert.Equal(VerifyResult.Valid, Pkcs1Sha256.Verify(key, message, RawSign(rsa, Encode(hash))));

        // Block type 2 (encryption padding).
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, RawSign(rsa, Encode(hash, blockType: 0x02))));

        // Bleichenbacher 2006: short padding, garbage after the hash.
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, RawSign(rsa, Encode(hash, paddingLength: 194, trailer: garbage))));

        // DigestInfo with the NULL parameters left out (the padding grows by two bytes).
        byte[] noNull = [0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20];
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, RawSign(rsa, Encode(hash, paddingLength: 204, digestInfo: noNull))));

        // SHA-512/256 OID with the same hash bytes.
        byte[] otherOid = (byte[])DigestInfoPrefix.Clone();
        otherOid[14] = 0x06;
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, RawSign(rsa, Encode(hash, digestInfo: otherOid))));

        // One padding byte that is not 0xFF, at each position.
        for (int i = 2; i < 204; i += 13)
        {
            byte[] encoded = Encode(hash);
            encoded[i] = 0xFE;
            Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, RawSign(rsa, encoded)));
        }

        // Separator missing.
        byte[] noSeparator = Encode(hash);
        noSeparator[204] = 0xFF;
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, RawSign(rsa, noSeparator)));

        // Well-formed encoding of another digest.
        Assert.Equal(VerifyResult.DigestMismatch, Pkcs1Sha256.Verify(key, message, RawSign(rsa, Encode(SHA256.HashData("other"u8)))));
    }

    [Fact]
    public void DefaultKeyVerifiesNothing()
    {
        byte[] message = "module"u8.ToArray();
        Assert.Equal(VerifyResult.MalformedKey, Pkcs1Sha256.Verify(default, message, TestKeys.Sign(TestKeys.First, message)));
    }
}
