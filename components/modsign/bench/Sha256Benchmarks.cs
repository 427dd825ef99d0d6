using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace Aurora.Modsign.Bench;

/// <summary>SHA-256 of 1 KiB and 1 MiB: the component against .NET's SHA256 (OpenSSL, SHA-NI where the CPU has it).</summary>
[MemoryDiagnoser]
public class Sha256Benchmarks
{
    private byte[] _data = null!;
    private readonly byte[] _digest = new byte[32];

    [Params(1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(2).NextBytes(_data);
    }

    [Benchmark(Baseline = true, Description = "OpenSSL via .NET SHA256.HashData")]
    public int OpenSsl() => SHA256.HashData(_data, _digest);

    [Benchmark(Description = "Aurora Sha256.Hash")]
    public byte Aurora() => Sha256.Hash(_data)[0];
}
