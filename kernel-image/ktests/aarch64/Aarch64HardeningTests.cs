using System;
using Aurora.Kernel.Arch.Aarch64;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Aurora.Pmm;
using Aurora.Vmm;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>x86_64's HardeningTests on aarch64 (issue 9's findings where arm64 has them):
/// PXN for SMEP, PAN for SMAP (arch/aarch64/Protections.cs), SCTLR_EL1 as Linux sets it for
/// CR0/CR4, and the interrupt mask and thread pointer per thread for RFLAGS. Each check
/// prints the expected and actual values it compares.</summary>
internal static unsafe class Aarch64HardeningTests
{
    private const ulong UserProbeAddress = 0x0000_0040_0000_0000;

    /// <summary>Descriptor bits (ARM ARM D8.3): AP[1] (EL0 access), PXN.</summary>
    private const ulong DescriptorUser = 1UL << 6, DescriptorPrivilegedExecuteNever = 1UL << 53;

    private static ulong s_userLeaves, s_userLeavesWithoutPxn, s_firstWithoutPxn;

    /// <summary>Walks a TTBR0 root through the direct map: every valid leaf (block or page)
    /// that EL0 may access is counted, and those without PXN.</summary>
    private static void WalkUserLeaves(ulong tablePhysical, int level, ulong virtualBase)
    {
        ulong* table = (ulong*)(tablePhysical + KernelMemory.DirectMapOffset);
        int shift = 39 - 9 * level;
        for (int i = 0; i < 512; i++)
        {
            ulong descriptor = table[i];
            if ((descriptor & 1) == 0) continue;
            ulong address = virtualBase + ((ulong)i << shift);
            bool tableDescriptor = level < 3 && (descriptor & 2) != 0;
            if (tableDescriptor)
            {
                WalkUserLeaves(descriptor & 0x0000_FFFF_FFFF_F000UL, level + 1, address);
                continue;
            }
            if ((descriptor & DescriptorUser) == 0) continue;
            s_userLeaves++;
            if ((descriptor & DescriptorPrivilegedExecuteNever) == 0)
            {
                if (s_userLeavesWithoutPxn == 0) s_firstWithoutPxn = address;
                s_userLeavesWithoutPxn++;
            }
        }
    }

    /// <summary>A throw-away address space (one user page at <see cref="UserProbeAddress"/>)
    /// to run <paramref name="body"/> in, interrupts off so the scheduler keeps TTBR0.</summary>
    private static void WithUserPage(PageFlags flags, uint firstWord, delegate*<void> body)
    {
        ref var mapper = ref KernelMemory.Mapper;
        Check(mapper.CreateAddressSpace(KernelMemory.KernelSpace, out AddressSpace space) == VmmError.None, "no address space");
        Check(KernelMemory.Frames.AllocateFrame(out ulong frame) == PmmError.None, "no frame");
        byte* direct = (byte*)(frame + KernelMemory.DirectMapOffset);
        new Span<byte>(direct, 4096).Clear();
        *(uint*)direct = firstWord;
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
        mapper.DestroyAddressSpace(space, UserMemory.Counts);
    }

    private static bool s_readOk, s_openReadOk, s_callOk;
    private static ulong s_openValue, s_panAfter;
    private static FaultInfo s_fault;

    private static void ProbeCall()
    {
        s_callOk = SafeAccess.TryCall(UserProbeAddress);
        s_fault = SafeAccess.LastFault;
    }

