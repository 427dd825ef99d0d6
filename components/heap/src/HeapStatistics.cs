namespace Aurora.Heap;

/// <summary>A snapshot of heap counters.</summary>
public struct HeapStatistics
{
    /// <summary>Usable bytes of the blocks currently handed out (slab object size, or large
    /// block payload capacity; at least what was asked for).</summary>
    public ulong BytesInUse;

    /// <summary>Bytes currently held from the page source: slab pages, large-block arenas and
    /// the page map's nodes.</summary>
    public ulong BytesFromPageSource;

    /// <summary>Of <see cref="BytesFromPageSource"/>, bytes held by the page map (the radix tree
    /// Free uses to recognise heap pointers).</summary>
    public ulong PageMapBytes;

    /// <summary>Successful allocations since construction.</summary>
    public ulong Allocations;

    /// <summary>Successful frees since construction.</summary>
    public ulong Frees;

    /// <summary>Allocations that returned null (page source exhausted or bad arguments).</summary>
    public ulong FailedAllocations;

    /// <summary>Blocks currently handed out.</summary>
    public readonly ulong LiveBlocks => Allocations - Frees;

    /// <summary>Large-block arenas currently held.</summary>
    public ulong Arenas;
}

/// <summary>Counters of one slab class (16, 32, 64, 128 or 256 bytes).</summary>
public struct SlabClassStatistics
{
    /// <summary>Size in bytes of every object of this class (16, 32, 64, 128 or 256).</summary>
    public uint ObjectSize;

    /// <summary>Objects per 4 KiB slab page (the page header takes the rest).</summary>
    public uint ObjectsPerPage;

    /// <summary>Slab pages currently held, of which <see cref="EmptyPages"/> hold no object.</summary>
    public ulong Pages;

    /// <summary>Slab pages of this class that hold no object (at most one is kept; the others go
    /// back to the page source).</summary>
    public ulong EmptyPages;

    /// <summary>Objects of this class handed out and not freed yet.</summary>
    public ulong LiveObjects;

    /// <summary>Allocations from this class since construction (frees plus live objects).</summary>
    public ulong Allocations;

    /// <summary>Frees to this class since construction, including those of pages already given
    /// back.</summary>
    public ulong Frees;
}
