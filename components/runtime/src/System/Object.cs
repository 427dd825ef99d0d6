using Internal.Runtime;

namespace System;

/// <summary>The root of every reference type. Its only state is the MethodTable pointer the
/// compiler lays at offset 0 of each object.</summary>
public class Object
{
#pragma warning disable CS0169, CS0649 // written by the allocator, read through pointers
    internal unsafe MethodTable* m_pMethodTable;
#pragma warning restore CS0169, CS0649

    /// <summary>A new object (the allocator has already set its method table).</summary>
    public Object() { }

    /// <summary>The finalizer: there is no garbage collector, so it never runs.</summary>
    ~Object() { }

    /// <summary>Whether <paramref name="obj"/> is this same object (reference equality unless
    /// overridden).</summary>
    public virtual bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <summary>0 unless overridden: there is no per-object hash code.</summary>
    public virtual int GetHashCode() => 0;

    /// <summary>null unless overridden: there is no formatting of objects.</summary>
    public virtual string? ToString() => null;

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are the same object (or both
    /// null).</summary>
    public static bool ReferenceEquals(object? a, object? b) => a == b;

    internal unsafe MethodTable* GetMethodTable() => m_pMethodTable;
}
