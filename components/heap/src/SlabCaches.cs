using System.Numerics;
using System.Runtime.CompilerServices;

namespace Aurora.Heap;

/// <summary>
/// The five slab classes. Each keeps two doubly linked lists of its pages: the partial list
/// (pages with a free object; allocation takes from its first page) and the full list. A page
/// that becomes empty goes back to the page source, except one per class that is kept to absorb
/// alloc/free churn. The kept empty page is always the last of the partial list: allocation
/// prefers partly used pages, and the hot paths recognise the one page allowed to be empty by
/// its place, without counting free objects. Per-class state sits in fixed arrays so the heap
/// stays a plain struct without references.
/// </summary>
/// <remarks>
/// The hot paths write nothing but the page they work on: the bitmap word, and on free the
/// page's own free counter. Statistics are computed when read, by walking the class's pages
/// (live objects from the bitmaps, frees from the page counters plus those of pages already
/// given back, allocations = frees + live objects).
/// </remarks>
internal unsafe struct SlabCaches
{
    private const int Classes = HeapGeometry.SlabClassCount;

    // First and last page of each class's partial list: the fields the hot paths read.
    private fixed ulong _head[Classes];
    private fixed ulong _tail[Classes];

    private fixed ulong _full[Classes];
    private fixed ulong _pages[Classes];

    /// <summary>Frees counted by pages that went back to the page source.</summary>
    private fixed ulong _retiredFrees[Classes];

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

    /// <summary>Bytes of the live objects of every class (walks every page).</summary>
    internal readonly ulong BytesInUse
    {
        get
        {
            ulong bytes = 0;
            for (int c = 0; c < Classes; c++)
            {
                bytes += Statistics(c).LiveObjects * SlabPage.ObjectSize(c);
            }

            return bytes;
        }
    }

    /// <summary>Allocations of every class (walks every page).</summary>
    internal readonly ulong Allocations
    {
        get
        {
            ulong count = 0;
            for (int c = 0; c < Classes; c++)
            {
                count += Statistics(c).Allocations;
            }

            return count;
        }
    }

    /// <summary>Frees of every class (walks every page).</summary>
    internal readonly ulong Frees
    {
        get
        {
            ulong count = 0;
            for (int c = 0; c < Classes; c++)
            {
                count += Statistics(c).Frees;
            }

            return count;
        }
    }

    /// <summary>Class of a request of 1 to 256 bytes already raised to its alignment:
    /// log2 of the next power of two, counted from 16 (sizes up to 16 are class 0). No branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ClassOf(nuint size) => BitOperations.Log2((ulong)(size - 1) | 15) - 3;

    /// <summary>Counters of class <paramref name="classIndex"/>, read off its pages
    /// (proportional to the number of pages).</summary>
    internal readonly SlabClassStatistics Statistics(int classIndex)
    {
        int c = classIndex;
        SlabClassStatistics s = default;
        s.ObjectSize = (uint)SlabPage.ObjectSize(c);
        s.ObjectsPerPage = (uint)SlabPage.ObjectsPerPage(c);
        s.Pages = _pages[c];
        s.Frees = _retiredFrees[c];
        for (int list = 0; list < 2; list++)
        {
            for (SlabPage* page = (SlabPage*)(list == 0 ? _head[c] : _full[c]); page != null; page = page->Next)
            {
                int free = FreeObjects(page);
                s.LiveObjects += (ulong)(page->Capacity - free);
                s.Frees += page->Frees;
                s.EmptyPages += free == page->Capacity ? 1UL : 0;
            }
        }

        s.Allocations = s.Frees + s.LiveObjects;
        return s;
    }

    // Allocation and free each come twice: TryTake/TryFree are the hot paths, inlined into the
    // caller, and either do the whole job or change nothing and return null/false. They make no
    // calls, so the JIT keeps everything in registers, and they keep no free-object count, so
    // an alloc/free pair has one read-modify-write of page memory each way (the bitmap word)
    // rather than two. The rare cases (a page may fill up, a full page gets a free object back,
    // a page other than the last may become empty) and debug mode are left to Take/Free, which
    // handle every case.

    /// <summary>Hot path of <see cref="Take{TPages}"/>: an object of class <paramref name="c"/>
    /// from the first page of the class's partial list, or null (changing nothing) when the list
    /// is empty or the object may be the page's last free one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* TryTake(int c)
    {
        SlabPage* page = (SlabPage*)_head[c];
        return page != null ? TakeFrom(page, c, mayEmptyWord: false) : null;
    }

