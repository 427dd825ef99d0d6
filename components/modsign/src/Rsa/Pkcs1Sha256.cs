using System;

namespace Aurora.Modsign;

/// <summary>
/// RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2) for RSA-2048 keys. The
/// recovered encoding is compared byte for byte with the one expected
/// (0x00 0x01 FF..FF 0x00 || DigestInfo(SHA-256) || hash, §9.2): nothing in it is parsed, so
/// the padding-parsing forgeries (Bleichenbacher 2006 and kin) have nothing to exploit.
/// </summary>
public static unsafe class Pkcs1Sha256
{
    /// <summary>Signature size in bytes (the modulus size).</summary>
    public const int SignatureBytes = RsaPublicKey.ModulusBytes;

    // DER of DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32 bytes) }
    // minus the digest itself (RFC 8017 §9.2 note 1).
    private static ReadOnlySpan<byte> DigestInfoPrefix => new byte[]
    {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    };

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="message"/>.</summary>
    public static VerifyResult Verify(in RsaPublicKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Sha256Digest digest = Sha256.Hash(message);
        return VerifyDigest(in key, in digest, signature);
    }

    /// <summary>Verifies <paramref name="signature"/> over a message whose SHA-256 is <paramref name="digest"/>.</summary>
    public static VerifyResult VerifyDigest(in RsaPublicKey key, in Sha256Digest digest, ReadOnlySpan<byte> signature)
    {
        // The host build may use BMI2 MULX when the CPU has it; the freestanding build never
        // defines the symbol and always runs the portable multiply.
#if AURORA_MODSIGN_HOST_INTRINSICS
        if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
        {
            return VerifyDigest<MulxMultiply>(in key, in digest, signature);
        }
#endif
        return VerifyDigest<PortableMultiply>(in key, in digest, signature);
    }

    internal static VerifyResult VerifyDigest<TMul>(in RsaPublicKey key, in Sha256Digest digest, ReadOnlySpan<byte> signature)
        where TMul : struct, IWideMultiply
    {
        if (!key.IsValid)
        {
            return VerifyResult.MalformedKey;
        }

        if (signature.Length != SignatureBytes)
        {
            return VerifyResult.BadSignatureLength;
        }

        // Work on stack copies: the key may sit in movable host memory, and the fixed buffers of
        // locals are addressable without pinning.
        UInt2048 n = key.Modulus;
        UInt2048 rSquared = key.RSquared;
        UInt2048 s = default;
        UInt2048 m = default;

        Montgomery2048.LoadBigEndian(signature, s.Limbs);
        if (Montgomery2048.Compare(s.Limbs, n.Limbs) >= 0)
        {
            return VerifyResult.SignatureNotLessThanModulus; // RFC 8017 §5.2.2 step 1
        }

        Montgomery2048.ModPow<TMul>(m.Limbs, s.Limbs, key.Exponent, n.Limbs, rSquared.Limbs, key.N0Inverse);

        byte* encoded = stackalloc byte[SignatureBytes];
        Montgomery2048.StoreBigEndian(m.Limbs, encoded);

        // Every byte is compared, whatever the outcome; the split only names the reason.
        const int hashOffset = SignatureBytes - Sha256.HashSize;
        const int digestInfoOffset = hashOffset - 19; // DigestInfoPrefix.Length
        int paddingDifference = encoded[0] | (encoded[1] ^ 0x01) | encoded[digestInfoOffset - 1];
        for (int i = 2; i < digestInfoOffset - 1; i++)
        {
            paddingDifference |= encoded[i] ^ 0xFF;
        }

        ReadOnlySpan<byte> prefix = DigestInfoPrefix;
        for (int i = 0; i < prefix.Length; i++)
        {
            paddingDifference |= encoded[digestInfoOffset + i] ^ prefix[i];
        }

        int digestDifference = 0;
        for (int i = 0; i < Sha256.HashSize; i++)
        {
            digestDifference |= encoded[hashOffset + i] ^ digest[i];
        }

        if (paddingDifference != 0)
        {
            return VerifyResult.BadPadding;
        }

        return digestDifference == 0 ? VerifyResult.Valid : VerifyResult.DigestMismatch;
    }
}
