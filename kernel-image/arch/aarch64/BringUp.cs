using System.Runtime.InteropServices;
using Aurora.Kernel.Tasks;
using Internal.Runtime;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// The aarch64 kernel from the loader to the ready line, one path whichever loader ran (entry.S:
/// efi_entry under GRUB's EFI boot, limine_entry under Limine; <see cref="BootSource"/> hides
/// the difference): the runtime, the memory map (and exit from boot services under UEFI), the
/// consoles, the EL1 exception vectors, own page tables, the GIC and the generic timer at
/// 1000 Hz, PSCI; then the portable kernel's memory manager (kernel/Memory), scheduler
/// (kernel/Tasks) and processes through the HAL (docs/architecture.md, "Architectures").
/// </summary>
internal static unsafe class BringUp
{
    private const uint TimerFrequencyHz = 1000;
    private const ulong HeapPages = 4096;        // 16 MiB for the runtime's objects

    private static byte* s_heapNext, s_heapEnd;
    private static byte* s_commandLine;

    /// <summary>From efi_entry: started by the UEFI firmware (GRUB's `linux` boots the image
    /// as an EFI application), boot services up, the image relocated to its higher-half address.</summary>
    [UnmanagedCallersOnly(EntryPoint = "aurora_aarch64_main")]
    private static void Main(void* imageHandle, void* systemTable, ulong imagePhysical)
    {
        Uefi.Attach(imageHandle, systemTable);
        Start(imagePhysical);
    }

    /// <summary>From limine_entry: started by Limine through the Limine protocol, in Limine's
    /// page tables with an identity map of the low 4 GiB that limine_entry made.</summary>
    [UnmanagedCallersOnly(EntryPoint = "aurora_aarch64_limine_main")]
    private static void LimineMain(ulong imagePhysical)
    {
        BootSource.ByLimine = true;
        Start(imagePhysical);
    }

