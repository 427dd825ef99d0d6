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

/// <summary>BAR placement on arm64 (PciBus.AssignUnassignedBars over the device tree's `ranges`):
/// UEFI assigns every BAR on QEMU virt, so the test takes one back.</summary>
internal static unsafe class Aarch64PciTests
{
    /// <summary>A memory BAR of a function no driver holds (QEMU's virtio-blk) is set to 0, as
    /// firmware that skipped it would leave it: the kernel gives it an address in the bridge's
    /// window for its kind, aligned to its size, overlapping no BAR the firmware assigned; then
    /// the firmware's address is put back.</summary>
    internal static void UnassignedBarGetsAnAddressFromTheWindow()
    {
        // A 64-bit BAR first: edk2 put the virtio-net's at the 64-bit window's very start, so a
        // placement that ignored the firmware's BARs would land on it.
        PciDevice? function = null;
        byte offset = 0;
        for (int pass = 0; pass < 2 && function == null; pass++)
        {
            for (int i = 0; i < PciDrivers.DeviceCount && function == null; i++)
            {
                PciDevice candidate = PciDrivers.Device(i)!;
                if (candidate.Driver != null || (PciBus.Read8(candidate.Address, PciBus.HeaderType) & 0x7F) != 0) continue;
                for (int bar = 0; bar < 6 && function == null; bar++)
                {
                    uint bits = PciBus.Read32(candidate.Address, (byte)(PciBus.Bar0 + (bar * 4)));
                    bool wideBar = (bits & 1) == 0 && ((bits >> 1) & 3) == 2;
                    if (candidate.MemoryBar(bar) != 0 && (wideBar || pass == 1))
                    {
                        function = candidate;
                        offset = (byte)(PciBus.Bar0 + (bar * 4));
                    }

                    if (wideBar) bar++;   // its upper half is the next dword
                }
            }
        }

        Check(function != null, "no function without a driver has a memory BAR (QEMU virt's virtio-blk should)");
        if (function == null) return;
        PciAddress at = function.Address;
        uint command = PciBus.Read32(at, PciBus.Command);
        uint low = PciBus.Read32(at, offset);
        bool wide = ((low >> 1) & 3) == 2;
        uint high = wide ? PciBus.Read32(at, (byte)(offset + 4)) : 0;
        ulong firmware = (low & 0xFFFF_FFF0) | ((ulong)high << 32);
        ulong size = PciBus.SizeOf(at, offset, wide);

        PciBus.Write32(at, PciBus.Command, command & ~(uint)PciBus.MemorySpace);
        PciBus.Write32(at, offset, low & 0xF);
        if (wide) PciBus.Write32(at, (byte)(offset + 4), 0);
        int assigned = PciBus.AssignUnassignedBars(at);
        ulong placed = (PciBus.Read32(at, offset) & 0xFFFF_FFF0) | (wide ? (ulong)PciBus.Read32(at, (byte)(offset + 4)) << 32 : 0);

        Log.Write("  BAR at offset ");
        Log.WriteHex(offset);
        Log.Write(wide ? " (64-bit, " : " (32-bit, ");
        Log.WriteHex(size);
        Log.Write(" bytes): the firmware's ");
        Log.WriteHex(firmware);
        Log.Write(", the kernel's ");
        Log.WriteHex(placed);
        Log.WriteLine();
        CheckEqual(1, assigned, "BARs assigned");
        Check(placed != 0, "the BAR is still 0");
        Check(size != 0 && placed % size == 0, "the address is not aligned to the BAR's size");
        bool inWindow = Hal.PciConfiguration.MemoryWindow(wide, out ulong start, out ulong length) &&
                        placed >= start && placed + size <= start + length;
        if (!inWindow && wide) inWindow = Hal.PciConfiguration.MemoryWindow(false, out start, out length) && placed >= start && placed + size <= start + length;
        Check(inWindow, "the address is outside the bridge's memory window");
        // No overlap with any other function's assigned BAR (the virtio-net's among them).
        for (int i = 0; i < PciDrivers.DeviceCount; i++)
        {
            PciDevice other = PciDrivers.Device(i)!;
            for (int bar = 0; bar < 6; bar++)
            {
                byte otherOffset = (byte)(PciBus.Bar0 + (bar * 4));
                uint otherLow = PciBus.Read32(other.Address, otherOffset);
                bool otherWide = (otherLow & 1) == 0 && ((otherLow >> 1) & 3) == 2;
                ulong otherStart = other.MemoryBar(bar);
                if (otherWide) bar++;   // its upper half is the next dword
                if ((other == function && otherOffset == offset) || otherStart == 0) continue;
                ulong otherSize = PciBus.SizeOf(other.Address, otherOffset, otherWide);
                if (placed < otherStart + otherSize && otherStart < placed + size)
                {
                    Log.Write("  overlaps ");
                    Log.WriteHex(otherStart);
                    Log.Write("+");
                    Log.WriteHex(otherSize);
                    Log.WriteLine();
                    Check(false, "the new address overlaps a BAR the firmware assigned");
                }
            }
        }

        PciBus.Write32(at, offset, low);
        if (wide) PciBus.Write32(at, (byte)(offset + 4), high);
        PciBus.Write32(at, PciBus.Command, command);
        CheckEqual((long)firmware, (long)function.MemoryBar((offset - PciBus.Bar0) / 4), "the firmware's address put back");
    }
}
