using System;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// Reads the flattened device tree the firmware (or GRUB) hands over in the UEFI configuration
/// table (Devicetree Specification v0.4, chapter 5: header, structure block of tokens, strings
/// block; every number big-endian) for what the bring-up kernel needs: the UART, the GIC, the
/// firmware configuration device, the PSCI conduit and the PCIe host bridge. Nodes are matched by `compatible`; `reg`
/// is read with the root's #address-cells and #size-cells (QEMU's virt puts these devices at
/// the root). What it does not find keeps QEMU virt's fixed address (VirtMachine.cs). QEMU's
/// firmware passes a device tree only without ACPI (-M virt,acpi=off); reading ACPI (MADT, SPCR,
/// FADT) instead is still to do.
/// </summary>
internal static unsafe class DeviceTree
{
    private const uint Magic = 0xD00DFEED, BeginNode = 1, EndNode = 2, Property = 3, Nop = 4, End = 9;

    /// <summary>Where the devices' registers are: physical (identity-mapped) as the tree names
    /// them, then their addresses in kernel/Memory's device window (BringUp.StartKernelMemory).</summary>
    internal static ulong Uart = VirtMachine.Uart, GicDistributor = VirtMachine.GicDistributor,
        GicCpuInterface = VirtMachine.GicCpuInterface, FirmwareConfig = VirtMachine.FirmwareConfig;
    /// <summary>The tree named the UART or the interrupt controller. (With ACPI, the firmware
    /// passes no device tree and GRUB makes one with /chosen alone.)</summary>
    internal static bool Found;
    internal static bool PsciUsesSmc, GicIsVersion3;
    /// <summary>The PL031 real-time clock (compatible "arm,pl031").</summary>
    internal static ulong Rtc = VirtMachine.Rtc;
    /// <summary>The PL011's interrupt as a GIC interrupt id, from its `interrupts` property.</summary>
    internal static uint UartInterrupt = VirtMachine.UartInterrupt;

    /// <summary>The initial RAM disk the loader put in memory (GRUB's `initrd` command), from
    /// /chosen's linux,initrd-start and linux,initrd-end (physical, end exclusive; one or two
    /// cells each: Linux's Documentation/devicetree/bindings/chosen.txt and
    /// drivers/of/fdt.c, early_init_dt_check_for_initrd). Both 0: none.</summary>
    internal static ulong InitrdStart, InitrdEnd;

    /// <summary>The PCIe host bridge (compatible "pci-host-ecam-generic", QEMU virt's
    /// /pcie node; Linux's Documentation/devicetree/bindings/pci/host-generic-pci.yaml): the
    /// ECAM window (physical until BringUp maps it), its buses, the 32- and 64-bit memory
    /// windows of `ranges` (PCI address = CPU address checked), and INTx routing from
    /// `interrupt-map`. <see cref="PciFound"/> false: the tree names no host bridge.</summary>
    internal static bool PciFound;
    internal static ulong PciEcam, PciEcamSize;
    internal static int PciFirstBus, PciLastBus;
    internal static ulong PciMemory32, PciMemory32Size, PciMemory64, PciMemory64Size;

    /// <summary>One interrupt-map entry resolved to the GIC: the child's unit address (high
    /// cell) and pin as the mask leaves them, and the GIC interrupt id (32 + SPI number).</summary>
    internal struct PciRoute
    {
        public uint Address, Pin, GicId;
    }

    internal const int PciRouteCapacity = 32;
    internal static readonly PciRoute[] PciRoutes = new PciRoute[PciRouteCapacity];
    internal static int PciRouteCount;
    internal static uint PciMapAddressMask = 0xFFFF_FFFF, PciMapPinMask = 0xFFFF_FFFF;

    // Read while the tree is walked, resolved at its end (QEMU puts /pcie before /intc, so the
    // GIC's phandle and #address-cells are not known yet when the map is read).
    private static byte* s_pciMap, s_pciMapMask;
    private static uint s_pciMapLength, s_pciMapMaskLength, s_pciAddressCells = 3, s_pciInterruptCells = 1;
    private static uint s_gicPhandle = uint.MaxValue, s_gicAddressCells, s_gicInterruptCells = 3;

