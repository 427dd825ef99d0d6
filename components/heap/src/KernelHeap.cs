using System.Runtime.CompilerServices;

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
    // The hot paths read _debug, the page map's cache and the slab classes' heads and
    // counters: they sit together at the start.
    private bool _debug;
    private PageMap _pageMap;
    private SlabCaches _slabs;
    private TPages _pages;
    private LargeBlocks _large;
    private HeapFault _lastFault;
    private ulong _faultCount;

    // Counters of large blocks; the slab classes keep their own, and Statistics adds them up.
    private ulong _largeBytesInUse;
    private ulong _largeAllocations;
    private ulong _largeFrees;
    private ulong _failedAllocations;

    /// <param name="pages">Where the heap gets pages.</param>
    /// <param name="debug">Fill freed memory with 0xDEADBEEF and check the fill when a block is
    /// handed out again, so writes after free are reported.</param>
    public KernelHeap(TPages pages, bool debug)
    {
        _pages = pages;
        _debug = debug;
    }

    /// <summary>Whether this heap fills freed blocks with 0xDEADBEEF and checks the fill when it
    /// hands them out again (the <c>debug</c> argument of the constructor).</summary>
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Allocate(nuint size)
    {
        // Hot path: 1-256 bytes from a class that has a page with a free object, no debug
        // check. Everything else (size 0, large blocks, a new page, debug mode) takes the
        // general path, which makes the same checks again.
        if (size - 1 < HeapGeometry.MaxSlabObjectSize && !_debug)
        {
            byte* p = _slabs.TryTake(SlabCaches.ClassOf(size));
            if (p != null)
            {
                return p;
            }
        }

        return Allocate(size, HeapGeometry.DefaultAlignment);
    }

    /// <summary><paramref name="size"/> bytes aligned to <paramref name="alignment"/> (a power of
    /// two; below 16 counts as 16). Null when out of memory or for a bad alignment.</summary>
    /// <remarks>Also the slow path of <see cref="Allocate(nuint)"/>: kept out of line so the
    /// inlined hot path stays small and needs few registers (measured: without it the host JIT
    /// sometimes inlines it and the pair costs about 1 ns more).</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
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

        nuint slabSize = size > alignment ? size : alignment;
        if (slabSize <= HeapGeometry.MaxSlabObjectSize)
        {
            // Slab objects are aligned to their own size, so the class alone honours alignment.
            int c = SlabCaches.ClassOf(slabSize);
            byte* obj = _slabs.Take(ref _pages, ref _pageMap, c, _debug);
            if (obj == null)
            {
                _failedAllocations++;
                return null;
            }

            if (_debug)
            {
                CheckFill(obj, SlabPage.ObjectSize(c));
            }

            return obj;
        }

        byte* p = _large.Allocate(ref _pages, ref _pageMap, size, alignment, _debug, out nuint usable, out HeapFault corruption);
        if (p == null)
        {
            _failedAllocations++;
            return null;
        }

        if (corruption.IsError)
        {
            Report(corruption);
        }

        _largeAllocations++;
        _largeBytesInUse += usable;
        return p;
    }

    /// <summary>Like <see cref="Allocate(nuint)"/>, with the first <paramref name="size"/> bytes
    /// zeroed: what the runtime's object allocation (RhpNewFast) needs.</summary>
    public void* AllocateZeroed(nuint size)
    {
        void* p = Allocate(size);
        if (p != null)
        {
            Poison.Zero((byte*)p, size);
        }

        return p;
    }

    /// <summary>Like <see cref="Allocate(nuint, nuint)"/>, with the first <paramref name="size"/>
    /// bytes zeroed. Null when out of memory or for a bad alignment.</summary>
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HeapFault Free(void* p)
    {
        // Hot path: an object in a slab page the page map found recently. The page map is
        // still consulted (through its slab cache) before the slab header is read, and the
        // slab checks the object boundary and the free bit; anything else goes the general way.
        if (_pageMap.IsCachedSlab((nuint)p) && !_debug &&
            _slabs.TryFree((SlabPage*)((nuint)p & ~(HeapGeometry.PageSize - 1)), (byte*)p))
        {
            return default;
        }

        return FreeSlow(p);
    }

    /// <summary>Every Free the hot path does not finish: null, a page not in the slab cache,
    /// large blocks, debug mode, list or page-source work, and misuse. Out of line, like the
    /// slow path of Allocate.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private HeapFault FreeSlow(void* p)
    {
        if (p == null)
        {
            return default;
        }

        HeapFault fault;
        ulong entry = _pageMap.LookupCached((nuint)p);
        if (entry == 0)
        {
            fault = new HeapFault(HeapError.InvalidPointer, (nuint)p, 0);
        }
        else if ((entry & PageMap.KindMask) == (ulong)SpanKind.Slab)
        {
            SlabPage* page = (SlabPage*)(entry & ~PageMap.KindMask);
            if (_slabs.Free(ref _pages, ref _pageMap, page, (byte*)p, _debug))
            {
                return default;
            }

            fault = SlabCaches.Diagnose(page, (byte*)p);
        }
        else
        {
            fault = _large.Free(ref _pages, ref _pageMap, (Arena*)(entry & ~PageMap.KindMask), (byte*)p, _debug, out nuint usable);
            if (!fault.IsError)
            {
                _largeFrees++;
                _largeBytesInUse -= usable;
                return fault;
            }
        }

        Report(fault);
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

        return SlabCaches.UsableSize((SlabPage*)(entry & ~PageMap.KindMask), (byte*)p);
    }

    /// <summary>Gives every cached empty slab page and arena, and every page-map node that maps
    /// nothing, back to the page source. With no live blocks, the heap then holds no pages.</summary>
    public void Trim()
    {
        _slabs.Trim(ref _pages, ref _pageMap);
        _large.Trim(ref _pages, ref _pageMap);
        _pageMap.Trim(ref _pages);
    }

    /// <summary>The heap's counters. Slab figures are read off the slab pages (the hot paths
    /// keep no heap-wide counters), so this costs time proportional to the pages held.</summary>
    public readonly HeapStatistics Statistics
    {
        get
        {
            HeapStatistics s = default;
            s.BytesInUse = _slabs.BytesInUse + _largeBytesInUse;
            s.PageMapBytes = _pageMap.NodePages * HeapGeometry.PageSize;
            s.BytesFromPageSource = (_slabs.TotalPages + _large.ArenaPages + _pageMap.NodePages) * HeapGeometry.PageSize;
            s.Allocations = _slabs.Allocations + _largeAllocations;
            s.Frees = _slabs.Frees + _largeFrees;
            s.FailedAllocations = _failedAllocations;
            s.Arenas = _large.ArenaCount;
            return s;
        }
    }

    /// <summary>Counters of slab class <paramref name="classIndex"/> (0 = 16 bytes … 4 = 256 bytes),
    /// read off the class's pages.</summary>
    public readonly SlabClassStatistics GetSlabClassStatistics(int classIndex) =>
        classIndex >= 0 && classIndex < HeapGeometry.SlabClassCount ? _slabs.Statistics(classIndex) : default;

    /// <summary>Walks every internal structure and checks its invariants (slab lists, arena block
    /// tiling, free lists). For tests and kernel self-checks; cost is proportional to the heap.</summary>
    public readonly bool Validate() => _slabs.Validate() && _large.Validate();

    /// <summary>Debug mode: reports a write after free if the object handed out lost the fill.</summary>
    private void CheckFill(byte* obj, nuint size)
    {
        byte* overwritten = Poison.FindOverwrite(obj, size);
        if (overwritten != null)
        {
            Report(new HeapFault(HeapError.WriteAfterFree, (nuint)overwritten, (nuint)obj));
        }
    }

    private void Report(HeapFault fault)
    {
        _lastFault = fault;
        _faultCount++;
    }
}
