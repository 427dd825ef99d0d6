namespace System;

public abstract class ValueType { }

public abstract class Enum : ValueType { }

public struct Void { }

public abstract class Attribute { }

[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class AttributeUsageAttribute : Attribute
{
    public AttributeUsageAttribute(AttributeTargets validOn) { }
    public bool AllowMultiple { get; set; }
    public bool Inherited { get; set; }
}

[Flags]
public enum AttributeTargets
{
    Assembly = 0x0001, Module = 0x0002, Class = 0x0004, Struct = 0x0008, Enum = 0x0010,
    Constructor = 0x0020, Method = 0x0040, Property = 0x0080, Field = 0x0100, Event = 0x0200,
    Interface = 0x0400, Parameter = 0x0800, Delegate = 0x1000, ReturnValue = 0x2000,
    GenericParameter = 0x4000, All = 0x7FFF,
}

[AttributeUsage(AttributeTargets.Enum)]
public sealed class FlagsAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All)]
public sealed class ObsoleteAttribute : Attribute
{
    public ObsoleteAttribute() { }
    public ObsoleteAttribute(string message) { }
}

[AttributeUsage(AttributeTargets.All)]
public sealed class CLSCompliantAttribute : Attribute
{
    public CLSCompliantAttribute(bool isCompliant) { }
}

[AttributeUsage(AttributeTargets.Method)]
public sealed class ParamArrayAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Field)]
public sealed class ThreadStaticAttribute : Attribute { }

public struct Nullable<T> where T : struct
{
    private readonly bool hasValue;
    internal T value;

    public Nullable(T value) { this.value = value; hasValue = true; }
    public readonly bool HasValue => hasValue;
    public readonly T GetValueOrDefault() => value;
    public static implicit operator T?(T value) => new T?(value);
}

public struct RuntimeTypeHandle
{
    internal nint Value;
    internal RuntimeTypeHandle(nint value) { Value = value; }
}

public struct RuntimeMethodHandle { internal nint Value; }

public struct RuntimeFieldHandle { internal nint Value; }

/// <summary>Exists because the compiler refers to it; there is no reflection in Aurora.</summary>
public abstract class Type
{
    public static Type? GetTypeFromHandle(RuntimeTypeHandle handle) => null;
}

public interface IDisposable { void Dispose(); }

public delegate void Action();
public delegate void Action<in T>(T arg);
public delegate TResult Func<out TResult>();
public delegate TResult Func<in T, out TResult>(T arg);
