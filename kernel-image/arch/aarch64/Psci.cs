namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>Power control through PSCI (Arm DEN0022, Power State Coordination Interface).</summary>
internal static class Psci
{
    private const ulong Version = 0x8400_0000, SystemOff = 0x8400_0008, SystemReset = 0x8400_0009;

    /// <summary>The PSCI version (major in bits 31:16), or a negative error.</summary>
    internal static ulong ReadVersion() => Call(Version);

    /// <summary>Turns the machine off (QEMU exits with status 0). Returns only if PSCI refused.</summary>
    internal static void PowerOff() => Call(SystemOff);

    internal static void Reset() => Call(SystemReset);

    /// <summary>Through the conduit the device tree's psci node names (`method`): HVC for a
    /// kernel under a hypervisor (QEMU virt without EL2/EL3 answers there), SMC for firmware at EL3.</summary>
    private static ulong Call(ulong function) => DeviceTree.PsciUsesSmc ? Native.PsciSmc(function, 0, 0, 0) : Native.PsciCall(function, 0, 0, 0);
}
