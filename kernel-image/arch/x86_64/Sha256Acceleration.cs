using System.Runtime;
using System.Runtime.CompilerServices;
using Aurora.Modsign;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// Hands Aurora.Modsign's SHA-256 the SHA-extension compression (sha256_ni.S) when the processor
/// has it: CPUID.(EAX=7,ECX=0):EBX bit 29 (SHA), with SSSE3 (PSHUFB, PALIGNR) and SSE4.1
/// (PBLENDW), which the routine also uses (Intel SDM vol. 2, CPUID). Elsewhere the component's
/// portable code runs. Module signatures (ModuleTrust) are the kernel's SHA-256 user.
/// </summary>
internal static unsafe class Sha256Acceleration
{
    private const uint Leaf1Ssse3Ecx = 1u << 9;
    private const uint Leaf1Sse41Ecx = 1u << 19;
    private const uint Leaf7ShaEbx = 1u << 29;

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_sha256_blocks_ni_address")]
    private static extern delegate* unmanaged<uint*, byte*, nuint, void> ShaExtensionsRoutine();

    /// <summary>Whether the processor has what the SHA-extension routine needs.</summary>
    internal static bool Offered()
    {
        uint* r = stackalloc uint[4];
        Cpu.Cpuid(0, 0, r);
        if (r[0] < 7) return false;
        Cpu.Cpuid(1, 0, r);
        if ((r[2] & (Leaf1Ssse3Ecx | Leaf1Sse41Ecx)) != (Leaf1Ssse3Ecx | Leaf1Sse41Ecx)) return false;
        Cpu.Cpuid(7, 0, r);
        return (r[1] & Leaf7ShaEbx) != 0;
    }

    /// <summary>At boot: the fast path if offered; the portable code otherwise.</summary>
    internal static void Select()
    {
        Sha256.UseBlockFunction(Offered() ? ShaExtensionsRoutine() : null);
    }
}
