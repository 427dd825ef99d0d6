namespace Aurora.Kernel.Arch.X86_64;

/// <summary>Vector 14. Today: recover deliberate probes (SafeAccess) and faults of loadable
/// module code inside a guarded call (Modules/ModuleGuard.cs); everything else is a
/// kernel bug and goes to the panic report. Copy-on-write resolution joins here with processes.</summary>
internal static unsafe class PageFaults
{
    internal static void Install() => Interrupts.Register(14, &OnPageFault);

    private static bool OnPageFault(InterruptFrame* frame) =>
        SafeAccess.TryRecover(frame, Cpu.ReadCr2()) || Modules.ModuleGuard.TryRecover(frame);
}
