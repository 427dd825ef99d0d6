using Aurora.Kernel.Drivers.Pci;
using Aurora.Kernel.Memory;
using Aurora.Vmm;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The portable half of the driver model's tests (drivers/pci, kernel/Memory's DMA
/// buffers), run on both architectures: x86_64's DriverTests and arm64's Aarch64DriverTests
/// name the machine's functions.</summary>
internal static unsafe class DriverModelTests
{
    /// <summary>A driver that counts its probes and removes and takes what it is offered.</summary>
    private sealed class CountingDriver : PciDriver
    {
        private readonly PciDeviceId[] _ids;
        public int Probes, Removes;

        public CountingDriver(ushort vendor, ushort device) => _ids = new[] { new PciDeviceId(vendor, device) };

        public override string Name => "test";

        public override PciDeviceId[] Ids => _ids;

        public override bool Probe(PciDevice device, PciDeviceId id)
        {
            Probes++;
            device.DriverData = this;
            return true;
        }

        public override void Remove(PciDevice device) => Removes++;
    }

    /// <summary>A driver for an id no function has probes nothing; a test driver takes the
    /// machine's driverless host bridge (<paramref name="vendor"/>:<paramref name="device"/>),
    /// unbind and unregister let it go, rebind offers it again.</summary>
    internal static void UnknownIdIsNotProbedAndRemoveUnbinds(ushort vendor, ushort device, string bridgeName)
    {
        var nobody = new CountingDriver(0x1234, 0xABCD);
        CheckEqual(0, PciDrivers.Register(nobody), "functions bound to an id nobody has");
        CheckEqual(0, nobody.Probes, "probes for an id nobody has");

        // The host bridge has no driver: a test driver takes it, then lets it go.
        PciDevice? bridge = PciDrivers.Find(vendor, device);
        if (bridge == null || bridge.Driver != null)
        {
            Log.Write("  no unbound ");
            Log.Write(bridgeName);
            Log.Write(" (");
            Log.WriteHex(vendor, 4);
            Log.Write(":");
            Log.WriteHex(device, 4);
            Log.WriteLine(")");
        }

        Check(bridge != null && bridge.Driver == null, "no unbound host bridge");
        var taker = new CountingDriver(vendor, device);
        CheckEqual(1, PciDrivers.Register(taker), "functions bound to the host bridge id");
        CheckEqual(1, taker.Probes, "probes of the host bridge");
        Check(bridge != null && bridge.Driver == taker && bridge.DriverData == taker, "the bridge is not bound to the test driver");
        if (bridge != null) PciDrivers.Unbind(bridge);
        CheckEqual(1, taker.Removes, "removes after unbind");
        Check(bridge == null || (bridge.Driver == null && bridge.DriverData == null), "unbind left the bridge bound");
        // Offered again, the function goes back to the only driver that matches it.
        Check(bridge != null && PciDrivers.Rebind(bridge) && bridge.Driver == taker, "rebind did not probe again");
        PciDrivers.Unregister(taker);
        CheckEqual(2, taker.Removes, "removes after unregister");
        PciDrivers.Unregister(nobody);
        CheckEqual(0, nobody.Removes, "removes of a driver that bound nothing");
        Check(bridge == null || bridge.Driver == null, "unregister left the bridge bound");
    }

    internal static void DmaBuffersAreContiguousAndMappedAsAsked()
    {
        ulong freeBefore = KernelMemory.Frames.FreeFrames;
        for (int mode = 0; mode < 2; mode++)
        {
            DmaCaching caching = mode == 0 ? DmaCaching.WriteBack : DmaCaching.Uncached;
            bool ok = Dma.Allocate(3 * 4096 + 100, caching, out DmaBuffer buffer);
            Check(ok, "a DMA allocation failed");
            if (!ok) continue;
            CheckEqual(4 * 4096, (long)buffer.Size, "DMA size (whole pages)");
            CheckEqual(0, (long)(buffer.Physical & 4095), "DMA physical alignment");
            bool zero = true;
            for (ulong i = 0; i < buffer.Size; i++) zero &= buffer.Virtual[i] == 0;
            Check(zero, "a DMA buffer was not zeroed");
            for (ulong page = 0; page < buffer.Size / 4096; page++)
            {
                VmmError error = KernelMemory.Mapper.Translate(KernelMemory.KernelSpace, (ulong)buffer.Virtual + (page * 4096) + 8, out Translation t);
                Check(error == VmmError.None, "a DMA page is not mapped");
                CheckEqual((long)(buffer.Physical + (page * 4096) + 8), (long)t.PhysicalAddress, "DMA page's physical address (contiguity)");
                CheckEqual(mode == 0 ? (long)CacheMode.WriteBack : (long)CacheMode.Uncached, (long)t.Cache, "DMA page's memory type");
                Check((t.Flags & PageFlags.Writable) != 0 && (t.Flags & PageFlags.NoExecute) != 0 && (t.Flags & PageFlags.User) == 0,
                    "a DMA page is not kernel-only writable and non-executable");
            }

            // What the kernel writes is in the frames the device is given.
            buffer.Virtual[4096 + 5] = 0x5A;
            CheckEqual(0x5A, *(byte*)(buffer.Physical + 4096 + 5 + KernelMemory.DirectMapOffset), "byte seen at the physical address");
            byte* virtualAddress = buffer.Virtual;
            Dma.Free(ref buffer);
            Check(!buffer.IsValid, "a freed DMA buffer still looks valid");
            if (caching == DmaCaching.Uncached)
                Check(KernelMemory.Mapper.Translate(KernelMemory.KernelSpace, (ulong)virtualAddress, out _) == VmmError.NotMapped,
                    "an uncached DMA window stayed mapped after free");
        }

        CheckEqual((long)freeBefore, (long)KernelMemory.Frames.FreeFrames, "free frames after the DMA buffers were freed");
    }
}
