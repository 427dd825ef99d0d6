using System.Runtime.InteropServices;

namespace Aurora.Pmm;

/// <summary>A half-open range of frame numbers [Start, End).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FrameRange
{
    public ulong Start;
    public ulong End;
}

/// <summary>
/// A set of frames kept as sorted, disjoint, non-adjacent ranges in a fixed-capacity array the
/// caller provides. Memory maps have tens of entries, so a small table answers "is this frame
/// managed?" by binary search without a second bit per frame.
/// </summary>
internal unsafe struct FrameRangeSet
{
    private FrameRange* _items;
    private int _count;
    private int _capacity;
    private ulong _frames;

    internal void Initialize(FrameRange* items, int capacity)
    {
        _items = items;
        _capacity = capacity;
        _count = 0;
        _frames = 0;
    }

    internal readonly int Count => _count;

    /// <summary>Total frames in the set.</summary>
    internal readonly ulong Frames => _frames;

    internal readonly FrameRange this[int index] => _items[index];

    /// <summary>Index of the first range whose End is greater than <paramref name="frame"/>
    /// (the only range that can contain it), or Count.</summary>
    private readonly int FirstEndingAfter(ulong frame)
    {
        int lo = 0;
        int hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (_items[mid].End > frame)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Whether [<paramref name="start"/>, <paramref name="end"/>) lies entirely in the set.
    /// Ranges are never adjacent, so a contained run lies within a single range.</summary>
    internal readonly bool Contains(ulong start, ulong end)
    {
        int i = FirstEndingAfter(start);
        return i < _count && _items[i].Start <= start && end <= _items[i].End;
    }

    /// <summary>If <paramref name="frame"/> is in the set, the end of its range; otherwise
    /// <paramref name="frame"/> itself.</summary>
    internal readonly ulong CoveredUntil(ulong frame)
    {
        int i = FirstEndingAfter(frame);
        return i < _count && _items[i].Start <= frame ? _items[i].End : frame;
    }

    /// <summary>Start of the first range that begins after <paramref name="frame"/>, or
    /// ulong.MaxValue.</summary>
    internal readonly ulong NextStartAfter(ulong frame)
    {
        int i = FirstEndingAfter(frame);
        if (i < _count && _items[i].Start > frame)
        {
            return _items[i].Start;
        }

        return i + 1 < _count ? _items[i + 1].Start : ulong.MaxValue;
    }

    /// <summary>Whether adding [<paramref name="start"/>, <paramref name="end"/>) takes a new
    /// slot, i.e. no range overlaps or touches it.</summary>
    internal readonly bool NeedsSlotToAdd(ulong start, ulong end)
    {
        if (start >= end)
        {
            return false;
        }

        int i = start == 0 ? 0 : FirstEndingAfter(start - 1);
        return i == _count || _items[i].Start > end;
    }

    /// <summary>Whether removing [<paramref name="start"/>, <paramref name="end"/>) splits a range
    /// in two, which takes a new slot.</summary>
    internal readonly bool NeedsSlotToRemove(ulong start, ulong end)
    {
        if (start >= end)
        {
            return false;
        }

        int i = FirstEndingAfter(start);
        return i < _count && _items[i].Start < start && _items[i].End > end;
    }

    /// <summary>Adds [<paramref name="start"/>, <paramref name="end"/>), merging with every range
    /// it overlaps or touches. Changes nothing and fails if a new slot is needed and none is left.</summary>
    internal PmmError Add(ulong start, ulong end)
    {
        if (start >= end)
        {
            return PmmError.None;
        }

        // Ranges [first, last) overlap or touch the new one: End >= start and Start <= end.
        int first = start == 0 ? 0 : FirstEndingAfter(start - 1);
        int last = first;
        while (last < _count && _items[last].Start <= end)
        {
            last++;
        }

        if (first == last)
        {
            if (_count == _capacity)
            {
                return PmmError.TooManyRanges;
            }

            for (int i = _count; i > first; i--)
            {
                _items[i] = _items[i - 1];
            }

            _items[first].Start = start;
            _items[first].End = end;
            _count++;
            _frames += end - start;
            return PmmError.None;
        }

        ulong mergedStart = start < _items[first].Start ? start : _items[first].Start;
        ulong mergedEnd = end > _items[last - 1].End ? end : _items[last - 1].End;
        for (int i = first; i < last; i++)
        {
            _frames -= _items[i].End - _items[i].Start;
        }

        _items[first].Start = mergedStart;
        _items[first].End = mergedEnd;
        _frames += mergedEnd - mergedStart;
        RemoveSlots(first + 1, last - first - 1);
        return PmmError.None;
    }

    /// <summary>Removes [<paramref name="start"/>, <paramref name="end"/>). Changes nothing and
    /// fails if that splits a range in two and no slot is left.</summary>
    internal PmmError Remove(ulong start, ulong end)
    {
        if (start >= end)
        {
            return PmmError.None;
        }

        int i = FirstEndingAfter(start);
        if (i < _count && _items[i].Start < start && _items[i].End > end)
        {
            if (_count == _capacity)
            {
                return PmmError.TooManyRanges;
            }

            for (int j = _count; j > i + 1; j--)
            {
                _items[j] = _items[j - 1];
            }

            _items[i + 1].Start = end;
            _items[i + 1].End = _items[i].End;
            _items[i].End = start;
            _count++;
            _frames -= end - start;
            return PmmError.None;
        }

        int firstGone = -1;
        int gone = 0;
        while (i < _count && _items[i].Start < end)
        {
            ulong cutStart = start > _items[i].Start ? start : _items[i].Start;
            ulong cutEnd = end < _items[i].End ? end : _items[i].End;
            _frames -= cutEnd - cutStart;
            if (_items[i].Start < start)
            {
                _items[i].End = start;
            }
            else if (_items[i].End > end)
            {
                _items[i].Start = end;
            }
            else
            {
                if (firstGone < 0)
                {
                    firstGone = i;
                }

                gone++;
            }

            i++;
        }

        if (gone != 0)
        {
            RemoveSlots(firstGone, gone);
        }

        return PmmError.None;
    }

    private void RemoveSlots(int index, int count)
    {
        if (count == 0)
        {
            return;
        }

        for (int i = index; i + count < _count; i++)
        {
            _items[i] = _items[i + count];
        }

        _count -= count;
    }

    /// <summary>Next part of [<paramref name="cursor"/>, <paramref name="end"/>) that is not in the
    /// set; advances the cursor past it. False when none is left.</summary>
    internal readonly bool NextUncovered(ref ulong cursor, ulong end, out ulong gapStart, out ulong gapEnd)
    {
        while (cursor < end)
        {
            ulong covered = CoveredUntil(cursor);
            if (covered > cursor)
            {
                cursor = covered;
                continue;
            }

            ulong next = NextStartAfter(cursor);
            gapStart = cursor;
            gapEnd = next < end ? next : end;
            cursor = gapEnd;
            return true;
        }

        gapStart = 0;
        gapEnd = 0;
        return false;
    }
}