    /// <summary>An object of class <paramref name="c"/>, from a new page if the class has no
    /// free object; null when the page source is out of pages. The debug-fill check is the
    /// caller's.</summary>
    internal byte* Take<TPages>(ref TPages source, ref PageMap map, int c, bool debug)
        where TPages : struct, IPageSource
    {
        SlabPage* page = (SlabPage*)_head[c];
        if (page == null)
        {
            if (!AddPage(ref source, ref map, c, debug))
            {
                return null;
            }

            page = (SlabPage*)_head[c];
        }

        byte* obj = TakeFrom(page, c, mayEmptyWord: true);
        if (FreeObjects(page) == 0)
        {
            Unlink(page);
            PushFull(page);
        }

        return obj;
    }

    /// <summary>Takes the lowest free object of <paramref name="page"/> (which has one); leaves
    /// the page's list membership to the caller. Unless <paramref name="mayEmptyWord"/>, refuses
    /// (null, nothing changed) to take the last free object of a bitmap word, which may be the
    /// last of the page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* TakeFrom(SlabPage* page, int c, bool mayEmptyWord)
    {
        // A page in the partial list has a free object, so the scan stops within the 4 words.
        ulong* word = page->FreeMap;
        nuint index = 0;
        ulong bits;
        while ((bits = *word) == 0)
        {
            word++;
            index += 64;
        }

        ulong rest = bits & (bits - 1); // the lowest set bit cleared
        if (rest == 0 && !mayEmptyWord)
        {
            return null;
        }

        *word = rest;
        index += (nuint)BitOperations.TrailingZeroCount(bits);
        return (byte*)page + page->FirstObject + (index << SlabPage.ObjectShift(c));
    }

    /// <summary>Index of the object that starts at <paramref name="p"/> in
    /// <paramref name="page"/>, or a value at or above the page's capacity when no object
    /// starts there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint IndexOf(SlabPage* page, byte* p)
    {
        // One test covers "below the first object", "not on an object boundary" and "past the
        // last object": rotating the offset right by log2(size) moves any misaligned low bits
        // to the top, and an offset below the first object has already wrapped to a huge value.
        // The rotation is as wide as a pointer, so the moved bits stay in the result on a
        // 32-bit target (wasm32) too.
        nuint offset = (nuint)(p - ((byte*)page + page->FirstObject));
        return (offset >> page->Shift) | (offset << ((sizeof(nuint) * 8) - page->Shift));
    }

    /// <summary>The bitmap word of object <paramref name="index"/> when every object it covers
    /// is free: all ones, or for the page's last word the bits below the capacity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FullWord(nuint index, int capacity) =>
        (index | 63) < (nuint)capacity ? ~0UL : ~0UL >> (-capacity & 63);

    /// <summary>
    /// Hot path of <see cref="Free{TPages}"/>, without debug fill: frees <paramref name="p"/>,
    /// which the page map says lies in slab <paramref name="page"/>, if it is the start of an
    /// allocated object and freeing it needs no list or page-source work. Otherwise changes
    /// nothing and returns false.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryFree(SlabPage* page, byte* p)
    {
        nuint index = IndexOf(page, p);
        int capacity = page->Capacity;
        if (index >= (nuint)capacity)
        {
            return false;
        }

        ulong* word = page->FreeMap + (index >> 6);
        ulong mask = 1UL << (int)index; // the shift count is taken mod 64
        ulong bits = *word;
        if ((bits & mask) != 0 || page->List != SlabPage.InPartialList)
        {
            return false; // already free, or the page is full and must move to the partial list
        }

        // Only the last page of the partial list may be empty. Another page whose word becomes
        // all free may be emptying: Free checks the whole page.
        ulong after = bits | mask;
        if ((ulong)page != _tail[page->ClassIndex] && after == FullWord(index, capacity))
        {
            return false;
        }

        *word = after;
        page->Frees++;
        return true;
    }

