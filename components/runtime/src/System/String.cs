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

    public int Length => _stringLength;

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

    public ref readonly char GetPinnableReference() => ref _firstChar;

    public static implicit operator ReadOnlySpan<char>(string? value) =>
        value is null ? default : new ReadOnlySpan<char>(ref value._firstChar, value._stringLength);
}
