using System;
using System.IO;
using System.Security.Cryptography;

namespace Aurora.Modsign.Cli;

/// <summary>
/// Host-side signing. The private-key operation is .NET's RSA (OpenSSL underneath); the block
/// layout and the key id come from the Aurora.Modsign component, and every signature made here
/// is checked again with the component's verifier before it is written out.
/// </summary>
public static class ModuleSigner
{
    /// <summary>Loads an RSA private key from PEM text ("PRIVATE KEY" PKCS#8 or "RSA PRIVATE KEY" PKCS#1).</summary>
    public static RSA LoadPrivateKey(string pemText)
    {
        RSA rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pemText);
        }
        catch (ArgumentException e)
        {
            rsa.Dispose();
            throw new InvalidDataException("not an unencrypted RSA private key PEM (PRIVATE KEY or RSA PRIVATE KEY): " + e.Message, e);
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new InvalidDataException("unreadable RSA private key: " + e.Message, e);
        }

        if (rsa.KeySize != RsaPublicKey.ModulusBits)
        {
            int bits = rsa.KeySize;
            rsa.Dispose();
            throw new InvalidDataException($"the key is RSA-{bits}; module signing uses RSA-2048 only");
        }

        return rsa;
    }

    /// <summary>The component's view of <paramref name="rsa"/>'s public half (also validates exponent and size).</summary>
    public static RsaPublicKey PublicKeyOf(RSA rsa)
    {
        KeyResult result = RsaPublicKey.ParseSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo(), out RsaPublicKey key);
        if (result != KeyResult.Ok)
        {
            throw new InvalidDataException("the key's public half is not accepted by the verifier: " + ResultText.Describe(result));
        }

        return key;
    }

    /// <summary>Returns payload || signature block, signed by <paramref name="rsa"/>.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> payload, RSA rsa)
    {
        RsaPublicKey key = PublicKeyOf(rsa);
        return Sign(payload, rsa, key.KeyId);
    }

    /// <summary>
    /// Signs with <paramref name="rsa"/> but writes <paramref name="keyId"/> into the block. Only
    /// useful to build negative test blobs (a block naming a key that did not sign it).
    /// </summary>
    public static byte[] Sign(ReadOnlySpan<byte> payload, RSA rsa, Sha256Digest keyId)
    {
        byte[] signed = new byte[payload.Length + SignatureBlock.Size];
        payload.CopyTo(signed);
        Span<byte> block = signed.AsSpan(payload.Length);
        SignatureBlock.WriteUnsigned(block, (ulong)payload.Length, keyId);

        // The signed message is everything but the signature field: payload || block[256..320].
        byte[] message = new byte[payload.Length + SignatureBlock.SignedFieldsLength];
        payload.CopyTo(message);
        block.Slice(SignatureBlock.SignedFieldsOffset).CopyTo(message.AsSpan(payload.Length));
        byte[] signature = rsa.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        SignatureBlock.WriteSignature(block, signature);
        return signed;
    }

    /// <summary>Signs and then verifies the result with the component; throws if it does not verify.</summary>
    public static byte[] SignAndCheck(ReadOnlySpan<byte> payload, RSA rsa)
    {
        RsaPublicKey key = PublicKeyOf(rsa);
        byte[] signed = Sign(payload, rsa, key.KeyId);
        VerifyResult check = ModuleSignature.Verify(signed, key, out _);
        if (check != VerifyResult.Valid)
        {
            throw new InvalidOperationException("freshly signed module does not verify: " + ResultText.Describe(check));
        }

        return signed;
    }

    /// <summary>Lower-case hex of a key id.</summary>
    public static string Hex(Sha256Digest digest)
    {
        Span<byte> bytes = stackalloc byte[Sha256.HashSize];
        digest.TryCopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
