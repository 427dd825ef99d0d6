namespace Aurora.Kernel.Modules;

/// <summary>
/// Calls into loadable modules on aarch64: none run there yet. Modules are x86-64 ELF
/// relocatable objects (docs/modules.md) and the guarded call that recovers a module's fault
/// (arch/x86_64/ModuleGuard.cs, module_call.S) has no arm64 counterpart: every call fails with
/// ENOEXEC, so the loader refuses the module instead of jumping into foreign code.
/// </summary>
internal static unsafe class ModuleGuard
{
    private const long NotExecutable = -8; // ENOEXEC

    /// <summary>Module faults recovered since boot (always 0 here).</summary>
    internal static int Recovered;

    internal static void Install() { }

    internal static long Call(ulong target, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0) => NotExecutable;

    /// <summary>No guarded call is ever active: nothing to end.</summary>
    internal static void Abort() { }
}
