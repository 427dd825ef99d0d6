using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Drivers.Pci;

/// <summary>
/// One PCI function as drivers see it (Linux's <c>struct pci_dev</c>): its address and ids,
/// read once at enumeration, the driver bound to it and that driver's per-device object, and
/// what a driver asks of the function: BARs, memory decoding and bus mastering, and its
/// interrupt (legacy INTx line or MSI).
/// </summary>
internal sealed unsafe class PciDevice
{
    internal const byte CapabilityMsi = 0x05;

    public readonly PciAddress Address;
    public readonly ushort VendorId, DeviceId;
    /// <summary>Class, subclass, programming interface (the top 24 bits of dword 2).</summary>
    public readonly uint ClassCode;
    /// <summary>The interrupt line register (x86: the 8259 input the firmware routed INTx to,
    /// 0xFF: none), and which INTx pin (1-4 = INTA-INTD, 0: the function does not use INTx).</summary>
    public readonly byte InterruptLine, InterruptPin;
    /// <summary>The interrupt controller's line INTx reaches (the host bridge's routing,
    /// Hal.PciConfiguration.InterruptLineOf), or -1.</summary>
    public readonly int IntxLine;

    /// <summary>The driver whose probe accepted this function, or null.</summary>
    public PciDriver? Driver;
    /// <summary>What the bound driver keeps for this function (its device object).</summary>
    public object? DriverData;

    private MessageTarget _msi;
    private byte _msiCapability;

    public PciDevice(PciAddress address)
    {
        Address = address;
        VendorId = PciBus.Read16(address, PciBus.VendorId);
        DeviceId = PciBus.Read16(address, PciBus.DeviceId);
        ClassCode = PciBus.Read32(address, PciBus.ClassCode) >> 8;
        InterruptLine = PciBus.Read8(address, PciBus.InterruptLine);
        InterruptPin = PciBus.Read8(address, PciBus.InterruptPin);
        IntxLine = InterruptPin is >= 1 and <= 4
            ? PciConfiguration.InterruptLineOf(address.Bus, address.Device, address.Function, InterruptPin, InterruptLine)
            : -1;
    }

    /// <summary>Physical address of memory BAR <paramref name="index"/> (0 for an I/O BAR).</summary>
    public ulong MemoryBar(int index) => PciBus.MemoryBar(Address, index);

    public void EnableMemoryAndBusMastering() => PciBus.EnableMemoryAndBusMastering(Address);

    /// <summary>Offset of capability <paramref name="id"/> in configuration space, or 0.</summary>
    public byte FindCapability(byte id) => PciBus.FindCapability(Address, id);

    public bool HasMsi => FindCapability(CapabilityMsi) != 0;

    /// <summary>The vector MSI raises once <see cref="EnableMsi"/> succeeded, else 0.</summary>
    public int MsiVector => _msi.Vector;

    /// <summary>
    /// Connects the function's interrupt to <paramref name="handler"/>(<paramref name="context"/>):
    /// by MSI when the function has the capability (a free vector, INTx disabled), else by its
    /// legacy INTx line (<see cref="IntxLine"/>). False when neither can be had.
    /// </summary>
    public bool RequestInterrupt(delegate*<object, bool> handler, object context)
    {
        if (EnableMsi(handler, context)) return true;
        if (IntxLine < 0) return false;
        return InterruptController.Register(IntxLine, handler, context);
    }

    /// <summary>Undoes <see cref="RequestInterrupt"/> (the device must be quiet first).</summary>
    public void FreeInterrupt(delegate*<object, bool> handler, object context)
    {
        if (_msiCapability != 0)
        {
            DisableMsi();
            return;
        }

        if (IntxLine >= 0) InterruptController.Unregister(IntxLine, handler, context);
    }

    /// <summary>
    /// Programs the MSI capability (PCI Local Bus 3.0 §6.8.1: message control at +2, address at
    /// +4, upper address at +8 when 64-bit capable, data after it) with a free vector on this
    /// processor, one message (Multiple Message Enable 0), sets INTx Disable and enables MSI.
    /// False when the function has no MSI capability or no vector is free.
    /// </summary>
    public bool EnableMsi(delegate*<object, bool> handler, object context)
    {
        byte cap = FindCapability(CapabilityMsi);
        if (cap == 0 || _msiCapability != 0) return false;
        if (!InterruptController.AllocateMessage(handler, context, out MessageTarget target)) return false;
        ushort control = PciBus.Read16(Address, (byte)(cap + 2));
        bool wide = (control & (1 << 7)) != 0;
        PciBus.Write32(Address, (byte)(cap + 4), (uint)target.Address);
        if (wide) PciBus.Write32(Address, (byte)(cap + 8), (uint)(target.Address >> 32));
        PciBus.Write16(Address, (byte)(cap + (wide ? 12 : 8)), target.Data);
        ushort command = PciBus.Read16(Address, PciBus.Command);
        PciBus.Write16(Address, PciBus.Command, (ushort)(command | PciBus.InterruptDisable));
        control = (ushort)((control & ~(7 << 4)) | 1);    // one message, MSI Enable
        PciBus.Write16(Address, (byte)(cap + 2), control);
        _msi = target;
        _msiCapability = cap;
        return true;
    }

    /// <summary>Turns MSI off (INTx back on) and frees the vector.</summary>
    public void DisableMsi()
    {
        if (_msiCapability == 0) return;
        byte cap = _msiCapability;
        PciBus.Write16(Address, (byte)(cap + 2), (ushort)(PciBus.Read16(Address, (byte)(cap + 2)) & ~1));
        ushort command = PciBus.Read16(Address, PciBus.Command);
        PciBus.Write16(Address, PciBus.Command, (ushort)(command & ~PciBus.InterruptDisable));
        InterruptController.FreeMessage(_msi);
        _msi = default;
        _msiCapability = 0;
    }

    /// <summary>The MSI address and data the function holds now (for tests and diagnostics).</summary>
    public void ReadMsi(out ulong address, out ushort data, out bool enabled)
    {
        address = 0; data = 0; enabled = false;
        byte cap = FindCapability(CapabilityMsi);
        if (cap == 0) return;
        ushort control = PciBus.Read16(Address, (byte)(cap + 2));
        bool wide = (control & (1 << 7)) != 0;
        address = PciBus.Read32(Address, (byte)(cap + 4));
        if (wide) address |= (ulong)PciBus.Read32(Address, (byte)(cap + 8)) << 32;
        data = PciBus.Read16(Address, (byte)(cap + (wide ? 12 : 8)));
        enabled = (control & 1) != 0;
    }
}
