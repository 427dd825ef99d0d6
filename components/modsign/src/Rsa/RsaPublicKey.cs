using System;

namespace Aurora.Modsign;

/// <summary>
/// A parsed RSA-2048 public key ready for verification: modulus n as limbs, the Montgomery
/// constants (R^2 mod n and -n^-1 mod 2^64) computed once at parse time, the public exponent,
/// and the key id (SHA-256 of the key's DER SubjectPublicKeyInfo). 560 bytes, no references:
/// it can live on a kernel stack or in a <see cref="KeyRing"/>. <c>default</c> is not a key
/// (<see cref="IsValid"/> is false) and verifies nothing.
/// </summary>
/// <remarks>
/// Accepted exponents are 3, 17 and 65537. 65537 is what OpenSSL, .NET and every mainstream
/// tool generate; 3 and 17 are the small exponents some boot-signing schemes used. A closed set
/// keeps verification to at most 18 Montgomery multiplications and rejects degenerate keys
/// (e = 1 makes any signature "valid").
/// </remarks>
public unsafe struct RsaPublicKey
{
    /// <summary>Modulus size in bits; the only size supported.</summary>
    public const int ModulusBits = 2048;

    /// <summary>Modulus (and signature) size in bytes.</summary>
    public const int ModulusBytes = ModulusBits / 8;

    /// <summary>Largest DER SubjectPublicKeyInfo this type produces or accepts (e = 65537).</summary>
    public const int MaxSubjectPublicKeyInfoBytes = 294;

    // The struct is stored in KeyRing's ulong slots: keep it exactly SizeInWords ulongs.
    internal const int SizeInWords = 70;

    internal UInt2048 Modulus;
    internal UInt2048 RSquared;
    internal fixed byte Id[Sha256.HashSize];
    internal ulong N0Inverse;
    internal uint Exponent;
    internal uint Valid;

    /// <summary>True for a key that parsed; false for <c>default</c>.</summary>
    public readonly bool IsValid => Valid == 1;

    /// <summary>The public exponent e (3, 17 or 65537); 0 for an invalid key.</summary>
    public readonly uint PublicExponent => Exponent;

    /// <summary>The key id: SHA-256 of the key's DER SubjectPublicKeyInfo.</summary>
    public readonly Sha256Digest KeyId
    {
        get
        {
            Sha256Digest id = default;
            for (int i = 0; i < Sha256.HashSize; i++)
            {
                id.SetByte(i, Id[i]);
            }

            return id;
        }
    }