    private static void Start(ulong imagePhysical)
    {
        const ulong imageBase = Paging.KernelVirtualBase;   // where efi_entry relocated us, where Limine loaded us
        ref Boot.BootInfo info = ref KernelMain.BootInfo;
        // The portable Log (kernel/Log.cs) writes to the serial console (Hal.SerialConsole):
        // the PL011, at virt's address until the device tree says otherwise.
        Exceptions.ImageBase = imageBase;
        Exceptions.ImageEnd = imageBase + Native.ImageSize();
        BootSource.ReadEarly(ref info);
        if (!BootSource.RevisionSupported) Fail("Limine did not accept the protocol's base revision 2");
        // The first heap, 2 MiB aligned, seen through the direct map's addresses from the start
        // (Paging.MapBootHeap): no kernel object lives in the lower half, which is the
        // processes' (each its own TTBR0).
        ulong heapPhysical = BootSource.AllocateFirstHeap(ref info, HeapPages * 4096);
        if (heapPhysical != 0 && Paging.MapBootHeap(ref info, heapPhysical, HeapPages * 4096, imagePhysical))
        {
            s_heapNext = (byte*)(Paging.DirectMapBase + heapPhysical);
            s_heapEnd = s_heapNext + HeapPages * 4096;
        }
        RuntimeHost.Allocate = &Allocate;
        RuntimeHost.FailFast = &RuntimeFailure;
        void** modulesStart, modulesEnd;
        Native.ModulesBounds(&modulesStart, &modulesEnd);
        ModuleInitializer.InitializeModules(modulesStart, modulesEnd);

        // Where the devices are, before anything but the UART (at virt's address) is touched.
        DeviceTree.Read(BootSource.DeviceTreeBlob());
        Pl011.Base = DeviceTree.Uart;
        Pl011.Interrupt = DeviceTree.UartInterrupt;
        Pl031.Base = DeviceTree.Rtc;
        Log.InitializeSerial();

        s_commandLine = (byte*)Allocate(CommandLineCapacity + 1);
        ReadCommandLine(ref info);
        // The portable kernel's options (KernelMain.Command: the tests' net-peer-port= and the like).
        int commandLength = 0;
        while (s_commandLine[commandLength] != 0) commandLength++;
        KernelMain.Command.Set(new System.ReadOnlySpan<byte>(s_commandLine, commandLength));
        Exceptions.PowerOffOnPanic = HasOption("test") || HasOption("exit-on-panic") || HasOption("exit-after-ready");

        Log.Write(Log.Bold + "Aurora" + Log.Reset + " kernel (aarch64), booted by ");
        BootSource.WriteLoader(ref info);
        Log.Write(" at EL");
        Log.WriteDecimal((Native.ReadCurrentEl() >> 2) & 3);
        Log.WriteLine();
        Log.Write("kernel: image at ");
        Log.WriteHex(imageBase);
        Log.Write(" (physical ");
        Log.WriteHex(imagePhysical);
        Log.Write(")");
        Log.Write(", CPU MIDR ");
        Log.WriteHex(Native.ReadMidr(), 8);
        Log.Write(", command line \"");
        for (byte* c = s_commandLine; *c != 0; c++) Log.Write(*c);
        Log.WriteLine("\"");

        Log.Write("devices: ");
        Log.Write(DeviceTree.Found ? "from the device tree: " : "QEMU virt's addresses (the device tree names none; ACPI is not read yet): ");
        Log.Write("PL011 at ");
        Log.WriteHex(DeviceTree.Uart);
        Log.Write(", GICv2 at ");
        Log.WriteHex(DeviceTree.GicDistributor);
        Log.Write("/");
        Log.WriteHex(DeviceTree.GicCpuInterface);
        Log.Write(", fw_cfg at ");
        Log.WriteHex(DeviceTree.FirmwareConfig);
        Log.Write(", PSCI through ");
        Log.WriteLine(DeviceTree.PsciUsesSmc ? "SMC" : "HVC");
        Log.Write("devices: the PL011's interrupt is GIC id ");
        Log.WriteDecimal((ulong)DeviceTree.UartInterrupt);
        Log.Write(", PL031 real-time clock at ");
        Log.WriteHex(DeviceTree.Rtc);
        Log.WriteLine();
        if (DeviceTree.GicIsVersion3) Fail("the machine has a GICv3; the bring-up kernel drives a GICv2 (QEMU: -M virt,gic-version=2)");
        ReadMemoryAndLeaveFirmware(ref info);
        AttachScreen(ref info);

        // The kernel runs on SP_EL1 (EL1h) whichever loader entered it (Limine enters at EL1t,
        // limine_entry switches): SP_EL0 is the user stack pointer, and a kernel stack there is
        // overwritten by the first process.
        ulong stackSelect = Native.ReadStackSelect() & 1;
        if (stackSelect != 1)
        {
            Log.Write("exceptions: SPSel expected 1 (the kernel on SP_EL1), actual ");
            Log.WriteDecimal(stackSelect);
            Log.WriteLine();
            Fail("the kernel runs on SP_EL0, the user stack pointer");
        }
        Exceptions.Install();
        Log.WriteLine("exceptions: EL1 vectors installed (ESR/FAR decoded on a panic), the kernel on SP_EL1");
        OpenUserControls();
        Paging.Initialize(ref info, imagePhysical, Native.ImageSize());
        CheckPaging(imageBase, imagePhysical);
        // PAN once the kernel's own tables run (the firmware's may let EL0 reach its memory).
        Hal.Cpu.EnableProtections();
        Exceptions.ExpectBreakpoint = true;
        Native.Breakpoint();
        if (Exceptions.BreakpointsSeen != 1) Fail("a breakpoint instruction did not reach the vectors");

        StartKernelMemory(imageBase, imagePhysical);

        // From here the portable kernel's scheduler (kernel/Tasks) runs the threads, through
        // the HAL bodies of HalImplementation.cs: the GIC, the generic timer's tick, the switch.
        Hal.InterruptController.Initialize();
        Tasks.Scheduler.Initialize(TimerFrequencyHz);
        Hal.Timer.Start(TimerFrequencyHz);
        Hal.Cpu.EnableInterrupts();
        MeasureTimer();
        RunThreads();
        CheckSleepAndWaitQueue();
        RunUserProgram();
        StartProcesses(imageBase, imagePhysical);
        StartNetwork();
#if AURORA_TESTS
        if (HasOption("test"))
        {
            Aurora.Kernel.Tests.TestRunner.Run(OptionValue("test"));
            return;
        }
#endif

        ulong version = Psci.ReadVersion();
        Log.Write("power: PSCI ");
        Log.WriteDecimal((version >> 16) & 0xFFFF);
        Log.Write(".");
        Log.WriteDecimal(version & 0xFFFF);
        Log.WriteLine(DeviceTree.PsciUsesSmc ? " through SMC" : " through HVC");
        BuildManifest.Print();

        Log.WriteLine(Log.Green + Log.Bold + "Aurora ready." + Log.Reset);
        // Faults nobody expects, for the panic report's tests: a breakpoint, a read of an
        // unmapped address, a write to the kernel's own code (W^X).
        if (HasOption("panic-test")) Native.Breakpoint();
        if (HasOption("fault-unmapped")) Log.WriteDecimal(*(ulong*)UnmappedAddress);
        if (HasOption("fault-write-text")) *(ulong*)(imageBase + 0x1000) = 0;
        if (HasOption("exit-after-ready"))
        {
            Psci.PowerOff();
            Fail("PSCI SYSTEM_OFF returned");
        }
        // As x86_64 (KernelMain) and Linux: the reference image's busybox init from the
        // initramfs, the first program, which never ends while the system runs.
        if (Files.FileSystem.IsRegularFile("/sbin/init"u8)) Panic.InitExited(Processes.Process.RunInit("/sbin/init\0"u8, 1));
        while (true) Native.WaitForInterrupt();
    }

