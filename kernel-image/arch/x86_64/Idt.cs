using System.Runtime;
using System.Runtime.InteropServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>The interrupt descriptor table: all 256 vectors point at the stubs in
/// interrupts.S (SDM Vol. 3A 6.14.1 for the 64-bit gate format).</summary>
internal static unsafe class Idt
{
    private struct Gate
    {
        public ushort OffsetLow;
        public ushort Selector;
        public byte Ist;
        public byte TypeAttributes;
        public ushort OffsetMiddle;
        public uint OffsetHigh;
        public uint Reserved;
    }

    private struct Table
    {
        public fixed ulong Words[512];
    }

    [StructLayout(LayoutKind.Sequential, Pack = 2)]
    private struct Pointer
    {
        public ushort Limit;
        public ulong Base;
    }

    // In the entry area (entry_area.S): the CPU reads it on every delivery, under either root.
    private static Table* TablePointer => (Table*)EntryArea.InterruptDescriptorTable();

    internal static void Initialize(ulong* stubs)
    {
        Table* table = TablePointer;
        {
            var gates = (Gate*)table;
            for (int vector = 0; vector < 256; vector++)
            {
                ulong handler = stubs[vector];
                gates[vector].OffsetLow = (ushort)handler;
                gates[vector].Selector = Gdt.KernelCode;
                // Double fault (8), NMI (2) and machine check (18) run on the IST1 stack.
                gates[vector].Ist = (byte)(vector == 8 || vector == 2 || vector == 18 ? 1 : 0);
                gates[vector].TypeAttributes = 0x8E; // present, DPL 0, 64-bit interrupt gate
                gates[vector].OffsetMiddle = (ushort)(handler >> 16);
                gates[vector].OffsetHigh = (uint)(handler >> 32);
                gates[vector].Reserved = 0;
            }
            Pointer pointer;
            pointer.Limit = 256 * 16 - 1;
            pointer.Base = (ulong)table;
            Cpu.LoadIdt(&pointer);
        }
    }

    /// <summary>Lets user mode raise the vector with <c>int</c> (DPL 3).</summary>
    internal static void AllowFromUserMode(int vector)
    {
        ((Gate*)TablePointer)[vector].TypeAttributes = 0xEE;
    }
}