    private static ReadOnlySpan<byte> RsaEncryptionOid => new byte[] { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

    /// <summary>Parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holding an rsaEncryption key (RFC 3279 §2.3.1).</summary>
    public static KeyResult ParseSubjectPublicKeyInfo(ReadOnlySpan<byte> der, out RsaPublicKey key)
    {
        key = default;
        DerReader outer = new DerReader(der);
        KeyResult result = outer.Read(DerReader.TagSequence, out ReadOnlySpan<byte> spki);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        if (!outer.AtEnd)
        {
            return KeyResult.TrailingData;
        }

        DerReader fields = new DerReader(spki);
        result = fields.Read(DerReader.TagSequence, out ReadOnlySpan<byte> algorithm);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        result = fields.Read(DerReader.TagBitString, out ReadOnlySpan<byte> bits);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        if (!fields.AtEnd)
        {
            return KeyResult.TrailingData;
        }

        DerReader algorithmFields = new DerReader(algorithm);
        result = algorithmFields.Read(DerReader.TagObjectIdentifier, out ReadOnlySpan<byte> oid);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        if (!BytesEqual(oid, RsaEncryptionOid))
        {
            return KeyResult.UnsupportedAlgorithm;
        }

        if (algorithmFields.AtEnd)
        {
            return KeyResult.BadAlgorithmParameters;
        }

        result = algorithmFields.Read(DerReader.TagNull, out ReadOnlySpan<byte> parameters);
        if (result == KeyResult.UnexpectedTag || (result == KeyResult.Ok && !parameters.IsEmpty))
        {
            return KeyResult.BadAlgorithmParameters;
        }

        if (result != KeyResult.Ok)
        {
            return result;
        }

        if (!algorithmFields.AtEnd)
        {
            return KeyResult.TrailingData;
        }

        // BIT STRING contents: the unused-bit count, then the RSAPublicKey DER.
        if (bits.IsEmpty || bits[0] != 0)
        {
            return KeyResult.BadBitString;
        }

        return ParseRsaPublicKey(bits.Slice(1), out key);
    }

    /// <summary>Parses a DER PKCS#1 RSAPublicKey: SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1).</summary>
    public static KeyResult ParseRsaPublicKey(ReadOnlySpan<byte> der, out RsaPublicKey key)
    {
        key = default;
        DerReader outer = new DerReader(der);
        KeyResult result = outer.Read(DerReader.TagSequence, out ReadOnlySpan<byte> sequence);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        if (!outer.AtEnd)
        {
            return KeyResult.TrailingData;
        }

        DerReader fields = new DerReader(sequence);
        result = fields.Read(DerReader.TagInteger, out ReadOnlySpan<byte> modulus);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        result = fields.Read(DerReader.TagInteger, out ReadOnlySpan<byte> exponent);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        if (!fields.AtEnd)
        {
            return KeyResult.TrailingData;
        }

        result = DerReader.CheckNonNegativeInteger(modulus);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        result = DerReader.CheckNonNegativeInteger(exponent);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        // Minimal and non-negative, so 257 bytes starting 0x00 is exactly a 2048-bit number.
        if (modulus.Length != ModulusBytes + 1 || modulus[0] != 0)
        {
            return KeyResult.ModulusNot2048Bits;
        }

        if ((modulus[ModulusBytes] & 1) == 0)
        {
            return KeyResult.EvenModulus;
        }

        if ((exponent[exponent.Length - 1] & 1) == 0)
        {
            return KeyResult.EvenExponent;
        }

        uint e = 0;
        if (exponent.Length <= 4)
        {
            for (int i = 0; i < exponent.Length; i++)
            {
                e = (e << 8) | exponent[i];
            }
        }

        if (e != 3 && e != 17 && e != 65537)
        {
            return KeyResult.UnsupportedExponent;
        }

        Build(modulus.Slice(1), e, out key);
        return KeyResult.Ok;
    }

    /// <summary>
    /// Parses PEM text: "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo, as
    /// <c>openssl rsa -pubout</c> writes) or "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1).
    /// </summary>
    public static KeyResult ParsePem(ReadOnlySpan<byte> pem, out RsaPublicKey key)
    {
        key = default;
        KeyResult result = Pem.Unwrap(pem, out PemKeyLabel label, out ReadOnlySpan<byte> body);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        const int capacity = 512; // any RSA-2048 public key DER is below 300 bytes
        byte* der = stackalloc byte[capacity];
        result = Base64.Decode(body, der, capacity, out int length);
        if (result != KeyResult.Ok)
        {
            return result;
        }

        ReadOnlySpan<byte> decoded = new ReadOnlySpan<byte>(der, length);
        return label == PemKeyLabel.SubjectPublicKeyInfo
            ? ParseSubjectPublicKeyInfo(decoded, out key)
            : ParseRsaPublicKey(decoded, out key);
    }

    /// <summary>Parses either PEM text (if it starts, after whitespace, with '-') or DER SubjectPublicKeyInfo.</summary>
    public static KeyResult Parse(ReadOnlySpan<byte> pemOrDer, out RsaPublicKey key)
    {
        for (int i = 0; i < pemOrDer.Length; i++)
        {
            byte c = pemOrDer[i];
            if (c == (byte)'-')
            {
                return ParsePem(pemOrDer, out key);
            }

            if (c != (byte)' ' && c != (byte)'\t' && c != (byte)'\r' && c != (byte)'\n')
            {
                break;
            }
        }

        return ParseSubjectPublicKeyInfo(pemOrDer, out key);
    }

    /// <summary>Writes the modulus as 256 big-endian bytes; false if the key is invalid or the span too short.</summary>
    public readonly bool TryWriteModulus(Span<byte> destination)
    {
        if (Valid != 1 || destination.Length < ModulusBytes)
        {
            return false;
        }

        UInt2048 limbs = Modulus;
        byte* bytes = stackalloc byte[ModulusBytes];
        Montgomery2048.StoreBigEndian(limbs.Limbs, bytes);
        for (int i = 0; i < ModulusBytes; i++)
        {
            destination[i] = bytes[i];
        }

        return true;
    }

    /// <summary>
    /// Writes the key's DER SubjectPublicKeyInfo (the bytes its id is the SHA-256 of); false if
    /// the key is invalid or <paramref name="destination"/> is shorter than needed.
    /// </summary>
    public readonly bool TryWriteSubjectPublicKeyInfo(Span<byte> destination, out int written)
    {
        written = 0;
        if (Valid != 1)
        {
            return false;
        }

        byte* modulus = stackalloc byte[ModulusBytes];
        UInt2048 limbs = Modulus;
        Montgomery2048.StoreBigEndian(limbs.Limbs, modulus);
        byte* der = stackalloc byte[MaxSubjectPublicKeyInfoBytes];
        int length = EncodeSubjectPublicKeyInfo(modulus, Exponent, der);
        if (destination.Length < length)
        {
            return false;
        }

        for (int i = 0; i < length; i++)
        {
            destination[i] = der[i];
        }

        written = length;
        return true;
    }

    // The unique DER of SubjectPublicKeyInfo { rsaEncryption NULL, BIT STRING { RSAPublicKey } }
    // for a 2048-bit modulus (big-endian, top bit set) and e in {3, 17, 65537}. Every length
    // from the modulus INTEGER outwards is >= 256, so each takes the 0x82 two-byte form.
    private static int EncodeSubjectPublicKeyInfo(byte* modulus, uint e, byte* der)
    {
        int exponentLength = e > 0xFFFF ? 3 : e > 0xFF ? 2 : 1;
        int integerN = 4 + 1 + ModulusBytes;             // 02 82 01 01 00 n
        int integerE = 2 + exponentLength;               // 02 len e
        int rsaKey = integerN + integerE;                // SEQUENCE contents
        int bitString = 1 + 4 + rsaKey;                  // unused-bits byte + SEQUENCE
        int spki = 15 + 4 + bitString;                   // AlgorithmIdentifier + BIT STRING

        int p = 0;
        p = Header(der, p, DerReader.TagSequence, spki);
        der[p++] = 0x30;
        der[p++] = 0x0d;
        der[p++] = DerReader.TagObjectIdentifier;
        der[p++] = 0x09;
        for (int i = 0; i < RsaEncryptionOid.Length; i++)
        {
            der[p++] = RsaEncryptionOid[i];
        }

        der[p++] = DerReader.TagNull;
        der[p++] = 0x00;
        p = Header(der, p, DerReader.TagBitString, bitString);
        der[p++] = 0x00;
        p = Header(der, p, DerReader.TagSequence, rsaKey);
        p = Header(der, p, DerReader.TagInteger, ModulusBytes + 1);
        der[p++] = 0x00;
        for (int i = 0; i < ModulusBytes; i++)
        {
            der[p++] = modulus[i];
        }

        der[p++] = DerReader.TagInteger;
        der[p++] = (byte)exponentLength;
        for (int i = exponentLength - 1; i >= 0; i--)
        {
            der[p++] = (byte)(e >> (8 * i));
        }

        return p;
    }

    private static int Header(byte* der, int p, byte tag, int length)
    {
        der[p++] = tag;
        der[p++] = 0x82;
        der[p++] = (byte)(length >> 8);
        der[p++] = (byte)length;
        return p;
    }

    private static void Build(ReadOnlySpan<byte> modulus, uint e, out RsaPublicKey key)
    {
        key = default;
        UInt2048 n = default;
        UInt2048 r2 = default;
        Montgomery2048.LoadBigEndian(modulus, n.Limbs);
        ulong n0Inverse = Montgomery2048.NegativeInverse(n.Limbs[0]);
        Montgomery2048.RSquared(n.Limbs, n0Inverse, r2.Limbs);

        key.Modulus = n;
        key.RSquared = r2;
        key.N0Inverse = n0Inverse;
        key.Exponent = e;

        byte* modulusBytes = stackalloc byte[ModulusBytes];
        Montgomery2048.StoreBigEndian(n.Limbs, modulusBytes);
        byte* der = stackalloc byte[MaxSubjectPublicKeyInfoBytes];
        int length = EncodeSubjectPublicKeyInfo(modulusBytes, e, der);
        Sha256Digest id = Sha256.Hash(new ReadOnlySpan<byte>(der, length));
        for (int i = 0; i < Sha256.HashSize; i++)
        {
            key.Id[i] = id[i];
        }

        key.Valid = 1;
    }

    internal static bool BytesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
