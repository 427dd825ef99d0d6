namespace System.Runtime.InteropServices;

public enum LayoutKind { Sequential = 0, Explicit = 2, Auto = 3 }

public enum CharSet { None = 1, Ansi = 2, Unicode = 3, Auto = 4 }

public enum CallingConvention { Winapi = 1, Cdecl = 2, StdCall = 3, ThisCall = 4, FastCall = 5 }

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class StructLayoutAttribute : Attribute
{
    public StructLayoutAttribute(LayoutKind layoutKind) { Value = layoutKind; }
    public LayoutKind Value { get; }
    public int Pack;
    public int Size;
    public CharSet CharSet;
}

[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class FieldOffsetAttribute : Attribute
{
    public FieldOffsetAttribute(int offset) { Value = offset; }
    public int Value { get; }
}

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class InAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class OutAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Method)]
public sealed class UnmanagedCallersOnlyAttribute : Attribute
{
    public string? EntryPoint;
    public Type[]? CallConvs;
}

[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DllImportAttribute : Attribute
{
    public DllImportAttribute(string dllName) { }
    public string? EntryPoint;
    public CallingConvention CallingConvention;
}

public static class MemoryMarshal
{
    public static ref T GetReference<T>(Span<T> span) => ref span._reference;
    public static ref T GetReference<T>(ReadOnlySpan<T> span) => ref span._reference;
    public static Span<T> CreateSpan<T>(ref T reference, int length) => new Span<T>(ref reference, length);
    public static ReadOnlySpan<T> CreateReadOnlySpan<T>(ref T reference, int length) => new ReadOnlySpan<T>(ref reference, length);
}
