using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// EL0 of the portable processes (kernel/Processes) on aarch64: what the vectors do with an
/// exception from a thread that belongs to a process. `svc #0` is a system call in Linux's
/// arm64 convention (x8 the number, x0-x5 the arguments, the result or -errno in x0; Linux
/// arch/arm64/kernel/syscall.c) answered by the handler kernel/ set (the syscall table); any
/// other synchronous exception is a fault for Process.OnUserFault, in the x86 vector and
/// error-code terms that interface still speaks; and on every way back to EL0 (a system
/// call's, a fault's, an interrupt's) the process's signals are looked at first.
/// </summary>
internal static unsafe class UserEntry
{
    /// <summary>Set by Hal.UserMode: who answers system calls and user faults.</summary>
    internal static delegate*<ulong, ulong*, ulong, long> SystemCallHandler;
    internal static delegate*<ulong, ulong, ulong, ulong, bool> FaultHandler;

    private const uint ClassUnknown = 0x00, ClassWaitForInterrupt = 0x01, ClassSystemCall = 0x15, ClassSystemInstruction = 0x18,
        ClassInstructionAbort = 0x20, ClassPcAlignment = 0x22, ClassDataAbort = 0x24, ClassSpAlignment = 0x26, ClassFloatingPoint = 0x2C,
        ClassBreakpointLower = 0x30, ClassSoftwareStepLower = 0x32, ClassWatchpointLower = 0x34, ClassBreakpoint = 0x3C;

    /// <summary>The data abort's fault status for an alignment fault (DFSC 0b100001).</summary>
    private const uint StatusAlignment = 0x21;

    // The x86 terms OnUserFault takes: vectors #DE 0, #BP 3, #GP 13, #PF 14, #AC 17,
    // #XM 19 (and its arm64 pseudo-vectors for BRK and undefined instructions), and the
    // page-fault error code's P, W/R, U/S and I/D bits.
    private const ulong VectorBreakpoint = 3, VectorProtection = 13, VectorPageFault = 14, VectorAlignment = 17,
        VectorSimd = 19;
    private const ulong FaultPresent = 1, FaultWrite = 2, FaultUser = 4, FaultFetch = 16;

    /// <summary>Whether the running thread is a process's (the bring-up's own EL0 program,
    /// UserProgram.cs, is not).</summary>
    internal static bool IsProcessThread => Tasks.Scheduler.Current != null && Tasks.Scheduler.Current->Process != null;

    /// <summary>A synchronous exception from EL0 of a process's thread (vector 8).</summary>
    internal static void Synchronous(TrapFrame* frame, uint exceptionClass)
    {
        // As on x86_64, a system call runs with interrupts on: it may sleep, and the tick
        // preempts it. They are off again before the frame is restored (vectors.S).
        Native.EnableInterrupts();
        if (exceptionClass == ClassSystemCall)
        {
            // The number is w8, 32 bits (Linux el0_svc_common takes an int): a call x86-64
            // alone has (2^63 + its number, tools/aarch64.sh) can never be asked for.
            ulong number = (uint)frame->X[8];
            ulong* arguments = &frame->X[0];
            ulong* reordered = stackalloc ulong[6];
            if (number == Syscalls.SyscallTable.Clone)
            {
                // clone's last two arguments are (tls, child_tid) on arm64 and (child_tid, tls) on
                // x86-64 (Linux's CLONE_BACKWARDS variants), and the portable clone takes x86-64's
                // order; x3 and x4 themselves stay as the caller had them.
                for (int i = 0; i < 6; i++) reordered[i] = frame->X[i];
                reordered[3] = frame->X[4];
                reordered[4] = frame->X[3];
                arguments = reordered;
            }
            long result = SystemCallHandler(number, arguments, frame->UserStackPointer);
            if (Process.HasWorkBeforeSyscallReturn(result)) Process.BeforeUserReturn(frame, &result);
            frame->X[0] = (ulong)result;
        }
        else
        {
            Fault(frame, exceptionClass);
            Process.BeforeUserReturn(frame, null);
        }
        Native.DisableInterrupts();
    }

    /// <summary>An interrupt that came from EL0, after its handler and any switch: signals
    /// first (a spinning program must still be killable).</summary>
    internal static void InterruptReturn(TrapFrame* frame)
    {
        if (IsProcessThread) Process.BeforeUserReturn(frame, null);
    }

    private static void Fault(TrapFrame* frame, uint exceptionClass)
    {
        ulong syndrome = frame->Syndrome, vector, error = FaultUser;
        uint status = (uint)syndrome & 0x3F;
        // Linux's answers (arch/arm64/kernel/entry-common.c, el0t_64_sync_handler): WFI is
        // skipped (wfi_handler); a trapped system instruction (el0_sys), an UNDEFINED one
        // (el0_undef) and any class it does not know (el0_inv) are SIGILL; a misaligned PC or
        // SP and an alignment fault are SIGBUS (el0_pc, el0_sp, do_alignment_fault); the
        // debug classes are SIGTRAP.
        if (exceptionClass == ClassWaitForInterrupt)
        {
            frame->ExceptionLink += 4;
            return;
        }
        switch (exceptionClass)
        {
            case ClassDataAbort or ClassInstructionAbort when (status >> 2) is 1 or 2 or 3:
                // Translation (nothing mapped), access flag or permission fault: a page fault;
                // only the translation fault is "not present". WnR (ISS bit 6) says a write.
                vector = VectorPageFault;
                if ((status >> 2) != 1) error |= FaultPresent;
                if (exceptionClass == ClassInstructionAbort) error |= FaultFetch;
                else if ((syndrome & (1 << 6)) != 0) error |= FaultWrite;
                break;
            case ClassDataAbort when status == StatusAlignment:
            case ClassPcAlignment or ClassSpAlignment:
                vector = VectorAlignment;
                break;
            case ClassDataAbort or ClassInstructionAbort:
                // External aborts, TLB conflicts and the like: SIGSEGV as a #GP.
                vector = VectorProtection;
                break;
            case ClassBreakpoint:
                // BRK: SIGTRAP/TRAP_BRKPT at the instruction, which stays where it is (Linux's
                // brk_handler; a handler that returns meets it again unless it moves the PC).
                vector = Process.FaultBreakpointAtInstruction;
                break;
            case ClassBreakpointLower or ClassSoftwareStepLower or ClassWatchpointLower:
                vector = VectorBreakpoint;
                break;
            case ClassFloatingPoint:
                vector = VectorSimd;
                break;
            default:
                // ClassUnknown (UNDEFINED at EL0: EL1 registers, ERET, HVC, SMC, DC IVAC...),
                // ClassSystemInstruction (MSR DAIFSet with SCTLR_EL1.UMA clear) and the rest:
                // SIGILL/ILL_ILLOPC at the instruction (x86's #UD is ILL_ILLOPN).
                vector = Process.FaultUndefinedAtInstruction;
                break;
        }
        ulong address = exceptionClass is ClassDataAbort or ClassInstructionAbort or ClassPcAlignment or ClassSpAlignment ? frame->FaultAddress : 0;
        // True: resolved (demand paging, copy-on-write), the instruction runs again. False: the
        // fault's signal is pending, for the return path to deliver.
        FaultHandler(vector, error, address, frame->ExceptionLink);
    }
}
