using System.Runtime;
using System.Runtime.CompilerServices;
using Aurora.Kernel.Arch.X86_64;

namespace Aurora.Kernel.Modules;

/// <summary>
/// x86-64's half of the guarded module call (kernel/Modules/ModuleGuard.cs, module_call.S): a
/// page fault, #GP, #UD or #DE in ring 0 at an instruction in the module window resumes at
/// the call's recovery point with the saved stack pointer.
/// </summary>
internal static unsafe partial class ModuleGuard
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_module_call")]
    private static extern long CallRaw(ulong target, ulong a0, ulong a1, ulong a2, ulong* savedRsp);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_module_call_recover_address")]
    private static extern ulong RecoverAddress();

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_module_call_abort")]
    private static extern void AbortRaw(ulong savedRsp);

    internal static void Install()
    {
        Interrupts.Register(0, &OnException);   // #DE
        Interrupts.Register(6, &OnException);   // #UD
        Interrupts.Register(13, &OnException);  // #GP
    }

    /// <summary>From the page-fault handler and <see cref="OnException"/>: true when the
    /// fault is module code's inside a guarded call, and the frame now resumes at the recovery.</summary>
    internal static bool TryRecover(InterruptFrame* frame)
    {
        if ((frame->Cs & 3) != 0) return false;
        if (!TryRecoverAt(frame->Rip, "vector", frame->Vector, frame->Vector == 14 ? Cpu.ReadCr2() : 0, out ulong savedRsp)) return false;
        frame->Rip = RecoverAddress();
        frame->Rsp = savedRsp;
        return true;
    }

    private static bool OnException(InterruptFrame* frame) => TryRecover(frame);
}
