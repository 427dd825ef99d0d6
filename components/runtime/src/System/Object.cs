using Internal.Runtime;

namespace System;

/// <summary>The root of every reference type. Its only state is the MethodTable pointer the
/// compiler lays at offset 0 of each object.</summary>
public class Object
{
#pragma warning disable CS0169, CS0649 // written by the allocator, read through pointers
    internal unsafe MethodTable* m_pMethodTable;
#pragma warning restore CS0169, CS0649

    public Object() { }

    ~Object() { }

    public virtual bool Equals(object? obj) => ReferenceEquals(this, obj);

    public virtual int GetHashCode() => 0;

    public virtual string? ToString() => null;

    public static bool ReferenceEquals(object? a, object? b) => a == b;

    internal unsafe MethodTable* GetMethodTable() => m_pMethodTable;
}
