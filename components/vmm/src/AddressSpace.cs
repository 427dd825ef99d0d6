namespace Aurora.Vmm;

/// <summary>
/// An address space, named by the physical address of its PML4: the value loaded into CR3
/// (with PCD/PWT and PCID bits clear).
/// </summary>
public readonly struct AddressSpace
{
    /// <summary>Physical address of the 4 KiB PML4 table.</summary>
    public readonly ulong Root;

    /// <summary>Names an existing PML4 (for example the one the boot code built).</summary>
    public AddressSpace(ulong rootPhysicalAddress) => Root = rootPhysicalAddress;
}
