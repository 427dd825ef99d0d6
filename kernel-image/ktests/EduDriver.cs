using Aurora.Kernel.Drivers.Pci;
using Aurora.Kernel.Memory;
using HalIo = Aurora.Kernel.Hal.Io;

namespace Aurora.Kernel.Tests;

/// <summary>
/// A driver for QEMU's teaching device <c>-device edu</c> (PCI 1234:11e8; QEMU
/// docs/specs/edu.rst, hw/misc/edu.c), in the test build only: it exists to prove MSI
/// delivery, the one device in the test machine that raises MSI on demand. Registered by
/// <see cref="EduTests"/> through the PCI driver registry (docs/extending.md, "A driver").
/// </summary>
internal sealed class EduDriver : PciDriver
{
    internal static readonly EduDriver Instance = new EduDriver();
    private static readonly PciDeviceId[] s_ids = { new PciDeviceId(Edu.Vendor, Edu.Device) };

    public override string Name => "edu";

    public override PciDeviceId[] Ids => s_ids;

    public override bool Probe(PciDevice device, PciDeviceId id)
    {
        Edu? edu = Edu.Start(device);
        if (edu == null) return false;
        device.DriverData = edu;
        return true;
    }

    public override void Remove(PciDevice device)
    {
        if (device.DriverData is Edu edu) edu.Stop();
    }
}

/// <summary>One edu function: BAR0 registers (32-bit accesses below 0x80) and its interrupt,
/// counted in the handler.</summary>
internal sealed unsafe class Edu
{
    internal const ushort Vendor = 0x1234, Device = 0x11E8;
    internal const int Identification = 0x00, Liveness = 0x04, Factorial = 0x08, Status = 0x20,
        InterruptStatus = 0x24, InterruptRaise = 0x60, InterruptAcknowledge = 0x64;
    /// <summary><see cref="Status"/>: computing (read only); raise interrupt 1 when the
    /// factorial is done.</summary>
    internal const uint StatusComputing = 0x01, StatusInterruptOnFactorial = 0x80;
    /// <summary>The interrupt-status value the device raises when a factorial is done.</summary>
    internal const uint FactorialInterrupt = 0x01;
    private const ulong RegisterBytes = 4096;   // of BAR0's 1 MiB: every register is below 0x100

    internal readonly PciDevice Pci;
    private byte* _registers;

    /// <summary>True when <see cref="PciDevice.RequestInterrupt"/> connected the device.</summary>
    internal bool InterruptDriven;
    /// <summary>Handler calls that found a raised status (written only in the handler; waiters
    /// read it between calls that sleep, so the load is not hoisted).</summary>
    internal int Interrupts;
    /// <summary>Handler calls that found the status empty (not this device's).</summary>
    internal int Empty;
    /// <summary>The last status the handler acknowledged, and all of them ORed.</summary>
    internal uint LastAcknowledged, AllAcknowledged;

    private Edu(PciDevice pci) => Pci = pci;

    /// <summary>Maps BAR0, checks the identification (0xRRrr00ed) and connects the
    /// interrupt; null when the BAR or the mapping is missing or the device is not an edu.</summary>
    internal static Edu? Start(PciDevice pci)
    {
        ulong bar = pci.MemoryBar(0);
        if (bar == 0) return null;
        var edu = new Edu(pci);
        // Bus mastering too: an MSI is a memory write by the device.
        pci.EnableMemoryAndBusMastering();
        edu._registers = KernelMemory.MapDevice(bar, RegisterBytes);
        if (edu._registers == null) return null;
        if ((edu.Read(Identification) & 0xFFFF) != 0x00ED)
        {
            edu.Stop();
            return null;
        }

        edu.Write(Status, 0);
        edu.Write(InterruptAcknowledge, edu.Read(InterruptStatus));
        edu.InterruptDriven = pci.RequestInterrupt(&OnInterrupt, edu);
        return edu;
    }

    /// <summary>Stops factorial interrupts, acknowledges what is pending, releases the
    /// interrupt (MSI off, its vector freed) and unmaps the registers.</summary>
    internal void Stop()
    {
        if (_registers != null)
        {
            Write(Status, 0);
            Write(InterruptAcknowledge, Read(InterruptStatus));
        }

        if (InterruptDriven) Pci.FreeInterrupt(&OnInterrupt, this);
        InterruptDriven = false;
        if (_registers != null) KernelMemory.UnmapWindow(_registers, RegisterBytes);
        _registers = null;
    }

    internal uint Read(int register) => HalIo.Read32((ulong)(_registers + register));

    internal void Write(int register, uint value) => HalIo.Write32((ulong)(_registers + register), value);

    /// <summary>Interrupt context: acknowledge what the status shows (0x64: "needs to be done
    /// from the ISR to stop generating interrupts", MSI or not) and count it.</summary>
    private static bool OnInterrupt(object context)
    {
        var edu = (Edu)context;
        if (edu._registers == null) return false;
        uint status = edu.Read(InterruptStatus);
        if (status == 0)
        {
            edu.Empty++;
            return false;
        }

        edu.Write(InterruptAcknowledge, status);
        edu.LastAcknowledged = status;
        edu.AllAcknowledged |= status;
        edu.Interrupts++;
        return true;
    }
}
