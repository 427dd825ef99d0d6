namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The PL011 UART (Arm DDI 0183, PrimeCell UART): the serial console (Hal.SerialConsole).
/// The firmware has already programmed its baud rate and line format. Output is polled; input
/// comes by its interrupt: UARTIMSC's receive (RXIM) and receive-timeout (RTIM) masks on, the
/// GIC SPI the device tree's `interrupts` names, drained by Console/ConsoleInput.cs.</summary>
internal static unsafe class Pl011
{
    // Registers (TRM 3.2): data, flags, control, interrupt mask set/clear, masked status, clear.
    private const ulong DataRegister = 0x00, FlagRegister = 0x18, ControlRegister = 0x30,
        InterruptMask = 0x38, MaskedInterruptStatus = 0x40, InterruptClear = 0x44;
    // UARTFR (TRM 3.3.3): transmit FIFO full, receive FIFO empty, busy transmitting.
    private const uint TransmitFifoFull = 1 << 5, ReceiveFifoEmpty = 1 << 4, Busy = 1 << 3;
    // UARTIMSC/UARTICR bits (TRM 3.3.10, 3.3.13): receive (RXIM) and receive timeout (RTIM).
    private const uint ReceiveInterrupts = 1 << 4 | 1 << 6;
    /// <summary>Every interrupt UARTICR clears (bits 0-10).</summary>
    private const uint AllInterrupts = 0x7FF;
    // UARTCR (TRM 3.3.8): the UART, its transmitter and its receiver enabled.
    private const uint Enabled = 1 << 0, TransmitEnabled = 1 << 8, ReceiveEnabled = 1 << 9;

    /// <summary>The UART's address: QEMU virt's (VIRT_UART at 0x09000000, identity-mapped as
    /// the firmware left it), then the device tree's, then its place in the device window.</summary>
    internal static ulong Base = VirtMachine.Uart;

    /// <summary>The GIC interrupt id of the UART's combined interrupt (UARTINTR): virt's SPI 1
    /// until the device tree says otherwise.</summary>
    internal static uint Interrupt = VirtMachine.UartInterrupt;

    /// <summary>No interrupt until asked for, what the firmware left pending cleared, the
    /// receiver on (UEFI's console driver may leave it off).</summary>
    internal static void Initialize()
    {
        Hal.Mmio.Write32(Base + InterruptMask, 0);
        Hal.Mmio.Write32(Base + InterruptClear, AllInterrupts);
        uint control = Hal.Mmio.Read32(Base + ControlRegister);
        if ((control & (Enabled | TransmitEnabled | ReceiveEnabled)) != (Enabled | TransmitEnabled | ReceiveEnabled))
            Hal.Mmio.Write32(Base + ControlRegister, control | Enabled | TransmitEnabled | ReceiveEnabled);
    }

    internal static void Write(byte value)
    {
        while ((Hal.Mmio.Read32(Base + FlagRegister) & TransmitFifoFull) != 0) { }
        Hal.Mmio.Write32(Base + DataRegister, value);
    }

    /// <summary>A received byte (UARTDR's low 8 bits; its error bits 8-11 are dropped, as
    /// Linux's amba-pl011 keeps a byte with a framing error as a byte). With the FIFO empty the
    /// receive interrupts are cleared: the receive-timeout one stays raised until then.</summary>
    internal static bool TryRead(out byte value)
    {
        if ((Hal.Mmio.Read32(Base + FlagRegister) & ReceiveFifoEmpty) == 0)
        {
            value = (byte)Hal.Mmio.Read32(Base + DataRegister);
            return true;
        }

        Hal.Mmio.Write32(Base + InterruptClear, ReceiveInterrupts);
        value = 0;
        return false;
    }

    internal static void EnableReceiveInterrupt()
    {
        Hal.Mmio.Write32(Base + InterruptClear, ReceiveInterrupts);
        Hal.Mmio.Write32(Base + InterruptMask, ReceiveInterrupts);
    }

    /// <summary>Whether the UART raises an interrupt now (UARTMIS, for tests).</summary>
    internal static bool InterruptRaised => Hal.Mmio.Read32(Base + MaskedInterruptStatus) != 0;

    /// <summary>Bounded: a stuck transmitter cannot hang the kernel.</summary>
    internal static void WaitUntilSent()
    {
        for (int spins = 0; spins < 100_000 && (Hal.Mmio.Read32(Base + FlagRegister) & Busy) != 0; spins++) { }
    }
}
