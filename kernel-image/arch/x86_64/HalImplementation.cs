using X86 = Aurora.Kernel.Arch.X86_64;

namespace Aurora.Kernel.Hal;

// x86-64 bodies of the HAL (hal/Hal.cs).

internal static unsafe partial class Cpu
{
    internal static partial void InitializeBootProcessor()
    {
        X86.Gdt.Initialize();
        X86.Idt.Initialize(KernelMain.Layout.InterruptStubs);
        // int3 from user mode is a breakpoint (SIGTRAP), as on Linux; every other gate stays
        // DPL 0, so `int N` from user mode is a #GP (SIGSEGV).
        X86.Idt.AllowFromUserMode(3);
        X86.Sha256Acceleration.Select();
    }

    internal static partial void EnableProtections()
    {
        X86.Protections.Enable();
        X86.PageTableIsolation.Initialize(X86.Protections.MeltdownAffected);
        X86.Protections.Report();
    }

    internal static partial void DisableInterrupts() => X86.Cpu.DisableInterrupts();
    internal static partial void EnableInterrupts() => X86.Cpu.EnableInterrupts();

    internal static partial bool SaveAndDisableInterrupts()
    {
        bool enabled = (X86.Cpu.ReadFlags() & X86.Cpu.FlagInterruptEnable) != 0;
        X86.Cpu.DisableInterrupts();
        return enabled;
    }

    internal static partial void RestoreInterrupts(bool wereEnabled)
    {
        if (wereEnabled) X86.Cpu.EnableInterrupts();
    }
    internal static partial void WaitForInterrupt() => X86.Cpu.EnableInterruptsAndHalt();
    internal static partial void MemoryFence() => X86.Cpu.MemoryFence();

    /// <summary>x86 keeps stores in program order, and loads too (Intel SDM Vol. 3A §9.2.2):
    /// only the compiler must not move accesses across, which a call it cannot see into does.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static partial void DmaWriteBarrier() { }
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static partial void DmaReadBarrier() { }
    internal static partial void CodeWritten(ulong address, ulong length) { }
    internal static partial void HaltForever() => X86.Cpu.HaltForever();
    internal static partial ulong ReadCycleCounter() => X86.Cpu.ReadTimestampCounter();
    internal static partial bool TryHardwareRandom(out ulong value) => X86.Cpu.TryHardwareRandom(out value);
    internal static partial ulong ReadFramePointer() => X86.Cpu.ReadFramePointer();
    internal static partial string ExceptionName(ulong vector) => X86.Interrupts.ExceptionName(vector);
    internal static partial void WriteCpuInfo(ref Aurora.Kernel.FileSystems.TextBuilder text) => X86.CpuInfo.Write(ref text);
    internal static partial ushort ElfMachine() => 62;   // EM_X86_64
    internal static partial string MachineName() => "x86_64";

    /// <summary>Linux's ELF_HWCAP on x86-64: CPUID leaf 1's EDX.</summary>
    internal static partial ulong HardwareCapabilities()
    {
        uint* registers = stackalloc uint[4];
        X86.Cpu.Cpuid(1, 0, registers);
        return registers[3];
    }
}

internal static partial class Paging
{
    internal static partial ulong ActiveRootPhysical() => X86.Cpu.ReadCr3() & ~0xFFFUL;
    internal static partial void ActivateRoot(ulong rootPhysical) => X86.PageTableIsolation.Activate(rootPhysical);
    internal static partial void InvalidatePage(ulong virtualAddress) => X86.Cpu.Invlpg(virtualAddress);

    // IA32_PAT (SDM Vol. 3A 13.12.2): one memory type per byte, PA0 first. 06 WB, 04 WT,
    // 07 UC-, 00 UC, 05 WP, 01 WC. The vmm's CacheMode values are these indices.
    internal static partial void InstallFaultHandler() => X86.PageFaults.Install();
    internal static partial void ProgramCacheTypes() => X86.Cpu.WriteMsr(0x277, 0x0007010500070406);

    internal static partial void EnableNoExecute() =>
        X86.Cpu.WriteMsr(X86.Cpu.MsrEfer, X86.Cpu.ReadMsr(X86.Cpu.MsrEfer) | X86.Cpu.EferNoExecuteEnable);
}

internal static unsafe partial class InterruptController
{
    internal static partial void Initialize() => X86.Pic.Initialize();
    internal static partial void Unmask(int irq) => X86.Pic.Unmask(irq);
    internal static partial void Mask(int irq) => X86.Pic.Mask(irq);
    internal static partial void SetReturnHook(delegate*<void> hook) => X86.Interrupts.ReturnHook = hook;
    internal static partial bool Register(int irq, delegate*<object, bool> handler, object context) =>
        X86.DeviceInterrupts.RegisterLine(irq, handler, context);
    internal static partial void Unregister(int irq, delegate*<object, bool> handler, object context) =>
        X86.DeviceInterrupts.UnregisterLine(irq, handler, context);
    internal static partial bool AllocateMessage(delegate*<object, bool> handler, object context, out MessageTarget target) =>
        X86.DeviceInterrupts.AllocateMessage(handler, context, out target);
    internal static partial void FreeMessage(in MessageTarget target) => X86.DeviceInterrupts.FreeMessage(target.Vector);
}

