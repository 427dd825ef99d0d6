using System;

namespace Aurora.Pmm;

/// <summary>
/// Physical frame allocator over 4 KiB frames. Built once from the boot memory map into
/// metadata memory the caller provides (<see cref="RequiredMetadataBytes"/>,
/// <see cref="FindMetadataPlacement"/>); never allocates, never throws. Not thread-safe: the
/// kernel serialises calls (a spinlock around the static instance).
/// </summary>
/// <remarks>
/// A value of this type owns pointers into its metadata: keep exactly one (a static field or a
/// field of a pinned object) and use it by reference; a copy would diverge from the original.
/// </remarks>
public unsafe partial struct FrameAllocator
{
    /// <summary>Size of one physical frame in bytes (4 KiB, the x86_64 base page size); every
    /// address the allocator takes or returns is a multiple of it.</summary>
    public const ulong FrameSize = 4096;
    /// <summary>log2(<see cref="FrameSize"/>): a physical address shifted right by it is a frame
    /// number.</summary>
    public const int FrameShift = 12;

    /// <summary>Frames below 1 MiB are never handed out: real-mode IVT/BDA/EBDA, legacy video
    /// memory and option ROMs live there, and AP start-up trampolines need it free of the pmm.</summary>
    public const ulong LowMemoryLimit = 0x100000;

    /// <summary>Highest physical address the allocator manages: 52 bits, the architectural
    /// MAXPHYADDR limit (Intel SDM Vol. 3A, 4.1.4).</summary>
    public const ulong MaxPhysicalAddress = 1UL << 52;

    /// <summary>Capacity of the table of managed (usable, not reserved) ranges.</summary>
    public const int ManagedRangeCapacity = 256;

    /// <summary>Capacity of the table of reserved ranges (first MiB, metadata, explicit
    /// reservations), merged when they touch.</summary>
    public const int ReservedRangeCapacity = 64;

    private FrameBitmap _bitmap;
    private FrameRangeSet _managed;
    private FrameRangeSet _reserved;
    private ulong _frameCount;
    private ulong _freeFrames;
    private bool _initialized;

    /// <summary>Whether <see cref="Initialize(ReadOnlySpan{MemoryRegion}, void*, ulong, ulong)"/> succeeded.</summary>
    public readonly bool IsInitialized => _initialized;

    /// <summary>Frames the bitmap spans (from physical 0 to the highest usable address).</summary>
    public readonly ulong FrameSpan => _frameCount;

    /// <summary>Frames under management: usable (and reclaimed) memory minus reservations.</summary>
    public readonly ulong TotalFrames => _managed.Frames;

    /// <summary>Managed frames that are free now (each <see cref="FrameSize"/> bytes); 0 before
    /// initialization.</summary>
    public readonly ulong FreeFrames => _freeFrames;

    /// <summary>Managed frames that are allocated now: <see cref="TotalFrames"/> minus <see
    /// cref="FreeFrames"/>.</summary>
    public readonly ulong UsedFrames => _managed.Frames - _freeFrames;

    /// <summary><see cref="TotalFrames"/> in bytes.</summary>
    public readonly ulong TotalBytes => TotalFrames << FrameShift;

    /// <summary><see cref="FreeFrames"/> in bytes.</summary>
    public readonly ulong FreeBytes => _freeFrames << FrameShift;

    /// <summary><see cref="UsedFrames"/> in bytes.</summary>
    public readonly ulong UsedBytes => UsedFrames << FrameShift;

    /// <summary>
    /// Allocates the lowest free frame. Cost: one load per summary level up and down
    /// (at most 8), independent of the amount of memory.
    /// </summary>
    public PmmError AllocateFrame(out ulong physicalAddress)
    {
        physicalAddress = 0;
        if (!_initialized)
        {
            return PmmError.NotInitialized;
        }

        ulong frame = _bitmap.FindNextSet(0);
        if (frame == FrameBitmap.NotFound)
        {
            return PmmError.OutOfMemory;
        }

        _bitmap.Clear(frame);
        _freeFrames--;
        physicalAddress = frame << FrameShift;
        return PmmError.None;
    }

