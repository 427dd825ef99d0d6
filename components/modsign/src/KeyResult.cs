namespace Aurora.Modsign;

/// <summary>
/// Outcome of parsing a public key or adding it to a <see cref="KeyRing"/>. Only <see cref="Ok"/>
/// yields a usable key. <see cref="ResultText.Describe(KeyResult)"/> gives a human description.
/// </summary>
public enum KeyResult
{
    /// <summary>The key was parsed (or added).</summary>
    Ok = 0,

    /// <summary>The DER ends inside an element.</summary>
    Truncated,

    /// <summary>Bytes follow the end of the outermost element or of a SEQUENCE's last member.</summary>
    TrailingData,

    /// <summary>An element has a different tag than the structure requires.</summary>
    UnexpectedTag,

    /// <summary>A length is indefinite, wider than two bytes, or not in its shortest form (DER, X.690 §10.1).</summary>
    BadLength,

    /// <summary>An INTEGER has a redundant leading 0x00 or 0xFF byte, or is empty (X.690 §8.3.2).</summary>
    NonMinimalInteger,

    /// <summary>An INTEGER that must be positive is negative.</summary>
    NegativeInteger,

    /// <summary>The algorithm is not rsaEncryption (1.2.840.113549.1.1.1).</summary>
    UnsupportedAlgorithm,

    /// <summary>The rsaEncryption parameters are not NULL (RFC 3279 §2.3.1).</summary>
    BadAlgorithmParameters,

    /// <summary>The BIT STRING is empty or has unused bits.</summary>
    BadBitString,

    /// <summary>The modulus is not exactly 2048 bits.</summary>
    ModulusNot2048Bits,

    /// <summary>The modulus is even (not an RSA modulus).</summary>
    EvenModulus,

    /// <summary>The public exponent is even.</summary>
    EvenExponent,

    /// <summary>The public exponent is not 3, 17 or 65537.</summary>
    UnsupportedExponent,

    /// <summary>No "-----BEGIN PUBLIC KEY-----" or "-----BEGIN RSA PUBLIC KEY-----" line starts the text.</summary>
    PemMissingBegin,

    /// <summary>The matching "-----END ...-----" line is missing, or text other than whitespace follows it.</summary>
    PemMissingEnd,

    /// <summary>The PEM body is not canonical base64.</summary>
    PemBadBase64,

    /// <summary>The PEM body decodes to more bytes than an RSA-2048 public key can take.</summary>
    PemTooLarge,

    /// <summary>The key ring already holds <see cref="KeyRing.Capacity"/> keys.</summary>
    KeyRingFull,

    /// <summary>The key ring already holds a key with the same id.</summary>
    DuplicateKey,

    /// <summary>The key given to the key ring was never successfully parsed.</summary>
    InvalidKey,
}
