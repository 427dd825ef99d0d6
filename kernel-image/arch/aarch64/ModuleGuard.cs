using System.Runtime;
using System.Runtime.CompilerServices;
using Aurora.Kernel.Arch.Aarch64;

namespace Aurora.Kernel.Modules;

/// <summary>
/// arm64's half of the guarded module call (kernel/Modules/ModuleGuard.cs, module_call.S): a
/// synchronous exception taken at EL1 (Exceptions.Dispatch: an instruction or data abort, an
/// undefined instruction, an alignment fault, a BRK) at an instruction in the module window
/// returns from the exception to the call's recovery point, which takes the saved stack
/// pointer from x0.
/// </summary>
internal static unsafe partial class ModuleGuard
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_module_call")]
    private static extern long CallRaw(ulong target, ulong a0, ulong a1, ulong a2, ulong* savedSp);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_module_call_recover_address")]
    private static extern ulong RecoverAddress();

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_module_call_abort")]
    private static extern void AbortRaw(ulong savedSp);

    /// <summary>Nothing to register: Exceptions.Dispatch asks <see cref="TryRecover"/> first
    /// for every synchronous exception taken at EL1.</summary>
    internal static void Install() { }

    /// <summary>True when the EL1 exception in <paramref name="frame"/> is module code's inside
    /// a guarded call; the frame then returns to the recovery point (ELR_EL1) with the call's
    /// stack pointer in x0.</summary>
    internal static bool TryRecover(TrapFrame* frame)
    {
        ulong exceptionClass = (frame->Syndrome >> 26) & 0x3F;
        // FAR_EL1 holds the faulting address for the aborts and alignment faults only.
        ulong address = exceptionClass is 0x20 or 0x21 or 0x22 or 0x24 or 0x25 ? frame->FaultAddress : 0;
        if (!TryRecoverAt(frame->ExceptionLink, "exception class", exceptionClass, address, out ulong savedSp)) return false;
        frame->ExceptionLink = RecoverAddress();
        frame->X[0] = savedSp;
        return true;
    }
}
