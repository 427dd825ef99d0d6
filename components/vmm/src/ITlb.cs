namespace Aurora.Vmm;

/// <summary>
/// TLB maintenance after an entry changed (SDM Vol. 3A §4.10.4). The mapper says which address
/// space changed; the implementation decides what to do: nothing if that root is not loaded in
/// CR3 on any CPU, <c>invlpg</c> (which also drops paging-structure-cache entries for the
/// address), a CR3 reload, or a shootdown IPI. Turning a not-present entry into a present one
/// needs no invalidation (§4.10.4.3) and is not reported. The invalidation must be complete on
/// every CPU when the call returns: the mapper may free a page table right after it.
/// </summary>
public interface ITlb
{
    /// <summary>One page changed or disappeared (any address inside a 2 MiB page covers it).</summary>
    void InvalidatePage(ulong rootPhysicalAddress, ulong virtualAddress);

    /// <summary>
    /// Many user pages changed (copy-on-write clone). Only non-global entries are involved, so a
    /// CR3 reload is enough.
    /// </summary>
    void FlushAll(ulong rootPhysicalAddress);
}
