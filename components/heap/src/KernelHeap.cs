namespace Aurora.Heap;

/// <summary>
/// The kernel heap (kmalloc/kfree). Requests of up to 256 bytes (after raising them to their
/// alignment) come from slab caches of 16, 32, 64, 128 and 256 bytes; larger ones from a
/// coalescing TLSF block allocator. Pages come from <typeparamref name="TPages"/>.
/// </summary>
/// <remarks>
/// <para>How misuse surfaces: <see cref="Free"/> returns a <see cref="HeapFault"/> (error, address,
/// block) and changes nothing when it is not <see cref="HeapError.None"/>. Every fault, including a
/// write-after-free found by <see cref="Allocate(nuint)"/> in debug mode (which still returns the
/// block), is also recorded: <see cref="FaultCount"/> counts them and <see cref="LastFault"/> keeps
/// the latest. The kernel checks the return of kfree and FaultCount (e.g. after each allocation in
/// debug builds) and panics with <see cref="HeapFault.Description"/> and the addresses.</para>
/// <para>Not thread-safe: the kernel serialises calls. The struct holds no references, so it can
/// be a static field; use that one instance by reference and never copy it.</para>
/// </remarks>
public unsafe struct KernelHeap<TPages>
    where TPages : struct, IPageSource
{
    private TPages _pages;
    private PageMap _pageMap;
    private SlabCaches _slabs;
    private LargeBlocks _large;
    private bool _debug;
    private HeapFault _lastFault;
    private ulong _faultCount;
    private ulong _bytesInUse;
    private ulong _allocations;
    private ulong _frees;
    private ulong _failedAllocations;

    /// <param name="pages">Where the heap gets pages.</param>
    /// <param name="debug">Fill freed memory with 0xDEADBEEF and check the fill when a block is
    /// handed out again, so writes after free are reported.</param>
    public KernelHeap(TPages pages, bool debug)
    {
        _pages = pages;
        _debug = debug;
    }

    public readonly bool DebugMode => _debug;

    /// <summary>Number of faults reported since construction (misused frees and, in debug mode,
    /// writes after free).</summary>
    public readonly ulong FaultCount => _faultCount;

    /// <summary>The most recent fault; <see cref="HeapError.None"/> if there was none.</summary>
    public readonly HeapFault LastFault => _lastFault;

    /// <summary>The page source (a copy), for inspecting its own counters.</summary>
    public readonly TPages PageSource => _pages;

    /// <summary><paramref name="size"/> bytes, 16-byte aligned; null when out of memory. In debug
    /// mode the memory holds the 0xDEADBEEF fill; otherwise whatever was there.</summary>
    public void* Allocate(nuint size) => Allocate(size, HeapGeometry.DefaultAlignment);

    /// <summary><paramref name="size"/> bytes aligned to <paramref name="alignment"/> (a power of
    /// two; below 16 counts as 16). Null when out of memory or for a bad alignment.</summary>
    public void* Allocate(nuint size, nuint alignment)
    {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        {
            _failedAllocations++;
            return null;
        }

        if (alignment < HeapGeometry.DefaultAlignment)
        {
            alignment = HeapGeometry.DefaultAlignment;
        }

        byte* p;
        nuint usable;
        HeapFault corruption;
        nuint slabSize = size > alignment ? size : alignment;
        if (slabSize <= HeapGeometry.MaxSlabObjectSize)
        {
            // Slab objects are aligned to their own size, so the class alone honours alignment.
            int c = SlabCaches.ClassOf(slabSize);
            p = _slabs.Allocate(ref _pages, ref _pageMap, c, _debug, out corruption);
            usable = SlabPage.ObjectSize(c);
        }
        else
        {
            p = _large.Allocate(ref _pages, ref _pageMap, size, alignment, _debug, out usable, out corruption);
        }

        if (p == null)
        {
            _failedAllocations++;
            return null;
        }

        if (corruption.IsError)
        {
            Report(corruption);
        }

        _allocations++;
        _bytesInUse += usable;
        return p;
    }

    /// <summary>Like <see cref="Allocate(nuint)"/>, with the first <paramref name="size"/> bytes
    /// zeroed: what the runtime's object allocation (RhpNewFast) needs.</summary>
    public void* AllocateZeroed(nuint size) => AllocateZeroed(size, HeapGeometry.DefaultAlignment);

    public void* AllocateZeroed(nuint size, nuint alignment)
    {
        void* p = Allocate(size, alignment);
        if (p != null)
        {
            Poison.Zero((byte*)p, size);
        }

        return p;
    }

    /// <summary>
    /// Frees a block. Null is ignored. A pointer the heap never handed out (or an interior
    /// pointer) gives <see cref="HeapError.InvalidPointer"/>, an already freed block
    /// <see cref="HeapError.DoubleFree"/>; either way nothing changes and the fault is recorded.
    /// A double free whose page has since gone back to the page source reads as InvalidPointer.
    /// </summary>
    public HeapFault Free(void* p)
    {
        if (p == null)
        {
            return default;
        }

        HeapFault fault;
        nuint usable;
        ulong entry = _pageMap.LookupCached((nuint)p);
        if (entry == 0)
        {
            fault = new HeapFault(HeapError.InvalidPointer, (nuint)p, 0);
            usable = 0;
        }
        else if ((entry & PageMap.KindMask) == (ulong)SpanKind.Slab)
        {
            fault = _slabs.Free(ref _pages, ref _pageMap, (SlabPage*)(entry & ~PageMap.KindMask), (byte*)p, _debug, out usable);
        }
        else
        {
            fault = _large.Free(ref _pages, ref _pageMap, (Arena*)(entry & ~PageMap.KindMask), (byte*)p, _debug, out usable);
        }

        if (fault.IsError)
        {
            Report(fault);
            return fault;
        }

        _frees++;
        _bytesInUse -= usable;
        return fault;
    }

    /// <summary>Usable bytes of the live block at <paramref name="p"/> (at least what was asked
    /// for); 0 if p is not a live block's start. For krealloc.</summary>
    public readonly nuint UsableSize(void* p)
    {
        ulong entry = _pageMap.Lookup((nuint)p);
        if (entry == 0)
        {
            return 0;
        }

        if ((entry & PageMap.KindMask) == (ulong)SpanKind.Arena)
        {
            return LargeBlocks.UsableSize((Arena*)(entry & ~PageMap.KindMask), (byte*)p);
        }

        SlabPage* page = (SlabPage*)(entry & ~PageMap.KindMask);
        int c = page->ClassIndex;
        int shift = SlabPage.ObjectShift(c);
        nuint size = (nuint)1 << shift;
        nuint first = SlabPage.FirstObjectOffset(c);
        nuint offset = (nuint)((byte*)p - (byte*)page);
        if (offset < first || ((offset - first) & (size - 1)) != 0 || (offset - first) >> shift >= page->Capacity)
        {
            return 0;
        }

        int index = (int)((offset - first) >> shift);
        return (page->FreeMap[index >> 6] & (1UL << (index & 63))) != 0 ? 0 : size;
    }

    /// <summary>Gives every cached empty slab page and arena, and every page-map node that maps
    /// nothing, back to the page source. With no live blocks, the heap then holds no pages.</summary>
    public void Trim()
    {
        _slabs.Trim(ref _pages, ref _pageMap);
        _large.Trim(ref _pages, ref _pageMap);
        _pageMap.Trim(ref _pages);
    }

    public readonly HeapStatistics Statistics
    {
        get
        {
            HeapStatistics s = default;
            s.BytesInUse = _bytesInUse;
            s.PageMapBytes = _pageMap.NodePages * HeapGeometry.PageSize;
            s.BytesFromPageSource = (_slabs.TotalPages + _large.ArenaPages + _pageMap.NodePages) * HeapGeometry.PageSize;
            s.Allocations = _allocations;
            s.Frees = _frees;
            s.FailedAllocations = _failedAllocations;
            s.Arenas = _large.ArenaCount;
            return s;
        }
    }

    /// <summary>Counters of slab class <paramref name="classIndex"/> (0 = 16 bytes … 4 = 256 bytes).</summary>
    public readonly SlabClassStatistics GetSlabClassStatistics(int classIndex) =>
        classIndex >= 0 && classIndex < HeapGeometry.SlabClassCount ? _slabs.Statistics(classIndex) : default;

    /// <summary>Walks every internal structure and checks its invariants (slab lists, arena block
    /// tiling, free lists). For tests and kernel self-checks; cost is proportional to the heap.</summary>
    public readonly bool Validate() => _slabs.Validate() && _large.Validate();

    private void Report(HeapFault fault)
    {
        _lastFault = fault;
        _faultCount++;
    }
}
