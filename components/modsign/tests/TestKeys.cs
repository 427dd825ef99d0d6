using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace Aurora.Modsign.Tests;

/// <summary>RSA-2048 keys generated once per test run by .NET (OpenSSL underneath) and shared.</summary>
internal static class TestKeys
{
    public const int Count = 20;

    private static readonly Lazy<IReadOnlyList<RSA>> s_keys = new(() =>
    {
        List<RSA> keys = new();
        for (int i = 0; i < Count; i++)
        {
            keys.Add(RSA.Create(2048));
        }

        return keys;
    });

    public static IReadOnlyList<RSA> All => s_keys.Value;

    public static RSA First => All[0];

    public static RSA Second => All[1];

    /// <summary>The component's parse of <paramref name="rsa"/>'s SubjectPublicKeyInfo.</summary>
    public static RsaPublicKey Parse(RSA rsa)
    {
        KeyResult result = RsaPublicKey.ParseSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo(), out RsaPublicKey key);
        if (result != KeyResult.Ok)
        {
            throw new InvalidOperationException("test key did not parse: " + result);
        }

        return key;
    }

    public static byte[] Sign(RSA rsa, byte[] message) =>
        rsa.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public static byte[] KeyIdBytes(in RsaPublicKey key)
    {
        byte[] id = new byte[32];
        key.KeyId.TryCopyTo(id);
        return id;
    }

    public static byte[] Bytes(Sha256Digest digest)
    {
        byte[] bytes = new byte[32];
        digest.TryCopyTo(bytes);
        return bytes;
    }
}
