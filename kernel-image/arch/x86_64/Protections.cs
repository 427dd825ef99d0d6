using System.Runtime;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// CPU protections against the kernel being misled by user memory or user code, turned on at
/// boot wherever CPUID reports them (Intel SDM Vol. 3A 2.5 for CR0/CR4, 4.6 for access rights):
/// <list type="bullet">
/// <item>CR0.WP: the kernel obeys read-only pages too; CR0.NE: x87 errors raise #MF (both set
/// first in boot.S, checked again here).</item>
/// <item>SMEP (CR4 bit 20): the kernel cannot execute code on user pages.</item>
/// <item>SMAP (CR4 bit 21): the kernel cannot read or write user pages unless it opened access
/// with STAC (RFLAGS.AC). The kernel copies user memory through the direct map, so no path
/// needs STAC today; SYSCALL's FMASK clears AC and interrupts.S executes CLAC.</item>
/// <item>UMIP (CR4 bit 11): SGDT, SIDT, SLDT, SMSW and STR fault (#GP) in ring 3, so user code
/// cannot learn where the kernel's descriptor tables are.</item>
/// </list>
/// </summary>
internal static unsafe class Protections
{
    internal const ulong Cr0NumericError = 1UL << 5, Cr0WriteProtect = 1UL << 16;
    internal const ulong Cr4Umip = 1UL << 11, Cr4Smep = 1UL << 20, Cr4Smap = 1UL << 21;

    // CPUID.(EAX=07H,ECX=0) (Intel SDM Vol. 2A CPUID): EBX bit 7 SMEP, bit 20 SMAP; ECX bit 2 UMIP.
    private const uint Leaf7SmepEbx = 1u << 7, Leaf7SmapEbx = 1u << 20, Leaf7UmipEcx = 1u << 2;

    /// <summary>What CPUID offers (Offered*) and what is on; filled by <see cref="Enable"/>.</summary>
    internal static bool OfferedSmep, OfferedSmap, OfferedUmip;

    /// <summary>interrupts.S and safe_access.S run CLAC only when this is 1 (CLAC is #UD without SMAP).</summary>
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_smap_flag_address")]
    private static extern byte* SmapFlagAddress();

    internal static bool SmapEnabled => (Cpu.ReadCr4() & Cr4Smap) != 0;

    /// <summary>Whether the CPU may be affected by Meltdown (rogue data cache load), so that
    /// kernel page-table isolation would be needed: not for AMD and Hygon CPUs, not when
    /// IA32_ARCH_CAPABILITIES (CPUID.7.0:EDX bit 29, MSR 0x10A) reports RDCL_NO (bit 0); any
    /// other CPU is assumed affected, as Linux does (arch/x86/kernel/cpu/common.c).
    /// <see cref="PageTableIsolation"/> acts on it.</summary>
    internal static bool MeltdownAffected;

    private const uint Leaf7ArchCapabilitiesEdx = 1u << 29;
    private const uint MsrArchCapabilities = 0x10A;
    private const ulong ArchCapabilitiesRdclNo = 1;

    internal static void Enable()
    {
        uint* r = stackalloc uint[4];
        Cpu.Cpuid(0, 0, r);
        uint maxLeaf = r[0];
        // Vendor string in EBX, EDX, ECX: "AuthenticAMD" / "HygonGenuine" start "Auth" / "Hygo".
        bool amdFamily = r[1] == 0x68747541 || r[1] == 0x6F677948;
        bool rdclNo = false;
        if (maxLeaf >= 7)
        {
            Cpu.Cpuid(7, 0, r);
            OfferedSmep = (r[1] & Leaf7SmepEbx) != 0;
            OfferedSmap = (r[1] & Leaf7SmapEbx) != 0;
            OfferedUmip = (r[2] & Leaf7UmipEcx) != 0;
            if ((r[3] & Leaf7ArchCapabilitiesEdx) != 0)
                rdclNo = (Cpu.ReadMsr(MsrArchCapabilities) & ArchCapabilitiesRdclNo) != 0;
        }

        MeltdownAffected = !amdFamily && !rdclNo;

        Cpu.WriteCr0(Cpu.ReadCr0() | Cr0WriteProtect | Cr0NumericError);
        ulong cr4 = Cpu.ReadCr4();
        if (OfferedSmep) cr4 |= Cr4Smep;
        if (OfferedUmip) cr4 |= Cr4Umip;
        if (OfferedSmap)
        {
            // RFLAGS.AC is clear here (the loaders leave it so, and nothing sets it); from now
            // on any kernel access to a user page outside STAC/CLAC faults.
            cr4 |= Cr4Smap;
            *SmapFlagAddress() = 1;
        }

        Cpu.WriteCr4(cr4);
        UserState.InitializeFpuMask();
    }

    /// <summary>The boot log line: each protection on, or off because the CPU lacks it.</summary>
    internal static void Report()
    {
        ulong cr0 = Cpu.ReadCr0(), cr4 = Cpu.ReadCr4();
        Log.Write("cpu protections: SMEP ");
        Log.Write(State(cr4, Cr4Smep, OfferedSmep));
        Log.Write(", SMAP ");
        Log.Write(State(cr4, Cr4Smap, OfferedSmap));
        Log.Write(", UMIP ");
        Log.Write(State(cr4, Cr4Umip, OfferedUmip));
        Log.Write(", CR0.WP ");
        Log.Write(State(cr0, Cr0WriteProtect, true));
        Log.Write(", CR0.NE ");
        Log.WriteLine(State(cr0, Cr0NumericError, true));
        PageTableIsolation.Report();
    }

    private static string State(ulong register, ulong bit, bool offered) =>
        (register & bit) != 0 ? "on" : offered ? "OFF" : "off (not offered by the CPU)";
}
