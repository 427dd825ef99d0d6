using System.Runtime.CompilerServices;

namespace Aurora.Heap;

/// <summary>
/// Which heap span owns each page: a radix tree over address bits 47..12, four levels of nine
/// bits like x86-64 4-level paging (Intel SDM Vol. 3A, 4.5), each node one 4 KiB page from the
/// page source. Free looks a pointer up here before touching any memory near it, so a pointer
/// the heap never handed out is recognised without being dereferenced.
/// An entry is the owning span's base address with its <see cref="SpanKind"/> in the low bits;
/// 0 means "not heap memory".
/// </summary>
internal unsafe struct PageMap
{
    internal const ulong KindMask = 0xFFF;

    private const int EntriesPerNode = 512;

    private const int SlabCacheEntries = 16;

    // Slab pages found by recent lookups, direct-mapped by the low bits of the page number:
    // the hot path of Free checks its pointer against one slot with one compare, instead of
    // walking four levels. A slot holds the page's entry (its address with the slab kind bit),
    // or 0. Cleared whenever an entry changes.
    private fixed ulong _slabCache[SlabCacheEntries];

    // The page looked up last and its entry, of any kind (the large-block paths use it).
    // Dropped whenever an entry changes. Invariant: _cachedEntry is 0 while _cachedPage is 0
    // (nothing cached, or the default struct), so page 0 never reads as cached heap memory.
    private nuint _cachedPage;
    private ulong _cachedEntry;

    private ulong* _root;
    private ulong _nodePages;

    internal readonly ulong NodePages => _nodePages;

    /// <summary>x86-64 canonical form with 48-bit linear addresses: bits 63..47 all equal.</summary>
    internal static bool IsCanonical(nuint address)
    {
        ulong top = (ulong)address >> 47;
        return top == 0 || top == 0x1FFFF;
    }

    // Shifted as 64 bits: on a 32-bit target (wasm32) a nuint shift by 39 would be taken mod 32.
    private static nuint Index(nuint address, int level) => (nuint)(((ulong)address >> (12 + (9 * level))) & (EntriesPerNode - 1));

    private static int SlabCacheSlot(ulong page) => (int)(page >> 12) & (SlabCacheEntries - 1);

    /// <summary>True if <paramref name="address"/> lies in a slab page that a recent lookup
    /// found: the check before the hot path of Free reads the slab's header. False may just
    /// mean "not cached".</summary>
    /// <remarks>One compare: a slab's entry is its own page's address with the kind bit, so a
    /// slot holding "this page, slab" can only have been filled for this page, and a slot
    /// holding 0 or another page's entry never matches (page 0, null included, is never
    /// heap memory: its entry would be 1).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly bool IsCachedSlab(nuint address)
    {
        ulong page = (ulong)address & ~(ulong)(HeapGeometry.PageSize - 1);
        return _slabCache[SlabCacheSlot(page)] == (page | (ulong)SpanKind.Slab);
    }

    /// <summary><see cref="Lookup"/> through the caches: the page looked up last, and for
    /// slab pages the slab cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong LookupCached(nuint address)
    {
        nuint page = address & ~(HeapGeometry.PageSize - 1);
        if (page == _cachedPage && page != 0)
        {
            return _cachedEntry;
        }

        return LookupAndCache(address);
    }

    private ulong LookupAndCache(nuint address)
    {
        ulong entry = Lookup(address);
        if (entry != 0)
        {
            ulong page = (ulong)address & ~(ulong)(HeapGeometry.PageSize - 1);
            _cachedPage = (nuint)page;
            _cachedEntry = entry;
            if ((entry & KindMask) == (ulong)SpanKind.Slab)
            {
                _slabCache[SlabCacheSlot(page)] = entry;
            }
        }

        return entry;
    }

    /// <summary>The entry for the page holding <paramref name="address"/>, or 0.</summary>
    internal readonly ulong Lookup(nuint address)
    {
        if (_root == null || !IsCanonical(address))
        {
            return 0;
        }

        ulong* node = _root;
        for (int level = 3; level > 0; level--)
        {
            ulong next = node[Index(address, level)];
            if (next == 0)
            {
                return 0;
            }

            node = (ulong*)next;
        }

        return node[Index(address, 0)];
    }

