// What the C# compiler itself needs of any corlib to compile the language features the contract
// allows (structs, enums, attributes, ref structs, fixed buffers, nullable annotations, `in` and
// `scoped` parameters, readonly members): not APIs a component calls, so not in the contract's
// list, but every corlib a component is compiled against has them. Declarations only.
#pragma warning disable CS0169, CS0649

namespace System
{
    public class Object { }
    public abstract class ValueType { }
    public struct Void { }
    public abstract class Array { }
    public abstract class Attribute { }
    public struct RuntimeTypeHandle { }
    public struct RuntimeFieldHandle { }
    public struct RuntimeMethodHandle { }
    public abstract class Type { }
    // Overload resolution of == and != considers the predefined delegate operators, so the
    // compiler looks these up even for `pointer == null`.
    public abstract class Delegate { }
    public abstract class MulticastDelegate : Delegate { }

    public enum AttributeTargets
    {
        Assembly = 1, Module = 2, Class = 4, Struct = 8, Enum = 16, Constructor = 32, Method = 64,
        Property = 128, Field = 256, Event = 512, Interface = 1024, Parameter = 2048, Delegate = 4096,
        ReturnValue = 8192, GenericParameter = 16384, All = 32767,
    }

    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { }
        public bool AllowMultiple { get; set; }
        public bool Inherited { get; set; }
    }
}

namespace System.Runtime.CompilerServices
{
    public sealed class IsByRefLikeAttribute : Attribute { }
    public sealed class IsReadOnlyAttribute : Attribute { }
    public sealed class IsUnmanagedAttribute : Attribute { }
    public sealed class FixedBufferAttribute : Attribute { public FixedBufferAttribute(Type elementType, int length) { } }
    public sealed class UnsafeValueTypeAttribute : Attribute { }
    public sealed class CompilerGeneratedAttribute : Attribute { }
    public sealed class ExtensionAttribute : Attribute { }
    public sealed class NullableAttribute : Attribute { public NullableAttribute(byte value) { } public NullableAttribute(byte[] value) { } }
    public sealed class NullableContextAttribute : Attribute { public NullableContextAttribute(byte value) { } }
    public sealed class NullablePublicOnlyAttribute : Attribute { public NullablePublicOnlyAttribute(bool value) { } }
    public sealed class RefSafetyRulesAttribute : Attribute { public RefSafetyRulesAttribute(int version) { } }
    public sealed class ScopedRefAttribute : Attribute { }
    public sealed class RequiresLocationAttribute : Attribute { }
    public sealed class CompilerFeatureRequiredAttribute : Attribute { public CompilerFeatureRequiredAttribute(string featureName) { } }
    public static class IsVolatile { }
    public static class IsConst { }

    public static class RuntimeFeature
    {
        public const string ByRefFields = nameof(ByRefFields);
        public const string NumericIntPtr = nameof(NumericIntPtr);
        public const string UnmanagedSignatureCallingConvention = nameof(UnmanagedSignatureCallingConvention);
    }
}

namespace System.Runtime.InteropServices
{
    public sealed class InAttribute : Attribute { }
    public sealed class OutAttribute : Attribute { }
    public enum UnmanagedType { }
}

namespace System.Reflection
{
    /// <summary>Emitted on a type that declares an indexer.</summary>
    public sealed class DefaultMemberAttribute : Attribute { public DefaultMemberAttribute(string memberName) { } }
}
