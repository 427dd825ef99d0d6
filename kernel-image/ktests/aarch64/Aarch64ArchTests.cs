using Aurora.Kernel.Arch.Aarch64;
using Aurora.Kernel.Boot;
using Aurora.Kernel.Memory;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>x86_64's ArchTests and BootTests on aarch64: the same behaviour where it has a
/// meaning (a breakpoint's handler returns, the tick advances, the stack cookie is set at boot,
/// the loader is named, the direct map reaches the image), arm64's own registers where x86's
/// have none (the PIT becomes the generic timer, SSE the FP/SIMD enable, KASLR's slide the
/// fixed link address). Each check prints what it expected and found.</summary>
internal static unsafe class Aarch64ArchTests
{
    /// <summary>CPACR_EL1.FPEN (bits 21:20) = 0b11: FP/SIMD does not trap at EL1 or EL0 (x86's
    /// CR4.OSFXSR), and a computation in the vector registers gives the right answer.</summary>
    internal static void FpSimdEnabled()
    {
        ulong fpen = (Native.ReadCpacr() >> 20) & 3;
        ShowHex("CPACR_EL1.FPEN", 3, fpen);
        Check(fpen == 3, "FP/SIMD traps at EL1 or EL0");
        double a = 1.5, b = s_scale;
        ShowHex("1.5 * 2.25 * 100 (in d registers)", 337, (ulong)(a * b * 100));
        Check((ulong)(a * b * 100) == 337, "a floating-point product is wrong");
    }

    private static double s_scale = 2.25;

    /// <summary>BRK at EL1 reaches the vectors and the handler steps over it (x86's int3).</summary>
    internal static void BreakpointHandlerReturns()
    {
        ulong before = Exceptions.BreakpointsSeen;
        Exceptions.ExpectBreakpoint = true;
        Native.Breakpoint();
        Exceptions.ExpectBreakpoint = true;
        Native.Breakpoint();
        ShowHex("breakpoints handled", 2, Exceptions.BreakpointsSeen - before);
        Check(Exceptions.BreakpointsSeen - before == 2, "breakpoint handler did not run twice");
    }

    /// <summary>SEC-3 on arm64: the stack-protector cookie is set at boot (entry.S,
    /// aurora_a64_seed_stack_cookie), not the link-time value of
    /// components/runtime/native/aarch64. Regression: nothing set it on aarch64.</summary>
    internal static void StackCookieIsRandomized()
    {
        ulong cookie = Native.ReadSecurityCookie();
        Log.Write("  stack cookie ");
        Log.WriteHex(cookie);
        Log.WriteLine(" (link-time value 0x2b992ddfa232d3e1)");
        Check(cookie != 0x2B992DDFA232D3E1 && cookie != 0, "stack cookie still has its link-time value");
    }

    /// <summary>x86's PIT at 1000 Hz: the EL1 virtual timer enabled and unmasked, reloaded
    /// with CNTFRQ / 1000, so its down-counter never reads above that.</summary>
    internal static void GenericTimerProgrammedFor1000Hz()
    {
        ulong frequency = Native.ReadCounterFrequency();
        ShowHex("reload (CNTFRQ_EL0 / 1000)", frequency / 1000, GenericTimer.Interval);
        Check(GenericTimer.Interval == frequency / 1000 && frequency >= 1000, "the timer is not reloaded for 1000 Hz");
        ulong control = Native.ReadVirtualTimerControl();
        ShowHex("CNTV_CTL_EL0 & (ENABLE|IMASK)", 1, control & 3);
        Check((control & 3) == 1, "the virtual timer is off or masked");
        for (int i = 0; i < 200; i++)
        {
            long value = (int)(uint)Native.ReadVirtualTimerValue();
            if (value > (long)GenericTimer.Interval)
            {
                ShowHex("CNTV_TVAL_EL0 above the reload", GenericTimer.Interval, (ulong)value);
                Check(false, "the timer counts from above the 1000 Hz reload");
                return;
            }
        }
    }

    internal static void TimerTicksAdvance()
    {
        ulong start = Hal.Timer.Ticks();
        for (int i = 0; i < 20; i++) Hal.Cpu.WaitForInterrupt();
        ulong advanced = Hal.Timer.Ticks() - start;
        Log.Write("  ticks over 20 waits for an interrupt: ");
        Log.WriteDecimal(advanced);
        Log.WriteLine(" (at least 10 expected)");
        Check(advanced >= 10, "timer interrupts are not arriving");
    }

