using System;
using System.Numerics;
using System.Security.Cryptography;
using Xunit;

namespace Aurora.Modsign.Tests;

public class KeyParsingTests
{
    private static BigInteger ModulusOf(RSA rsa) => new(rsa.ExportParameters(false).Modulus, isUnsigned: true, isBigEndian: true);

    private static KeyResult ParseSpki(byte[] der) => RsaPublicKey.ParseSubjectPublicKeyInfo(der, out _);

    [Fact]
    public void ParsesDotNetSubjectPublicKeyInfo()
    {
        RSA rsa = TestKeys.First;
        byte[] spki = rsa.ExportSubjectPublicKeyInfo();
        Assert.Equal(KeyResult.Ok, RsaPublicKey.ParseSubjectPublicKeyInfo(spki, out RsaPublicKey key));
        Assert.True(key.IsValid);
        Assert.Equal(65537u, key.PublicExponent);

        byte[] modulus = new byte[256];
        Assert.True(key.TryWriteModulus(modulus));
        Assert.Equal(rsa.ExportParameters(false).Modulus, modulus);
    }

    [Fact]
    public void KeyIdIsSha256OfTheSubjectPublicKeyInfo()
    {
        foreach (RSA rsa in TestKeys.All)
        {
            byte[] spki = rsa.ExportSubjectPublicKeyInfo();
            RsaPublicKey key = TestKeys.Parse(rsa);
            Assert.Equal(SHA256.HashData(spki), TestKeys.KeyIdBytes(key));

            byte[] written = new byte[RsaPublicKey.MaxSubjectPublicKeyInfoBytes];
            Assert.True(key.TryWriteSubjectPublicKeyInfo(written, out int length));
            Assert.Equal(spki, written.AsSpan(0, length).ToArray());
            Assert.False(key.TryWriteSubjectPublicKeyInfo(new byte[length - 1], out _));
        }
    }

    [Fact]
    public void ParsesPkcs1RsaPublicKeyWithTheSameId()
    {
        RSA rsa = TestKeys.First;
        Assert.Equal(KeyResult.Ok, RsaPublicKey.ParseRsaPublicKey(rsa.ExportRSAPublicKey(), out RsaPublicKey pkcs1));
        Assert.True(pkcs1.KeyId.Matches(TestKeys.Parse(rsa).KeyId));
    }

    [Fact]
    public void ParsesPemInBothLabelsAndLineEndings()
    {
        RSA rsa = TestKeys.First;
        Sha256Digest id = TestKeys.Parse(rsa).KeyId;
        foreach (string pem in new[] { rsa.ExportSubjectPublicKeyInfoPem(), rsa.ExportRSAPublicKeyPem() })
        {
            foreach (string text in new[] { pem, pem + "\n", pem.Replace("\n", "\r\n") + "\r\n", "\n  " + pem + "\n\n" })
            {
                Assert.Equal(KeyResult.Ok, RsaPublicKey.ParsePem(System.Text.Encoding.ASCII.GetBytes(text), out RsaPublicKey key));
                Assert.True(key.KeyId.Matches(id));
                Assert.Equal(KeyResult.Ok, RsaPublicKey.Parse(System.Text.Encoding.ASCII.GetBytes(text), out _));
            }
        }

        Assert.Equal(KeyResult.Ok, RsaPublicKey.Parse(rsa.ExportSubjectPublicKeyInfo(), out _));
    }

    [Fact]
    public void AcceptsExponents3And17And65537()
    {
        BigInteger n = ModulusOf(TestKeys.First);
        foreach (int e in new[] { 3, 17, 65537 })
        {
            byte[] der = Der.Spki(n, e);
            Assert.Equal(KeyResult.Ok, RsaPublicKey.ParseSubjectPublicKeyInfo(der, out RsaPublicKey key));
            Assert.Equal((uint)e, key.PublicExponent);
            byte[] written = new byte[RsaPublicKey.MaxSubjectPublicKeyInfoBytes];
            Assert.True(key.TryWriteSubjectPublicKeyInfo(written, out int length));
            Assert.Equal(der, written.AsSpan(0, length).ToArray());
            Assert.Equal(SHA256.HashData(der), TestKeys.KeyIdBytes(key));
        }
    }

