namespace Aurora.Vmm;

/// <summary>What a virtual address maps to, as the CPU would see it.</summary>
public struct Translation
{
    /// <summary>The physical address of the translated byte (page frame + offset).</summary>
    public ulong PhysicalAddress;

    /// <summary>The physical address of the page that holds it.</summary>
    public ulong FrameAddress;

    /// <summary>Size of the page found: 4 KiB, 2 MiB or 1 GiB.</summary>
    public PageSize Size;

    /// <summary>
    /// Effective rights over the whole walk (SDM Vol. 3A §4.6): <see cref="PageFlags.Writable"/>
    /// and <see cref="PageFlags.User"/> only if every level grants them,
    /// <see cref="PageFlags.NoExecute"/> if any level sets it; <see cref="PageFlags.Present"/>,
    /// <see cref="PageFlags.Global"/>, <see cref="PageFlags.Accessed"/>,
    /// <see cref="PageFlags.Dirty"/> and <see cref="PageFlags.CopyOnWrite"/> from the leaf.
    /// Cache-control and size bits are not included: see <see cref="Cache"/> and <see cref="Size"/>.
    /// </summary>
    public PageFlags Flags;

    /// <summary>Memory type decoded from the leaf's PAT/PCD/PWT bits.</summary>
    public CacheMode Cache;

    /// <summary>The raw leaf entry.</summary>
    public ulong Entry;
}
