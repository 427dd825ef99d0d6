using System.Numerics;

namespace Aurora.Heap;

/// <summary>
/// The five slab classes. Each keeps a doubly linked list of its pages that have a free object;
/// full pages are in no list (Free finds them through the page map). A page that becomes empty
/// goes back to the page source, except one per class that is kept to absorb alloc/free churn.
/// Per-class state sits in fixed arrays so the heap stays a plain struct without references.
/// </summary>
internal unsafe struct SlabCaches
{
    private const int Classes = HeapGeometry.SlabClassCount;

    private fixed ulong _partial[Classes];
    private fixed ulong _pages[Classes];
    private fixed ulong _emptyPages[Classes];
    private fixed ulong _live[Classes];
    private fixed ulong _allocations[Classes];
    private fixed ulong _frees[Classes];

    internal readonly ulong TotalPages
    {
        get
        {
            ulong pages = 0;
            for (int c = 0; c < Classes; c++)
            {
                pages += _pages[c];
            }

            return pages;
        }
    }

    /// <summary>Class of a request already raised to its alignment; size must be at most 256.</summary>
    internal static int ClassOf(nuint size) => size <= 16 ? 0 : BitOperations.Log2((ulong)size - 1) - 3;

    internal readonly SlabClassStatistics Statistics(int classIndex)
    {
        SlabClassStatistics s = default;
        s.ObjectSize = (uint)SlabPage.ObjectSize(classIndex);
        s.ObjectsPerPage = (uint)SlabPage.ObjectsPerPage(classIndex);
        s.Pages = _pages[classIndex];
        s.EmptyPages = _emptyPages[classIndex];
        s.LiveObjects = _live[classIndex];
        s.Allocations = _allocations[classIndex];
        s.Frees = _frees[classIndex];
        return s;
    }

    internal byte* Allocate<TPages>(ref TPages source, ref PageMap map, int c, bool debug, out HeapFault corruption)
        where TPages : struct, IPageSource
    {
        corruption = default;
        SlabPage* page = (SlabPage*)_partial[c];
        if (page == null)
        {
            page = NewPage(ref source, ref map, c, debug);
            if (page == null)
            {
                return null;
            }
        }

        int word = 0;
        while (page->FreeMap[word] == 0)
        {
            word++;
        }

        int bit = BitOperations.TrailingZeroCount(page->FreeMap[word]);
        page->FreeMap[word] &= ~(1UL << bit);
        if (page->FreeCount == page->Capacity)
        {
            _emptyPages[c]--;
        }

        page->FreeCount--;
        if (page->FreeCount == 0)
        {
            Unlink(page);
        }

        nuint size = SlabPage.ObjectSize(c);
        byte* obj = (byte*)page + SlabPage.FirstObjectOffset(c) + ((nuint)((word * 64) + bit) << SlabPage.ObjectShift(c));
        if (debug)
        {
            byte* overwritten = Poison.FindOverwrite(obj, size);
            if (overwritten != null)
            {
                corruption = new HeapFault(HeapError.WriteAfterFree, (nuint)overwritten, (nuint)obj);
            }
        }

        _live[c]++;
        _allocations[c]++;
        return obj;
    }

    /// <summary>Frees <paramref name="p"/>, which the page map says lies in slab
    /// <paramref name="page"/>. Only exact object starts of allocated objects are accepted.</summary>
    internal HeapFault Free<TPages>(ref TPages source, ref PageMap map, SlabPage* page, byte* p, bool debug, out nuint size)
        where TPages : struct, IPageSource
    {
        int c = page->ClassIndex;
        int shift = SlabPage.ObjectShift(c);
        size = (nuint)1 << shift;
        nuint first = SlabPage.FirstObjectOffset(c);
        nuint offset = (nuint)(p - (byte*)page);
        if (offset < first || ((offset - first) & (size - 1)) != 0 || (offset - first) >> shift >= page->Capacity)
        {
            bool inObject = offset >= first && (offset - first) >> shift < page->Capacity;
            nuint containing = inObject ? (nuint)page + first + ((offset - first) & ~(size - 1)) : 0;
            return new HeapFault(HeapError.InvalidPointer, (nuint)p, containing);
        }

        int index = (int)((offset - first) >> shift);
        ulong mask = 1UL << (index & 63);
        if ((page->FreeMap[index >> 6] & mask) != 0)
        {
            return new HeapFault(HeapError.DoubleFree, (nuint)p, (nuint)p);
        }

        if (debug)
        {
            Poison.Fill(p, size);
        }

        page->FreeMap[index >> 6] |= mask;
        page->FreeCount++;
        _live[c]--;
        _frees[c]++;
        if (page->Listed == 0)
        {
            Push(page);
        }

        if (page->FreeCount == page->Capacity)
        {
            _emptyPages[c]++;
            if (_emptyPages[c] > 1)
            {
                Release(ref source, ref map, page);
            }
        }

        return default;
    }