    [Theory]
    [InlineData(2, KeyResult.EvenExponent)]
    [InlineData(4, KeyResult.EvenExponent)]
    [InlineData(65536, KeyResult.EvenExponent)]
    [InlineData(1, KeyResult.UnsupportedExponent)]
    [InlineData(5, KeyResult.UnsupportedExponent)]
    [InlineData(7, KeyResult.UnsupportedExponent)]
    [InlineData(257, KeyResult.UnsupportedExponent)]
    [InlineData(65539, KeyResult.UnsupportedExponent)]
    [InlineData(4294967297, KeyResult.UnsupportedExponent)]
    public void RejectsOtherExponents(long e, KeyResult expected)
    {
        Assert.Equal(expected, ParseSpki(Der.Spki(ModulusOf(TestKeys.First), e)));
    }

    [Fact]
    public void RejectsHugeAndZeroExponents()
    {
        BigInteger n = ModulusOf(TestKeys.First);
        Assert.Equal(KeyResult.UnsupportedExponent, ParseSpki(Der.Spki(n, (BigInteger.One << 100) + 1)));
        Assert.Equal(KeyResult.EvenExponent, ParseSpki(Der.Spki(n, BigInteger.One << 100)));
        Assert.Equal(KeyResult.EvenExponent, ParseSpki(Der.Spki(n, 0)));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(3072)]
    public void RejectsOtherKeySizes(int bits)
    {
        using RSA rsa = RSA.Create(bits);
        Assert.Equal(KeyResult.ModulusNot2048Bits, ParseSpki(rsa.ExportSubjectPublicKeyInfo()));
        Assert.Equal(KeyResult.ModulusNot2048Bits, RsaPublicKey.ParseRsaPublicKey(rsa.ExportRSAPublicKey(), out _));
    }

    [Fact]
    public void RejectsModuliOneBitShortOrLong()
    {
        BigInteger n = ModulusOf(TestKeys.First);
        Assert.Equal(KeyResult.ModulusNot2048Bits, ParseSpki(Der.Spki(n >> 1 | 1, 65537)));
        Assert.Equal(KeyResult.ModulusNot2048Bits, ParseSpki(Der.Spki(n << 1 | 1, 65537)));
        Assert.Equal(KeyResult.ModulusNot2048Bits, ParseSpki(Der.Spki(3, 65537)));
        Assert.Equal(KeyResult.EvenModulus, ParseSpki(Der.Spki(n - 1, 65537)));
        Assert.Equal(KeyResult.Ok, ParseSpki(Der.Spki((BigInteger.One << 2048) - 1, 65537)));
    }

