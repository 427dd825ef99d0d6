using System;

namespace Aurora.Pmm;

// Building the allocator from the boot memory map. In the kernel nothing can allocate yet when
// this runs, so the caller sizes the metadata (RequiredMetadataBytes), finds it a home in usable
// memory (FindMetadataPlacement), maps it (e.g. through Limine's HHDM) and hands it in.
public unsafe partial struct FrameAllocator
{
    /// <summary>
    /// End of the highest Usable or BootloaderReclaimable entry: the top of what the allocator
    /// may ever manage, and the argument for <see cref="RequiredMetadataBytes"/>. Reserved
    /// regions (MMIO, framebuffers high up) do not count, so they do not inflate the bitmap.
    /// </summary>
    public static ulong HighestUsableAddress(ReadOnlySpan<MemoryRegion> map)
    {
        ulong highest = 0;
        for (int i = 0; i < map.Length; i++)
        {
            MemoryRegionKind kind = map[i].Kind;
            if (kind == MemoryRegionKind.Usable || kind == MemoryRegionKind.BootloaderReclaimable)
            {
                highest = Math.Max(highest, map[i].End);
            }
        }

        return Math.Min(highest, MaxPhysicalAddress);
    }

    /// <summary>
    /// Bytes of metadata needed to manage physical memory up to <paramref name="highestAddress"/>:
    /// one bit per frame, the summary levels (about 1/64 more), and the two fixed range tables
    /// (5 KiB). 64 GiB needs about 2 MiB + 37 KiB.
    /// </summary>
    public static ulong RequiredMetadataBytes(ulong highestAddress)
    {
        ulong frames = Math.Max(FrameSpanFor(highestAddress), 1UL);
        return (FrameBitmap.WordsFor(frames) * sizeof(ulong)) + RangeTableBytes;
    }

    private const ulong RangeTableBytes = (ManagedRangeCapacity + ReservedRangeCapacity) * 16;

    private static ulong FrameSpanFor(ulong highestAddress) => Math.Min(highestAddress, MaxPhysicalAddress) >> FrameShift;

    /// <summary>
    /// Picks the lowest frame-aligned physical address, above the first MiB and inside usable
    /// memory that no other entry overlaps, where <paramref name="bytes"/> of metadata fit.
    /// Pass the result to <see cref="Initialize(ReadOnlySpan{MemoryRegion}, void*, ulong, ulong)"/>,
    /// which marks those frames used.
    /// </summary>
    public static PmmError FindMetadataPlacement(ReadOnlySpan<MemoryRegion> map, ulong bytes, out ulong physicalBase)
    {
        physicalBase = 0;
        if (bytes == 0)
        {
            return PmmError.InvalidArgument;
        }

        ulong needed = FrameEndOutward(bytes);
        ulong frameSpan = FrameSpanFor(HighestUsableAddress(map));
        FrameRange* lowMemory = stackalloc FrameRange[1];
        FrameRangeSet reserved = default;
        reserved.Initialize(lowMemory, 1);
        reserved.Add(0, LowMemoryLimit >> FrameShift);

        ulong best = ulong.MaxValue;
        for (int i = 0; i < map.Length; i++)
        {
            if (map[i].Kind != MemoryRegionKind.Usable || !UsableFrames(map[i], frameSpan, out ulong first, out ulong end))
            {
                continue;
            }

            ulong cursor = first;
            while (NextUnblockedPiece(map, MemoryRegionKind.Usable, ref reserved, ref cursor, end, out ulong pieceStart, out ulong pieceEnd))
            {
                if (pieceEnd - pieceStart >= needed && pieceStart < best)
                {
                    best = pieceStart;
                    break;
                }
            }
        }

        if (best == ulong.MaxValue)
        {
            return PmmError.OutOfMemory;
        }

        physicalBase = best << FrameShift;
        return PmmError.None;
    }

    /// <summary>
    /// Builds the allocator from <paramref name="map"/> with metadata at
    /// <paramref name="metadata"/> (the kernel's mapping of physical
    /// <paramref name="metadataPhysicalBase"/>). Only Usable memory above 1 MiB starts free;
    /// unaligned usable entries shrink inward to whole frames; where a usable entry overlaps any
    /// other kind, the other kind wins; the metadata frames are reserved.
    /// </summary>
    public PmmError Initialize(ReadOnlySpan<MemoryRegion> map, void* metadata, ulong metadataBytes, ulong metadataPhysicalBase)
    {
        if (metadataBytes > ulong.MaxValue - metadataPhysicalBase)
        {
            return PmmError.InvalidArgument;
        }

        return InitializeCore(map, metadata, metadataBytes, true, metadataPhysicalBase);
    }

