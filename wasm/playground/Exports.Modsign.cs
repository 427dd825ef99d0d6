using System;
using System.Runtime.InteropServices.JavaScript;
using Aurora.Modsign;

namespace Aurora.Wasm.Playground;

/// <summary>
/// The module-signature check of `./aurora verify --key KEY MODULE`, with the same component
/// and the same words: "OK", or "FAILED: why (Result)".
/// </summary>
public static partial class ModsignExports
{
    [JSExport]
    public static string Verify(byte[] module, byte[] publicKey)
    {
        KeyResult parsed = RsaPublicKey.Parse(publicKey, out RsaPublicKey key);
        if (parsed != KeyResult.Ok)
        {
            return $"error: the trusted key: {ResultText.Describe(parsed)}";
        }
        VerifyResult result = ModuleSignature.Verify(module, key, out ReadOnlySpan<byte> payload);
        return result == VerifyResult.Valid ? "OK" : $"FAILED: {ResultText.Describe(result)} ({result})";
    }

    /// <summary>The key id (SHA-256 of the SubjectPublicKeyInfo) in hex, as `aurora-modsign keyid` prints it.</summary>
    [JSExport]
    public static string KeyId(byte[] publicKey)
    {
        if (RsaPublicKey.Parse(publicKey, out RsaPublicKey key) != KeyResult.Ok) return "";
        Span<byte> id = stackalloc byte[Sha256.HashSize];
        key.KeyId.TryCopyTo(id);
        return Convert.ToHexStringLower(id);
    }
}
