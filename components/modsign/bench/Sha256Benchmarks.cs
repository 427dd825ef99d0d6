using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace Aurora.Modsign.Bench;

/// <summary>
/// SHA-256 of 1 KiB and 1 MiB: the component against .NET's SHA256 (OpenSSL, SHA-NI where the
/// CPU has it), with the portable code and with the kernel's SHA-extension routine
/// (kernel-image/arch/x86_64/sha256_ni.S, assembled here with gcc) as its block function.
/// </summary>
[MemoryDiagnoser]
public unsafe class Sha256Benchmarks
{
    private byte[] _data = null!;
    private readonly byte[] _digest = new byte[32];
    private delegate* unmanaged<uint*, byte*, nuint, void> _routine;

    [Params(1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(2).NextBytes(_data);
        _routine = (delegate* unmanaged<uint*, byte*, nuint, void>)AssembleKernelRoutine();
    }

    [GlobalCleanup]
    public void Cleanup() => Sha256.UseBlockFunction(null);

    [Benchmark(Baseline = true, Description = "OpenSSL via .NET SHA256.HashData")]
    public int OpenSsl() => SHA256.HashData(_data, _digest);

    [Benchmark(Description = "Aurora Sha256.Hash, portable C#")]
    public byte Aurora()
    {
        Sha256.UseBlockFunction(null);
        return Sha256.Hash(_data)[0];
    }

    [Benchmark(Description = "Aurora Sha256.Hash, kernel's SHA-extension routine")]
    public byte AuroraShaExtensions()
    {
        Sha256.UseBlockFunction(_routine);
        return Sha256.Hash(_data)[0];
    }

    private static IntPtr AssembleKernelRoutine()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "aurora"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        string source = Path.Combine(root, "kernel-image", "arch", "x86_64", "sha256_ni.S");
        string library = Path.Combine(Path.GetTempPath(), $"aurora-sha256-ni-bench-{Environment.ProcessId}.so");
        using Process gcc = Process.Start("gcc", ["-shared", "-fPIC", "-Wa,--noexecstack", "-o", library, source])!;
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new InvalidOperationException($"gcc could not assemble {source}");
        return NativeLibrary.GetExport(NativeLibrary.Load(library), "aurora_sha256_blocks_ni");
    }
}
