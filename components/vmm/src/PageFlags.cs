namespace Aurora.Vmm;

/// <summary>
/// Bits of an x86_64 paging-structure entry (Intel SDM Vol. 3A §4.5, the PML4E/PDPTE/PDE/PTE
/// format tables). The same bit positions are used at every level, except bit 7, which is PS
/// (<see cref="Huge"/>) in a PDPTE/PDE and PAT (<see cref="Pat"/>) in a PTE, and bit 12, which
/// is PAT (<see cref="PatLarge"/>) in a 2 MiB/1 GiB leaf and an address bit elsewhere.
/// </summary>
public enum PageFlags : ulong
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>P: the entry is valid.</summary>
    Present = 1UL << 0,

    /// <summary>R/W: writes allowed (enforced for supervisor code too while CR0.WP = 1).</summary>
    Writable = 1UL << 1,

    /// <summary>U/S: user-mode (CPL 3) access allowed.</summary>
    User = 1UL << 2,

    /// <summary>PWT: low bit of the PAT index.</summary>
    WriteThrough = 1UL << 3,

    /// <summary>PCD: middle bit of the PAT index.</summary>
    CacheDisable = 1UL << 4,

    /// <summary>A: set by the CPU on access.</summary>
    Accessed = 1UL << 5,

    /// <summary>D: set by the CPU on write (leaf entries only).</summary>
    Dirty = 1UL << 6,

    /// <summary>PS: in a PDPTE (1 GiB) or PDE (2 MiB) the entry maps a page instead of a table.</summary>
    Huge = 1UL << 7,

    /// <summary>PAT: high bit of the PAT index in a 4 KiB PTE (same position as <see cref="Huge"/>).</summary>
    Pat = 1UL << 7,

    /// <summary>G: the translation survives a CR3 reload (only while CR4.PGE = 1).</summary>
    Global = 1UL << 8,

    /// <summary>
    /// Software bit (bit 9 is ignored by the CPU, SDM §4.5): the page is shared copy-on-write.
    /// Set together with a cleared <see cref="Writable"/>.
    /// </summary>
    CopyOnWrite = 1UL << 9,

    /// <summary>
    /// Software bit (bit 10, ignored by the CPU): the frame is shared on purpose (MAP_SHARED,
    /// a file's own page), counted like any user frame but never copied on write: fork shares
    /// the entry as it is and mprotect gives write access in place. Never together with
    /// <see cref="CopyOnWrite"/>.
    /// </summary>
    Shared = 1UL << 10,

    /// <summary>PAT: high bit of the PAT index in a 2 MiB or 1 GiB leaf.</summary>
    PatLarge = 1UL << 12,

    /// <summary>XD/NX: instruction fetch not allowed (only while EFER.NXE = 1; reserved otherwise).</summary>
    NoExecute = 1UL << 63,

    /// <summary>
    /// The bits a caller chooses when mapping or protecting a page. Everything else (present,
    /// accessed, dirty, page size, cache-control bits, the address) is owned by the mapper.
    /// </summary>
    Protection = Writable | User | Global | CopyOnWrite | Shared | NoExecute,
}
