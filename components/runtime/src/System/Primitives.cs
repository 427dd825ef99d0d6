namespace System;

// The primitive types. The compiler knows their layout; the corlib only supplies the constants
// and the handful of members Aurora code uses. (No formatting here: see Aurora.Runtime.Text.)
public struct Boolean { }
public struct Char { public const char MaxValue = (char)0xFFFF; public const char MinValue = (char)0; }
public struct SByte { public const sbyte MaxValue = 0x7F; public const sbyte MinValue = -0x80; }
public struct Byte { public const byte MaxValue = 0xFF; public const byte MinValue = 0; }
public struct Int16 { public const short MaxValue = 0x7FFF; public const short MinValue = -0x8000; }
public struct UInt16 { public const ushort MaxValue = 0xFFFF; public const ushort MinValue = 0; }
public struct Int32 { public const int MaxValue = 0x7FFFFFFF; public const int MinValue = unchecked((int)0x80000000); }
public struct UInt32 { public const uint MaxValue = 0xFFFFFFFF; public const uint MinValue = 0; }
public struct Int64 { public const long MaxValue = 0x7FFFFFFFFFFFFFFF; public const long MinValue = unchecked((long)0x8000000000000000); }
public struct UInt64 { public const ulong MaxValue = 0xFFFFFFFFFFFFFFFF; public const ulong MinValue = 0; }
public struct Single { }
public struct Double { }
public unsafe struct IntPtr
{
    private void* _value;
    public static readonly nint Zero;
    public IntPtr(void* value) { _value = value; }
    public IntPtr(long value) { _value = (void*)value; }
    public static nint MaxValue => unchecked((nint)long.MaxValue);
    public static nint MinValue => unchecked((nint)long.MinValue);
    public static int Size => 8;
}
public unsafe struct UIntPtr
{
    private void* _value;
    public static readonly nuint Zero;
    public UIntPtr(void* value) { _value = value; }
    public static nuint MaxValue => unchecked((nuint)ulong.MaxValue);
    public static nuint MinValue => 0;
    public static int Size => 8;
}
