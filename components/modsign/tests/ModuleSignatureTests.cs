using System;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Xunit;

namespace Aurora.Modsign.Tests;

public class ModuleSignatureTests
{
    /// <summary>
    /// Signs as the README's format section says, written here from the byte layout rather than
    /// with the component's block writer: payload || block, signature over payload || block[256..320].
    /// </summary>
    internal static byte[] SignBySpec(byte[] payload, RSA signer, byte[]? keyId = null, ushort version = 1, ushort algorithm = 1,
        uint signatureLength = 256, uint blockLength = 320, uint reserved = 0, ulong? payloadLength = null)
    {
        byte[] block = new byte[320];
        (keyId ?? SHA256.HashData(signer.ExportSubjectPublicKeyInfo())).CopyTo(block, 256);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(288), payloadLength ?? (ulong)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(296), signatureLength);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(300), reserved);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(304), blockLength);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(308), version);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(310), algorithm);
        "AURSIG01"u8.CopyTo(block.AsSpan(312));
        byte[] signature = TestKeys.Sign(signer, [.. payload, .. block.AsSpan(256)]);
        signature.CopyTo(block, 0);
        return [.. payload, .. block];
    }

    private static KeyRing RingOf(params RSA[] keys)
    {
        KeyRing ring = default;
        foreach (RSA rsa in keys)
        {
            Assert.Equal(KeyResult.Ok, ring.Add(rsa.ExportSubjectPublicKeyInfo()));
        }

        return ring;
    }

    private static VerifyResult Verify(byte[] signed, RSA trusted) => ModuleSignature.Verify(signed, RingOf(trusted), out _);

    [Fact]
    public void ValidModuleVerifiesAndYieldsItsPayload()
    {
        Seeded seeded = Seeded.Create();
        KeyRing ring = RingOf(TestKeys.Second, TestKeys.First);
        foreach (int length in new[] { 0, 1, 63, 64, 4096, 100_000 })
        {
            byte[] payload = seeded.Bytes(length);
            byte[] signed = SignBySpec(payload, TestKeys.First);
            Assert.True(ModuleSignature.Verify(signed, ring, out ReadOnlySpan<byte> verified) == VerifyResult.Valid, $"length {length}, {seeded.Replay}");
            Assert.True(verified.SequenceEqual(payload), seeded.Replay);

            Assert.Equal(VerifyResult.Valid, ModuleSignature.Verify(signed, TestKeys.Parse(TestKeys.First), out verified));
            Assert.Equal(length, verified.Length);
        }
    }

    [Fact]
    public void ComponentBlockWriterMatchesTheSpecLayout()
    {
        byte[] payload = "payload bytes"u8.ToArray();
        RsaPublicKey key = TestKeys.Parse(TestKeys.First);
        byte[] block = new byte[SignatureBlock.Size];
        Assert.True(SignatureBlock.WriteUnsigned(block, (ulong)payload.Length, key.KeyId));
        byte[] spec = SignBySpec(payload, TestKeys.First);
        Assert.Equal(spec.AsSpan(payload.Length + 256).ToArray(), block.AsSpan(256).ToArray());
        Assert.True(SignatureBlock.WriteSignature(block, spec.AsSpan(payload.Length, 256)));
        Assert.Equal(spec.AsSpan(payload.Length).ToArray(), block);

        Assert.False(SignatureBlock.WriteUnsigned(new byte[319], 0, key.KeyId));
        Assert.False(SignatureBlock.WriteSignature(block, new byte[255]));
    }

    [Fact]
    public void ReadBlockExposesTheFields()
    {
        byte[] payload = new byte[77];
        byte[] signed = SignBySpec(payload, TestKeys.First);
        Assert.Equal(VerifyResult.Valid, ModuleSignature.ReadBlock(signed, out ReadOnlySpan<byte> body, out SignatureBlock block));
        Assert.Equal(77, body.Length);
        Assert.True(block.IsWellSized);
        Assert.True(block.HasMagic);
        Assert.Equal(77UL, block.PayloadLength);
        Assert.Equal((ushort)1, block.Version);
        Assert.Equal((ushort)1, block.Algorithm);
        Assert.Equal(256u, block.SignatureLength);
        Assert.Equal(320u, block.BlockLength);
        Assert.Equal(0u, block.Reserved);
        Assert.Equal(SHA256.HashData(TestKeys.First.ExportSubjectPublicKeyInfo()), block.KeyId.ToArray());
        Assert.Equal(signed.AsSpan(77, 256).ToArray(), block.Signature.ToArray());
        Assert.Equal(64, block.SignedFields.Length);

        SignatureBlock wrongSize = new(new byte[319]);
        Assert.False(wrongSize.IsWellSized);
        Assert.False(wrongSize.HasMagic);
        Assert.Equal(0UL, wrongSize.PayloadLength);
        Assert.True(wrongSize.Signature.IsEmpty);
    }

    [Fact]
    public void HeaderFieldErrorsAreNamed()
    {
        byte[] payload = new byte[500];
        RSA k = TestKeys.First;
        Assert.Equal(VerifyResult.UnsupportedVersion, Verify(SignBySpec(payload, k, version: 2), k));
        Assert.Equal(VerifyResult.UnsupportedVersion, Verify(SignBySpec(payload, k, version: 0), k));
        Assert.Equal(VerifyResult.BadBlockLength, Verify(SignBySpec(payload, k, blockLength: 321), k));
        Assert.Equal(VerifyResult.BadBlockLength, Verify(SignBySpec(payload, k, blockLength: 0), k));
        Assert.Equal(VerifyResult.UnsupportedAlgorithm, Verify(SignBySpec(payload, k, algorithm: 2), k));
        Assert.Equal(VerifyResult.BadSignatureLength, Verify(SignBySpec(payload, k, signatureLength: 255), k));
        Assert.Equal(VerifyResult.BadSignatureLength, Verify(SignBySpec(payload, k, signatureLength: 512), k));
        Assert.Equal(VerifyResult.ReservedNotZero, Verify(SignBySpec(payload, k, reserved: 1), k));
        Assert.Equal(VerifyResult.PayloadLengthMismatch, Verify(SignBySpec(payload, k, payloadLength: 499), k));
        Assert.Equal(VerifyResult.PayloadLengthMismatch, Verify(SignBySpec(payload, k, payloadLength: ulong.MaxValue), k));
        Assert.Equal(VerifyResult.UnknownKey, Verify(SignBySpec(payload, k, keyId: new byte[32]), k));

        byte[] noMagic = SignBySpec(payload, k);
        noMagic[^1] = (byte)'2';
        Assert.Equal(VerifyResult.BadMagic, Verify(noMagic, k));
        Assert.Equal(VerifyResult.BadMagic, Verify(payload, k));
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] signed = SignBySpec(new byte[200], TestKeys.First);
        KeyRing ring = RingOf(TestKeys.First);
        for (int length = 0; length < signed.Length; length++)
        {
            VerifyResult end = ModuleSignature.Verify(signed.AsSpan(0, length), ring, out ReadOnlySpan<byte> payload);
            Assert.True(end is VerifyResult.Truncated or VerifyResult.BadMagic, $"cut at {length}: {end}");
            Assert.True(payload.IsEmpty);

            VerifyResult front = ModuleSignature.Verify(signed.AsSpan(signed.Length - length), ring, out _);
            Assert.True(front is VerifyResult.Truncated or VerifyResult.PayloadLengthMismatch, $"front cut to {length}: {front}");
        }

        Assert.Equal(VerifyResult.Truncated, ModuleSignature.Verify(signed.AsSpan(signed.Length - 319), ring, out _));
        Assert.Equal(VerifyResult.PayloadLengthMismatch, ModuleSignature.Verify([0x00, .. signed], ring, out _));
    }

    [Fact]
    public void EveryBitFlipOfTheBlockIsRejected()
    {
        byte[] payload = "a small module"u8.ToArray();
        byte[] signed = SignBySpec(payload, TestKeys.First);
        KeyRing ring = RingOf(TestKeys.First);
        for (int bit = payload.Length * 8; bit < signed.Length * 8; bit++)
        {
            signed[bit / 8] ^= (byte)(1 << (bit % 8));
            VerifyResult result = ModuleSignature.Verify(signed, ring, out ReadOnlySpan<byte> verified);
            Assert.True(result != VerifyResult.Valid && verified.IsEmpty, $"bit {bit}");
            signed[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.Equal(VerifyResult.Valid, ModuleSignature.Verify(signed, ring, out _));
    }

    [Fact]
    public void EveryBitFlipOfASmallPayloadIsRejected()
    {
        byte[] payload = "a small module payload, 32 bytes"u8.ToArray();
        byte[] signed = SignBySpec(payload, TestKeys.First);
        KeyRing ring = RingOf(TestKeys.First);
        for (int bit = 0; bit < payload.Length * 8; bit++)
        {
            signed[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(VerifyResult.DigestMismatch, ModuleSignature.Verify(signed, ring, out _));
            signed[bit / 8] ^= (byte)(1 << (bit % 8));
        }
    }

    [Fact]
    public void RandomBitFlipsOfALargePayloadAreRejected()
    {
        Seeded seeded = Seeded.Create();
        byte[] payload = seeded.Bytes(256 * 1024);
        byte[] signed = SignBySpec(payload, TestKeys.First);
        KeyRing ring = RingOf(TestKeys.First);
        for (int i = 0; i < 100; i++)
        {
            int bit = seeded.Random.Next(payload.Length * 8);
            signed[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.True(ModuleSignature.Verify(signed, ring, out _) == VerifyResult.DigestMismatch, $"bit {bit}, {seeded.Replay}");
            signed[bit / 8] ^= (byte)(1 << (bit % 8));
        }
    }

    [Fact]
    public void SplicedModulesAreRejected()
    {
        RSA k = TestKeys.First;
        byte[] a = SignBySpec("module A payload"u8.ToArray(), k);
        byte[] b = SignBySpec("module B payload"u8.ToArray(), k);

        // B's payload with A's block.
        byte[] swapped = [.. b.AsSpan(0, 16), .. a.AsSpan(16)];
        Assert.Equal(VerifyResult.DigestMismatch, Verify(swapped, k));

        // A shortened payload with the length field patched to match: the length is signed.
        byte[] shortened = [.. a.AsSpan(0, 10), .. a.AsSpan(16)];
        BinaryPrimitives.WriteUInt64LittleEndian(shortened.AsSpan(10 + 288), 10);
        Assert.Equal(VerifyResult.DigestMismatch, Verify(shortened, k));

        // The block re-labelled with another trusted key's id: the key id is signed.
        byte[] relabelled = (byte[])a.Clone();
        SHA256.HashData(TestKeys.Second.ExportSubjectPublicKeyInfo()).CopyTo(relabelled, 16 + 256);
        Assert.Equal(ForeignSignatureResult(relabelled, 16, TestKeys.Second), ModuleSignature.Verify(relabelled, RingOf(k, TestKeys.Second), out _));

        // Signed by an untrusted key, naming the trusted key.
        byte[] forged = SignBySpec("module A payload"u8.ToArray(), TestKeys.Second, keyId: SHA256.HashData(k.ExportSubjectPublicKeyInfo()));
        Assert.Equal(ForeignSignatureResult(forged, 16, k), Verify(forged, k));

        // Signed by an untrusted key, naming itself.
        Assert.Equal(VerifyResult.UnknownKey, Verify(SignBySpec("x"u8.ToArray(), TestKeys.Second), k));
    }

    /// <summary>What verifying another key's signature under <paramref name="verifier"/> must
    /// give: the keys are random per run, so the signature (below its own key's modulus) may be
    /// at or above the verifier's modulus, which is refused before any padding is looked at
    /// (RFC 8017 §5.2.2 step 1); otherwise the recovered encoding is not PKCS#1 padding.</summary>
    private static VerifyResult ForeignSignatureResult(byte[] signed, int payloadLength, RSA verifier)
    {
        ReadOnlySpan<byte> signature = signed.AsSpan(payloadLength, 256);
        byte[] modulus = verifier.ExportParameters(false).Modulus!;
        return signature.SequenceCompareTo(modulus) >= 0 ? VerifyResult.SignatureNotLessThanModulus : VerifyResult.BadPadding;
    }

    [Fact]
    public void RandomCorruptionNeverVerifies()
    {
        Seeded seeded = Seeded.Create();
        byte[] signed = SignBySpec(seeded.Bytes(300), TestKeys.First);
        KeyRing ring = RingOf(TestKeys.First);
        for (int round = 0; round < 2000; round++)
        {
            byte[] mutated = KeyParsingTests.Mutate(signed, seeded.Random);
            VerifyResult result = ModuleSignature.Verify(mutated, ring, out ReadOnlySpan<byte> payload);
            Assert.True(Enum.IsDefined(result), seeded.Replay);
            bool same = mutated.AsSpan().SequenceEqual(signed);
            Assert.True(same == (result == VerifyResult.Valid), $"round {round}: {result}, {seeded.Replay}");
            Assert.Equal(result == VerifyResult.Valid, !payload.IsEmpty);
        }
    }

    [Fact]
    public void EmptyRingAndInvalidKeyVerifyNothing()
    {
        byte[] signed = SignBySpec(new byte[10], TestKeys.First);
        KeyRing empty = default;
        Assert.Equal(VerifyResult.UnknownKey, ModuleSignature.Verify(signed, empty, out _));
        Assert.Equal(VerifyResult.MalformedKey, ModuleSignature.Verify(signed, default(RsaPublicKey), out _));
        Assert.Equal(VerifyResult.UnknownKey, ModuleSignature.Verify(signed, TestKeys.Parse(TestKeys.Second), out _));
    }
}
