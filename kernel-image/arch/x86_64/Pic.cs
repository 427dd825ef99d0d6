namespace Aurora.Kernel.Arch.X86_64;

/// <summary>The two cascaded 8259A interrupt controllers, remapped to vectors 32-47 so IRQs do
/// not collide with CPU exceptions (8259A datasheet, ICW1-ICW4).</summary>
internal static class Pic
{
    private const ushort MasterCommand = 0x20, MasterData = 0x21, SlaveCommand = 0xA0, SlaveData = 0xA1;
    private const byte EndOfInterruptCommand = 0x20;

    internal static void Initialize()
    {
        PortIo.Out8(MasterCommand, 0x11); PortIo.Wait();   // ICW1: edge, cascade, ICW4 follows
        PortIo.Out8(SlaveCommand, 0x11); PortIo.Wait();
        PortIo.Out8(MasterData, Interrupts.IrqBase); PortIo.Wait();      // ICW2: vector base
        PortIo.Out8(SlaveData, Interrupts.IrqBase + 8); PortIo.Wait();
        PortIo.Out8(MasterData, 0x04); PortIo.Wait();      // ICW3: slave on IRQ2
        PortIo.Out8(SlaveData, 0x02); PortIo.Wait();
        PortIo.Out8(MasterData, 0x01); PortIo.Wait();      // ICW4: 8086 mode
        PortIo.Out8(SlaveData, 0x01); PortIo.Wait();
        PortIo.Out8(MasterData, 0xFB);                     // everything masked but the cascade
        PortIo.Out8(SlaveData, 0xFF);
    }

    internal static void Unmask(int irq)
    {
        ushort port = irq < 8 ? MasterData : SlaveData;
        PortIo.Out8(port, (byte)(PortIo.In8(port) & ~(1 << (irq & 7))));
    }

    internal static void Mask(int irq)
    {
        ushort port = irq < 8 ? MasterData : SlaveData;
        PortIo.Out8(port, (byte)(PortIo.In8(port) | (1 << (irq & 7))));
    }

    internal static void EndOfInterrupt(int irq)
    {
        if (irq >= 8) PortIo.Out8(SlaveCommand, EndOfInterruptCommand);
        PortIo.Out8(MasterCommand, EndOfInterruptCommand);
    }

    /// <summary>IRQ 7 and 15 can fire without a real request (a line glitch); the in-service
    /// register tells (OCW3 0x0B reads the ISR). A spurious IRQ 15 still needs the master's EOI.</summary>
    internal static bool IsSpurious(int irq)
    {
        if (irq != 7 && irq != 15) return false;
        ushort command = irq == 7 ? MasterCommand : SlaveCommand;
        PortIo.Out8(command, 0x0B);
        if ((PortIo.In8(command) & 0x80) != 0) return false;
        if (irq == 15) PortIo.Out8(MasterCommand, EndOfInterruptCommand);
        return true;
    }
}
