using System.Runtime.CompilerServices;

namespace Aurora.Vmm;

/// <summary>
/// Per-frame share counts for copy-on-write, kept in memory the caller provides: one
/// <c>ushort</c> per 4 KiB frame, indexed by frame number (physical address / 4096), covering
/// frames 0 .. <see cref="FrameCount"/> - 1. Start it zeroed.
/// <para>
/// A count is the number of leaf mappings of the frame across address spaces, except that 0 and
/// 1 both mean "one mapping": a frame the kernel allocates and maps needs no bookkeeping until a
/// clone shares it (0 → 2). <see cref="Pinned"/> marks a frame the scheme must never own (the
/// shared zero page, MMIO inside the covered range): it is never counted, never freed, and a
/// copy-on-write fault on it always copies. Frames beyond the covered range behave as pinned,
/// so device memory above RAM needs no entry.
/// </para>
/// <para>
/// The mapper changes counts only in <c>Clone</c>, <c>ResolveWriteFault</c>, <c>ReleaseFrame</c>
/// and <c>DestroyAddressSpace(space, counts)</c>. A caller that maps one frame at several places
/// itself must raise its count itself.
/// </para>
/// </summary>
public readonly unsafe struct FrameRefCounts
{
    /// <summary>Count value that removes a frame from the scheme.</summary>
    public const ushort Pinned = ushort.MaxValue;

    /// <summary>Largest real share count.</summary>
    public const ushort MaxCount = ushort.MaxValue - 1;

    private readonly ushort* counts;
    private readonly ulong frameCount;

    /// <summary>Counts for frames 0 .. <paramref name="frameCount"/> - 1, stored at <paramref name="counts"/>.</summary>
    public FrameRefCounts(ushort* counts, ulong frameCount)
    {
        this.counts = counts;
        this.frameCount = frameCount;
    }

    /// <summary>Number of frames covered.</summary>
    public ulong FrameCount => frameCount;

    /// <summary>True when the frame holding <paramref name="physicalAddress"/> takes part in counting.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsCounted(ulong physicalAddress)
    {
        ulong frame = physicalAddress >> 12;
        return frame < frameCount && counts[frame] != Pinned;
    }

    /// <summary>The stored count, or <see cref="Pinned"/> for a frame beyond the covered range.</summary>
    public ushort Get(ulong physicalAddress)
    {
        ulong frame = physicalAddress >> 12;
        return frame < frameCount ? counts[frame] : Pinned;
    }

    /// <summary>Stores a count (for example <see cref="Pinned"/> for the zero page). Ignored beyond the range.</summary>
    public void Set(ulong physicalAddress, ushort count)
    {
        ulong frame = physicalAddress >> 12;
        if (frame < frameCount)
        {
            counts[frame] = count;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ushort* Slot(ulong physicalAddress) => counts + (physicalAddress >> 12);
}
