using System;
using Aurora.Kernel.Arch.X86_64;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Aurora.Pmm;
using Aurora.Vmm;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>Entry/exit-path and CPU hardening (issue 9, findings 3, 4, 6, 9, 10): RFLAGS per
/// thread and sanitised on the way to user mode, no return to a non-canonical address, user
/// writes to kernel pages are SIGSEGV, the Linux signal-frame layout, and SMEP, SMAP, UMIP,
/// CR0.WP and CR0.NE on where the CPU has them. Each check prints the expected and actual
/// values it compares.</summary>
internal static unsafe class HardeningTests
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), System.Runtime.RuntimeImport("*", "aurora_test_set_nested_task")]
    private static extern void SetNestedTask();

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), System.Runtime.RuntimeImport("*", "aurora_test_clear_nested_task")]
    private static extern void ClearNestedTask();

    private const ulong FlagNestedTask = 1UL << 14;

    // ---- CPU protections (finding 10, CR0.NE for finding 9) ----

    /// <summary>CR0.WP and CR0.NE are set (boot.S and Protections.Enable).</summary>
    internal static void WriteProtectAndNumericErrorAreOn()
    {
        ulong cr0 = Cpu.ReadCr0();
        ulong wanted = Protections.Cr0WriteProtect | Protections.Cr0NumericError;
        ShowHex("CR0 & (WP|NE)", wanted, cr0 & wanted);
        Check((cr0 & Protections.Cr0WriteProtect) != 0, "CR0.WP is clear");
        Check((cr0 & Protections.Cr0NumericError) != 0, "CR0.NE is clear");
    }

    /// <summary>Each of SMEP, SMAP and UMIP that CPUID leaf 7 reports is on in CR4.</summary>
    internal static void SmepSmapUmipOnWhereOffered()
    {
        uint* r = stackalloc uint[4];
        Cpu.Cpuid(0, 0, r);
        ulong expected = 0;
        if (r[0] >= 7)
        {
            Cpu.Cpuid(7, 0, r);
            if ((r[1] & (1u << 7)) != 0) expected |= Protections.Cr4Smep;
            if ((r[1] & (1u << 20)) != 0) expected |= Protections.Cr4Smap;
            if ((r[2] & (1u << 2)) != 0) expected |= Protections.Cr4Umip;
        }

        ulong mask = Protections.Cr4Smep | Protections.Cr4Smap | Protections.Cr4Umip;
        ulong actual = Cpu.ReadCr4() & mask;
        ShowHex("CR4 & (SMEP|SMAP|UMIP) for what CPUID offers", expected, actual);
        Check(actual == expected, "a protection the CPU offers is off in CR4");
    }

    private const ulong UserProbeAddress = 0x0000_0040_0000_0000;

    /// <summary>A throw-away address space (the kernel half shared, one user page at
    /// <see cref="UserProbeAddress"/>) to run <paramref name="body"/> in, interrupts off so the
    /// scheduler does not switch CR3 under it.</summary>
    private static void WithUserPage(PageFlags flags, byte firstByte, delegate*<void> body)
    {
        ref var mapper = ref KernelMemory.Mapper;
        Check(mapper.CreateAddressSpace(KernelMemory.KernelSpace, out AddressSpace space) == VmmError.None, "no address space");
        Check(KernelMemory.Frames.AllocateFrame(out ulong frame) == PmmError.None, "no frame");
        byte* direct = (byte*)(frame + KernelMemory.DirectMapOffset);
        new Span<byte>(direct, 4096).Clear();
        direct[0] = firstByte;
        *(ulong*)(direct + 8) = 0x5EC0_0D0C_AFE5_1234;
        Check(mapper.Map(space, UserProbeAddress, frame, PageSize.Size4KiB, flags | PageFlags.User) == VmmError.None, "user page not mapped");
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        ulong kernelRoot = Hal.Paging.ActiveRootPhysical();
        Hal.Paging.ActivateRoot(space.Root);
        body();
        Hal.Paging.ActivateRoot(kernelRoot);
        Hal.Cpu.RestoreInterrupts(interrupts);
        mapper.Unmap(space, UserProbeAddress, PageSize.Size4KiB, out _);
        KernelMemory.Frames.FreeFrame(frame);
        mapper.DestroyAddressSpace(space);
    }

    private static bool s_readOk, s_stacReadOk, s_callOk;
    private static ulong s_stacValue;
    private static FaultInfo s_fault;

    private static void ProbeRead()
    {
        s_readOk = SafeAccess.TryRead64(UserProbeAddress + 8, out _);
        s_fault = SafeAccess.LastFault;
        if (Protections.SmapEnabled) s_stacReadOk = SafeAccess.TryReadUser64(UserProbeAddress + 8, out s_stacValue);
    }

    /// <summary>SMAP: a kernel read of a mapped user page faults (protection, supervisor read)
    /// unless it is bracketed by STAC/CLAC, and then it reads the value.</summary>
    internal static void KernelReadOfUserPageFaultsWithoutStac()
    {
        if (!Protections.OfferedSmap)
        {
            Log.WriteLine("  SMAP not offered by this CPU: nothing to prove");
            return;
        }

        WithUserPage(PageFlags.Writable | PageFlags.NoExecute, 0, &ProbeRead);
        ShowHex("plain read succeeded (1) / faulted (0)", 0, s_readOk ? 1UL : 0);
        ShowHex("fault address", UserProbeAddress + 8, s_fault.Address);
        ShowHex("fault error code (P, supervisor, read)", 1, s_fault.ErrorCode);
        Check(!s_readOk, "the kernel read a user page with SMAP on and no STAC");
        Check(s_fault.Address == UserProbeAddress + 8 && s_fault.Present && !s_fault.User && !s_fault.Write, "the fault is not a supervisor protection fault at the user address");
        ShowHex("read inside STAC/CLAC", 0x5EC0_0D0C_AFE5_1234, s_stacReadOk ? s_stacValue : 0);
        Check(s_stacReadOk && s_stacValue == 0x5EC0_0D0C_AFE5_1234, "the STAC-bracketed read of the user page failed");
        ulong flags = Cpu.ReadFlags();
        ShowHex("RFLAGS.AC after the probes", 0, flags & (1UL << 18));
        Check((flags & (1UL << 18)) == 0, "RFLAGS.AC left set: user access left open");
    }

    private static void ProbeCall()
    {
        s_callOk = SafeAccess.TryCall(UserProbeAddress);
        s_fault = SafeAccess.LastFault;
    }

    /// <summary>SMEP: the kernel cannot execute a user page (a `ret` there faults as a
    /// protection fault on an instruction fetch).</summary>
    internal static void KernelExecuteOfUserPageFaults()
    {
        if (!Protections.OfferedSmep)
        {
            Log.WriteLine("  SMEP not offered by this CPU: nothing to prove");
            return;
        }

        WithUserPage(PageFlags.None, 0xC3, &ProbeCall); // ret, executable for user mode
        ShowHex("call succeeded (1) / faulted (0)", 0, s_callOk ? 1UL : 0);
        ShowHex("fault error code (P, supervisor, fetch)", 0x11, s_fault.ErrorCode);
        Check(!s_callOk, "the kernel executed code on a user page with SMEP on");
        Check(s_fault.Address == UserProbeAddress && s_fault.Present && s_fault.InstructionFetch && !s_fault.User, "the fault is not a supervisor fetch fault at the user page");
    }

    /// <summary>UMIP: SGDT, SIDT, SLDT, SMSW and STR in user mode are SIGSEGV.</summary>
    internal static void UserDescriptorTableInstructionsFault()
    {
        if (!Protections.OfferedUmip)
        {
            Log.WriteLine("  UMIP not offered by this CPU: nothing to prove");
            return;
        }

        int status = ProcessTests.RunProgram("hardening_umip.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("hardening umip: 0 did not fault"), "a descriptor-table instruction ran in user mode");
        Check(status == 0, "the program failed");
    }

    // ---- RFLAGS (finding 3) ----

    private static int s_partnerSawNestedTask, s_partnerRounds;
    private static bool s_partnerDone;

    private static long FlagsPartner(ulong rounds)
    {
        for (ulong i = 0; i < rounds; i++)
        {
            if ((Cpu.ReadFlags() & FlagNestedTask) != 0) s_partnerSawNestedTask++;
            s_partnerRounds++;
            Scheduler.YieldToOthers();
        }

        s_partnerDone = true;
        return 0;
    }

    /// <summary>RFLAGS belongs to each thread: a thread that switches away with NT set gets NT
    /// back, and the thread it switches to does not see it.</summary>
    internal static void RflagsArePerThread()
    {
        const int Rounds = 20;
        s_partnerSawNestedTask = 0;
        s_partnerRounds = 0;
        s_partnerDone = false;
        KernelThread* partner = Scheduler.Spawn(&FlagsPartner, Rounds);
        int lost = 0;
        for (int i = 0; i < 200 && !s_partnerDone; i++)
        {
            bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
            SetNestedTask();
            Scheduler.YieldToOthers();
            if ((Cpu.ReadFlags() & FlagNestedTask) == 0) lost++;
            ClearNestedTask();
            Hal.Cpu.RestoreInterrupts(interrupts);
        }

        Scheduler.Join(partner);
        ShowHex("switches in which the partner saw this thread's NT", 0, (ulong)s_partnerSawNestedTask);
        ShowHex("switches after which this thread's NT was gone", 0, (ulong)lost);
        Check(s_partnerRounds == Rounds, "the partner thread did not run all its rounds");
        Check(s_partnerSawNestedTask == 0, "RFLAGS.NT leaked into another thread across a switch");
        Check(lost == 0, "a thread's RFLAGS did not survive a switch");
    }

    /// <summary>A user program that sets NT and makes system calls (nanosleep and sched_yield
    /// while another process waits in an interrupt frame, fork, execve, rt_sigreturn) does not
    /// take the kernel down, and every return to user mode clears NT.</summary>
    internal static void NestedTaskFlagFromUserIsHarmless()
    {
        int status = ProcessTests.RunProgram("hardening_nt.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("hardening nt: 3 handled, 0 wrong"), "a system call with NT set went wrong");
        Check(status == 0, "the program failed");
    }

    // ---- canonical return addresses (finding 4) ----

    /// <summary>No return to user mode at an address outside the user half: a syscall in the
    /// last bytes of the user half, handlers and a restorer at non-canonical or kernel
    /// addresses, rt_sigreturn to a non-canonical RIP; each is SIGSEGV, and the kernel (not a
    /// fault after the return) refused the first four.</summary>
    internal static void NoReturnToNonCanonicalAddresses()
    {
        ulong refusedBefore = UserMode.RefusedReturns;
        int status = ProcessTests.RunProgram("hardening_sysret.elf", checkMemory: true);
        ulong refused = UserMode.RefusedReturns - refusedBefore;
        // The kernel keeps the last user page unmapped (UserMemory.UserLimit, Linux's
        // TASK_SIZE_MAX): then the syscall-at-the-end case cannot even be set up.
        bool lastPageMappable = UserMemory.UserLimit == 0x0000_8000_0000_0000;
        ulong expected = lastPageMappable ? 4UL : 3UL;
        ShowHex("returns the kernel refused", expected, refused);
        Check(ProcessTests.OutputHas("hardening sysret: 0 wrong"), "a case did not end by SIGSEGV");
        Check(refused == expected, "the kernel did not refuse every return outside the user half");
        Check(status == 0, "the program failed");
    }

    // ---- user writes to kernel pages (finding 6) ----

    /// <summary>A user write to a writable kernel page (direct map, framebuffer) is SIGSEGV at
    /// once, not an endless "spurious" fault.</summary>
    internal static void UserWriteToKernelPageIsSigsegv()
    {
        int status = ProcessTests.RunProgram("hardening_kernel_write.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("hardening kernel write: 0 wrong"), "a write to a kernel page did not end by SIGSEGV");
        Check(status == 0, "the program failed");
    }

    // ---- signal frame (finding 9) ----

    /// <summary>The signal frame's fpstate is where Linux has it, carries no stale kernel bytes,
    /// NULL is accepted by rt_sigreturn (initial FP state), a bad MXCSR is SIGSEGV, and a pending
    /// x87 exception surfaces as SIGFPE in user mode.</summary>
    internal static void SignalFrameMatchesLinux()
    {
        int status = ProcessTests.RunProgram("hardening_sigframe.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("fpregs set, saved mxcsr 0x7f80, 0 nonzero bytes in 464-511"), "fpstate missing, wrong or carrying stale bytes");
        Check(ProcessTests.OutputHas("signal on the interrupt path: 0 nonzero bytes in 464-511"), "the frame of a signal delivered on the interrupt path carries stale kernel-stack bytes");
        Check(ProcessTests.OutputHas("mxcsr after rt_sigreturn with a NULL fpstate: 0x1f80"), "a NULL fpstate was not accepted as the initial state");
        Check(ProcessTests.OutputHas("pending x87 exception: SIGFPE"), "a pending x87 exception did not become SIGFPE");
        Check(ProcessTests.OutputHas("hardening sigframe: 3 handled, 0 wrong"), "a signal-frame check failed");
        Check(status == 0, "the program failed");
    }
}
