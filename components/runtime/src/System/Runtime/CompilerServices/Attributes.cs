namespace System.Runtime.CompilerServices;

// Attributes the C# compiler or the NativeAOT compiler look for by name.

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Method | AttributeTargets.Field | AttributeTargets.Interface, Inherited = false)]
internal sealed class IntrinsicAttribute : Attribute { }

/// <summary>How the compilers treat a method: inlining (the components' hot paths use
/// <see cref="MethodImplOptions.AggressiveInlining"/> and <see cref="MethodImplOptions.NoInlining"/>),
/// and <see cref="MethodImplOptions.InternalCall"/> for methods the runtime implements.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor)]
public sealed class MethodImplAttribute : Attribute
{
    /// <summary>A method compiled with <paramref name="methodImplOptions"/>.</summary>
    public MethodImplAttribute(MethodImplOptions methodImplOptions) { Value = methodImplOptions; }
    /// <summary>The same, from the raw metadata value.</summary>
    public MethodImplAttribute(short value) { Value = (MethodImplOptions)value; }
    /// <summary>The options given.</summary>
    public MethodImplOptions Value { get; }
}

/// <summary>The method implementation flags of ECMA-335 (II.23.1.11), as the BCL names them.</summary>
[Flags]
public enum MethodImplOptions
{
    /// <summary>Unmanaged code.</summary>
    Unmanaged = 0x0004,
    /// <summary>Never inline the method.</summary>
    NoInlining = 0x0008,
    /// <summary>Declared, defined elsewhere.</summary>
    ForwardRef = 0x0010,
    /// <summary>One thread at a time (not supported here: there is no monitor).</summary>
    Synchronized = 0x0020,
    /// <summary>Do not optimize the method.</summary>
    NoOptimization = 0x0040,
    /// <summary>Keep the signature exactly as declared (interop).</summary>
    PreserveSig = 0x0080,
    /// <summary>Inline the method wherever possible.</summary>
    AggressiveInlining = 0x0100,
    /// <summary>Compile with full optimization at once (no tiering).</summary>
    AggressiveOptimization = 0x0200,
    /// <summary>Implemented by the runtime itself.</summary>
    InternalCall = 0x1000,
}

/// <summary>The metadata name of an indexer (C# <c>[IndexerName]</c>); the compiler reads it,
/// nothing at run time does.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class IndexerNameAttribute : Attribute
{
    /// <summary>An indexer named <paramref name="indexerName"/> in metadata.</summary>
    public IndexerNameAttribute(string indexerName) { }
}

/// <summary>Emitted by the compiler on <c>ref struct</c> types.</summary>
[AttributeUsage(AttributeTargets.Struct)]
public sealed class IsByRefLikeAttribute : Attribute { }

/// <summary>Emitted by the compiler on <c>readonly</c> structs and members and on <c>in</c>
/// parameters.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class IsReadOnlyAttribute : Attribute { }

/// <summary>The compiler's modifier (modreq) on <c>volatile</c> fields.</summary>
public static class IsVolatile { }

/// <summary>The compiler's modifier on <c>const</c> pointers and references in signatures it
/// imports.</summary>
public static class IsConst { }

/// <summary>Emitted by the compiler on type parameters with the <c>unmanaged</c>
/// constraint.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class IsUnmanagedAttribute : Attribute { }

/// <summary>Emitted by the compiler on <c>fixed</c> buffer fields of unsafe structs.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class FixedBufferAttribute : Attribute
{
    /// <summary>A fixed buffer of <paramref name="length"/> elements of <paramref
    /// name="elementType"/>.</summary>
    public FixedBufferAttribute(Type elementType, int length) { }
}

/// <summary>Marks code the compiler generated (lambdas' closures, backing fields).</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class CompilerGeneratedAttribute : Attribute { }

/// <summary>Emitted by the compiler on extension methods and the types and assemblies that declare
/// them.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ExtensionAttribute : Attribute { }

/// <summary>Emitted by the compiler: the nullable annotations of a type in a signature.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class NullableAttribute : Attribute
{
    /// <summary>One annotation for the whole type: 0 oblivious, 1 not annotated, 2 annotated.</summary>
    public NullableAttribute(byte value) { }
    /// <summary>An annotation per type in the signature, in order.</summary>
    public NullableAttribute(byte[] value) { }
}

/// <summary>Emitted by the compiler: the default nullable annotation of the members of a type or
/// method.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class NullableContextAttribute : Attribute
{
    /// <summary>The default annotation: 0 oblivious, 1 not annotated, 2 annotated.</summary>
    public NullableContextAttribute(byte value) { }
}

/// <summary>Emitted by the compiler on a module whose nullable attributes cover public members
/// only.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class NullablePublicOnlyAttribute : Attribute
{
    /// <summary>Whether internal members are covered too (true: they are).</summary>
    public NullablePublicOnlyAttribute(bool value) { }
}

/// <summary>Emitted by the compiler on a module: which ref safety rules (C# 11's) it was compiled
/// with.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class RefSafetyRulesAttribute : Attribute
{
    /// <summary>Compiled with the ref safety rules of C# <paramref name="version"/>.</summary>
    public RefSafetyRulesAttribute(int version) { }
}

