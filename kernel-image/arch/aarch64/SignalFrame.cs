namespace Aurora.Kernel.Processes;

// The aarch64 half of signal delivery (arch/x86_64/SignalFrame.cs is the x86-64 one): the
// arm64 rt_sigframe (Linux arch/arm64/kernel/signal.c) comes with the portable processes' user
// mode on aarch64. Until then no process returns to EL0 through the portable kernel, so no
// signal is ever delivered here; rt_sigreturn finds no frame and ends the caller as Linux does
// for a damaged one.
internal unsafe partial struct Process
{
    /// <summary>AT_MINSIGSTKSZ: Linux arm64's MINSIGSTKSZ (uapi asm/signal.h), the least a
    /// handler's frame takes there.</summary>
    internal const ulong MinimumSignalStack = 5120;

    /// <summary>AAPCS64 has no red zone below the stack pointer (x86-64's System V has 128 bytes).</summary>
    private const ulong RedZone = 0;

    internal static void SignalReturn(Process* process, ulong userStack) => Exit(SignalSegmentation);
}
