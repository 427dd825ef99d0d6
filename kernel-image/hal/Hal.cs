using System;

namespace Aurora.Kernel.Hal;

// The hardware abstraction layer: what the portable kernel (kernel/, boot/, drivers/) may ask
// of the machine. Each architecture folder (arch/x86_64/ today; arch/aarch64/ is planned, SPEC
// HAL-1) supplies the bodies of these partial methods; a port that misses one does not compile.

/// <summary>The processor the kernel runs on.</summary>
internal static unsafe partial class Cpu
{
    /// <summary>Descriptor tables, exception vectors and whatever else the boot CPU needs
    /// before interrupts may be enabled.</summary>
    internal static partial void InitializeBootProcessor();
    /// <summary>Turns on the processor's protections of the kernel against user memory and
    /// user code where the processor has them (x86: SMEP, SMAP, UMIP, CR0.WP/NE) and writes
    /// the boot log line saying which are on.</summary>
    internal static partial void EnableProtections();
    internal static partial void DisableInterrupts();
    internal static partial void EnableInterrupts();
    /// <summary>Disables interrupts and says whether they were enabled, for
    /// <see cref="RestoreInterrupts"/>: how code that may run with interrupts on or off keeps
    /// a short critical section (single processor) without turning them on by mistake.</summary>
    internal static partial bool SaveAndDisableInterrupts();
    internal static partial void RestoreInterrupts(bool wereEnabled);
    /// <summary>Enables interrupts and sleeps until the next one, without losing a wake-up.</summary>
    internal static partial void WaitForInterrupt();
    /// <summary>A full memory fence: every store before it is visible before any load after it
    /// (what a driver needs between re-enabling a device's interrupts and looking at its ring).</summary>
    internal static partial void MemoryFence();
    /// <summary>Linux's dma_wmb(): stores to DMA memory before it reach the device before
    /// stores after it (a descriptor before the ring index that publishes it). x86 keeps
    /// stores in order (a compiler barrier); arm64 needs DMB OSHST.</summary>
    internal static partial void DmaWriteBarrier();
    /// <summary>Linux's dma_rmb(): loads from DMA memory after it see at least what the load
    /// before it saw (an entry after the index the device published). x86: a compiler
    /// barrier; arm64: DMB OSHLD.</summary>
    internal static partial void DmaReadBarrier();
    /// <summary>Instructions were stored as data at [address, address + length) (a loaded
    /// module's code, through the direct map) and will run: x86 fetches see the stores (Intel
    /// SDM Vol. 3A §8.1.3, cross-modifying code at another address); arm64 cleans the data
    /// cache to the point of unification and invalidates the instruction cache (Arm ARM B2.4.4).</summary>
    internal static partial void CodeWritten(ulong address, ulong length);
    internal static partial void HaltForever();
    /// <summary>A random number from the processor's generator, if it has one.</summary>
    internal static partial bool TryHardwareRandom(out ulong value);
    /// <summary>A free-running cycle counter (TSC on x86-64).</summary>
    internal static partial ulong ReadCycleCounter();
    internal static partial ulong ReadFramePointer();
    /// <summary>The name of a processor exception the user-fault handler was given (x86:
    /// "Page fault (#PF)" for vector 14), for the log line of a process it ends.</summary>
    internal static partial string ExceptionName(ulong vector);
    /// <summary>AT_HWCAP for a new program's auxiliary vector (Linux's ELF_HWCAP on this
    /// architecture).</summary>
    internal static partial ulong HardwareCapabilities();
    /// <summary>The e_machine of the programs this processor runs (ELF: EM_X86_64 62,
    /// EM_AARCH64 183): the program loader refuses any other.</summary>
    internal static partial ushort ElfMachine();
    /// <summary>uname's machine field, as Linux names the architecture (UTS_MACHINE).</summary>
    internal static partial string MachineName();
    /// <summary>/proc/cpuinfo's text, in the architecture's own format (as Linux's).</summary>
    internal static partial void WriteCpuInfo(ref Aurora.Kernel.FileSystems.TextBuilder text);
}

