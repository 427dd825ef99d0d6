using System;
using System.Linq;
using System.Numerics;

namespace Aurora.Modsign.Tests;

/// <summary>Hand-built DER for malformed-key tests (written independently of the component's encoder).</summary>
internal static class Der
{
    public static byte[] Tlv(byte tag, params byte[][] contents)
    {
        byte[] body = contents.SelectMany(c => c).ToArray();
        return [tag, .. Length(body.Length), .. body];
    }

    public static byte[] Length(int length) => length switch
    {
        < 0x80 => [(byte)length],
        < 0x100 => [0x81, (byte)length],
        _ => [0x82, (byte)(length >> 8), (byte)length],
    };

    /// <summary>Minimal two's-complement INTEGER contents of a non-negative value.</summary>
    public static byte[] IntegerContents(BigInteger value) => value.ToByteArray(isUnsigned: false, isBigEndian: true);

    public static byte[] Integer(BigInteger value) => Tlv(0x02, IntegerContents(value));

    public static readonly byte[] RsaEncryptionOid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

    public static readonly byte[] Null = [0x05, 0x00];

    public static byte[] RsaPublicKey(byte[] modulusTlv, byte[] exponentTlv) => Tlv(0x30, modulusTlv, exponentTlv);

    public static byte[] Spki(byte[] rsaPublicKey, byte[]? algorithm = null) =>
        Tlv(0x30, algorithm ?? Tlv(0x30, RsaEncryptionOid, Null), Tlv(0x03, [0x00], rsaPublicKey));

    public static byte[] Spki(BigInteger n, BigInteger e) => Spki(RsaPublicKey(Integer(n), Integer(e)));
}
