// The component contract as a corlib (docs/components.md, "What a component may use"): every
// API the contract allows a component, declared and nothing else. ContractCorlibTests compiles
// each component's src/ against this file alone (build/freestanding-check with AuroraRuntimeDir
// pointing here), so a component that needs an API the contract does not list fails there, and
// the list is proven complete. Declarations only: `extern` members have no bodies (CS0626 is off
// in freestanding builds); this corlib is compiled, never run.
#pragma warning disable CS0169, CS0649, CS0824

namespace System
{
    // Primitive types and their MinValue / MaxValue.
    public struct Boolean { }
    public struct Char { public const char MinValue = '\0'; public const char MaxValue = '\uffff'; }
    public struct SByte { public const sbyte MinValue = -128; public const sbyte MaxValue = 127; }
    public struct Byte { public const byte MinValue = 0; public const byte MaxValue = 255; }
    public struct Int16 { public const short MinValue = -32768; public const short MaxValue = 32767; }
    public struct UInt16 { public const ushort MinValue = 0; public const ushort MaxValue = 65535; }
    public struct Int32 { public const int MinValue = -2147483648; public const int MaxValue = 2147483647; }
    public struct UInt32 { public const uint MinValue = 0; public const uint MaxValue = 4294967295; }
    public struct Int64 { public const long MinValue = -9223372036854775808; public const long MaxValue = 9223372036854775807; }
    public struct UInt64 { public const ulong MinValue = 0; public const ulong MaxValue = 18446744073709551615; }
    public struct IntPtr { public static extern nint MinValue { get; } public static extern nint MaxValue { get; } }
    public struct UIntPtr { public static extern nuint MinValue { get; } public static extern nuint MaxValue { get; } }

    // Enums; string literals (no operations on strings).
    public abstract class Enum : ValueType { }
    public sealed class String { }

    // Spans: constructors (void*, int) and (T[]), indexer, Length, IsEmpty, Slice, Clear, Fill,
    // CopyTo, the Span -> ReadOnlySpan conversion, ReadOnlySpan<T>.Empty; foreach over a span
    // is the compiler's indexer loop; SequenceEqual for bytes (MemoryExtensions).
    public readonly ref struct Span<T>
    {
        public extern unsafe Span(void* pointer, int length);
        public extern Span(T[]? array);
        public extern ref T this[int index] { get; }
        public extern int Length { get; }
        public extern bool IsEmpty { get; }
        public extern Span<T> Slice(int start);
        public extern Span<T> Slice(int start, int length);
        public extern void Clear();
        public extern void Fill(T value);
        public extern void CopyTo(Span<T> destination);
        public static extern implicit operator ReadOnlySpan<T>(Span<T> span);
        public extern Enumerator GetEnumerator();

        public ref struct Enumerator
        {
            public extern bool MoveNext();
            public extern ref T Current { get; }
        }
    }

    public readonly ref struct ReadOnlySpan<T>
    {
        public extern unsafe ReadOnlySpan(void* pointer, int length);
        public extern ReadOnlySpan(T[]? array);
        public extern ReadOnlySpan(T[]? array, int start, int length);
        public extern ref readonly T this[int index] { get; }
        public extern int Length { get; }
        public extern bool IsEmpty { get; }
        public static extern ReadOnlySpan<T> Empty { get; }
        public extern ReadOnlySpan<T> Slice(int start);
        public extern ReadOnlySpan<T> Slice(int start, int length);
        public extern void CopyTo(Span<T> destination);
        public static extern implicit operator ReadOnlySpan<T>(T[]? array);
        public extern Enumerator GetEnumerator();

        public ref struct Enumerator
        {
            public extern bool MoveNext();
            public extern ref readonly T Current { get; }
        }
    }

    public static class MemoryExtensions
    {
        public static extern bool SequenceEqual(this ReadOnlySpan<byte> span, ReadOnlySpan<byte> other);
        public static extern bool SequenceEqual(this Span<byte> span, ReadOnlySpan<byte> other);
    }

    // [Flags] on an enum of bit values.
    [AttributeUsage(AttributeTargets.Enum)]
    public sealed class FlagsAttribute : Attribute { }

    // Math.Min / Math.Max on integers.
    public static class Math
    {
        public static extern byte Min(byte a, byte b); public static extern byte Max(byte a, byte b);
        public static extern sbyte Min(sbyte a, sbyte b); public static extern sbyte Max(sbyte a, sbyte b);
        public static extern short Min(short a, short b); public static extern short Max(short a, short b);
        public static extern ushort Min(ushort a, ushort b); public static extern ushort Max(ushort a, ushort b);
        public static extern int Min(int a, int b); public static extern int Max(int a, int b);
        public static extern uint Min(uint a, uint b); public static extern uint Max(uint a, uint b);
        public static extern long Min(long a, long b); public static extern long Max(long a, long b);
        public static extern ulong Min(ulong a, ulong b); public static extern ulong Max(ulong a, ulong b);
        public static extern nint Min(nint a, nint b); public static extern nint Max(nint a, nint b);
        public static extern nuint Min(nuint a, nuint b); public static extern nuint Max(nuint a, nuint b);
    }
}

namespace System.Numerics
{
    public static class BitOperations
    {
        public static extern int TrailingZeroCount(uint value); public static extern int TrailingZeroCount(ulong value);
        public static extern int LeadingZeroCount(uint value); public static extern int LeadingZeroCount(ulong value);
        public static extern int PopCount(uint value); public static extern int PopCount(ulong value);
        public static extern int Log2(uint value); public static extern int Log2(ulong value);
        public static extern uint RotateLeft(uint value, int offset); public static extern ulong RotateLeft(ulong value, int offset);
        public static extern uint RotateRight(uint value, int offset); public static extern ulong RotateRight(ulong value, int offset);
    }
}

namespace System.Runtime.CompilerServices
{
    public static unsafe class Unsafe
    {
        public static extern ref TTo As<TFrom, TTo>(ref TFrom source);
        public static extern ref T Add<T>(ref T source, int elementOffset);
        public static extern ref T Add<T>(ref T source, nint elementOffset);
        public static extern ref T Add<T>(ref T source, nuint elementOffset);
        public static extern void* AsPointer<T>(ref T value);
        public static extern ref T AsRef<T>(void* source);
        public static extern ref T AsRef<T>(scoped ref readonly T source);
        public static extern int SizeOf<T>();
        public static extern T ReadUnaligned<T>(void* source);
        public static extern T ReadUnaligned<T>(scoped ref readonly byte source);
        public static extern void WriteUnaligned<T>(void* destination, T value);
        public static extern void WriteUnaligned<T>(ref byte destination, T value);
    }

    public sealed class MethodImplAttribute : Attribute
    {
        public MethodImplAttribute(MethodImplOptions methodImplOptions) { }
    }

    public enum MethodImplOptions
    {
        NoInlining = 8,
        AggressiveInlining = 256,
    }
}

namespace System.Runtime.InteropServices
{
    public sealed class StructLayoutAttribute : Attribute
    {
        public StructLayoutAttribute(LayoutKind layoutKind) { }
        public int Pack;
        public int Size;
    }

    public enum LayoutKind { Sequential = 0, Explicit = 2, Auto = 3 }

    public sealed class FieldOffsetAttribute : Attribute
    {
        public FieldOffsetAttribute(int offset) { }
    }
}
