using System;
using Aurora.Kernel.Drivers.Pci;
using Aurora.Kernel.Memory;

namespace Aurora.Kernel.Drivers.Net;

/// <summary>
/// Intel 8254x ("e1000", QEMU's <c>-device e1000</c>: 82540EM, 8086:100E) Ethernet controller,
/// interrupt driven. Register and descriptor layouts are from the Intel PCI/PCI-X Family of
/// Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM): §13 registers, §3.2.3
/// legacy receive descriptors, §3.3.3 legacy transmit descriptors, §14 initialisation, §13.4.17-21
/// interrupt cause, mask set and mask clear. Descriptor rings are uncached DMA memory, frame
/// buffers write-back DMA memory (x86 DMA snoops the caches), both from <see cref="Dma"/>.
/// Received frames are lent to the stack in place; transmit buffers are lent and filled in place.
/// </summary>
internal sealed unsafe class E1000 : NetworkDevice
{
    internal const ushort VendorIntel = 0x8086, Device82540EM = 0x100E;

    // Registers (8254x SDM §13.4).
    private const int Ctrl = 0x0000, StatusRegister = 0x0008, Icr = 0x00C0, Itr = 0x00C4, Ims = 0x00D0, Imc = 0x00D8, Rctl = 0x0100, Tctl = 0x0400, Tipg = 0x0410;
    private const int Rdbal = 0x2800, Rdbah = 0x2804, Rdlen = 0x2808, Rdh = 0x2810, Rdt = 0x2818, Rdtr = 0x2820, Radv = 0x282C;
    private const int Tdbal = 0x3800, Tdbah = 0x3804, Tdlen = 0x3808, Tdh = 0x3810, Tdt = 0x3818;
    private const int Mta = 0x5200, Ral = 0x5400, Rah = 0x5404;

    private const uint CtrlSetLinkUp = 1 << 6, CtrlReset = 1u << 26;
    private const uint StatusLinkUp = 1 << 1;
    private const uint RctlEnable = 1 << 1, RctlBroadcast = 1 << 15, RctlStripCrc = 1u << 26; // BSIZE 00 = 2048
    private const uint TctlEnable = 1 << 1, TctlPadShort = 1 << 3, TctlCollisionThreshold = 0x10 << 4, TctlCollisionDistance = 0x40 << 12;
    private const byte TxEndOfPacket = 1 << 0, TxInsertFcs = 1 << 1, TxReportStatus = 1 << 3;
    private const byte DescriptorDone = 1 << 0, RxEndOfPacket = 1 << 1;

    // Interrupt causes (§13.4.17): transmit descriptor written back, link status change,
    // receive ring below its minimum threshold, receiver overrun, receive timer (a frame arrived).
    internal const uint CauseTxdw = 1 << 0, CauseLsc = 1 << 2, CauseRxdmt0 = 1 << 4, CauseRxo = 1 << 6, CauseRxt0 = 1 << 7;
    private const uint Causes = CauseTxdw | CauseLsc | CauseRxdmt0 | CauseRxo | CauseRxt0;

    // Per ring: 256 descriptors are 4 KiB (one page; the length must be a multiple of 128). A
    // peer's full 64 KiB window is 45 full frames, a scaled one several times that: with 32
    // descriptors a burst overran the ring between two polls and the lost frames cost a
    // retransmission timeout each (issue 13). 256 buffers of 2 KiB are 512 KiB per direction.
    private const int Descriptors = 256;
    private const int BufferSize = 2048;
    /// <summary>Received descriptors given back to the card before the tail register is moved:
    /// every register write is an exit under virtualization, one per frame was most of the cost
    /// of receiving. The rest go back when the ring runs dry (<see cref="TryReceive"/>).</summary>
    private const int RefillBatch = 16;
    /// <summary>Interrupt throttling (§13.4.18, units of 256 ns): at most one interrupt per
    /// 100 µs (10,000 a second), so a burst of frames is one wake-up of the network thread,
    /// not one per frame; QEMU models it ("mitigation" on by default).</summary>
    private const uint ThrottleInterval = 390;
    internal const int MaxFrame = 1514;          // without the CRC the NIC adds or strips
    private const ulong RegisterBytes = 128 * 1024;

    private struct Descriptor
    {
        public ulong Address;
        public ushort Length;
        public byte ChecksumOffset;   // rx: checksum (low byte)
        public byte Command;          // rx: checksum (high byte)
        public byte Status;
        public byte ChecksumStart;    // rx: errors
        public ushort Special;
    }

    private readonly PciDevice _pci;
    private byte* _registers;
    private DmaBuffer _rxRing, _txRing, _rxBuffers, _txBuffers;
    private Descriptor* _rx, _tx;
    private int _rxNext, _txNext;
    /// <summary>Descriptors we are done with but have not handed back by moving RDT yet.</summary>
    private int _rxUnreturned;
    private bool _rxLent, _txLent;

