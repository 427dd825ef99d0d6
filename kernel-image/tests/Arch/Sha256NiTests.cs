using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Aurora.KernelImage.Tests.Qemu;
using Aurora.Modsign;
using Xunit;
using Xunit.Sdk;

namespace Aurora.KernelImage.Tests.Arch;

// Sha256.UseBlockFunction is process-wide: nothing else may hash while it is swapped.
[CollectionDefinition(nameof(Sha256NiTests), DisableParallelization = true)]
public sealed class Sha256NiCollection
{
}

/// <summary>
/// The kernel's SHA-extension compression (arch/x86_64/sha256_ni.S), assembled with gcc into a
/// shared library and run on this host's processor (QEMU 7.2's TCG has no SHA extensions, so
/// the booted kernel takes the portable path there): handed to Aurora.Modsign's Sha256 as its
/// block function, against FIPS 180-4's vectors, OpenSSL's digests (.NET's SHA256) and the
/// portable code on random messages of every length up to 4 KiB plus some of several MiB, and
/// streamed in random pieces. Randomized: replay with AURORA_SEED.
/// </summary>
[Collection(nameof(Sha256NiTests))]
public unsafe class Sha256NiTests
{
    private static readonly Lazy<IntPtr> s_routine = new(Assemble);

    private static IntPtr Assemble()
    {
        string source = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "arch", "x86_64", "sha256_ni.S");
        string library = Path.Combine(Path.GetTempPath(), $"aurora-sha256-ni-{Environment.ProcessId}.so");
        var info = new ProcessStartInfo("gcc", ["-shared", "-fPIC", "-Wa,--noexecstack", "-o", library, source])
        {
            RedirectStandardError = true,
        };
        using Process gcc = Process.Start(info)!;
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new XunitException($"gcc could not assemble {source}: {errors}");
        return NativeLibrary.GetExport(NativeLibrary.Load(library), "aurora_sha256_blocks_ni");
    }

    // CPUID.(EAX=7,ECX=0):EBX bit 29, as Sha256Acceleration.Offered checks in the kernel.
    private static bool HostHasShaExtensions => X86Base.IsSupported && (X86Base.CpuId(7, 0).Ebx & (1 << 29)) != 0;

    private static void WithRoutine(Action body)
    {
        if (!HostHasShaExtensions) throw new XunitException("this host's processor has no SHA extensions: the routine cannot run here");
        Sha256.UseBlockFunction((delegate* unmanaged<uint*, byte*, nuint, void>)s_routine.Value);
        try
        {
            body();
        }
        finally
        {
            Sha256.UseBlockFunction(null);
        }
    }

    private static string Hex(Sha256Digest digest)
    {
        byte[] bytes = new byte[Sha256.HashSize];
        Assert.True(digest.TryCopyTo(bytes));
        return Convert.ToHexStringLower(bytes);
    }

    private static byte[] Bytes(Sha256Digest digest)
    {
        byte[] bytes = new byte[Sha256.HashSize];
        digest.TryCopyTo(bytes);
        return bytes;
    }

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void MatchesNistVectors(string message, string expected) =>
        WithRoutine(() => Assert.Equal(expected, Hex(Sha256.Hash(System.Text.Encoding.ASCII.GetBytes(message)))));

    [Fact]
    public void MatchesNistMillionA() => WithRoutine(() =>
    {
        byte[] million = new byte[1_000_000];
        million.AsSpan().Fill((byte)'a');
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Hex(Sha256.Hash(million)));
    });

    [Fact]
    public void MatchesOpenSslAndThePortableCodeOnRandomMessages()
    {
        string? text = Environment.GetEnvironmentVariable("AURORA_SEED");
        int seed = text is not null && int.TryParse(text, out int parsed) ? parsed : Random.Shared.Next();
        var random = new Random(seed);
        var messages = new byte[4096 + 1 + 4][];
        for (int length = 0; length <= 4096; length++)
        {
            messages[length] = new byte[length];
            random.NextBytes(messages[length]);
        }

        for (int i = 0; i < 4; i++)
        {
            messages[4097 + i] = new byte[random.Next(1 << 20, 4 << 20)];
            random.NextBytes(messages[4097 + i]);
        }

        var portable = new byte[messages.Length][];
        for (int i = 0; i < messages.Length; i++) portable[i] = Bytes(Sha256.Hash(messages[i]));

        WithRoutine(() =>
        {
            for (int i = 0; i < messages.Length; i++)
            {
                byte[] message = messages[i];
                byte[] routine = Bytes(Sha256.Hash(message));
                Assert.True(routine.AsSpan().SequenceEqual(SHA256.HashData(message)), $"length {message.Length}: differs from OpenSSL, AURORA_SEED={seed}");
                Assert.True(routine.AsSpan().SequenceEqual(portable[i]), $"length {message.Length}: differs from the portable code, AURORA_SEED={seed}");
            }

            for (int round = 0; round < 100; round++)
            {
                byte[] message = messages[random.Next(0, 4097)];
                Sha256 hasher = Sha256.Create();
                int offset = 0;
                while (offset < message.Length)
                {
                    int piece = Math.Min(message.Length - offset, random.Next(0, 300));
                    hasher.Update(message.AsSpan(offset, piece));
                    offset += piece;
                }

                Assert.True(Bytes(hasher.Final()).AsSpan().SequenceEqual(SHA256.HashData(message)),
                    $"streamed, length {message.Length}: differs from OpenSSL, AURORA_SEED={seed}");
            }
        });
    }

    [Fact]
    public void ZeroBlocksLeavesTheStateAlone()
    {
        if (!HostHasShaExtensions) throw new XunitException("this host's processor has no SHA extensions: the routine cannot run here");
        var routine = (delegate* unmanaged<uint*, byte*, nuint, void>)s_routine.Value;
        uint* state = stackalloc uint[8] { 1, 2, 3, 4, 5, 6, 7, 8 };
        routine(state, null, 0);
        for (uint i = 0; i < 8; i++) Assert.Equal(i + 1, state[i]);
    }
}