/// <summary>Page-table hardware hooks: which table is live and how to drop stale translations.</summary>
internal static partial class Paging
{
    internal static partial ulong ActiveRootPhysical();
    internal static partial void ActivateRoot(ulong rootPhysical);
    internal static partial void InvalidatePage(ulong virtualAddress);
    internal static partial void EnableNoExecute();
    /// <summary>Sets up the memory-type table the page-table cache modes index (x86: the PAT,
    /// laid out as Limine does: WB, WT, UC-, UC, WP, WC, UC-, UC).</summary>
    internal static partial void ProgramCacheTypes();
    /// <summary>Installs the kernel's page-fault handling (once the heap exists): recovery of
    /// deliberate probes and of faults in guarded module calls; the rest is a panic.</summary>
    internal static partial void InstallFaultHandler();
}

/// <summary>The interrupt controller and interrupt routing.</summary>
internal static unsafe partial class InterruptController
{
    internal static partial void Initialize();
    internal static partial void Unmask(int irq);
    internal static partial void Mask(int irq);
    /// <summary>Called after every hardware interrupt's end-of-interrupt, with interrupts
    /// still off, just before the interrupted code resumes: where the scheduler preempts.</summary>
    internal static partial void SetReturnHook(delegate*<void> hook);

    // Device interrupts. A handler runs in interrupt context (interrupts off) with the context
    // it was registered with; it acknowledges its device, notes what happened, wakes a thread,
    // and returns true when its device was the source (a shared INTx line asks every handler
    // on it). It takes only spin locks. The controller sends the end-of-interrupt.

    /// <summary>Adds <paramref name="handler"/>(<paramref name="context"/>) to legacy interrupt
    /// line <paramref name="irq"/> (PCI INTx as routed by the firmware, ISA IRQs) and unmasks
    /// the line; false when the table is full or the line does not exist.</summary>
    internal static partial bool Register(int irq, delegate*<object, bool> handler, object context);

    /// <summary>Removes a <see cref="Register"/> entry; the line is masked when it was the last.</summary>
    internal static partial void Unregister(int irq, delegate*<object, bool> handler, object context);

    /// <summary>Reserves a free interrupt vector for a message-signalled interrupt (PCI MSI)
    /// and the address/data pair a device writes to raise it on this processor.</summary>
    internal static partial bool AllocateMessage(delegate*<object, bool> handler, object context, out MessageTarget target);

    /// <summary>Frees a vector from <see cref="AllocateMessage"/> (mask the device first).</summary>
    internal static partial void FreeMessage(in MessageTarget target);
}

/// <summary>Where a device writes to raise a message-signalled interrupt (PCI Local Bus 3.0
/// §6.8): <see cref="Address"/> (64-bit) and the 16-bit <see cref="Data"/>.</summary>
internal struct MessageTarget
{
    public int Vector;
    public ulong Address;
    public ushort Data;
}

/// <summary>The periodic system timer.</summary>
internal static unsafe partial class Timer
{
    internal static partial void Start(uint frequencyHz);
    internal static partial ulong Ticks();
    /// <summary>Called on every tick, in interrupt context (interrupts off).</summary>
    internal static partial void SetTickHandler(delegate*<void> handler);
    /// <summary>Inside the tick handler: whether the tick interrupted user mode.</summary>
    internal static partial bool TickInterruptedUser();
}

/// <summary>The battery-backed wall clock, read once at boot for CLOCK_REALTIME's starting
/// point (Syscalls/TimeCalls.cs): x86_64's CMOS clock, aarch64's PL031.</summary>
internal static partial class RealTimeClock
{
    /// <summary>Seconds since 1970-01-01 00:00:00 UTC that the clock shows now; 0 when the
    /// machine has none or it shows nothing sensible.</summary>
    internal static partial long ReadUnixTime();
}

/// <summary>The serial console: the kernel log's line and ttyS0's (Terminals/), COM1's 16550 on
/// x86_64, the PL011 on aarch64. Output is polled; input arrives by the receive interrupt
/// (Console/ConsoleInput.cs registers <see cref="ReceiveInterrupt"/>).</summary>
internal static partial class SerialConsole
{
    /// <summary>Programs the UART (line format, FIFOs); receive interrupts stay off.</summary>
    internal static partial void Initialize();
    internal static partial bool Present();
    /// <summary>One byte as it is (no newline translation), waiting (bounded) for room.</summary>
    internal static partial void Write(byte value);
    /// <summary>A received byte, if one is waiting.</summary>
    internal static partial bool TryRead(out byte value);
    /// <summary>The line <see cref="InterruptController.Register"/> takes for the receiver.</summary>
    internal static partial int ReceiveInterrupt();
    /// <summary>From now on received data raises <see cref="ReceiveInterrupt"/>.</summary>
    internal static partial void EnableReceiveInterrupt();
    /// <summary>Waits (bounded) until every byte written has left the transmitter.</summary>
    internal static partial void WaitUntilSent();
    /// <summary>The UART's internal loopback, for tests that type without a terminal: the
    /// transmitter feeds the receiver. False when the UART (or its emulation) has none.</summary>
    internal static partial bool SetLoopback(bool on);
}

