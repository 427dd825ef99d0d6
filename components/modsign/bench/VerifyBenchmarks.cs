using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace Aurora.Modsign.Bench;

/// <summary>
/// One RSA-2048 PKCS#1 v1.5 SHA-256 verification of a 32-byte message: the component (host
/// path with MULX, and the portable multiply the freestanding kernel runs) against .NET's
/// RSA.VerifyData, which is OpenSSL on Linux.
/// </summary>
[MemoryDiagnoser]
public class VerifyBenchmarks
{
    private RSA _rsa = null!;
    private RsaPublicKey _key;
    private byte[] _message = null!;
    private byte[] _signature = null!;
    private byte[] _spki = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rsa = RSA.Create(2048);
        _message = new byte[32];
        new Random(1).NextBytes(_message);
        _signature = _rsa.SignData(_message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _spki = _rsa.ExportSubjectPublicKeyInfo();
        if (RsaPublicKey.ParseSubjectPublicKeyInfo(_spki, out _key) != KeyResult.Ok
            || Pkcs1Sha256.Verify(_key, _message, _signature) != VerifyResult.Valid)
        {
            throw new InvalidOperationException("setup signature does not verify");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _rsa.Dispose();

    [Benchmark(Baseline = true, Description = "OpenSSL via .NET RSA.VerifyData")]
    public bool OpenSsl() => _rsa.VerifyData(_message, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark(Description = "Aurora Pkcs1Sha256.Verify (host, MULX)")]
    public VerifyResult Aurora() => Pkcs1Sha256.Verify(_key, _message, _signature);

    [Benchmark(Description = "Aurora verify, portable multiply (kernel path)")]
    public VerifyResult AuroraPortable()
    {
        Sha256Digest digest = Sha256.Hash(_message);
        return Pkcs1Sha256.VerifyDigest<PortableMultiply>(_key, digest, _signature);
    }

    [Benchmark(Description = "Aurora key parse (SPKI + R^2 mod n + key id)")]
    public bool AuroraParseKey() => RsaPublicKey.ParseSubjectPublicKeyInfo(_spki, out _) == KeyResult.Ok;
}