    private static uint Read32(byte* p) => (uint)p[0] << 24 | (uint)p[1] << 16 | (uint)p[2] << 8 | p[3];

    private static ulong ReadCells(byte* p, uint cells) => cells == 2 ? (ulong)Read32(p) << 32 | Read32(p + 4) : Read32(p);

    /// <summary>Whether the NUL-separated string list <paramref name="value"/> holds <paramref name="name"/>.</summary>
    private static bool ListHas(byte* value, uint length, string name)
    {
        for (uint start = 0; start < length;)
        {
            uint i = 0;
            while (i < name.Length && start + i < length && value[start + i] == name[(int)i]) i++;
            if (i == name.Length && start + i < length && value[start + i] == 0) return true;
            while (start < length && value[start] != 0) start++;
            start++;
        }
        return false;
    }

    private static bool NameIs(byte* text, string name)
    {
        int i = 0;
        for (; i < name.Length; i++) if (text[i] != name[i]) return false;
        return text[i] == 0;
    }

    internal static void Read(byte* blob)
    {
        if (blob == null || Read32(blob) != Magic) return;
        uint total = Read32(blob + 4);
        byte* structure = blob + Read32(blob + 8), strings = blob + Read32(blob + 12);
        byte* end = blob + total;
        uint addressCells = 2, sizeCells = 2;
        int depth = 0;
        // The node being read (depth 1): its compatible and reg, applied at its end.
        byte* compatible = null, reg = null, method = null;
        uint compatibleLength = 0, regLength = 0;
        Node node = default;
        byte* interrupts = null;
        uint interruptsLength = 0;
        bool chosen = false;
        ulong initrdStart = 0, initrdEnd = 0;
        for (byte* p = structure; p + 4 <= end;)
        {
            uint token = Read32(p);
            p += 4;
            if (token == BeginNode)
            {
                if (depth == 1) chosen = NameIs(p, "chosen");
                while (*p != 0) p++;
                p = (byte*)(((ulong)p + 4) & ~3UL);   // the name, its NUL, padding to 4
                depth++;
                if (depth == 2) { compatible = reg = method = null; compatibleLength = regLength = 0; node = default; }
                if (depth == 2) { interrupts = null; interruptsLength = 0; }
            }
            else if (token == EndNode)
            {
                if (depth == 2)
                {
                    Apply(compatible, compatibleLength, reg, regLength, method, addressCells, sizeCells);
                    if (compatible != null) ApplyBus(compatible, compatibleLength, reg, regLength, ref node, addressCells, sizeCells);
                    ApplyInterrupts(compatible, compatibleLength, interrupts, interruptsLength);
                }
                depth--;
            }
            else if (token == Property)
            {
                uint length = Read32(p), nameOffset = Read32(p + 4);
                byte* value = p + 8, name = strings + nameOffset;
                p = (byte*)(((ulong)value + length + 3) & ~3UL);
                if (depth == 1 && NameIs(name, "#address-cells") && length == 4) addressCells = Read32(value);
                else if (depth == 1 && NameIs(name, "#size-cells") && length == 4) sizeCells = Read32(value);
                else if (depth == 2 && NameIs(name, "compatible")) { compatible = value; compatibleLength = length; }
                else if (depth == 2 && NameIs(name, "reg")) { reg = value; regLength = length; }
                else if (depth == 2 && NameIs(name, "method")) method = value;
                else if (depth == 2 && chosen && NameIs(name, "linux,initrd-start") && (length == 4 || length == 8)) initrdStart = ReadCells(value, length / 4);
                else if (depth == 2 && chosen && NameIs(name, "linux,initrd-end") && (length == 4 || length == 8)) initrdEnd = ReadCells(value, length / 4);
                else if (depth == 2)
                {
                    node.Note(name, value, length);
                    if (NameIs(name, "interrupts")) { interrupts = value; interruptsLength = length; }
                }
            }
            else if (token == End) break;
            else if (token != Nop) return;   // malformed: keep the defaults
        }

        if (initrdEnd > initrdStart) { InitrdStart = initrdStart; InitrdEnd = initrdEnd; }

        ResolvePciRoutes();
    }