    // ---- boot.* ----

    /// <summary>The map has usable memory within the machine's size (the test boots give QEMU
    /// 256 or 512 MiB; the firmware keeps some) and no two usable regions overlap.</summary>
    internal static void MemoryMapHasUsableMemory()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        Check(info.MemoryRegionCount > 0, "empty memory map");
        ulong usableMiB = info.UsableBytes >> 20;
        Log.Write("  usable memory: ");
        Log.WriteDecimal(usableMiB);
        Log.WriteLine(" MiB (between 64 and 512 expected)");
        Check(usableMiB >= 64 && usableMiB <= 512, "usable memory is not between 64 and 512 MiB");
        for (int i = 0; i < info.MemoryRegionCount; i++)
            for (int j = i + 1; j < info.MemoryRegionCount; j++)
            {
                MemoryRegion a = info.GetMemoryRegion(i), b = info.GetMemoryRegion(j);
                if (a.Kind == MemoryKind.Usable && b.Kind == MemoryKind.Usable && a.Base < b.Base + b.Length && b.Base < a.Base + a.Length)
                    Check(false, "usable regions overlap");
            }
    }

    /// <summary>x86_64's body: the loader and firmware are named (GRUB's `linux` on arm64
    /// starts the image as an EFI application: the loader is the EFI stub, its name the
    /// firmware's vendor; Limine names itself).</summary>
    internal static void LoaderIdentified()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        Log.Write("  loader ");
        Log.WriteDecimal((ulong)info.Loader);
        Log.Write(" \"");
        Log.WriteCString(info.LoaderNamePointer());
        Log.Write("\", firmware ");
        Log.WriteDecimal((ulong)info.Firmware);
        Log.WriteLine();
        Check(info.Loader != BootLoader.Unknown, "loader unknown");
        Check(info.LoaderNamePointer()[0] != 0, "loader name empty");
        Check(info.Firmware != Firmware.Unknown, "firmware unknown");
        Check(info.DirectMapOffset >= 0xFFFF000000000000, "direct map not in the higher half");
    }

    internal static void DirectMapReachesKernelImage()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        ref KernelLayout layout = ref KernelMain.Layout;
        byte* linked = (byte*)layout.Start + 0x1000;
        byte* direct = (byte*)(info.DirectMapOffset + info.KernelPhysicalBase + 0x1000);
        bool same = true;
        for (int i = 0; i < 256; i++) if (linked[i] != direct[i]) same = false;
        Check(same, "direct map and kernel mapping disagree");
        ulong data = layout.DataStart;
        Check(*(ulong*)data == *(ulong*)(info.DirectMapOffset + info.KernelPhysicalBase + (data - layout.Start)), "the data section differs through the direct map");
    }

    /// <summary>No KASLR on aarch64 yet (Hal.Layout): the image runs at its link address, the
    /// vectors lie in its text, a frozen string's MethodTable in the image, and the direct map,
    /// the stack and module windows are where the boot information and the HAL say.</summary>
    internal static void KernelLayoutIsConsistent()
    {
        ref BootInfo info = ref KernelMain.BootInfo;
        ref KernelLayout layout = ref KernelMain.Layout;
        CheckEqual(0, (long)Hal.Layout.Slide(), "slide (no KASLR on aarch64)");
        CheckEqual((long)Hal.Layout.LinkBase(), (long)layout.Start, "image start = link base");
        CheckEqual((long)layout.Start, (long)info.KernelVirtualBase, "boot information's kernel base");
        Check(layout.Start < layout.TextEnd && layout.TextEnd <= layout.DataStart && layout.DataStart < layout.End, "sections out of order");
        ulong vectors = Native.ReadVectorBase();
        ShowHex("VBAR_EL1 in the text", layout.Start, vectors);
        Check(vectors >= layout.Start && vectors < layout.TextEnd && (vectors & 0x7FF) == 0, "VBAR_EL1 is outside the running text or misaligned");
        fixed (char* text = "layout")
        {
            ulong methodTable = *(ulong*)((byte*)text - 12);
            Check(methodTable >= layout.Start && methodTable < layout.End, "a frozen string's MethodTable outside the running image");
        }
        CheckEqual((long)KernelMemory.DirectMapOffset, (long)info.DirectMapOffset, "direct map offset");
        CheckEqual((long)(Hal.Layout.WindowsBase() + (2UL << 40)), (long)KernelMemory.StackWindow, "stack window");
        CheckEqual((long)(Hal.Layout.WindowsBase() + (3UL << 40)), (long)Modules.ModuleLoader.ModuleWindow, "module window");
    }

    /// <summary>AT_HWCAP and /proc/cpuinfo's Features name what the processor has, as Linux
    /// reports it (arm64_elf_hwcaps), not only fp and asimd: the ID-register decoding on known
    /// values (cortex-a72's PFR0 0x2222 / ISAR0 0x11120: fp asimd aes pmull sha1 sha2 crc32;
    /// FP and AdvSIMD 0xF: not implemented; ISAR0's SHA2 2 and Atomic 2: sha512, atomics), then
    /// this processor: on QEMU's cortex-a72 (MIDR part 0xd08) the bits Linux gives there less
    /// evtstrm and cpuid, which Aurora does not offer. Regression: AT_HWCAP was 0b11 on every
    /// processor, so glibc and OpenSSL never used the crypto or CRC32 instructions.</summary>
    internal static void HardwareCapabilitiesFollowTheIdRegisters()
    {
        const ulong a72 = 0xFB;   // fp asimd aes pmull sha1 sha2 crc32
        ShowHex("From(0x2222, 0x11120)", a72, CpuFeatures.From(0x2222, 0x11120));
        Check(CpuFeatures.From(0x2222, 0x11120) == a72, "cortex-a72's ID registers decode wrong");
        ShowHex("From(FP, AdvSIMD = 0xF)", 0, CpuFeatures.From(0xFF0000, 0));
        Check(CpuFeatures.From(0xFF0000, 0) == 0, "an FP-less processor reports fp or asimd");
        const ulong lse = 0b11 | (1UL << 6) | (1UL << 21) | (1UL << 8);   // + sha2 sha512 atomics
        ShowHex("From(0, SHA2 2, Atomic 2)", lse, CpuFeatures.From(0, 0x202000));
        Check(CpuFeatures.From(0, 0x202000) == lse, "SHA2 2 or Atomic 2 decode wrong");

        ulong caps = Hal.Cpu.HardwareCapabilities();
        ShowHex("AT_HWCAP from this processor's registers", CpuFeatures.From(Native.ReadProcessorFeatures0(), Native.ReadInstructionSetFeatures()), caps);
        Check(caps == CpuFeatures.From(Native.ReadProcessorFeatures0(), Native.ReadInstructionSetFeatures()), "AT_HWCAP is not the registers' bits");
        byte* buffer = stackalloc byte[512];
        var text = new Aurora.Kernel.FileSystems.TextBuilder(new System.Span<byte>(buffer, 512));
        Hal.Cpu.WriteCpuInfo(ref text);
        if (((Native.ReadMidr() >> 4) & 0xFFF) == 0xD08)
        {
            ShowHex("AT_HWCAP on cortex-a72", a72, caps);
            Check(caps == a72, "AT_HWCAP on cortex-a72 differs from Linux's (less evtstrm, cpuid)");
            Check(Contains(text.Text, "Features\t: fp asimd aes pmull sha1 sha2 crc32\n"), "/proc/cpuinfo's Features line differs from Linux's on cortex-a72");
        }
        else
        {
            Check(Contains(text.Text, "Features\t: fp asimd"), "/proc/cpuinfo's Features line does not start with fp asimd");
        }
    }

    private static bool Contains(System.ReadOnlySpan<byte> text, string wanted)
    {
        for (int start = 0; start + wanted.Length <= text.Length; start++)
        {
            int i = 0;
            while (i < wanted.Length && text[start + i] == (byte)wanted[i]) i++;
            if (i == wanted.Length) return true;
        }

        Log.Write("  /proc/cpuinfo has no \"");
        Log.Write(wanted);
        Log.Write("\"");
        Log.WriteLine();
        return false;
    }
}
