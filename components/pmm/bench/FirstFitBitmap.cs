using System.Numerics;
using System.Runtime.InteropServices;

namespace Aurora.Pmm.Benchmarks;

/// <summary>
/// The peer: a plain bitmap (1 = used) searched first-fit from frame 0 on every allocation, a
/// word at a time (full words are skipped with one compare). This is the "O(n) alloc scan" of
/// SPEC MM-1.
/// </summary>
public unsafe struct FirstFitBitmap
{
    private ulong* _words;
    private ulong _frames;
    private ulong _wordCount;

    public void Initialize(ulong frames)
    {
        _frames = frames;
        _wordCount = (frames + 63) / 64;
        _words = (ulong*)NativeMemory.AlignedAlloc((nuint)(_wordCount * 8), 64);
        for (ulong i = 0; i < _wordCount; i++)
        {
            _words[i] = 0;
        }

        // Same rules as the allocator under test: the first MiB is never handed out.
        MarkUsed(0, 256);
    }

    public void Dispose() => NativeMemory.AlignedFree(_words);

    public void MarkUsed(ulong first, ulong count)
    {
        for (ulong f = first; f < first + count; f++)
        {
            _words[f >> 6] |= 1UL << (int)(f & 63);
        }
    }

    public ulong AllocateFrame()
    {
        for (ulong w = 0; w < _wordCount; w++)
        {
            ulong word = _words[w];
            if (word != ~0UL)
            {
                ulong frame = (w << 6) + (ulong)BitOperations.TrailingZeroCount(~word);
                if (frame >= _frames)
                {
                    break;
                }

                _words[w] = word | (1UL << (int)(frame & 63));
                return frame << 12;
            }
        }

        return ulong.MaxValue;
    }

    public void FreeFrame(ulong address)
    {
        ulong frame = address >> 12;
        _words[frame >> 6] &= ~(1UL << (int)(frame & 63));
    }

    /// <summary>First fit over aligned candidates, checking each candidate frame by frame.</summary>
    public ulong AllocateContiguous(ulong count, ulong alignment)
    {
        for (ulong start = 0; start + count <= _frames; start += alignment)
        {
            ulong f = start;
            while (f < start + count && (_words[f >> 6] & (1UL << (int)(f & 63))) == 0)
            {
                f++;
            }

            if (f == start + count)
            {
                MarkUsed(start, count);
                return start << 12;
            }
        }

        return ulong.MaxValue;
    }

    public void FreeContiguous(ulong address, ulong count)
    {
        for (ulong f = address >> 12; f < (address >> 12) + count; f++)
        {
            _words[f >> 6] &= ~(1UL << (int)(f & 63));
        }
    }
}