    /// <summary>SMEP's arm64 twin, PXN: every page a live process (hello.elf, loaded and
    /// started) may access from EL0 is privileged-execute-never in its tables, so are pages
    /// mprotect's ProtectRange made executable for EL0, and the kernel's
    /// `ret` on an EL0-executable, read-only user page is an instruction abort (permission
    /// fault) at EL1, not a return.</summary>
    internal static void KernelExecuteOfUserPageFaults()
    {
        ref Boot.BootInfo info = ref KernelMain.BootInfo;
        int module = info.FindModule("hello.elf");
        Check(module >= 0, "hello.elf is not among the boot modules");
        if (module >= 0)
        {
            ProcessTests.PrepareOutputBuffer();
            var program = new ReadOnlySpan<byte>((byte*)(info.ModulePhysical[module] + info.DirectMapOffset), (int)info.ModuleSize[module]);
            Process* process = Process.Start(program, info.ModuleName(module), out LoadError error);
            Check(process != null && error == LoadError.None, "hello.elf did not start");
            if (process != null)
            {
                s_userLeaves = s_userLeavesWithoutPxn = s_firstWithoutPxn = 0;
                bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
                WalkUserLeaves(process->Space.Root, 0, 0);
                Hal.Cpu.RestoreInterrupts(interrupts);
                Process.Wait(process);
                Log.Write("  hello.elf's EL0-accessible pages: ");
                Log.WriteDecimal(s_userLeaves);
                Log.WriteLine();
                ShowHex("of them without PXN", 0, s_userLeavesWithoutPxn);
                if (s_userLeavesWithoutPxn != 0) ShowHex("the first without PXN", 0, s_firstWithoutPxn);
                Check(s_userLeaves >= 4, "the walk found too few user pages (code, data, stack, trampoline)");
                Check(s_userLeavesWithoutPxn == 0, "a user page is executable at EL1 (PXN clear)");
            }
        }

        // mprotect's path: pages made executable (and writable and executable) for EL0 by
        // ProtectRange keep PXN.
        ref var mapper = ref KernelMemory.Mapper;
        if (mapper.CreateAddressSpace(KernelMemory.KernelSpace, out AddressSpace space) == VmmError.None)
        {
            const ulong Start = 0x0000_0040_0000_0000, End = Start + 4 * 4096;
            bool mapped = UserMemory.MapZeroed(space, Start, End, PageFlags.User | PageFlags.Writable | PageFlags.NoExecute);
            UserMemory.ProtectRange(space, Start, Start + 2 * 4096, PageFlags.User);
            UserMemory.ProtectRange(space, Start + 2 * 4096, End, PageFlags.User | PageFlags.Writable);
            s_userLeaves = s_userLeavesWithoutPxn = s_firstWithoutPxn = 0;
            WalkUserLeaves(space.Root, 0, 0);
            UserMemory.UnmapRange(space, Start, End);
            mapper.DestroyAddressSpace(space, UserMemory.Counts);
            Check(mapped, "the pages for the mprotect case were not mapped");
            ShowHex("pages made executable by ProtectRange / of them without PXN", 0x4_0, (s_userLeaves << 4) | s_userLeavesWithoutPxn);
            Check(s_userLeaves == 4 && s_userLeavesWithoutPxn == 0, "a page ProtectRange made executable for EL0 is executable at EL1");
        }
        else Check(false, "no address space for the mprotect case");

        WithUserPage(PageFlags.None, 0xD65F_03C0, &ProbeCall); // ret, executable and read-only for EL0
        ShowHex("call succeeded (1) / faulted (0)", 0, s_callOk ? 1UL : 0);
        ShowHex("FAR", UserProbeAddress, s_fault.Address);
        ShowHex("exception class (instruction abort at EL1), IFSC >> 2 (permission)", 0x21_3, ((ulong)s_fault.ExceptionClass << 4) | (s_fault.Status >> 2));
        Check(!s_callOk, "the kernel executed code on a user page");
        Check(s_fault.Address == UserProbeAddress && s_fault.ExceptionClass == 0x21 && s_fault.Permission, "the fault is not an EL1 permission fault on the fetch");
    }

    private static void ProbeRead()
    {
        s_readOk = SafeAccess.TryRead64(UserProbeAddress + 8, out _);
        s_fault = SafeAccess.LastFault;
        s_openReadOk = SafeAccess.TryReadUser64(UserProbeAddress + 8, out s_openValue);
        s_panAfter = Native.ReadPan();
    }

    /// <summary>SMAP's arm64 twin, PAN (where the CPU has it: QEMU's `-cpu max`, not its
    /// cortex-a72): a kernel read of a mapped user page is a permission fault unless PAN is
    /// lifted for it, and then it reads the value; PAN is on again after.</summary>
    internal static void KernelReadOfUserPageFaultsWithoutPan()
    {
        ShowHex("PAN offered (ID_AA64MMFR1_EL1.PAN) / on", Protections.OfferedPan ? 0x11UL : 0, (Protections.OfferedPan ? 0x10UL : 0) | (Protections.PanEnabled ? 1UL : 0));
        Check(Protections.OfferedPan == Protections.PanEnabled, "PAN is offered but off");
        if (!Protections.OfferedPan)
        {
            Log.WriteLine("  PAN not offered by this CPU: nothing more to prove (Aarch64ProtectionTests boots -cpu max)");
            return;
        }

        ShowHex("PSTATE.PAN", 1UL << 22, Native.ReadPan());
        WithUserPage(PageFlags.Writable | PageFlags.NoExecute, 0, &ProbeRead);
        ShowHex("plain read succeeded (1) / faulted (0)", 0, s_readOk ? 1UL : 0);
        ShowHex("FAR", UserProbeAddress + 8, s_fault.Address);
        ShowHex("exception class (data abort at EL1), DFSC >> 2 (permission)", 0x25_3, ((ulong)s_fault.ExceptionClass << 4) | (s_fault.Status >> 2));
        Check(!s_readOk, "the kernel read a user page with PAN on");
        Check(s_fault.Address == UserProbeAddress + 8 && s_fault.ExceptionClass == 0x25 && s_fault.Permission && !s_fault.Write, "the fault is not an EL1 permission fault on the read");
        ShowHex("read with PAN lifted", 0x5EC0_0D0C_AFE5_1234, s_openReadOk ? s_openValue : 0);
        Check(s_openReadOk && s_openValue == 0x5EC0_0D0C_AFE5_1234, "the read with PAN lifted failed");
        ShowHex("PSTATE.PAN after the probes", 1UL << 22, s_panAfter);
        Check(s_panAfter == 1UL << 22, "PAN left off: user access left open");
    }

