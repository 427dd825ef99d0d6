using HalCpu = Aurora.Kernel.Hal.Cpu;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// Device interrupt handlers by GIC interrupt id, each with its context (Linux's
/// <c>request_irq</c>): the shared-peripheral interrupts (SPIs, ids 32 and up) that PCI INTx
/// reaches through the host bridge's interrupt-map, level-triggered, several handlers to a
/// line. <see cref="Exceptions"/> calls <see cref="Dispatch"/> between the acknowledge and the
/// end-of-interrupt; a level line whose device is not quietened by a handler fires again.
/// </summary>
internal static unsafe class DeviceInterrupts
{
    private const int Capacity = 32;

    private struct Table
    {
        public fixed ulong Handlers[Capacity];
        public fixed uint Ids[Capacity];
    }

    private static Table s_table;
    private static object?[]? s_contexts;
    private static ulong s_dispatched;

    /// <summary>Device interrupts dispatched since boot.</summary>
    internal static ulong Dispatched => s_dispatched;

    internal static bool Register(int id, delegate*<object, bool> handler, object context)
    {
        if (id < 32 || id >= Gic.Lines || handler == null) return false;
        if (s_contexts == null) s_contexts = new object[Capacity];   // thread context: the heap is up
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        bool added = false;
        for (int i = 0; i < Capacity && !added; i++)
        {
            if (s_table.Handlers[i] != 0) continue;
            s_contexts[i] = context;
            s_table.Ids[i] = (uint)id;
            s_table.Handlers[i] = (ulong)handler;   // last: Dispatch sees a complete entry
            added = true;
        }

        if (added)
        {
            Gic.RouteLevelToThisProcessor((uint)id);
            Gic.Unmask((uint)id);
        }

        HalCpu.RestoreInterrupts(interrupts);
        return added;
    }

    internal static void Unregister(int id, delegate*<object, bool> handler, object context)
    {
        if (s_contexts == null) return;
        bool interrupts = HalCpu.SaveAndDisableInterrupts();
        bool others = false;
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Ids[i] != (uint)id || s_table.Handlers[i] == 0) continue;
            if (s_table.Handlers[i] == (ulong)handler && s_contexts[i] == context)
            {
                s_table.Handlers[i] = 0;
                s_table.Ids[i] = 0;
                s_contexts[i] = null;
            }
            else
            {
                others = true;
            }
        }

        if (!others) Gic.Mask((uint)id);
        HalCpu.RestoreInterrupts(interrupts);
    }

    /// <summary>Runs every handler on <paramref name="id"/> (interrupt context); false when none
    /// is registered (the caller masks the line).</summary>
    internal static bool Dispatch(uint id)
    {
        if (s_contexts == null) return false;
        bool any = false;
        for (int i = 0; i < Capacity; i++)
        {
            if (s_table.Ids[i] != id) continue;
            var handler = (delegate*<object, bool>)s_table.Handlers[i];
            if (handler == null) continue;
            any = true;
            handler(s_contexts[i]!);
        }

        if (any) s_dispatched++;
        return any;
    }
}
