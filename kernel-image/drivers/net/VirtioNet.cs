using System;
using System.Runtime.CompilerServices;
using Aurora.Kernel.Drivers.Pci;
using Aurora.Kernel.Memory;

namespace Aurora.Kernel.Drivers.Net;

/// <summary>
/// virtio-net over modern virtio-pci (QEMU's <c>-device virtio-net-pci</c>; Virtual I/O Device
/// spec 1.2: §4.1.4 the PCI capabilities that locate the common, notify, ISR and device
/// configuration structures, §3.1.1 initialisation, §2.7 split virtqueues, §5.1 the network
/// device). Features asked: VERSION_1 and MAC only, so every frame carries the 12-byte
/// <c>virtio_net_hdr</c> (zero on transmit) and no offloads. Queue 0 receives, queue 1
/// transmits, each with up to 256 descriptors of one 2 KiB buffer; received frames are lent
/// to the stack in place, transmit buffers lent and filled in place, as the e1000's. The
/// interrupt is INTx (QEMU offers MSI-X, which the kernel does not program yet); reading the
/// ISR status acknowledges it. Rings and buffers are ordinary cached memory, as Linux's: virtio
/// devices are cache-coherent (QEMU's on x86 and on arm64's virt alike); the order the device
/// must see (a descriptor before the index that publishes it, the index before the entry it
/// covers) is kept by Hal.Cpu's DMA barriers, which x86 needs only from the compiler.
/// </summary>
internal sealed unsafe class VirtioNet : NetworkDevice
{
    internal const ushort VendorVirtio = 0x1AF4, DeviceTransitional = 0x1000, DeviceModern = 0x1041;

    private const byte CapabilityVendor = 0x09;
    private const byte CommonConfig = 1, NotifyConfig = 2, IsrConfig = 3, DeviceConfig = 4;

    // Common configuration (§4.1.4.3).
    private const int DeviceFeatureSelect = 0x00, DeviceFeature = 0x04, DriverFeatureSelect = 0x08, DriverFeature = 0x0C;
    private const int DeviceStatus = 0x14, QueueSelect = 0x16, QueueSize = 0x18, QueueEnable = 0x1C, QueueNotifyOff = 0x1E;
    private const int QueueDesc = 0x20, QueueDriver = 0x28, QueueDevice = 0x30;

    private const byte StatusAcknowledge = 1, StatusDriver = 2, StatusDriverOk = 4, StatusFeaturesOk = 8;
    private const uint FeatureMac = 1u << 5;       // low word
    private const uint FeatureVersion1 = 1u << 0;  // high word: bit 32

    private const ushort DescriptorWrite = 2;
    /// <summary>Driver ring flag VIRTQ_AVAIL_F_NO_INTERRUPT (§2.7.7): a hint the device honours
    /// without VIRTIO_F_EVENT_IDX, which this driver does not negotiate.</summary>
    private const ushort AvailNoInterrupt = 1;
    /// <summary>Device ring flag VIRTQ_USED_F_NO_NOTIFY: the device is processing the queue and
    /// will look at new entries by itself (QEMU sets it while its transmit handler is pending).</summary>
    private const ushort UsedNoNotify = 1;
    private const int HeaderLength = 12;           // virtio_net_hdr with num_buffers (VERSION_1)
    private const int MaxQueue = 256;
    private const int BufferSize = 2048;
    private const int RefillBatch = 16;

    private struct Descriptor
    {
        public ulong Address;
        public uint Length;
        public ushort Flags;
        public ushort Next;
    }

    /// <summary>One split virtqueue: descriptor table, driver (avail) and device (used) rings.</summary>
    private struct Queue
    {
        public DmaBuffer DescMemory, AvailMemory, UsedMemory, Buffers;
        public Descriptor* Desc;
        public ushort* Avail;    // flags, idx, ring[size]
        public byte* Used;       // flags, idx, ring[size] of {id, len}
        public int Size;
        public ushort AvailIdx;  // our next avail index
        public ushort UsedSeen;  // device's used idx we have consumed up to
        public ushort* Notify;
        public ushort Index;
    }

