using System.Numerics;

namespace Aurora.Heap;

/// <summary>
/// Blocks above the slab sizes: a TLSF allocator (Masmano et al., "TLSF: a New Dynamic Memory
/// Allocator for Real-Time Systems", ECRTS 2004). Free blocks sit in segregated lists indexed by
/// (first level = log2 of the size, second level = the next 3 bits); two bitmaps find a list
/// whose every block fits in constant time. Neighbours are found through the size fields
/// (PrevSize in each header) and merged on free, so no two free blocks are ever adjacent.
/// Memory comes in arenas of at least <see cref="MinArenaPages"/> pages; an arena that becomes
/// empty goes back to the page source, except one standard-size arena kept for churn.
/// </summary>
internal unsafe struct LargeBlocks
{
    internal const nuint MinArenaPages = 16;

    private const int SlLog2 = 3;
    private const int SlCount = 1 << SlLog2;
    private const int FlShift = SlLog2 + 4;
    private const nuint SmallBlock = (nuint)1 << FlShift;
    private const int FlCount = 40 - FlShift + 1;

    private fixed ulong _heads[FlCount * SlCount];
    private fixed byte _slBitmap[FlCount];
    private ulong _flBitmap;
    private Arena* _arenas;
    private ulong _arenaCount;
    private ulong _arenaPages;
    private ulong _emptyArenas;

    internal readonly ulong ArenaCount => _arenaCount;

    internal readonly ulong ArenaPages => _arenaPages;

    private static void Mapping(nuint size, out int fl, out int sl)
    {
        if (size < SmallBlock)
        {
            fl = 0;
            sl = (int)(size >> 4);
            return;
        }

        int log = BitOperations.Log2((ulong)size);
        sl = (int)(size >> (log - SlLog2)) ^ SlCount;
        fl = log - (FlShift - 1);
    }

    private void Insert(LargeBlock* block)
    {
        Mapping(block->Size, out int fl, out int sl);
        int bin = (fl * SlCount) + sl;
        LargeBlock* head = (LargeBlock*)_heads[bin];
        block->PrevFree = null;
        block->NextFree = head;
        if (head != null)
        {
            head->PrevFree = block;
        }

        _heads[bin] = (ulong)block;
        _slBitmap[fl] |= (byte)(1 << sl);
        _flBitmap |= 1UL << fl;
    }

    private void Remove(LargeBlock* block)
    {
        Mapping(block->Size, out int fl, out int sl);
        int bin = (fl * SlCount) + sl;
        if (block->PrevFree != null)
        {
            block->PrevFree->NextFree = block->NextFree;
        }
        else
        {
            _heads[bin] = (ulong)block->NextFree;
            if (block->NextFree == null)
            {
                _slBitmap[fl] &= (byte)~(1 << sl);
                if (_slBitmap[fl] == 0)
                {
                    _flBitmap &= ~(1UL << fl);
                }
            }
        }

        if (block->NextFree != null)
        {
            block->NextFree->PrevFree = block->PrevFree;
        }
    }

    /// <summary>A free block of at least <paramref name="size"/> bytes, or null. First the head
    /// of the list the size itself maps to (so a block freed and asked for again at the same size
    /// is reused); then the size is rounded up to the next list boundary, so any block of the
    /// list found fits.</summary>
    private readonly LargeBlock* FindFree(nuint size)
    {
        Mapping(size, out int exactFl, out int exactSl);
        if (exactFl < FlCount)
        {
            LargeBlock* head = (LargeBlock*)_heads[(exactFl * SlCount) + exactSl];
            if (head != null && head->Size >= size)
            {
                return head;
            }
        }

        if (size >= SmallBlock)
        {
            size += ((nuint)1 << (BitOperations.Log2((ulong)size) - SlLog2)) - 1;
        }

        Mapping(size, out int fl, out int sl);
        if (fl >= FlCount)
        {
            return null;
        }

        uint slMap = _slBitmap[fl] & (~0u << sl);
        if (slMap == 0)
        {
            ulong flMap = _flBitmap & (~0UL << (fl + 1));
            if (flMap == 0)
            {
                return null;
            }

            fl = BitOperations.TrailingZeroCount(flMap);
            slMap = _slBitmap[fl];
        }

        sl = BitOperations.TrailingZeroCount(slMap);
        return (LargeBlock*)_heads[(fl * SlCount) + sl];
    }

    private static ulong* StartWord(Arena* arena, void* block, out ulong mask)
    {
        nuint index = (nuint)((byte*)block - (byte*)arena) >> 4;
        mask = 1UL << (int)(index & 63);
        return arena->StartBits + (index >> 6);
    }

    private static void MarkStart(Arena* arena, LargeBlock* block) => *StartWord(arena, block, out ulong mask) |= mask;

