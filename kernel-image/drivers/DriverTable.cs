using Aurora.Kernel.Drivers.Pci;

namespace Aurora.Kernel.Drivers;

/// <summary>The drivers built into the kernel, registered at boot in this order (the PCI bus
/// is read first). Adding a driver is one line here (docs/extending-drivers.md).</summary>
internal static class DriverTable
{
    internal static void BindAll()
    {
        PciDrivers.Enumerate();
        PciDrivers.Register(Net.E1000Driver.Instance);
        PciDrivers.Register(Net.VirtioNetDriver.Instance);
    }
}
