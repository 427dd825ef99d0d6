using Aurora.Kernel.FileSystems;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// /proc/cpuinfo for the one processor, in the layout of Linux's arch/x86/kernel/cpu/proc.c
/// ("key\t\t: value" lines), from CPUID: the vendor (leaf 0), family/model/stepping and the
/// feature flags Linux names first (leaf 1), the brand string (leaves 0x80000002-4).
/// </summary>
internal static unsafe class CpuInfo
{
    internal static void Write(ref TextBuilder text)
    {
        uint* r = stackalloc uint[4];
        Cpu.Cpuid(0, 0, r);
        uint maxLeaf = r[0];
        text.Append("processor\t: 0\nvendor_id\t: ");
        AppendRegister(ref text, r[1]);
        AppendRegister(ref text, r[3]);
        AppendRegister(ref text, r[2]);
        uint signature = 0, ecx = 0, edx = 0;
        if (maxLeaf >= 1)
        {
            Cpu.Cpuid(1, 0, r);
            signature = r[0];
            ecx = r[2];
            edx = r[3];
        }

        uint family = (signature >> 8) & 0xF, model = (signature >> 4) & 0xF;
        if (family == 0xF) family += (signature >> 20) & 0xFF;
        if (family >= 6) model |= ((signature >> 16) & 0xF) << 4;
        text.Append("\ncpu family\t: "); text.Unsigned(family);
        text.Append("\nmodel\t\t: "); text.Unsigned(model);
        text.Append("\nmodel name\t: ");
        Cpu.Cpuid(0x8000_0000, 0, r);
        if (r[0] >= 0x8000_0004)
        {
            for (uint leaf = 0x8000_0002; leaf <= 0x8000_0004; leaf++)
            {
                Cpu.Cpuid(leaf, 0, r);
                for (int i = 0; i < 4; i++) AppendRegister(ref text, r[i]);
            }
        }

        text.Append("\nstepping\t: "); text.Unsigned(signature & 0xF);
        text.Append("\ncpu MHz\t\t: 0.000\ncache size\t: 0 KB\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n");
        text.Append("apicid\t\t: 0\ninitial apicid\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: ");
        text.Unsigned(maxLeaf);
        text.Append("\nwp\t\t: yes\nflags\t\t:");
        Flag(ref text, edx, 0, "fpu"); Flag(ref text, edx, 4, "tsc"); Flag(ref text, edx, 5, "msr"); Flag(ref text, edx, 6, "pae");
        Flag(ref text, edx, 8, "cx8"); Flag(ref text, edx, 9, "apic"); Flag(ref text, edx, 11, "sep"); Flag(ref text, edx, 12, "mtrr");
        Flag(ref text, edx, 13, "pge"); Flag(ref text, edx, 15, "cmov"); Flag(ref text, edx, 16, "pat"); Flag(ref text, edx, 19, "clflush");
        Flag(ref text, edx, 23, "mmx"); Flag(ref text, edx, 24, "fxsr"); Flag(ref text, edx, 25, "sse"); Flag(ref text, edx, 26, "sse2");
        Flag(ref text, ecx, 0, "pni"); Flag(ref text, ecx, 9, "ssse3"); Flag(ref text, ecx, 13, "cx16"); Flag(ref text, ecx, 19, "sse4_1");
        Flag(ref text, ecx, 20, "sse4_2"); Flag(ref text, ecx, 23, "popcnt"); Flag(ref text, ecx, 25, "aes"); Flag(ref text, ecx, 26, "xsave");
        Flag(ref text, ecx, 28, "avx"); Flag(ref text, ecx, 30, "rdrand"); Flag(ref text, ecx, 31, "hypervisor");
        text.Append("\nbogomips\t: 0.00\nclflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 48 bits physical, 48 bits virtual\npower management:\n\n");
    }

    /// <summary>Four characters of a CPUID string, lowest byte first, NULs and leading spaces of the brand left out.</summary>
    private static void AppendRegister(ref TextBuilder text, uint value)
    {
        for (int i = 0; i < 4; i++)
        {
            byte c = (byte)(value >> (8 * i));
            if (c != 0) text.Append(c);
        }
    }

    private static void Flag(ref TextBuilder text, uint register, int bit, string name)
    {
        if ((register & (1u << bit)) == 0) return;
        text.Append(' ');
        text.Append(name);
    }
}
