using System.Runtime.InteropServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>
/// The kernel's own GDT (the boot loaders' tables live in reclaimable memory) with a 64-bit
/// TSS. Selector order follows what SYSRET needs (Intel SDM Vol. 2B SYSRET: user SS = STAR+8,
/// user CS = STAR+16): null, kernel code, kernel data, user data, user code, TSS.
/// The TSS gives the double-fault, NMI and machine-check handlers their own stack (IST1), so a
/// kernel stack overflow still ends in a readable panic. Table, TSS and IST stack live in the
/// entry area (entry_area.S), the pages the user root maps under page-table isolation.
/// </summary>
internal static unsafe class Gdt
{
    internal const ushort KernelCode = 0x08;
    internal const ushort KernelData = 0x10;
    internal const ushort UserData = 0x18 | 3;
    internal const ushort UserCode = 0x20 | 3;
    internal const ushort TaskState = 0x28;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct TaskStateSegment
    {
        public uint Reserved0;
        public ulong Rsp0, Rsp1, Rsp2;
        public ulong Reserved1;
        public ulong Ist1, Ist2, Ist3, Ist4, Ist5, Ist6, Ist7;
        public ulong Reserved2;
        public ushort Reserved3;
        public ushort IoMapBase;
    }

    private struct Table
    {
        public fixed ulong Entries[7];
    }

    [StructLayout(LayoutKind.Sequential, Pack = 2)]
    private struct Pointer
    {
        public ushort Limit;
        public ulong Base;
    }

    internal static TaskStateSegment* Tss => (TaskStateSegment*)EntryArea.TaskStateSegment();

    internal static void Initialize()
    {
        var table = (Table*)EntryArea.GlobalDescriptorTable();
        TaskStateSegment* tss = Tss;
        {
            table->Entries[0] = 0;
            table->Entries[1] = 0x00AF9A000000FFFF; // kernel code: 64-bit, DPL 0
            table->Entries[2] = 0x00CF92000000FFFF; // kernel data
            table->Entries[3] = 0x00CFF2000000FFFF; // user data, DPL 3
            table->Entries[4] = 0x00AFFA000000FFFF; // user code: 64-bit, DPL 3

            tss->Ist1 = (ulong)EntryArea.IstStackTop();
            tss->IoMapBase = (ushort)sizeof(TaskStateSegment); // no I/O permission bitmap

            // 16-byte system descriptor (SDM Vol. 3A 8.2.3): type 9 = available 64-bit TSS.
            ulong address = (ulong)tss;
            ulong limit = (ulong)sizeof(TaskStateSegment) - 1;
            table->Entries[5] = (limit & 0xFFFF) | ((address & 0xFFFFFF) << 16) | (0x89UL << 40)
                | (((limit >> 16) & 0xF) << 48) | (((address >> 24) & 0xFF) << 56);
            table->Entries[6] = address >> 32;

            Pointer pointer;
            pointer.Limit = (ushort)(sizeof(Table) - 1);
            pointer.Base = (ulong)table;
            Cpu.LoadGdt(&pointer, KernelCode, KernelData);
            Cpu.LoadTaskRegister(TaskState);
        }
    }

    /// <summary>The stack the CPU switches to on an interrupt from user mode.</summary>
    internal static void SetKernelStack(ulong top) => Tss->Rsp0 = top;
}