    /// <summary>The properties of a depth-2 node that the interrupt controller and the PCI host
    /// bridge need.</summary>
    private struct Node
    {
        public byte* BusRange, Ranges, Map, MapMask;
        public uint BusRangeLength, RangesLength, MapLength, MapMaskLength;
        public uint AddressCells, InterruptCells, Phandle;
        public bool HasAddressCells, HasInterruptCells, HasPhandle;

        public void Note(byte* name, byte* value, uint length)
        {
            if (NameIs(name, "bus-range")) { BusRange = value; BusRangeLength = length; }
            else if (NameIs(name, "ranges")) { Ranges = value; RangesLength = length; }
            else if (NameIs(name, "interrupt-map")) { Map = value; MapLength = length; }
            else if (NameIs(name, "interrupt-map-mask")) { MapMask = value; MapMaskLength = length; }
            else if (NameIs(name, "#address-cells") && length == 4) { AddressCells = Read32(value); HasAddressCells = true; }
            else if (NameIs(name, "#interrupt-cells") && length == 4) { InterruptCells = Read32(value); HasInterruptCells = true; }
            else if (NameIs(name, "phandle") && length == 4) { Phandle = Read32(value); HasPhandle = true; }
        }
    }

    /// <summary>The GIC's phandle and cells (interrupt-map's parent) and the PCIe host bridge.</summary>
    private static void ApplyBus(byte* compatible, uint compatibleLength, byte* reg, uint regLength, ref Node node, uint addressCells, uint sizeCells)
    {
        if (ListHas(compatible, compatibleLength, "arm,cortex-a15-gic"))
        {
            if (node.HasPhandle) s_gicPhandle = node.Phandle;
            s_gicAddressCells = node.HasAddressCells ? node.AddressCells : 0;
            if (node.HasInterruptCells) s_gicInterruptCells = node.InterruptCells;
            return;
        }

        if (!ListHas(compatible, compatibleLength, "pci-host-ecam-generic")) return;
        uint entry = (addressCells + sizeCells) * 4;
        if (reg == null || regLength < entry) return;
        PciEcam = ReadCells(reg, addressCells);
        PciEcamSize = ReadCells(reg + (addressCells * 4), sizeCells);
        PciFirstBus = 0;
        PciLastBus = (int)Math.Min(255UL, (PciEcamSize >> 20) - 1);
        if (node.BusRange != null && node.BusRangeLength == 8)
        {
            PciFirstBus = (int)Read32(node.BusRange);
            PciLastBus = (int)Math.Min(Read32(node.BusRange + 4), 255u);
        }

        uint childCells = node.HasAddressCells ? node.AddressCells : 3;
        s_pciAddressCells = childCells;
        if (node.HasInterruptCells) s_pciInterruptCells = node.InterruptCells;
        // ranges: <PCI address (3 cells: space code in bits 25:24 of the first), CPU address
        // (the root's #address-cells), size (the bridge's #size-cells, 2)> (IEEE 1275 PCI binding §2.2.1.1).
        uint rangeEntry = (childCells + addressCells + 2) * 4;
        for (uint at = 0; childCells == 3 && node.Ranges != null && at + rangeEntry <= node.RangesLength; at += rangeEntry)
        {
            byte* r = node.Ranges + at;
            uint space = (Read32(r) >> 24) & 3;
            ulong pci = ReadCells(r + 4, 2), cpu = ReadCells(r + 12, addressCells), size = ReadCells(r + 12 + (addressCells * 4), 2);
            if (pci != cpu) continue;   // the bus code takes PCI addresses for CPU addresses
            if (space == 2) { PciMemory32 = cpu; PciMemory32Size = size; }
            else if (space == 3) { PciMemory64 = cpu; PciMemory64Size = size; }
        }

        s_pciMap = node.Map;
        s_pciMapLength = node.MapLength;
        s_pciMapMask = node.MapMask;
        s_pciMapMaskLength = node.MapMaskLength;
        PciFound = true;
    }

