namespace Aurora.Vmm;

/// <summary>
/// Reaches physical memory from the CPU's current address space. In the kernel: the higher-half
/// direct map (Limine HHDM offset + physical). In host tests: a buffer standing in for RAM.
/// </summary>
public unsafe interface IPhysicalMemory
{
    /// <summary>A pointer through which the byte at <paramref name="physicalAddress"/> can be read and written.</summary>
    byte* ToVirtual(ulong physicalAddress);
}
