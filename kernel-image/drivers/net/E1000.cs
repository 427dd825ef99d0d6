using System;
using Aurora.Kernel.Drivers.Pci;
using Aurora.Kernel.Memory;
using Aurora.Pmm;

namespace Aurora.Kernel.Drivers.Net;

/// <summary>
/// Intel 8254x ("e1000", QEMU's <c>-nic model=e1000</c>: 82540EM, 8086:100E) Ethernet driver,
/// polled. Register and descriptor layouts are from the Intel PCI/PCI-X Family of Gigabit
/// Ethernet Controllers Software Developer's Manual (8254x SDM): §13 registers, §3.2.3 legacy
/// receive descriptors, §3.3.3 legacy transmit descriptors, §14 initialisation.
/// Rings and buffers live in physical frames (the NIC reads and writes them by DMA) and are
/// reached by the kernel through the direct map.
/// </summary>
internal static unsafe class E1000
{
    internal const ushort VendorIntel = 0x8086, Device82540EM = 0x100E;

    // Registers (8254x SDM §13.4).
    private const int Ctrl = 0x0000, Status = 0x0008, Icr = 0x00C0, Imc = 0x00D8, Rctl = 0x0100, Tctl = 0x0400, Tipg = 0x0410;
    private const int Rdbal = 0x2800, Rdbah = 0x2804, Rdlen = 0x2808, Rdh = 0x2810, Rdt = 0x2818;
    private const int Tdbal = 0x3800, Tdbah = 0x3804, Tdlen = 0x3808, Tdh = 0x3810, Tdt = 0x3818;
    private const int Mta = 0x5200, Ral = 0x5400, Rah = 0x5404;

    private const uint CtrlSetLinkUp = 1 << 6, CtrlReset = 1u << 26;
    private const uint StatusLinkUp = 1 << 1;
    private const uint RctlEnable = 1 << 1, RctlBroadcast = 1 << 15, RctlStripCrc = 1u << 26; // BSIZE 00 = 2048
    private const uint TctlEnable = 1 << 1, TctlPadShort = 1 << 3, TctlCollisionThreshold = 0x10 << 4, TctlCollisionDistance = 0x40 << 12;
    private const byte TxEndOfPacket = 1 << 0, TxInsertFcs = 1 << 1, TxReportStatus = 1 << 3;
    private const byte DescriptorDone = 1 << 0, RxEndOfPacket = 1 << 1;

    private const int Descriptors = 32;          // per ring: 512 bytes, a multiple of 128 as required
    private const int BufferSize = 2048;
    internal const int MaxFrame = 1514;          // without the CRC the NIC adds or strips

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

    private static byte* s_registers;
    private static Descriptor* s_rx, s_tx;
    private static ulong s_rxBuffers, s_txBuffers;   // physical
    private static int s_rxNext, s_txNext;
    private static bool s_present;

    internal static bool Present => s_present;
    internal static ulong ReceivedFrames, SentFrames, DroppedFrames;

    /// <summary>The station address from the receive-address registers (the NIC loads them
    /// from its EEPROM at reset).</summary>
    internal static void MacAddress(Span<byte> mac)
    {
        uint low = Read(Ral), high = Read(Rah);
        for (int i = 0; i < 4; i++) mac[i] = (byte)(low >> (8 * i));
        mac[4] = (byte)high;
        mac[5] = (byte)(high >> 8);
    }

    internal static bool LinkUp => (Read(Status) & StatusLinkUp) != 0;