    private static void UnmarkStart(Arena* arena, LargeBlock* block)
    {
        ulong* word = StartWord(arena, block, out ulong mask);
        *word &= ~mask;
    }

    private static bool IsStart(Arena* arena, void* block) => (*StartWord(arena, block, out ulong mask) & mask) != 0;

    /// <summary>The block whose bytes include <paramref name="p"/>, or null if p is outside the
    /// arena's blocks: the nearest start bit at or below p.</summary>
    private static LargeBlock* FindContaining(Arena* arena, byte* p)
    {
        if (p < arena->DataStart || p >= arena->DataEnd)
        {
            return null;
        }

        nuint index = (nuint)(p - (byte*)arena) >> 4;
        nuint word = index >> 6;
        ulong bits = arena->StartBits[word] & (~0UL >> (63 - (int)(index & 63)));
        while (bits == 0)
        {
            word--;
            bits = arena->StartBits[word];
        }

        nuint start = (word << 6) + (nuint)(63 - BitOperations.LeadingZeroCount(bits));
        return (LargeBlock*)((byte*)arena + (start << 4));
    }

    internal byte* Allocate<TPages>(ref TPages source, ref PageMap map, nuint size, nuint alignment, bool debug, out nuint usable, out HeapFault corruption)
        where TPages : struct, IPageSource
    {
        usable = 0;
        corruption = default;
        if ((ulong)size > HeapGeometry.MaxBlockSize || (ulong)alignment > HeapGeometry.MaxBlockSize)
        {
            return null;
        }

        nuint need = (((size < 16 ? 16 : size) + 15) & ~(nuint)15) + LargeBlock.HeaderSize;
        nuint search = alignment <= HeapGeometry.DefaultAlignment ? need : need + alignment + LargeBlock.MinSize;
        if ((ulong)search >= HeapGeometry.MaxBlockSize)
        {
            return null;
        }

        Arena* arena;
        LargeBlock* block = FindFree(search);
        if (block != null)
        {
            Remove(block);
            arena = (Arena*)(map.LookupCached((nuint)block) & ~PageMap.KindMask);
        }
        else
        {
            block = Grow(ref source, ref map, search, debug, out arena);
            if (block == null)
            {
                return null;
            }
        }

        if (block->PrevSize == 0 && block->IsLast)
        {
            _emptyArenas--;
        }

        if (alignment > HeapGeometry.DefaultAlignment)
        {
            block = SplitLeading(arena, block, alignment);
        }

        SplitTail(arena, block, need);
        block->SizeAndFlags |= LargeBlock.InUse;
        byte* payload = (byte*)block + LargeBlock.HeaderSize;
        usable = block->Size - LargeBlock.HeaderSize;
        if (debug)
        {
            byte* overwritten = Poison.FindOverwrite(payload, usable);
            if (overwritten != null)
            {
                corruption = new HeapFault(HeapError.WriteAfterFree, (nuint)overwritten, (nuint)payload);
            }
        }

        return payload;
    }

    /// <summary>Cuts a free block in front of <paramref name="block"/> so the payload lands on
    /// <paramref name="alignment"/>; the cut is at least a minimum block, so it can stand alone.</summary>
    private LargeBlock* SplitLeading(Arena* arena, LargeBlock* block, nuint alignment)
    {
        byte* payload = (byte*)block + LargeBlock.HeaderSize;
        nuint gap = (((nuint)payload + alignment - 1) & ~(alignment - 1)) - (nuint)payload;
        if (gap == 0)
        {
            return block;
        }

        if (gap < LargeBlock.MinSize)
        {
            gap += alignment;
        }

        nuint total = block->Size;
        bool last = block->IsLast;
        LargeBlock* rest = (LargeBlock*)((byte*)block + gap);
        rest->SizeAndFlags = (total - gap) | (last ? LargeBlock.Last : 0);
        rest->PrevSize = gap;
        if (!last)
        {
            ((LargeBlock*)((byte*)rest + (total - gap)))->PrevSize = total - gap;
        }

        block->SizeAndFlags = gap;
        MarkStart(arena, rest);
        Insert(block);
        return rest;
    }

    /// <summary>Returns the part of free <paramref name="block"/> beyond <paramref name="need"/>
    /// bytes to the free lists, if it makes a block of its own.</summary>
    private void SplitTail(Arena* arena, LargeBlock* block, nuint need)
    {
        nuint total = block->Size;
        if (total - need < LargeBlock.MinSize)
        {
            return;
        }

        bool last = block->IsLast;
        LargeBlock* rest = (LargeBlock*)((byte*)block + need);
        rest->SizeAndFlags = (total - need) | (last ? LargeBlock.Last : 0);
        rest->PrevSize = need;
        if (!last)
        {
            ((LargeBlock*)((byte*)rest + (total - need)))->PrevSize = total - need;
        }

        block->SizeAndFlags = need;
        MarkStart(arena, rest);
        Insert(rest);
    }

