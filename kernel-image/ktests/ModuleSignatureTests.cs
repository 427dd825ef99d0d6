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

    internal static void ForgedKeyIdIsRejected()
    {
        VerifyResult result = ModuleTrust.Verify(TrustedKeys.ForgedKeyIdModule, out _);
        Check(result != VerifyResult.Valid, "a module claiming the trusted key id with another key's signature verified");
    }
}
