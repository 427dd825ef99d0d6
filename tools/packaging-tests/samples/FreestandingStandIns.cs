// The wrapper of the README samples marked `csharp freestanding` (tools/packaging-tests/samples/README.md):
// compiled by build/freestanding-check against Aurora.Runtime alone (no BCL), as a kernel's own
// code is. Only what the samples name and a kernel provides. Nothing here is run.
using Internal.Runtime;

namespace Aurora.Samples;

public unsafe class FreestandingStandIns
{
    /// <summary>The kernel's allocator for objects: zeroed, 8-byte aligned memory, or null.</summary>
    protected static class MyAllocator
    {
        public static void* AllocateZeroed(nuint size) => null;
    }

    /// <summary>The kernel's panic: prints the reason and halts.</summary>
    protected static class MyPanic
    {
        public static void Fail(string reason, string? detail)
        {
            while (true) { }
        }
    }

    /// <summary>The bounds of the __modules section, from the linker script.</summary>
    protected static void** modulesStart, modulesEnd;
}