    private static void ReadUserPageDirectly()
    {
        ulong value = *(ulong*)(UserProbeAddress + 8);
        Check(false, value == 0x5EC0_0D0C_AFE5_1234 ? "the kernel read a user page: PAN is off" : "the read of a user page returned something else");
    }

    /// <summary>panic.a64_kernel_read_of_user_page_under_pan (own boot, -cpu max): a kernel read
    /// of a user page outside a PAN window, with no probe to recover it, is a readable panic
    /// (a data abort at EL1, a permission fault at level 3, FAR the user address).</summary>
    internal static void KernelReadOfUserPagePanics() =>
        WithUserPage(PageFlags.Writable | PageFlags.NoExecute, 0, &ReadUserPageDirectly);

    /// <summary>CR0/CR4's arm64 twin: SCTLR_EL1 as Linux sets it (arch/arm64/include/asm/sysreg.h,
    /// INIT_SCTLR_EL1_MMU_ON; cpufeature.c): the MMU, caches and SP alignment checks on; EL0
    /// may read CTR_EL0 (UCT), maintain caches (UCI), zero blocks (DZE) and WFE (nTWE), but
    /// DAIF stays EL1's (UMA clear: `msr daifset` at EL0 traps) and WFI traps (nTWI clear);
    /// WXN and big-endian off; SPAN clear where PAN is (every exception sets PAN).</summary>
    internal static void SctlrAsLinuxSetsIt()
    {
        ulong sctlr = Native.ReadSctlr();
        ulong set = Protections.SctlrMmu | Protections.SctlrDataCache | Protections.SctlrInstructionCache | Protections.SctlrStackAlignment
            | Protections.SctlrUserStackAlignment | Protections.SctlrUserCacheType | Protections.SctlrUserCacheMaintenance
            | Protections.SctlrUserZeroBlock | Protections.SctlrUserWaitForEvent;
        ulong clear = Protections.SctlrUserMask | Protections.SctlrUserWaitForInterrupt | Protections.SctlrWriteExecuteNever
            | Protections.SctlrAlignmentCheck | Protections.SctlrUserEndianness | Protections.SctlrEndianness;
        if (Protections.OfferedPan) clear |= Protections.SctlrSetPan;
        ShowHex("SCTLR_EL1 & bits Linux sets", set, sctlr & set);
        ShowHex("SCTLR_EL1 & bits Linux clears", 0, sctlr & clear);
        Check((sctlr & set) == set, "a bit Linux sets in SCTLR_EL1 is clear");
        Check((sctlr & clear) == 0, "a bit Linux clears in SCTLR_EL1 is set");
    }

    // ---- at EL0: userland/aarch64/hardening.c (Linux's answers under qemu-aarch64) ----

    private static bool s_programRan, s_frameRight, s_returnsRight, s_writesRight, s_stateRight;
    private static int s_programStatus;

    /// <summary>Runs a64_hardening.elf once per boot (each of its four parts is a test here) and
    /// keeps which parts printed "0 wrong".</summary>
    private static void RunHardeningProgram()
    {
        if (s_programRan) return;
        s_programRan = true;
        s_programStatus = ProcessTests.RunProgram("a64_hardening.elf", checkMemory: true);
        s_frameRight = ProcessTests.OutputHas("signal frame: 0 wrong");
        s_returnsRight = ProcessTests.OutputHas("returns outside EL0's half: 0 wrong");
        s_writesRight = ProcessTests.OutputHas("writes to kernel pages: 0 wrong");
        s_stateRight = ProcessTests.OutputHas("NZCV and TPIDR_EL0 per thread: 0 wrong");
    }

    /// <summary>finding 9 on arm64: the rt_sigframe as Linux lays it out (hardening.c: SP
    /// 16-aligned from a misaligned one, siginfo at SP, ucontext at SP + 128, the frame record
    /// at SP + 4688 with the interrupted x29/x30, uc_mcontext's SP, PC and NZCV, the fpsimd
    /// record first with FPSR, FPCR and v16, the terminator after it), and rt_sigreturn
    /// restores what the handler wrote there.</summary>
    internal static void SignalFrameMatchesLinux()
    {
        RunHardeningProgram();
        Check(s_frameRight, "the signal frame differs from Linux's (the program's 'wrong:' lines say where)");
        CheckShown("a64_hardening.elf's exit status", 0, s_programStatus);
    }