    /// <summary>Every cause the interrupt handler has seen (ICR bits ORed), for tests.</summary>
    public uint CausesSeen;

    private E1000(PciDevice pci) => _pci = pci;

    public override string Name => "e1000";

    public PciDevice Pci => _pci;

    /// <summary>The station address from the receive-address registers (the NIC loads them
    /// from its EEPROM at reset).</summary>
    public override void MacAddress(Span<byte> mac)
    {
        uint low = Read(Ral), high = Read(Rah);
        for (int i = 0; i < 4; i++) mac[i] = (byte)(low >> (8 * i));
        mac[4] = (byte)high;
        mac[5] = (byte)(high >> 8);
    }

    public override bool LinkUp => (Read(StatusRegister) & StatusLinkUp) != 0;

    /// <summary>Brings the card at <paramref name="pci"/> up; null when it cannot (no memory BAR,
    /// no memory).</summary>
    internal static E1000? Start(PciDevice pci)
    {
        ulong bar = pci.MemoryBar(0);
        if (bar == 0) return null;
        var nic = new E1000(pci);
        pci.EnableMemoryAndBusMastering();
        nic._registers = KernelMemory.MapDevice(bar, RegisterBytes);
        if (nic._registers == null) return null;
        if (!nic.Reset() || !nic.AllocateRings())
        {
            nic.Stop();
            return null;
        }

        nic.StartRings();
        nic.InterruptDriven = pci.RequestInterrupt(&OnInterrupt, nic);
        if (nic.InterruptDriven) nic.Write(Ims, Causes);
        return nic;
    }

    /// <summary>Quiets the card (interrupts masked, receiver and transmitter off), releases its
    /// interrupt and gives every DMA buffer and the register window back.</summary>
    internal void Stop()
    {
        if (_registers != null)
        {
            Write(Imc, 0xFFFF_FFFF);
            Write(Rctl, 0);
            Write(Tctl, 0);
            Read(Icr);
        }

        if (InterruptDriven) _pci.FreeInterrupt(&OnInterrupt, this);
        InterruptDriven = false;
        // The receiver is off, so no DMA is in flight into the buffers freed here.
        Dma.Free(ref _rxRing);
        Dma.Free(ref _txRing);
        Dma.Free(ref _rxBuffers);
        Dma.Free(ref _txBuffers);
        _rx = _tx = null;
        if (_registers != null) KernelMemory.UnmapWindow(_registers, RegisterBytes);
        _registers = null;
    }

    /// <summary>The handler on the card's interrupt (its INTx line may be shared): reading ICR
    /// acknowledges every cause (§13.4.17) and lowers the line; 0 means another device.</summary>
    private static bool OnInterrupt(object context)
    {
        var nic = (E1000)context;
        if (nic._registers == null) return false;
        uint cause = nic.Read(Icr);
        if (cause == 0) return false;
        nic.InterruptCount++;
        nic.CausesSeen |= cause;
        nic.Signal();
        return true;
    }

    private bool Reset()
    {
        // §14.5 reset, then set link up; all interrupts masked until the rings are ready.
        Write(Imc, 0xFFFF_FFFF);
        Write(Ctrl, Read(Ctrl) | CtrlReset);
        int spin = 0;
        for (; spin < 1_000_000 && (Read(Ctrl) & CtrlReset) != 0; spin++) { }
        Write(Imc, 0xFFFF_FFFF);
        Read(Icr);
        Write(Ctrl, Read(Ctrl) | CtrlSetLinkUp);
        for (int i = 0; i < 128; i++) Write(Mta + (i * 4), 0);
        return spin < 1_000_000;
    }

    private bool AllocateRings()
    {
        ulong ringBytes = (ulong)(Descriptors * sizeof(Descriptor));
        if (!Dma.Allocate(ringBytes, DmaCaching.Uncached, out _rxRing) || !Dma.Allocate(ringBytes, DmaCaching.Uncached, out _txRing) ||
            !Dma.Allocate(Descriptors * BufferSize, DmaCaching.WriteBack, out _rxBuffers) ||
            !Dma.Allocate(Descriptors * BufferSize, DmaCaching.WriteBack, out _txBuffers))
            return false;
        _rx = (Descriptor*)_rxRing.Virtual;
        _tx = (Descriptor*)_txRing.Virtual;
        for (int i = 0; i < Descriptors; i++)
        {
            _rx[i].Address = _rxBuffers.PhysicalAt((ulong)(i * BufferSize));
            _tx[i].Address = _txBuffers.PhysicalAt((ulong)(i * BufferSize));
        }

        return true;
    }

