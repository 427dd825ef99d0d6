namespace System;

/// <summary>The base of every struct and enum. Nothing of the BCL's ValueType (no reflective
/// Equals or GetHashCode): a struct compares field by field only where its own code does.</summary>
public abstract class ValueType { }

/// <summary>The base of every enum. No Enum methods (no ToString, HasFlag, Parse): an enum is its
/// underlying integer, and casts are how code uses it.</summary>
public abstract class Enum : ValueType { }

/// <summary>The return type <c>void</c> in metadata.</summary>
public struct Void { }

/// <summary>The base of every attribute. Attributes are metadata for the compilers; nothing here
/// reads them at run time (there is no reflection).</summary>
public abstract class Attribute { }

/// <summary>Where an attribute class may be applied; read by the C# compiler.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class AttributeUsageAttribute : Attribute
{
    /// <summary>An attribute valid on <paramref name="validOn"/>.</summary>
    public AttributeUsageAttribute(AttributeTargets validOn) { }

    /// <summary>Whether the attribute may be applied more than once to one element.</summary>
    public bool AllowMultiple { get; set; }

    /// <summary>Whether derived classes and overriding members inherit the attribute.</summary>
    public bool Inherited { get; set; }
}

/// <summary>The elements an attribute may be applied to (<see cref="AttributeUsageAttribute"/>).</summary>
[Flags]
public enum AttributeTargets
{
    /// <summary>An assembly.</summary>
    Assembly = 0x0001,
    /// <summary>A module.</summary>
    Module = 0x0002,
    /// <summary>A class.</summary>
    Class = 0x0004,
    /// <summary>A struct.</summary>
    Struct = 0x0008,
    /// <summary>An enum.</summary>
    Enum = 0x0010,
    /// <summary>A constructor.</summary>
    Constructor = 0x0020,
    /// <summary>A method.</summary>
    Method = 0x0040,
    /// <summary>A property.</summary>
    Property = 0x0080,
    /// <summary>A field.</summary>
    Field = 0x0100,
    /// <summary>An event.</summary>
    Event = 0x0200,
    /// <summary>An interface.</summary>
    Interface = 0x0400,
    /// <summary>A parameter.</summary>
    Parameter = 0x0800,
    /// <summary>A delegate.</summary>
    Delegate = 0x1000,
    /// <summary>A return value.</summary>
    ReturnValue = 0x2000,
    /// <summary>A generic parameter.</summary>
    GenericParameter = 0x4000,
    /// <summary>Any element.</summary>
    All = 0x7FFF,
}

/// <summary>Marks an enum whose values are bits to combine.</summary>
[AttributeUsage(AttributeTargets.Enum)]
public sealed class FlagsAttribute : Attribute { }

/// <summary>Marks an element the compiler warns about using (CS0618).</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class ObsoleteAttribute : Attribute
{
    /// <summary>Obsolete, without a message.</summary>
    public ObsoleteAttribute() { }

    /// <summary>Obsolete, with the <paramref name="message"/> the warning shows.</summary>
    public ObsoleteAttribute(string message) { }
}

/// <summary>Whether an element is CLS compliant; read by compilers only.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class CLSCompliantAttribute : Attribute
{
    /// <summary>Compliant when <paramref name="isCompliant"/>.</summary>
    public CLSCompliantAttribute(bool isCompliant) { }
}

/// <summary>Emitted by the compiler on a <c>params</c> parameter. Calling such a method
/// allocates an array, which kernels usually avoid.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ParamArrayAttribute : Attribute { }

/// <summary>Marks a static field with one value per thread. Aurora's runtime has no thread-local
/// storage: do not use it in freestanding code.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class ThreadStaticAttribute : Attribute { }

/// <summary><c>T?</c> for a struct <typeparamref name="T"/>: a value and whether there is one.</summary>
public struct Nullable<T> where T : struct
{
    private readonly bool hasValue;
    internal T value;

    /// <summary>A nullable that holds <paramref name="value"/>.</summary>
    public Nullable(T value) { this.value = value; hasValue = true; }

    /// <summary>Whether there is a value.</summary>
    public readonly bool HasValue => hasValue;

    /// <summary>The value, or default(<typeparamref name="T"/>) when there is none.</summary>
    public readonly T GetValueOrDefault() => value;

    /// <summary>A nullable that holds <paramref name="value"/>.</summary>
    public static implicit operator T?(T value) => new T?(value);
}

/// <summary>A type's method table pointer, as <c>typeof</c> and the casting helpers pass it.</summary>
public struct RuntimeTypeHandle
{
    internal nint Value;
    internal RuntimeTypeHandle(nint value) { Value = value; }
}

/// <summary>Exists because the compiler refers to it (<c>ldtoken</c> of a method); no reflection uses it.</summary>
public struct RuntimeMethodHandle { internal nint Value; }

/// <summary>The address of a field's data, as the compiler passes static array data
/// (<see cref="Runtime.CompilerServices.RuntimeHelpers.CreateSpan{T}"/>).</summary>
public struct RuntimeFieldHandle { internal nint Value; }

/// <summary>Exists because the compiler refers to it; there is no reflection in Aurora.</summary>
public abstract class Type
{
    /// <summary>Always null: there are no Type objects.</summary>
    public static Type? GetTypeFromHandle(RuntimeTypeHandle handle) => null;
}

/// <summary>Something to release with <c>using</c>.</summary>
public interface IDisposable
{
    /// <summary>Releases what the object holds.</summary>
    void Dispose();
}

/// <summary>A method with no arguments and no result.</summary>
public delegate void Action();

/// <summary>A method with one argument and no result.</summary>
public delegate void Action<in T>(T arg);

/// <summary>A method with no arguments and a result.</summary>
public delegate TResult Func<out TResult>();

/// <summary>A method with one argument and a result.</summary>
public delegate TResult Func<in T, out TResult>(T arg);