    /// <summary>
    /// Allocates <paramref name="frameCount"/> physically contiguous frames whose first frame
    /// number is a multiple of <paramref name="alignmentFrames"/> (a power of two; 512 gives a
    /// 2 MiB-aligned run). Lowest fit. Candidates come from the summary levels; each failed
    /// candidate skips past the used frame that broke it, so no frame is examined twice.
    /// </summary>
    public PmmError AllocateContiguous(ulong frameCount, ulong alignmentFrames, out ulong physicalAddress)
    {
        physicalAddress = 0;
        if (!_initialized)
        {
            return PmmError.NotInitialized;
        }

        if (frameCount == 0 || alignmentFrames == 0 || (alignmentFrames & (alignmentFrames - 1)) != 0)
        {
            return PmmError.InvalidArgument;
        }

        if (frameCount > _freeFrames)
        {
            return PmmError.OutOfMemory;
        }

        ulong position = 0;
        while (true)
        {
            ulong free = _bitmap.FindNextSet(position);
            if (free == FrameBitmap.NotFound)
            {
                return PmmError.OutOfMemory;
            }

            ulong start = (free + alignmentFrames - 1) & ~(alignmentFrames - 1);
            if (start < free || start >= _frameCount || frameCount > _frameCount - start)
            {
                return PmmError.OutOfMemory;
            }

            ulong used = _bitmap.FindFirstClear(start, start + frameCount);
            if (used == FrameBitmap.NotFound)
            {
                _bitmap.ClearRange(start, start + frameCount);
                _freeFrames -= frameCount;
                physicalAddress = start << FrameShift;
                return PmmError.None;
            }

            position = used + 1;
        }
    }

    /// <summary>Frees one frame. A misaligned address, a frame outside managed memory or a frame
    /// that is already free is reported and changes nothing.</summary>
    public PmmError FreeFrame(ulong physicalAddress)
    {
        PmmError error = CheckFreeable(physicalAddress, 1, out ulong frame);
        if (error != PmmError.None)
        {
            return error;
        }

        _bitmap.Set(frame);
        _freeFrames++;
        return PmmError.None;
    }

    /// <summary>Frees a run of <paramref name="frameCount"/> frames. The whole run is checked
    /// first: if any frame of it is unmanaged or already free, nothing is freed.</summary>
    public PmmError FreeContiguous(ulong physicalAddress, ulong frameCount)
    {
        PmmError error = CheckFreeable(physicalAddress, frameCount, out ulong frame);
        if (error != PmmError.None)
        {
            return error;
        }

        _bitmap.SetRange(frame, frame + frameCount);
        _freeFrames += frameCount;
        return PmmError.None;
    }

    private readonly PmmError CheckFreeable(ulong physicalAddress, ulong frameCount, out ulong frame)
    {
        frame = physicalAddress >> FrameShift;
        if (!_initialized)
        {
            return PmmError.NotInitialized;
        }

        if (frameCount == 0)
        {
            return PmmError.InvalidArgument;
        }

        if ((physicalAddress & (FrameSize - 1)) != 0)
        {
            return PmmError.Misaligned;
        }

        if (frame >= _frameCount || frameCount > _frameCount - frame || !_managed.Contains(frame, frame + frameCount))
        {
            return PmmError.NotManaged;
        }

        if (frameCount == 1 ? _bitmap.IsSet(frame) : _bitmap.AnySet(frame, frame + frameCount))
        {
            return PmmError.AlreadyFree;
        }

        return PmmError.None;
    }

    /// <summary>Whether the frame holding <paramref name="physicalAddress"/> is managed and free.</summary>
    public readonly bool IsFree(ulong physicalAddress)
    {
        ulong frame = physicalAddress >> FrameShift;
        return _initialized && frame < _frameCount && _bitmap.IsSet(frame);
    }

    /// <summary>Whether the frame holding <paramref name="physicalAddress"/> is managed memory
    /// (free or allocated), as opposed to reserved or absent.</summary>
    public readonly bool IsManaged(ulong physicalAddress)
    {
        ulong frame = physicalAddress >> FrameShift;
        return _initialized && frame < _frameCount && _managed.Contains(frame, frame + 1);
    }