    /// <summary>Gives every empty slab page back to the page source.</summary>
    internal void Trim<TPages>(ref TPages source, ref PageMap map)
        where TPages : struct, IPageSource
    {
        for (int c = 0; c < Classes; c++)
        {
            SlabPage* page = (SlabPage*)_partial[c];
            while (page != null)
            {
                SlabPage* next = page->Next;
                if (page->FreeCount == page->Capacity)
                {
                    Release(ref source, ref map, page);
                }

                page = next;
            }
        }
    }

    /// <summary>Walks the partial lists: counts match the bitmaps, links are consistent.</summary>
    internal readonly bool Validate()
    {
        for (int c = 0; c < Classes; c++)
        {
            ulong empty = 0;
            ulong listed = 0;
            SlabPage* prev = null;
            for (SlabPage* page = (SlabPage*)_partial[c]; page != null; page = page->Next)
            {
                int free = 0;
                for (int w = 0; w < 4; w++)
                {
                    free += BitOperations.PopCount(page->FreeMap[w]);
                }

                if (page->Prev != prev || page->ClassIndex != c || page->Listed != 1 || free != page->FreeCount ||
                    free == 0 || page->Capacity != SlabPage.ObjectsPerPage(c) || ++listed > _pages[c])
                {
                    return false;
                }

                empty += free == page->Capacity ? 1UL : 0;
                prev = page;
            }

            if (empty != _emptyPages[c] || empty > 1)
            {
                return false;
            }
        }

        return true;
    }

    private SlabPage* NewPage<TPages>(ref TPages source, ref PageMap map, int c, bool debug)
        where TPages : struct, IPageSource
    {
        byte* memory = source.AllocatePages(1);
        if (memory == null)
        {
            return null;
        }

        if (((nuint)memory & (HeapGeometry.PageSize - 1)) != 0 || !map.Prepare(ref source, memory, 1))
        {
            source.FreePages(memory, 1);
            return null;
        }

        SlabPage* page = (SlabPage*)memory;
        int capacity = SlabPage.ObjectsPerPage(c);
        for (int w = 0; w < 4; w++)
        {
            int bits = capacity - (w * 64);
            page->FreeMap[w] = bits >= 64 ? ~0UL : bits <= 0 ? 0 : (1UL << bits) - 1;
        }

        page->FreeCount = (ushort)capacity;
        page->Capacity = (ushort)capacity;
        page->ClassIndex = (byte)c;
        page->Listed = 0;
        page->Next = null;
        page->Prev = null;
        if (debug)
        {
            Poison.Fill(memory + SlabPage.FirstObjectOffset(c), (nuint)capacity * SlabPage.ObjectSize(c));
        }

        map.SetRange(memory, 1, (ulong)memory | (ulong)SpanKind.Slab);
        Push(page);
        _pages[c]++;
        _emptyPages[c]++;
        return page;
    }

    private void Release<TPages>(ref TPages source, ref PageMap map, SlabPage* page)
        where TPages : struct, IPageSource
    {
        int c = page->ClassIndex;
        Unlink(page);
        map.SetRange((byte*)page, 1, 0);
        _pages[c]--;
        _emptyPages[c]--;
        source.FreePages((byte*)page, 1);
    }

    private void Push(SlabPage* page)
    {
        int c = page->ClassIndex;
        SlabPage* head = (SlabPage*)_partial[c];
        page->Prev = null;
        page->Next = head;
        if (head != null)
        {
            head->Prev = page;
        }

        _partial[c] = (ulong)page;
        page->Listed = 1;
    }

    private void Unlink(SlabPage* page)
    {
        if (page->Prev != null)
        {
            page->Prev->Next = page->Next;
        }
        else
        {
            _partial[page->ClassIndex] = (ulong)page->Next;
        }

        if (page->Next != null)
        {
            page->Next->Prev = page->Prev;
        }

        page->Next = null;
        page->Prev = null;
        page->Listed = 0;
    }
}