    /// <summary>Frees <paramref name="p"/>, which the page map says lies in
    /// <paramref name="arena"/>. Only payload starts of blocks in use are accepted.</summary>
    internal HeapFault Free<TPages>(ref TPages source, ref PageMap map, Arena* arena, byte* p, bool debug, out nuint usable)
        where TPages : struct, IPageSource
    {
        usable = 0;
        LargeBlock* block = (LargeBlock*)(p - LargeBlock.HeaderSize);
        if (((nuint)p & 15) != 0 || (byte*)block < arena->DataStart || p >= arena->DataEnd || !IsStart(arena, block))
        {
            LargeBlock* containing = FindContaining(arena, p);
            if (containing == null)
            {
                return new HeapFault(HeapError.InvalidPointer, (nuint)p, 0);
            }

            nuint payload = (nuint)containing + LargeBlock.HeaderSize;
            return new HeapFault(containing->IsInUse ? HeapError.InvalidPointer : HeapError.DoubleFree, (nuint)p, payload);
        }

        if (!block->IsInUse)
        {
            return new HeapFault(HeapError.DoubleFree, (nuint)p, (nuint)p);
        }

        nuint size = block->Size;
        bool last = block->IsLast;
        usable = size - LargeBlock.HeaderSize;
        if (debug)
        {
            Poison.Fill(p, usable);
        }

        if (!last)
        {
            LargeBlock* next = (LargeBlock*)((byte*)block + size);
            if (!next->IsInUse)
            {
                Remove(next);
                UnmarkStart(arena, next);
                size += next->Size;
                last = next->IsLast;
                if (debug)
                {
                    Poison.Fill((byte*)next, LargeBlock.HeaderSize);
                }
            }
        }

        if (block->PrevSize != 0)
        {
            LargeBlock* prev = (LargeBlock*)((byte*)block - block->PrevSize);
            if (!prev->IsInUse)
            {
                Remove(prev);
                UnmarkStart(arena, block);
                size += prev->Size;
                if (debug)
                {
                    Poison.Fill((byte*)block, LargeBlock.HeaderSize);
                }

                block = prev;
            }
        }

        block->SizeAndFlags = size | (last ? LargeBlock.Last : 0);
        if (!last)
        {
            ((LargeBlock*)((byte*)block + size))->PrevSize = size;
        }

        if (block->PrevSize == 0 && last)
        {
            if (_emptyArenas == 0 && arena->PageCount == MinArenaPages)
            {
                _emptyArenas++;
                Insert(block);
            }
            else
            {
                Release(ref source, ref map, arena);
            }
        }
        else
        {
            Insert(block);
        }

        return default;
    }

    /// <summary>Usable bytes of the block in use whose payload starts at <paramref name="p"/>, or 0.</summary>
    internal static nuint UsableSize(Arena* arena, byte* p)
    {
        LargeBlock* block = (LargeBlock*)(p - LargeBlock.HeaderSize);
        if (((nuint)p & 15) != 0 || (byte*)block < arena->DataStart || p >= arena->DataEnd || !IsStart(arena, block) || !block->IsInUse)
        {
            return 0;
        }

        return block->Size - LargeBlock.HeaderSize;
    }

    private LargeBlock* Grow<TPages>(ref TPages source, ref PageMap map, nuint search, bool debug, out Arena* arena)
        where TPages : struct, IPageSource
    {
        arena = null;
        nuint pages = (search + Arena.HeaderSize + 16 + HeapGeometry.PageSize) / (HeapGeometry.PageSize - (HeapGeometry.PageSize / 128));
        if (pages < MinArenaPages)
        {
            pages = MinArenaPages;
        }

        while ((pages * HeapGeometry.PageSize) - Arena.OverheadBytes(pages) < search)
        {
            pages++;
        }

        byte* memory = source.AllocatePages(pages);
        if (memory == null)
        {
            return null;
        }

        if (((nuint)memory & (HeapGeometry.PageSize - 1)) != 0 || !map.Prepare(ref source, memory, pages))
        {
            source.FreePages(memory, pages);
            return null;
        }

        arena = (Arena*)memory;
        arena->PageCount = pages;
        arena->StartBits = (ulong*)(memory + Arena.HeaderSize);
        arena->DataStart = memory + Arena.OverheadBytes(pages);
        arena->DataEnd = memory + (pages * HeapGeometry.PageSize);
        Poison.Zero((byte*)arena->StartBits, pages * (HeapGeometry.PageSize / 128));
        arena->Prev = null;
        arena->Next = _arenas;
        if (_arenas != null)
        {
            _arenas->Prev = arena;
        }

        _arenas = arena;

        LargeBlock* block = (LargeBlock*)arena->DataStart;
        nuint size = (nuint)(arena->DataEnd - arena->DataStart);
        block->SizeAndFlags = size | LargeBlock.Last;
        block->PrevSize = 0;
        MarkStart(arena, block);
        if (debug)
        {
            Poison.Fill((byte*)block + LargeBlock.HeaderSize, size - LargeBlock.HeaderSize);
        }

        map.SetRange(memory, pages, (ulong)memory | (ulong)SpanKind.Arena);
        _arenaCount++;
        _arenaPages += pages;
        _emptyArenas++;
        return block;
    }

