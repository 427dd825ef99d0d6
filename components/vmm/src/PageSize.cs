namespace Aurora.Vmm;

/// <summary>Size of a page; the value is the size in bytes.</summary>
public enum PageSize : ulong
{
    /// <summary>A PTE maps it.</summary>
    Size4KiB = 0x1000,

    /// <summary>A PDE with PS = 1 maps it.</summary>
    Size2MiB = 0x20_0000,

    /// <summary>A PDPTE with PS = 1 maps it. Recognised when found (translate, destroy); never created.</summary>
    Size1GiB = 0x4000_0000,
}