    /// <summary>
    /// Reserves [<paramref name="physicalBase"/>, +<paramref name="length"/>), widened outward to
    /// whole frames: the frames are taken out of managed memory for good (freeing them later
    /// reports <see cref="PmmError.NotManaged"/>) and stay out when bootloader memory is reclaimed.
    /// Frames in the range that were allocated simply stop counting as used.
    /// </summary>
    public PmmError Reserve(ulong physicalBase, ulong length)
    {
        if (!_initialized)
        {
            return PmmError.NotInitialized;
        }

        if (length == 0)
        {
            return PmmError.None;
        }

        if (length > ulong.MaxValue - physicalBase)
        {
            return PmmError.InvalidArgument;
        }

        ulong first = physicalBase >> FrameShift;
        ulong end = FrameEndOutward(physicalBase + length);
        return ReserveFrames(first, end);
    }

    private PmmError ReserveFrames(ulong first, ulong end)
    {
        // Both tables are checked before either changes, so a failure leaves everything as it was.
        ulong managedEnd = end < _frameCount ? end : _frameCount;
        if ((_reserved.Count == ReservedRangeCapacity && _reserved.NeedsSlotToAdd(first, end)) ||
            (_managed.Count == ManagedRangeCapacity && _managed.NeedsSlotToRemove(first, managedEnd)))
        {
            return PmmError.TooManyRanges;
        }

        _reserved.Add(first, end);
        if (first < managedEnd)
        {
            _freeFrames -= _bitmap.CountSet(first, managedEnd);
            _bitmap.ClearRange(first, managedEnd);
            _managed.Remove(first, managedEnd);
        }

        return PmmError.None;
    }

    /// <summary>
    /// Hands BootloaderReclaimable memory back once the kernel no longer needs what the
    /// bootloader left there (its page tables, the boot stack, the memory map itself: copy what
    /// you keep first). Reserved entries overlapping it, the first MiB, the metadata and explicit
    /// reservations stay out. Calling it again adds nothing. Returns
    /// <see cref="PmmError.TooManyRanges"/> if the managed table fills, having added what fit.
    /// </summary>
    public PmmError ReclaimBootloaderMemory(ReadOnlySpan<MemoryRegion> map)
    {
        if (!_initialized)
        {
            return PmmError.NotInitialized;
        }

        for (int i = 0; i < map.Length; i++)
        {
            if (map[i].Kind != MemoryRegionKind.BootloaderReclaimable)
            {
                continue;
            }

            if (!UsableFrames(map[i], _frameCount, out ulong first, out ulong end))
            {
                continue;
            }

            ulong cursor = first;
            while (NextUnblockedPiece(map, MemoryRegionKind.BootloaderReclaimable, ref _reserved, ref cursor, end, out ulong pieceStart, out ulong pieceEnd))
            {
                if (_managed.Count == ManagedRangeCapacity)
                {
                    return PmmError.TooManyRanges;
                }

                ulong gapCursor = pieceStart;
                while (_managed.NextUncovered(ref gapCursor, pieceEnd, out ulong gapStart, out ulong gapEnd))
                {
                    _bitmap.SetRange(gapStart, gapEnd);
                    _freeFrames += gapEnd - gapStart;
                }

                _managed.Add(pieceStart, pieceEnd);
            }
        }

        return PmmError.None;
    }

    /// <summary>
    /// Consistency check for tests and kernel self-tests: summary levels match the bitmap, the
    /// free count matches the set bits, and no free bit lies outside managed memory. Cost is
    /// proportional to the bitmap size.
    /// </summary>
    public readonly bool Validate()
    {
        if (!_initialized)
        {
            return false;
        }

        if (!_bitmap.SummaryIsConsistent())
        {
            return false;
        }

        ulong inRanges = 0;
        for (int i = 0; i < _managed.Count; i++)
        {
            inRanges += _bitmap.CountSet(_managed[i].Start, _managed[i].End);
        }

        return inRanges == _freeFrames && _bitmap.CountSet(0, _frameCount) == _freeFrames;
    }

    private static ulong FrameEndOutward(ulong end)
    {
        ulong frames = end >> FrameShift;
        return (end & (FrameSize - 1)) != 0 ? frames + 1 : frames;
    }
}
