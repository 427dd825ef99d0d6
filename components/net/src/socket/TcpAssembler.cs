namespace Aurora.Net;

/// <summary>
/// The out-of-order ranges a TCP receiver holds beyond RCV.NXT (RFC 9293 §3.10.7.4: segments in
/// the window but not at its left edge "may be held"), in sequence numbers, sorted and disjoint
/// (touching ranges merge). The bytes themselves sit in the receive ring's free space at their
/// offset from RCV.NXT (<see cref="RingBuffer.WriteAt"/>), so holding them costs no memory beyond
/// the window already promised. At most <see cref="Capacity"/> ranges: a segment that would make
/// another one is dropped (the sender retransmits it), which bounds the work per segment.
/// </summary>
internal unsafe struct TcpAssembler
{
    public const int Capacity = 16;

    private fixed uint _start[Capacity];
    private fixed uint _end[Capacity];
    private int _count;

    public readonly int Count => _count;

    public readonly bool IsEmpty => _count == 0;

    public readonly uint StartAt(int i) => _start[i];

    public readonly uint EndAt(int i) => _end[i];

    private static bool Lt(uint a, uint b) => (int)(a - b) < 0;

    private static bool Le(uint a, uint b) => (int)(a - b) <= 0;

    public void Clear() => _count = 0;

    /// <summary>Records [start, end) as held, merging with ranges it touches or overlaps; false
    /// (nothing recorded) when it would need a range beyond <see cref="Capacity"/>.</summary>
    public bool Add(uint start, uint end)
    {
        if (!Lt(start, end))
        {
            return true;
        }

        // First range that ends at or after start (could merge), and the first one entirely after end.
        int first = 0;
        while (first < _count && Lt(_end[first], start))
        {
            first++;
        }

        int last = first;
        while (last < _count && Le(_start[last], end))
        {
            last++;
        }

        if (first == last)
        {
            // Touches nothing: insert at first.
            if (_count == Capacity)
            {
                return false;
            }

            for (int i = _count; i > first; i--)
            {
                _start[i] = _start[i - 1];
                _end[i] = _end[i - 1];
            }

            _start[first] = start;
            _end[first] = end;
            _count++;
            return true;
        }

        // Ranges first..last-1 merge with [start, end) into one.
        uint mergedStart = Lt(_start[first], start) ? _start[first] : start;
        uint mergedEnd = Lt(end, _end[last - 1]) ? _end[last - 1] : end;
        _start[first] = mergedStart;
        _end[first] = mergedEnd;
        int removed = last - first - 1;
        for (int i = first + 1; i + removed < _count; i++)
        {
            _start[i] = _start[i + removed];
            _end[i] = _end[i + removed];
        }

        _count -= removed;
        return true;
    }

    /// <summary>Forgets everything before <paramref name="from"/> (a sender's scoreboard after
    /// SND.UNA moved): ranges wholly before it go, one that straddles it is cut.</summary>
    public void Trim(uint from)
    {
        int gone = 0;
        while (gone < _count && Le(_end[gone], from))
        {
            gone++;
        }

        for (int i = gone; i < _count; i++)
        {
            _start[i - gone] = _start[i];
            _end[i - gone] = _end[i];
        }

        _count -= gone;
        if (_count > 0 && Lt(_start[0], from))
        {
            _start[0] = from;
        }
    }

    /// <summary>RCV.NXT reached <paramref name="next"/>: drops what lies wholly before it and, when
    /// the first range starts at or before it, removes that range and returns its end (the new
    /// RCV.NXT); otherwise returns <paramref name="next"/>.</summary>
    public uint Advance(uint next)
    {
        while (_count > 0 && Le(_start[0], next))
        {
            if (Lt(next, _end[0]))
            {
                next = _end[0];
            }

            for (int i = 1; i < _count; i++)
            {
                _start[i - 1] = _start[i];
                _end[i - 1] = _end[i];
            }

            _count--;
        }

        return next;
    }
}