    [Fact]
    public void RejectsNegativeIntegers()
    {
        byte[] n = Der.IntegerContents(ModulusOf(TestKeys.First)); // 257 bytes: 00 || 256
        byte[] negative = n.AsSpan(1).ToArray();                   // top bit set: negative
        Assert.Equal(KeyResult.NegativeInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, negative), Der.Integer(65537)))));
        Assert.Equal(KeyResult.NegativeInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, n), Der.Tlv(0x02, [0xFF, 0x00, 0x01])))));
        Assert.Equal(KeyResult.NegativeInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, n), Der.Tlv(0x02, [0x83])))));
    }

    [Fact]
    public void RejectsNonMinimalIntegers()
    {
        byte[] n = Der.IntegerContents(ModulusOf(TestKeys.First));
        byte[] e = Der.Integer(65537);
        Assert.Equal(KeyResult.NonMinimalInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, [0x00, .. n]), e))));
        Assert.Equal(KeyResult.NonMinimalInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, n), Der.Tlv(0x02, [0x00, 0x01, 0x00, 0x01])))));
        Assert.Equal(KeyResult.NonMinimalInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, n), Der.Tlv(0x02, [0x00, 0x03])))));
        Assert.Equal(KeyResult.NonMinimalInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, n), Der.Tlv(0x02, [0xFF, 0xFF])))));
        Assert.Equal(KeyResult.NonMinimalInteger, ParseSpki(Der.Spki(Der.RsaPublicKey(Der.Tlv(0x02, n), Der.Tlv(0x02)))));
    }

    [Fact]
    public void RejectsNonMinimalIndefiniteAndOversizedLengths()
    {
        byte[] good = TestKeys.First.ExportSubjectPublicKeyInfo();
        Assert.Equal(new byte[] { 0x30, 0x82, 0x01, 0x22, 0x30, 0x0d }, good.AsSpan(0, 6).ToArray());

        // Outer length in three bytes instead of two.
        Assert.Equal(KeyResult.BadLength, ParseSpki([0x30, 0x83, 0x00, 0x01, 0x22, .. good.AsSpan(4)]));

        // AlgorithmIdentifier length 0x0d in the long form.
        byte[] longForm = [0x30, 0x82, 0x01, 0x23, 0x30, 0x81, 0x0d, .. good.AsSpan(6)];
        Assert.Equal(KeyResult.BadLength, ParseSpki(longForm));

        // A 0x82 length whose value fits one byte.
        byte[] wideForm = [0x30, 0x82, 0x01, 0x23, 0x30, 0x82, 0x00, 0x0d, .. good.AsSpan(6)];
        wideForm[3] = 0x24;
        Assert.Equal(KeyResult.BadLength, ParseSpki(wideForm));

        // Indefinite length (BER).
        Assert.Equal(KeyResult.BadLength, ParseSpki([0x30, 0x80, .. good.AsSpan(4), 0x00, 0x00]));
    }

    [Fact]
    public void RejectsTrailingData()
    {
        RSA rsa = TestKeys.First;
        byte[] spki = rsa.ExportSubjectPublicKeyInfo();
        byte[] rsaKey = rsa.ExportRSAPublicKey();
        BigInteger n = ModulusOf(rsa);

        Assert.Equal(KeyResult.TrailingData, ParseSpki([.. spki, 0x00]));
        Assert.Equal(KeyResult.TrailingData, RsaPublicKey.ParseRsaPublicKey([.. rsaKey, 0x00], out _));
        Assert.Equal(KeyResult.TrailingData, ParseSpki(Der.Tlv(0x30, Der.Tlv(0x30, Der.RsaEncryptionOid, Der.Null), Der.Tlv(0x03, [0x00], rsaKey), Der.Null)));
        Assert.Equal(KeyResult.TrailingData, ParseSpki(Der.Spki(rsaKey, Der.Tlv(0x30, Der.RsaEncryptionOid, Der.Null, Der.Null))));
        Assert.Equal(KeyResult.TrailingData, ParseSpki(Der.Tlv(0x30, Der.Tlv(0x30, Der.RsaEncryptionOid, Der.Null), Der.Tlv(0x03, [0x00], rsaKey, [0x00]))));
        Assert.Equal(KeyResult.TrailingData, ParseSpki(Der.Spki(Der.Tlv(0x30, Der.Integer(n), Der.Integer(65537), Der.Integer(3)))));
    }

    [Fact]
    public void RejectsOtherAlgorithmsAndParameters()
    {
        byte[] rsaKey = TestKeys.First.ExportRSAPublicKey();
        byte[] pssOid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
        Assert.Equal(KeyResult.UnsupportedAlgorithm, ParseSpki(Der.Spki(rsaKey, Der.Tlv(0x30, pssOid, Der.Null))));
        Assert.Equal(KeyResult.BadAlgorithmParameters, ParseSpki(Der.Spki(rsaKey, Der.Tlv(0x30, Der.RsaEncryptionOid))));
        Assert.Equal(KeyResult.BadAlgorithmParameters, ParseSpki(Der.Spki(rsaKey, Der.Tlv(0x30, Der.RsaEncryptionOid, [0x04, 0x00]))));
        Assert.Equal(KeyResult.BadAlgorithmParameters, ParseSpki(Der.Spki(rsaKey, Der.Tlv(0x30, Der.RsaEncryptionOid, [0x05, 0x01, 0x00]))));

        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(KeyResult.UnsupportedAlgorithm, ParseSpki(ec.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public void RejectsBitStringsWithUnusedBitsOrNoContent()
    {
        byte[] rsaKey = TestKeys.First.ExportRSAPublicKey();
        byte[] algorithm = Der.Tlv(0x30, Der.RsaEncryptionOid, Der.Null);
        Assert.Equal(KeyResult.BadBitString, ParseSpki(Der.Tlv(0x30, algorithm, Der.Tlv(0x03, [0x01], rsaKey))));
        Assert.Equal(KeyResult.BadBitString, ParseSpki(Der.Tlv(0x30, algorithm, Der.Tlv(0x03))));
        Assert.Equal(KeyResult.UnexpectedTag, ParseSpki(Der.Tlv(0x30, algorithm, Der.Tlv(0x04, [0x00], rsaKey))));
    }

    [Fact]
    public void RejectsEveryTruncation()
    {
        RSA rsa = TestKeys.First;
        byte[] spki = rsa.ExportSubjectPublicKeyInfo();
        byte[] rsaKey = rsa.ExportRSAPublicKey();
        byte[] pem = System.Text.Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        for (int length = 0; length < spki.Length; length++)
        {
            Assert.NotEqual(KeyResult.Ok, ParseSpki(spki.AsSpan(0, length).ToArray()));
        }

        for (int length = 0; length < rsaKey.Length; length++)
        {
            Assert.NotEqual(KeyResult.Ok, RsaPublicKey.ParseRsaPublicKey(rsaKey.AsSpan(0, length), out _));
        }

        for (int length = 0; length < pem.Length - 1; length++)
        {
            Assert.NotEqual(KeyResult.Ok, RsaPublicKey.ParsePem(pem.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void RandomCorruptionIsRejectedOrReencodesToTheSameBytes()
    {
        // Strict DER has one encoding per value: whatever the parser accepts must be exactly the
        // canonical encoding of the key it returns.
        Seeded seeded = Seeded.Create();
        byte[] spki = TestKeys.First.ExportSubjectPublicKeyInfo();
        byte[] written = new byte[RsaPublicKey.MaxSubjectPublicKeyInfoBytes];
        int accepted = 0;
        for (int round = 0; round < 5000; round++)
        {
            byte[] mutated = Mutate(spki, seeded.Random);
            KeyResult result = RsaPublicKey.ParseSubjectPublicKeyInfo(mutated, out RsaPublicKey key);
            Assert.True(Enum.IsDefined(result), seeded.Replay);
            if (result == KeyResult.Ok)
            {
                accepted++;
                Assert.True(key.TryWriteSubjectPublicKeyInfo(written, out int length), seeded.Replay);
                Assert.True(written.AsSpan(0, length).SequenceEqual(mutated), $"round {round}, {seeded.Replay}");
            }
            else
            {
                Assert.False(key.IsValid, seeded.Replay);
            }
        }

        Assert.True(accepted < 5000, seeded.Replay);
    }

    internal static byte[] Mutate(byte[] input, Random random)
    {
        byte[] bytes = (byte[])input.Clone();
        switch (random.Next(5))
        {
            case 0:
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 1:
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 2:
                int insertAt = random.Next(bytes.Length + 1);
                return [.. bytes.AsSpan(0, insertAt), (byte)random.Next(256), .. bytes.AsSpan(insertAt)];
            case 3:
                int removeAt = random.Next(bytes.Length);
                return [.. bytes.AsSpan(0, removeAt), .. bytes.AsSpan(removeAt + 1)];
            default:
                // Corrupt one of the first bytes, where tags and lengths live.
                bytes[random.Next(Math.Min(bytes.Length, 32))] = (byte)random.Next(256);
                return bytes;
        }
    }

    [Fact]
    public void DefaultKeyIsInvalid()
    {
        RsaPublicKey key = default;
        Assert.False(key.IsValid);
        Assert.False(key.TryWriteModulus(new byte[256]));
        Assert.False(key.TryWriteSubjectPublicKeyInfo(new byte[400], out _));
    }

    [Fact]
    public void EveryResultHasADescription()
    {
        foreach (KeyResult result in Enum.GetValues<KeyResult>())
        {
            Assert.NotEqual("unknown key result", ResultText.Describe(result));
        }

        foreach (VerifyResult result in Enum.GetValues<VerifyResult>())
        {
            Assert.NotEqual("unknown verification result", ResultText.Describe(result));
        }

        Assert.Equal("unknown key result", ResultText.Describe((KeyResult)999));
        Assert.Equal("unknown verification result", ResultText.Describe((VerifyResult)999));
    }
}
