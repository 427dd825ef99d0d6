using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace System.Runtime;

/// <summary>Casting helpers the compiler calls by name for <c>is</c>, <c>as</c>, casts and
/// covariant array stores. Rules: exact match; class → walk the base chain; interface → the
/// type's interface map (which lists inherited interfaces too); arrays → same rank and
/// compatible reference element types, and every array is a System.Array and an object.
/// Generic variance is not supported (nothing in Aurora uses it).</summary>
internal static unsafe class TypeCast
{
    public static object? IsInstanceOfAny(MethodTable* target, object? obj) =>
        obj is not null && IsAssignable(obj.GetMethodTable(), target) ? obj : null;

    public static object? IsInstanceOfInterface(MethodTable* target, object? obj) =>
        obj is not null && ImplementsInterface(obj.GetMethodTable(), target) ? obj : null;

    public static object? IsInstanceOfClass(MethodTable* target, object? obj) =>
        obj is not null && IsAssignable(obj.GetMethodTable(), target) ? obj : null;

    public static bool IsInstanceOfException(MethodTable* target, object? obj) =>
        obj is not null && IsAssignable(obj.GetMethodTable(), target);

    public static object? CheckCastAny(MethodTable* target, object? obj)
    {
        if (obj is null || IsAssignable(obj.GetMethodTable(), target)) return obj;
        throw new InvalidCastException();
    }

    public static object? CheckCastInterface(MethodTable* target, object? obj)
    {
        if (obj is null || ImplementsInterface(obj.GetMethodTable(), target)) return obj;
        throw new InvalidCastException();
    }

    public static object? CheckCastClass(MethodTable* target, object? obj) => CheckCastAny(target, obj);

    public static object? CheckCastClassSpecial(MethodTable* target, object? obj) => CheckCastAny(target, obj);

    public static void CheckArrayStore(object array, object? obj)
    {
        if (obj is null) return;
        MethodTable* element = array.GetMethodTable()->RelatedType;
        if (!IsAssignable(obj.GetMethodTable(), element)) throw new ArrayTypeMismatchException();
    }

    public static ref object? LdelemaRef(object?[] array, nint index, MethodTable* elementType)
    {
        if ((nuint)index >= (uint)array.Length) throw new IndexOutOfRangeException();
        if (elementType != array.GetMethodTable()->RelatedType) throw new ArrayTypeMismatchException();
        return ref Unsafe.Add(ref ArrayData.GetArrayDataReference(array), index);
    }

    public static void StelemRef(object?[] array, nint index, object? obj)
    {
        if ((nuint)index >= (uint)array.Length) throw new IndexOutOfRangeException();
        if (obj is not null && !IsAssignable(obj.GetMethodTable(), array.GetMethodTable()->RelatedType))
            throw new ArrayTypeMismatchException();
        Unsafe.Add(ref ArrayData.GetArrayDataReference(array), index) = obj;
    }

    internal static bool IsAssignable(MethodTable* source, MethodTable* target)
    {
        if (source == target) return true;
        if (target->IsInterface) return ImplementsInterface(source, target);
        if (source->IsArray)
        {
            if (target->IsArray)
            {
                if (source->ElementType != target->ElementType || source->BaseSize != target->BaseSize) return false;
                MethodTable* sourceElement = source->RelatedType;
                MethodTable* targetElement = target->RelatedType;
                if (sourceElement == targetElement) return true;
                return !sourceElement->IsValueType && IsAssignable(sourceElement, targetElement);
            }
            // Every array derives from System.Array, which derives from object.
            return target == MethodTable.Of<Array>() || target == MethodTable.Of<object>();
        }
        for (MethodTable* type = source->BaseType; type != null; type = type->BaseType)
            if (type == target) return true;
        return false;
    }

    internal static bool ImplementsInterface(MethodTable* source, MethodTable* target)
    {
        MethodTable** map = source->InterfaceMap;
        for (int i = 0; i < source->NumInterfaces; i++)
            if (map[i] == target) return true;
        return false;
    }
}
