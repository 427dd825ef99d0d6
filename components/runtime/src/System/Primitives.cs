namespace System;

// The primitive types. The compiler knows their layout; the corlib only supplies the constants
// and the handful of members Aurora code uses. (No formatting here: see Aurora.Runtime.Text.)
/// <summary><c>bool</c>: true or false, one byte.</summary>
public struct Boolean { }
/// <summary><c>char</c>: a UTF-16 code unit.</summary>
public struct Char
{
    /// <summary>The largest <c>char</c>.</summary>
    public const char MaxValue = (char)0xFFFF;
    /// <summary>The smallest <c>char</c>.</summary>
    public const char MinValue = (char)0;
}
/// <summary><c>sbyte</c>: a signed 8-bit integer.</summary>
public struct SByte
{
    /// <summary>The largest <c>sbyte</c>.</summary>
    public const sbyte MaxValue = 0x7F;
    /// <summary>The smallest <c>sbyte</c>.</summary>
    public const sbyte MinValue = -0x80;
}
/// <summary><c>byte</c>: an unsigned 8-bit integer.</summary>
public struct Byte
{
    /// <summary>The largest <c>byte</c>.</summary>
    public const byte MaxValue = 0xFF;
    /// <summary>The smallest <c>byte</c>.</summary>
    public const byte MinValue = 0;
}
/// <summary><c>short</c>: a signed 16-bit integer.</summary>
public struct Int16
{
    /// <summary>The largest <c>short</c>.</summary>
    public const short MaxValue = 0x7FFF;
    /// <summary>The smallest <c>short</c>.</summary>
    public const short MinValue = -0x8000;
}
/// <summary><c>ushort</c>: an unsigned 16-bit integer.</summary>
public struct UInt16
{
    /// <summary>The largest <c>ushort</c>.</summary>
    public const ushort MaxValue = 0xFFFF;
    /// <summary>The smallest <c>ushort</c>.</summary>
    public const ushort MinValue = 0;
}
/// <summary><c>int</c>: a signed 32-bit integer.</summary>
public struct Int32
{
    /// <summary>The largest <c>int</c>.</summary>
    public const int MaxValue = 0x7FFFFFFF;
    /// <summary>The smallest <c>int</c>.</summary>
    public const int MinValue = unchecked((int)0x80000000);
}
/// <summary><c>uint</c>: an unsigned 32-bit integer.</summary>
public struct UInt32
{
    /// <summary>The largest <c>uint</c>.</summary>
    public const uint MaxValue = 0xFFFFFFFF;
    /// <summary>The smallest <c>uint</c>.</summary>
    public const uint MinValue = 0;
}
/// <summary><c>long</c>: a signed 64-bit integer.</summary>
public struct Int64
{
    /// <summary>The largest <c>long</c>.</summary>
    public const long MaxValue = 0x7FFFFFFFFFFFFFFF;
    /// <summary>The smallest <c>long</c>.</summary>
    public const long MinValue = unchecked((long)0x8000000000000000);
}
/// <summary><c>ulong</c>: an unsigned 64-bit integer.</summary>
public struct UInt64
{
    /// <summary>The largest <c>ulong</c>.</summary>
    public const ulong MaxValue = 0xFFFFFFFFFFFFFFFF;
    /// <summary>The smallest <c>ulong</c>.</summary>
    public const ulong MinValue = 0;
}
/// <summary><c>float</c>: a 32-bit IEEE 754 number (no members: kernels rarely touch the FPU state).</summary>
public struct Single { }
/// <summary><c>double</c>: a 64-bit IEEE 754 number (no members).</summary>
public struct Double { }
/// <summary><c>nint</c>: a signed integer the size of a pointer (64 bits on Aurora's targets).</summary>
public unsafe struct IntPtr
{
    private void* _value;
    /// <summary>0.</summary>
    public static readonly nint Zero;
    /// <summary>The pointer's bits as an integer.</summary>
    public IntPtr(void* value) { _value = value; }
    /// <summary><paramref name="value"/>.</summary>
    public IntPtr(long value) { _value = (void*)value; }
    /// <summary>The largest <c>nint</c>, <see cref="long.MaxValue"/>.</summary>
    public static nint MaxValue => unchecked((nint)long.MaxValue);
    /// <summary>The smallest <c>nint</c>, <see cref="long.MinValue"/>.</summary>
    public static nint MinValue => unchecked((nint)long.MinValue);
    /// <summary>Bytes in a <c>nint</c>: 8.</summary>
    public static int Size => 8;
}
/// <summary><c>nuint</c>: an unsigned integer the size of a pointer (64 bits on Aurora's targets).</summary>
public unsafe struct UIntPtr
{
    private void* _value;
    /// <summary>0.</summary>
    public static readonly nuint Zero;
    /// <summary>The pointer's bits as an integer.</summary>
    public UIntPtr(void* value) { _value = value; }
    /// <summary>The largest <c>nuint</c>, <see cref="ulong.MaxValue"/>.</summary>
    public static nuint MaxValue => unchecked((nuint)ulong.MaxValue);
    /// <summary>0.</summary>
    public static nuint MinValue => 0;
    /// <summary>Bytes in a <c>nuint</c>: 8.</summary>
    public static int Size => 8;
}