/// <summary>Kernel threads' register state: the first frame of a new thread and the switch.</summary>
internal static unsafe partial class ThreadContext
{
    /// <summary>Lays out, at the top of a new thread's stack, what the first switch to it
    /// resumes: a call of <paramref name="entry"/>(<paramref name="argument"/>) followed by
    /// <paramref name="exit"/>(its result). Returns the stack pointer to switch to.</summary>
    internal static partial ulong PrepareStack(byte* stackTop, delegate*<ulong, long> entry, ulong argument, delegate*<long, void> exit);
    /// <summary>Saves the running thread's registers on its stack, stores its stack pointer in
    /// <paramref name="saveStackPointer"/> and resumes the thread saved at
    /// <paramref name="newStackPointer"/>. Interrupts must be off.</summary>
    internal static partial void Switch(ulong* saveStackPointer, ulong newStackPointer);
}

/// <summary>Device register access: I/O ports (where the architecture has them) and MMIO.</summary>
internal static unsafe partial class Io
{
    internal static partial void Out8(ushort port, byte value);
    internal static partial byte In8(ushort port);
    internal static partial void Out16(ushort port, ushort value);
    internal static partial ushort In16(ushort port);
    internal static partial void Out32(ushort port, uint value);
    internal static partial uint In32(ushort port);

    // MMIO: one access of the exact width. Not inlined, so the compiler can neither merge
    // nor drop the access (C# has no volatile pointers).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static uint Read32(ulong address) => *(uint*)address;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static void Write32(ulong address, uint value) => *(uint*)address = value;
}

/// <summary>
/// PCI configuration space and the host bridge's routing, as the machine provides them (x86:
/// I/O mechanism #1 and the firmware's interrupt line register; arm64: the ECAM window and the
/// interrupt-map of the device tree's host bridge). drivers/pci reaches the bus only through
/// this, so the bus code names no architecture.
/// </summary>
internal static unsafe partial class PciConfiguration
{
    /// <summary>The buses configuration space reaches (<paramref name="last"/> &lt;
    /// <paramref name="first"/>: no PCI at all).</summary>
    internal static partial void BusRange(out int first, out int last);
    /// <summary>The dword at <paramref name="offset"/> (dword-aligned, below 256) of a function's
    /// configuration space; all ones where no function answers.</summary>
    internal static partial uint Read32(byte bus, byte device, byte function, byte offset);
    internal static partial void Write32(byte bus, byte device, byte function, byte offset, uint value);
    /// <summary>The interrupt controller line (for <see cref="InterruptController.Register"/>)
    /// the function's INTx pin <paramref name="pin"/> (1-4) reaches, given what its interrupt
    /// line register holds; -1 when it reaches none.</summary>
    internal static partial int InterruptLineOf(byte bus, byte device, byte function, byte pin, byte lineRegister);
    /// <summary>The host bridge's window for memory BARs the firmware left unassigned, as PCI
    /// bus addresses (which are the CPU's physical addresses on the machines the kernel runs
    /// on); false when the kernel must not assign any (the firmware assigned them all).</summary>
    internal static partial bool MemoryWindow(bool wide, out ulong start, out ulong size);
}

