namespace System;

/// <summary>Aurora has no unwinder: a thrown exception ends in <c>RhpThrowEx</c>, which panics
/// naming the exception's type and message. Each type passes its own name to the base class
/// because there is no reflection metadata to read it from.</summary>
public class Exception
{
    internal readonly string _typeName;
    internal readonly string? _message;

    public Exception() : this("System.Exception", (string?)null) { }
    public Exception(string? message) : this("System.Exception", message) { }
    public Exception(string? message, Exception? innerException) : this("System.Exception", message) { }

    protected Exception(string typeName, string? message)
    {
        _typeName = typeName;
        _message = message;
    }

    public virtual string Message => _message ?? "(no message)";
    public string TypeName => _typeName;
}

public class SystemException : Exception
{
    public SystemException() : base("System.SystemException", (string?)null) { }
    protected SystemException(string typeName, string? message) : base(typeName, message) { }
}

public sealed class IndexOutOfRangeException : SystemException
{
    public IndexOutOfRangeException() : base("System.IndexOutOfRangeException", "Index was outside the bounds of the array.") { }
}

public sealed class NullReferenceException : SystemException
{
    public NullReferenceException() : base("System.NullReferenceException", "Object reference not set to an instance of an object.") { }
}

public sealed class DivideByZeroException : SystemException
{
    public DivideByZeroException() : base("System.DivideByZeroException", "Attempted to divide by zero.") { }
}

public sealed class OverflowException : SystemException
{
    public OverflowException() : base("System.OverflowException", "Arithmetic operation resulted in an overflow.") { }
}

public sealed class InvalidCastException : SystemException
{
    public InvalidCastException() : base("System.InvalidCastException", "Specified cast is not valid.") { }
}

public sealed class ArrayTypeMismatchException : SystemException
{
    public ArrayTypeMismatchException() : base("System.ArrayTypeMismatchException", "Attempted to access an element as a type incompatible with the array.") { }
}

public sealed class OutOfMemoryException : SystemException
{
    public OutOfMemoryException() : base("System.OutOfMemoryException", "Insufficient memory to continue.") { }
}

public sealed class NotSupportedException : SystemException
{
    public NotSupportedException() : base("System.NotSupportedException", "Specified method is not supported.") { }
    public NotSupportedException(string message) : base("System.NotSupportedException", message) { }
}

public sealed class NotImplementedException : SystemException
{
    public NotImplementedException() : base("System.NotImplementedException", "The method or operation is not implemented.") { }
}

public sealed class InvalidOperationException : SystemException
{
    public InvalidOperationException() : base("System.InvalidOperationException", "Operation is not valid due to the current state of the object.") { }
    public InvalidOperationException(string message) : base("System.InvalidOperationException", message) { }
}

public class ArgumentException : SystemException
{
    public ArgumentException() : base("System.ArgumentException", "Value does not fall within the expected range.") { }
    public ArgumentException(string message) : base("System.ArgumentException", message) { }
    protected ArgumentException(string typeName, string message) : base(typeName, message) { }
}

public sealed class ArgumentNullException : ArgumentException
{
    public ArgumentNullException() : base("System.ArgumentNullException", "Value cannot be null.") { }
}

public sealed class ArgumentOutOfRangeException : ArgumentException
{
    public ArgumentOutOfRangeException() : base("System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values.") { }
}

public sealed class PlatformNotSupportedException : SystemException
{
    public PlatformNotSupportedException() : base("System.PlatformNotSupportedException", "Operation is not supported on this platform.") { }
}
