namespace Aurora.Vmm;

/// <summary>
/// Hands out and takes back 4 KiB physical frames: page tables, and the copies made when a
/// copy-on-write fault is resolved. In the kernel: an adapter over the physical memory allocator.
/// </summary>
public interface IFrameSource
{
    /// <summary>
    /// A free, 4 KiB-aligned frame, or false when none is left. The contents need not be zero:
    /// the mapper clears tables itself.
    /// </summary>
    bool TryAllocate(out ulong physicalAddress);

    /// <summary>Gives back a frame obtained from <see cref="TryAllocate"/> (or a user frame being released).</summary>
    void Free(ulong physicalAddress);
}
