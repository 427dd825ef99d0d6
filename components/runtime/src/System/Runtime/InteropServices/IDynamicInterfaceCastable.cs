using Internal.Runtime;

namespace System.Runtime.InteropServices;

/// <summary>Required by the compiler's dispatch support; Aurora never implements it.</summary>
public interface IDynamicInterfaceCastable
{
    internal static unsafe nint GetDynamicInterfaceImplementation(IDynamicInterfaceCastable instance, MethodTable* interfaceType, ushort slot) => 0;
}
