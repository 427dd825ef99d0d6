using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Drivers.Serial;

/// <summary>16550 UART on an I/O port base (COM1 = 0x3F8): 115200 baud, 8N1, polled output;
/// received bytes raise the UART's interrupt once <see cref="EnableReceiveInterrupt"/> ran.</summary>
internal struct Uart16550
{
    private ushort _base;
    private bool _present;

    internal bool Present => _present;

    internal void Initialize(ushort ioBase)
    {
        _base = ioBase;
        Io.Out8((ushort)(ioBase + 1), 0x00);    // no interrupts
        Io.Out8((ushort)(ioBase + 3), 0x80);    // DLAB on
        Io.Out8((ushort)(ioBase + 0), 0x01);    // divisor 1 = 115200 baud
        Io.Out8((ushort)(ioBase + 1), 0x00);
        Io.Out8((ushort)(ioBase + 3), 0x03);    // 8N1, DLAB off
        // FIFO on, transmit side cleared, 14-byte threshold; the receive side is kept, so keys
        // typed while the machine boots are not thrown away.
        // Trigger level 1 byte (bits 7-6 = 00): a typed key interrupts at once.
        Io.Out8((ushort)(ioBase + 2), 0x05);
        // DTR, RTS, OUT2: on PC boards OUT2 gates the UART's interrupt line to the PIC.
        Io.Out8((ushort)(ioBase + 4), 0x0B);
        // A scratch register that reads back what was written tells us a UART is there.
        Io.Out8((ushort)(ioBase + 7), 0xA5);
        _present = Io.In8((ushort)(ioBase + 7)) == 0xA5;
    }

    internal void Write(byte value)
    {
        if (!_present) return;
        // Wait for the transmit holding register to empty (LSR bit 5); bounded so a dead
        // UART cannot hang the kernel.
        for (int spins = 0; spins < 100000 && (Io.In8((ushort)(_base + 5)) & 0x20) == 0; spins++) { }
        Io.Out8(_base, value);
    }

    /// <summary>IER bit 0: an interrupt while received data is available (16550 datasheet,
    /// Interrupt Enable Register). The interrupt ends when the receive FIFO is drained.</summary>
    internal void EnableReceiveInterrupt()
    {
        if (_present) Io.Out8((ushort)(_base + 1), 0x01);
    }

    /// <summary>MCR bit 4: the transmitter feeds the receiver inside the chip (for tests that
    /// type without a terminal). OUT2 and DTR/RTS stay as Initialize set them.</summary>
    internal void SetLoopback(bool on)
    {
        if (_present) Io.Out8((ushort)(_base + 4), (byte)(on ? 0x1B : 0x0B));
    }

    /// <summary>Waits (bounded) until the transmitter is empty, shift register included
    /// (LSR bit 6), so no byte in flight is caught by a change of mode.</summary>
    internal void WaitUntilSent()
    {
        for (int spins = 0; _present && spins < 100000 && (Io.In8((ushort)(_base + 5)) & 0x40) == 0; spins++) { }
    }

    internal bool TryRead(out byte value)
    {
        if (_present && (Io.In8((ushort)(_base + 5)) & 0x01) != 0)
        {
            value = Io.In8(_base);
            return true;
        }
        value = 0;
        return false;
    }
}
