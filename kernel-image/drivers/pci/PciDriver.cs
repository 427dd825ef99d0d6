using System;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Drivers.Pci;

/// <summary>One entry of a driver's id table (Linux's <c>struct pci_device_id</c>, vendor and
/// device only; <see cref="Any"/> matches every value).</summary>
internal readonly struct PciDeviceId
{
    public const ushort Any = 0xFFFF;
    public readonly ushort Vendor, Device;

    public PciDeviceId(ushort vendor, ushort device)
    {
        Vendor = vendor;
        Device = device;
    }

    public bool Matches(PciDevice function) =>
        (Vendor == Any || Vendor == function.VendorId) && (Device == Any || Device == function.DeviceId);
}

/// <summary>
/// A PCI driver (Linux's <c>struct pci_driver</c>, SerenityOS's <c>PCI::Driver</c>): a name, the
/// ids it serves, and <see cref="Probe"/>/<see cref="Remove"/>. The registry calls
/// <see cref="Probe"/> for each unbound function whose ids match; a driver that takes the
/// function sets it up, keeps its object in <see cref="PciDevice.DriverData"/> and returns true.
/// <see cref="Remove"/> undoes it: interrupts off, DMA stopped and freed, device objects
/// unregistered.
/// </summary>
internal abstract class PciDriver
{
    public abstract string Name { get; }
    public abstract PciDeviceId[] Ids { get; }

    /// <summary>Takes <paramref name="device"/> (matched by <paramref name="id"/>); false leaves
    /// it unbound for another driver.</summary>
    public abstract bool Probe(PciDevice device, PciDeviceId id);

    public abstract void Remove(PciDevice device);
}

/// <summary>
/// The PCI bus's functions and the drivers that bind to them. <see cref="Enumerate"/> reads
/// the bus once at boot; <see cref="Register"/> probes the new driver against every unbound
/// matching function (drivers registered later still find their devices, as with Linux's
/// <c>pci_register_driver</c>); <see cref="Unbind"/> and <see cref="Unregister"/> call remove.
/// One sleeping lock (the registry lock) covers the lists and every probe and remove; it sits
/// above the network lock in the lock order (a remove may take it).
/// </summary>
internal static unsafe class PciDrivers
{
    private const int MaxDevices = 64, MaxDrivers = 16;

    private static PciDevice[] s_devices = null!;
    private static int s_deviceCount;
    private static PciDriver[] s_drivers = null!;
    private static int s_driverCount;
    private static KernelMutex s_lock;

    internal static int DeviceCount => s_deviceCount;

    internal static PciDevice? Device(int index) => (uint)index < (uint)s_deviceCount ? s_devices[index] : null;

    /// <summary>The first function with these ids, or null.</summary>
    internal static PciDevice? Find(ushort vendor, ushort device)
    {
        for (int i = 0; i < s_deviceCount; i++)
        {
            if (s_devices[i].VendorId == vendor && s_devices[i].DeviceId == device) return s_devices[i];
        }

        return null;
    }

    /// <summary>Reads the bus (once, at boot, thread context).</summary>
    internal static void Enumerate()
    {
        if (s_devices != null) return;
        s_devices = new PciDevice[MaxDevices];
        s_drivers = new PciDriver[MaxDrivers];
        PciBus.Enumerate(&Found);
        // Then the BARs the firmware left at 0, above every one it assigned.
        for (int i = 0; i < s_deviceCount; i++)
        {
            int assigned = PciBus.AssignUnassignedBars(s_devices[i].Address);
            if (assigned < 0) BarsUnplaced++;
            else BarsAssigned += assigned;
        }
    }

    /// <summary>Memory BARs given an address by the kernel (the firmware left them at 0), and
    /// those no window had room for.</summary>
    internal static int BarsAssigned, BarsUnplaced;

    private static void Found(PciAddress at)
    {
        if (s_deviceCount == MaxDevices) return;
        PciBus.ReserveAssignedBars(at);
        s_devices[s_deviceCount++] = new PciDevice(at);
    }

    /// <summary>Adds <paramref name="driver"/> and probes it against every unbound function it
    /// matches; returns how many it took (-1: the driver table is full).</summary>
    internal static int Register(PciDriver driver)
    {
        Enumerate();
        Lock();
        if (s_driverCount == MaxDrivers)
        {
            Unlock();
            return -1;
        }

        s_drivers[s_driverCount++] = driver;
        int bound = 0;
        for (int i = 0; i < s_deviceCount; i++)
        {
            if (TryBind(s_devices[i], driver)) bound++;
        }

        Unlock();
        return bound;
    }

    /// <summary>Removes the driver from every function it has and from the table.</summary>
    internal static void Unregister(PciDriver driver)
    {
        Lock();
        for (int i = 0; i < s_deviceCount; i++)
        {
            if (s_devices[i].Driver == driver) UnbindLocked(s_devices[i]);
        }

        for (int i = 0; i < s_driverCount; i++)
        {
            if (s_drivers[i] != driver) continue;
            s_drivers[i] = s_drivers[--s_driverCount];
            s_drivers[s_driverCount] = null!;
            break;
        }

        Unlock();
    }

    /// <summary>Calls the bound driver's remove and leaves the function unbound (Linux's
    /// <c>device_release_driver</c>, as when writing to a driver's <c>unbind</c> file).</summary>
    internal static void Unbind(PciDevice device)
    {
        Lock();
        UnbindLocked(device);
        Unlock();
    }

    /// <summary>Offers an unbound function to every registered driver again (after
    /// <see cref="Unbind"/>); true when one took it.</summary>
    internal static bool Rebind(PciDevice device)
    {
        Lock();
        bool bound = false;
        for (int i = 0; i < s_driverCount && !bound; i++) bound = TryBind(device, s_drivers[i]);
        Unlock();
        return bound;
    }

    private static bool TryBind(PciDevice device, PciDriver driver)
    {
        if (device.Driver != null) return false;
        PciDeviceId[] ids = driver.Ids;
        for (int j = 0; j < ids.Length; j++)
        {
            if (!ids[j].Matches(device)) continue;
            if (!driver.Probe(device, ids[j])) return false;
            device.Driver = driver;
            return true;
        }

        return false;
    }

    private static void UnbindLocked(PciDevice device)
    {
        PciDriver? driver = device.Driver;
        if (driver == null) return;
        driver.Remove(device);
        device.Driver = null;
        device.DriverData = null;
    }

    private static void Lock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Acquire();
    }

    private static void Unlock()
    {
        fixed (KernelMutex* mutex = &s_lock) mutex->Release();
    }
}
