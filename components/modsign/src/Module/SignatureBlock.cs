using System;

namespace Aurora.Modsign;

/// <summary>
/// The signature block appended to a module (format version 1). A zero-copy view over its 320
/// bytes; all integers are little-endian. Layout (offsets from the block start):
/// <code>
///   0  256  signature          RSASSA-PKCS1-v1_5 SHA-256 over payload || bytes 256..319
/// 256   32  key id             SHA-256 of the signer's DER SubjectPublicKeyInfo
/// 288    8  payload length     bytes of module in front of the block
/// 296    4  signature length   256
/// 300    4  reserved           0
/// 304    4  block length       320
/// 308    2  format version     1
/// 310    2  algorithm          1 = RSA-2048, PKCS#1 v1.5, SHA-256
/// 312    8  magic              "AURSIG01"
/// </code>
/// The last 16 bytes (block length, version, algorithm, magic) keep their place in every
/// future version, so a verifier finds the block from the end and knows how to read the rest.
/// </summary>
public readonly ref struct SignatureBlock
{
    /// <summary>Size of a version-1 block.</summary>
    public const int Size = 320;

    /// <summary>Offset of the signature.</summary>
    public const int SignatureOffset = 0;

    /// <summary>Offset of the key id.</summary>
    public const int KeyIdOffset = 256;

    /// <summary>Offset of the payload length (u64).</summary>
    public const int PayloadLengthOffset = 288;

    /// <summary>Offset of the signature length (u32).</summary>
    public const int SignatureLengthOffset = 296;

    /// <summary>Offset of the reserved word (u32, zero).</summary>
    public const int ReservedOffset = 300;

    /// <summary>Offset of the block length (u32).</summary>
    public const int BlockLengthOffset = 304;

    /// <summary>Offset of the format version (u16).</summary>
    public const int VersionOffset = 308;

    /// <summary>Offset of the algorithm id (u16).</summary>
    public const int AlgorithmOffset = 310;

    /// <summary>Offset of the magic.</summary>
    public const int MagicOffset = 312;

    /// <summary>Where the signed fields start: everything after the signature is signed.</summary>
    public const int SignedFieldsOffset = KeyIdOffset;

    /// <summary>Length of the signed fields (key id .. magic).</summary>
    public const int SignedFieldsLength = Size - SignedFieldsOffset;

    /// <summary>Length of the fields every version keeps at the end (block length .. magic).</summary>
    public const int StableTailLength = Size - BlockLengthOffset;

    /// <summary>The format version this code reads and writes.</summary>
    public const ushort CurrentVersion = 1;

    /// <summary>Algorithm id of RSA-2048 RSASSA-PKCS1-v1_5 with SHA-256.</summary>
    public const ushort AlgorithmRsa2048Pkcs1Sha256 = 1;

    /// <summary>The 8 magic bytes, "AURSIG01", at the very end of a signed module.</summary>
    public static ReadOnlySpan<byte> Magic => "AURSIG01"u8;

    private readonly ReadOnlySpan<byte> _bytes;

    /// <summary>A view over <paramref name="bytes"/>, which must be exactly <see cref="Size"/> bytes (else <see cref="IsWellSized"/> is false and every field reads as zero).</summary>
    public SignatureBlock(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes.Length == Size ? bytes : default;
    }

    /// <summary>True when the view covers exactly <see cref="Size"/> bytes.</summary>
    public bool IsWellSized => _bytes.Length == Size;

    /// <summary>The raw block.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The 256-byte signature.</summary>
    public ReadOnlySpan<byte> Signature => IsWellSized ? _bytes.Slice(SignatureOffset, Pkcs1Sha256.SignatureBytes) : default;

    /// <summary>The 32-byte key id.</summary>
    public ReadOnlySpan<byte> KeyId => IsWellSized ? _bytes.Slice(KeyIdOffset, Sha256.HashSize) : default;

    /// <summary>The bytes the signature covers after the payload (key id .. magic).</summary>
    public ReadOnlySpan<byte> SignedFields => IsWellSized ? _bytes.Slice(SignedFieldsOffset, SignedFieldsLength) : default;

    /// <summary>The recorded payload length.</summary>
    public ulong PayloadLength => Read(PayloadLengthOffset, 8);

    /// <summary>The recorded signature length.</summary>
    public uint SignatureLength => (uint)Read(SignatureLengthOffset, 4);

    /// <summary>The reserved word (zero in version 1).</summary>
    public uint Reserved => (uint)Read(ReservedOffset, 4);

    /// <summary>The recorded block length.</summary>
    public uint BlockLength => (uint)Read(BlockLengthOffset, 4);

    /// <summary>The format version.</summary>
    public ushort Version => (ushort)Read(VersionOffset, 2);

    /// <summary>The signature algorithm id.</summary>
    public ushort Algorithm => (ushort)Read(AlgorithmOffset, 2);

    /// <summary>True when the block ends with <see cref="Magic"/>.</summary>
    public bool HasMagic => IsWellSized && RsaPublicKey.BytesEqual(_bytes.Slice(MagicOffset, 8), Magic);

    /// <summary>
    /// Fills <paramref name="block"/> (exactly <see cref="Size"/> bytes) with a version-1 block for
    /// a payload of <paramref name="payloadLength"/> bytes signed by the key <paramref name="keyId"/>,
    /// with a zero signature. A signer then signs payload || <see cref="SignedFields"/> and stores
    /// the signature with <see cref="WriteSignature"/>.
    /// </summary>
    public static bool WriteUnsigned(Span<byte> block, ulong payloadLength, in Sha256Digest keyId)
    {
        if (block.Length != Size)
        {
            return false;
        }

        block.Clear();
        keyId.TryCopyTo(block.Slice(KeyIdOffset, Sha256.HashSize));
        Write(block, PayloadLengthOffset, payloadLength, 8);
        Write(block, SignatureLengthOffset, Pkcs1Sha256.SignatureBytes, 4);
        Write(block, BlockLengthOffset, Size, 4);
        Write(block, VersionOffset, CurrentVersion, 2);
        Write(block, AlgorithmOffset, AlgorithmRsa2048Pkcs1Sha256, 2);
        ReadOnlySpan<byte> magic = Magic;
        for (int i = 0; i < magic.Length; i++)
        {
            block[MagicOffset + i] = magic[i];
        }

        return true;
    }

    /// <summary>Stores a 256-byte signature into <paramref name="block"/>.</summary>
    public static bool WriteSignature(Span<byte> block, ReadOnlySpan<byte> signature)
    {
        if (block.Length != Size || signature.Length != Pkcs1Sha256.SignatureBytes)
        {
            return false;
        }

        for (int i = 0; i < signature.Length; i++)
        {
            block[SignatureOffset + i] = signature[i];
        }

        return true;
    }

    private ulong Read(int offset, int width)
    {
        if (!IsWellSized)
        {
            return 0;
        }

        ulong value = 0;
        for (int i = width - 1; i >= 0; i--)
        {
            value = (value << 8) | _bytes[offset + i];
        }

        return value;
    }

    private static void Write(Span<byte> block, int offset, ulong value, int width)
    {
        for (int i = 0; i < width; i++)
        {
            block[offset + i] = (byte)(value >> (8 * i));
        }
    }
}
