namespace Aurora.Vmm;

/// <summary>
/// The regions (virtual memory areas) of one address space, sorted and non-overlapping, in an
/// array that grows from <typeparamref name="TStorage"/> up to a fixed limit (Linux's
/// vm.max_map_count plays the same part). It answers what the page tables cannot: which
/// addresses a process may touch and with what rights, where a fault may be filled in, what
/// the most is that mprotect may grant — and it makes range operations cost what is mapped, not
/// what is asked: <c>munmap(0x10000, 1UL &lt;&lt; 44)</c> visits the few regions it meets.
/// <para>
/// Lookups are binary searches; inserting or splitting shifts the array (a process has tens
/// of regions, rarely thousands). Adjacent regions are never merged, so a tag stays with its
/// region. All addresses must be page aligned (checked: MisalignedVirtual). Not thread-safe:
/// the owner serialises (the address space's lock in the kernel).
/// </para>
/// </summary>
public unsafe struct RegionMap<TStorage> where TStorage : struct, IRegionStorage
{
    private const ulong PageMask = 4095;

    private TStorage _storage;
    private Region* _items;
    private int _count;
    private int _capacity;
    private int _limit;

    /// <summary>An empty map that will hold at most <paramref name="limit"/> regions.</summary>
    public RegionMap(TStorage storage, int limit)
    {
        _storage = storage;
        _items = null;
        _count = 0;
        _capacity = 0;
        _limit = limit;
    }

    /// <summary>Regions in the map now.</summary>
    public readonly int Count => _count;

    /// <summary>The most regions the map will hold (the constructor's limit); an insert or a cut
    /// beyond it fails with <see cref="VmmError.OutOfFrames"/>.</summary>
    public readonly int Limit => _limit;

    /// <summary>The region at <paramref name="index"/> (0 ≤ index &lt; Count), in address order.</summary>
    public readonly ref Region this[int index] => ref _items[index];

    /// <summary>Index of the region that holds <paramref name="address"/>, or -1.</summary>
    public readonly int IndexOf(ulong address)
    {
        int i = FirstEndingAfter(address);
        return i < _count && _items[i].Start <= address ? i : -1;
    }

