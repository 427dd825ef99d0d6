using A64 = Aurora.Kernel.Arch.Aarch64;

namespace Aurora.Kernel.Hal;

// aarch64 bodies of the HAL (hal/Hal.cs). The portable kernel compiles against them; what the
// bring-up kernel (BringUp.cs) does not run yet says so where it is asked for (user mode's
// saved contexts, device interrupts, message-signalled interrupts).

internal static unsafe partial class Cpu
{
    private const ulong DaifIrqMask = 1 << 7;

    /// <summary>The EL1 vectors (vectors.S): the one table for every exception and interrupt.</summary>
    internal static partial void InitializeBootProcessor() => A64.Exceptions.Install();

    /// <summary>PXN on every user page and PAN where the CPU has it (A64.Protections): arm64's
    /// SMEP and SMAP.</summary>
    internal static partial void EnableProtections() => A64.Protections.Enable();

    internal static partial void DisableInterrupts() => A64.Native.DisableInterrupts();
    internal static partial void EnableInterrupts() => A64.Native.EnableInterrupts();

    internal static partial bool SaveAndDisableInterrupts()
    {
        bool enabled = (A64.Native.ReadDaif() & DaifIrqMask) == 0;
        A64.Native.DisableInterrupts();
        return enabled;
    }

    internal static partial void RestoreInterrupts(bool wereEnabled)
    {
        if (wereEnabled) A64.Native.EnableInterrupts();
    }

    internal static partial void WaitForInterrupt() => A64.Native.WaitForInterrupt();

    internal static partial void MemoryFence() => A64.Native.MemoryFence();
    internal static partial void DmaWriteBarrier() => A64.Native.DmaWriteBarrier();
    internal static partial void DmaReadBarrier() => A64.Native.DmaReadBarrier();
    internal static partial void CodeWritten(ulong address, ulong length) => A64.Native.CodeWritten(address, length);

    /// <summary>A scripted boot (test=, exit-on-panic) ends QEMU here, as isa-debug-exit does
    /// on x86_64 (whose port writes go nowhere on aarch64): PSCI SYSTEM_OFF. Its status is
    /// always 0; the host reads the verdict from the serial log.</summary>
    internal static partial void HaltForever()
    {
        if (A64.Exceptions.PowerOffOnPanic) A64.Psci.PowerOff();
        while (true)
        {
            A64.Native.DisableInterrupts();
            A64.Native.WaitForInterrupt();
        }
    }

    /// <summary>FEAT_RNG (RNDR) is optional and the Cortex-A72 QEMU models lacks it: no
    /// hardware generator is claimed.</summary>
    internal static partial bool TryHardwareRandom(out ulong value)
    {
        value = 0;
        return false;
    }

    /// <summary>The generic timer's virtual count (CNTVCT_EL0): free-running at CNTFRQ.</summary>
    internal static partial ulong ReadCycleCounter() => A64.Native.ReadVirtualCounter();
    internal static partial ulong ReadFramePointer() => A64.Native.ReadFramePointer();

    /// <summary>The user-fault interface speaks x86 vectors (A64.UserEntry translates the
    /// exception class into them): the arm64 exception each stands for.</summary>
    internal static partial string ExceptionName(ulong vector) => vector switch
    {
        3 => "breakpoint or watchpoint",
        Processes.Process.FaultBreakpointAtInstruction => "breakpoint instruction (BRK)",
        6 or Processes.Process.FaultUndefinedAtInstruction => "undefined instruction",
        14 => "data or instruction abort (page fault)",
        19 => "floating-point exception",
        _ => "alignment fault or abort",
    };

    /// <summary>Linux's arm64 ELF_HWCAP from the ID registers (<see cref="A64.CpuFeatures"/>):
    /// fp and asimd always (the compiled kernel uses both), the crypto, CRC32, atomics and
    /// dot-product instructions where the processor has them.</summary>
    internal static partial ulong HardwareCapabilities() => A64.CpuFeatures.Capabilities;

    internal static partial ushort ElfMachine() => 183;   // EM_AARCH64
    internal static partial string MachineName() => "aarch64";

    /// <summary>/proc/cpuinfo in Linux's arm64 layout (arch/arm64/kernel/cpuinfo.c), from MIDR_EL1.</summary>
    internal static partial void WriteCpuInfo(ref Aurora.Kernel.FileSystems.TextBuilder text)
    {
        ulong midr = A64.Native.ReadMidr();
        text.Append("processor\t: 0\nFeatures\t: ");
        A64.CpuFeatures.AppendNames(ref text, A64.CpuFeatures.Capabilities);
        text.Append("\nCPU implementer\t: 0x");
        text.Hex((midr >> 24) & 0xFF, 2);
        text.Append("\nCPU architecture: 8\nCPU variant\t: 0x");
        text.Hex((midr >> 20) & 0xF, 1);
        text.Append("\nCPU part\t: 0x");
        text.Hex((midr >> 4) & 0xFFF, 3);
        text.Append("\nCPU revision\t: ");
        text.Unsigned(midr & 0xF);
        text.Append("\n\n");
    }
}

