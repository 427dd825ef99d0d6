using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Hal;

/// <summary>Device registers on aarch64: MMIO only (no I/O ports). One access of the exact
/// width; not inlined, so the compiler can neither merge nor drop the access (C# has no
/// volatile pointers). Device memory (nGnRnE) keeps the order of accesses to one device.</summary>
internal static unsafe class Mmio
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static byte Read8(ulong address) => *(byte*)address;

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Write16(ulong address, ushort value) => *(ushort*)address = value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static uint Read32(ulong address) => *(uint*)address;

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Write32(ulong address, uint value) => *(uint*)address = value;
}
