using System;

namespace Aurora.Modsign;

/// <summary>
/// A strict reader of DER (X.690 §10) TLV elements over a byte span: single-byte tags only,
/// definite lengths in their shortest form, at most two length bytes (a public key never needs
/// more). It never reads past its span; every problem is a <see cref="KeyResult"/>.
/// </summary>
internal ref struct DerReader
{
    internal const byte TagInteger = 0x02;
    internal const byte TagBitString = 0x03;
    internal const byte TagNull = 0x05;
    internal const byte TagObjectIdentifier = 0x06;
    internal const byte TagSequence = 0x30;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    internal DerReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    internal readonly bool AtEnd => _position == _data.Length;

    /// <summary>Reads one element that must carry <paramref name="tag"/>; its contents in <paramref name="contents"/>.</summary>
    internal KeyResult Read(byte tag, out ReadOnlySpan<byte> contents)
    {
        contents = default;
        int remaining = _data.Length - _position;
        if (remaining < 2)
        {
            return KeyResult.Truncated;
        }

        if (_data[_position] != tag)
        {
            return KeyResult.UnexpectedTag;
        }

        int first = _data[_position + 1];
        int header = 2;
        int length;
        if (first < 0x80)
        {
            length = first;
        }
        else if (first == 0x81)
        {
            if (remaining < 3)
            {
                return KeyResult.Truncated;
            }

            length = _data[_position + 2];
            header = 3;
            if (length < 0x80)
            {
                return KeyResult.BadLength; // fits the short form (X.690 §10.1)
            }
        }
        else if (first == 0x82)
        {
            if (remaining < 4)
            {
                return KeyResult.Truncated;
            }

            length = (_data[_position + 2] << 8) | _data[_position + 3];
            header = 4;
            if (length < 0x100)
            {
                return KeyResult.BadLength; // one length byte would do
            }
        }
        else
        {
            return KeyResult.BadLength; // 0x80 is indefinite (BER only); longer forms are never needed
        }

        if (remaining - header < length)
        {
            return KeyResult.Truncated;
        }

        contents = _data.Slice(_position + header, length);
        _position += header + length;
        return KeyResult.Ok;
    }

    /// <summary>
    /// Checks that INTEGER contents encode a non-negative number minimally (X.690 §8.3.2: no
    /// leading 0x00 unless the next byte has its top bit set).
    /// </summary>
    internal static KeyResult CheckNonNegativeInteger(ReadOnlySpan<byte> contents)
    {
        if (contents.IsEmpty)
        {
            return KeyResult.NonMinimalInteger;
        }

        if (contents.Length > 1)
        {
            bool redundantZero = contents[0] == 0x00 && (contents[1] & 0x80) == 0;
            bool redundantOnes = contents[0] == 0xFF && (contents[1] & 0x80) != 0;
            if (redundantZero || redundantOnes)
            {
                return KeyResult.NonMinimalInteger;
            }
        }

        if ((contents[0] & 0x80) != 0)
        {
            return KeyResult.NegativeInteger;
        }

        return KeyResult.Ok;
    }
}
