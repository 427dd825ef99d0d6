using System;
using System.Runtime.InteropServices;
using Aurora.Kernel.Boot;
using Aurora.Kernel.Drivers.Qemu;
using Aurora.Kernel.Hal;
using Internal.Runtime;

namespace Aurora.Kernel;

/// <summary>
/// From the assembly entry to the ready line: runtime start-up, CPU tables, boot information,
/// consoles, interrupts and timer. docs/architecture.md walks through it.
/// </summary>
internal static unsafe class KernelMain
{
    internal const uint TimerFrequencyHz = 1000;

    private static BootInfo s_bootInfo;
    private static KernelLayout s_layout;
    private static CommandLine s_commandLine;

    internal static ref BootInfo BootInfo => ref s_bootInfo;
    internal static ref KernelLayout Layout => ref s_layout;
    internal static ref CommandLine Command => ref s_commandLine;

    [UnmanagedCallersOnly(EntryPoint = "kernel_main")]
    private static void Main(ulong loader, ulong information)
    {
        RuntimeHost.Allocate = &BootAllocator.Allocate;
        RuntimeHost.FailFast = &Panic.RuntimeFailure;
        Log.InitializeSerial();
        KernelLayout.ModulesBounds(out void** modulesStart, out void** modulesEnd);
        ModuleInitializer.InitializeModules(modulesStart, modulesEnd);
        s_layout = KernelLayout.Current;

        Cpu.InitializeBootProcessor();

        ReadBootInformation(loader, information);
        s_commandLine.Load(ref s_bootInfo);
        Log.StampLines = s_commandLine.Has("log-tsc");
        // A boot that runs one given program (init=) is a script's: a panic must end it too.
        Panic.ExitQemuOnPanic = s_commandLine.Has("test") || s_commandLine.Has("exit-on-panic") || s_commandLine.Has("init");
        Screen.Attach(ref s_bootInfo);

        Log.Write(Log.Bold + "Aurora" + Log.Reset + " kernel, booted by ");
        Log.WriteCString(s_bootInfo.LoaderNamePointer());
        Log.Write(" ");
        Log.WriteCString(s_bootInfo.LoaderVersionPointer());
        Log.Write(s_bootInfo.Firmware == Firmware.Uefi ? " (UEFI)" : s_bootInfo.Firmware == Firmware.Bios ? " (BIOS)" : "");
        Log.Write(" via ");
        Log.WriteLine(s_bootInfo.Loader == BootLoader.Limine ? "the Limine protocol" : "Multiboot2");
        Log.Write("memory: ");
        Log.WriteDecimal(s_bootInfo.UsableBytes / (1024 * 1024));
        Log.Write(" MiB usable in ");
        Log.WriteDecimal((long)s_bootInfo.MemoryRegionCount);
        Log.WriteLine(" map entries");
        ReportDroppedBootEntries(ref s_bootInfo);
        Log.Write("console: serial COM1");
        Log.WriteLine(Screen.Description);
        Memory.KernelMemory.InitializePhysical(ref s_bootInfo);
        Memory.KernelMemory.BuildKernelAddressSpace(ref s_bootInfo, ref s_layout);
        Memory.KernelMemory.InitializeHeap(debug: s_commandLine.Has("test") || s_commandLine.Has("heap-debug"));
        Memory.KernelMemory.ReclaimBootloaderMemory();
        Paging.InstallFaultHandler();
        Log.Write("paging: kernel page tables active (W^X, NX direct map), frames: ");
        Log.WriteDecimal(Memory.KernelMemory.Frames.FreeBytes >> 20);
        Log.Write(" MiB free of ");
        Log.WriteDecimal(Memory.KernelMemory.Frames.TotalBytes >> 20);
        Log.WriteLine(" MiB managed");
        Cpu.EnableProtections();
        Log.Write("kernel: ");
        Log.WriteHex(s_bootInfo.KernelVirtualBase);
        Log.Write(" (physical ");
        Log.WriteHex(s_bootInfo.KernelPhysicalBase);
        Log.Write("), direct map at ");
        Log.WriteHex(s_bootInfo.DirectMapOffset);
        Log.WriteLine();
        Hal.Layout.Report();
        BuildManifest.Print();

        Modules.ModuleTrust.Initialize();
        Modules.ModuleLoader.Initialize();
        Modules.ModuleTrust.CheckBootModules(ref s_bootInfo);

        InterruptController.Initialize();
        Timer.Start(TimerFrequencyHz);
        Tasks.Scheduler.Initialize(TimerFrequencyHz);
        Processes.UserMemory.Initialize();
        Processes.Futex.Initialize();
        Ipc.Capabilities.Initialize();
        UserMode.Initialize(&Processes.Process.OnUserFault);
        UserMode.SetSystemCallHandler(&Syscalls.SyscallTable.Enter);
        Processes.Process.InitializeReaper();
        Console.ConsoleInput.Initialize();
        Syscalls.TimeCalls.Initialize(); // the real-time clock, once: CLOCK_REALTIME's start
        Drivers.DriverTable.BindAll();
        Net.NetworkStack.StartOnFirstDevice();

        Files.FileSystem.Initialize(ref s_bootInfo);
        Log.Write("files: tmpfs at /, ");
        Log.WriteDecimal((long)Files.FileSystem.Programs);
        Log.WriteLine(" programs in /bin");
        Cpu.EnableInterrupts();
        Log.Write("timer: PIT at ");
        Log.WriteDecimal((ulong)TimerFrequencyHz);
        Log.WriteLine(" Hz; scheduler: preemptive, CFS run queue");
        Net.NetworkStack.WaitForAddress();

#if AURORA_TESTS
        if (s_commandLine.Has("test"))
        {
            Aurora.Kernel.Tests.TestRunner.Run(s_commandLine.Value("test"));
            return;
        }
#endif
        Log.WriteLine(Log.Green + Log.Bold + "Aurora ready." + Log.Reset);
        if (s_commandLine.Has("init")) RunCommandLineInit();
        if (s_commandLine.Has("exit-after-ready")) DebugExit.Exit(DebugExit.Success);
        if (Files.FileSystem.IsRegularFile(DefaultInit))
        {
            // As Linux: the first program never ends while the system runs.
            Panic.InitExited(Processes.Process.RunInit(DefaultInitArguments, 1));
        }

        // No init (the test image): nothing else to do on the boot thread; the idle thread takes over.
        Tasks.Scheduler.Exit(0);
    }

