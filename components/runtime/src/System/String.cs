using System.Runtime.CompilerServices;

namespace System;

/// <summary>UTF-16 string. Literals are laid out by the compiler as frozen objects:
/// MethodTable, length, characters, terminating NUL.</summary>
public sealed class String
{
#pragma warning disable CS0649 // laid out by the compiler for literals
    private readonly int _stringLength;
    private char _firstChar;
#pragma warning restore CS0649

    /// <summary>Number of UTF-16 code units.</summary>
    public int Length => _stringLength;

    /// <summary>The code unit at <paramref name="index"/>; an index outside [0, Length) is a
    /// panic.</summary>
    [IndexerName("Chars")]
    public char this[int index]
    {
        [Intrinsic]
        get
        {
            if ((uint)index >= (uint)_stringLength)
                Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
            return Unsafe.Add(ref _firstChar, index);
        }
    }

    /// <summary>A reference to the first character (what <c>fixed (char* p = s)</c> pins); literals
    /// end with a NUL after Length characters.</summary>
    public ref readonly char GetPinnableReference() => ref _firstChar;

    /// <summary>The characters as a span; empty for null.</summary>
    public static implicit operator ReadOnlySpan<char>(string? value) =>
        value is null ? default : new ReadOnlySpan<char>(ref value._firstChar, value._stringLength);
}
