using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System;

/// <summary>Block moves the compiler emits calls to (struct copies, span helpers). There is no
/// GC, so a "write barrier" move is a plain move.</summary>
internal static unsafe class Buffer
{
    internal static void BulkMoveWithWriteBarrier(ref byte destination, ref byte source, nuint byteCount) =>
        NativeEntryPoints.Memmove((byte*)Unsafe.AsPointer(ref destination), (byte*)Unsafe.AsPointer(ref source), byteCount);
}

internal static unsafe class SpanHelpers
{
    internal static void Memmove(ref byte dest, ref byte src, nuint len) =>
        NativeEntryPoints.Memmove((byte*)Unsafe.AsPointer(ref dest), (byte*)Unsafe.AsPointer(ref src), len);

    public static void ClearWithoutReferences(ref byte dest, nuint len) =>
        NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref dest), 0, len);

    public static void ClearWithReferences(ref nint ip, nuint pointerSizeLength) =>
        NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref ip), 0, pointerSizeLength * (nuint)sizeof(nint));

    internal static void Fill(ref byte dest, byte value, nuint len) =>
        NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref dest), value, len);

    public static void Fill<T>(ref T refData, nuint numElements, T value)
    {
        for (nuint i = 0; i < numElements; i++) Unsafe.Add(ref refData, i) = value;
    }
}