    private void Release<TPages>(ref TPages source, ref PageMap map, Arena* arena)
        where TPages : struct, IPageSource
    {
        if (arena->Prev != null)
        {
            arena->Prev->Next = arena->Next;
        }
        else
        {
            _arenas = arena->Next;
        }

        if (arena->Next != null)
        {
            arena->Next->Prev = arena->Prev;
        }

        nuint pages = arena->PageCount;
        map.SetRange((byte*)arena, pages, 0);
        _arenaCount--;
        _arenaPages -= pages;
        source.FreePages((byte*)arena, pages);
    }

    /// <summary>Gives every empty arena back to the page source.</summary>
    internal void Trim<TPages>(ref TPages source, ref PageMap map)
        where TPages : struct, IPageSource
    {
        Arena* arena = _arenas;
        while (arena != null)
        {
            Arena* next = arena->Next;
            LargeBlock* first = (LargeBlock*)arena->DataStart;
            if (!first->IsInUse && first->IsLast)
            {
                Remove(first);
                _emptyArenas--;
                Release(ref source, ref map, arena);
            }

            arena = next;
        }
    }

    /// <summary>Walks every arena and every free list: blocks tile each arena, start bits match
    /// the block starts, sizes chain, no free neighbours, each free block in the right list.</summary>
    internal readonly bool Validate()
    {
        ulong freeInArenas = 0;
        ulong empty = 0;
        ulong arenas = 0;
        ulong pages = 0;
        for (Arena* arena = _arenas; arena != null; arena = arena->Next)
        {
            arenas++;
            pages += arena->PageCount;
            if (arena->Next != null && arena->Next->Prev != arena)
            {
                return false;
            }

            ulong blocks = 0;
            nuint prevSize = 0;
            bool prevFree = false;
            byte* at = arena->DataStart;
            while (true)
            {
                LargeBlock* block = (LargeBlock*)at;
                nuint size = block->Size;
                if (block->PrevSize != prevSize || size < LargeBlock.MinSize || (size & 15) != 0 || !IsStart(arena, block) ||
                    at + size > arena->DataEnd || (block->IsLast != (at + size == arena->DataEnd)) || (prevFree && !block->IsInUse))
                {
                    return false;
                }

                blocks++;
                if (!block->IsInUse)
                {
                    freeInArenas++;
                    empty += block->PrevSize == 0 && block->IsLast ? 1UL : 0;
                }

                prevFree = !block->IsInUse;
                prevSize = size;
                at += size;
                if (block->IsLast)
                {
                    break;
                }
            }

            ulong bits = 0;
            nuint words = arena->PageCount * (HeapGeometry.PageSize / 128) / 8;
            for (nuint w = 0; w < words; w++)
            {
                bits += (ulong)BitOperations.PopCount(arena->StartBits[w]);
            }

            if (bits != blocks)
            {
                return false;
            }
        }

        if (arenas != _arenaCount || pages != _arenaPages || empty != _emptyArenas)
        {
            return false;
        }

        ulong listed = 0;
        for (int fl = 0; fl < FlCount; fl++)
        {
            if (((_flBitmap >> fl) & 1) != (_slBitmap[fl] != 0 ? 1UL : 0))
            {
                return false;
            }

            for (int sl = 0; sl < SlCount; sl++)
            {
                LargeBlock* head = (LargeBlock*)_heads[(fl * SlCount) + sl];
                if ((head != null) != (((_slBitmap[fl] >> sl) & 1) != 0))
                {
                    return false;
                }

                LargeBlock* prev = null;
                for (LargeBlock* b = head; b != null; b = b->NextFree)
                {
                    Mapping(b->Size, out int bfl, out int bsl);
                    if (b->IsInUse || b->PrevFree != prev || bfl != fl || bsl != sl || ++listed > freeInArenas)
                    {
                        return false;
                    }

                    prev = b;
                }
            }
        }

        return listed == freeInArenas;
    }
}