    /// <summary>Index of the first region that ends after <paramref name="address"/> (Count when none):
    /// the first region a range starting at <paramref name="address"/> can meet.</summary>
    public readonly int FirstEndingAfter(ulong address)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (_items[middle].End <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    /// <summary>True when every page of [start, end) lies in some region.</summary>
    public readonly bool Covers(ulong start, ulong end)
    {
        ulong at = start;
        for (int i = FirstEndingAfter(start); i < _count && at < end; i++)
        {
            if (_items[i].Start > at)
            {
                return false;
            }
            at = _items[i].End;
        }
        return at >= end;
    }

    /// <summary>True when some region overlaps [start, end) (never for an empty or reversed range).</summary>
    public readonly bool Overlaps(ulong start, ulong end)
    {
        int i = FirstEndingAfter(start);
        return start < end && i < _count && _items[i].Start < end;
    }

    /// <summary>How many bytes of [start, end) lie in regions (0 for an empty or reversed range):
    /// RLIMIT_AS's measure, with the whole user half for the total. Visits only the regions the
    /// range meets.</summary>
    public readonly ulong MappedBytes(ulong start, ulong end)
    {
        ulong total = 0;
        for (int i = FirstEndingAfter(start); i < _count && _items[i].Start < end; i++)
        {
            ulong from = _items[i].Start > start ? _items[i].Start : start;
            ulong to = _items[i].End < end ? _items[i].End : end;
            total += to - from;
        }
        return total;
    }

    /// <summary>Adds a region where none is.</summary>
    /// <returns>None, MisalignedVirtual, InvalidFlags (empty or reversed range, or Access beyond
    /// MaxAccess), AlreadyMapped (overlap), OutOfFrames (limit reached or no storage).</returns>
    public VmmError Insert(in Region region)
    {
        if (((region.Start | region.End) & PageMask) != 0)
        {
            return VmmError.MisalignedVirtual;
        }
        if (region.Start >= region.End || (region.Access & ~region.MaxAccess) != 0)
        {
            return VmmError.InvalidFlags;
        }
        int at = FirstEndingAfter(region.Start);
        if (at < _count && _items[at].Start < region.End)
        {
            return VmmError.AlreadyMapped;
        }
        VmmError error = Reserve(_count + 1);
        if (error != VmmError.None)
        {
            return error;
        }
        ShiftUp(at, 1);
        _items[at] = region;
        return VmmError.None;
    }

    /// <summary>Removes [start, end) from the map: regions inside go, regions that straddle an
    /// edge are cut. The caller unmaps the pages (first: it needs the regions to know what
    /// was there).</summary>
    /// <returns>None (also for an empty range, which changes nothing), MisalignedVirtual,
    /// InvalidFlags (reversed range), OutOfFrames (cutting one region in two needs a slot; nothing changed).</returns>
    public VmmError Remove(ulong start, ulong end)
    {
        VmmError error = CheckRange(start, end);
        if (error != VmmError.None || start == end)
        {
            // An empty range must not cut the region around it (regions are never merged back).
            return error;
        }
        int first = FirstEndingAfter(start);
        int last = first;
        while (last < _count && _items[last].Start < end)
        {
            last++;
        }
        if (last == first)
        {
            return VmmError.None;
        }
        // What is left of the regions [first, last): the part of the first before start, the
        // part of the last after end. Counted before anything moves, so the limit applies to
        // the result (a hole punched in one region takes one slot; trimming two takes none).
        Region left = _items[first];
        Region right = _items[last - 1];
        int kept = (left.Start < start ? 1 : 0) + (right.End > end ? 1 : 0);
        int removed = last - first;
        if (kept > removed)
        {
            VmmError grow = Reserve(_count + kept - removed);
            if (grow != VmmError.None)
            {
                return grow;
            }
            // One region became two (a hole punched in it).
            _storage.Retain(left);
            ShiftUp(last, kept - removed);
        }
        else
        {
            for (int i = first; i < last; i++)
            {
                bool survives = (i == first && left.Start < start) || (i == last - 1 && right.End > end);
                if (!survives)
                {
                    _storage.Release(_items[i]);
                }
            }
            if (kept < removed)
            {
                ShiftDown(last, removed - kept);
            }
        }
        int at = first;
        if (left.Start < start)
        {
            left.End = start;
            _items[at++] = left;
        }
        if (right.End > end)
        {
            right.Offset += end - right.Start;
            right.Start = end;
            _items[at] = right;
        }
        return VmmError.None;
    }

    /// <summary>mprotect's bookkeeping: gives [start, end) the access <paramref name="access"/>.
    /// Every page must be in a region (NotMapped: Linux's ENOMEM) whose MaxAccess allows it
    /// (ProtectionViolation: EACCES); then nothing has changed.</summary>
    /// <returns>None (also for an empty range, which changes nothing), MisalignedVirtual, InvalidFlags
    /// (reversed range), NotMapped, ProtectionViolation, OutOfFrames (nothing changed).</returns>
    public VmmError SetAccess(ulong start, ulong end, RegionAccess access)
    {
        VmmError error = CheckRange(start, end);
        if (error != VmmError.None || start == end)
        {
            return error;
        }
        if (!Covers(start, end))
        {
            return VmmError.NotMapped;
        }
        for (int i = FirstEndingAfter(start); i < _count && _items[i].Start < end; i++)
        {
            if ((access & ~_items[i].MaxAccess) != 0)
            {
                return VmmError.ProtectionViolation;
            }
        }
        // Only a region whose access changes is cut (Linux's mprotect_fixup leaves a VMA whose
        // flags stay alone): since regions are never merged, cutting the others would fragment
        // the map, and an mprotect that changes nothing could fail at the limit.
        bool cutStart = NeedsCut(start, access);
        bool cutEnd = NeedsCut(end, access);
        error = Reserve(_count + (cutStart ? 1 : 0) + (cutEnd ? 1 : 0));
        if (error != VmmError.None)
        {
            return error;
        }
        if (cutStart)
        {
            Cut(start);
        }
        if (cutEnd)
        {
            Cut(end);
        }
        for (int i = FirstEndingAfter(start); i < _count && _items[i].Start < end; i++)
        {
            _items[i].Access = access;
        }
        return VmmError.None;
    }

    /// <summary>The lowest address at or above <paramref name="low"/> where <paramref name="size"/>
    /// bytes fit below <paramref name="high"/> with no region in the way, or 0 when none does
    /// (so <paramref name="low"/> should be at least one page: 0 cannot be told from "none").
    /// <paramref name="size"/> and <paramref name="low"/> must be page aligned (else 0: an
    /// unaligned address could not be inserted).</summary>
    public readonly ulong FindFree(ulong size, ulong low, ulong high)
    {
        if (((size | low) & PageMask) != 0 || size == 0 || low >= high || size > high - low)
        {
            return 0;
        }
        ulong candidate = low;
        for (int i = FirstEndingAfter(low); i < _count; i++)
        {
            if (_items[i].Start >= candidate && _items[i].Start - candidate >= size)
            {
                break;
            }
            if (_items[i].End > candidate)
            {
                candidate = _items[i].End;
            }
            if (candidate >= high)
            {
                return 0;
            }
        }
        return size <= high - candidate ? candidate : 0;
    }

    /// <summary>Makes this map a copy of <paramref name="source"/> (fork). OutOfFrames leaves it empty.</summary>
    public VmmError CopyFrom(in RegionMap<TStorage> source)
    {
        Clear();
        VmmError error = Reserve(source._count);
        if (error != VmmError.None)
        {
            return error;
        }
        for (int i = 0; i < source._count; i++)
        {
            _items[i] = source._items[i];
            _storage.Retain(_items[i]);
        }
        _count = source._count;
        return VmmError.None;
    }

    /// <summary>Forgets every region and gives the array back.</summary>
    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            _storage.Release(_items[i]);
        }
        if (_items != null)
        {
            _storage.Free(_items);
        }
        _items = null;
        _count = 0;
        _capacity = 0;
    }

    /// <summary>True when a region straddles <paramref name="address"/> and has an access other than <paramref name="access"/>.</summary>
    private readonly bool NeedsCut(ulong address, RegionAccess access)
    {
        int i = IndexOf(address);
        return i >= 0 && _items[i].Start != address && _items[i].Access != access;
    }

    private static VmmError CheckRange(ulong start, ulong end)
    {
        if (((start | end) & PageMask) != 0)
        {
            return VmmError.MisalignedVirtual;
        }
        return start > end ? VmmError.InvalidFlags : VmmError.None;
    }

    private void Cut(ulong address)
    {
        int i = IndexOf(address);
        if (i < 0 || _items[i].Start == address)
        {
            return;
        }
        ShiftUp(i + 1, 1);
        _items[i + 1] = _items[i];
        _items[i].End = address;
        _items[i + 1].Offset += address - _items[i + 1].Start;
        _items[i + 1].Start = address;
        _storage.Retain(_items[i]);
    }

    private VmmError Reserve(int wanted)
    {
        if (wanted > _limit)
        {
            return VmmError.OutOfFrames;
        }
        if (wanted <= _capacity)
        {
            return VmmError.None;
        }
        int capacity = _capacity == 0 ? 8 : _capacity * 2;
        if (capacity < wanted)
        {
            capacity = wanted;
        }
        if (capacity > _limit)
        {
            capacity = _limit;
        }
        var items = (Region*)_storage.Allocate((nuint)(capacity * sizeof(Region)));
        if (items == null)
        {
            return VmmError.OutOfFrames;
        }
        for (int i = 0; i < _count; i++)
        {
            items[i] = _items[i];
        }
        if (_items != null)
        {
            _storage.Free(_items);
        }
        _items = items;
        _capacity = capacity;
        return VmmError.None;
    }

    private void ShiftUp(int from, int by)
    {
        for (int i = _count - 1; i >= from; i--)
        {
            _items[i + by] = _items[i];
        }
        _count += by;
    }

    private void ShiftDown(int from, int by)
    {
        for (int i = from; i < _count; i++)
        {
            _items[i - by] = _items[i];
        }
        _count -= by;
    }
}
