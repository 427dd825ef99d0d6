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
    internal static partial void DisableInterrupts();
    internal static partial void EnableInterrupts();
    /// <summary>Enables interrupts and sleeps until the next one, without losing a wake-up.</summary>
    internal static partial void WaitForInterrupt();
    internal static partial void HaltForever();
    /// <summary>A free-running cycle counter (TSC on x86-64).</summary>
    internal static partial ulong ReadCycleCounter();
    internal static partial ulong ReadFramePointer();
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
}

/// <summary>The interrupt controller and interrupt routing.</summary>
internal static unsafe partial class InterruptController
{
    internal static partial void Initialize();
    internal static partial void Unmask(int irq);
    internal static partial void Mask(int irq);
}

/// <summary>The periodic system timer.</summary>
internal static partial class Timer
{
    internal static partial void Start(uint frequencyHz);
    internal static partial ulong Ticks();
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
