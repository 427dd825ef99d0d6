using System.Runtime;
using System.Runtime.CompilerServices;
using Aurora.Modsign;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// Hands Aurora.Modsign's SHA-256 the Armv8 SHA-2 compression (sha256_ce.S) when the processor
/// has it: ID_AA64ISAR0_EL1.SHA2, bits [15:12], at least 0b0001 (FEAT_SHA256; Arm ARM D17.2.61).
/// QEMU's cortex-a72 reports it. Elsewhere the component's portable code runs. Module
/// signatures (ModuleTrust) are the kernel's SHA-256 user.
/// </summary>
internal static unsafe class Sha256Acceleration
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_sha256_blocks_ce_address")]
    private static extern delegate* unmanaged<uint*, byte*, nuint, void> Sha2InstructionsRoutine();

    /// <summary>Whether the processor has the SHA-256 instructions.</summary>
    internal static bool Offered() => ((Native.ReadInstructionSetFeatures() >> 12) & 0xF) >= 1;

    /// <summary>At boot: the fast path if offered; the portable code otherwise.</summary>
    internal static void Select()
    {
        Sha256.UseBlockFunction(Offered() ? Sha2InstructionsRoutine() : null);
    }
}