    /// <summary>What Linux lets EL0 do on arm64 (and checks for it) that the firmware may have left otherwise
    /// (arch/arm64/include/asm/sysreg.h, INIT_SCTLR_EL1_MMU_ON; drivers/clocksource/arm_arch_timer.c):
    /// read CTR_EL0 (SCTLR_EL1.UCT, bit 15: the cache line sizes gcc's __clear_cache needs),
    /// clean and invalidate caches to the point of unification (UCI, bit 26: DC CVAU and IC IVAU,
    /// which code that writes code runs), zero a block with DC ZVA (DZE, bit 14), WFE (nTWE,
    /// bit 18), and read the virtual counter (CNTKCTL_EL1.EL0VCTEN, bit 1: clock_gettime's fast
    /// path in C libraries and the programs' own timing). With them trapped, such a program
    /// died with SIGSEGV on an instruction Linux runs. And as Linux: an EL0 load or store
    /// through an SP that is not 16-byte aligned faults (SA0, bit 4: SIGBUS).</summary>
    private static void OpenUserControls()
    {
        const ulong UserCacheType = 1UL << 15, UserCacheMaintenance = 1UL << 26, UserZeroBlock = 1UL << 14, UserWaitForEvent = 1UL << 18,
            UserStackAlignment = 1UL << 4;
        const ulong UserVirtualCounter = 1UL << 1;
        const ulong sctlrWanted = UserCacheType | UserCacheMaintenance | UserZeroBlock | UserWaitForEvent | UserStackAlignment;
        Native.WriteSctlr(Native.ReadSctlr() | sctlrWanted);
        Native.WriteCounterKernelControl(Native.ReadCounterKernelControl() | UserVirtualCounter);
        ulong sctlr = Native.ReadSctlr(), cntkctl = Native.ReadCounterKernelControl();
        Log.Write("exceptions: EL0 may read CTR_EL0 and CNTVCT_EL0 and maintain caches as on Linux (SCTLR_EL1 ");
        Log.WriteHex(sctlr);
        Log.Write(", CNTKCTL_EL1 ");
        Log.WriteHex(cntkctl);
        Log.WriteLine(")");
        if ((sctlr & sctlrWanted) != sctlrWanted || (cntkctl & UserVirtualCounter) == 0) Fail("SCTLR_EL1/CNTKCTL_EL1 did not take the EL0 controls");
    }

    /// <summary>An upper-half address no table maps (level-0 index 0x120).</summary>
    private const ulong UnmappedAddress = 0xFFFF_9000_0000_0000;

    /// <summary>The MMU, walking the new tables itself (AT S1E1R), must agree with what
    /// components/vmm says it built: the image's text at its own address, the direct map over
    /// the heap, nothing at an unmapped address; and a word written through the direct map
    /// must be read back through the identity map.</summary>
    private static void CheckPaging(ulong imageBase, ulong imagePhysical)
    {
        if (Paging.HardwareTranslate(imageBase + 0x1000) != imagePhysical + 0x1000) Fail("the image's higher-half address does not reach its physical pages");
        // The heap is seen through the direct map (Paging.MapBootHeap); its physical address
        // is also mapped by the identity map of the boot's lower half.
        ulong heapWord = (ulong)s_commandLine, heapPhysical = heapWord - Paging.DirectMapBase;
        ulong* probes = stackalloc ulong[] { imageBase + 0x1000, heapWord, heapPhysical, Paging.DirectMapBase + imagePhysical, UnmappedAddress };
        int agreed = 0;
        for (int i = 0; i < 5; i++)
        {
            ulong hardware = Paging.HardwareTranslate(probes[i]);
            ulong software = Paging.Translate(probes[i], out Aurora.Vmm.Translation t) == Aurora.Vmm.VmmError.None ? t.PhysicalAddress : ulong.MaxValue;
            if (hardware != software)
            {
                Log.Write("paging: ");
                Log.WriteHex(probes[i]);
                Log.Write(": the MMU says ");
                Log.WriteHex(hardware);
                Log.Write(", the tables say ");
                Log.WriteHex(software);
                Log.WriteLine();
                Fail("the MMU and components/vmm disagree");
            }
            agreed++;
        }
        if (Paging.HardwareTranslate(heapWord) != heapPhysical) Fail("the direct map does not reach the heap");
        ulong* viaDirectMap = (ulong*)(heapWord + 512);
        *viaDirectMap = 0x5A5A_1234_A5A5_4321;
        if (*(ulong*)(heapPhysical + 512) != 0x5A5A_1234_A5A5_4321) Fail("a write through the direct map is not seen through the identity map");
        *viaDirectMap = 0;
        Log.Write("paging: own tables (4 KiB granule, 48-bit, components/vmm's AArch64 format, ");
        Log.WriteDecimal(Paging.TableFrames);
        Log.Write(" table frames): the image W^X at ");
        Log.WriteHex(Paging.KernelVirtualBase);
        Log.Write(", direct map at ");
        Log.WriteHex(Paging.DirectMapBase);
        Log.Write(", identity map below");
        Log.Write("; the MMU's walk agrees at ");
        Log.WriteDecimal((ulong)agreed);
        Log.WriteLine(" probes");
    }

