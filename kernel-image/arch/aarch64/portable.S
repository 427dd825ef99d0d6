// What the portable kernel (kernel/) asks of the architecture in assembly, on aarch64: the
// spin lock's word, the image layout it reads at boot, and the few system registers the HAL
// bodies (HalImplementation.cs) write.
.text

// void aurora_spin_acquire(int* word): 0 -> 1 with an acquire exclusive pair; while another
// processor holds it, wait for its release (WFE: the store that frees the word clears this
// CPU's exclusive monitor, which is an event, Arm ARM B2.9.4).
.global aurora_spin_acquire
.type aurora_spin_acquire, %function
aurora_spin_acquire:
    mov w2, #1
    sevl
1:  wfe
2:  ldaxr w1, [x0]
    cbnz w1, 1b
    stxr w3, w2, [x0]
    cbnz w3, 2b
    ret

// void aurora_spin_release(int* word): a release store, ordered after the critical section.
.global aurora_spin_release
.type aurora_spin_release, %function
aurora_spin_release:
    stlr wzr, [x0]
    ret

// void aurora_kernel_layout(KernelLayout* layout): the linker's addresses (linker.ld), in
// KernelLayout's field order: start, text end, rodata start and end, data start, end, the boot
// stack's bottom and top, and the interrupt stub table (none on aarch64: the vectors are one
// table, vectors.S).
.global aurora_kernel_layout
.type aurora_kernel_layout, %function
aurora_kernel_layout:
    adrp x1, _head
    add x1, x1, :lo12:_head
    str x1, [x0, #0]
    adrp x1, __text_end
    add x1, x1, :lo12:__text_end
    str x1, [x0, #8]
    str x1, [x0, #16]               // .rodata follows the text at once
    adrp x1, __data_start
    add x1, x1, :lo12:__data_start
    str x1, [x0, #24]               // and runs up to the data
    str x1, [x0, #32]
    adrp x1, __image_end
    add x1, x1, :lo12:__image_end
    str x1, [x0, #40]
    adrp x1, __boot_stack_bottom
    add x1, x1, :lo12:__boot_stack_bottom
    str x1, [x0, #48]
    adrp x1, __boot_stack_top
    add x1, x1, :lo12:__boot_stack_top
    str x1, [x0, #56]
    str xzr, [x0, #64]
    ret

// void aurora_a64_write_ttbr0(ulong root): a new lower half (a process's address space). The
// TLB may hold the old one's entries (no ASIDs yet): all of this CPU's go.
.global aurora_a64_write_ttbr0
.type aurora_a64_write_ttbr0, %function
aurora_a64_write_ttbr0:
    dsb ish
    msr ttbr0_el1, x0
    isb
    tlbi vmalle1
    dsb nsh
    isb
    ret

// void aurora_a64_write_tpidr_el0(ulong value): the user thread pointer (TLS).
.global aurora_a64_write_tpidr_el0
.type aurora_a64_write_tpidr_el0, %function
aurora_a64_write_tpidr_el0:
    msr tpidr_el0, x0
    ret

.section .note.GNU-stack, "", %progbits
