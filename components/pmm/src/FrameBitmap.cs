using System.Numerics;
using System.Runtime.CompilerServices;

namespace Aurora.Pmm;

/// <summary>
/// A bitmap with summary levels: level 0 has one bit per frame (1 = free); bit i of level k+1
/// is set exactly when word i of level k is non-zero. The top level is a single word, so the
/// lowest set bit at or after any position is found with one load per level going up and one per
/// level coming down (at most <see cref="MaxLevels"/>), whatever the size of memory.
/// All levels live in one caller-provided array of words, level 0 first.
/// </summary>
internal unsafe struct FrameBitmap
{
    /// <summary>64^8 bits is far beyond 2^40 frames (the 52-bit physical address limit).</summary>
    internal const int MaxLevels = 8;

    internal const ulong NotFound = ulong.MaxValue;

    private ulong* _words;
    private fixed ulong _levelStart[MaxLevels];
    private fixed ulong _levelBits[MaxLevels];
    private int _levels;

    internal readonly ulong BitCount => _levelBits[0];

    internal readonly int LevelCount => _levels;

    /// <summary>Words needed for all levels of a bitmap of <paramref name="bits"/> bits.</summary>
    internal static ulong WordsFor(ulong bits)
    {
        ulong total = 0;
        ulong n = bits;
        while (true)
        {
            ulong words = WordsForBits(n);
            total += words;
            if (words == 1)
            {
                return total;
            }

            n = words;
        }
    }