    /// <summary>The loader's memory map (BootSource: UEFI's as boot services end, or Limine's).</summary>
    private static void ReadMemoryAndLeaveFirmware(ref Boot.BootInfo info)
    {
        int entries = BootSource.ReadMemoryAndLeaveFirmware(ref info);
        // Usable once the loader is gone: free memory and the loader's own (boot services' or
        // Limine's reclaimable memory, which the frame allocator takes once the kernel's tables run).
        ulong freeBytes = 0, regions = 0;
        for (int i = 0; i < info.MemoryRegionCount; i++)
        {
            var kind = (Boot.MemoryKind)info.MemoryType[i];
            if (kind != Boot.MemoryKind.Usable && kind != Boot.MemoryKind.BootloaderReclaimable) continue;
            freeBytes += info.MemoryLength[i];
            regions++;
        }
        Log.Write("memory: ");
        Log.WriteDecimal(freeBytes >> 20);
        Log.Write(" MiB usable in ");
        Log.WriteDecimal(regions);
        Log.Write(" of ");
        Log.WriteDecimal((ulong)entries);
        Log.Write(BootSource.ByLimine ? " Limine map entries" : " UEFI map entries; boot services exited");
        if (info.ModuleCount > 0)
        {
            Log.Write("; ");
            Log.WriteDecimal((ulong)info.ModuleCount);
            Log.Write(" boot modules");
        }
        Log.WriteLine();
    }

    /// <summary>The framebuffer console (drivers/console/FramebufferConsole.cs, as on x86_64)
    /// beside the PL011 when the loader set up a framebuffer (UEFI's GOP: QEMU's ramfb; or
    /// Limine's framebuffer response): every log byte goes to both.</summary>
    private static void AttachScreen(ref Boot.BootInfo info)
    {
        if (info.HasFramebuffer) Screen.Attach(ref info);
        if (Screen.UsingFramebuffer) Log.AttachScreen(&WriteScreen);
        Log.Write("console: PL011");
        if (Screen.UsingFramebuffer)
        {
            Log.Write(", framebuffer console (");
            Log.WriteDecimal(info.Framebuffer.Width);
            Log.Write("x");
            Log.WriteDecimal(info.Framebuffer.Height);
            Log.Write(" at ");
            Log.WriteHex(info.Framebuffer.PhysicalAddress);
            Log.Write(BootSource.ByLimine ? ", Limine's framebuffer)" : ", UEFI GOP)");
        }
        else Log.Write(info.HasFramebuffer ? " (the framebuffer's pixel format is not one the console draws)" : " (the loader set up no framebuffer)");
        Log.WriteLine();
    }

    /// <summary>The log's screen (the PL011 is its serial console, Hal.SerialConsole).</summary>
    private static void WriteScreen(byte value) => Screen.Framebuffer.Write(value);

    /// <summary>Waits for 100 ticks and compares them with the free-running counter: the tick
    /// really comes from the timer interrupt at the asked rate.</summary>
    private static void MeasureTimer()
    {
        ulong startCount = Native.ReadVirtualCounter(), startTicks = GenericTimer.Ticks;
        while (GenericTimer.Ticks - startTicks < 100) Native.WaitForInterrupt();
        ulong elapsed = Native.ReadVirtualCounter() - startCount;
        Log.Write("timer: generic timer (");
        Log.WriteDecimal(GenericTimer.Frequency / 1000);
        Log.Write(" kHz counter) at ");
        Log.WriteDecimal((ulong)TimerFrequencyHz);
        Log.Write(" Hz through the GICv2 (");
        Log.WriteDecimal((ulong)Gic.Lines);
        Log.Write(" lines); 100 ticks took ");
        Log.WriteDecimal(elapsed * 1000 / GenericTimer.Frequency);
        Log.WriteLine(" ms of counter time");
    }

    private const int CommandLineCapacity = 1024;

    /// <summary>The kernel options: the loader's (GRUB's `linux` line, as the image's UEFI load
    /// options, its first word the image's path; Limine's cmdline) and then QEMU's
    /// opt/aurora/cmdline item, the one a test or script boot sets on either architecture.</summary>
    private static void ReadCommandLine(ref Boot.BootInfo info)
    {
        int length = BootSource.CommandLine(ref info, s_commandLine, CommandLineCapacity);
        if (length > 0 && length < CommandLineCapacity) s_commandLine[length++] = (byte)' ';
        int extra = FirmwareConfig.Read("opt/aurora/cmdline", s_commandLine + length, CommandLineCapacity - length);
        if (extra > 0) length += extra;
        while (length > 0 && (s_commandLine[length - 1] == ' ' || s_commandLine[length - 1] == 0)) length--;
        s_commandLine[length] = 0;
        // The portable kernel's copy (KernelMain.Command: the tests' options such as attack-seed=
        // read it; it was empty here, so the arm64 fuzzer always ran seed 1).
        KernelMain.Command.Set(new System.ReadOnlySpan<byte>(s_commandLine, length));
    }

