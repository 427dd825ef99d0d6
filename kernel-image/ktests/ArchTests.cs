using Aurora.Kernel.Arch.X86_64;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

internal static unsafe class ArchTests
{
    /// <summary>modsign.sha256_fast_path_matches_portable on x86-64: the SHA extensions
    /// (Sha256Acceleration, sha256_ni.S) where CPUID offers them.</summary>
    internal static void Sha256FastPathMatchesPortable() =>
        ModuleSignatureTests.SelectedSha256MatchesPortable(Sha256Acceleration.Offered(), "SHA extensions");

    internal static void SseEnabled()
    {
        ulong cr4 = Cpu.ReadCr4();
        Check((cr4 & (1 << 9)) != 0 && (cr4 & (1 << 10)) != 0, "CR4.OSFXSR/OSXMMEXCPT not set");
        Check((Cpu.ReadCr0() & (1 << 2)) == 0, "CR0.EM set");
        Check((Cpu.ReadMsr(Cpu.MsrEfer) & Cpu.EferNoExecuteEnable) != 0, "EFER.NXE not set");
    }

    private static int s_breakpoints;

    private static bool OnBreakpoint(InterruptFrame* frame)
    {
        s_breakpoints++;
        return true; // int3 is a trap: RIP already points past it
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), System.Runtime.RuntimeImport("*", "aurora_test_int3")]
    private static extern void RaiseBreakpoint();

    internal static void BreakpointHandlerReturns()
    {
        Interrupts.Register(3, &OnBreakpoint);
        RaiseBreakpoint();
        RaiseBreakpoint();
        Interrupts.Unregister(3);
        Check(s_breakpoints == 2, "breakpoint handler did not run twice");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), System.Runtime.RuntimeImport("*", "aurora_test_security_cookie")]
    private static extern ulong SecurityCookie();

    /// <summary>SEC-3: the stack cookie the compiler checks is set at boot, not the link-time value.</summary>
    internal static void StackCookieIsRandomized()
    {
        ulong cookie = SecurityCookie();
        Check(cookie != 0x2B992DDFA232D3E1 && cookie != 0, "stack cookie still has its link-time value");
    }

    internal static void PitProgrammedFor1000Hz()
    {
        Check(Pit.Divisor == 1193, "PIT divisor is not 1193 (1000 Hz)");
        // The counter counts down from the divisor: it never reads above it.
        for (int i = 0; i < 200; i++)
        {
            ushort count = Pit.ReadCount();
            if (count > 1193) { Check(false, "PIT count above the 1000 Hz divisor"); return; }
        }
    }

    internal static void TimerTicksAdvance()
    {
        ulong start = Pit.Ticks;
        for (int i = 0; i < 20; i++) Cpu.EnableInterruptsAndHalt();
        Check(Pit.Ticks >= start + 10, "timer interrupts are not arriving");
    }
}
