namespace Internal.TypeSystem;

/// <summary>Reasons the compiler passes to the throw helpers for code it could not compile.
/// Same order as ILCompiler's own enum.</summary>
public enum ExceptionStringID
{
    /// <summary>The compiler found that a type could not be loaded.</summary>
    ClassLoadGeneral,
    /// <summary>The compiler found that a generic type has explicit layout.</summary>
    ClassLoadExplicitGeneric,
    /// <summary>The compiler found that a type is malformed.</summary>
    ClassLoadBadFormat,
    /// <summary>The compiler found that an explicit layout overlaps a reference with other data.</summary>
    ClassLoadExplicitLayout,
    /// <summary>The compiler found that a struct is too large.</summary>
    ClassLoadValueClassTooLarge,
    /// <summary>The compiler found that an array has too many dimensions.</summary>
    ClassLoadRankTooLarge,
    /// <summary>The compiler found that an inline array struct does not have exactly one field.</summary>
    ClassLoadInlineArrayFieldCount,
    /// <summary>The compiler found that an inline array length is invalid.</summary>
    ClassLoadInlineArrayLength,
    /// <summary>The compiler found that an inline array has explicit layout.</summary>
    ClassLoadInlineArrayExplicit,
    /// <summary>The compiler found that an inline array has an explicit size.</summary>
    ClassLoadInlineArrayExplicitSize,
    /// <summary>The compiler found that a called method does not exist.</summary>
    MissingMethod,
    /// <summary>The compiler found that a used field does not exist.</summary>
    MissingField,
    /// <summary>The compiler found that an assembly could not be loaded.</summary>
    FileLoadErrorGeneric,
    /// <summary>The compiler found that the IL is invalid.</summary>
    InvalidProgramDefault,
    /// <summary>The compiler found that the IL of a method is invalid.</summary>
    InvalidProgramSpecific,
    /// <summary>The compiler found that a varargs method is called.</summary>
    InvalidProgramVararg,
    /// <summary>The compiler found that a finalizer is called virtually.</summary>
    InvalidProgramCallVirtFinalize,
    /// <summary>The compiler found that an UnmanagedCallersOnly method is not static.</summary>
    InvalidProgramNonStaticMethod,
    /// <summary>The compiler found that an UnmanagedCallersOnly method is generic.</summary>
    InvalidProgramGenericMethod,
    /// <summary>The compiler found that an UnmanagedCallersOnly method has non-blittable parameters.</summary>
    InvalidProgramNonBlittableTypes,
    /// <summary>The compiler found that a method names several calling conventions.</summary>
    InvalidProgramMultipleCallConv,
    /// <summary>The compiler found that an input assembly is malformed.</summary>
    BadImageFormatGeneric,
    /// <summary>The compiler found that a marshalling directive is invalid.</summary>
    MarshalDirectiveGeneric,
    /// <summary>The compiler found that an UnsafeAccessor matches several members.</summary>
    AmbiguousMatchUnsafeAccessor,
}