    /// <summary>
    /// Frees <paramref name="p"/>, which the page map says lies in slab <paramref name="page"/>,
    /// if it is the start of an allocated object; otherwise changes nothing and returns false
    /// (<see cref="Diagnose"/> then says why). In debug mode the object is filled first.
    /// </summary>
    internal bool Free<TPages>(ref TPages source, ref PageMap map, SlabPage* page, byte* p, bool debug)
        where TPages : struct, IPageSource
    {
        nuint index = IndexOf(page, p);
        if (index >= page->Capacity)
        {
            return false;
        }

        ulong mask = 1UL << (int)index;
        if ((page->FreeMap[index >> 6] & mask) != 0)
        {
            return false; // already free
        }

        int c = page->ClassIndex;
        if (debug)
        {
            Poison.Fill(p, SlabPage.ObjectSize(c));
        }

        page->FreeMap[index >> 6] |= mask;
        page->Frees++;
        if (page->List == SlabPage.InFullList)
        {
            Unlink(page);
            Push(page); // first in the partial list: partly used pages are allocated from first
        }

        SlabPage* tail = (SlabPage*)_tail[c];
        if (page != tail && IsEmpty(page))
        {
            // Keep one empty page, as the last of the partial list; give back any other.
            if (IsEmpty(tail))
            {
                Release(ref source, ref map, page);
            }
            else
            {
                Unlink(page);
                Append(page);
            }
        }

        return true;
    }

    /// <summary>Usable size of the live object at <paramref name="p"/> in
    /// <paramref name="page"/>; 0 if no live object starts there.</summary>
    internal static nuint UsableSize(SlabPage* page, byte* p)
    {
        nuint index = IndexOf(page, p);
        if (index >= page->Capacity || (page->FreeMap[index >> 6] & (1UL << (int)index)) != 0)
        {
            return 0;
        }

        return SlabPage.ObjectSize(page->ClassIndex);
    }

    /// <summary>Why <see cref="Free{TPages}"/> refused <paramref name="p"/>: not an object start
    /// (InvalidPointer, with the object that contains it, if any) or an object already free
    /// (DoubleFree).</summary>
    internal static HeapFault Diagnose(SlabPage* page, byte* p)
    {
        if (IndexOf(page, p) < page->Capacity)
        {
            return new HeapFault(HeapError.DoubleFree, (nuint)p, (nuint)p);
        }

        byte* objects = (byte*)page + page->FirstObject;
        nuint index = (nuint)(p - objects) >> page->Shift;
        nuint containing = p >= objects && index < page->Capacity ? (nuint)objects + (index << page->Shift) : 0;
        return new HeapFault(HeapError.InvalidPointer, (nuint)p, containing);
    }

    /// <summary>Gives every empty slab page back to the page source.</summary>
    internal void Trim<TPages>(ref TPages source, ref PageMap map)
        where TPages : struct, IPageSource
    {
        for (int c = 0; c < Classes; c++)
        {
            SlabPage* page = (SlabPage*)_head[c];
            while (page != null)
            {
                SlabPage* next = page->Next;
                if (IsEmpty(page))
                {
                    Release(ref source, ref map, page);
                }

                page = next;
            }
        }
    }

    /// <summary>Walks the lists: links are consistent, every page is in the list its bitmap
    /// says, only the partial list's last page is empty, and every page is in a list.</summary>
    internal readonly bool Validate()
    {
        for (int c = 0; c < Classes; c++)
        {
            ulong pages = 0;
            for (int list = 0; list < 2; list++)
            {
                byte expected = list == 0 ? SlabPage.InPartialList : SlabPage.InFullList;
                SlabPage* prev = null;
                for (SlabPage* page = (SlabPage*)(list == 0 ? _head[c] : _full[c]); page != null; page = page->Next)
                {
                    int free = FreeObjects(page);
                    if (page->Prev != prev || page->ClassIndex != c || page->List != expected ||
                        (list == 0 ? free == 0 || (free == page->Capacity && page->Next != null) : free != 0) ||
                        page->Capacity != SlabPage.ObjectsPerPage(c) || page->Shift != SlabPage.ObjectShift(c) ||
                        page->FirstObject != SlabPage.FirstObjectOffset(c) || ++pages > _pages[c])
                    {
                        return false;
                    }

                    prev = page;
                }

                if (list == 0 && (ulong)prev != _tail[c])
                {
                    return false;
                }
            }

            if (pages != _pages[c])
            {
                return false;
            }
        }

        return true;
    }

    private static int FreeObjects(SlabPage* page)
    {
        ulong* map = page->FreeMap;
        return BitOperations.PopCount(map[0]) + BitOperations.PopCount(map[1]) +
               BitOperations.PopCount(map[2]) + BitOperations.PopCount(map[3]);
    }

