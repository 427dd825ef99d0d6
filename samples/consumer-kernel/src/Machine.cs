using System.Runtime;
using System.Runtime.CompilerServices;

namespace ConsumerKernel;

/// <summary>What C# cannot say itself, implemented in entry.S: port I/O and the addresses the
/// linker script defines.</summary>
internal static unsafe class Machine
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "consumer_out8")]
    internal static extern void Out8(ushort port, byte value);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "consumer_in8")]
    internal static extern byte In8(ushort port);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "consumer_image_bounds")]
    internal static extern void ImageBounds(void*** modulesStart, void*** modulesEnd, ulong* kernelStart, ulong* kernelEnd);

    /// <summary>QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=0x04):
    /// writing v ends QEMU with exit status (v &lt;&lt; 1) | 1.</summary>
    internal static void ExitQemu(byte value)
    {
        Out8(0xF4, value);
        while (true) { }
    }
}
