namespace Aurora.Modsign;

/// <summary>
/// Outcome of verifying a signature or a signed module. Only <see cref="Valid"/> means "load it";
/// every other value names the first check that failed. <see cref="ResultText.Describe(VerifyResult)"/>
/// gives a one-line human description.
/// </summary>
public enum VerifyResult
{
    /// <summary>The signature is valid for the payload under a trusted key.</summary>
    Valid = 0,

    /// <summary>The input is shorter than the structure it must hold.</summary>
    Truncated,

    /// <summary>The last 8 bytes are not "AURSIG01": the module is unsigned, or its end was cut off.</summary>
    BadMagic,

    /// <summary>The block's format version is not one this verifier knows (1).</summary>
    UnsupportedVersion,

    /// <summary>The block length field is not the size version 1 defines (320).</summary>
    BadBlockLength,

    /// <summary>The signature algorithm id is not 1 (RSA-2048, PKCS#1 v1.5, SHA-256).</summary>
    UnsupportedAlgorithm,

    /// <summary>The signature is not exactly 256 bytes (the modulus size).</summary>
    BadSignatureLength,

    /// <summary>A reserved field is not zero.</summary>
    ReservedNotZero,

    /// <summary>The recorded payload length differs from the bytes in front of the block.</summary>
    PayloadLengthMismatch,

    /// <summary>No trusted key has the key id named by the block.</summary>
    UnknownKey,

    /// <summary>The key is not a parsed, valid RSA-2048 key.</summary>
    MalformedKey,

    /// <summary>The signature, read as an integer, is not below the modulus (RFC 8017 §5.2.2).</summary>
    SignatureNotLessThanModulus,

    /// <summary>The decrypted block is not a PKCS#1 v1.5 SHA-256 encoding: wrong key, or corrupted signature.</summary>
    BadPadding,

    /// <summary>The encoding is well formed but carries another digest: the signed bytes were modified.</summary>
    DigestMismatch,
}
