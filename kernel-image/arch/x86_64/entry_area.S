# The entry area: everything the CPU and the first instructions of an entry from user mode
# touch before CR3 holds the kernel's root, on pages of their own so that, with page-table
# isolation on, the user root can map exactly these pages and nothing else of the kernel
# (Linux's cpu_entry_area, arch/x86/mm/cpu_entry_area.c). One processor: one area.
#
# Section .entry.bss is placed page-aligned inside .bss by linker.ld (cleared by boot.S);
# .entry.text (interrupts.S, syscall.S) page-aligned at the end of .text. PageTableIsolation.cs
# maps [__entry_text_start, __entry_text_end) and [__entry_data_start, __entry_data_end).
.intel_syntax noprefix

.section .entry.bss, "aw", @nobits
.align 4096
# The IDT (256 16-byte gates): read by the CPU on every interrupt delivery.
.global aurora_entry_idt
aurora_entry_idt: .skip 4096

# The GDT (7 descriptors) and the 64-bit TSS (RSP0, IST1): read on delivery, IRETQ, SYSRET.
.align 16
.global aurora_entry_gdt
aurora_entry_gdt: .skip 64
.align 16
.global aurora_entry_tss
aurora_entry_tss: .skip 112

# Flags and variables the entry code reads before (or while) switching CR3.
.global aurora_smap_enabled
aurora_smap_enabled: .byte 0
.global aurora_pti_enabled
aurora_pti_enabled: .byte 0
.align 8
.global aurora_pti_kernel_cr3
aurora_pti_kernel_cr3: .quad 0        # the running address space's root (ActivateRoot)
.global aurora_pti_user_cr3
aurora_pti_user_cr3: .quad 0          # the user root (0 while isolation is off)
.global aurora_pti_entries
aurora_pti_entries: .quad 0           # entries from user mode that switched CR3 (tests)
.global aurora_pti_last_entry_cr3
aurora_pti_last_entry_cr3: .quad 0    # CR3 found at the last such entry: the root user mode ran on
.global aurora_syscall_kernel_stack
aurora_syscall_kernel_stack: .quad 0  # top of the running thread's kernel stack
.global aurora_syscall_user_stack
aurora_syscall_user_stack: .quad 0

# The entry (trampoline) stack: with isolation on TSS.RSP0 points here, the entry code moves
# the CPU's frame to the thread's kernel stack once CR3 is the kernel's, and every return to
# user mode builds its IRETQ frame here before switching CR3 back. Interrupts are off the
# whole time anything is on it, so one frame at a time.
.align 4096
.global aurora_entry_stack
aurora_entry_stack: .skip 4096
.global aurora_entry_stack_top
aurora_entry_stack_top:

# IST1: double fault, NMI and machine check (Gdt.cs), usable before or after the CR3 switch.
.global aurora_ist_stack
aurora_ist_stack: .skip 16384
.global aurora_ist_stack_top
aurora_ist_stack_top:
.align 4096

.text
.macro ADDRESS_OF symbol
.global \symbol\()_address
.type \symbol\()_address, @function
\symbol\()_address:
    lea rax, [rip + \symbol]
    ret
.endm

ADDRESS_OF aurora_entry_idt
ADDRESS_OF aurora_entry_gdt
ADDRESS_OF aurora_entry_tss
ADDRESS_OF aurora_smap_enabled
ADDRESS_OF aurora_pti_enabled
ADDRESS_OF aurora_pti_kernel_cr3
ADDRESS_OF aurora_pti_user_cr3
ADDRESS_OF aurora_pti_entries
ADDRESS_OF aurora_pti_last_entry_cr3
ADDRESS_OF aurora_syscall_kernel_stack
ADDRESS_OF aurora_entry_stack_top
ADDRESS_OF aurora_ist_stack_top
ADDRESS_OF __entry_text_start
ADDRESS_OF __entry_text_end
ADDRESS_OF __entry_data_start
ADDRESS_OF __entry_data_end

.section .note.GNU-stack,"",@progbits
