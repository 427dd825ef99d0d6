namespace System;

/// <summary>Aurora has no unwinder: a thrown exception ends in <c>RhpThrowEx</c>, which panics
/// naming the exception's type and message. Each type passes its own name to the base class
/// because there is no reflection metadata to read it from.</summary>
public class Exception
{
    internal readonly string _typeName;
    internal readonly string? _message;

    /// <summary>Without a message.</summary>
    public Exception() : this("System.Exception", (string?)null) { }
    /// <summary>With <paramref name="message"/>.</summary>
    public Exception(string? message) : this("System.Exception", message) { }
    /// <summary>With <paramref name="message"/>; <paramref name="innerException"/> is not kept.</summary>
    public Exception(string? message, Exception? innerException) : this("System.Exception", message) { }

    /// <summary>For a derived type: its full name <paramref name="typeName"/> (there is no
    /// reflection to find it) and <paramref name="message"/>.</summary>
    protected Exception(string typeName, string? message)
    {
        _typeName = typeName;
        _message = message;
    }

    /// <summary>The message given, or "(no message)".</summary>
    public virtual string Message => _message ?? "(no message)";
    /// <summary>The exception's full type name, e.g. "System.IndexOutOfRangeException" (what
    /// the panic report prints).</summary>
    public string TypeName => _typeName;
}

/// <summary>The base of the exceptions the runtime itself raises. Thrown, it is a panic (no unwinding).</summary>
public class SystemException : Exception
{
    /// <summary>Without a message.</summary>
    public SystemException() : base("System.SystemException", (string?)null) { }
    /// <summary>For a derived type: its full name <paramref name="typeName"/> (there is no reflection to find it) and <paramref name="message"/>.</summary>
    protected SystemException(string typeName, string? message) : base(typeName, message) { }
}

/// <summary>An array, span or string index out of range. Thrown, it is a panic (no unwinding).</summary>
public sealed class IndexOutOfRangeException : SystemException
{
    /// <summary>With the message "Index was outside the bounds of the array.".</summary>
    public IndexOutOfRangeException() : base("System.IndexOutOfRangeException", "Index was outside the bounds of the array.") { }
}

/// <summary>A null reference dereferenced where the compiler checks. Thrown, it is a panic (no unwinding).</summary>
public sealed class NullReferenceException : SystemException
{
    /// <summary>With the message "Object reference not set to an instance of an object.".</summary>
    public NullReferenceException() : base("System.NullReferenceException", "Object reference not set to an instance of an object.") { }
}

/// <summary>An integer division by zero. Thrown, it is a panic (no unwinding).</summary>
public sealed class DivideByZeroException : SystemException
{
    /// <summary>With the message "Attempted to divide by zero.".</summary>
    public DivideByZeroException() : base("System.DivideByZeroException", "Attempted to divide by zero.") { }
}

/// <summary>A <c>checked</c> arithmetic overflow or a failed conversion. Thrown, it is a panic (no unwinding).</summary>
public sealed class OverflowException : SystemException
{
    /// <summary>With the message "Arithmetic operation resulted in an overflow.".</summary>
    public OverflowException() : base("System.OverflowException", "Arithmetic operation resulted in an overflow.") { }
}

/// <summary>A cast to a type the object is not. Thrown, it is a panic (no unwinding).</summary>
public sealed class InvalidCastException : SystemException
{
    /// <summary>With the message "Specified cast is not valid.".</summary>
    public InvalidCastException() : base("System.InvalidCastException", "Specified cast is not valid.") { }
}

/// <summary>A store of the wrong type into an array of references. Thrown, it is a panic (no unwinding).</summary>
public sealed class ArrayTypeMismatchException : SystemException
{
    /// <summary>With the message "Attempted to access an element as a type incompatible with the array.".</summary>
    public ArrayTypeMismatchException() : base("System.ArrayTypeMismatchException", "Attempted to access an element as a type incompatible with the array.") { }
}

/// <summary>An allocation the host allocator (RuntimeHost.Allocate) refused. Thrown, it is a panic (no unwinding).</summary>
public sealed class OutOfMemoryException : SystemException
{
    /// <summary>With the message "Insufficient memory to continue.".</summary>
    public OutOfMemoryException() : base("System.OutOfMemoryException", "Insufficient memory to continue.") { }
}

/// <summary>An operation this runtime does not support. Thrown, it is a panic (no unwinding).</summary>
public sealed class NotSupportedException : SystemException
{
    /// <summary>With the message "Specified method is not supported.".</summary>
    public NotSupportedException() : base("System.NotSupportedException", "Specified method is not supported.") { }
    /// <summary>With <paramref name="message"/>.</summary>
    public NotSupportedException(string message) : base("System.NotSupportedException", message) { }
}

/// <summary>A method without an implementation. Thrown, it is a panic (no unwinding).</summary>
public sealed class NotImplementedException : SystemException
{
    /// <summary>With the message "The method or operation is not implemented.".</summary>
    public NotImplementedException() : base("System.NotImplementedException", "The method or operation is not implemented.") { }
}

/// <summary>An operation not valid in the object's state. Thrown, it is a panic (no unwinding).</summary>
public sealed class InvalidOperationException : SystemException
{
    /// <summary>With the message "Operation is not valid due to the current state of the object.".</summary>
    public InvalidOperationException() : base("System.InvalidOperationException", "Operation is not valid due to the current state of the object.") { }
    /// <summary>With <paramref name="message"/>.</summary>
    public InvalidOperationException(string message) : base("System.InvalidOperationException", message) { }
}

/// <summary>An argument outside what a method accepts. Thrown, it is a panic (no unwinding).</summary>
public class ArgumentException : SystemException
{
    /// <summary>With the message "Value does not fall within the expected range.".</summary>
    public ArgumentException() : base("System.ArgumentException", "Value does not fall within the expected range.") { }
    /// <summary>With <paramref name="message"/>.</summary>
    public ArgumentException(string message) : base("System.ArgumentException", message) { }
    /// <summary>For a derived type: its full name <paramref name="typeName"/> (there is no reflection to find it) and <paramref name="message"/>.</summary>
    protected ArgumentException(string typeName, string message) : base(typeName, message) { }
}

/// <summary>A null argument where one is required. Thrown, it is a panic (no unwinding).</summary>
public sealed class ArgumentNullException : ArgumentException
{
    /// <summary>With the message "Value cannot be null.".</summary>
    public ArgumentNullException() : base("System.ArgumentNullException", "Value cannot be null.") { }
}

/// <summary>An argument outside its valid range (a span's start or length). Thrown, it is a panic (no unwinding).</summary>
public sealed class ArgumentOutOfRangeException : ArgumentException
{
    /// <summary>With the message "Specified argument was out of the range of valid values.".</summary>
    public ArgumentOutOfRangeException() : base("System.ArgumentOutOfRangeException", "Specified argument was out of the range of valid values.") { }
}

/// <summary>An operation this platform cannot do. Thrown, it is a panic (no unwinding).</summary>
public sealed class PlatformNotSupportedException : SystemException
{
    /// <summary>With the message "Operation is not supported on this platform.".</summary>
    public PlatformNotSupportedException() : base("System.PlatformNotSupportedException", "Operation is not supported on this platform.") { }
}