    /// <summary>Lays the levels out over <paramref name="words"/> (which must hold
    /// <see cref="WordsFor"/> words) and marks every bit clear (every frame used).</summary>
    internal void Initialize(ulong* words, ulong bits)
    {
        _words = words;
        ulong offset = 0;
        ulong n = bits;
        int level = 0;
        while (true)
        {
            ulong count = WordsForBits(n);
            _levelStart[level] = offset;
            _levelBits[level] = n;
            offset += count;
            level++;
            if (count == 1)
            {
                break;
            }

            n = count;
        }

        _levels = level;
        for (ulong i = 0; i < offset; i++)
        {
            words[i] = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ulong* Level(int level) => _words + _levelStart[level];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong WordsForBits(ulong bits) => bits <= 64 ? 1 : (bits + 63) / 64;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly bool IsSet(ulong bit) => (_words[bit >> 6] & (1UL << (int)(bit & 63))) != 0;

    /// <summary>Sets one bit and marks the summary words above it non-empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Set(ulong bit)
    {
        ulong* word = _words + (bit >> 6);
        ulong old = *word;
        *word = old | (1UL << (int)(bit & 63));
        if (old == 0)
        {
            PropagateNonEmpty(bit >> 6);
        }
    }

    /// <summary>Clears one bit and clears the summary bits above it that become empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Clear(ulong bit)
    {
        ulong* word = _words + (bit >> 6);
        ulong value = *word & ~(1UL << (int)(bit & 63));
        *word = value;
        if (value == 0)
        {
            PropagateEmpty(bit >> 6);
        }
    }

    private void PropagateNonEmpty(ulong index)
    {
        for (int level = 1; level < _levels; level++)
        {
            ulong* word = Level(level) + (index >> 6);
            ulong old = *word;
            *word = old | (1UL << (int)(index & 63));
            if (old != 0)
            {
                return;
            }

            index >>= 6;
        }
    }

    private void PropagateEmpty(ulong index)
    {
        for (int level = 1; level < _levels; level++)
        {
            ulong* word = Level(level) + (index >> 6);
            ulong value = *word & ~(1UL << (int)(index & 63));
            *word = value;
            if (value != 0)
            {
                return;
            }

            index >>= 6;
        }
    }

    /// <summary>Lowest set bit at or after <paramref name="from"/>, or <see cref="NotFound"/>.</summary>
    internal readonly ulong FindNextSet(ulong from)
    {
        int level = 0;
        ulong index = from;
        while (true)
        {
            if (index >= _levelBits[level])
            {
                return NotFound;
            }

            ulong word = Level(level)[index >> 6] & (~0UL << (int)(index & 63));
            if (word != 0)
            {
                index = (index & ~63UL) + (ulong)BitOperations.TrailingZeroCount(word);
                break;
            }

            if (level == _levels - 1)
            {
                return NotFound;
            }

            // Nothing left in this word: continue with the next word, found one level up.
            index = (index >> 6) + 1;
            level++;
        }

        while (level > 0)
        {
            level--;
            index = (index << 6) + (ulong)BitOperations.TrailingZeroCount(Level(level)[index]);
        }

        return index;
    }

    /// <summary>Lowest clear bit in [<paramref name="start"/>, <paramref name="end"/>), or
    /// <see cref="NotFound"/>. Level 0 only: cost is proportional to the range.</summary>
    internal readonly ulong FindFirstClear(ulong start, ulong end)
    {
        if (start >= end)
        {
            return NotFound;
        }

        ulong first = start >> 6;
        ulong last = (end - 1) >> 6;
        for (ulong w = first; w <= last; w++)
        {
            ulong clear = ~_words[w] & RangeMask(w, first, last, start, end);
            if (clear != 0)
            {
                return (w << 6) + (ulong)BitOperations.TrailingZeroCount(clear);
            }
        }

        return NotFound;
    }

    /// <summary>Whether any bit of [<paramref name="start"/>, <paramref name="end"/>) is set.</summary>
    internal readonly bool AnySet(ulong start, ulong end)
    {
        if (start >= end)
        {
            return false;
        }

        ulong first = start >> 6;
        ulong last = (end - 1) >> 6;
        for (ulong w = first; w <= last; w++)
        {
            if ((_words[w] & RangeMask(w, first, last, start, end)) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Number of set bits in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    internal readonly ulong CountSet(ulong start, ulong end)
    {
        if (start >= end)
        {
            return 0;
        }

        ulong first = start >> 6;
        ulong last = (end - 1) >> 6;
        ulong count = 0;
        for (ulong w = first; w <= last; w++)
        {
            count += (ulong)BitOperations.PopCount(_words[w] & RangeMask(w, first, last, start, end));
        }

        return count;
    }

    /// <summary>Sets every bit of [<paramref name="start"/>, <paramref name="end"/>).</summary>
    internal void SetRange(ulong start, ulong end)
    {
        if (start >= end)
        {
            return;
        }

        ulong first = start >> 6;
        ulong last = (end - 1) >> 6;
        for (ulong w = first; w <= last; w++)
        {
            _words[w] |= RangeMask(w, first, last, start, end);
        }

        RefreshSummary(first, last);
    }

    /// <summary>Clears every bit of [<paramref name="start"/>, <paramref name="end"/>).</summary>
    internal void ClearRange(ulong start, ulong end)
    {
        if (start >= end)
        {
            return;
        }

        ulong first = start >> 6;
        ulong last = (end - 1) >> 6;
        for (ulong w = first; w <= last; w++)
        {
            _words[w] &= ~RangeMask(w, first, last, start, end);
        }

        RefreshSummary(first, last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RangeMask(ulong word, ulong first, ulong last, ulong start, ulong end)
    {
        ulong mask = ~0UL;
        if (word == first)
        {
            mask &= ~0UL << (int)(start & 63);
        }

        if (word == last && (end & 63) != 0)
        {
            mask &= (1UL << (int)(end & 63)) - 1;
        }

        return mask;
    }

    /// <summary>Recomputes the summary bits that describe level-0 words
    /// [<paramref name="firstWord"/>, <paramref name="lastWord"/>] and their ancestors.</summary>
    private void RefreshSummary(ulong firstWord, ulong lastWord)
    {
        for (int level = 1; level < _levels; level++)
        {
            ulong* below = Level(level - 1);
            ulong* here = Level(level);
            for (ulong i = firstWord; i <= lastWord; i++)
            {
                ulong bit = 1UL << (int)(i & 63);
                if (below[i] != 0)
                {
                    here[i >> 6] |= bit;
                }
                else
                {
                    here[i >> 6] &= ~bit;
                }
            }

            firstWord >>= 6;
            lastWord >>= 6;
        }
    }

    /// <summary>Checks that every summary bit matches the level below. For tests and for a
    /// kernel self-check; cost is proportional to the bitmap.</summary>
    internal readonly bool SummaryIsConsistent()
    {
        for (int level = 1; level < _levels; level++)
        {
            ulong* below = Level(level - 1);
            ulong* here = Level(level);
            ulong belowWords = WordsForBits(_levelBits[level - 1]);
            ulong hereWords = WordsForBits(_levelBits[level]);
            for (ulong w = 0; w < hereWords; w++)
            {
                ulong expected = 0;
                for (int b = 0; b < 64; b++)
                {
                    ulong i = (w << 6) + (ulong)b;
                    if (i < belowWords && below[i] != 0)
                    {
                        expected |= 1UL << b;
                    }
                }

                if (here[w] != expected)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
