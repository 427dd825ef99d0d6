namespace Aurora.Modsign;

/// <summary>One-line human descriptions of results (string literals only: usable in the kernel).</summary>
public static class ResultText
{
    /// <summary>Why a verification gave <paramref name="result"/>.</summary>
    public static string Describe(VerifyResult result) => result switch
    {
        VerifyResult.Valid => "valid signature from a trusted key",
        VerifyResult.Truncated => "input too short to hold a signature block",
        VerifyResult.BadMagic => "no signature block: the module is unsigned or its end was cut off",
        VerifyResult.UnsupportedVersion => "signature block format version is not supported",
        VerifyResult.BadBlockLength => "signature block length field is wrong",
        VerifyResult.UnsupportedAlgorithm => "signature algorithm is not RSA-2048 PKCS#1 v1.5 SHA-256",
        VerifyResult.BadSignatureLength => "signature is not exactly 256 bytes",
        VerifyResult.ReservedNotZero => "reserved field in the signature block is not zero",
        VerifyResult.PayloadLengthMismatch => "recorded payload length does not match the module size (truncated or spliced)",
        VerifyResult.UnknownKey => "signed by a key that is not trusted",
        VerifyResult.MalformedKey => "verification key is not a valid RSA-2048 public key",
        VerifyResult.SignatureNotLessThanModulus => "signature is not less than the key modulus",
        VerifyResult.BadPadding => "signature does not decode to a PKCS#1 v1.5 SHA-256 block (wrong key or corrupted signature)",
        VerifyResult.DigestMismatch => "signed data was modified (digest mismatch)",
        _ => "unknown verification result",
    };

    /// <summary>Why parsing or adding a key gave <paramref name="result"/>.</summary>
    public static string Describe(KeyResult result) => result switch
    {
        KeyResult.Ok => "ok",
        KeyResult.Truncated => "key DER is truncated",
        KeyResult.TrailingData => "key DER has trailing bytes",
        KeyResult.UnexpectedTag => "key DER has an unexpected element",
        KeyResult.BadLength => "key DER has an indefinite, oversized or non-minimal length",
        KeyResult.NonMinimalInteger => "key DER has a non-minimally encoded INTEGER",
        KeyResult.NegativeInteger => "key DER has a negative INTEGER",
        KeyResult.UnsupportedAlgorithm => "key algorithm is not rsaEncryption",
        KeyResult.BadAlgorithmParameters => "rsaEncryption parameters are not NULL",
        KeyResult.BadBitString => "key BIT STRING is empty or has unused bits",
        KeyResult.ModulusNot2048Bits => "modulus is not exactly 2048 bits",
        KeyResult.EvenModulus => "modulus is even",
        KeyResult.EvenExponent => "public exponent is even",
        KeyResult.UnsupportedExponent => "public exponent is not 3, 17 or 65537",
        KeyResult.PemMissingBegin => "no BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY line",
        KeyResult.PemMissingEnd => "missing or mismatched PEM END line, or text after it",
        KeyResult.PemBadBase64 => "PEM body is not canonical base64",
        KeyResult.PemTooLarge => "PEM body is too large for an RSA-2048 public key",
        KeyResult.KeyRingFull => "key ring is full",
        KeyResult.DuplicateKey => "key ring already holds this key",
        KeyResult.InvalidKey => "key was never successfully parsed",
        _ => "unknown key result",
    };
}
