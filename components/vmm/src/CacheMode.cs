namespace Aurora.Vmm;

/// <summary>
/// Memory type of a page, selected through the PAT index (PAT, PCD, PWT) of its leaf entry
/// (SDM Vol. 3A, "Page Attribute Table (PAT)"). The value of each member is its PAT index under
/// the PAT layout Limine programs and the kernel keeps: PAT0 WB, PAT1 WT, PAT2 UC-, PAT3 UC,
/// PAT4 WP, PAT5 WC (PAT6 and PAT7 are UC). A kernel that programs IA32_PAT differently must
/// not use this enum.
/// </summary>
public enum CacheMode : byte
{
    /// <summary>Write-back: ordinary RAM. PAT index 0 (no bit set).</summary>
    WriteBack = 0,

    /// <summary>Write-through. PAT index 1 (PWT).</summary>
    WriteThrough = 1,

    /// <summary>UC-: uncached, but an MTRR WC range still wins. PAT index 2 (PCD).</summary>
    UncachedMinus = 2,

    /// <summary>Strong uncached: MMIO registers. PAT index 3 (PCD + PWT).</summary>
    Uncached = 3,

    /// <summary>Write-protected. PAT index 4 (PAT).</summary>
    WriteProtected = 4,

    /// <summary>Write-combining: framebuffers. PAT index 5 (PAT + PWT).</summary>
    WriteCombining = 5,
}