    private void StartRings()
    {
        // §14.4 receive: ring, head 0, tail at the last descriptor (all but one owned by the NIC).
        Write(Rdbal, (uint)_rxRing.Physical);
        Write(Rdbah, (uint)(_rxRing.Physical >> 32));
        Write(Rdlen, (uint)(Descriptors * sizeof(Descriptor)));
        Write(Rdh, 0);
        Write(Rdt, Descriptors - 1);
        // No per-frame receive delay (RDTR/RADV 0): the throttle alone batches interrupts, so a
        // lone frame (a request, an ACK) is not held back.
        Write(Rdtr, 0);
        Write(Radv, 0);
        Write(Itr, ThrottleInterval);
        Write(Rctl, RctlEnable | RctlBroadcast | RctlStripCrc);

        // §14.5 transmit: ring empty (head = tail), padding of short frames, IEEE inter-packet gap.
        Write(Tdbal, (uint)_txRing.Physical);
        Write(Tdbah, (uint)(_txRing.Physical >> 32));
        Write(Tdlen, (uint)(Descriptors * sizeof(Descriptor)));
        Write(Tdh, 0);
        Write(Tdt, 0);
        Write(Tctl, TctlEnable | TctlPadShort | TctlCollisionThreshold | TctlCollisionDistance);
        Write(Tipg, 10 | (8 << 10) | (6 << 20));
        _rxNext = 0;
        _rxUnreturned = 0;
        _txNext = 0;
    }

    /// <summary>Lends the next received frame in its DMA buffer. Frames that span descriptors
    /// (longer than a buffer) or carry errors are dropped and their descriptors given back.</summary>
    public override bool TryReceive(out ReadOnlySpan<byte> frame)
    {
        frame = default;
        if (_rx == null || _rxLent) return false;
        while (true)
        {
            Descriptor* d = &_rx[_rxNext];
            if ((d->Status & DescriptorDone) == 0)
            {
                // Caught up with the card: hand back what we finished so it never runs short
                // while we sleep.
                ReturnReceiveDescriptors();
                return false;
            }

            int length = d->Length;
            if ((d->Status & RxEndOfPacket) != 0 && length <= MaxFrame && d->ChecksumStart == 0)
            {
                frame = new ReadOnlySpan<byte>(_rxBuffers.Virtual + (_rxNext * BufferSize), length);
                _rxLent = true;
                ReceivedFrames++;
                return true;
            }

            DroppedFrames++;
            RecycleReceive();
        }
    }

    public override void ReleaseReceived()
    {
        if (!_rxLent) return;
        _rxLent = false;
        RecycleReceive();
    }

    /// <summary>Gives the descriptor at the head of our side back, in batches of
    /// <see cref="RefillBatch"/>: the tail is the last descriptor the NIC may fill.</summary>
    private void RecycleReceive()
    {
        _rx[_rxNext].Status = 0;
        _rxNext = (_rxNext + 1) % Descriptors;
        if (++_rxUnreturned >= RefillBatch) ReturnReceiveDescriptors();
    }

    private void ReturnReceiveDescriptors()
    {
        if (_rxUnreturned == 0) return;
        _rxUnreturned = 0;
        // RDT = the descriptor before our next one: everything we finished belongs to the card.
        Write(Rdt, (uint)((_rxNext + Descriptors - 1) % Descriptors));
    }

    /// <summary>Lends the next transmit buffer when its descriptor is free (never used, or
    /// written back by the NIC).</summary>
    public override bool TryReserveTransmit(out Span<byte> buffer)
    {
        buffer = default;
        if (_tx == null || _txLent) return false;
        Descriptor* d = &_tx[_txNext];
        if (d->Command != 0 && (d->Status & DescriptorDone) == 0) return false;
        buffer = new Span<byte>(_txBuffers.Virtual + (_txNext * BufferSize), BufferSize);
        _txLent = true;
        return true;
    }

    public override void Transmit(int length)
    {
        if (!_txLent) return;
        _txLent = false;
        if (length <= 0) return;
        if (length > MaxFrame)
        {
            DroppedFrames++;
            return;
        }

        Descriptor* d = &_tx[_txNext];
        d->Length = (ushort)length;
        d->Status = 0;
        d->Command = TxEndOfPacket | TxInsertFcs | TxReportStatus;
        _txNext = (_txNext + 1) % Descriptors;
        Write(Tdt, (uint)_txNext);
        SentFrames++;
    }

    private uint Read(int register) => Hal.Io.Read32((ulong)(_registers + register));

    private void Write(int register, uint value) => Hal.Io.Write32((ulong)(_registers + register), value);
}

/// <summary>The e1000's PCI driver: binds 8086:100E, starts the card and registers it as a
/// network device; remove undoes both.</summary>
internal sealed class E1000Driver : PciDriver
{
    internal static readonly E1000Driver Instance = new E1000Driver();
    private static readonly PciDeviceId[] s_ids = { new PciDeviceId(E1000.VendorIntel, E1000.Device82540EM) };

    public override string Name => "e1000";

    public override PciDeviceId[] Ids => s_ids;

    public override bool Probe(PciDevice device, PciDeviceId id)
    {
        E1000? nic = E1000.Start(device);
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
        if (device.DriverData is not E1000 nic) return;
        NetworkDevices.Unregister(nic);
        nic.Stop();
    }
}