    private static volatile bool s_stopWorkers;

    /// <summary>Two threads at nice 0 and nice 5 count for 400 ms while the boot thread sleeps
    /// (Scheduler.Sleep): the run queue must share the processor between them by their weights
    /// (1024 and 335, so about 3:1 of the runtime it charges; the ratio comes from the queue's
    /// accounting of ticks, not from how fast the host runs QEMU).</summary>
    private static void RunThreads()
    {
        KernelThread* light = Tasks.Scheduler.Spawn(&Count, 0, 0);
        KernelThread* heavy = Tasks.Scheduler.Spawn(&Count, 1, 5);
        if (light == null || heavy == null) Fail("no memory for the worker threads");
        ulong start = GenericTimer.Ticks;
        Tasks.Scheduler.Sleep(400);
        ulong slept = GenericTimer.Ticks - start;
        s_stopWorkers = true;
        Tasks.Scheduler.WaitForExit(light);
        Tasks.Scheduler.WaitForExit(heavy);
        ulong a = light->Scheduling.TotalRuntimeNs / 1_000_000, b = heavy->Scheduling.TotalRuntimeNs / 1_000_000;
        Tasks.Scheduler.Join(light);
        Tasks.Scheduler.Join(heavy);
        Log.Write("scheduler: kernel/Tasks on components/sched's CFS queue; two threads at nice 0 and 5 ran ");
        Log.WriteDecimal(a);
        Log.Write(" and ");
        Log.WriteDecimal(b);
        Log.Write(" ms (ratio ");
        ulong tenths = b == 0 ? 0 : a * 10 / b;
        Log.WriteDecimal(tenths / 10);
        Log.Write(".");
        Log.WriteDecimal(tenths % 10);
        Log.Write("; their weights give 3.1) while the boot thread slept ");
        Log.WriteDecimal(slept);
        Log.Write(" ticks; ");
        Log.WriteDecimal(Tasks.Scheduler.Switches);
        Log.WriteLine(" switches");
        if (a == 0 || b == 0) Fail("a thread never ran");
        if (slept < 400) Fail("Scheduler.Sleep(400) returned early");
    }

    private static Tasks.WaitQueue s_queue;
    private static volatile bool s_event;
    private static ulong s_wakeReason = ulong.MaxValue, s_timeoutReason = ulong.MaxValue;

    /// <summary>A thread waits on a WaitQueue for an event the boot thread sets 20 ms later
    /// (it must wake Woken, not before); then a wait nobody ends must time out after its 30 ms.</summary>
    private static void CheckSleepAndWaitQueue()
    {
        KernelThread* waiter = Tasks.Scheduler.Spawn(&WaitForEvent, 0);
        if (waiter == null) Fail("no memory for the waiting thread");
        Tasks.Scheduler.Sleep(20);
        bool waitedQueued = s_queue.Count == 1 && s_wakeReason == ulong.MaxValue;
        s_event = true;
        s_queue.WakeAll();
        long waited = Tasks.Scheduler.Join(waiter);
        ulong timeoutTicks = (ulong)waited;
        Log.Write("wait queues: a waiter ");
        Log.Write(waitedQueued ? "slept on its queue until woken" : "did not sleep on its queue");
        Log.Write(" (");
        Log.Write(s_wakeReason == (ulong)Tasks.WakeReason.Woken ? "Woken" : "not Woken");
        Log.Write("), then a 30 ms wait timed out after ");
        Log.WriteDecimal(timeoutTicks);
        Log.Write(" ticks (");
        Log.Write(s_timeoutReason == (ulong)Tasks.WakeReason.TimedOut ? "TimedOut" : "not TimedOut");
        Log.WriteLine(")");
        if (!waitedQueued || s_wakeReason != (ulong)Tasks.WakeReason.Woken) Fail("the wait queue's wake did not reach its waiter");
        if (s_timeoutReason != (ulong)Tasks.WakeReason.TimedOut || timeoutTicks < 30) Fail("a wait with a timeout did not time out after it");
    }

    /// <summary>The waiter: sleeps on <see cref="s_queue"/> until <see cref="s_event"/>, then
    /// waits for nothing with a 30 ms timeout; returns how many ticks that took.</summary>
    private static long WaitForEvent(ulong unused)
    {
        while (true)
        {
            s_queue.Prepare(interruptible: false);
            if (s_event) { s_queue.Cancel(); break; }
            s_wakeReason = (ulong)s_queue.Sleep(Tasks.WaitQueue.Forever);
        }

        ulong start = GenericTimer.Ticks;
        s_queue.Prepare(interruptible: false);
        s_timeoutReason = (ulong)s_queue.Sleep(30);
        return (long)(GenericTimer.Ticks - start);
    }

