using System;
using System.IO;
using System.Security.Cryptography;
using Xunit;

namespace Aurora.Modsign.Tests;

/// <summary>Keys and signatures made by the openssl command line verify with the component.</summary>
public sealed class OpenSslInteropTests : IDisposable
{
    private readonly OpenSsl.TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string GenerateKey(string name, int bits = 2048, int exponent = 65537)
    {
        OpenSsl.Run(_dir.Path, "genpkey", "-algorithm", "RSA", "-pkeyopt", $"rsa_keygen_bits:{bits}",
            "-pkeyopt", $"rsa_keygen_pubexp:{exponent}", "-out", name + ".key");
        OpenSsl.Run(_dir.Path, "rsa", "-in", name + ".key", "-pubout", "-out", name + ".pub");
        return name;
    }

    private RsaPublicKey LoadPublic(string name)
    {
        KeyResult result = RsaPublicKey.ParsePem(File.ReadAllBytes(_dir.File(name + ".pub")), out RsaPublicKey key);
        Assert.Equal(KeyResult.Ok, result);
        return key;
    }

    [Fact]
    public void OpenSslSignaturesVerify()
    {
        Seeded seeded = Seeded.Create();
        string name = GenerateKey("signer");
        RsaPublicKey key = LoadPublic(name);
        Assert.Equal(65537u, key.PublicExponent);

        int[] lengths = [0, 1, 55, 64, 1000, 1 << 20];
        foreach (int length in lengths)
        {
            byte[] message = seeded.Bytes(length);
            File.WriteAllBytes(_dir.File("message"), message);
            OpenSsl.Run(_dir.Path, "dgst", "-sha256", "-sign", name + ".key", "-out", "message.sig", "message");
            byte[] signature = File.ReadAllBytes(_dir.File("message.sig"));
            Assert.True(Pkcs1Sha256.Verify(key, message, signature) == VerifyResult.Valid, $"length {length}, {seeded.Replay}");

            if (length > 0)
            {
                message[seeded.Random.Next(length)] ^= 1;
                Assert.Equal(VerifyResult.DigestMismatch, Pkcs1Sha256.Verify(key, message, signature));
            }
        }
    }

    [Fact]
    public void KeyIdMatchesOpenSslDerAndPkcs1FormParses()
    {
        string name = GenerateKey("ids");
        RsaPublicKey key = LoadPublic(name);
        byte[] der = OpenSsl.Run(_dir.Path, "pkey", "-pubin", "-in", name + ".pub", "-outform", "DER");
        Assert.Equal(SHA256.HashData(der), TestKeys.KeyIdBytes(key));
        Assert.Equal(KeyResult.Ok, RsaPublicKey.ParseSubjectPublicKeyInfo(der, out _));

        OpenSsl.Run(_dir.Path, "rsa", "-in", name + ".key", "-RSAPublicKey_out", "-out", name + ".rsapub");
        byte[] pkcs1Pem = File.ReadAllBytes(_dir.File(name + ".rsapub"));
        Assert.StartsWith("-----BEGIN RSA PUBLIC KEY-----", System.Text.Encoding.ASCII.GetString(pkcs1Pem));
        Assert.Equal(KeyResult.Ok, RsaPublicKey.ParsePem(pkcs1Pem, out RsaPublicKey pkcs1));
        Assert.True(pkcs1.KeyId.Matches(key.KeyId));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void SmallExponentKeysVerify(int exponent)
    {
        string name = GenerateKey("e" + exponent, exponent: exponent);
        RsaPublicKey key = LoadPublic(name);
        Assert.Equal((uint)exponent, key.PublicExponent);

        byte[] message = "small exponent"u8.ToArray();
        File.WriteAllBytes(_dir.File("message"), message);
        OpenSsl.Run(_dir.Path, "dgst", "-sha256", "-sign", name + ".key", "-out", "message.sig", "message");
        byte[] signature = File.ReadAllBytes(_dir.File("message.sig"));
        Assert.Equal(VerifyResult.Valid, Pkcs1Sha256.Verify(key, message, signature));

        // Many more signatures by the same key, made by .NET.
        using RSA rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(_dir.File(name + ".key")));
        Seeded seeded = Seeded.Create();
        for (int i = 0; i < 20; i++)
        {
            byte[] m = seeded.Bytes(seeded.Random.Next(0, 500));
            Assert.True(Pkcs1Sha256.Verify(key, m, TestKeys.Sign(rsa, m)) == VerifyResult.Valid, seeded.Replay);
        }

        signature[100] ^= 0x40;
        Assert.Equal(VerifyResult.BadPadding, Pkcs1Sha256.Verify(key, message, signature));
    }

    [Fact]
    public void OtherOpenSslKeysAreRejected()
    {
        GenerateKey("e5", exponent: 5);
        Assert.Equal(KeyResult.UnsupportedExponent, RsaPublicKey.ParsePem(File.ReadAllBytes(_dir.File("e5.pub")), out _));
        GenerateKey("small", bits: 1024);
        Assert.Equal(KeyResult.ModulusNot2048Bits, RsaPublicKey.ParsePem(File.ReadAllBytes(_dir.File("small.pub")), out _));

        // A private key file is not a public key.
        Assert.Equal(KeyResult.PemMissingBegin, RsaPublicKey.ParsePem(File.ReadAllBytes(_dir.File("small.key")), out _));
    }
}
