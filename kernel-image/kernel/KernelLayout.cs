using System.Runtime;

namespace Aurora.Kernel;

/// <summary>Addresses the linker script defines (arch/x86_64/linker.ld), read once at boot.</summary>
internal unsafe struct KernelLayout
{
    public ulong Start, TextEnd, RodataStart, RodataEnd, DataStart, End;
    public ulong StackBottom, StackTop;
    public ulong* InterruptStubs;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_kernel_layout")]
    private static extern void Read(KernelLayout* layout);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_modules_bounds")]
    private static extern void ReadModulesBounds(void*** start, void*** end);

    internal static KernelLayout Current
    {
        get
        {
            KernelLayout layout;
            Read(&layout);
            return layout;
        }
    }

    internal static void ModulesBounds(out void** start, out void** end)
    {
        void** s, e;
        ReadModulesBounds(&s, &e);
        start = s;
        end = e;
    }
}
