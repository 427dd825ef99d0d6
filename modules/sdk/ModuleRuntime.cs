using System;
using Internal.Runtime;

namespace Aurora.Kernel.Modules;

/// <summary>
/// A module's side of start-up (docs/modules.md): points the module's own copy of the runtime at
/// the kernel (objects come from the module's arena, a runtime failure goes to the kernel's
/// Fail), brings its statics to life, and gives C# code a log. Call <see cref="Start"/> first
/// thing in aurora_module_init.
/// </summary>
public static unsafe class ModuleRuntime
{
    private static KernelInterface* s_kernel;

    public static KernelInterface* Kernel => s_kernel;

    /// <summary>False when the kernel's interface is not the one this module was built for: the
    /// module must then return at once (the kernel refuses it anyway, this is a second check).</summary>
    public static bool Start(KernelInterface* kernel, ModuleDescriptor* self)
    {
        self->InterfaceVersion = KernelInterface.Version;
        if (kernel == null || kernel->Magic != KernelInterface.MagicValue ||
            kernel->InterfaceVersion != KernelInterface.Version || kernel->Size < (uint)sizeof(KernelInterface))
            return false;
        s_kernel = kernel;
        RuntimeHost.Allocate = &Allocate;
        RuntimeHost.FailFast = &RuntimeFailure;
        ModuleInitializer.InitializeModules(self->ModulesStart, self->ModulesEnd);
        return true;
    }

    private static void* Allocate(nuint size) => s_kernel->Allocate(s_kernel->Module, size);

    private static void RuntimeFailure(string reason, string? detail)
    {
        byte* text = stackalloc byte[160];
        int length = Ascii(reason, text, 0, 120);
        if (detail != null)
        {
            text[length++] = (byte)':';
            text[length++] = (byte)' ';
            length = Ascii(detail, text, length, 160);
        }
        s_kernel->Fail(s_kernel->Module, text, (nuint)length);
    }

    /// <summary>Writes a line to the kernel log (ASCII; other characters become '?').</summary>
    public static void Log(string line)
    {
        byte* text = stackalloc byte[200];
        int length = Ascii(line, text, 0, 199);
        text[length++] = (byte)'\n';
        s_kernel->Log(text, (nuint)length);
    }

    private static int Ascii(string text, byte* into, int at, int limit)
    {
        for (int i = 0; i < text.Length && at < limit; i++)
            into[at++] = text[i] < 0x80 ? (byte)text[i] : (byte)'?';
        return at;
    }
}