/// <summary>Emitted by the compiler on <c>scoped</c> parameters and locals.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class ScopedRefAttribute : Attribute { }

/// <summary>Emitted by the compiler on <c>ref readonly</c> parameters.</summary>
[AttributeUsage(AttributeTargets.All)]
public sealed class RequiresLocationAttribute : Attribute { }

/// <summary>Emitted by the compiler on members a compiler must understand a feature to use
/// (<c>required</c> members, ref structs in generics).</summary>
[AttributeUsage(AttributeTargets.All, AllowMultiple = true)]
public sealed class CompilerFeatureRequiredAttribute : Attribute
{
    /// <summary>Requires the compiler feature <paramref name="featureName"/>.</summary>
    public CompilerFeatureRequiredAttribute(string featureName) { }
}

/// <summary>On an optional parameter: the compiler passes the calling member's name.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerMemberNameAttribute : Attribute { }

/// <summary>On an optional parameter: the compiler passes the calling source file's path.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerFilePathAttribute : Attribute { }

/// <summary>On an optional parameter: the compiler passes the calling line number.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerLineNumberAttribute : Attribute { }

/// <summary>On an optional parameter: the compiler passes the source text of another
/// argument.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class CallerArgumentExpressionAttribute : Attribute
{
    /// <summary>The text of the argument for <paramref name="parameterName"/>.</summary>
    public CallerArgumentExpressionAttribute(string parameterName) { }
}

/// <summary>A struct whose single field repeats <c>length</c> times (C# 12 inline
/// arrays).</summary>
[AttributeUsage(AttributeTargets.Struct)]
public sealed class InlineArrayAttribute : Attribute
{
    /// <summary>Repeats the struct's field <paramref name="length"/> times.</summary>
    public InlineArrayAttribute(int length) { }
}

/// <summary>Marks a static method the module runs at start-up; here <see
/// cref="Internal.Runtime.ModuleInitializer.InitializeModules"/> runs it, once the host calls
/// that.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ModuleInitializerAttribute : Attribute { }

/// <summary>Tells the compiler not to zero locals (no <c>.locals init</c>) in the marked
/// code.</summary>
[AttributeUsage(AttributeTargets.Module | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface | AttributeTargets.Constructor | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Event, Inherited = false)]
public sealed class SkipLocalsInitAttribute : Attribute { }

/// <summary>Marks a type whose static constructor runs at start-up (section 205 of the module
/// header) instead of on first access.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class EagerStaticClassConstructionAttribute : Attribute { }

/// <summary>The runtime features the C# compiler checks the corlib for before it emits code
/// that needs them; each constant's presence says "supported".</summary>
public static class RuntimeFeature
{
    /// <summary>Interface methods with bodies.</summary>
    public const string DefaultImplementationsOfInterfaces = nameof(DefaultImplementationsOfInterfaces);
    /// <summary><c>ref</c> fields in ref structs (what <see cref="System.Span{T}"/> holds).</summary>
    public const string ByRefFields = nameof(ByRefFields);
    /// <summary>Function pointers with an unmanaged calling convention.</summary>
    public const string UnmanagedSignatureCallingConvention = nameof(UnmanagedSignatureCallingConvention);
    /// <summary>Static abstract and virtual interface members.</summary>
    public const string VirtualStaticsInInterfaces = nameof(VirtualStaticsInInterfaces);
    /// <summary><c>nint</c> and <c>nuint</c> are <see cref="IntPtr"/> and <see cref="UIntPtr"/> with arithmetic.</summary>
    public const string NumericIntPtr = nameof(NumericIntPtr);
    /// <summary>Ref structs as generic arguments (<c>allows ref struct</c>).</summary>
    public const string ByRefLikeGenerics = nameof(ByRefLikeGenerics);
}

/// <summary>What compiled code asks the runtime about strings, types and static data.</summary>
public static class RuntimeHelpers
{
    /// <summary>Bytes from a string reference to its first character (the method table pointer
    /// and the length come first): what <c>fixed (char* p = s)</c> adds.</summary>
    public static int OffsetToStringData => 12;

    /// <summary>Whether <typeparamref name="T"/> is or contains object references. Replaced by
    /// the compiler per type (an intrinsic); this body, false, is never what runs.</summary>
    [Intrinsic]
    public static bool IsReferenceOrContainsReferences<T>() => false;

    /// <summary>A span over static data the compiler emitted (a <c>ReadOnlySpan&lt;T&gt;</c>
    /// property returning a constant array of T wider than a byte). An intrinsic: no body.</summary>
    [Intrinsic]
    public static extern ReadOnlySpan<T> CreateSpan<T>(RuntimeFieldHandle fldHandle);
}

/// <summary>The state of one type's static constructor, laid out as the NativeAOT compiler
/// expects (ClassConstructorRunner reads it).</summary>
public struct StaticClassConstructionContext
{
    /// <summary>The static constructor's address until it starts; 0 from then on.</summary>
    public volatile nint cctorMethodAddress;
}
