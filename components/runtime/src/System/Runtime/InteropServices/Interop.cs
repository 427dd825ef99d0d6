namespace System.Runtime.InteropServices;

/// <summary>How a struct's fields are laid out (<see cref="StructLayoutAttribute"/>).</summary>
public enum LayoutKind
{
    /// <summary>In declaration order, each aligned for its type.</summary>
    Sequential = 0,
    /// <summary>At the offsets <see cref="FieldOffsetAttribute"/> gives.</summary>
    Explicit = 2,
    /// <summary>As the compiler chooses.</summary>
    Auto = 3,
}

/// <summary>Character marshalling for interop; exists for the compiler, no marshaller reads it here.</summary>
public enum CharSet
{
    /// <summary>No preference.</summary>
    None = 1,
    /// <summary>8-bit characters.</summary>
    Ansi = 2,
    /// <summary>UTF-16 characters.</summary>
    Unicode = 3,
    /// <summary>The platform's choice.</summary>
    Auto = 4,
}

/// <summary>Calling conventions of <see cref="DllImportAttribute"/>; on x86_64 they are all the
/// System V convention.</summary>
public enum CallingConvention
{
    /// <summary>The platform default.</summary>
    Winapi = 1,
    /// <summary>C's convention.</summary>
    Cdecl = 2,
    /// <summary>Callee cleans the stack (x86 only).</summary>
    StdCall = 3,
    /// <summary>The instance in a register (x86 only).</summary>
    ThisCall = 4,
    /// <summary>Not supported.</summary>
    FastCall = 5,
}

/// <summary>A struct's layout in memory, read by the compilers (hardware and ABI structures use
/// <see cref="LayoutKind.Explicit"/> or <see cref="LayoutKind.Sequential"/> with a
/// <see cref="Size"/>).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class StructLayoutAttribute : Attribute
{
    /// <summary>A layout of kind <paramref name="layoutKind"/>.</summary>
    public StructLayoutAttribute(LayoutKind layoutKind) { Value = layoutKind; }
    /// <summary>The layout kind.</summary>
    public LayoutKind Value { get; }
    /// <summary>The largest alignment of a field, in bytes (0: natural).</summary>
    public int Pack;
    /// <summary>The struct's size in bytes, at least that of its fields (0: from the fields).</summary>
    public int Size;
    /// <summary>Character marshalling; unused here.</summary>
    public CharSet CharSet;
}

/// <summary>A field's offset in bytes from the start of an explicit-layout struct.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class FieldOffsetAttribute : Attribute
{
    /// <summary>The field starts <paramref name="offset"/> bytes into the struct.</summary>
    public FieldOffsetAttribute(int offset) { Value = offset; }
    /// <summary>The offset in bytes.</summary>
    public int Value { get; }
}

/// <summary>Emitted by the compiler (as a modifier) on <c>in</c> parameters of virtual methods.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class InAttribute : Attribute { }

/// <summary>Emitted by the compiler on <c>out</c> parameters.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class OutAttribute : Attribute { }

/// <summary>A static method native code calls directly (interrupt and entry stubs): the
/// NativeAOT compiler exports it, under <see cref="EntryPoint"/> when given.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class UnmanagedCallersOnlyAttribute : Attribute
{
    /// <summary>The exported symbol's name; null: not exported by name.</summary>
    public string? EntryPoint;
    /// <summary>Calling convention types; null: the platform's (System V on x86_64).</summary>
    public Type[]? CallConvs;
}

/// <summary>A method implemented by native code, a symbol the kernel's assembly or the linker
/// provides.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DllImportAttribute : Attribute
{
    /// <summary>Implemented in <paramref name="dllName"/>.</summary>
    public DllImportAttribute(string dllName) { }
    /// <summary>The native symbol; null: the method's name.</summary>
    public string? EntryPoint;
    /// <summary>The calling convention.</summary>
    public CallingConvention CallingConvention;
}

/// <summary>Spans without checks: the reference under a span, and spans over a reference.</summary>
public static class MemoryMarshal
{
    /// <summary>A reference to the first element (for an empty span, where it would be).</summary>
    public static ref T GetReference<T>(Span<T> span) => ref span._reference;
    /// <summary>A reference to the first element (for an empty span, where it would be).</summary>
    public static ref T GetReference<T>(ReadOnlySpan<T> span) => ref span._reference;
    /// <summary>A span over <paramref name="length"/> elements from <paramref name="reference"/>; nothing is checked.</summary>
    public static Span<T> CreateSpan<T>(ref T reference, int length) => new Span<T>(ref reference, length);
    /// <summary>A read-only span over <paramref name="length"/> elements from <paramref name="reference"/>; nothing is checked.</summary>
    public static ReadOnlySpan<T> CreateReadOnlySpan<T>(ref T reference, int length) => new ReadOnlySpan<T>(ref reference, length);
}
