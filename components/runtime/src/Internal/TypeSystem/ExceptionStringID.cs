namespace Internal.TypeSystem;

/// <summary>Reasons the compiler passes to the throw helpers for code it could not compile.
/// Same order as ILCompiler's own enum.</summary>
public enum ExceptionStringID
{
    ClassLoadGeneral, ClassLoadExplicitGeneric, ClassLoadBadFormat, ClassLoadExplicitLayout,
    ClassLoadValueClassTooLarge, ClassLoadRankTooLarge, ClassLoadInlineArrayFieldCount,
    ClassLoadInlineArrayLength, ClassLoadInlineArrayExplicit, ClassLoadInlineArrayExplicitSize,
    MissingMethod, MissingField, FileLoadErrorGeneric, InvalidProgramDefault, InvalidProgramSpecific,
    InvalidProgramVararg, InvalidProgramCallVirtFinalize, InvalidProgramNonStaticMethod,
    InvalidProgramGenericMethod, InvalidProgramNonBlittableTypes, InvalidProgramMultipleCallConv,
    BadImageFormatGeneric, MarshalDirectiveGeneric, AmbiguousMatchUnsafeAccessor,
}