    private readonly PciDevice _pci;
    private byte* _window;
    private ulong _windowBytes;
    private byte* _common, _isr, _device;
    private byte* _notifyBase;
    private uint _notifyMultiplier;
    private Queue _rx, _tx;
    private bool _rxLent, _txLent;
    private int _rxLentId;
    private int _rxUnnotified;
    /// <summary>Transmit descriptors the device has not given back yet, by id.</summary>
    private bool* _txBusy;
    private DmaBuffer _txBusyMemory;
    private int _txNext;

    private VirtioNet(PciDevice pci) => _pci = pci;

    public override string Name => "virtio-net";

    public PciDevice Pci => _pci;

    public override void MacAddress(Span<byte> mac)
    {
        for (int i = 0; i < 6; i++) mac[i] = _device[i];
    }

    // §5.1.4: without VIRTIO_NET_F_STATUS the link is always up.
    public override bool LinkUp => true;

    internal static VirtioNet? Start(PciDevice pci)
    {
        var nic = new VirtioNet(pci);
        pci.EnableMemoryAndBusMastering();
        if (!nic.MapStructures() || !nic.Initialise())
        {
            nic.Stop();
            return null;
        }

        nic.InterruptDriven = pci.RequestInterrupt(&OnInterrupt, nic);
        return nic;
    }

    /// <summary>§4.1.4: walks the vendor capabilities for the four structures; all must sit in
    /// one memory BAR (QEMU puts them in BAR 4), which is mapped once.</summary>
    private bool MapStructures()
    {
        int bar = -1;
        uint commonOffset = 0, notifyOffset = 0, isrOffset = 0, deviceOffset = 0, end = 0;
        bool common = false, notify = false, isr = false, device = false;
        byte at = _pci.FindCapability(CapabilityVendor);
        for (int guard = 0; at != 0 && guard < 48; guard++)
        {
            if (PciBus.Read8(_pci.Address, at) == CapabilityVendor)
            {
                byte type = PciBus.Read8(_pci.Address, (byte)(at + 3));
                int capBar = PciBus.Read8(_pci.Address, (byte)(at + 4));
                uint offset = PciBus.Read32(_pci.Address, (byte)(at + 8));
                uint length = PciBus.Read32(_pci.Address, (byte)(at + 12));
                if (type >= CommonConfig && type <= DeviceConfig && (bar < 0 || bar == capBar) && capBar < 6 && length < (1u << 20))
                {
                    bar = capBar;
                    end = Math.Max(end, offset + length);
                    switch (type)
                    {
                        case CommonConfig: if (!common) { commonOffset = offset; common = true; } break;
                        case NotifyConfig:
                            if (!notify)
                            {
                                notifyOffset = offset;
                                _notifyMultiplier = PciBus.Read32(_pci.Address, (byte)(at + 16));
                                notify = true;
                            }

                            break;
                        case IsrConfig: if (!isr) { isrOffset = offset; isr = true; } break;
                        case DeviceConfig: if (!device) { deviceOffset = offset; device = true; } break;
                    }
                }
            }

            at = PciBus.Read8(_pci.Address, (byte)(at + 1));
        }

        if (!common || !notify || !isr || !device) return false;
        ulong physical = _pci.MemoryBar(bar);
        if (physical == 0) return false;
        _windowBytes = ((ulong)end + 4095) & ~4095UL;
        _window = KernelMemory.MapDevice(physical, _windowBytes);
        if (_window == null) return false;
        _common = _window + commonOffset;
        _notifyBase = _window + notifyOffset;
        _isr = _window + isrOffset;
        _device = _window + deviceOffset;
        return true;
    }

