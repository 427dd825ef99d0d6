namespace Aurora.Kernel.Arch.X86_64;

/// <summary>The x86-64 part of a panic for a CPU exception: the exception's name, its error
/// code decoded (page faults: SDM Vol. 3A 4.7; #GP selector errors: 6.13), and every register
/// the entry stub saved.</summary>
internal static unsafe class ExceptionReport
{
    internal static void Panic(InterruptFrame* frame)
    {
        Kernel.Panic.Begin();
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset);
        Log.Write(Interrupts.ExceptionName(frame->Vector));
        if (frame->Vector == 14 && Cpu.ReadCr2() < 4096) Log.Write(" (null dereference)");
        Log.WriteLine();
        Log.Write("  vector ");
        Log.WriteDecimal(frame->Vector);
        Log.Write("  error code ");
        Log.WriteHex(frame->ErrorCode);
        Log.WriteLine();
        if (frame->Vector == 14) WritePageFault(frame->ErrorCode);
        // A fault on a stack's guard page cannot be delivered on that stack, so it arrives as a
        // double fault (on the IST stack) with CR2 still naming the guard page.
        if ((frame->Vector == 14 || frame->Vector == 8) && Memory.KernelMemory.IsStackGuard(Cpu.ReadCr2()))
        {
            Log.Write("  kernel stack overflow: CR2 ");
            Log.WriteHex(Cpu.ReadCr2(), 16);
            Log.WriteLine(" is in the unmapped guard below a thread's stack");
        }
        if (frame->Vector == 13 && frame->ErrorCode != 0)
        {
            Log.Write("  selector index ");
            Log.WriteHex(frame->ErrorCode >> 3);
            Log.WriteLine((frame->ErrorCode & 2) != 0 ? " (IDT)" : " (GDT/LDT)");
        }
        WriteRegisters(frame);
        Kernel.Panic.WriteBacktrace(frame->Rbp, frame->Rip);
        Kernel.Panic.End();
    }

    private static void WritePageFault(ulong errorCode)
    {
        Log.Write("  CR2 (faulting address) ");
        Log.WriteHex(Cpu.ReadCr2(), 16);
        Log.WriteLine();
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
}
