using System;
using Aurora.Kernel.Modules;
using Aurora.Modsign;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>SEC-4 in the booted kernel: blobs signed on the host (TrustedKeys.g.cs, made by
/// ./aurora with the development key) checked by the kernel's own verifier and key ring.</summary>
internal static class ModuleSignatureTests
{
    internal static void SignedModuleVerifies()
    {
        VerifyResult result = ModuleTrust.Verify(TrustedKeys.SignedModule, out ReadOnlySpan<byte> payload);
        Check(result == VerifyResult.Valid, ResultText.Describe(result));
        Check(payload.Length == (int)TrustedKeys.TestPayloadLength, "payload length differs from the signed length");
    }

    internal static void FlippedBitIsRejected()
    {
        VerifyResult result = ModuleTrust.Verify(TrustedKeys.TamperedModule, out _);
        Check(result == VerifyResult.DigestMismatch, "a module with one flipped bit was not rejected as a digest mismatch");
    }

    internal static void TruncatedModuleIsRejected()
    {
        VerifyResult result = ModuleTrust.Verify(TrustedKeys.TruncatedModule, out _);
        Check(result != VerifyResult.Valid, "a truncated module verified");
        Check(result == VerifyResult.BadMagic, "a truncated module was not rejected for its missing block");
    }

    internal static void OtherKeyIsRejected()
    {
        VerifyResult result = ModuleTrust.Verify(TrustedKeys.ForeignKeyModule, out _);
        Check(result == VerifyResult.UnknownKey, "a module signed by an untrusted key was not rejected as unknown");
    }

    // NIST SHA2_Additional: SHA-256 of 1000 bytes of 0x41.
    private static ReadOnlySpan<byte> ThousandA => new byte[]
    {
        0xc2, 0xe6, 0x86, 0x82, 0x34, 0x89, 0xce, 0xd2, 0x01, 0x7f, 0x60, 0x59, 0xb8, 0xb2, 0x39, 0x31,
        0x8b, 0x63, 0x64, 0xf6, 0xdc, 0xd8, 0x35, 0xd0, 0xa5, 0x19, 0x10, 0x5a, 0x1e, 0xad, 0xd6, 0xe4,
    };

    /// <summary>The SHA-256 the boot selected (the architecture's instructions where the
    /// processor offers them: x86-64's SHA extensions, which QEMU 7.2's TCG lacks and later ones
    /// have, or arm64's SHA-2 instructions, which QEMU's cortex-a72 has; the portable code
    /// otherwise) gives FIPS 180-4's digests and the portable code's on every length 0..300 of
    /// messages from several seeds, and on some of many blocks. The architecture's test
    /// (ArchTests, Aarch64ModuleTests) says whether the processor offers its instructions.</summary>
    internal static unsafe void SelectedSha256MatchesPortable(bool offered, string instructions)
    {
        Log.Write(offered ? "  " : "  no ");
        Log.Write(instructions);
        Log.WriteLine(offered ? " offered: the assembly routine is in use" : ": portable code only");
        CheckEqual(offered ? 1 : 0, Sha256.HasBlockFunction ? 1 : 0, "block function installed (1) or not (0)");

        const int Longest = 4096 + 77;
        byte* message = (byte*)Memory.KernelMemory.Allocate(Longest);
        byte* padded = (byte*)Memory.KernelMemory.Allocate(Longest + 128);
        Check(message != null && padded != null, "no memory for the messages");
        if (message == null || padded == null) return;
        for (int i = 0; i < 1000; i++) message[i] = 0x41;
        Check(Sha256.Hash(new ReadOnlySpan<byte>(message, 1000)).Matches(ThousandA), "SHA-256 of 1000 x 0x41 differs from the NIST vector");

        int wrong = 0, compared = 0;
        uint* state = stackalloc uint[8];
        byte* portable = stackalloc byte[32];
        for (int s = 0; s < 4; s++)
        {
            ulong seed = s switch { 0 => 0x9E3779B97F4A7C15, 1 => 0xD1B54A32D192ED03, 2 => 0x8CB92BA72F3D8DD7, _ => 1 };
            ulong x = seed;
            for (int i = 0; i < Longest; i++)
            {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                message[i] = (byte)x;
            }

            for (int length = 0; length <= Longest; length = length < 300 ? length + 1 : length * 2 + 1)
            {
                if (length > Longest) break;
                var span = new ReadOnlySpan<byte>(message, length);
                Sha256Digest selected = Sha256.Hash(span);
                state[0] = 0x6a09e667; state[1] = 0xbb67ae85; state[2] = 0x3c6ef372; state[3] = 0xa54ff53a;
                state[4] = 0x510e527f; state[5] = 0x9b05688c; state[6] = 0x1f83d9ab; state[7] = 0x5be0cd19;
                int blocks = (length + 9 + 63) / 64;
                for (int i = 0; i < blocks * 64; i++) padded[i] = i < length ? message[i] : (byte)0;
                padded[length] = 0x80;
                ulong bits = (ulong)length * 8;
                for (int i = 0; i < 8; i++) padded[blocks * 64 - 1 - i] = (byte)(bits >> (8 * i));
                Sha256.CompressPortable(state, padded, (nuint)blocks);
                for (int i = 0; i < 32; i++) portable[i] = (byte)(state[i / 4] >> (24 - 8 * (i % 4)));
                compared++;
                if (!selected.Matches(new ReadOnlySpan<byte>(portable, 32)) && wrong++ < 3)
                {
                    Log.Write("  SHA-256 differs from the portable code: seed ");
                    Log.WriteHex(seed);
                    Log.Write(", length ");
                    Log.WriteDecimal(length);
                    Log.WriteLine();
                }
            }
        }

        Memory.KernelMemory.Free(message);
        Memory.KernelMemory.Free(padded);
        Log.Write("  ");
        Log.WriteDecimal(compared);
        Log.WriteLine(" messages hashed by both");
        CheckEqual(0, wrong, "messages (4 seeds, lengths 0..300, 601, 1203, 2407) whose digest differs between the selected and the portable code");
    }

    internal static void ForgedKeyIdIsRejected()
    {
        VerifyResult result = ModuleTrust.Verify(TrustedKeys.ForgedKeyIdModule, out _);
        Check(result != VerifyResult.Valid, "a module claiming the trusted key id with another key's signature verified");
    }
}
