using Aurora.Heap;
using Aurora.Pmm;

namespace ConsumerKernel;

/// <summary>Aurora.Heap's page source, fed by Aurora.Pmm: contiguous frames, used through the
/// identity map entry.S set up (a physical address is also the virtual one).</summary>
internal struct FramePages : IPageSource
{
    public unsafe byte* AllocatePages(nuint count)
    {
        PmmError error = Kernel.Frames.AllocateContiguous(count, 1, out ulong physical);
        return error == PmmError.None ? (byte*)physical : null;
    }

    public unsafe void FreePages(byte* pages, nuint count)
    {
        PmmError error = Kernel.Frames.FreeContiguous((ulong)pages, count);
        if (error != PmmError.None) Kernel.Fail("the heap returned pages the frame allocator did not hand out", null);
    }
}
