using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Modules;

/// <summary>
/// Every call from the kernel into a module (init, exit, device read and write, interrupt
/// handler) goes through <see cref="Call"/> (the architecture's module_call.S): a fault whose
/// instruction is in the module window while the calling thread is inside such a call does not
/// panic the kernel; the call returns -EFAULT instead, its stack unwound to the call. The
/// loader then treats the module as failed (a failed init is unloaded; a faulting callback
/// gives the reader EFAULT). A fault in kernel code a module called is still a kernel bug and
/// still panics. Module code does not take kernel locks itself, so cutting its frames off
/// leaves no lock held. The architecture's half (arch/*/ModuleGuard.cs) recognises the fault
/// in its exception frame and resumes it at the recovery point.
/// </summary>
internal static unsafe partial class ModuleGuard
{
    private const int MaxActive = 32;

    private struct Active
    {
        public KernelThread* Thread;
        public ulong SavedStack;
    }

    private struct ActiveTable
    {
        public Active A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15;
        public Active A16, A17, A18, A19, A20, A21, A22, A23, A24, A25, A26, A27, A28, A29, A30, A31;
    }

    private static ActiveTable s_active;
    private static Sync.SpinLock s_lock;

    /// <summary>Module faults recovered since boot (the tests read it).</summary>
    internal static int Recovered;

    private static Active* At(int index)
    {
        fixed (Active* first = &s_active.A0) return first + index;
    }

    /// <summary>Calls module code at <paramref name="target"/> with up to three arguments;
    /// its return value, or -EFAULT when it faulted.</summary>
    internal static long Call(ulong target, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0)
    {
        bool flags = s_lock.Acquire();
        int slot = -1;
        for (int i = 0; i < MaxActive && slot < 0; i++)
        {
            if (At(i)->Thread == null) slot = i;
        }

        if (slot < 0)
        {
            s_lock.Release(flags);
            return -16; // EBUSY: more threads in modules at once than the table holds
        }

        Active* active = At(slot);
        active->Thread = Scheduler.Current;
        s_lock.Release(flags);
        long result = CallRaw(target, a0, a1, a2, &active->SavedStack);
        flags = s_lock.Acquire();
        active->Thread = null;
        active->SavedStack = 0;
        s_lock.Release(flags);
        return result;
    }

    /// <summary>For the architecture's exception handler: true when a kernel-mode fault at
    /// <paramref name="instruction"/> is module code's inside a guarded call; then
    /// <paramref name="savedStack"/> is the stack pointer the call's recovery point resumes
    /// with, and the fault is logged (<paramref name="kind"/> and <paramref name="number"/> name
    /// the exception, <paramref name="address"/> the faulting data address or 0).</summary>
    internal static bool TryRecoverAt(ulong instruction, string kind, ulong number, ulong address, out ulong savedStack)
    {
        savedStack = 0;
        if (instruction < ModuleLoader.ModuleWindow || instruction >= ModuleLoader.ModuleWindow + (ModuleLoader.MaxModules * ModuleLoader.SlotBytes))
            return false;
        Active* innermost = Innermost();
        if (innermost == null) return false;
        Log.Write("modules: fault in module code (");
        Log.Write(kind);
        Log.Write(" ");
        Log.WriteDecimal((long)number);
        Log.Write(" at ");
        Log.WriteHex(instruction);
        Log.Write(", address ");
        Log.WriteHex(address);
        Log.WriteLine("): the call into the module returns EFAULT");
        Recovered++;
        savedStack = innermost->SavedStack;
        return true;
    }

    /// <summary>The calling thread's innermost guarded call (an interrupt handler's call can
    /// nest inside a read's on the same stack: the lowest saved stack pointer), or null.</summary>
    private static Active* Innermost()
    {
        KernelThread* thread = Scheduler.Current;
        Active* innermost = null;
        for (int i = 0; i < MaxActive; i++)
        {
            Active* candidate = At(i);
            if (candidate->Thread != thread || candidate->SavedStack == 0) continue;
            if (innermost == null || candidate->SavedStack < innermost->SavedStack) innermost = candidate;
        }

        return innermost;
    }

    /// <summary>Ends the calling thread's innermost guarded call with -EFAULT (a module's
    /// runtime failure, reported through ModuleServices.Fail); returns only when there is none.</summary>
    internal static void Abort()
    {
        Active* innermost = Innermost();
        if (innermost == null) return;
        Recovered++;
        AbortRaw(innermost->SavedStack);
    }
}
