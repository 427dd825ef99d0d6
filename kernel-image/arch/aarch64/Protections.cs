namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// The EL1 protections against the kernel touching user memory, arm64's SMEP and SMAP:
/// <list type="bullet">
/// <item>PXN: every user page is privileged-execute-never (components/vmm's AArch64 format
/// sets it on each EL0-accessible descriptor), so the kernel never runs code a program wrote.</item>
/// <item>PAN (ARMv8.1, ID_AA64MMFR1_EL1.PAN): PSTATE.PAN = 1 makes an EL1 load or store to a
/// page EL0 may access a permission fault. SCTLR_EL1.SPAN = 0 makes every exception taken to
/// EL1 set it, so it is on in each handler whatever the interrupted code had (Linux
/// arch/arm64/kernel/cpufeature.c, cpu_enable_pan). The kernel reaches user memory through the
/// direct map (kernel/Processes/UserMemory.cs), never through a user address, so nothing has
/// to lift it but the probe that proves it (safe_access.S, SafeAccess.TryReadUser64).</item>
/// </list>
/// QEMU's cortex-a72 has no PAN; `-cpu max` has (Aarch64ProtectionTests boots under it).
/// </summary>
internal static class Protections
{
    /// <summary>SCTLR_EL1 bits (ARM ARM D17.2.118).</summary>
    internal const ulong SctlrMmu = 1UL << 0, SctlrAlignmentCheck = 1UL << 1, SctlrDataCache = 1UL << 2, SctlrStackAlignment = 1UL << 3,
        SctlrUserStackAlignment = 1UL << 4, SctlrUserMask = 1UL << 9, SctlrInstructionCache = 1UL << 12, SctlrUserZeroBlock = 1UL << 14,
        SctlrUserCacheType = 1UL << 15, SctlrUserWaitForInterrupt = 1UL << 16, SctlrUserWaitForEvent = 1UL << 18, SctlrWriteExecuteNever = 1UL << 19,
        SctlrSetPan = 1UL << 23, SctlrUserEndianness = 1UL << 24, SctlrEndianness = 1UL << 25, SctlrUserCacheMaintenance = 1UL << 26;

    /// <summary>Whether the CPU implements PAN (ID_AA64MMFR1_EL1 bits 23:20 nonzero).</summary>
    internal static bool OfferedPan => ((Native.ReadMemoryModelFeatures1() >> 20) & 0xF) != 0;

    /// <summary>Whether <see cref="Enable"/> turned PAN on.</summary>
    internal static bool PanEnabled { get; private set; }

    internal static void Enable()
    {
        if (OfferedPan)
        {
            Native.WriteSctlr(Native.ReadSctlr() & ~SctlrSetPan);
            Native.EnablePan();
            PanEnabled = true;
        }

        Log.Write("protections: user pages privileged-execute-never (PXN), ");
        Log.Write(PanEnabled ? "PAN on (SCTLR_EL1.SPAN clear: every exception sets it), " : "no PAN on this CPU, ");
        Log.Write("SCTLR_EL1 ");
        Log.WriteHex(Native.ReadSctlr());
        Log.WriteLine();
    }
}
