using System.Runtime.InteropServices;

namespace Aurora.Heap;

/// <summary>
/// Header of a run of pages that holds large blocks. Right after it comes a bitmap with one bit
/// per 16 bytes of the arena, set where a block header starts: Free checks a pointer against it
/// before trusting the header in front of the pointer, so an interior or stale pointer is
/// reported instead of corrupting the heap. Blocks tile [DataStart, DataEnd) without gaps.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Arena
{
    internal const int HeaderSize = 64;

    public Arena* Next;
    public Arena* Prev;
    public nuint PageCount;
    public byte* DataStart;
    public byte* DataEnd;
    public ulong* StartBits;

    /// <summary>Bytes of header plus start bitmap for an arena of <paramref name="pages"/> pages,
    /// rounded to 16 so the first block is 16-aligned.</summary>
    internal static nuint OverheadBytes(nuint pages) => (HeaderSize + (pages * (HeapGeometry.PageSize / 128)) + 15) & ~(nuint)15;
}

/// <summary>
/// Header in front of every large block (32 bytes, keeping payloads 16-aligned). The free-list
/// links live here rather than in the payload, so a free block's whole payload can carry the
/// debug fill.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LargeBlock
{
    internal const int HeaderSize = 32;

    /// <summary>Smallest block: header plus 16 bytes of payload.</summary>
    internal const nuint MinSize = 48;

    internal const nuint InUse = 1;

    /// <summary>The block ends at its arena's DataEnd.</summary>
    internal const nuint Last = 2;

    internal const nuint FlagMask = 15;

    /// <summary>Total size including this header (a multiple of 16) and the flags in the low bits.</summary>
    public nuint SizeAndFlags;

    /// <summary>Total size of the block just below in the arena; 0 for the arena's first block.</summary>
    public nuint PrevSize;

    public LargeBlock* NextFree;
    public LargeBlock* PrevFree;

    public readonly nuint Size => SizeAndFlags & ~FlagMask;

    public readonly bool IsInUse => (SizeAndFlags & InUse) != 0;

    public readonly bool IsLast => (SizeAndFlags & Last) != 0;
}
