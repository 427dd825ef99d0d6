using System;

namespace Aurora.Modsign;

/// <summary>
/// Strict base64 (RFC 4648 §4, standard alphabet) decoder for PEM bodies. Whitespace between
/// characters is skipped (PEM wraps lines); anything else outside the alphabet, padding other
/// than a final "=" or "==", data after padding, or non-zero leftover bits (a non-canonical
/// encoding, RFC 4648 §3.5) is rejected.
/// </summary>
internal static unsafe class Base64
{
    internal static KeyResult Decode(ReadOnlySpan<byte> text, byte* output, int capacity, out int written)
    {
        written = 0;
        uint bits = 0;
        int charsInQuad = 0;
        int padding = 0;
        bool finished = false;
        bool any = false;

        foreach (byte c in text)
        {
            if (c == (byte)' ' || c == (byte)'\t' || c == (byte)'\r' || c == (byte)'\n')
            {
                continue;
            }

            if (finished)
            {
                return KeyResult.PemBadBase64;
            }

            any = true;
            if (c == (byte)'=')
            {
                if (charsInQuad < 2)
                {
                    return KeyResult.PemBadBase64;
                }

                padding++;
                charsInQuad++;
            }
            else
            {
                int value = ValueOf(c);
                if (value < 0 || padding > 0)
                {
                    return KeyResult.PemBadBase64;
                }

                bits = (bits << 6) | (uint)value;
                charsInQuad++;
            }

            if (charsInQuad < 4)
            {
                continue;
            }

            int produce = 3 - padding;
            if (written + produce > capacity)
            {
                return KeyResult.PemTooLarge;
            }

            if (padding == 0)
            {
                output[written++] = (byte)(bits >> 16);
                output[written++] = (byte)(bits >> 8);
                output[written++] = (byte)bits;
            }
            else if (padding == 1)
            {
                // three characters = 18 bits: two bytes and two bits that must be zero
                if ((bits & 0x3) != 0)
                {
                    return KeyResult.PemBadBase64;
                }

                output[written++] = (byte)(bits >> 10);
                output[written++] = (byte)(bits >> 2);
                finished = true;
            }
            else
            {
                // two characters = 12 bits: one byte and four bits that must be zero
                if ((bits & 0xF) != 0)
                {
                    return KeyResult.PemBadBase64;
                }

                output[written++] = (byte)(bits >> 4);
                finished = true;
            }

            bits = 0;
            charsInQuad = 0;
        }

        if (!any || charsInQuad != 0)
        {
            return KeyResult.PemBadBase64;
        }

        return KeyResult.Ok;
    }

    private static int ValueOf(byte c)
    {
        if (c >= (byte)'A' && c <= (byte)'Z')
        {
            return c - 'A';
        }

        if (c >= (byte)'a' && c <= (byte)'z')
        {
            return c - 'a' + 26;
        }

        if (c >= (byte)'0' && c <= (byte)'9')
        {
            return c - '0' + 52;
        }

        if (c == (byte)'+')
        {
            return 62;
        }

        if (c == (byte)'/')
        {
            return 63;
        }

        return -1;
    }
}