internal static unsafe partial class Timer
{
    internal static partial void Start(uint frequencyHz) => X86.Pit.Start(frequencyHz);
    internal static partial ulong Ticks() => X86.Pit.ReadTicks();
    internal static partial void SetTickHandler(delegate*<void> handler) => X86.Pit.TickHandler = handler;
    internal static partial bool TickInterruptedUser() => X86.Pit.LastTickFromUser;
}

internal static unsafe partial class ThreadContext
{
    internal static partial ulong PrepareStack(byte* stackTop, delegate*<ulong, long> entry, ulong argument, delegate*<long, void> exit) =>
        X86.ThreadContext.PrepareStack(stackTop, entry, argument, exit);

    internal static partial void Switch(ulong* saveStackPointer, ulong newStackPointer) =>
        X86.ThreadContext.Switch(saveStackPointer, newStackPointer);
}

internal static unsafe partial class Io
{
    internal static partial void Out8(ushort port, byte value) => X86.PortIo.Out8(port, value);
    internal static partial byte In8(ushort port) => X86.PortIo.In8(port);
    internal static partial void Out16(ushort port, ushort value) => X86.PortIo.Out16(port, value);
    internal static partial ushort In16(ushort port) => X86.PortIo.In16(port);
    internal static partial void Out32(ushort port, uint value) => X86.PortIo.Out32(port, value);
    internal static partial uint In32(ushort port) => X86.PortIo.In32(port);
}

internal static unsafe partial class UserMode
{
    internal static partial void Initialize(delegate*<ulong, ulong, ulong, ulong, bool> faultHandler)
    {
        X86.Interrupts.UserFaultHandler = faultHandler;
        X86.UserMode.Initialize();
    }

    internal static partial void SetSystemCallHandler(delegate*<ulong, ulong*, ulong, long> handler) => X86.UserMode.SystemCallHandler = handler;
    internal static partial void SetKernelStack(ulong top) => X86.UserMode.SetKernelStack(top);
    internal static partial void SetThreadPointer(ulong value) => X86.UserMode.SetThreadPointer(value);
    internal static partial void Enter(ulong instructionPointer, ulong stackPointer) => X86.UserMode.Enter(instructionPointer, stackPointer);
    internal static partial void CaptureSyscallContext(ulong kernelStackTop, UserContext* context) =>
        X86.UserMode.CaptureSyscallContext(kernelStackTop, (byte*)context);
    internal static partial void Resume(UserContext* context, ulong result) => X86.UserMode.Resume((byte*)context, result);
    internal static partial void SetContextStack(UserContext* context, ulong stackPointer) =>
        X86.UserMode.SetContextStack((byte*)context, stackPointer);
}

internal static unsafe partial class Layout
{
    internal static partial ulong Slide() => X86.Kaslr.Slide;
    internal static partial ulong LinkBase() => X86.Kaslr.LinkBase;
    internal static partial ulong WindowsBase() => X86.Kaslr.WindowsBase;
    internal static partial void Report() => X86.Kaslr.Report();
    internal static partial void Apply(ref Boot.BootInfo info, ulong imageStart) => X86.Kaslr.Apply(ref info, imageStart);
}

/// <summary>The PC's CMOS clock (drivers/rtc/Cmos.cs).</summary>
internal static partial class RealTimeClock
{
    internal static partial long ReadUnixTime() => Drivers.Rtc.Cmos.ReadUnixTime();
}

/// <summary>COM1: a 16550 at I/O port 0x3F8 on the PC's legacy interrupt line 4.</summary>
internal static partial class SerialConsole
{
    private const ushort Com1 = 0x3F8;
    private const int Com1Interrupt = 4;

    private static Drivers.Serial.Uart16550 s_uart;

    internal static partial void Initialize() => s_uart.Initialize(Com1);
    internal static partial bool Present() => s_uart.Present;
    internal static partial void Write(byte value) => s_uart.Write(value);
    internal static partial bool TryRead(out byte value) => s_uart.TryRead(out value);
    internal static partial int ReceiveInterrupt() => Com1Interrupt;
    internal static partial void EnableReceiveInterrupt() => s_uart.EnableReceiveInterrupt();
    internal static partial void WaitUntilSent() => s_uart.WaitUntilSent();

    internal static partial bool SetLoopback(bool on)
    {
        s_uart.SetLoopback(on);
        return s_uart.Present;
    }
}
