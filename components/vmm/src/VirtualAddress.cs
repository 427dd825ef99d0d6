using System.Runtime.CompilerServices;

namespace Aurora.Vmm;

/// <summary>Splitting a 48-bit virtual address into its four table indices (SDM Vol. 3A §4.5).</summary>
public static class VirtualAddress
{
    /// <summary>First address of the kernel (upper) half: PML4 index 256.</summary>
    public const ulong KernelHalfStart = 0xFFFF_8000_0000_0000;

    /// <summary>One past the last address of the user (lower) half.</summary>
    public const ulong UserHalfEnd = 0x0000_8000_0000_0000;

    /// <summary>PML4 index of the first kernel-half entry.</summary>
    public const int FirstKernelPml4Index = 256;

    /// <summary>Bits 47..39.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Pml4Index(ulong address) => (int)((address >> 39) & 511);

    /// <summary>Bits 38..30.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PdptIndex(ulong address) => (int)((address >> 30) & 511);

    /// <summary>Bits 29..21.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PdIndex(ulong address) => (int)((address >> 21) & 511);

    /// <summary>Bits 20..12.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PtIndex(ulong address) => (int)((address >> 12) & 511);

    /// <summary>
    /// With 4-level paging bits 63..48 must copy bit 47; any other address raises #GP
    /// (SDM Vol. 3A §4.5, "canonical").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsCanonical(ulong address) => (ulong)((long)(address << 16) >> 16) == address;

    /// <summary>True for a canonical address of the user (lower) half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsUserHalf(ulong address) => address < UserHalfEnd;
}
