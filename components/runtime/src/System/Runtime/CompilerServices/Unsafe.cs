namespace System.Runtime.CompilerServices;

/// <summary>The compiler supplies the bodies of these methods (they are intrinsics keyed on this
/// type's name); the declarations only give them a signature.</summary>
public static unsafe class Unsafe
{
    /// <summary>The address of <paramref name="value"/> (the caller keeps it from moving: a stack,
    /// static or unmanaged location).</summary>
    [Intrinsic] public static extern void* AsPointer<T>(ref T value);
    /// <summary>Bytes a <typeparamref name="T"/> takes (a reference type: the size of a
    /// reference).</summary>
    [Intrinsic] public static extern int SizeOf<T>();
    /// <paramref name="o"/> as <typeparamref name="T"/> without a type check.
    [Intrinsic] public static extern T As<T>(object? o) where T : class?;
    /// <summary>The same location reinterpreted as a <typeparamref name="TTo"/>, without a
    /// check.</summary>
    [Intrinsic] public static extern ref TTo As<TFrom, TTo>(ref TFrom source);
    /// <summary>A reference to the <typeparamref name="T"/> at <paramref name="source"/>.</summary>
    [Intrinsic] public static extern ref T AsRef<T>(void* source);
    /// <summary>A writable reference to a read-only location (the caller promises not to write
    /// where that matters).</summary>
    [Intrinsic] public static extern ref T AsRef<T>(scoped ref readonly T source);
    /// <summary>The reference <paramref name="elementOffset"/> elements of <typeparamref name="T"/>
    /// after <paramref name="source"/> (no bounds check).</summary>
    [Intrinsic] public static extern ref T Add<T>(ref T source, int elementOffset);
    /// <summary>The reference <paramref name="elementOffset"/> elements of <typeparamref name="T"/>
    /// after <paramref name="source"/> (no bounds check).</summary>
    [Intrinsic] public static extern ref T Add<T>(ref T source, nint elementOffset);
    /// <summary>The reference <paramref name="elementOffset"/> elements of <typeparamref name="T"/>
    /// after <paramref name="source"/> (no bounds check).</summary>
    [Intrinsic] public static extern ref T Add<T>(ref T source, nuint elementOffset);
    /// <summary>The pointer <paramref name="elementOffset"/> elements of <typeparamref name="T"/>
    /// after <paramref name="source"/>.</summary>
    [Intrinsic] public static extern void* Add<T>(void* source, int elementOffset);
    /// <summary>The reference <paramref name="byteOffset"/> bytes after <paramref
    /// name="source"/>.</summary>
    [Intrinsic] public static extern ref T AddByteOffset<T>(ref T source, nint byteOffset);
    /// <summary>The reference <paramref name="byteOffset"/> bytes after <paramref
    /// name="source"/>.</summary>
    [Intrinsic] public static extern ref T AddByteOffset<T>(ref T source, nuint byteOffset);
    /// <summary>The reference <paramref name="elementOffset"/> elements of <typeparamref name="T"/>
    /// before <paramref name="source"/>.</summary>
    [Intrinsic] public static extern ref T Subtract<T>(ref T source, int elementOffset);
    /// <summary>Bytes from <paramref name="origin"/> to <paramref name="target"/> (negative when
    /// target is lower).</summary>
    [Intrinsic] public static extern nint ByteOffset<T>(ref readonly T origin, ref readonly T target);
    /// <summary>Whether both references name the same location.</summary>
    [Intrinsic] public static extern bool AreSame<T>(ref readonly T left, ref readonly T right);
    /// <summary>Whether <paramref name="left"/> is at a lower address than <paramref
    /// name="right"/>.</summary>
    [Intrinsic] public static extern bool IsAddressLessThan<T>(ref readonly T left, ref readonly T right);
    /// <summary>Whether <paramref name="left"/> is at a higher address than <paramref
    /// name="right"/>.</summary>
    [Intrinsic] public static extern bool IsAddressGreaterThan<T>(ref readonly T left, ref readonly T right);
    /// <summary>Whether <paramref name="source"/> is a null reference.</summary>
    [Intrinsic] public static extern bool IsNullRef<T>(ref readonly T source);
    /// <summary>A null reference (reading through it faults).</summary>
    [Intrinsic] public static extern ref T NullRef<T>();
    /// <summary>The <typeparamref name="T"/> at <paramref name="source"/>, which must be aligned
    /// for it.</summary>
    [Intrinsic] public static extern T Read<T>(void* source);
    /// <summary>Writes <paramref name="value"/> at <paramref name="destination"/>, which must be
    /// aligned for it.</summary>
    [Intrinsic] public static extern void Write<T>(void* destination, T value);
    /// <summary>The <typeparamref name="T"/> at <paramref name="source"/>, at any
    /// alignment.</summary>
    [Intrinsic] public static extern T ReadUnaligned<T>(void* source);
    /// <summary>The <typeparamref name="T"/> starting at the byte <paramref name="source"/>, at any
    /// alignment.</summary>
    [Intrinsic] public static extern T ReadUnaligned<T>(ref readonly byte source);
    /// <summary>Writes <paramref name="value"/> at <paramref name="destination"/>, at any
    /// alignment.</summary>
    [Intrinsic] public static extern void WriteUnaligned<T>(void* destination, T value);
    /// <summary>Writes <paramref name="value"/> starting at the byte <paramref
    /// name="destination"/>, at any alignment.</summary>
    [Intrinsic] public static extern void WriteUnaligned<T>(ref byte destination, T value);
    /// <summary>Leaves <paramref name="value"/> as it is while telling the compiler it is
    /// assigned.</summary>
    [Intrinsic] public static extern void SkipInit<T>(out T value);
    /// <summary>Copies <paramref name="byteCount"/> bytes from <paramref name="source"/> to
    /// <paramref name="destination"/> (aligned, not overlapping).</summary>
    [Intrinsic] public static extern void CopyBlock(void* destination, void* source, uint byteCount);
    /// <summary>Sets <paramref name="byteCount"/> bytes from <paramref name="startAddress"/> to
    /// <paramref name="value"/>.</summary>
    [Intrinsic] public static extern void InitBlock(void* startAddress, byte value, uint byteCount);
    /// <summary>Sets <paramref name="byteCount"/> bytes from <paramref name="startAddress"/> to
    /// <paramref name="value"/>, at any alignment.</summary>
    [Intrinsic] public static extern void InitBlockUnaligned(ref byte startAddress, byte value, uint byteCount);
}
