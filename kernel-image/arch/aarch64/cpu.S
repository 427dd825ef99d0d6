// Single instructions C# cannot emit: system registers, interrupt masks, the PSCI conduit.
// Each is a leaf function under AAPCS64 (arguments in x0-x3, result in x0). ARMv8.1's names
// (PAN) are assembled; the code runs them only where the CPU reports the feature.
.arch armv8.1-a
.text

.macro READER name, register
.global \name
.type \name, %function
\name:
    mrs x0, \register
    ret
.endm

.macro WRITER name, register
.global \name
.type \name, %function
\name:
    msr \register, x0
    isb
    ret
.endm

READER aurora_a64_read_currentel, CurrentEL
READER aurora_a64_read_midr, midr_el1
READER aurora_a64_read_cntfrq, cntfrq_el0
READER aurora_a64_read_cntvct, cntvct_el0
READER aurora_a64_read_sctlr, sctlr_el1
READER aurora_a64_read_tcr, tcr_el1
READER aurora_a64_read_mair, mair_el1
READER aurora_a64_read_ttbr0, ttbr0_el1
READER aurora_a64_read_ttbr1, ttbr1_el1
READER aurora_a64_read_daif, daif
READER aurora_a64_read_spsel, spsel
READER aurora_a64_read_id_aa64mmfr0, id_aa64mmfr0_el1
READER aurora_a64_read_id_aa64isar0, id_aa64isar0_el1
READER aurora_a64_read_cntkctl, cntkctl_el1
READER aurora_a64_read_id_aa64mmfr1, id_aa64mmfr1_el1
READER aurora_a64_read_id_aa64pfr0, id_aa64pfr0_el1
READER aurora_a64_read_cpacr, cpacr_el1
READER aurora_a64_read_cntv_ctl, cntv_ctl_el0
READER aurora_a64_read_cntv_tval, cntv_tval_el0
READER aurora_a64_read_tpidr_el0, tpidr_el0
READER aurora_a64_read_nzcv, nzcv
READER aurora_a64_read_pan, pan
WRITER aurora_a64_write_sctlr, sctlr_el1
WRITER aurora_a64_write_cntkctl, cntkctl_el1
WRITER aurora_a64_write_cntv_tval, cntv_tval_el0
WRITER aurora_a64_write_cntv_ctl, cntv_ctl_el0

// ulong aurora_a64_read_security_cookie(void): the stack-protector cookie (the tests' view).
.global aurora_a64_read_security_cookie
.type aurora_a64_read_security_cookie, %function
aurora_a64_read_security_cookie:
    adrp x0, __security_cookie
    ldr x0, [x0, :lo12:__security_cookie]
    ret

// ulong aurora_a64_read_vbar(void): the vector table's address.
.global aurora_a64_read_vbar
.type aurora_a64_read_vbar, %function
aurora_a64_read_vbar:
    mrs x0, vbar_el1
    ret

// void aurora_a64_write_nzcv(ulong flags): the condition flags (bits 31:28), for the tests
// that prove they belong to each thread.
.global aurora_a64_write_nzcv
.type aurora_a64_write_nzcv, %function
aurora_a64_write_nzcv:
    msr nzcv, x0
    ret

// void aurora_a64_enable_pan(void): PSTATE.PAN = 1 (FEAT_PAN only): from now on an EL1 access
// to a page EL0 may access faults, outside the windows that lift it (safe_access.S).
.global aurora_a64_enable_pan
.type aurora_a64_enable_pan, %function
aurora_a64_enable_pan:
    msr pan, #1
    adrp x0, aurora_a64_pan_enabled
    mov w1, #1
    strb w1, [x0, :lo12:aurora_a64_pan_enabled]
    ret

// void aurora_a64_seed_stack_cookie(void): the compiler's stack-protector cookie
// (__security_cookie, components/runtime/native/aarch64) gets a boot-time value before any C#
// runs (SEC-3; x86_64's boot.S does the same): RNDR where FEAT_RNG is (ID_AA64ISAR0_EL1.RNDR,
// bits 63:60), else the virtual counter spread by a multiply. Uses x0-x3 only.
.global aurora_a64_seed_stack_cookie
.type aurora_a64_seed_stack_cookie, %function
aurora_a64_seed_stack_cookie:
    mrs x1, id_aa64isar0_el1
    lsr x1, x1, #60
    cbz x1, 2f
    mov x2, #10
