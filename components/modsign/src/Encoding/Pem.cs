using System;

namespace Aurora.Modsign;

/// <summary>Which PEM label framed a public key (RFC 7468 §13 and RFC 8017 Appendix A.1.1).</summary>
internal enum PemKeyLabel
{
    /// <summary>"PUBLIC KEY": a SubjectPublicKeyInfo, as <c>openssl rsa -pubout</c> writes.</summary>
    SubjectPublicKeyInfo,

    /// <summary>"RSA PUBLIC KEY": a PKCS#1 RSAPublicKey.</summary>
    RsaPublicKey,
}

/// <summary>
/// PEM framing of one public key: optional leading whitespace, the BEGIN line, a base64 body,
/// the END line with the same label, optional trailing whitespace. Explanatory text around the
/// key and RFC 1421 headers are rejected: a trusted-key file holds one key and nothing else.
/// </summary>
internal static class Pem
{
    private static ReadOnlySpan<byte> Begin => "-----BEGIN "u8;
    private static ReadOnlySpan<byte> End => "-----END "u8;
    private static ReadOnlySpan<byte> SpkiLabel => "PUBLIC KEY-----"u8;
    private static ReadOnlySpan<byte> RsaLabel => "RSA PUBLIC KEY-----"u8;

    /// <summary>Finds the label and the base64 body between the BEGIN and END lines.</summary>
    internal static KeyResult Unwrap(ReadOnlySpan<byte> text, out PemKeyLabel label, out ReadOnlySpan<byte> body)
    {
        label = PemKeyLabel.SubjectPublicKeyInfo;
        body = default;

        int position = SkipWhitespace(text, 0);
        if (!StartsWith(text, position, Begin))
        {
            return KeyResult.PemMissingBegin;
        }

        position += Begin.Length;
        ReadOnlySpan<byte> labelText;
        if (StartsWith(text, position, SpkiLabel))
        {
            labelText = SpkiLabel;
        }
        else if (StartsWith(text, position, RsaLabel))
        {
            labelText = RsaLabel;
            label = PemKeyLabel.RsaPublicKey;
        }
        else
        {
            return KeyResult.PemMissingBegin;
        }

        position += labelText.Length;
        int bodyStart = position;

        // '-' is not in the base64 alphabet: the first one opens the END line.
        while (position < text.Length && text[position] != (byte)'-')
        {
            position++;
        }

        body = text.Slice(bodyStart, position - bodyStart);
        if (!StartsWith(text, position, End))
        {
            return KeyResult.PemMissingEnd;
        }

        position += End.Length;
        if (!StartsWith(text, position, labelText))
        {
            return KeyResult.PemMissingEnd;
        }

        position = SkipWhitespace(text, position + labelText.Length);
        if (position != text.Length)
        {
            return KeyResult.PemMissingEnd;
        }

        return KeyResult.Ok;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> text, int position)
    {
        while (position < text.Length)
        {
            byte c = text[position];
            if (c != (byte)' ' && c != (byte)'\t' && c != (byte)'\r' && c != (byte)'\n')
            {
                break;
            }

            position++;
        }

        return position;
    }

    private static bool StartsWith(ReadOnlySpan<byte> text, int position, ReadOnlySpan<byte> prefix)
    {
        if (text.Length - position < prefix.Length)
        {
            return false;
        }

        for (int i = 0; i < prefix.Length; i++)
        {
            if (text[position + i] != prefix[i])
            {
                return false;
            }
        }

        return true;
    }
}