    /// <summary>§3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK (checked), queues, DRIVER_OK.</summary>
    private bool Initialise()
    {
        Write8(DeviceStatus, 0);
        for (int spin = 0; spin < 1_000_000 && Read8(DeviceStatus) != 0; spin++) { }
        Write8(DeviceStatus, StatusAcknowledge);
        Write8(DeviceStatus, StatusAcknowledge | StatusDriver);
        Write32(DeviceFeatureSelect, 0);
        uint low = Read32(DeviceFeature);
        Write32(DeviceFeatureSelect, 1);
        uint high = Read32(DeviceFeature);
        if ((high & FeatureVersion1) == 0 || (low & FeatureMac) == 0) return false;
        Write32(DriverFeatureSelect, 0);
        Write32(DriverFeature, FeatureMac);
        Write32(DriverFeatureSelect, 1);
        Write32(DriverFeature, FeatureVersion1);
        Write8(DeviceStatus, StatusAcknowledge | StatusDriver | StatusFeaturesOk);
        if ((Read8(DeviceStatus) & StatusFeaturesOk) == 0) return false;
        if (!SetUpQueue(ref _rx, 0) || !SetUpQueue(ref _tx, 1)) return false;
        if (!Dma.Allocate(4096, DmaCaching.WriteBack, out _txBusyMemory)) return false;
        _txBusy = (bool*)_txBusyMemory.Virtual;

        // Every receive buffer goes to the device, device-writable.
        for (int i = 0; i < _rx.Size; i++)
        {
            _rx.Desc[i].Address = _rx.Buffers.PhysicalAt((ulong)(i * BufferSize));
            _rx.Desc[i].Length = BufferSize;
            _rx.Desc[i].Flags = DescriptorWrite;
            _rx.Avail[2 + i] = (ushort)i;
        }

        _rx.AvailIdx = (ushort)_rx.Size;
        Hal.Cpu.DmaWriteBarrier();
        _rx.Avail[1] = _rx.AvailIdx;
        for (int i = 0; i < _tx.Size; i++)
        {
            _tx.Desc[i].Address = _tx.Buffers.PhysicalAt((ulong)(i * BufferSize));
        }

        // Transmit completions interrupt only when the ring is full (TryReserveTransmit): the
        // buffers are reclaimed as the next frame is sent, so an interrupt per sent batch (one
        // per ACK burst) would only wake the network thread for nothing.
        _tx.Avail[0] = AvailNoInterrupt;
        // The rings as written above, before the device may look at them (device memory's
        // own order does not cover normal memory on arm64).
        Hal.Cpu.MemoryFence();
        Write8(DeviceStatus, StatusAcknowledge | StatusDriver | StatusFeaturesOk | StatusDriverOk);
        Notify(ref _rx);
        return true;
    }

    private bool SetUpQueue(ref Queue q, ushort index)
    {
        Write16(QueueSelect, index);
        int size = Read16(QueueSize);
        if (size == 0) return false;
        size = Math.Min(size, MaxQueue);
        if ((size & (size - 1)) != 0) return false;
        Write16(QueueSize, (ushort)size);
        if (!Dma.Allocate(4096, DmaCaching.WriteBack, out q.DescMemory) || !Dma.Allocate(4096, DmaCaching.WriteBack, out q.AvailMemory) ||
            !Dma.Allocate(4096, DmaCaching.WriteBack, out q.UsedMemory) ||
            !Dma.Allocate((ulong)(size * BufferSize), DmaCaching.WriteBack, out q.Buffers))
            return false;
        q.Desc = (Descriptor*)q.DescMemory.Virtual;
        q.Avail = (ushort*)q.AvailMemory.Virtual;
        q.Used = q.UsedMemory.Virtual;
        q.Size = size;
        q.Index = index;
        q.AvailIdx = 0;
        q.UsedSeen = 0;
        Write64(QueueDesc, q.DescMemory.Physical);
        Write64(QueueDriver, q.AvailMemory.Physical);
        Write64(QueueDevice, q.UsedMemory.Physical);
        q.Notify = (ushort*)(_notifyBase + (ulong)Read16(QueueNotifyOff) * _notifyMultiplier);
        Write16(QueueEnable, 1);
        return true;
    }

    internal void Stop()
    {
        if (_common != null) Write8(DeviceStatus, 0); // reset: the device stops using every queue
        if (InterruptDriven) _pci.FreeInterrupt(&OnInterrupt, this);
        InterruptDriven = false;
        FreeQueue(ref _rx);
        FreeQueue(ref _tx);
        Dma.Free(ref _txBusyMemory);
        _txBusy = null;
        if (_window != null) KernelMemory.UnmapWindow(_window, _windowBytes);
        _window = null;
        _common = _isr = _device = _notifyBase = null;
    }

    private static void FreeQueue(ref Queue q)
    {
        Dma.Free(ref q.DescMemory);
        Dma.Free(ref q.AvailMemory);
        Dma.Free(ref q.UsedMemory);
        Dma.Free(ref q.Buffers);
        q.Desc = null;
        q.Avail = null;
        q.Used = null;
        q.Size = 0;
    }