1:  mrs x0, s3_3_c2_c4_0            // RNDR: NZCV = 0b0100 when no number could be had
    b.ne 3f
    subs x2, x2, #1
    b.ne 1b
2:  mrs x0, cntvct_el0
    mrs x1, cntpct_el0
    eor x0, x0, x1, ror #32
    movz x1, #0x7C15
    movk x1, #0x7F4A, lsl #16
    movk x1, #0x79B9, lsl #32
    movk x1, #0x9E37, lsl #48
    mul x0, x0, x1
    eor x0, x0, x0, lsr #29
3:  cbnz x0, 4f
    mov x0, #0x2B99                 // never zero
4:  adrp x1, __security_cookie
    str x0, [x1, :lo12:__security_cookie]
    ret

.global aurora_a64_install_vectors
.type aurora_a64_install_vectors, %function
aurora_a64_install_vectors:
    adrp x0, aurora_exception_vectors
    add x0, x0, :lo12:aurora_exception_vectors
    msr vbar_el1, x0
    isb
    ret

// void aurora_a64_switch_tables(mair, tcr, ttbr0, ttbr1): moves the running MMU onto new
// tables. No memory access between the writes: the old and new tables map this code and its
// stack at the same addresses (the identity map), and the TLB is emptied before anything
// else is fetched through them (Arm ARM D8.14, "TLB maintenance requirements").
.global aurora_a64_switch_tables
.type aurora_a64_switch_tables, %function
aurora_a64_switch_tables:
    dsb ish
    msr mair_el1, x0
    msr tcr_el1, x1
    msr ttbr0_el1, x2
    msr ttbr1_el1, x3
    isb
    tlbi vmalle1
    dsb nsh
    isb
    ret

// ulong aurora_a64_translate(va): the MMU's own walk for a read at EL1 (AT S1E1R), PAR_EL1.
.global aurora_a64_translate
.type aurora_a64_translate, %function
aurora_a64_translate:
    at s1e1r, x0
    isb
    mrs x0, par_el1
    ret

// void aurora_a64_invalidate_page(va): drops one page's translations on every processor
// (TLBI VAAE1IS takes VA[55:12] in bits 43:0).
.global aurora_a64_invalidate_page
.type aurora_a64_invalidate_page, %function
aurora_a64_invalidate_page:
    dsb ishst
    ubfx x0, x0, #12, #44
    tlbi vaae1is, x0
    dsb ish
    isb
    ret

.global aurora_a64_invalidate_all
.type aurora_a64_invalidate_all, %function
aurora_a64_invalidate_all:
    dsb ishst
    tlbi vmalle1is
    dsb ish
    isb
    ret

// void aurora_a64_image_sections(ulong* textEnd, ulong* rodataEnd): section bounds as offsets
// from the image's start (linker.ld), for the W^X mapping of the image.
.global aurora_a64_image_sections
.type aurora_a64_image_sections, %function
aurora_a64_image_sections:
    adr x2, _head
    adrp x3, __text_end
    add x3, x3, :lo12:__text_end
    sub x3, x3, x2
    str x3, [x0]
    adrp x3, __data_start
    add x3, x3, :lo12:__data_start
    sub x3, x3, x2
    str x3, [x1]
    ret

// void aurora_a64_enter_user(entry, stackPointer): leaves for EL0 (AArch64, SP_EL0, all of
// DAIF clear) at entry with every general register zero; the kernel stack of this thread is
// where the program's exceptions will land (SP_EL1 as it is now).
.global aurora_a64_enter_user
.type aurora_a64_enter_user, %function
aurora_a64_enter_user:
    msr daifset, #2
    msr sp_el0, x1
    msr elr_el1, x0
    msr spsr_el1, xzr
    mov x0, xzr
    mov x1, xzr
    mov x2, xzr
    mov x3, xzr
    mov x4, xzr
    mov x5, xzr
    mov x6, xzr
    mov x7, xzr
    mov x8, xzr
    mov x9, xzr
    mov x10, xzr
    mov x11, xzr
    mov x12, xzr
    mov x13, xzr
    mov x14, xzr
    mov x15, xzr
    mov x16, xzr
    mov x17, xzr
    mov x18, xzr
    mov x19, xzr
    mov x20, xzr
    mov x21, xzr
    mov x22, xzr
    mov x23, xzr
    mov x24, xzr
    mov x25, xzr
    mov x26, xzr
    mov x27, xzr
    mov x28, xzr
    mov x29, xzr
    mov x30, xzr
    eret

