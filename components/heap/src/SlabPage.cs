using System.Runtime.InteropServices;

namespace Aurora.Heap;

/// <summary>
/// Header at the start of every slab page (4 KiB, 4 KiB aligned). Objects follow from offset
/// <see cref="FirstObjectOffset"/>, a multiple of the object size, so every object is aligned to
/// its own size. A free-object bitmap (1 = free), not an in-object free list: freed objects keep
/// the debug fill intact, and a double free is one bit test.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SlabPage
{
    internal const int HeaderSize = 64;

    /// <summary>Values of <see cref="List"/>.</summary>
    internal const byte InNoList = 0, InPartialList = 1, InFullList = 2;

    /// <summary>Links in the class's list of pages with a free object, or of full pages.</summary>
    public SlabPage* Next;
    public SlabPage* Prev;

    /// <summary>One bit per object, 1 = free; 4 words cover the 252 objects of the 16-byte class.</summary>
    public fixed ulong FreeMap[4];

    /// <summary>Objects freed in this page since it came from the page source. The class's
    /// statistics add these up (allocations are frees plus live objects), so the hot paths
    /// never write to the heap's own counters: this one shares the cache line the free writes
    /// anyway.</summary>
    public ulong Frees;

    /// <summary>Offset of the first object (<see cref="FirstObjectOffset"/> of the class).</summary>
    public ushort FirstObject;

    /// <summary>Objects in the page. There is no count of free ones: the hot paths would have
    /// to update it on every allocation and free; the bitmap says the same.</summary>
    public ushort Capacity;
    public byte ClassIndex;

    /// <summary>log2 of the object size (<see cref="ObjectShift"/> of the class).</summary>
    public byte Shift;

    /// <summary>Which of its class's lists the page is in: partial (it has a free object),
    /// full, or none (while it is being set up or given back).</summary>
    public byte List;

    internal static nuint ObjectSize(int classIndex) => (nuint)16 << classIndex;

    /// <summary>log2 of the object size: offsets become indices by a shift, not a division.</summary>
    internal static int ObjectShift(int classIndex) => 4 + classIndex;

    /// <summary>64 for the 16-, 32- and 64-byte classes; one object's size for 128 and 256.</summary>
    internal static nuint FirstObjectOffset(int classIndex)
    {
        nuint size = ObjectSize(classIndex);
        return size > HeaderSize ? size : HeaderSize;
    }

    /// <summary>252, 126, 63, 31, 15 objects per page.</summary>
    internal static int ObjectsPerPage(int classIndex) =>
        (int)((HeapGeometry.PageSize - FirstObjectOffset(classIndex)) / ObjectSize(classIndex));
}
