using Aurora.Kernel.Drivers.Net;
using Aurora.Kernel.Drivers.Pci;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The driver model on arm64 (x86_64's DriverTests with QEMU virt's functions): the
/// PCI registry binds the virtio-net card by its id (the card is arm64's network device, as
/// the e1000 is x86_64's), and a test driver takes and gives back the PCIe host bridge, which
/// no driver claims (hw/pci-host/gpex.c: Red Hat 1b36:0008).</summary>
internal static unsafe class Aarch64DriverTests
{
    private const ushort VendorRedHat = 0x1B36, GpexHostBridge = 0x0008;

    internal static void RegistryBindsTheVirtioNetById()
    {
        PciDevice? function = PciDrivers.Find(VirtioNet.VendorVirtio, VirtioNet.DeviceTransitional)
            ?? PciDrivers.Find(VirtioNet.VendorVirtio, VirtioNet.DeviceModern);
        Check(function != null, "no virtio-net function (1af4:1000 or 1af4:1041) was enumerated");
        if (function == null) return;
        Check(function.Driver == VirtioNetDriver.Instance, "the virtio-net driver is not bound to the card");
        Check(function.DriverData is VirtioNet, "the bound driver left no VirtioNet object");
        Check(NetworkDevices.First == function.DriverData, "the virtio-net card is not the first network device");
        Check(Net.NetworkStack.Device == function.DriverData, "the stack does not drive the registered device");
        // The host bridge, the card, and edu (the module tests' device; tools/aarch64.sh).
        Log.Write("  PCI functions: ");
        Log.WriteDecimal((ulong)PciDrivers.DeviceCount);
        Log.WriteLine();
        Check(PciDrivers.DeviceCount >= 2, "fewer than two PCI functions on the virt machine (host bridge and card)");
    }

    internal static void UnknownIdIsNotProbedAndRemoveUnbinds() =>
        DriverModelTests.UnknownIdIsNotProbedAndRemoveUnbinds(VendorRedHat, GpexHostBridge, "PCIe host bridge");
}