/// <summary>The portable kernel's "root" is the lower half's table (TTBR0_EL1): a process's own
/// address space. The upper half (TTBR1_EL1: the image, the direct map) is the kernel's and
/// never changes, as the shared upper PML4 entries on x86_64.</summary>
internal static partial class Paging
{
    internal static partial ulong ActiveRootPhysical() => A64.Native.ReadTtbr0() & 0x0000_FFFF_FFFF_F000UL;
    internal static partial void ActivateRoot(ulong rootPhysical) => A64.Native.WriteTtbr0(rootPhysical);
    internal static partial void InvalidatePage(ulong virtualAddress) => A64.Native.InvalidatePage(virtualAddress);
    /// <summary>Execute-never is part of every descriptor (UXN, PXN): nothing to turn on.</summary>
    internal static partial void EnableNoExecute() { }
    /// <summary>MAIR_EL1 is programmed with the tables (A64.Paging.Initialize).</summary>
    internal static partial void ProgramCacheTypes() { }
    /// <summary>Faults at EL1 are reported by the vectors (A64.Exceptions); nothing recovers
    /// one yet (no probes, no modules on aarch64).</summary>
    internal static partial void InstallFaultHandler() { }
}

internal static unsafe partial class InterruptController
{
    internal static partial void Initialize() => A64.Gic.Initialize();
    internal static partial void Unmask(int irq) => A64.Gic.Unmask((uint)irq);
    internal static partial void Mask(int irq) => A64.Gic.Mask((uint)irq);
    internal static partial void SetReturnHook(delegate*<void> hook) => A64.Exceptions.ReturnHook = hook;

    /// <summary>A GIC interrupt id (an SPI, 32 and up: PCI INTx through the host bridge's
    /// interrupt-map, Hal.PciConfiguration.InterruptLineOf), level-triggered (A64.DeviceInterrupts).</summary>
    internal static partial bool Register(int irq, delegate*<object, bool> handler, object context) =>
        A64.DeviceInterrupts.Register(irq, handler, context);
    internal static partial void Unregister(int irq, delegate*<object, bool> handler, object context) =>
        A64.DeviceInterrupts.Unregister(irq, handler, context);

    /// <summary>No MSI on aarch64 yet (it needs the GICv2m frame or a GICv3 ITS).</summary>
    internal static partial bool AllocateMessage(delegate*<object, bool> handler, object context, out MessageTarget target)
    {
        target = default;
        return false;
    }

    internal static partial void FreeMessage(in MessageTarget target) { }
}

internal static unsafe partial class Timer
{
    internal static partial void Start(uint frequencyHz) => A64.GenericTimer.Start(frequencyHz);
    internal static partial ulong Ticks() => A64.GenericTimer.ReadTicks();
    internal static partial void SetTickHandler(delegate*<void> handler) => A64.GenericTimer.TickHandler = handler;
    internal static partial bool TickInterruptedUser() => A64.Exceptions.InterruptFromUser;
}

internal static unsafe partial class ThreadContext
{
    /// <summary>The frame aurora_switch_context restores (context_switch.S: x19-x30, d8-d15,
    /// FPCR), "returning" into aurora_thread_start with x19 = entry, x20 = argument, x21 = exit.</summary>
    internal static partial ulong PrepareStack(byte* stackTop, delegate*<ulong, long> entry, ulong argument, delegate*<long, void> exit)
    {
        const int FrameWords = 22;   // 176 bytes, a multiple of 16 as SP must be
        ulong* frame = (ulong*)(((ulong)stackTop & ~15UL) - FrameWords * 8);
        for (int i = 0; i < FrameWords; i++) frame[i] = 0;
        frame[0] = (ulong)entry;
        frame[1] = argument;
        frame[2] = (ulong)exit;
        frame[11] = A64.Native.ThreadStartAddress();   // x30
        return (ulong)frame;
    }

    internal static partial void Switch(ulong* saveStackPointer, ulong newStackPointer) =>
        A64.Native.SwitchContext(saveStackPointer, newStackPointer);
}

/// <summary>aarch64 has no I/O ports: a port reads as all ones and a write goes nowhere, as an
/// absent device on a PC's bus (the portable drivers that use ports find nothing there).</summary>
internal static unsafe partial class Io
{
    internal static partial void Out8(ushort port, byte value) { }
    internal static partial byte In8(ushort port) => 0xFF;
    internal static partial void Out16(ushort port, ushort value) { }
    internal static partial ushort In16(ushort port) => 0xFFFF;
    internal static partial void Out32(ushort port, uint value) { }
    internal static partial uint In32(ushort port) => 0xFFFF_FFFF;
}