    /// <summary>The built-in arm64 program at EL0 in a thread of its own (UserProgram.cs).</summary>
    private static void RunUserProgram()
    {
        ulong freeBefore = Memory.KernelMemory.Frames.FreeBytes;
        if (!UserProgram.Load()) Fail("the built-in user program could not be loaded");
        ulong taken = freeBefore - Memory.KernelMemory.Frames.FreeBytes;
        KernelThread* thread = Tasks.Scheduler.Spawn(&UserProgram.Run, HasOption("user-fault") ? 1UL : 0UL, 0);
        if (thread == null) Fail("no memory for the user program's thread");
        ulong start = GenericTimer.Ticks;
        while (thread->State != Tasks.ThreadState.Exited && GenericTimer.Ticks - start < 30_000) Tasks.Scheduler.Sleep(10);
        if (thread->State != Tasks.ThreadState.Exited) Fail("the user program did not end within 30 s of ticks");
        Tasks.Scheduler.Join(thread);
        ulong freeAtEnd = Memory.KernelMemory.Frames.FreeBytes;
        UserProgram.Unload();
        ulong returned = Memory.KernelMemory.Frames.FreeBytes - freeAtEnd;
        Log.Write("user: EL0 program ");
        Log.Write(UserProgram.Faulted ? "ended by its fault" : "exited with status ");
        if (!UserProgram.Faulted) Log.WriteDecimal(UserProgram.ExitStatus);
        Log.Write(" after ");
        Log.WriteDecimal(UserProgram.Calls);
        Log.WriteLine(" system calls (svc #0, Linux arm64 numbers)");
        // What the address space took (tables, the program's pages, its stack) must all come
        // back with it (Aarch64PageTables.DestroyRoot through the kernel's frame counts).
        Log.Write("user: the program ran in an address space of its own (a TTBR0 root); destroyed, it gave back ");
        Log.WriteDecimal(returned / 4096);
        Log.Write(" of the ");
        Log.WriteDecimal(taken / 4096);
        Log.WriteLine(" frames it took");
        if (returned != taken || taken == 0) Fail("the program's address space did not give its frames back");
    }

    /// <summary>The portable process layer (kernel/Processes, the syscall families of
    /// kernel/Syscalls, the VFS): EL0 through Hal.UserMode (UserEntry.cs), the arm64 programs
    /// built into the image as boot modules, a tmpfs root.</summary>
    private static void StartProcesses(ulong imageBase, ulong imagePhysical)
    {
        Processes.Futex.Initialize();
        Ipc.Capabilities.Initialize();
        Hal.UserMode.Initialize(&Processes.Process.OnUserFault);
        Hal.UserMode.SetSystemCallHandler(&Syscalls.SyscallTable.Enter);
        Processes.Process.InitializeReaper();
        // The terminals, and the PL011's receive interrupt feeding ttyS0 (as COM1's on x86_64),
        // set up with interrupts off as KernelMain does; then the wall clock (the PL031).
        bool interrupts = Hal.Cpu.SaveAndDisableInterrupts();
        Console.ConsoleInput.Initialize();
        Hal.Cpu.RestoreInterrupts(interrupts);
        Syscalls.TimeCalls.Initialize();
        AddProgramModules(imageBase, imagePhysical);
        // The built-in module key: the cpio images (the initramfs, the test image's busybox
        // suite) are signed like every module (tools/aarch64.sh); the SHA-2 instructions hash
        // them where the processor has them. Then the loadable modules' table and window
        // (kernel/Modules, docs/modules.md), as KernelMain does.
        Sha256Acceleration.Select();
        Modules.ModuleTrust.Initialize();
        Modules.ModuleLoader.Initialize();
        Files.FileSystem.Initialize(ref KernelMain.BootInfo);
        Log.Write("processes: kernel/Processes with the syscall families of kernel/Syscalls (svc #0, arm64 numbers); files: tmpfs at /, ");
        Log.WriteDecimal((long)Files.FileSystem.Programs);
        Log.WriteLine(" programs in /bin");
        Log.Write("console: ttyS0 on the PL011, input by its interrupt; CLOCK_REALTIME from the PL031: ");
        Log.WriteDecimal(Syscalls.TimeCalls.RealtimeNanoseconds() / 1_000_000_000);
        Log.WriteLine(" s since the epoch");
    }

