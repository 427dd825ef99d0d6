using Aurora.Kernel.Arch.X86_64;
using Aurora.Kernel.Drivers.Qemu;

namespace Aurora.Kernel;

/// <summary>
/// The end of the line: a broken invariant or an unexpected CPU exception. The report names
/// the cause, the vector and error code, CR2 for page faults (decoded), RIP, every general
/// register and the chain of return addresses, on every console. Then the CPU halts, or in a
/// test boot QEMU exits with the panic code so the host sees it at once.
/// </summary>
internal static unsafe class Panic
{
    private static bool s_inPanic;

    /// <summary>Set by the test harness: a panic then ends QEMU with DebugExit.Panic.</summary>
    internal static bool ExitQemuOnPanic;

    internal static void FromException(InterruptFrame* frame)
    {
        Begin();
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset);
        Log.Write(Interrupts.ExceptionName(frame->Vector));
        if (frame->Vector == 14)
        {
            ulong address = Cpu.ReadCr2();
            if (address < 4096) Log.Write(" (null dereference)");
        }
        Log.WriteLine();
        Log.Write("  vector ");
        Log.WriteDecimal(frame->Vector);
        Log.Write("  error code ");
        Log.WriteHex(frame->ErrorCode);
        Log.WriteLine();
        if (frame->Vector == 14) WritePageFault(frame->ErrorCode);
        if (frame->Vector == 13 && frame->ErrorCode != 0)
        {
            Log.Write("  selector index ");
            Log.WriteHex(frame->ErrorCode >> 3);
            Log.WriteLine((frame->ErrorCode & 2) != 0 ? " (IDT)" : " (GDT/LDT)");
        }
        WriteRegisters(frame);
        WriteBacktrace(frame->Rbp, frame->Rip);
        End();
    }

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

    /// <summary>Runtime host hook: RuntimeHost.FailFast.</summary>
    internal static void RuntimeFailure(string reason, string? detail) => Fail(reason, detail);

    private static void Begin()
    {
        Cpu.DisableInterrupts();
        if (s_inPanic)
        {
            Log.WriteLine("KERNEL PANIC while panicking; halting.");
            Finish();
        }
        s_inPanic = true;
    }

    private static void End()
    {
        Log.WriteLine("System halted.");
        Finish();
    }

    private static void Finish()
    {
        if (ExitQemuOnPanic) DebugExit.Exit(DebugExit.Panic);
        Cpu.HaltForever();
    }

    private static void WritePageFault(ulong errorCode)
    {
        Log.Write("  CR2 (faulting address) ");
        Log.WriteHex(Cpu.ReadCr2(), 16);
        Log.WriteLine();
        // Error code bits (SDM Vol. 3A 4.7): P, W/R, U/S, RSVD, I/D.
        Log.Write("  cause: ");
        Log.Write((errorCode & 1) != 0 ? "protection violation" : "page not present");
        Log.Write((errorCode & 2) != 0 ? ", write" : ", read");
        Log.Write((errorCode & 4) != 0 ? ", user mode" : ", kernel mode");
        if ((errorCode & 8) != 0) Log.Write(", reserved bit set");
        if ((errorCode & 16) != 0) Log.Write(", instruction fetch");
        Log.WriteLine();
    }

    private static void WriteRegisters(InterruptFrame* f)
    {
        WriteRegister("RIP", f->Rip); WriteRegister("RSP", f->Rsp); WriteRegister("RFLAGS", f->Rflags); Log.WriteLine();
        WriteRegister("RAX", f->Rax); WriteRegister("RBX", f->Rbx); WriteRegister("RCX", f->Rcx); Log.WriteLine();
        WriteRegister("RDX", f->Rdx); WriteRegister("RSI", f->Rsi); WriteRegister("RDI", f->Rdi); Log.WriteLine();
        WriteRegister("RBP", f->Rbp); WriteRegister("R8", f->R8); WriteRegister("R9", f->R9); Log.WriteLine();
        WriteRegister("R10", f->R10); WriteRegister("R11", f->R11); WriteRegister("R12", f->R12); Log.WriteLine();
        WriteRegister("R13", f->R13); WriteRegister("R14", f->R14); WriteRegister("R15", f->R15); Log.WriteLine();
        WriteRegister("CS", f->Cs); WriteRegister("SS", f->Ss); WriteRegister("CR3", Cpu.ReadCr3()); Log.WriteLine();
    }

    private static void WriteRegister(string name, ulong value)
    {
        Log.Write("  ");
        Log.Write(name);
        Log.Write("=");
        Log.WriteHex(value, 16);
    }

    /// <summary>Follows saved frame pointers (each frame: [rbp] = caller's rbp, [rbp+8] =
    /// return address) while they stay inside the kernel's half and keep growing upward.</summary>
    private static void WriteBacktrace(ulong rbp, ulong rip)
    {
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