    /// <summary>INTx, maybe shared: reading the ISR status acknowledges it (§4.1.4.5); 0 = not us.</summary>
    private static bool OnInterrupt(object context)
    {
        var nic = (VirtioNet)context;
        if (nic._isr == null) return false;
        byte status = Load8(nic._isr);
        if (status == 0) return false;
        nic.InterruptCount++;
        nic.Signal();
        return true;
    }

    private static ushort UsedIdx(ref Queue q) => Load16((ushort*)(q.Used + 2));

    private static void UsedElement(ref Queue q, ushort slot, out int id, out int length)
    {
        uint* element = (uint*)(q.Used + 4 + ((slot % q.Size) * 8));
        id = (int)element[0];
        length = (int)element[1];
    }

    public override bool TryReceive(out ReadOnlySpan<byte> frame)
    {
        frame = default;
        if (_rx.Desc == null || _rxLent) return false;
        while (true)
        {
            if (UsedIdx(ref _rx) == _rx.UsedSeen)
            {
                ReturnReceiveBuffers();
                return false;
            }

            Hal.Cpu.DmaReadBarrier();   // the entry and its frame after the index that covers them
            UsedElement(ref _rx, _rx.UsedSeen, out int id, out int length);
            _rx.UsedSeen++;
            if ((uint)id < (uint)_rx.Size && length > HeaderLength && length - HeaderLength <= E1000.MaxFrame)
            {
                frame = new ReadOnlySpan<byte>(_rx.Buffers.Virtual + (id * BufferSize) + HeaderLength, length - HeaderLength);
                _rxLent = true;
                _rxLentId = id;
                ReceivedFrames++;
                return true;
            }

            DroppedFrames++;
            if ((uint)id < (uint)_rx.Size) Repost(id);
        }
    }

    public override void HoldInterrupts()
    {
        if (_rx.Avail != null) Store16(_rx.Avail, AvailNoInterrupt);
    }

    public override bool ReleaseInterrupts()
    {
        if (_rx.Avail == null) return false;
        Store16(_rx.Avail, 0);
        // The device stores the used index, then reads our flags; we store the flags, then read
        // its index. Without the fence both could see the old value: no interrupt, and a frame
        // left in the ring while the network thread sleeps.
        Hal.Cpu.MemoryFence();
        return UsedIdx(ref _rx) != _rx.UsedSeen;
    }

    public override void ReleaseReceived()
    {
        if (!_rxLent) return;
        _rxLent = false;
        Repost(_rxLentId);
    }

    /// <summary>Puts receive buffer <paramref name="id"/> back in the driver ring; the device
    /// hears of it in batches (each notify is an exit).</summary>
    private void Repost(int id)
    {
        _rx.Avail[2 + (_rx.AvailIdx % _rx.Size)] = (ushort)id;
        _rx.AvailIdx++;
        Hal.Cpu.DmaWriteBarrier();
        Store16(_rx.Avail + 1, _rx.AvailIdx);
        if (++_rxUnnotified >= RefillBatch) ReturnReceiveBuffers();
    }

    private void ReturnReceiveBuffers()
    {
        if (_rxUnnotified == 0) return;
        _rxUnnotified = 0;
        Notify(ref _rx);
    }

    /// <summary>Transmit buffers the device has finished with come free.</summary>
    private void ReclaimTransmitBuffers()
    {
        while (UsedIdx(ref _tx) != _tx.UsedSeen)
        {
            Hal.Cpu.DmaReadBarrier();
            UsedElement(ref _tx, _tx.UsedSeen, out int id, out _);
            _tx.UsedSeen++;
            if ((uint)id < (uint)_tx.Size) _txBusy[id] = false;
        }
    }