    private static bool IsEmpty(SlabPage* page) => FreeObjects(page) == page->Capacity;

    /// <summary>Gives class <paramref name="c"/>, whose partial list is empty, a fresh page (in
    /// debug mode holding the fill). False when the page source is out of pages.</summary>
    private bool AddPage<TPages>(ref TPages source, ref PageMap map, int c, bool debug)
        where TPages : struct, IPageSource
    {
        byte* memory = source.AllocatePages(1);
        if (memory == null)
        {
            return false;
        }

        if (((nuint)memory & (HeapGeometry.PageSize - 1)) != 0 || !map.Prepare(ref source, memory, 1))
        {
            source.FreePages(memory, 1);
            return false;
        }

        SlabPage* page = (SlabPage*)memory;
        int capacity = SlabPage.ObjectsPerPage(c);
        for (int w = 0; w < 4; w++)
        {
            int bits = capacity - (w * 64);
            page->FreeMap[w] = bits >= 64 ? ~0UL : bits <= 0 ? 0 : (1UL << bits) - 1;
        }

        page->Frees = 0;
        page->FirstObject = (ushort)SlabPage.FirstObjectOffset(c);
        page->Capacity = (ushort)capacity;
        page->ClassIndex = (byte)c;
        page->Shift = (byte)SlabPage.ObjectShift(c);
        page->List = SlabPage.InNoList;
        page->Next = null;
        page->Prev = null;
        if (debug)
        {
            Poison.Fill(memory + page->FirstObject, (nuint)capacity * SlabPage.ObjectSize(c));
        }

        map.SetRange(memory, 1, (ulong)memory | (ulong)SpanKind.Slab);
        Push(page);
        _pages[c]++;
        return true;
    }

    /// <summary>Gives an empty page back; its frees stay counted.</summary>
    private void Release<TPages>(ref TPages source, ref PageMap map, SlabPage* page)
        where TPages : struct, IPageSource
    {
        int c = page->ClassIndex;
        Unlink(page);
        map.SetRange((byte*)page, 1, 0);
        _retiredFrees[c] += page->Frees;
        _pages[c]--;
        source.FreePages((byte*)page, 1);
    }

    /// <summary>Links <paramref name="page"/> in first in its class's partial list.</summary>
    private void Push(SlabPage* page)
    {
        int c = page->ClassIndex;
        SlabPage* head = (SlabPage*)_head[c];
        page->Prev = null;
        page->Next = head;
        if (head != null)
        {
            head->Prev = page;
        }
        else
        {
            _tail[c] = (ulong)page;
        }

        _head[c] = (ulong)page;
        page->List = SlabPage.InPartialList;
    }

    /// <summary>Links <paramref name="page"/> in last in its class's partial list.</summary>
    private void Append(SlabPage* page)
    {
        int c = page->ClassIndex;
        SlabPage* tail = (SlabPage*)_tail[c];
        page->Prev = tail;
        page->Next = null;
        if (tail != null)
        {
            tail->Next = page;
        }
        else
        {
            _head[c] = (ulong)page;
        }

        _tail[c] = (ulong)page;
        page->List = SlabPage.InPartialList;
    }

    /// <summary>Links <paramref name="page"/> into its class's full list.</summary>
    private void PushFull(SlabPage* page)
    {
        int c = page->ClassIndex;
        SlabPage* head = (SlabPage*)_full[c];
        page->Prev = null;
        page->Next = head;
        if (head != null)
        {
            head->Prev = page;
        }

        _full[c] = (ulong)page;
        page->List = SlabPage.InFullList;
    }

    /// <summary>Takes <paramref name="page"/> out of whichever list it is in.</summary>
    private void Unlink(SlabPage* page)
    {
        int c = page->ClassIndex;
        bool full = page->List == SlabPage.InFullList;
        if (page->Prev != null)
        {
            page->Prev->Next = page->Next;
        }
        else if (full)
        {
            _full[c] = (ulong)page->Next;
        }
        else
        {
            _head[c] = (ulong)page->Next;
        }

        if (page->Next != null)
        {
            page->Next->Prev = page->Prev;
        }
        else if (!full)
        {
            _tail[c] = (ulong)page->Prev;
        }

        page->Next = null;
        page->Prev = null;
        page->List = SlabPage.InNoList;
    }
}
