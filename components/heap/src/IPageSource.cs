namespace Aurora.Heap;

/// <summary>
/// Where the heap gets its memory: runs of 4 KiB pages, mapped and writable. Implemented by a
/// struct and passed as a generic argument, so calls are direct (no boxing, no virtual
/// dispatch) and the heap can live in a static field.
/// </summary>
public unsafe interface IPageSource
{
    /// <summary>
    /// <paramref name="count"/> contiguous pages, 4096-byte aligned, at a canonical 48-bit
    /// address; null when none are left. Contents need not be zeroed.
    /// </summary>
    byte* AllocatePages(nuint count);

    /// <summary>Gives back a run exactly as <see cref="AllocatePages"/> returned it.</summary>
    void FreePages(byte* pages, nuint count);
}