    /// <summary>Makes sure every node on the paths to the pages of [<paramref name="start"/>,
    /// +<paramref name="pages"/> pages) exists, so a later <see cref="SetRange"/> cannot fail.
    /// False when the page source runs dry (nodes made so far stay; <see cref="Trim{TPages}"/>
    /// returns empty ones).</summary>
    internal bool Prepare<TPages>(ref TPages source, byte* start, nuint pages)
        where TPages : struct, IPageSource
    {
        if (!IsCanonical((nuint)start) || !IsCanonical((nuint)(start + ((pages - 1) * HeapGeometry.PageSize))))
        {
            return false;
        }

        if (_root == null)
        {
            _root = NewNode(ref source);
            if (_root == null)
            {
                return false;
            }
        }

        // One leaf covers 512 pages: visiting one page per leaf (plus the last) is enough.
        nuint address = (nuint)start;
        nuint end = (nuint)start + (pages * HeapGeometry.PageSize);
        while (address < end)
        {
            ulong* node = _root;
            for (int level = 3; level > 0; level--)
            {
                ulong* slot = node + Index(address, level);
                if (*slot == 0)
                {
                    ulong* child = NewNode(ref source);
                    if (child == null)
                    {
                        return false;
                    }

                    *slot = (ulong)child;
                }

                node = (ulong*)*slot;
            }

            nuint next = (address | ((EntriesPerNode * HeapGeometry.PageSize) - 1)) + 1;
            if (next < address)
            {
                break; // The run ends at the very top of the address space.
            }

            address = next;
        }

        return true;
    }

    /// <summary>Sets the entry of every page in the run; <see cref="Prepare{TPages}"/> must have
    /// succeeded for it.</summary>
    internal void SetRange(byte* start, nuint pages, ulong value)
    {
        _cachedPage = 0;
        _cachedEntry = 0;
        for (int slot = 0; slot < SlabCacheEntries; slot++)
        {
            _slabCache[slot] = 0;
        }

        for (nuint i = 0; i < pages; i++)
        {
            nuint address = (nuint)start + (i * HeapGeometry.PageSize);
            ulong* node = _root;
            for (int level = 3; level > 0; level--)
            {
                node = (ulong*)node[Index(address, level)];
            }

            node[Index(address, 0)] = value;
        }
    }

    private ulong* NewNode<TPages>(ref TPages source)
        where TPages : struct, IPageSource
    {
        byte* page = source.AllocatePages(1);
        if (page == null)
        {
            return null;
        }

        if (((nuint)page & (HeapGeometry.PageSize - 1)) != 0)
        {
            source.FreePages(page, 1);
            return null;
        }

        Poison.Zero(page, HeapGeometry.PageSize);
        _nodePages++;
        return (ulong*)page;
    }

    /// <summary>Gives every node that maps nothing back to the page source.</summary>
    internal void Trim<TPages>(ref TPages source)
        where TPages : struct, IPageSource
    {
        if (_root != null && TrimNode(ref source, _root, 3))
        {
            source.FreePages((byte*)_root, 1);
            _nodePages--;
            _root = null;
        }
    }

    private bool TrimNode<TPages>(ref TPages source, ulong* node, int level)
        where TPages : struct, IPageSource
    {
        bool empty = true;
        for (int i = 0; i < EntriesPerNode; i++)
        {
            if (node[i] == 0)
            {
                continue;
            }

            if (level > 0 && TrimNode(ref source, (ulong*)node[i], level - 1))
            {
                source.FreePages((byte*)node[i], 1);
                _nodePages--;
                node[i] = 0;
                continue;
            }

            empty = false;
        }

        return empty;
    }
}

/// <summary>What a page-map entry points at.</summary>
internal enum SpanKind : ulong
{
    Slab = 1,
    Arena = 2,
}

/// <summary>Sizes the heap is built around.</summary>
public static class HeapGeometry
{
    /// <summary>Size of a page from the page source, and of a slab.</summary>
    public const nuint PageSize = 4096;

    /// <summary>Alignment of every block unless a larger one is asked for.</summary>
    public const nuint DefaultAlignment = 16;

    /// <summary>Slab classes: 16, 32, 64, 128 and 256 bytes.</summary>
    public const int SlabClassCount = 5;

    /// <summary>Largest request (after raising it to its alignment) served by a slab.</summary>
    public const nuint MaxSlabObjectSize = 256;

    /// <summary>Largest block the large-block allocator serves (TLSF size classes end here).</summary>
    public const ulong MaxBlockSize = 1UL << 40;
}
