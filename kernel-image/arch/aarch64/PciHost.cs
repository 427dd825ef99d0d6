using A64 = Aurora.Kernel.Arch.Aarch64;

namespace Aurora.Kernel.Arch.Aarch64
{
    /// <summary>
    /// The PCIe host bridge of QEMU's virt machine (device tree "pci-host-ecam-generic"):
    /// configuration space through ECAM (PCI Express Base 4.0 §7.2.2: one 4 KiB page per
    /// function at bus &lt;&lt; 20 | device &lt;&lt; 15 | function &lt;&lt; 12 from the window's
    /// start, which is bus-range's first bus), mapped uncached into the kernel's device window
    /// by <see cref="Map"/>; INTx through the bridge's interrupt-map to level-triggered GIC SPIs.
    /// </summary>
    internal static unsafe class PciHost
    {
        /// <summary>QEMU's high ECAM window covers 256 buses (256 MiB); a virt machine without
        /// bridges has only bus 0. The first 16 buses (16 MiB of the device window) are mapped:
        /// room for a few bridges without 128 table frames for buses nobody has.</summary>
        private const int MappedBuses = 16;

        private static ulong s_ecam;
        private static int s_firstBus, s_lastBus = -1;

        /// <summary>Maps the window the device tree named (BringUp, once kernel memory runs).
        /// False when the tables cannot grow; no host bridge is not a failure.</summary>
        internal static bool Map()
        {
            if (!DeviceTree.PciFound) return true;
            int buses = System.Math.Min(DeviceTree.PciLastBus - DeviceTree.PciFirstBus + 1, MappedBuses);
            if (buses <= 0 || DeviceTree.PciEcamSize < ((ulong)buses << 20)) return true;
            byte* window = Memory.KernelMemory.MapDevice(DeviceTree.PciEcam, (ulong)buses << 20);
            if (window == null) return false;
            s_ecam = (ulong)window;
            s_firstBus = DeviceTree.PciFirstBus;
            s_lastBus = DeviceTree.PciFirstBus + buses - 1;
            return true;
        }

        internal static int FirstBus => s_firstBus;
        internal static int LastBus => s_lastBus;

        /// <summary>The function's configuration dword, or 0 when the bus is outside the window.</summary>
        internal static ulong Address(byte bus, byte device, byte function, byte offset) =>
            s_ecam == 0 || bus < s_firstBus || bus > s_lastBus || device > 31 || function > 7
                ? 0
                : s_ecam + ((ulong)(bus - s_firstBus) << 20) + ((ulong)device << 15) + ((ulong)function << 12) + (ulong)(offset & 0xFC);
    }
}

namespace Aurora.Kernel.Hal
{
    /// <summary>PCI on arm64: ECAM (A64.PciHost) and the device tree's interrupt-map.</summary>
    internal static unsafe partial class PciConfiguration
    {
        internal static partial void BusRange(out int first, out int last)
        {
            first = A64.PciHost.FirstBus;
            last = A64.PciHost.LastBus;
        }

        /// <summary>An ECAM read of an absent function returns all ones (PCIe 4.0 §2.3.2,
        /// Unsupported Request completion), as mechanism #1's does.</summary>
        internal static partial uint Read32(byte bus, byte device, byte function, byte offset)
        {
            ulong address = A64.PciHost.Address(bus, device, function, offset);
            return address == 0 ? 0xFFFF_FFFF : Mmio.Read32(address);
        }

        internal static partial void Write32(byte bus, byte device, byte function, byte offset, uint value)
        {
            ulong address = A64.PciHost.Address(bus, device, function, offset);
            if (address != 0) Mmio.Write32(address, value);
        }

        /// <summary>The interrupt line register means nothing here (no 8259): the route is the
        /// host bridge's interrupt-map. Functions behind a bridge would need the pin swizzled
        /// per bridge (PCI-to-PCI Bridge 1.2 §9.1); QEMU virt's devices sit on bus 0.</summary>
        internal static partial int InterruptLineOf(byte bus, byte device, byte function, byte pin, byte lineRegister) =>
            A64.DeviceTree.PciInterrupt(bus, device, function, pin);

        /// <summary>The `ranges` windows of the host bridge. UEFI (edk2's PciBusDxe) assigns
        /// every BAR before GRUB or Limine runs; these are for a BAR it left at 0.</summary>
        internal static partial bool MemoryWindow(bool wide, out ulong start, out ulong size)
        {
            start = wide ? A64.DeviceTree.PciMemory64 : A64.DeviceTree.PciMemory32;
            size = wide ? A64.DeviceTree.PciMemory64Size : A64.DeviceTree.PciMemory32Size;
            return size != 0;
        }
    }
}
