using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System.Runtime;

/// <summary>Boxing and allocation helpers the compiler finds by name in this class.</summary>
internal static unsafe class RuntimeExports
{
    public static object RhNewObject(MethodTable* type) => NativeEntryPoints.AllocateObject(type, type->BaseSize);

    public static object RhNewArray(MethodTable* type, int length) => NativeEntryPoints.AllocateArray(type, length);

    public static object? RhBox(MethodTable* type, ref byte data)
    {
        if (type->IsNullable)
        {
            // Nullable<T> boxes to a boxed T, or to null when it has no value.
            if (data == 0) return null;
            data = ref Unsafe.Add(ref data, type->NullableValueOffset);
            type = type->NullableType;
        }
        object result = NativeEntryPoints.AllocateObject(type, type->BaseSize);
        NativeEntryPoints.Memmove(ObjectData(result), (byte*)Unsafe.AsPointer(ref data), ValueSize(type));
        return result;
    }

    public static object? RhBoxAny(ref byte data, MethodTable* type)
    {
        if (type->IsValueType) return RhBox(type, ref data);
        return Unsafe.As<byte, object>(ref data);
    }

    public static ref byte RhUnbox2(MethodTable* type, object obj)
    {
        if (obj is null) throw new NullReferenceException();
        if (obj.GetMethodTable() != type && !UnboxCompatible(obj.GetMethodTable(), type)) throw new InvalidCastException();
        return ref *ObjectData(obj);
    }

    public static void RhUnboxNullable(ref byte data, MethodTable* type, object? obj)
    {
        MethodTable* valueType = type->NullableType;
        uint valueSize = ValueSize(valueType);
        int offset = type->NullableValueOffset;
        if (obj is null)
        {
            NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref data), 0, (nuint)(offset + valueSize));
            return;
        }
        if (obj.GetMethodTable() != valueType) throw new InvalidCastException();
        data = 1;
        NativeEntryPoints.Memmove((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref data, offset)), ObjectData(obj), valueSize);
    }

    public static void RhUnboxAny(object? obj, ref byte data, MethodTable* type)
    {
        if (type->IsValueType)
        {
            if (type->IsNullable) { RhUnboxNullable(ref data, type, obj); return; }
            NativeEntryPoints.Memmove((byte*)Unsafe.AsPointer(ref data), (byte*)Unsafe.AsPointer(ref RhUnbox2(type, obj!)), ValueSize(type));
            return;
        }
        if (obj is not null && !TypeCast.IsAssignable(obj.GetMethodTable(), type)) throw new InvalidCastException();
        Unsafe.As<byte, object?>(ref data) = obj;
    }

    public static void RhUnboxTypeTest(MethodTable* type, MethodTable* boxType)
    {
        if (type != boxType && !UnboxCompatible(type, boxType)) throw new InvalidCastException();
    }

    // Enums unbox to and from their underlying primitive (same element type and size).
    private static bool UnboxCompatible(MethodTable* a, MethodTable* b) =>
        a->ElementType == b->ElementType && a->ElementType < ElementType.ValueType && a->BaseSize == b->BaseSize;

    internal static byte* ObjectData(object obj) => *(byte**)Unsafe.AsPointer(ref obj) + sizeof(void*);

    private static uint ValueSize(MethodTable* type) => type->ValueTypeSize;
}