    /// <summary>interrupt-map entries (<child unit address, child pin, parent phandle, parent
    /// unit address, parent interrupt specifier>, Devicetree Specification v0.4 §2.4.3.1) whose
    /// parent is the GIC, as GIC interrupt ids: an SPI (type 0) n is id 32 + n.</summary>
    private static void ResolvePciRoutes()
    {
        PciRouteCount = 0;
        if (s_pciMap == null || s_pciAddressCells == 0) return;
        if (s_pciMapMask != null && s_pciMapMaskLength == (s_pciAddressCells + s_pciInterruptCells) * 4)
        {
            PciMapAddressMask = Read32(s_pciMapMask);
            PciMapPinMask = Read32(s_pciMapMask + (s_pciAddressCells * 4));
        }

        uint cells = s_pciAddressCells + s_pciInterruptCells + 1 + s_gicAddressCells + s_gicInterruptCells;
        for (uint at = 0; at + (cells * 4) <= s_pciMapLength && PciRouteCount < PciRouteCapacity; at += cells * 4)
        {
            byte* e = s_pciMap + at;
            uint parent = Read32(e + ((s_pciAddressCells + s_pciInterruptCells) * 4));
            if (parent != s_gicPhandle || s_gicInterruptCells < 2) continue;
            byte* specifier = e + ((s_pciAddressCells + s_pciInterruptCells + 1 + s_gicAddressCells) * 4);
            uint type = Read32(specifier), number = Read32(specifier + 4);
            if (type != 0) continue;   // a PPI is per-processor: no PCI interrupt is one
            PciRoutes[PciRouteCount++] = new PciRoute
            {
                Address = Read32(e) & PciMapAddressMask,
                Pin = Read32(e + (s_pciAddressCells * 4)) & PciMapPinMask,
                GicId = 32 + number,
            };
        }
    }

    /// <summary>The GIC interrupt id INTx pin <paramref name="pin"/> of bus:device.function
    /// reaches through the host bridge's interrupt-map, or -1.</summary>
    internal static int PciInterrupt(byte bus, byte device, byte function, byte pin)
    {
        uint address = (((uint)bus << 16) | ((uint)device << 11) | ((uint)function << 8)) & PciMapAddressMask;
        uint maskedPin = pin & PciMapPinMask;
        for (int i = 0; i < PciRouteCount; i++)
        {
            if (PciRoutes[i].Address == address && PciRoutes[i].Pin == maskedPin) return (int)PciRoutes[i].GicId;
        }

        return -1;
    }

    private static void Apply(byte* compatible, uint compatibleLength, byte* reg, uint regLength, byte* method, uint addressCells, uint sizeCells)
    {
        if (compatible == null) return;
        uint entry = (addressCells + sizeCells) * 4;
        if (ListHas(compatible, compatibleLength, "arm,psci-1.0") || ListHas(compatible, compatibleLength, "arm,psci-0.2"))
        {
            PsciUsesSmc = method != null && method[0] == 's';
            return;
        }
        if (reg == null || entry == 0 || regLength < entry) return;
        ulong first = ReadCells(reg, addressCells);
        if (ListHas(compatible, compatibleLength, "arm,pl011")) { Uart = first; Found = true; }
        else if (ListHas(compatible, compatibleLength, "qemu,fw-cfg-mmio")) FirmwareConfig = first;
        else if (ListHas(compatible, compatibleLength, "arm,cortex-a15-gic") && regLength >= 2 * entry)
        {
            GicDistributor = first;
            GicCpuInterface = ReadCells(reg + entry, addressCells);
            Found = true;
        }
        else if (ListHas(compatible, compatibleLength, "arm,gic-v3")) GicIsVersion3 = Found = true;
        else if (ListHas(compatible, compatibleLength, "arm,pl031")) Rtc = first;
    }

    /// <summary>A device's interrupt in the GIC's three-cell binding (Linux
    /// Documentation/devicetree/bindings/interrupt-controller/arm,gic.yaml: type 0 = SPI, whose
    /// id is 32 + the number; 1 = PPI, 16 + the number; then the trigger flags).</summary>
    private static void ApplyInterrupts(byte* compatible, uint compatibleLength, byte* interrupts, uint length)
    {
        if (compatible == null || interrupts == null || length < 12) return;
        uint type = Read32(interrupts), number = Read32(interrupts + 4);
        uint id = type == 0 ? 32 + number : type == 1 ? 16 + number : 0;
        if (id == 0 || id >= 1020) return;
        if (ListHas(compatible, compatibleLength, "arm,pl011")) UartInterrupt = id;
    }
}