    /// <summary>The program started when the kernel options name none (the reference image's
    /// busybox init, from the initramfs).</summary>
    private static ReadOnlySpan<byte> DefaultInit => "/sbin/init"u8;
    private static ReadOnlySpan<byte> DefaultInitArguments => "/sbin/init\0"u8;

    /// <summary>init=PROGRAM ARGS...: runs that command line as the first program, and when it
    /// ends QEMU ends with its status (isa-debug-exit: QEMU's own status is then
    /// (status &lt;&lt; 1) | 1, which ./aurora run turns back into the program's). Without the
    /// device (real hardware) the kernel panics as Linux does when init exits.</summary>
    private static void RunCommandLineInit()
    {
        const int Capacity = 512;
        byte* strings = stackalloc byte[Capacity];
        int count = s_commandLine.InitCommand(new Span<byte>(strings, Capacity));
        int length = 0;
        for (int words = 0; words < count; length++)
        {
            if (strings[length] == 0) words++;
        }

        int code = count > 0 ? Processes.Process.RunInit(new ReadOnlySpan<byte>(strings, length), count) : 127;
        if (count <= 0) Log.WriteLine(count < 0 ? "init: the init= command line has an open quote" : "init: init= names no program");
        DebugExit.Exit((byte)code);
        Panic.InitExited(code);
    }

    /// <summary>What the boot information's fixed tables could not hold, said once at boot:
    /// modules left out are missing files, not a quiet shortage.</summary>
    private static void ReportDroppedBootEntries(ref BootInfo info)
    {
        if (info.DroppedMemoryRegions != 0)
        {
            Log.Write(Log.Yellow + "memory: " + Log.Reset);
            Log.WriteDecimal(info.DroppedMemoryRegions);
            Log.Write(" map entries past the first ");
            Log.WriteDecimal(BootInfo.MaxMemoryRegions);
            Log.WriteLine(" left out (memory in them is not used)");
        }

        if (info.DroppedModules != 0)
        {
            Log.Write(Log.Yellow + "modules: " + Log.Reset);
            Log.WriteDecimal(info.DroppedModules);
            Log.Write(" boot modules past the first ");
            Log.WriteDecimal(BootInfo.MaxModules);
            Log.WriteLine(" left out (not loaded)");
        }
    }

    private static void ReadBootInformation(ulong loader, ulong information)
    {
        if (loader == 1)
        {
            if (!LimineBoot.BaseRevisionSupported)
                Panic.Fail("the Limine boot loader does not support base revision 2");
            LimineBoot.Fill(ref s_bootInfo);
            s_bootInfo.KernelSize = s_layout.End - s_layout.Start;
        }
        else if (loader == 2)
        {
            // The loader's view: the image where it was linked (KASLR moved it since).
            ulong slide = Hal.Layout.Slide();
            Multiboot2Boot.Fill(ref s_bootInfo, information, s_layout.Start - slide, s_layout.End - slide);
            // The 32-bit entry identity-mapped the first 4 GiB to get into long mode. Nothing
            // needs it now; removing it makes null and stray low-address accesses fault.
            *(ulong*)(Paging.ActiveRootPhysical() + s_bootInfo.DirectMapOffset) = 0;
            Paging.ActivateRoot(Paging.ActiveRootPhysical());
        }
        else
        {
            Panic.Fail("entered by an unknown boot loader");
        }

        Hal.Layout.Apply(ref s_bootInfo, s_layout.Start);
    }
}
