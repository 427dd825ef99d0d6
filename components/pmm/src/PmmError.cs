namespace Aurora.Pmm;

/// <summary>Outcome of a frame allocator operation. <see cref="None"/> means success.</summary>
public enum PmmError : byte
{
    /// <summary>Success.</summary>
    None = 0,

    /// <summary>No free frame (or no free run of the requested size and alignment).</summary>
    OutOfMemory,

    /// <summary>A zero count, an alignment that is not a power of two, a range that wraps, or an
    /// unaligned metadata pointer.</summary>
    InvalidArgument,

    /// <summary>A physical address passed to a free is not 4 KiB aligned.</summary>
    Misaligned,

    /// <summary>The frames are not managed memory: beyond the bitmap, never usable, reserved,
    /// or part of the allocator's own metadata.</summary>
    NotManaged,

    /// <summary>At least one frame of the range is already free (a double free).</summary>
    AlreadyFree,

    /// <summary>The metadata memory handed to <c>Initialize</c> is smaller than
    /// <c>FrameAllocator.RequiredMetadataBytes</c>.</summary>
    MetadataTooSmall,

    /// <summary>The memory map is too fragmented for the fixed-capacity range tables
    /// (<see cref="FrameAllocator.ManagedRangeCapacity"/>, <see cref="FrameAllocator.ReservedRangeCapacity"/>).</summary>
    TooManyRanges,

    /// <summary><c>Initialize</c> has not succeeded on this allocator.</summary>
    NotInitialized,
}
