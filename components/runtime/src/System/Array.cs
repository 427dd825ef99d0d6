using System.Runtime.CompilerServices;

namespace System;

/// <summary>Base of every array. Layout after the MethodTable: a 32-bit length, 32 bits of
/// padding, then the elements (NativeAOT's SZARRAY_BASE_SIZE is 24 on x64).</summary>
public abstract class Array
{
#pragma warning disable CS0649, CS0169 // written by the allocator
    private readonly int _numComponents;
    private readonly int _padding;
#pragma warning restore CS0649, CS0169

    /// <summary>Number of elements.</summary>
    public int Length => _numComponents;
}

// The compiler uses Array<T> as the base of T[] to give arrays their generic interfaces.
/// <summary>The base the compiler gives <c>T[]</c>; no members of its own.</summary>
public class Array<T> : Array { }

internal sealed class RawArrayData
{
#pragma warning disable CS0649
    public uint Length;
    public uint Padding;
    public byte Data;
#pragma warning restore CS0649
}

internal class RawData
{
#pragma warning disable CS0649
    public byte Data;
#pragma warning restore CS0649
}

internal static class ArrayData
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref T GetArrayDataReference<T>(T[] array) =>
        ref Unsafe.As<byte, T>(ref Unsafe.As<RawArrayData>(array).Data);
}
