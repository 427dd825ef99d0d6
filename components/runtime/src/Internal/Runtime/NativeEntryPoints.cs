using System;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Internal.Runtime;

/// <summary>Entry points the compiled code calls by symbol name: allocation, write barriers
/// (none needed: there is no GC), P/Invoke transitions (no-ops: there is one mode), memory
/// primitives and the throw helper.</summary>
internal static unsafe class NativeEntryPoints
{
    [RuntimeExport("RhpNewFast")]
    private static object RhpNewFast(MethodTable* type) => AllocateObject(type, type->BaseSize);

    [RuntimeExport("RhpNewFinalizable")]
    private static object RhpNewFinalizable(MethodTable* type) => AllocateObject(type, type->BaseSize);

    [RuntimeExport("RhpNewArray")]
    private static object RhpNewArray(MethodTable* type, int length) => AllocateArray(type, length);

    [RuntimeExport("RhpNewArrayFast")]
    private static object RhpNewArrayFast(MethodTable* type, int length) => AllocateArray(type, length);

    [RuntimeExport("RhpNewPtrArrayFast")]
    private static object RhpNewPtrArrayFast(MethodTable* type, int length) => AllocateArray(type, length);

    internal static object AllocateArray(MethodTable* type, int length)
    {
        if (length < 0) throw new OverflowException();
        ulong size = type->BaseSize + (ulong)type->ComponentSize * (ulong)length;
        if (size > int.MaxValue) throw new OutOfMemoryException();
        object array = AllocateObject(type, (uint)size);
        byte* raw = *(byte**)Unsafe.AsPointer(ref array);
        *(int*)(raw + 8) = length;
        return array;
    }

    internal static object AllocateObject(MethodTable* type, uint size)
    {
        // Objects are 8-byte aligned and at least 24 bytes (header-less NativeAOT minimum).
        nuint rounded = (size + 7) & ~(nuint)7;
        void* memory = RuntimeHost.Allocate != null ? RuntimeHost.Allocate(rounded) : null;
        if (memory == null) RuntimeHost.Fail("out of memory allocating an object");
        *(MethodTable**)memory = type;
        nint address = (nint)memory;
        return Unsafe.As<nint, object>(ref address);
    }

    [RuntimeExport("RhpAssignRef")]
    private static void RhpAssignRef(void** location, void* value) => *location = value;

    [RuntimeExport("RhpCheckedAssignRef")]
    private static void RhpCheckedAssignRef(void** location, void* value) => *location = value;

    [RuntimeExport("RhpCheckedLockCmpXchg")]
    private static void* RhpCheckedLockCmpXchg(void** location, void* value, void* comparand)
    {
        void* old = *location;
        if (old == comparand) *location = value;
        return old;
    }

    [RuntimeExport("RhpReversePInvoke")]
    private static void RhpReversePInvoke(void* frame) { }

    [RuntimeExport("RhpReversePInvokeReturn")]
    private static void RhpReversePInvokeReturn(void* frame) { }

    [RuntimeExport("RhpPInvoke")]
    private static void RhpPInvoke(void* frame) { }

    [RuntimeExport("RhpPInvokeReturn")]
    private static void RhpPInvokeReturn(void* frame) { }

    [RuntimeExport("RhpGcPoll")]
    private static void RhpGcPoll() { }

    [RuntimeExport("RhpFallbackFailFast")]
    private static void RhpFallbackFailFast() => RuntimeHost.Fail("runtime fail-fast");

    [RuntimeExport("RhpThrowEx")]
    private static void RhpThrowEx(Exception exception) =>
        RuntimeHost.Fail(exception is null ? "throw of null" : exception.TypeName, exception is null ? null : exception.Message);

    [RuntimeExport("RhpRethrow")]
    private static void RhpRethrow() => RuntimeHost.Fail("rethrow without an exception");

    [RuntimeExport("memset")]
    internal static void* Memset(byte* destination, int value, nuint count)
    {
        Fill(destination, (byte)value * 0x0101010101010101UL, count);
        return destination;
    }

    // The string-instruction loops in native/x86_64/Memory.S.
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_runtime_copy_forward")]
    private static extern void CopyForward(byte* destination, byte* source, nuint count);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_runtime_fill")]
    private static extern void Fill(byte* destination, ulong pattern, nuint count);

    [RuntimeExport("memcpy")]
    internal static void* Memcpy(byte* destination, byte* source, nuint count) => Memmove(destination, source, count);

    [RuntimeExport("memmove")]
    internal static void* Memmove(byte* destination, byte* source, nuint count)
    {
        if (destination <= source || destination >= source + count)
        {
            CopyForward(destination, source, count);
        }
        else
        {
            byte* d = destination + count, s = source + count;
            while (count >= 8) { d -= 8; s -= 8; *(ulong*)d = *(ulong*)s; count -= 8; }
            while (count-- > 0) *--d = *--s;
        }
        return destination;
    }
}
