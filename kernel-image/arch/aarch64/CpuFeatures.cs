namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// What a program may use of this processor, as Linux tells arm64 programs: AT_HWCAP's bits
/// and /proc/cpuinfo's "Features" names (Linux's arch/arm64/include/uapi/asm/hwcap.h and the
/// arm64_elf_hwcaps table of arch/arm64/kernel/cpufeature.c), read from ID_AA64PFR0_EL1 and
/// ID_AA64ISAR0_EL1. Only features whose instructions work at EL0 with nothing from the kernel
/// are reported: the crypto, CRC32, atomics and dot-product instructions. Left out because
/// they need kernel support Aurora lacks: SVE (its registers are not saved), CPUID (EL0 reads
/// of the ID registers are not emulated), EVTSTRM (the event stream is off), DIT (PSTATE.DIT
/// does not survive rt_sigreturn, which keeps only NZCV).
/// </summary>
internal static class CpuFeatures
{
    /// <summary>Linux's name for HWCAP bit <paramref name="bit"/> (null past the last one
    /// Aurora knows). A switch, not a static array: an array would be the runtime's heap block
    /// made at the first program's start (the in-kernel tests count every block).</summary>
    private static string? Name(int bit) => bit switch
    {
        0 => "fp", 1 => "asimd", 2 => "evtstrm", 3 => "aes", 4 => "pmull", 5 => "sha1", 6 => "sha2",
        7 => "crc32", 8 => "atomics", 9 => "fphp", 10 => "asimdhp", 11 => "cpuid", 12 => "asimdrdm",
        13 => "jscvt", 14 => "fcma", 15 => "lrcpc", 16 => "dcpop", 17 => "sha3", 18 => "sm3",
        19 => "sm4", 20 => "asimddp", 21 => "sha512", 22 => "sve", 23 => "asimdfhm", 24 => "dit",
        25 => "uscat", 26 => "ilrcpc", 27 => "flagm",
        _ => null,
    };

    private static ulong s_capabilities;
    private static bool s_read;

    /// <summary>AT_HWCAP: computed once from the ID registers (the same on every call).</summary>
    internal static ulong Capabilities
    {
        get
        {
            if (!s_read)
            {
                s_capabilities = From(Native.ReadProcessorFeatures0(), Native.ReadInstructionSetFeatures());
                s_read = true;
            }

            return s_capabilities;
        }
    }

    /// <summary>The HWCAP bits that <paramref name="pfr0"/> (ID_AA64PFR0_EL1) and
    /// <paramref name="isar0"/> (ID_AA64ISAR0_EL1) give, as Linux's table reads the fields:
    /// FP and AdvSIMD are signed (0xF: not implemented; 1: half precision too), the rest
    /// unsigned minimums.</summary>
    internal static ulong From(ulong pfr0, ulong isar0)
    {
        ulong caps = 0;
        ulong fp = Field(pfr0, 16), simd = Field(pfr0, 20);
        if (fp != 0xF) caps |= Bit(0) | (fp >= 1 ? Bit(9) : 0);            // fp, fphp
        if (simd != 0xF) caps |= Bit(1) | (simd >= 1 ? Bit(10) : 0);       // asimd, asimdhp
        ulong aes = Field(isar0, 4);
        if (aes >= 1) caps |= Bit(3);                                        // aes
        if (aes >= 2) caps |= Bit(4);                                        // pmull
        if (Field(isar0, 8) >= 1) caps |= Bit(5);                            // sha1
        ulong sha2 = Field(isar0, 12);
        if (sha2 >= 1) caps |= Bit(6);                                       // sha2
        if (sha2 >= 2) caps |= Bit(21);                                      // sha512
        if (Field(isar0, 16) >= 1) caps |= Bit(7);                           // crc32
        if (Field(isar0, 20) >= 2) caps |= Bit(8);                           // atomics (LSE)
        if (Field(isar0, 28) >= 1) caps |= Bit(12);                          // asimdrdm
        if (Field(isar0, 32) >= 1) caps |= Bit(17);                          // sha3
        if (Field(isar0, 36) >= 1) caps |= Bit(18);                          // sm3
        if (Field(isar0, 40) >= 1) caps |= Bit(19);                          // sm4
        if (Field(isar0, 44) >= 1) caps |= Bit(20);                          // asimddp
        if (Field(isar0, 48) >= 1) caps |= Bit(23);                          // asimdfhm
        if (Field(isar0, 52) >= 1) caps |= Bit(27);                          // flagm
        return caps;
    }

    /// <summary>/proc/cpuinfo's "Features" value: the names of <paramref name="caps"/>' bits,
    /// space-separated, in bit order (as Linux prints them).</summary>
    internal static void AppendNames(ref Aurora.Kernel.FileSystems.TextBuilder text, ulong caps)
    {
        bool first = true;
        for (int bit = 0; bit < 64; bit++)
        {
            string? name = Name(bit);
            if ((caps & Bit(bit)) == 0 || name == null) continue;
            if (!first) text.Append(" ");
            text.Append(name);
            first = false;
        }
    }

    private static ulong Field(ulong register, int shift) => (register >> shift) & 0xF;

    private static ulong Bit(int bit) => 1UL << bit;
}
