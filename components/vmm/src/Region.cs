namespace Aurora.Vmm;

/// <summary>What a region may be used for: the PROT_* bits of mmap and mprotect.</summary>
[System.Flags]
public enum RegionAccess : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
}

/// <summary>Where a region's pages come from, for the kernel's bookkeeping (the map itself
/// treats every kind alike).</summary>
public enum RegionKind : byte
{
    /// <summary>Anonymous memory (mmap MAP_ANONYMOUS): zero-filled on first touch.</summary>
    Anonymous,

    /// <summary>A program's stack.</summary>
    Stack,

    /// <summary>The program break (brk).</summary>
    Break,

    /// <summary>A loaded program's segment.</summary>
    Image,

    /// <summary>Frames that belong to something else (a shared-memory segment, a device):
    /// never copied on write, never zero-filled.</summary>
    Shared,

    /// <summary>A private view of an object (a file mapped MAP_PRIVATE): its pages as they are
    /// until the first write copies them. <see cref="Region.Tag"/> names the object,
    /// <see cref="Region.Offset"/> where in it the region starts.</summary>
    ObjectPrivate,

    /// <summary>An object's own pages (MAP_SHARED of a file or of anonymous memory): every
    /// mapping reads and writes the same frames, across fork too.</summary>
    ObjectShared,
}

/// <summary>How the owner accounts for a region (the map keeps the bits with every piece of it).</summary>
[System.Flags]
public enum RegionFlags : byte
{
    None = 0,

    /// <summary>Nothing is charged up front for the region's pages (mmap MAP_NORESERVE): the
    /// owner's overcommit check does not apply, neither when it is made nor when it grows.</summary>
    NoReserve = 1,
}

/// <summary>
/// One virtual memory area: the page-aligned range [<see cref="Start"/>, <see cref="End"/>)
/// with the access it has now and the most it may ever get (<see cref="MaxAccess"/>, Linux's
/// VM_MAY* bits: a read-only attachment can never be made writable by mprotect).
/// <see cref="Tag"/> is the owner's (for example a segment handle).
/// </summary>
public struct Region
{
    public ulong Start;
    public ulong End;
    public RegionAccess Access;
    public RegionAccess MaxAccess;
    public RegionKind Kind;
    public RegionFlags Flags;
    public ulong Tag;
    /// <summary>Where in the owner's object <see cref="Start"/> is (a file offset); the map keeps
    /// it right when it cuts a region, so address A is at Offset + (A - Start) in every piece.</summary>
    public ulong Offset;

    public Region(ulong start, ulong end, RegionAccess access, RegionAccess maxAccess, RegionKind kind, ulong tag = 0, ulong offset = 0)
    {
        Start = start;
        End = end;
        Access = access;
        MaxAccess = maxAccess;
        Kind = kind;
        Tag = tag;
        Offset = offset;
    }

    public readonly ulong Length => End - Start;

    public readonly bool Contains(ulong address) => address >= Start && address < End;
}

/// <summary>Memory for a <see cref="RegionMap{TStorage}"/>'s array (the kernel heap in the
/// kernel, native memory on the host).</summary>
public unsafe interface IRegionStorage
{
    /// <summary><paramref name="bytes"/> bytes, 8-byte aligned, or null.</summary>
    void* Allocate(nuint bytes);

    void Free(void* block);

    /// <summary>One more region now carries <paramref name="region"/>'s tag: a cut made two of
    /// one (Remove, SetAccess) or CopyFrom copied it. With <see cref="Release"/>, an owner that
    /// counts one reference per region (a mapped file) sees every region come and go; Insert
    /// takes the caller's reference and calls neither.</summary>
    void Retain(in Region region);

    /// <summary>A region left the map whole (Remove, Clear); called before the map changes.</summary>
    void Release(in Region region);
}
