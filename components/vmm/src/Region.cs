namespace Aurora.Vmm;

/// <summary>What a region may be used for: the PROT_* bits of mmap and mprotect.</summary>
[System.Flags]
public enum RegionAccess : byte
{
    /// <summary>No access (PROT_NONE): any touch faults.</summary>
    None = 0,
    /// <summary>PROT_READ.</summary>
    Read = 1,
    /// <summary>PROT_WRITE.</summary>
    Write = 2,
    /// <summary>PROT_EXEC.</summary>
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
    /// <summary>Ordinary accounting.</summary>
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
    /// <summary>First byte of the region (page aligned).</summary>
    public ulong Start;
    /// <summary>One past the last byte (page aligned, greater than <see cref="Start"/>).</summary>
    public ulong End;
    /// <summary>The access the region grants now (mprotect changes it, never beyond <see
    /// cref="MaxAccess"/>).</summary>
    public RegionAccess Access;
    /// <summary>The most access the region may ever be given.</summary>
    public RegionAccess MaxAccess;
    /// <summary>Where the region's pages come from (the owner's bookkeeping; the map treats every
    /// kind alike).</summary>
    public RegionKind Kind;
    /// <summary>How the owner accounts for the region; the map keeps the bits on every piece a cut
    /// makes.</summary>
    public RegionFlags Flags;
    /// <summary>The owner's value (a segment handle, a file); the map only copies it and reports it
    /// through <see cref="IRegionStorage.Retain"/> and <see
    /// cref="IRegionStorage.Release"/>.</summary>
    public ulong Tag;
    /// <summary>Where in the owner's object <see cref="Start"/> is (a file offset); the map keeps
    /// it right when it cuts a region, so address A is at Offset + (A - Start) in every piece.</summary>
    public ulong Offset;

    /// <summary>A region [<paramref name="start"/>, <paramref name="end"/>) with the given access,
    /// kind, tag and object offset; <see cref="Flags"/> starts as <see
    /// cref="RegionFlags.None"/>.</summary>
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

    /// <summary>Size in bytes: <see cref="End"/> - <see cref="Start"/>.</summary>
    public readonly ulong Length => End - Start;

    /// <summary>Whether <paramref name="address"/> lies in [<see cref="Start"/>, <see
    /// cref="End"/>).</summary>
    public readonly bool Contains(ulong address) => address >= Start && address < End;
}

/// <summary>Memory for a <see cref="RegionMap{TStorage}"/>'s array (the kernel heap in the
/// kernel, native memory on the host).</summary>
public unsafe interface IRegionStorage
{
    /// <summary><paramref name="bytes"/> bytes, 8-byte aligned, or null.</summary>
    void* Allocate(nuint bytes);

    /// <summary>Gives back a block <see cref="Allocate"/> returned (never null).</summary>
    void Free(void* block);

    /// <summary>One more region now carries <paramref name="region"/>'s tag: a cut made two of
    /// one (Remove, SetAccess) or CopyFrom copied it. With <see cref="Release"/>, an owner that
    /// counts one reference per region (a mapped file) sees every region come and go; Insert
    /// takes the caller's reference and calls neither.</summary>
    void Retain(in Region region);

    /// <summary>A region left the map whole (Remove, Clear); called before the map changes.</summary>
    void Release(in Region region);
}
