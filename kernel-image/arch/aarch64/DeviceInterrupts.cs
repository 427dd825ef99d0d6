using HalCpu = Aurora.Kernel.Hal.Cpu;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// Device interrupt handlers by GIC interrupt id, each with its context (Linux's
/// <c>request_irq</c>; the HAL's InterruptController.Register): on aarch64 an "irq" is the GIC's
/// id (an SPI, 32 and up, as the device tree's `interrupts` gives it; DeviceTree.cs). Several
/// handlers may share a level-triggered line. <see cref="Exceptions"/> acknowledges the
/// interrupt, calls <see cref="Dispatch"/>, then ends it at the GIC.
/// </summary>
internal static unsafe class DeviceInterrupts
{
    private const int Capacity = 16;
    /// <summary>The first shared peripheral interrupt (GICv2 §2.2.1: ids 32-1019).</summary>
    private const int FirstSpi = 32, LastSpi = 1019;

    private struct Table
    {
        public fixed ulong Handlers[Capacity];
        public fixed int Ids[Capacity];
    }

    private static Table s_table;
    private static object?[]? s_contexts;

    internal static bool Register(int id, delegate*<object, bool> handler, object context)
    {
        if (id < FirstSpi || id > LastSpi || id >= Gic.Lines || handler == null) return false;
        // The context table is allocated on first use, in thread context (the heap is up).
        if (s_contexts == null) s_contexts = new object[Capacity];
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Handlers[i] != 0) continue;
            s_contexts[i] = context;
            s_table.Ids[i] = id;
            s_table.Handlers[i] = (ulong)handler;   // last: Dispatch sees a complete entry
            Gic.Unmask((uint)id);
            HalCpu.RestoreInterrupts(interrupts);
            return true;
        }

        HalCpu.RestoreInterrupts(interrupts);
        return false;
    }

    internal static void Unregister(int id, delegate*<object, bool> handler, object context)
    {
        if (s_contexts == null) return;
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        bool inUse = false;
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Ids[i] != id || s_table.Handlers[i] == 0) continue;
            if (s_table.Handlers[i] == (ulong)handler && s_contexts[i] == context)
            {
                s_table.Handlers[i] = 0;
                s_table.Ids[i] = 0;
                s_contexts[i] = null;
            }
            else inUse = true;
        }

        if (!inUse) Gic.Mask((uint)id);
        HalCpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Runs every handler registered on <paramref name="id"/> (interrupt context);
    /// false when none is.</summary>
    internal static bool Dispatch(uint id)
    {
        if (s_contexts == null) return false;
        bool found = false;
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Ids[i] != (int)id) continue;
            var handler = (delegate*<object, bool>)s_table.Handlers[i];
            if (handler == null) continue;
            found = true;
            handler(s_contexts[i]!);
        }

        return found;
    }
}
