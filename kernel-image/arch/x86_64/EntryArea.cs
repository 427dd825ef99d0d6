using System.Runtime;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>Addresses in the entry area (entry_area.S) and the entry text: what the CPU and
/// the first instructions of every entry touch, and all the user root maps of the kernel under
/// page-table isolation.</summary>
internal static unsafe class EntryArea
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_entry_idt_address")] internal static extern byte* InterruptDescriptorTable();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_entry_gdt_address")] internal static extern byte* GlobalDescriptorTable();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_entry_tss_address")] internal static extern byte* TaskStateSegment();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_pti_enabled_address")] internal static extern byte* IsolationFlag();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_pti_kernel_cr3_address")] internal static extern ulong* KernelRoot();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_pti_user_cr3_address")] internal static extern ulong* UserRoot();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_pti_entries_address")] internal static extern ulong* IsolatedEntries();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_pti_last_entry_cr3_address")] internal static extern ulong* LastEntryRoot();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_syscall_kernel_stack_address")] internal static extern ulong* ThreadStackTop();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_entry_stack_top_address")] internal static extern byte* EntryStackTop();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_ist_stack_top_address")] internal static extern byte* IstStackTop();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "__entry_text_start_address")] internal static extern ulong TextStart();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "__entry_text_end_address")] internal static extern ulong TextEnd();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "__entry_data_start_address")] internal static extern ulong DataStart();
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "__entry_data_end_address")] internal static extern ulong DataEnd();

    /// <summary>Pages the user root maps: the entry text and the entry data.</summary>
    internal static ulong PageCount => ((TextEnd() - TextStart()) + (DataEnd() - DataStart())) / 4096;

    internal static bool Contains(ulong address) =>
        (address >= TextStart() && address < TextEnd()) || (address >= DataStart() && address < DataEnd());
}
