namespace System.Runtime.CompilerServices;

// Attributes the C# compiler or the NativeAOT compiler look for by name.

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Method | AttributeTargets.Field | AttributeTargets.Interface, Inherited = false)]
internal sealed class IntrinsicAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor)]
public sealed class MethodImplAttribute : Attribute
{
    public MethodImplAttribute(MethodImplOptions methodImplOptions) { Value = methodImplOptions; }
    public MethodImplAttribute(short value) { Value = (MethodImplOptions)value; }
    public MethodImplOptions Value { get; }
}

[Flags]
public enum MethodImplOptions
{
    Unmanaged = 0x0004, NoInlining = 0x0008, ForwardRef = 0x0010, Synchronized = 0x0020,
    NoOptimization = 0x0040, PreserveSig = 0x0080, AggressiveInlining = 0x0100,
    AggressiveOptimization = 0x0200, InternalCall = 0x1000,
}

[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class IndexerNameAttribute : Attribute { public IndexerNameAttribute(string indexerName) { } }

[AttributeUsage(AttributeTargets.Struct)]
public sealed class IsByRefLikeAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All)]
public sealed class IsReadOnlyAttribute : Attribute { }

public static class IsVolatile { }

public static class IsConst { }

[AttributeUsage(AttributeTargets.All)]
public sealed class IsUnmanagedAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Field)]
public sealed class FixedBufferAttribute : Attribute { public FixedBufferAttribute(Type elementType, int length) { } }

[AttributeUsage(AttributeTargets.All)]
public sealed class CompilerGeneratedAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ExtensionAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All)]
public sealed class NullableAttribute : Attribute
{
    public NullableAttribute(byte value) { }
    public NullableAttribute(byte[] value) { }
}

[AttributeUsage(AttributeTargets.All)]
public sealed class NullableContextAttribute : Attribute { public NullableContextAttribute(byte value) { } }

[AttributeUsage(AttributeTargets.All)]
public sealed class NullablePublicOnlyAttribute : Attribute { public NullablePublicOnlyAttribute(bool value) { } }

[AttributeUsage(AttributeTargets.All)]
public sealed class RefSafetyRulesAttribute : Attribute { public RefSafetyRulesAttribute(int version) { } }

[AttributeUsage(AttributeTargets.All)]
public sealed class ScopedRefAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All)]
public sealed class RequiresLocationAttribute : Attribute { }

[AttributeUsage(AttributeTargets.All, AllowMultiple = true)]
public sealed class CompilerFeatureRequiredAttribute : Attribute { public CompilerFeatureRequiredAttribute(string featureName) { } }

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerMemberNameAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerFilePathAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerLineNumberAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerArgumentExpressionAttribute : Attribute { public CallerArgumentExpressionAttribute(string parameterName) { } }

[AttributeUsage(AttributeTargets.Struct)]
public sealed class InlineArrayAttribute : Attribute { public InlineArrayAttribute(int length) { } }

[AttributeUsage(AttributeTargets.Method)]
public sealed class ModuleInitializerAttribute : Attribute { }

[AttributeUsage(AttributeTargets.Module | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface | AttributeTargets.Constructor | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Event, Inherited = false)]
public sealed class SkipLocalsInitAttribute : Attribute { }

/// <summary>Marks a type whose static constructor runs at start-up (section 205 of the module
/// header) instead of on first access.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class EagerStaticClassConstructionAttribute : Attribute { }

public static class RuntimeFeature
{
    public const string DefaultImplementationsOfInterfaces = nameof(DefaultImplementationsOfInterfaces);
    public const string ByRefFields = nameof(ByRefFields);
    public const string UnmanagedSignatureCallingConvention = nameof(UnmanagedSignatureCallingConvention);
    public const string VirtualStaticsInInterfaces = nameof(VirtualStaticsInInterfaces);
    public const string NumericIntPtr = nameof(NumericIntPtr);
    public const string ByRefLikeGenerics = nameof(ByRefLikeGenerics);
}

public static class RuntimeHelpers
{
    public static int OffsetToStringData => 12;

    [Intrinsic]
    public static bool IsReferenceOrContainsReferences<T>() => false;

    [Intrinsic]
    public static extern ReadOnlySpan<T> CreateSpan<T>(RuntimeFieldHandle fldHandle);
}

public struct StaticClassConstructionContext
{
    public volatile nint cctorMethodAddress;
}
