using System.Runtime.CompilerServices;

namespace Internal.Runtime;

/// <summary>
/// Our read-only view of the type descriptor the NativeAOT compiler (ILCompiler 10.0) emits for
/// every type. Layout: the fixed header below, then the vtable (pointer-sized slots), then the
/// interface map (one MethodTable* per interface), then optional fields, each a 32-bit relative
/// pointer: type manager, writable data, dispatch map (if HasDispatchMap), finalizer,
/// sealed virtual slots (if HasSealedVTableEntries), generic definition and composition.
/// </summary>
internal unsafe struct MethodTable
{
    // Flags in the upper 16 bits of _uFlags (MethodTable.Constants.cs, EETypeFlags).
    private const uint HasComponentSizeFlag = 0x80000000;
    private const uint KindMask = 0x00030000;
    private const uint HasDispatchMapFlag = 0x00040000;
    private const uint HasFinalizerFlag = 0x00100000;
    private const uint HasSealedVTableEntriesFlag = 0x00400000;
    private const uint IsGenericFlag = 0x02000000;
    private const uint ElementTypeMask = 0x7C000000;
    private const int ElementTypeShift = 26;

    /// <summary>The compiler substitutes the MethodTable address of T.</summary>
    [Intrinsic]
    internal static extern MethodTable* Of<T>();

    internal uint _uFlags;
    internal uint _uBaseSize;
    internal MethodTable* _relatedType;
    internal ushort _usNumVtableSlots;
    internal ushort _usNumInterfaces;
    internal uint _uHashCode;

    internal bool HasComponentSize => (_uFlags & HasComponentSizeFlag) != 0;
    internal ushort ComponentSize => HasComponentSize ? (ushort)_uFlags : (ushort)0;
    internal uint BaseSize => _uBaseSize;
    internal ushort NumVtableSlots => _usNumVtableSlots;
    internal ushort NumInterfaces => _usNumInterfaces;
    internal ElementType ElementType => (ElementType)((_uFlags & ElementTypeMask) >> ElementTypeShift);
    internal bool IsInterface => ElementType == ElementType.Interface;
    internal bool IsArray => ElementType == ElementType.Array || ElementType == ElementType.SzArray;
    internal bool IsValueType => ElementType < ElementType.Class;
    internal bool IsNullable => ElementType == ElementType.Nullable;
    internal bool IsParameterized => (_uFlags & KindMask) == 0x00020000;
    internal bool HasDispatchMap => (_uFlags & HasDispatchMapFlag) != 0;
    internal bool IsFinalizable => (_uFlags & HasFinalizerFlag) != 0;
    internal bool HasSealedVTableEntries => (_uFlags & HasSealedVTableEntriesFlag) != 0;

    /// <summary>Size of a value type's fields, without the box's header and padding.</summary>
    internal uint ValueTypeSize => _uBaseSize - 16 - ((_uFlags & 0xE0) >> 5);

    /// <summary>For Nullable&lt;T&gt;: where the value sits after the hasValue flag.</summary>
    internal int NullableValueOffset => 1 << (int)((_uFlags & 0x700) >> 8);

    /// <summary>Base class for classes; element type for arrays; underlying type for Nullable.</summary>
    internal MethodTable* RelatedType => _relatedType;

    internal MethodTable* BaseType => IsArray || IsParameterized ? null : _relatedType;

    internal nint* Vtable => (nint*)((byte*)Unsafe.AsPointer(ref this) + sizeof(MethodTable));

    internal MethodTable** InterfaceMap => (MethodTable**)(Vtable + _usNumVtableSlots);

    private byte* OptionalFieldsStart => (byte*)(InterfaceMap + _usNumInterfaces);

    internal DispatchMap* DispatchMap
    {
        get
        {
            if (!HasDispatchMap) return null;
            // Skip the type manager and writable data relative pointers (4 bytes each).
            return (DispatchMap*)FollowRelativePointer((int*)(OptionalFieldsStart + 8));
        }
    }

    internal nint GetSealedVirtualSlot(ushort slot)
    {
        byte* sealedSlots = OptionalFieldsStart + 8;
        if (HasDispatchMap) sealedSlots += 4;
        if (IsFinalizable) sealedSlots += 4;
        int* table = (int*)FollowRelativePointer((int*)sealedSlots);
        return (nint)FollowRelativePointer(table + slot);
    }

    /// <summary>The T of a Nullable&lt;T&gt;: its single generic argument. With one argument the
    /// generic composition field is a relative pointer straight to it.</summary>
    internal MethodTable* NullableType
    {
        get
        {
            byte* composition = OptionalFieldsStart + 8;
            if (HasDispatchMap) composition += 4;
            if (IsFinalizable) composition += 4;
            if (HasSealedVTableEntries) composition += 4;
            composition += 4; // generic definition
            return (MethodTable*)FollowRelativePointer((int*)composition);
        }
    }

    internal static byte* FollowRelativePointer(int* pointer) => (byte*)pointer + *pointer;
}

internal enum ElementType
{
    Unknown = 0, Void, Boolean, Char, SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64,
    IntPtr, UIntPtr, Single, Double, ValueType, Nullable = 0x12, Class = 0x14, Interface,
    SystemArray, Array, SzArray, ByRef, Pointer, FunctionPointer,
}

/// <summary>Maps (interface index, interface slot) to the implementing vtable slot.</summary>
internal unsafe struct DispatchMap
{
    internal ushort StandardEntryCount;
    internal ushort DefaultEntryCount;
    internal ushort StandardStaticEntryCount;
    internal ushort DefaultStaticEntryCount;

    internal DispatchMapEntry* Entries => (DispatchMapEntry*)((byte*)Unsafe.AsPointer(ref this) + 8);
}

internal struct DispatchMapEntry
{
    internal ushort InterfaceIndex;
    internal ushort InterfaceMethodSlot;
    internal ushort ImplMethodSlot;
}
