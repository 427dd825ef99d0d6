namespace System;

/// <summary>Delegates as the NativeAOT compiler builds them: it calls one of the Initialize*
/// methods below (found by name) and invokes through <c>_functionPointer</c> with
/// <c>_firstParameter</c> as the first argument.</summary>
public abstract class Delegate
{
#pragma warning disable CS0169, CS0414, CS0649 // read by compiler-generated invoke stubs
    internal object? _firstParameter;
    internal object? _helperObject;
    internal nint _extraFunctionPointerOrData;
    internal nint _functionPointer;
#pragma warning restore CS0169, CS0414, CS0649

    private void InitializeClosedInstance(object firstParameter, nint functionPointer)
    {
        if (firstParameter is null) throw new NullReferenceException();
        _functionPointer = functionPointer;
        _firstParameter = firstParameter;
    }

    private void InitializeClosedInstanceWithoutNullCheck(object firstParameter, nint functionPointer)
    {
        _functionPointer = functionPointer;
        _firstParameter = firstParameter;
    }

    private void InitializeClosedStaticThunk(object firstParameter, nint functionPointer, nint functionPointerThunk)
    {
        _extraFunctionPointerOrData = functionPointer;
        _helperObject = firstParameter;
        _functionPointer = functionPointerThunk;
        _firstParameter = this;
    }

    private void InitializeOpenStaticThunk(object firstParameter, nint functionPointer, nint functionPointerThunk)
    {
        _firstParameter = this;
        _functionPointer = functionPointerThunk;
        _extraFunctionPointerOrData = functionPointer;
    }

    private void InitializeClosedInstanceToInterface(object firstParameter, nint dispatchCell)
    {
        if (firstParameter is null) throw new NullReferenceException();
        _functionPointer = Internal.Runtime.InterfaceDispatch.ResolveForDelegate(firstParameter, dispatchCell);
        _firstParameter = firstParameter;
    }

    // Thunks for open/closed static delegates read the real target from here.
    private nint GetThunk(int whichThunk) => 0;
}

/// <summary>The base of every delegate type the compiler declares; one target per delegate (no
/// invocation lists).</summary>
public abstract class MulticastDelegate : Delegate { }
