using System;
using System.Text;
using Xunit;

namespace Aurora.Modsign.Tests;

public unsafe class PemTests
{
    private static KeyResult Parse(string text) => RsaPublicKey.ParsePem(Encoding.ASCII.GetBytes(text), out _);

    private static string GoodPem => TestKeys.First.ExportSubjectPublicKeyInfoPem() + "\n";

    private static KeyResult Decode(string text, out byte[] decoded, int capacity = 4096)
    {
        byte[] output = new byte[capacity];
        KeyResult result;
        int written;
        fixed (byte* p = output)
        {
            result = Base64.Decode(Encoding.ASCII.GetBytes(text), p, capacity, out written);
        }

        decoded = output.AsSpan(0, written).ToArray();
        return result;
    }

    [Fact]
    public void Base64MatchesDotNetForEveryLengthUpTo200()
    {
        Seeded seeded = Seeded.Create();
        for (int length = 1; length <= 200; length++)
        {
            byte[] data = seeded.Bytes(length);
            string text = Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks);
            Assert.True(Decode(text, out byte[] decoded) == KeyResult.Ok, $"length {length}, {seeded.Replay}");
            Assert.True(decoded.AsSpan().SequenceEqual(data), $"length {length}, {seeded.Replay}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("QQ")]          // padding missing
    [InlineData("QQ=")]         // padding incomplete
    [InlineData("QR==")]        // leftover bits not zero (non-canonical)
    [InlineData("QUI=")]        // fine: canonical; see below for the bad one
    [InlineData("QUJ=")]        // leftover bits not zero
    [InlineData("Q===")]        // three padding characters
    [InlineData("=QQQ")]        // padding first
    [InlineData("QQ==QUJD")]    // data after padding
    [InlineData("QQ=A")]        // data inside padding
    [InlineData("QUJD*")]       // outside the alphabet
    [InlineData("QUJD-")]
    [InlineData("QUJD_")]       // URL-safe alphabet is not PEM's
    public void Base64RejectsNonCanonicalInput(string text)
    {
        KeyResult result = Decode(text, out byte[] decoded);
        if (text == "QUI=")
        {
            Assert.Equal(KeyResult.Ok, result);
            Assert.Equal("AB"u8.ToArray(), decoded);
        }
        else
        {
            Assert.Equal(KeyResult.PemBadBase64, result);
        }
    }

    [Fact]
    public void Base64StopsAtCapacity()
    {
        Assert.Equal(KeyResult.PemTooLarge, Decode("QUJDREVG", out _, capacity: 5));
        Assert.Equal(KeyResult.Ok, Decode("QUJDREVG", out _, capacity: 6));
    }

    [Fact]
    public void RejectsWrongFraming()
    {
        string pem = GoodPem;
        Assert.Equal(KeyResult.Ok, Parse(pem));
        Assert.Equal(KeyResult.PemMissingBegin, Parse(""));
        Assert.Equal(KeyResult.PemMissingBegin, Parse("not a key\n" + pem));
        Assert.Equal(KeyResult.PemMissingBegin, Parse(pem.Replace("BEGIN PUBLIC KEY", "BEGIN CERTIFICATE")));
        Assert.Equal(KeyResult.PemMissingBegin, Parse(pem.Replace("-----BEGIN", "----BEGIN")));
        Assert.Equal(KeyResult.PemMissingEnd, Parse(pem.Replace("END PUBLIC KEY", "END RSA PUBLIC KEY")));
        Assert.Equal(KeyResult.PemMissingEnd, Parse(pem.Replace("-----END PUBLIC KEY-----", "")));
        Assert.Equal(KeyResult.PemMissingEnd, Parse(pem + "trailing text\n"));
        Assert.Equal(KeyResult.PemMissingEnd, Parse(pem + pem));
        // RFC 1421 / 7468 headers are not base64.
        string afterBegin = pem.Substring(pem.IndexOf('\n') + 1);
        Assert.Equal(KeyResult.PemBadBase64, Parse("-----BEGIN PUBLIC KEY-----\nComment: trusted\n" + afterBegin));
        Assert.NotEqual(KeyResult.Ok, Parse("-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n" + afterBegin));
    }

    [Fact]
    public void RejectsPemBodiesThatAreNotTheKey()
    {
        string body = Convert.ToBase64String(new byte[1000], Base64FormattingOptions.InsertLineBreaks);
        Assert.Equal(KeyResult.PemTooLarge, Parse("-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n"));
        Assert.Equal(KeyResult.PemBadBase64, Parse("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"));

        // A PKCS#1 body under the SubjectPublicKeyInfo label and the other way round.
        string pkcs1Body = Convert.ToBase64String(TestKeys.First.ExportRSAPublicKey(), Base64FormattingOptions.InsertLineBreaks);
        Assert.NotEqual(KeyResult.Ok, Parse("-----BEGIN PUBLIC KEY-----\n" + pkcs1Body + "\n-----END PUBLIC KEY-----\n"));
        string spkiBody = Convert.ToBase64String(TestKeys.First.ExportSubjectPublicKeyInfo(), Base64FormattingOptions.InsertLineBreaks);
        Assert.NotEqual(KeyResult.Ok, Parse("-----BEGIN RSA PUBLIC KEY-----\n" + spkiBody + "\n-----END RSA PUBLIC KEY-----\n"));
    }

    [Fact]
    public void NonCanonicalLastCharacterIsRejected()
    {
        // 294 bytes = 98 quads, no padding: make a 293-byte body (one '=') whose spare bits are set.
        string pem = GoodPem;
        Assert.Equal(KeyResult.Ok, Parse(pem));
        string body = Convert.ToBase64String(TestKeys.First.ExportSubjectPublicKeyInfo().AsSpan(0, 293));
        Assert.EndsWith("=", body);
        char last = body[^2];
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        string bad = body[..^2] + alphabet[alphabet.IndexOf(last) | 1] + "=";
        Assert.Equal(KeyResult.PemBadBase64, Parse("-----BEGIN PUBLIC KEY-----\n" + bad + "\n-----END PUBLIC KEY-----\n"));
    }

    [Fact]
    public void RandomCorruptionNeverCrashes()
    {
        Seeded seeded = Seeded.Create();
        byte[] pem = Encoding.ASCII.GetBytes(GoodPem);
        for (int round = 0; round < 3000; round++)
        {
            byte[] mutated = KeyParsingTests.Mutate(pem, seeded.Random);
            KeyResult result = RsaPublicKey.ParsePem(mutated, out RsaPublicKey key);
            Assert.True(Enum.IsDefined(result), seeded.Replay);
            Assert.Equal(result == KeyResult.Ok, key.IsValid);
        }
    }
}