    /// <summary>finding 4 on arm64: rt_sigreturn to a kernel-half, non-canonical or
    /// last-page PC, or to EL1h/EL1t or with IRQs masked, a handler or restorer in the kernel
    /// half, a branch there: each ends its child by SIGSEGV and the kernel never returns to
    /// EL1 for it (Hal.UserMode.Resume and SignalReturn refuse; a return there would panic).</summary>
    internal static void NoReturnToNonCanonicalAddresses()
    {
        RunHardeningProgram();
        Check(s_returnsRight, "a return outside EL0's half did not end by SIGSEGV");
    }

    /// <summary>finding 6 on arm64: EL0 stores to the direct map of RAM, the image, the
    /// kernel's windows and the first kernel-half address are SIGSEGV at once.</summary>
    internal static void UserWriteToKernelPageIsSigsegv()
    {
        RunHardeningProgram();
        Check(s_writesRight, "a write to a kernel page did not end by SIGSEGV");
    }

    /// <summary>finding 3 at EL0: two processes spin with their own NZCV and TPIDR_EL0 while
    /// the tick preempts them (20 million rounds each); neither ever reads the other's.</summary>
    internal static void NzcvAndThreadPointerArePerThreadAtEl0()
    {
        RunHardeningProgram();
        Check(s_stateRight, "a process read another's NZCV or TPIDR_EL0");
    }

    // ---- PSTATE and the thread pointer per thread (RFLAGS, finding 3) ----

    private const ulong DaifIrq = 1UL << 7;
    private const ulong OwnPointer = 0x0000_7A5A_0000_1000, PartnerPointer = 0x0000_7A5A_0000_2000;
    private static int s_partnerSawMasked, s_partnerRounds, s_partnerWrongPointer;
    private static bool s_partnerDone;

    private static long Partner(ulong rounds)
    {
        Scheduler.Current->ThreadPointer = PartnerPointer;
        Native.WriteUserThreadPointer(PartnerPointer);
        for (ulong i = 0; i < rounds; i++)
        {
            if ((Native.ReadDaif() & DaifIrq) != 0) s_partnerSawMasked++;
            if (Native.ReadUserThreadPointer() != PartnerPointer) s_partnerWrongPointer++;
            s_partnerRounds++;
            Scheduler.YieldToOthers();
        }

        s_partnerDone = true;
        return 0;
    }

    /// <summary>x86's RFLAGS test on arm64's per-thread state: a thread that switches away with
    /// IRQs masked (PSTATE.I) gets them masked back, the thread it switches to does not see
    /// them masked, and each keeps its own TPIDR_EL0 across the switches.</summary>
    internal static void PstateAndThreadPointerArePerThread()
    {
        const int Rounds = 20;
        s_partnerSawMasked = s_partnerRounds = s_partnerWrongPointer = 0;
        s_partnerDone = false;
        ulong savedPointer = Scheduler.Current->ThreadPointer;
        Scheduler.Current->ThreadPointer = OwnPointer;
        Native.WriteUserThreadPointer(OwnPointer);
        KernelThread* partner = Scheduler.Spawn(&Partner, Rounds);
        int lostMask = 0, wrongPointer = 0;
        for (int i = 0; i < 200 && !s_partnerDone; i++)
        {
            bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
            Scheduler.YieldToOthers();
            if ((Native.ReadDaif() & DaifIrq) == 0) lostMask++;
            if (Native.ReadUserThreadPointer() != OwnPointer) wrongPointer++;
            Hal.Cpu.RestoreInterrupts(interrupts);
        }

        Scheduler.Join(partner);
        Scheduler.Current->ThreadPointer = savedPointer;
        Native.WriteUserThreadPointer(savedPointer);
        ShowHex("switches in which the partner saw this thread's IRQ mask", 0, (ulong)s_partnerSawMasked);
        ShowHex("switches after which this thread's IRQ mask was gone", 0, (ulong)lostMask);
        ShowHex("switches after which a thread had another's TPIDR_EL0", 0, (ulong)(wrongPointer + s_partnerWrongPointer));
        Check(s_partnerRounds == Rounds, "the partner thread did not run all its rounds");
        Check(s_partnerSawMasked == 0, "PSTATE's IRQ mask leaked into another thread across a switch");
        Check(lostMask == 0, "a thread's IRQ mask did not survive a switch");
        Check(wrongPointer + s_partnerWrongPointer == 0, "TPIDR_EL0 did not follow its thread");
    }
}
