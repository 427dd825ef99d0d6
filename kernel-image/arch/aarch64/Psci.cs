namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>Power control through PSCI (Arm DEN0022, Power State Coordination Interface).</summary>
internal static class Psci
{
    private const ulong Version = 0x8400_0000, SystemOff = 0x8400_0008, SystemReset = 0x8400_0009;

    /// <summary>The PSCI version (major in bits 31:16), or a negative error.</summary>
    internal static ulong ReadVersion() => Native.PsciCall(Version, 0, 0, 0);

    /// <summary>Turns the machine off (QEMU exits with status 0). Returns only if PSCI refused.</summary>
    internal static void PowerOff() => Native.PsciCall(SystemOff, 0, 0, 0);

    internal static void Reset() => Native.PsciCall(SystemReset, 0, 0, 0);
}