    public override bool TryReserveTransmit(out Span<byte> buffer)
    {
        buffer = default;
        if (_tx.Desc == null || _txLent) return false;
        ReclaimTransmitBuffers();

        if (_txBusy[_txNext])
        {
            // Full: ask for the completion interrupt (the stack keeps the frame and retries when
            // woken), and look once more in case the device finished before it saw the flag.
            Store16(_tx.Avail, 0);
            Hal.Cpu.MemoryFence();
            ReclaimTransmitBuffers();

            if (_txBusy[_txNext]) return false;
        }

        Store16(_tx.Avail, AvailNoInterrupt);
        byte* start = _tx.Buffers.Virtual + (_txNext * BufferSize);
        new Span<byte>(start, HeaderLength).Clear();
        buffer = new Span<byte>(start + HeaderLength, BufferSize - HeaderLength);
        _txLent = true;
        return true;
    }

    public override void Transmit(int length)
    {
        if (!_txLent) return;
        _txLent = false;
        if (length <= 0) return;
        if (length > E1000.MaxFrame)
        {
            DroppedFrames++;
            return;
        }

        int id = _txNext;
        _tx.Desc[id].Length = (uint)(HeaderLength + length);
        _tx.Desc[id].Flags = 0;
        _txBusy[id] = true;
        _tx.Avail[2 + (_tx.AvailIdx % _tx.Size)] = (ushort)id;
        _tx.AvailIdx++;
        Hal.Cpu.DmaWriteBarrier();   // the descriptor and the ring slot before the index
        Store16(_tx.Avail + 1, _tx.AvailIdx);
        Notify(ref _tx);
        _txNext = (_txNext + 1) % _tx.Size;
        SentFrames++;
    }

    /// <summary>Tells the device of new driver-ring entries unless it said it needs no telling
    /// (§2.7.10: the index store, a full fence, then the flags load). Each notify is an exit;
    /// a burst of ACKs would otherwise cost one each while QEMU is already sending them.</summary>
    private static void Notify(ref Queue q)
    {
        Hal.Cpu.MemoryFence();
        if ((Load16((ushort*)q.Used) & UsedNoNotify) != 0) return;
        Store16(q.Notify, q.Index);
    }

    private byte Read8(int offset) => Load8(_common + offset);

    private void Write8(int offset, byte value) => Store8(_common + offset, value);

    private ushort Read16(int offset) => Load16((ushort*)(_common + offset));

    private void Write16(int offset, ushort value) => Store16((ushort*)(_common + offset), value);

    private uint Read32(int offset) => Load32((uint*)(_common + offset));

    private void Write32(int offset, uint value) => Store32((uint*)(_common + offset), value);

    // Device registers and the rings the device writes: never inlined, so every access is a
    // real load or store (C# has no volatile pointers; a call is a compiler barrier). The
    // processor's order between them is the DMA barriers' job.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte Load8(byte* p) => *p;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Store8(byte* p, byte value) => *p = value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ushort Load16(ushort* p) => *p;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Store16(ushort* p, ushort value) => *p = value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint Load32(uint* p) => *p;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Store32(uint* p, uint value) => *p = value;

    private void Write64(int offset, ulong value)
    {
        // Two 32-bit halves: the common configuration's 64-bit fields may be written that way (§4.1.3.1).
        Write32(offset, (uint)value);
        Write32(offset + 4, (uint)(value >> 32));
    }
}

/// <summary>The virtio-net PCI driver: binds 1AF4:1041 (modern) and 1AF4:1000 (transitional,
/// driven through its modern interface), starts the card and registers it.</summary>
internal sealed class VirtioNetDriver : PciDriver
{
    internal static readonly VirtioNetDriver Instance = new VirtioNetDriver();
    private static readonly PciDeviceId[] s_ids =
    {
        new PciDeviceId(VirtioNet.VendorVirtio, VirtioNet.DeviceModern),
        new PciDeviceId(VirtioNet.VendorVirtio, VirtioNet.DeviceTransitional),
    };

    public override string Name => "virtio-net";

    public override PciDeviceId[] Ids => s_ids;

    public override bool Probe(PciDevice device, PciDeviceId id)
    {
        VirtioNet? nic = VirtioNet.Start(device);
        if (nic == null) return false;
        if (!NetworkDevices.Register(nic))
        {
            nic.Stop();
            return false;
        }

        device.DriverData = nic;
        return true;
    }

    public override void Remove(PciDevice device)
    {
        if (device.DriverData is not VirtioNet nic) return;
        NetworkDevices.Unregister(nic);
        nic.Stop();
    }
}