// void aurora_a64_enter_user_at(entry, stackPointer, kernelTop): as aurora_a64_enter_user,
// with this thread's kernel stack emptied first: exceptions from EL0 then put their frame at
// its top, where the HAL finds a system call's registers (Hal.UserMode).
.global aurora_a64_enter_user_at
.type aurora_a64_enter_user_at, %function
aurora_a64_enter_user_at:
    msr daifset, #2
    mov sp, x2
    b aurora_a64_enter_user

.global aurora_a64_read_fp
.type aurora_a64_read_fp, %function
aurora_a64_read_fp:
    mov x0, x29
    ret

.global aurora_a64_irq_enable
.type aurora_a64_irq_enable, %function
aurora_a64_irq_enable:
    msr daifclr, #2
    ret

.global aurora_a64_irq_disable
.type aurora_a64_irq_disable, %function
aurora_a64_irq_disable:
    msr daifset, #2
    ret

// Enables IRQs and waits for one. WFI wakes on a pending interrupt even while it is masked
// (ARM ARM D1.16.2), so masking first and unmasking after cannot lose a wake-up.
.global aurora_a64_wait_for_interrupt
.type aurora_a64_wait_for_interrupt, %function
aurora_a64_wait_for_interrupt:
    msr daifset, #2
    wfi
    msr daifclr, #2
    ret

.global aurora_a64_breakpoint
.type aurora_a64_breakpoint, %function
aurora_a64_breakpoint:
    brk #0x42
    ret

// ulong aurora_a64_psci_hvc(function, a1, a2, a3): a PSCI call through HVC (SMCCC,
// Arm DEN0028, §2.4: x0 = function id, result in x0). QEMU's virt machine without EL2 and
// EL3 answers PSCI itself on the HVC conduit.
.global aurora_a64_psci_hvc
.type aurora_a64_psci_hvc, %function
aurora_a64_psci_hvc:
    hvc #0
    ret

// The same through SMC, for firmware at EL3 (the device tree's psci method "smc").
.global aurora_a64_psci_smc
.type aurora_a64_psci_smc, %function
aurora_a64_psci_smc:
    smc #0
    ret

// void aurora_a64_memory_fence(void): a full barrier (Hal.Cpu.MemoryFence: x86's mfence), for
// orders between normal memory and a device's view of it (virtio's used ring).
.global aurora_a64_memory_fence
.type aurora_a64_memory_fence, %function
aurora_a64_memory_fence:
    dmb sy
    ret

// void aurora_a64_dma_write_barrier(void), aurora_a64_dma_read_barrier(void): Linux's
// dma_wmb()/dma_rmb() on arm64 (arch/arm64/include/asm/barrier.h): ordering of normal-memory
// stores (loads) as a DMA master in the outer shareable domain sees them; for rings shared
// with a cache-coherent device, before publishing an index (after reading one).
.global aurora_a64_dma_write_barrier
.type aurora_a64_dma_write_barrier, %function
aurora_a64_dma_write_barrier:
    dmb oshst
    ret

.global aurora_a64_dma_read_barrier
.type aurora_a64_dma_read_barrier, %function
aurora_a64_dma_read_barrier:
    dmb oshld
    ret

// void aurora_a64_code_written(ulong address, ulong length): instructions were stored as data
// (Hal.Cpu.CodeWritten): each data-cache line of the range cleaned to the point of
// unification, then the instruction cache invalidated (Arm ARM B2.4.4, "Concurrent
// modification and execution of instructions"; the line size from CTR_EL0.DminLine).
.global aurora_a64_code_written
.type aurora_a64_code_written, %function
aurora_a64_code_written:
    mrs x3, ctr_el0
    ubfx x3, x3, #16, #4            // DminLine: log2 of the words in the smallest data line
    mov x2, #4
    lsl x2, x2, x3                  // bytes per line
    add x1, x0, x1                  // end
    sub x3, x2, #1
    bic x0, x0, x3                  // first line
1:  cmp x0, x1
    b.hs 2f
    dc cvau, x0
    add x0, x0, x2
    b 1b
2:  dsb ish
    ic ialluis
    dsb ish
    isb
    ret

.section .note.GNU-stack, "", %progbits
