using Aurora.Kernel.Arch.Aarch64;
using Aurora.Kernel.Drivers.Net;
using Aurora.Kernel.Drivers.Pci;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The network card on arm64: QEMU virt's PCIe host bridge through ECAM (PciHost.cs),
/// the virtio-net-pci function on it bound by the same driver as on x86_64, and its INTx
/// through the device tree's interrupt-map to a level-triggered GIC SPI (DeviceInterrupts.cs).
/// The test boots add <c>-device virtio-net-pci -netdev user</c> (tools/aarch64.sh).</summary>
internal static unsafe class Aarch64NetworkTests
{
    /// <summary>QEMU virt's PCIe INTx lines are SPIs 3-6 (hw/arm/virt.c: a15irqmap[VIRT_PCIE]),
    /// INTA of slot s on SPI 3 + s % 4 and each further pin one more (create_pcie_irq_map).</summary>
    private const int FirstPcieSpi = 3;

    /// <summary>The bus through ECAM finds the card and the driver binds it; the route the
    /// device tree's interrupt-map gives is the one QEMU wired; and an exchange with the gateway
    /// (ARP) raises the card's interrupt through the GIC: its handler's count goes up.</summary>
    internal static void VirtioNetIsBoundThroughEcamOnItsIntx()
    {
        PciDevice? function = PciDrivers.Find(VirtioNet.VendorVirtio, VirtioNet.DeviceTransitional)
            ?? PciDrivers.Find(VirtioNet.VendorVirtio, VirtioNet.DeviceModern);
        Check(DeviceTree.PciFound, "the device tree names no pci-host-ecam-generic bridge");
        Check(function != null, "no virtio-net function (1af4:1000 or 1af4:1041) found through ECAM");
        if (function == null) return;
        Check(function.Driver == VirtioNetDriver.Instance, "the virtio-net driver did not bind the function");
        Check(function.DriverData is VirtioNet, "the bound function has no virtio-net device");
        Check(function.MemoryBar(4) != 0, "the virtio structures' BAR 4 has no address");
        Log.Write("  virtio-net at 00:");
        Log.WriteDecimal((ulong)function.Address.Device);
        Log.Write(".");
        Log.WriteDecimal((ulong)function.Address.Function);
        Log.Write(", BAR 4 at ");
        Log.WriteHex(function.MemoryBar(4));
        Log.Write(", INT");
        Log.Write((byte)('A' + function.InterruptPin - 1));
        Log.WriteLine();
        CheckEqual(1, function.InterruptPin, "the function's INTx pin (INTA)");
        int expected = 32 + FirstPcieSpi + ((function.Address.Device + function.InterruptPin - 1) % 4);
        CheckEqual(expected, function.IntxLine, "the GIC id of the function's INTx (interrupt-map)");
        if (function.DriverData is not VirtioNet nic) return;
        Check(nic.InterruptDriven, "the card is polled: its interrupt could not be registered");

        ulong before = nic.InterruptCount, dispatchedBefore = DeviceInterrupts.Dispatched;
        NetworkTests.GatewayAnswersArp(nic);
        // The reply's interrupt may still be on its way when the exchange ends (the test polled
        // the ring itself): give it a few ticks.
        for (int waited = 0; waited < 100 && nic.InterruptCount == before; waited++) Tasks.Scheduler.Sleep(1);
        Log.Write("  the card's interrupts: ");
        Log.WriteDecimal(before);
        Log.Write(" before the exchange, ");
        Log.WriteDecimal(nic.InterruptCount);
        Log.Write(" after; device interrupts dispatched by the GIC: ");
        Log.WriteDecimal(DeviceInterrupts.Dispatched - dispatchedBefore);
        Log.WriteLine();
        Check(nic.InterruptCount > before, "no interrupt from the card for the gateway's reply");
        Check(DeviceInterrupts.Dispatched > dispatchedBefore, "the GIC dispatched no device interrupt");
    }

    /// <summary>net.getaddrinfo_uses_hosts_and_dns's body, after putting the reference image's
    /// /etc/hosts lines it looks up (kernel-image/initramfs/rootfs/etc/hosts) where the arm64
    /// image, which has no initramfs yet, has none; removed afterwards.</summary>
    internal static void GetaddrinfoUsesHostsAndDns()
    {
        bool made = false;
        Files.FileSystem.Lock();
        Aurora.Vfs.FileTable files = default;
        long fd = Files.FileSystem.Vfs.Open(ref files, "/etc/hosts"u8,
            Aurora.Vfs.OpenFlags.WriteOnly | Aurora.Vfs.OpenFlags.Create | Aurora.Vfs.OpenFlags.Exclusive, 0x1A4);
        if (fd >= 0)
        {
            Files.FileSystem.Vfs.Write(ref files, (int)fd, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\taurora\n"u8);
            made = true;
        }

        Files.FileSystem.Vfs.CloseAll(ref files);
        Files.FileSystem.Unlock();
        NetworkTests.GetaddrinfoUsesHostsAndDns();
        if (!made) return;
        Files.FileSystem.Lock();
        Aurora.Vfs.VfsError removed = Files.FileSystem.Vfs.Unlink("/etc/hosts"u8);
        Files.FileSystem.Unlock();
        CheckEqual(0, (long)removed, "removing the test's /etc/hosts");
    }
}
