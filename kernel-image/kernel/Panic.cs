using Aurora.Kernel.Drivers.Qemu;
using Aurora.Kernel.Hal;

namespace Aurora.Kernel;

/// <summary>
/// The end of the line: a broken invariant or an unexpected CPU exception (whose
/// architecture-specific report, registers and fault decoding, is in arch/*/ExceptionReport.cs).
/// Every report ends with the chain of return addresses, on every console. Then the CPU halts,
/// or in a test boot QEMU exits with the panic code so the host sees it at once.
/// </summary>
internal static unsafe class Panic
{
    private static bool s_inPanic;

    /// <summary>Set by the test harness: a panic then ends QEMU with DebugExit.Panic.</summary>
    internal static bool ExitQemuOnPanic;

    /// <summary>A kernel invariant broke (called by kernel code and by the runtime's
    /// fail-fast, e.g. for a thrown exception or a failed bounds check).</summary>
    internal static void Fail(string reason, string? detail = null)
    {
        Begin();
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset);
        Log.Write(reason);
        if (detail != null)
        {
            Log.Write(": ");
            Log.Write(detail);
        }
        Log.WriteLine();
        WriteBacktrace(Cpu.ReadFramePointer(), 0);
        End();
    }

    /// <summary>The first program ended (Linux: "Attempted to kill init!"): the system has
    /// nothing left to run. Not a kernel bug, so no backtrace.</summary>
    internal static void InitExited(int status)
    {
        Begin();
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset);
        Log.Write("init exited with status ");
        Log.WriteDecimal((long)status);
        Log.WriteLine();
        End();
    }

    /// <summary>Runtime host hook: RuntimeHost.FailFast.</summary>
    internal static void RuntimeFailure(string reason, string? detail) => Fail(reason, detail);

    internal static void Begin()
    {
        Cpu.DisableInterrupts();
        if (s_inPanic)
        {
            Log.WriteLine("KERNEL PANIC while panicking; halting.");
            Finish();
        }
        s_inPanic = true;
    }

    internal static void End()
    {
        Log.WriteLine("System halted.");
        Finish();
    }

    private static void Finish()
    {
        if (ExitQemuOnPanic) DebugExit.Exit(DebugExit.Panic);
        Cpu.HaltForever();
    }

    /// <summary>Follows saved frame pointers (each frame: [rbp] = caller's rbp, [rbp+8] =
    /// return address) while they stay inside the kernel's half and keep growing upward.</summary>
    internal static void WriteBacktrace(ulong rbp, ulong rip)
    {
        // KASLR moved the kernel: the slide turns these into link addresses (./aurora symbolize
        // reads this line, or subtract it and use addr2line on artifacts/aurora*.elf).
        Log.Write("  kernel slide ");
        Log.WriteHex(Hal.Layout.Slide(), 16);
        Log.Write(" (link base ");
        Log.WriteHex(Hal.Layout.LinkBase(), 16);
        Log.WriteLine(")");
        Log.WriteLine("  backtrace (return addresses):");
        if (rip != 0)
        {
            Log.Write("    ");
            Log.WriteHex(rip, 16);
            Log.WriteLine();
        }
        for (int depth = 0; depth < 32; depth++)
        {
            if (rbp < 0xFFFF800000000000 || (rbp & 7) != 0) break;
            ulong returnAddress = ((ulong*)rbp)[1];
            if (returnAddress < 0xFFFFFFFF80000000) break;
            Log.Write("    ");
            Log.WriteHex(returnAddress, 16);
            Log.WriteLine();
            ulong next = ((ulong*)rbp)[0];
            if (next <= rbp) break;
            rbp = next;
        }
    }
}
