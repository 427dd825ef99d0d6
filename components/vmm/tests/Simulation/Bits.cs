namespace Aurora.Vmm.Tests.Simulation;

/// <summary>Entry bits written out from the SDM (Vol. 3A §4.5), independent of <see cref="PageFlags"/>.</summary>
public static class Bits
{
    public const ulong P = 1UL << 0;
    public const ulong RW = 1UL << 1;
    public const ulong US = 1UL << 2;
    public const ulong PWT = 1UL << 3;
    public const ulong PCD = 1UL << 4;
    public const ulong A = 1UL << 5;
    public const ulong D = 1UL << 6;
    public const ulong PS = 1UL << 7;
    public const ulong Pat4K = 1UL << 7;
    public const ulong G = 1UL << 8;
    public const ulong Cow = 1UL << 9;
    public const ulong PatLarge = 1UL << 12;
    public const ulong XD = 1UL << 63;

    public const ulong UserTable = P | RW | US;
    public const ulong KernelTable = P | RW;

    /// <summary>The virtual address with these four table indices (sign-extended in the kernel half).</summary>
    public static ulong Va(int pml4, int pdpt, int pd, int pt, ulong offset = 0)
    {
        ulong address = ((ulong)pml4 << 39) | ((ulong)pdpt << 30) | ((ulong)pd << 21) | ((ulong)pt << 12) | offset;
        return pml4 >= 256 ? address | 0xFFFF_0000_0000_0000 : address;
    }
}