    /// <summary>The PCI drivers (drivers/DriverTable.cs, the bus through ECAM: PciHost.cs) and,
    /// on the first network card they bound (virtio-net-pci), the network stack, as on x86_64;
    /// the boot waits for DHCP (at most 3 s) so the tests and the shell start with an address.</summary>
    private static void StartNetwork()
    {
        Drivers.DriverTable.BindAll();
        Log.Write("pci: ");
        Log.Write(DeviceTree.PciFound ? "ECAM at " : "no host bridge in the device tree");
        if (DeviceTree.PciFound)
        {
            Log.WriteHex(DeviceTree.PciEcam);
            Log.Write(", buses ");
            Log.WriteDecimal((ulong)PciHost.FirstBus);
            Log.Write("-");
            Log.WriteDecimal((ulong)PciHost.LastBus);
            Log.Write(", ");
            Log.WriteDecimal((ulong)Drivers.Pci.PciDrivers.DeviceCount);
            Log.Write(" functions, ");
            Log.WriteDecimal((ulong)DeviceTree.PciRouteCount);
            Log.Write(" INTx routes; BARs the firmware left unassigned: ");
            Log.WriteDecimal((ulong)Drivers.Pci.PciDrivers.BarsAssigned);
            Log.Write(" assigned, ");
            Log.WriteDecimal((ulong)Drivers.Pci.PciDrivers.BarsUnplaced);
            Log.Write(" without room");
        }
        Log.WriteLine();
        Net.NetworkStack.StartOnFirstDevice();
        Net.NetworkStack.WaitForAddress();
    }

    /// <summary>The programs tools/aarch64.sh put into the image ({start, end, name} triples):
    /// boot modules, as GRUB's are on x86_64, at their physical addresses in the image.</summary>
    private static void AddProgramModules(ulong imageBase, ulong imagePhysical)
    {
        if (KernelMain.BootInfo.ModuleCount == 0)   // else Limine's modules: the same programs as files
        {
            for (ulong* entry = Native.Programs(); entry[0] != 0; entry += 3)
                KernelMain.BootInfo.AddModule(entry[0] - imageBase + imagePhysical, entry[1] - entry[0], (byte*)entry[2], Boot.BootInfo.ModuleNameLength);
        }

        // GRUB's initrd (the device tree's /chosen): the initramfs, unpacked into "/" as the
        // boot module of that name is (Files.FileSystem). It lies in loader data, which stays
        // reserved (UefiMemoryDescriptor.Kind). The arm64 Debian image carries Debian's arm64
        // programs so (tools/aarch64.sh), too big to be built into the image.
        if (DeviceTree.InitrdEnd > DeviceTree.InitrdStart)
        {
            System.ReadOnlySpan<byte> initramfs = Files.FileSystem.InitramfsName;
            fixed (byte* name = initramfs)
                KernelMain.BootInfo.AddModule(DeviceTree.InitrdStart, DeviceTree.InitrdEnd - DeviceTree.InitrdStart, name, initramfs.Length);
            Log.Write("initrd: ");
            Log.WriteDecimal((DeviceTree.InitrdEnd - DeviceTree.InitrdStart) / 1024);
            Log.Write(" KiB at ");
            Log.WriteHex(DeviceTree.InitrdStart);
            Log.WriteLine(" (the device tree's /chosen), the initramfs");
        }
    }

