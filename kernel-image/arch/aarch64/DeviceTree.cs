namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// Reads the flattened device tree the firmware (or GRUB) hands over in the UEFI configuration
/// table (Devicetree Specification v0.4, chapter 5: header, structure block of tokens, strings
/// block; every number big-endian) for what the bring-up kernel needs: the UART, the GIC, the
/// firmware configuration device and the PSCI conduit. Nodes are matched by `compatible`; `reg`
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
        byte* interrupts = null;
        uint interruptsLength = 0;
        for (byte* p = structure; p + 4 <= end;)
        {
            uint token = Read32(p);
            p += 4;
            if (token == BeginNode)
            {
                while (*p != 0) p++;
                p = (byte*)(((ulong)p + 4) & ~3UL);   // the name, its NUL, padding to 4
                depth++;
                if (depth == 2) { compatible = reg = method = null; compatibleLength = regLength = 0; }
                if (depth == 2) { interrupts = null; interruptsLength = 0; }
            }
            else if (token == EndNode)
            {
                if (depth == 2) Apply(compatible, compatibleLength, reg, regLength, method, addressCells, sizeCells);
                if (depth == 2) ApplyInterrupts(compatible, compatibleLength, interrupts, interruptsLength);
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
                else if (depth == 2 && NameIs(name, "interrupts")) { interrupts = value; interruptsLength = length; }
            }
            else if (token == End) break;
            else if (token != Nop) return;   // malformed: keep the defaults
        }
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