/// <summary>EL0 for the portable processes: an exception from EL0 lands on SP_EL1, which is
/// the top of the running thread's kernel stack (Enter and Resume empty it before the
/// exception return), so a system call's frame (vectors.S, A64.TrapFrame) is always at
/// top - FrameSize: what a fork or a new thread copies, and what rt_sigreturn rewrites.
/// Exceptions from EL0 go to A64.UserEntry.</summary>
internal static unsafe partial class UserMode
{
    private static ulong s_kernelStackTop;

    internal static partial void Initialize(delegate*<ulong, ulong, ulong, ulong, bool> faultHandler) => A64.UserEntry.FaultHandler = faultHandler;
    internal static partial void SetSystemCallHandler(delegate*<ulong, ulong*, ulong, long> handler) => A64.UserEntry.SystemCallHandler = handler;
    /// <summary>The scheduler names the next thread's stack top on every switch.</summary>
    internal static partial void SetKernelStack(ulong top) => s_kernelStackTop = top;
    /// <summary>TPIDR_EL0. EL0 may write it itself (musl does), so the vectors save it with
    /// every frame and note it in the thread (A64.Exceptions).</summary>
    internal static partial void SetThreadPointer(ulong value) => A64.Native.WriteUserThreadPointer(value);
    internal static partial void Enter(ulong instructionPointer, ulong stackPointer) =>
        A64.Native.EnterUserAt(instructionPointer, stackPointer, s_kernelStackTop);

    internal static partial void CaptureSyscallContext(ulong kernelStackTop, UserContext* context) =>
        new System.ReadOnlySpan<byte>((void*)(kernelStackTop - A64.Exceptions.FrameSize), (int)A64.Exceptions.FrameSize)
            .CopyTo(new System.Span<byte>(context, (int)A64.Exceptions.FrameSize));

    internal static partial void Resume(UserContext* context, ulong result)
    {
        var frame = (A64.TrapFrame*)context;
        // Only ever back to EL0 at a user address, whatever the context says.
        if (frame->ExceptionLink >= Processes.UserMemory.UserLimit || (frame->SavedState & 0xF) != 0)
            Panic.Fail("a saved user context does not return to EL0's half");
        A64.Native.ResumeUser(context, s_kernelStackTop, result);
    }

    internal static partial void SetContextStack(UserContext* context, ulong stackPointer) =>
        ((A64.TrapFrame*)context)->UserStackPointer = stackPointer;

    /// <summary>The running thread's frame from EL0 (its system call's registers).</summary>
    internal static A64.TrapFrame* CurrentFrame() => (A64.TrapFrame*)(s_kernelStackTop - A64.Exceptions.FrameSize);

    /// <summary>Back to EL0 with <paramref name="frame"/>'s registers (rt_sigreturn).</summary>
    internal static void ResumeFrame(A64.TrapFrame* frame) => A64.Native.ResumeUser(frame, s_kernelStackTop, frame->X[0]);
}

/// <summary>No KASLR on aarch64 yet: the image runs at its link address.</summary>
internal static unsafe partial class Layout
{
    internal static partial ulong Slide() => 0;
    internal static partial ulong LinkBase() => A64.Paging.KernelVirtualBase;
    /// <summary>Where x86_64 puts them without KASLR (Kaslr.cs): 0xFFFF_C000_0000_0000.</summary>
    internal static partial ulong WindowsBase() => 0xFFFF_C000_0000_0000;
    internal static partial void Report() => Log.WriteLine("layout: no KASLR on aarch64 yet (the image at its link address)");
    internal static partial void Apply(ref Boot.BootInfo info, ulong imageStart) { }
}

/// <summary>The PL031 (A64.Pl031).</summary>
internal static partial class RealTimeClock
{
    internal static partial long ReadUnixTime() => A64.Pl031.ReadUnixTime();
}

/// <summary>The PL011 (A64.Pl011) on its GIC SPI.</summary>
internal static partial class SerialConsole
{
    internal static partial void Initialize() => A64.Pl011.Initialize();
    /// <summary>The UART is the console the firmware and the loader used: always there.</summary>
    internal static partial bool Present() => true;
    internal static partial void Write(byte value) => A64.Pl011.Write(value);
    internal static partial bool TryRead(out byte value) => A64.Pl011.TryRead(out value);
    internal static partial int ReceiveInterrupt() => (int)A64.Pl011.Interrupt;
    internal static partial void EnableReceiveInterrupt() => A64.Pl011.EnableReceiveInterrupt();
    internal static partial void WaitUntilSent() => A64.Pl011.WaitUntilSent();
    /// <summary>The PL011 has a loopback (UARTCR.LBE), but the QEMU this project runs (7.2)
    /// ignores it: a byte written in loopback mode would go to the host, not to the receiver.</summary>
    internal static partial bool SetLoopback(bool on) => false;
}
