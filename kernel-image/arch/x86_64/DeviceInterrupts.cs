using Aurora.Kernel.Hal;
using HalCpu = Aurora.Kernel.Hal.Cpu;
using HalIo = Aurora.Kernel.Hal.Io;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// Device interrupt handlers by vector, each with its context (Linux's <c>request_irq(irq,
/// handler, flags, name, dev)</c>): legacy lines through the 8259 PIC (vectors 32-47, several
/// handlers may share a level-triggered PCI line) and message-signalled interrupts on vectors
/// 0x60-0x7F, which arrive through the local APIC. <see cref="Interrupts"/> calls
/// <see cref="Dispatch"/> and sends the end-of-interrupt.
/// </summary>
internal static unsafe class DeviceInterrupts
{
    private const int Capacity = 32;
    internal const int FirstMessageVector = 0x60, MessageVectors = 32;

    private struct Table
    {
        public fixed ulong Handlers[Capacity];
        public fixed int Vectors[Capacity];
        public fixed ulong Counts[256];
    }

    private static Table s_table;
    private static object?[]? s_contexts;

    /// <summary>Interrupts dispatched on <paramref name="vector"/> since boot.</summary>
    internal static ulong Count(int vector) => s_table.Counts[vector & 255];

    internal static bool IsMessageVector(int vector) =>
        vector >= FirstMessageVector && vector < FirstMessageVector + MessageVectors;

    internal static bool RegisterLine(int irq, delegate*<object, bool> handler, object context)
    {
        if (irq < 0 || irq >= 16 || irq == 2 || handler == null) return false;   // IRQ 2 is the cascade
        if (!Add(Interrupts.IrqBase + irq, handler, context)) return false;
        Pic.Unmask(irq);
        return true;
    }

    internal static void UnregisterLine(int irq, delegate*<object, bool> handler, object context)
    {
        if (irq < 0 || irq >= 16) return;
        int vector = Interrupts.IrqBase + irq;
        if (!Remove(vector, handler, context)) return;
        if (!InUse(vector)) Pic.Mask(irq);
    }

    internal static bool AllocateMessage(delegate*<object, bool> handler, object context, out MessageTarget target)
    {
        target = default;
        if (handler == null || !LocalApic.Enable()) return false;
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        int vector = -1;
        for (int v = FirstMessageVector; v < FirstMessageVector + MessageVectors && vector < 0; v++)
        {
            if (!InUse(v)) vector = v;
        }

        bool added = vector >= 0 && Add(vector, handler, context);
        HalCpu.RestoreInterrupts(interrupts);
        if (!added) return false;
        // Intel SDM Vol. 3A §11.11.1-2: address 0xFEE0_0000 with the destination APIC id in bits
        // 19:12 (physical mode, no redirection hint); data: the vector, fixed delivery, edge.
        target.Vector = vector;
        target.Address = 0xFEE0_0000UL | ((ulong)LocalApic.Id << 12);
        target.Data = (ushort)vector;
        return true;
    }

    internal static void FreeMessage(int vector)
    {
        if (!IsMessageVector(vector)) return;
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Vectors[i] == vector) { s_table.Vectors[i] = 0; s_table.Handlers[i] = 0; s_contexts![i] = null; }
        }

        HalCpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Runs every handler registered on <paramref name="vector"/> (interrupt context).</summary>
    internal static void Dispatch(int vector)
    {
        s_table.Counts[vector & 255]++;
        if (s_contexts == null) return;
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Vectors[i] != vector) continue;
            var handler = (delegate*<object, bool>)s_table.Handlers[i];
            if (handler != null) handler(s_contexts[i]!);
        }
    }

    private static bool InUse(int vector)
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Vectors[i] == vector && s_table.Handlers[i] != 0) return true;
        }

        return false;
    }

    private static bool Add(int vector, delegate*<object, bool> handler, object context)
    {
        // The context table is allocated on first use, in thread context (the heap is up).
        if (s_contexts == null) s_contexts = new object[Capacity];
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Handlers[i] != 0) continue;
            s_contexts[i] = context;
            s_table.Vectors[i] = vector;
            s_table.Handlers[i] = (ulong)handler;   // last: Dispatch sees a complete entry
            HalCpu.RestoreInterrupts(interrupts);
            return true;
        }

        HalCpu.RestoreInterrupts(interrupts);
        return false;
    }

    private static bool Remove(int vector, delegate*<object, bool> handler, object context)
    {
        if (s_contexts == null) return false;
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Vectors[i] != vector || s_table.Handlers[i] != (ulong)handler || s_contexts[i] != context) continue;
            s_table.Handlers[i] = 0;
            s_table.Vectors[i] = 0;
            s_contexts[i] = null;
            HalCpu.RestoreInterrupts(interrupts);
            return true;
        }

        HalCpu.RestoreInterrupts(interrupts);
        return false;
    }
}

/// <summary>
/// The local APIC, only as far as message-signalled interrupts need it (they are delivered to
/// it, and it wants the end-of-interrupt). Legacy IRQs keep arriving from the 8259 through
/// LINT0 in virtual-wire mode (Intel MultiProcessor Specification §3.6.2.2), which the
/// firmware set up and <see cref="Enable"/> keeps. Intel SDM Vol. 3A §11.4 (base MSR, enable),
/// §11.8.5 (EOI), §11.9 (spurious vector register).
/// </summary>
internal static unsafe class LocalApic
{
    private const uint BaseMsr = 0x1B;
    private const ulong BaseGlobalEnable = 1 << 11;
    private const int IdRegister = 0x20, EoiRegister = 0xB0, SpuriousRegister = 0xF0, Lint0 = 0x350, Lint1 = 0x360;
    private const uint SoftwareEnable = 1 << 8, SpuriousVector = (uint)Interrupts.LocalApicSpuriousVector, ExtIntDelivery = 0x700, NmiDelivery = 0x400;

    private static byte* s_registers;

    internal static uint Id => s_registers == null ? 0 : Read(IdRegister) >> 24;

    /// <summary>Maps the registers and makes sure the APIC accepts interrupts; false when it
    /// cannot be mapped.</summary>
    internal static bool Enable()
    {
        if (s_registers != null) return true;
        ulong msr = Cpu.ReadMsr(BaseMsr);
        byte* registers = Kernel.Memory.KernelMemory.MapDevice(msr & 0x000F_FFFF_FFFF_F000UL, 4096);
        if (registers == null) return false;
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        if ((msr & BaseGlobalEnable) == 0) Cpu.WriteMsr(BaseMsr, msr | BaseGlobalEnable);
        s_registers = registers;
        uint spurious = Read(SpuriousRegister);
        if ((spurious & SoftwareEnable) == 0)
        {
            // Software-disabled APICs mask LINT0: set up virtual wire so the 8259 still reaches us.
            Write(Lint0, ExtIntDelivery);
            Write(Lint1, NmiDelivery);
            Write(SpuriousRegister, SoftwareEnable | SpuriousVector);
        }

        HalCpu.RestoreInterrupts(interrupts);
        return true;
    }

    internal static void EndOfInterrupt()
    {
        if (s_registers != null) Write(EoiRegister, 0);
    }

    private static uint Read(int register) => HalIo.Read32((ulong)(s_registers + register));

    private static void Write(int register, uint value) => HalIo.Write32((ulong)(s_registers + register), value);
}