/// <summary>User mode: the system-call entry, the kernel stack used on entry from user code,
/// the user thread pointer, and leaving for user code.</summary>
internal static unsafe partial class UserMode
{
    /// <summary>Sets up the system-call entry. <paramref name="faultHandler"/>(vector, error
    /// code, faulting address, instruction pointer) is called for a CPU exception raised by
    /// user code that no exception handler resolved: it returns true when it resolved the
    /// fault (the instruction is retried), and does not return otherwise.</summary>
    internal static partial void Initialize(delegate*<ulong, ulong, ulong, ulong, bool> faultHandler);
    /// <summary>Who answers system calls: <paramref name="handler"/>(number, the six arguments,
    /// the user stack pointer) returns the result. The kernel's composition root sets it
    /// (KernelMain: the syscall table), so the architecture depends on no syscall family.</summary>
    internal static partial void SetSystemCallHandler(delegate*<ulong, ulong*, ulong, long> handler);
    internal static partial void SetKernelStack(ulong top);
    internal static partial void SetThreadPointer(ulong value);
    /// <summary>Starts user code at <paramref name="instructionPointer"/> with the stack at
    /// <paramref name="stackPointer"/>; never returns.</summary>
    internal static partial void Enter(ulong instructionPointer, ulong stackPointer);
    /// <summary>Copies the user registers (and floating-point state) saved by the system call
    /// the thread with kernel stack top <paramref name="kernelStackTop"/> is in.</summary>
    internal static partial void CaptureSyscallContext(ulong kernelStackTop, UserContext* context);
    /// <summary>Continues user code from a captured context with <paramref name="result"/> as
    /// the system call's return value; never returns.</summary>
    internal static partial void Resume(UserContext* context, ulong result);
    /// <summary>Sets the user stack pointer a captured context resumes with (a new thread's stack).</summary>
    internal static partial void SetContextStack(UserContext* context, ulong stackPointer);
}

/// <summary>A user thread's registers and floating-point state as of a system call, in the
/// architecture's own layout (x86-64: fxsave area, then the syscall frame). Allocate it on the
/// heap or another 16-byte-aligned place.</summary>
internal unsafe struct UserContext
{
    public fixed byte Bytes[1024];
}

/// <summary>Where the kernel's own regions are this boot (KASLR moves them, SEC-1).</summary>
internal static unsafe partial class Layout
{
    /// <summary>How far the kernel image was moved from its link address (0: not moved).</summary>
    internal static partial ulong Slide();
    /// <summary>The address the image was linked at.</summary>
    internal static partial ulong LinkBase();
    /// <summary>Where the kernel's windows (framebuffer, devices, stacks, modules) start.</summary>
    internal static partial ulong WindowsBase();
    /// <summary>Logs what was chosen at boot.</summary>
    internal static partial void Report();
    /// <summary>Adjusts the boot information to the layout chosen (the image at
    /// <paramref name="imageStart"/>, the moved direct map).</summary>
    internal static partial void Apply(ref Boot.BootInfo info, ulong imageStart);
}

/// <summary>The user-visible structures and flags Linux defines per architecture: x86-64 keeps
/// its own older or packed forms where the other 64-bit ports share asm-generic's, and arm64
/// numbers four open flags its own way. The portable system calls fill and read them through
/// these (a wrong size would write past the program's buffer).</summary>
internal static unsafe partial class UserAbi
{
    /// <summary>The code a signal handler returns to when its sigaction has no SA_RESTORER
    /// (an rt_sigreturn call), which exec maps one page above the stack
    /// (Process.BuildStack); empty where every C library gives a restorer (x86-64's).</summary>
    internal static partial ReadOnlySpan<byte> SignalTrampoline();

    /// <summary>open's flags as the program gave them, in the kernel's numbering (x86-64's,
    /// which <see cref="Files.OpenFileDescription"/> names).</summary>
    internal static partial ulong OpenFlagsFromUser(ulong flags);
    /// <summary>The kernel's open flags as the program's architecture numbers them (F_GETFL).</summary>
    internal static partial int OpenFlagsToUser(int flags);
    /// <summary>sizeof(struct stat), the bytes <see cref="WriteFileStatus"/> writes.</summary>
    internal static partial int FileStatusSize();
    /// <summary>Lays <paramref name="status"/> out as the architecture's struct stat at
    /// <paramref name="into"/> (<see cref="FileStatusSize"/> bytes).</summary>
    internal static partial void WriteFileStatus(in Aurora.Vfs.FileStatus status, byte* into);
    /// <summary>sizeof(struct epoll_event): the 32-bit events first, the 64-bit data in the
    /// last 8 bytes.</summary>
    internal static partial int EpollEventSize();
    /// <summary>struct semid64_ds: the offsets of sem_ctime and sem_nsems, and its size
    /// (sem_perm at 0 and sem_otime at 48 on every architecture).</summary>
    internal static partial void SemaphoreStatusLayout(out int changeTime, out int count, out int size);
}
