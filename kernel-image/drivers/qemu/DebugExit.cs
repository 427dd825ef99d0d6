using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Drivers.Qemu;

/// <summary>
/// QEMU's isa-debug-exit device at port 0xf4: writing v ends QEMU with exit status (v &lt;&lt; 1) | 1.
/// The codes are how a test boot reports to the host; they are distinct from QEMU's own 0/1.
/// </summary>
internal static class DebugExit
{
    private const ushort Port = 0xF4;

    /// <summary>All tests passed: QEMU exits with 33.</summary>
    internal const byte Success = 0x10;
    /// <summary>A test failed: QEMU exits with 35.</summary>
    internal const byte Failure = 0x11;
    /// <summary>The kernel panicked: QEMU exits with 37.</summary>
    internal const byte Panic = 0x12;

    internal static void Exit(byte code) => Io.Out32(Port, code);
}
