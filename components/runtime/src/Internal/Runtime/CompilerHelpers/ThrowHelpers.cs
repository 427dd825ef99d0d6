using System;
using Internal.TypeSystem;

namespace Internal.Runtime.CompilerHelpers;

/// <summary>Called by compiled code (found by name) when a runtime check fails. Each throw ends
/// in <c>RhpThrowEx</c>, which hands the exception to the host's panic.</summary>
internal static class ThrowHelpers
{
    internal static void ThrowBodyRemoved() => throw new NotSupportedException("method body removed by the compiler");
    internal static void ThrowFeatureBodyRemoved() => throw new NotSupportedException("feature removed by the compiler");
    internal static void ThrowInstanceBodyRemoved() => throw new NotSupportedException("instance method body removed by the compiler");
    internal static void ThrowUnavailableType() => throw new NotSupportedException("type not available in this build");
    internal static void ThrowBadImageFormatException(ExceptionStringID id) => throw new InvalidOperationException("bad image format");
    internal static void ThrowTypeLoadException(ExceptionStringID id, string className, string typeName) => throw new InvalidOperationException("type load failure");
    internal static void ThrowTypeLoadExceptionWithArgument(ExceptionStringID id, string className, string typeName, string messageArg) => throw new InvalidOperationException("type load failure");
    internal static void ThrowMissingMethodException(ExceptionStringID id, string methodName) => throw new InvalidOperationException("missing method");
    internal static void ThrowMissingFieldException(ExceptionStringID id, string fieldName) => throw new InvalidOperationException("missing field");
    internal static void ThrowFileNotFoundException(ExceptionStringID id, string fileName) => throw new InvalidOperationException("file not found");
    internal static void ThrowInvalidProgramException(ExceptionStringID id) => throw new InvalidOperationException("invalid program");
    internal static void ThrowInvalidProgramExceptionWithArgument(ExceptionStringID id, string methodName) => throw new InvalidOperationException("invalid program");
    internal static void ThrowMarshalDirectiveException(ExceptionStringID id) => throw new NotSupportedException("marshalling is not supported");
    internal static void ThrowAmbiguousMatchException(ExceptionStringID id) => throw new InvalidOperationException("ambiguous match");
    internal static void ThrowNotSupportedInlineArrayEqualsGetHashCode() => throw new NotSupportedException();
    internal static void ThrowNullReferenceException() => throw new NullReferenceException();
    internal static void ThrowArgumentException() => throw new ArgumentException();
    internal static void ThrowArgumentOutOfRangeException() => throw new ArgumentOutOfRangeException();
    internal static void ThrowDivideByZeroException() => throw new DivideByZeroException();
    internal static void ThrowIndexOutOfRangeException() => throw new IndexOutOfRangeException();
    internal static void ThrowOverflowException() => throw new OverflowException();
    internal static void ThrowPlatformNotSupportedException() => throw new PlatformNotSupportedException();
    internal static void ThrowNotImplementedException() => throw new NotImplementedException();
    internal static void ThrowArrayTypeMismatchException() => throw new ArrayTypeMismatchException();
    internal static void ThrowNotSupportedException() => throw new NotSupportedException();
    internal static void ThrowTypeNotSupportedException() => throw new NotSupportedException("type not supported");
    internal static void ThrowVerificationException(int ilOffset) => throw new InvalidOperationException("unverifiable code");
}
