using System.Runtime;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>Privileged x86-64 instructions, implemented in cpu.S.</summary>
internal static unsafe class Cpu
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_read_cr0")] internal static extern ulong ReadCr0();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_read_cr2")] internal static extern ulong ReadCr2();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_read_cr3")] internal static extern ulong ReadCr3();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_read_cr4")] internal static extern ulong ReadCr4();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_write_cr0")] internal static extern void WriteCr0(ulong value);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_write_cr3")] internal static extern void WriteCr3(ulong value);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_write_cr4")] internal static extern void WriteCr4(ulong value);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_invlpg")] internal static extern void Invlpg(ulong virtualAddress);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_rdmsr")] internal static extern ulong ReadMsr(uint msr);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_wrmsr")] internal static extern void WriteMsr(uint msr, ulong value);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_cpuid")] internal static extern void Cpuid(uint leaf, uint subleaf, uint* result);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_rdtsc")] internal static extern ulong ReadTimestampCounter();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_read_rflags")] internal static extern ulong ReadFlags();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_read_rbp")] internal static extern ulong ReadFramePointer();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_read_rsp")] internal static extern ulong ReadStackPointer();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_cli")] internal static extern void DisableInterrupts();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_sti")] internal static extern void EnableInterrupts();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_hlt")] internal static extern void Halt();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_sti_hlt")] internal static extern void EnableInterruptsAndHalt();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_pause")] internal static extern void Pause();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_mfence")] internal static extern void MemoryFence();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_lidt")] internal static extern void LoadIdt(void* pointer);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_ltr")] internal static extern void LoadTaskRegister(ushort selector);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_load_gdt")] internal static extern void LoadGdt(void* pointer, ushort codeSelector, ushort dataSelector);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_fxsave")] internal static extern void SaveFpu(void* area512Aligned16);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_stac")] internal static extern void OpenUserAccess();
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_clac")] internal static extern void CloseUserAccess();

    /// <summary>RFLAGS.IF (Intel SDM Vol. 1 3.4.3).</summary>
    internal const ulong FlagInterruptEnable = 1UL << 9;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_rdrand64")] private static extern bool RdRand(ulong* value);

    private static int s_hasRdRand = -1;

    /// <summary>A value from RDRAND (CPUID.01H:ECX bit 30), or false when the CPU has none or
    /// it gave none after its retries.</summary>
    internal static bool TryHardwareRandom(out ulong value)
    {
        if (s_hasRdRand < 0)
        {
            uint* registers = stackalloc uint[4];
            Cpuid(1, 0, registers);
            s_hasRdRand = (registers[2] & (1u << 30)) != 0 ? 1 : 0;
        }

        ulong result = 0;
        bool ok = s_hasRdRand == 1 && RdRand(&result);
        value = result;
        return ok;
    }

    internal const uint MsrEfer = 0xC0000080;
    internal const ulong EferNoExecuteEnable = 1UL << 11;

    /// <summary>Stops this CPU for good (interrupts off).</summary>
    internal static void HaltForever()
    {
        while (true)
        {
            DisableInterrupts();
            Halt();
        }
    }
}

/// <summary>x86 I/O port space, implemented in cpu.S.</summary>
internal static class PortIo
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_outb")] internal static extern void Out8(ushort port, byte value);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_outw")] internal static extern void Out16(ushort port, ushort value);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_outl")] internal static extern void Out32(ushort port, uint value);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_inb")] internal static extern byte In8(ushort port);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_inw")] internal static extern ushort In16(ushort port);
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_inl")] internal static extern uint In32(ushort port);

    /// <summary>A write to an unused port: a short delay some old devices (the 8259) want
    /// between commands.</summary>
    internal static void Wait() => Out8(0x80, 0);
}