    /// <summary>Finds the NIC on PCI and brings it up; false when there is none (or it cannot
    /// get memory).</summary>
    internal static bool Initialize()
    {
        if (!PciBus.Find(VendorIntel, Device82540EM, out PciAddress at)) return false;
        ulong bar = PciBus.MemoryBar(at, 0);
        if (bar == 0) return false;
        PciBus.EnableMemoryAndBusMastering(at);
        s_registers = KernelMemory.MapDevice(bar, 128 * 1024);
        if (s_registers == null) return false;

        // §14.5 reset, then set link up; all interrupts masked (this driver polls).
        Write(Imc, 0xFFFF_FFFF);
        Write(Ctrl, Read(Ctrl) | CtrlReset);
        for (int spin = 0; spin < 1_000_000 && (Read(Ctrl) & CtrlReset) != 0; spin++) { }
        Write(Imc, 0xFFFF_FFFF);
        Read(Icr);
        Write(Ctrl, Read(Ctrl) | CtrlSetLinkUp);
        for (int i = 0; i < 128; i++) Write(Mta + (i * 4), 0);

        if (!KernelMemory.AllocateFrame(out ulong rxRing) || !KernelMemory.AllocateFrame(out ulong txRing) ||
            !KernelMemory.AllocateContiguous(Descriptors * BufferSize / 4096, 1, out s_rxBuffers) ||
            !KernelMemory.AllocateContiguous(Descriptors * BufferSize / 4096, 1, out s_txBuffers))
            return false;
        s_rx = (Descriptor*)(rxRing + KernelMemory.DirectMapOffset);
        s_tx = (Descriptor*)(txRing + KernelMemory.DirectMapOffset);
        new Span<byte>(s_rx, 4096).Clear();
        new Span<byte>(s_tx, 4096).Clear();
        for (int i = 0; i < Descriptors; i++)
        {
            s_rx[i].Address = s_rxBuffers + (ulong)(i * BufferSize);
            s_tx[i].Address = s_txBuffers + (ulong)(i * BufferSize);
        }

        // §14.4 receive: ring, head 0, tail at the last descriptor (all but one owned by the NIC).
        Write(Rdbal, (uint)rxRing);
        Write(Rdbah, (uint)(rxRing >> 32));
        Write(Rdlen, (uint)(Descriptors * sizeof(Descriptor)));
        Write(Rdh, 0);
        Write(Rdt, Descriptors - 1);
        Write(Rctl, RctlEnable | RctlBroadcast | RctlStripCrc);

        // §14.5 transmit: ring empty (head = tail), padding of short frames, IEEE inter-packet gap.
        Write(Tdbal, (uint)txRing);
        Write(Tdbah, (uint)(txRing >> 32));
        Write(Tdlen, (uint)(Descriptors * sizeof(Descriptor)));
        Write(Tdh, 0);
        Write(Tdt, 0);
        Write(Tctl, TctlEnable | TctlPadShort | TctlCollisionThreshold | TctlCollisionDistance);
        Write(Tipg, 10 | (8 << 10) | (6 << 20));
        s_rxNext = 0;
        s_txNext = 0;
        s_present = true;
        return true;
    }

    /// <summary>Queues one Ethernet frame (without CRC) for sending; false when the frame is too
    /// long or every transmit descriptor is still in flight.</summary>
    internal static bool TrySend(ReadOnlySpan<byte> frame)
    {
        if (!s_present || frame.Length == 0 || frame.Length > MaxFrame) return false;
        Descriptor* d = &s_tx[s_txNext];
        // A descriptor is free when never used (Command 0) or the NIC reported it done.
        if (d->Command != 0 && (d->Status & DescriptorDone) == 0)
        {
            DroppedFrames++;
            return false;
        }

        frame.CopyTo(new Span<byte>((void*)(d->Address + KernelMemory.DirectMapOffset), frame.Length));
        d->Length = (ushort)frame.Length;
        d->Status = 0;
        d->Command = TxEndOfPacket | TxInsertFcs | TxReportStatus;
        s_txNext = (s_txNext + 1) % Descriptors;
        Write(Tdt, (uint)s_txNext);
        SentFrames++;
        return true;
    }

    /// <summary>Copies the next received frame into <paramref name="buffer"/>; its length, or 0
    /// when none is waiting. Frames that do not fit, or that span descriptors (longer than a
    /// buffer), are dropped.</summary>
    internal static int TryReceive(Span<byte> buffer)
    {
        while (s_present)
        {
            Descriptor* d = &s_rx[s_rxNext];
            if ((d->Status & DescriptorDone) == 0) return 0;
            int length = d->Length;
            bool whole = (d->Status & RxEndOfPacket) != 0 && length <= buffer.Length && d->ChecksumStart == 0;
            if (whole) new ReadOnlySpan<byte>((void*)(d->Address + KernelMemory.DirectMapOffset), length).CopyTo(buffer);
            d->Status = 0;
            // Give the descriptor back: the tail is the last descriptor the NIC may fill.
            Write(Rdt, (uint)s_rxNext);
            s_rxNext = (s_rxNext + 1) % Descriptors;
            if (whole)
            {
                ReceivedFrames++;
                return length;
            }

            DroppedFrames++;
        }

        return 0;
    }

    private static uint Read(int register) => Hal.Io.Read32((ulong)(s_registers + register));

    private static void Write(int register, uint value) => Hal.Io.Write32((ulong)(s_registers + register), value);
}