    /// <summary>The portable memory manager (kernel/Memory) over the loader's memory map: the
    /// frame allocator (components/pmm) takes its usable memory, less what the boot tables used;
    /// the kernel space is the TTBR1 root Paging built (its stack window for thread stacks);
    /// the heap (components/heap) becomes the runtime's allocator; then boot-services and Limine's
    /// bootloader-reclaimable memory go to the frame allocator.</summary>
    private static void StartKernelMemory(ulong imageBase, ulong imagePhysical)
    {
        // The portable kernel's boot information (KernelMain.BootInfo: what the tests read).
        ref Boot.BootInfo info = ref KernelMain.BootInfo;
        // The linker's section bounds (KernelMain.Layout, as x86_64's KernelMain sets it):
        // what the W^X and layout checks and the panic tests read.
        KernelMain.Layout = KernelLayout.Current;
        info.DirectMapOffset = Paging.DirectMapBase;
        info.KernelVirtualBase = imageBase;
        info.KernelPhysicalBase = imagePhysical;
        info.KernelSize = Native.ImageSize();
        // The boot tables' frames (a bump from the start of the largest usable region) stay
        // the tables': that part of the region goes in as reserved.
        Paging.BootFramesUsed(out ulong tablesStart, out ulong tablesEnd);
        for (int i = 0; i < info.MemoryRegionCount && tablesEnd > tablesStart; i++)
        {
            if ((Boot.MemoryKind)info.MemoryType[i] != Boot.MemoryKind.Usable || info.MemoryBase[i] != tablesStart) continue;
            info.MemoryBase[i] = tablesEnd;
            info.MemoryLength[i] -= tablesEnd - tablesStart;
            info.AddMemoryRegion(tablesStart, tablesEnd - tablesStart, Boot.MemoryKind.KernelAndModules);
            break;
        }

        Memory.KernelMemory.InitializePhysical(ref info);
        Paging.HandFramesToAllocator();
        Memory.KernelMemory.AdoptKernelAddressSpace(Paging.DirectRoot, Paging.DirectMapSize);
        Memory.KernelMemory.InitializeHeap(debug: HasOption("test") || HasOption("heap-debug"));
        // The devices move into the kernel's device window (TTBR1): from here on the lower half
        // is whichever process runs (its own TTBR0), and the kernel reaches nothing through it.
        DeviceTree.GicDistributor = MapDevice(DeviceTree.GicDistributor, 0x1_0000);
        DeviceTree.GicCpuInterface = MapDevice(DeviceTree.GicCpuInterface, 0x1_0000);
        DeviceTree.FirmwareConfig = MapDevice(DeviceTree.FirmwareConfig, 0x1000);
        DeviceTree.Uart = Pl011.Base = MapDevice(DeviceTree.Uart, 0x1000);
        if (!PciHost.Map()) Fail("no page tables for the PCI configuration window");
        if (DeviceTree.Rtc != 0) DeviceTree.Rtc = Pl031.Base = MapDevice(DeviceTree.Rtc, 0x1000);
        if (Screen.UsingFramebuffer)
        {
            ulong offset = info.Framebuffer.PhysicalAddress & 0xFFF;
            byte* window = Memory.KernelMemory.MapWindow(info.Framebuffer.PhysicalAddress - offset,
                offset + (ulong)info.Framebuffer.Pitch * info.Framebuffer.Height, Aurora.Vmm.CacheMode.WriteCombining);
            if (window == null) Fail("no page tables for the framebuffer");
            info.Framebuffer.Address = window + offset;
            Screen.MoveFramebuffer(info.Framebuffer.Address);
        }
        // Boot services' memory (GRUB's path) and Limine's bootloader-reclaimable memory hold
        // nothing the kernel reads any more: the device tree was parsed (DeviceTree.Read), the
        // map, modules, command line and framebuffer copied into the boot information, and
        // TTBR0/TTBR1 are the kernel's own tables. Give it to the frame allocator, as x86_64
        // does after Limine (KernelMain): 90 MiB of a 256 MiB QEMU virt machine under GRUB.
        Memory.KernelMemory.ReclaimBootloaderMemory();
        Processes.UserMemory.Initialize();
        Log.Write("memory: kernel/Memory on components/pmm and components/heap: ");
        Log.WriteDecimal(Memory.KernelMemory.Frames.FreeBytes >> 20);
        Log.Write(" MiB free of ");
        Log.WriteDecimal(Memory.KernelMemory.Frames.TotalBytes >> 20);
        Log.WriteLine(" MiB managed; thread stacks in the TTBR1 stack window with guard pages");
    }

    /// <summary>The device's registers in the kernel's device window (kernel/Memory), uncached:
    /// their address there, at the same offset into the page.</summary>
    private static ulong MapDevice(ulong physical, ulong length)
    {
        byte* mapped = Memory.KernelMemory.MapDevice(physical & ~0xFFFUL, length + (physical & 0xFFF));
        if (mapped == null) Fail("no page tables for the device window");
        return (ulong)mapped + (physical & 0xFFF);
    }

    private static ulong s_counts0, s_counts1;

    private static long Count(ulong which)
    {
        while (!s_stopWorkers)
        {
            if (which == 0) s_counts0++;
            else s_counts1++;
        }
        return 0;
    }

    /// <summary>The value of option <paramref name="name"/>=VALUE (empty when absent).</summary>
    private static System.ReadOnlySpan<byte> OptionValue(string name)
    {
        for (byte* word = s_commandLine; *word != 0;)
        {
            while (*word == ' ') word++;
            int i = 0;
            while (i < name.Length && word[i] == name[i]) i++;
            if (i == name.Length && word[i] == '=')
            {
                byte* value = word + i + 1;
                int length = 0;
                while (value[length] != 0 && value[length] != ' ') length++;
                return new System.ReadOnlySpan<byte>(value, length);
            }
            while (*word != 0 && *word != ' ') word++;
        }
        return default;
    }

    private static bool HasOption(string name)
    {
        for (byte* word = s_commandLine; *word != 0;)
        {
            while (*word == ' ') word++;
            int i = 0;
            while (i < name.Length && word[i] == name[i]) i++;
            if (i == name.Length && (word[i] == 0 || word[i] == ' ' || word[i] == '=')) return true;
            while (*word != 0 && *word != ' ') word++;
        }
        return false;
    }

    internal static void* Allocate(nuint size)
    {
        size = (size + 15) & ~(nuint)15;
        if (s_heapNext == null || (nuint)(s_heapEnd - s_heapNext) < size) return null;
        void* memory = s_heapNext;
        s_heapNext += size;
        return memory;
    }

    private static void RuntimeFailure(string reason, string? detail) => Fail(reason, detail);

    internal static void Fail(string reason, string? detail = null)
    {
        Native.DisableInterrupts();
        Log.Write(Log.Red + Log.Bold + "KERNEL PANIC: " + Log.Reset);
        Log.Write(reason);
        if (detail != null)
        {
            Log.Write(": ");
            Log.Write(detail);
        }
        Log.WriteLine();
        Exceptions.WriteBacktrace(Native.ReadFramePointer(), 0);
        Exceptions.Halt();
    }
}