    /// <summary>
    /// Builds the allocator with metadata that is not part of the memory it manages (host tools,
    /// simulators, tests, or a kernel that reserved it by other means).
    /// </summary>
    public PmmError Initialize(ReadOnlySpan<MemoryRegion> map, void* metadata, ulong metadataBytes)
    {
        return InitializeCore(map, metadata, metadataBytes, false, 0);
    }

    private PmmError InitializeCore(ReadOnlySpan<MemoryRegion> map, void* metadata, ulong metadataBytes, bool metadataIsManaged, ulong metadataPhysicalBase)
    {
        _initialized = false;
        if (metadata == null || ((nuint)metadata & 7) != 0)
        {
            return PmmError.InvalidArgument;
        }

        ulong highest = HighestUsableAddress(map);
        ulong frameSpan = FrameSpanFor(highest);
        if (frameSpan == 0)
        {
            return PmmError.OutOfMemory;
        }

        if (metadataBytes < RequiredMetadataBytes(highest))
        {
            return PmmError.MetadataTooSmall;
        }

        ulong bitmapWords = FrameBitmap.WordsFor(frameSpan);
        ulong* words = (ulong*)metadata;
        FrameRange* managedItems = (FrameRange*)(words + bitmapWords);
        _bitmap.Initialize(words, frameSpan);
        _managed.Initialize(managedItems, ManagedRangeCapacity);
        _reserved.Initialize(managedItems + ManagedRangeCapacity, ReservedRangeCapacity);
        _frameCount = frameSpan;
        _freeFrames = 0;

        _reserved.Add(0, LowMemoryLimit >> FrameShift);
        if (metadataIsManaged)
        {
            _reserved.Add(metadataPhysicalBase >> FrameShift, FrameEndOutward(metadataPhysicalBase + metadataBytes));
        }

        for (int i = 0; i < map.Length; i++)
        {
            if (map[i].Kind != MemoryRegionKind.Usable || !UsableFrames(map[i], frameSpan, out ulong first, out ulong end))
            {
                continue;
            }

            ulong cursor = first;
            while (NextUnblockedPiece(map, MemoryRegionKind.Usable, ref _reserved, ref cursor, end, out ulong pieceStart, out ulong pieceEnd))
            {
                PmmError error = _managed.Add(pieceStart, pieceEnd);
                if (error != PmmError.None)
                {
                    return error;
                }
            }
        }

        for (int i = 0; i < _managed.Count; i++)
        {
            _bitmap.SetRange(_managed[i].Start, _managed[i].End);
        }

        _freeFrames = _managed.Frames;
        _initialized = true;
        return PmmError.None;
    }

    /// <summary>Whole frames inside a usable-type entry (shrunk inward), clipped to the span.
    /// Limine already page-aligns Usable and BootloaderReclaimable entries (Limine protocol,
    /// Memory Map Feature); other loaders and hand-written maps need not.</summary>
    private static bool UsableFrames(in MemoryRegion region, ulong frameSpan, out ulong first, out ulong end)
    {
        first = FrameEndOutward(region.Base);
        end = Math.Min(region.End >> FrameShift, frameSpan);
        return first < end;
    }

    /// <summary>
    /// Next piece of [<paramref name="cursor"/>, <paramref name="end"/>) that no blocker covers.
    /// Blockers are the map entries of every kind except Usable and <paramref name="alsoAllowed"/>
    /// (widened outward to whole frames: a reserved byte reserves its frame) and the ranges of
    /// <paramref name="reserved"/>. Quadratic in the number of entries; runs only at boot.
    /// </summary>
    private static bool NextUnblockedPiece(ReadOnlySpan<MemoryRegion> map, MemoryRegionKind alsoAllowed, ref FrameRangeSet reserved, ref ulong cursor, ulong end, out ulong pieceStart, out ulong pieceEnd)
    {
        while (cursor < end)
        {
            ulong blockedUntil = reserved.CoveredUntil(cursor);
            ulong nextBlocker = reserved.NextStartAfter(cursor);
            for (int i = 0; i < map.Length; i++)
            {
                MemoryRegionKind kind = map[i].Kind;
                if (kind == MemoryRegionKind.Usable || kind == alsoAllowed || map[i].Length == 0)
                {
                    continue;
                }

                ulong blockStart = map[i].Base >> FrameShift;
                ulong blockEnd = FrameEndOutward(map[i].End);
                if (blockStart <= cursor && cursor < blockEnd)
                {
                    blockedUntil = Math.Max(blockedUntil, blockEnd);
                }
                else if (blockStart > cursor)
                {
                    nextBlocker = Math.Min(nextBlocker, blockStart);
                }
            }

            if (blockedUntil > cursor)
            {
                cursor = blockedUntil;
                continue;
            }

            pieceStart = cursor;
            pieceEnd = Math.Min(nextBlocker, end);
            cursor = pieceEnd;
            return true;
        }

        pieceStart = 0;
        pieceEnd = 0;
        return false;
    }
}
