using System;

namespace Aurora.Modsign;

/// <summary>
/// Verifies a signed module: payload || <see cref="SignatureBlock"/>. The signed message is the
/// whole file except the 256 signature bytes, i.e. payload || block[256..320] (key id, payload
/// length, signature length, reserved, block length, version, algorithm, magic), so a signature
/// cannot be moved to another payload, another length or another key id.
/// </summary>
public static class ModuleSignature
{
    /// <summary>
    /// Checks the block at the end of <paramref name="signedModule"/> and its signature against
    /// the key it names in <paramref name="trustedKeys"/>. On <see cref="VerifyResult.Valid"/>,
    /// <paramref name="payload"/> is the module without its block; otherwise it is empty.
    /// </summary>
    public static VerifyResult Verify(ReadOnlySpan<byte> signedModule, scoped in KeyRing trustedKeys, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        VerifyResult result = ReadBlock(signedModule, out ReadOnlySpan<byte> unsignedPayload, out SignatureBlock block);
        if (result != VerifyResult.Valid)
        {
            return result;
        }

        if (!trustedKeys.TryGet(block.KeyId, out RsaPublicKey key))
        {
            return VerifyResult.UnknownKey;
        }

        Sha256Digest digest = SignedDigest(unsignedPayload, block);
        result = Pkcs1Sha256.VerifyDigest(in key, in digest, block.Signature);
        if (result == VerifyResult.Valid)
        {
            payload = unsignedPayload;
        }

        return result;
    }

    /// <summary>
    /// Verifies <paramref name="signedModule"/> against one key (for tools); a block naming
    /// another key id is <see cref="VerifyResult.UnknownKey"/>.
    /// </summary>
    public static VerifyResult Verify(ReadOnlySpan<byte> signedModule, scoped in RsaPublicKey key, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        VerifyResult result = ReadBlock(signedModule, out ReadOnlySpan<byte> unsignedPayload, out SignatureBlock block);
        if (result != VerifyResult.Valid)
        {
            return result;
        }

        if (!key.IsValid)
        {
            return VerifyResult.MalformedKey;
        }

        if (!key.KeyId.Matches(block.KeyId))
        {
            return VerifyResult.UnknownKey;
        }

        Sha256Digest digest = SignedDigest(unsignedPayload, block);
        result = Pkcs1Sha256.VerifyDigest(in key, in digest, block.Signature);
        if (result == VerifyResult.Valid)
        {
            payload = unsignedPayload;
        }

        return result;
    }

    /// <summary>
    /// Finds and checks the structure of the block at the end of <paramref name="signedModule"/>
    /// (not the signature). <see cref="VerifyResult.Valid"/> here means "well formed".
    /// </summary>
    public static VerifyResult ReadBlock(ReadOnlySpan<byte> signedModule, out ReadOnlySpan<byte> payload, out SignatureBlock block)
    {
        payload = default;
        block = default;
        if (signedModule.Length < SignatureBlock.StableTailLength)
        {
            return VerifyResult.Truncated;
        }

        // Read the stable tail first: it says whether and how the rest can be read.
        ReadOnlySpan<byte> tail = signedModule.Slice(signedModule.Length - SignatureBlock.StableTailLength);
        const int tailBase = SignatureBlock.Size - SignatureBlock.StableTailLength;
        if (!RsaPublicKey.BytesEqual(tail.Slice(SignatureBlock.MagicOffset - tailBase), SignatureBlock.Magic))
        {
            return VerifyResult.BadMagic;
        }

        int versionAt = SignatureBlock.VersionOffset - tailBase;
        if ((tail[versionAt] | (tail[versionAt + 1] << 8)) != SignatureBlock.CurrentVersion)
        {
            return VerifyResult.UnsupportedVersion;
        }

        int lengthAt = SignatureBlock.BlockLengthOffset - tailBase;
        uint blockLength = (uint)(tail[lengthAt] | (tail[lengthAt + 1] << 8) | (tail[lengthAt + 2] << 16) | (tail[lengthAt + 3] << 24));
        if (blockLength != SignatureBlock.Size)
        {
            return VerifyResult.BadBlockLength;
        }

        if (signedModule.Length < SignatureBlock.Size)
        {
            return VerifyResult.Truncated;
        }

        int payloadLength = signedModule.Length - SignatureBlock.Size;
        SignatureBlock view = new SignatureBlock(signedModule.Slice(payloadLength));
        if (view.Algorithm != SignatureBlock.AlgorithmRsa2048Pkcs1Sha256)
        {
            return VerifyResult.UnsupportedAlgorithm;
        }

        if (view.SignatureLength != Pkcs1Sha256.SignatureBytes)
        {
            return VerifyResult.BadSignatureLength;
        }

        if (view.Reserved != 0)
        {
            return VerifyResult.ReservedNotZero;
        }

        if (view.PayloadLength != (ulong)payloadLength)
        {
            return VerifyResult.PayloadLengthMismatch;
        }

        payload = signedModule.Slice(0, payloadLength);
        block = view;
        return VerifyResult.Valid;
    }

    /// <summary>SHA-256 of the signed message: <paramref name="payload"/> || the block's signed fields.</summary>
    public static Sha256Digest SignedDigest(ReadOnlySpan<byte> payload, SignatureBlock block)
    {
        Sha256 hasher = Sha256.Create();
        hasher.Update(payload);
        hasher.Update(block.SignedFields);
        return hasher.Final();
    }
}
