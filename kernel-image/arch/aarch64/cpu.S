// Single instructions C# cannot emit: system registers, interrupt masks, the PSCI conduit.
// Each is a leaf function under AAPCS64 (arguments in x0-x3, result in x0).
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
READER aurora_a64_read_id_aa64mmfr0, id_aa64mmfr0_el1
WRITER aurora_a64_write_cntv_tval, cntv_tval_el0
WRITER aurora_a64_write_cntv_ctl, cntv_ctl_el0

.global aurora_a64_install_vectors
.type aurora_a64_install_vectors, %function
aurora_a64_install_vectors:
    adrp x0, aurora_exception_vectors
    add x0, x0, :lo12:aurora_exception_vectors
    msr vbar_el1, x0
    isb
    ret

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

.section .note.GNU-stack, "", %progbits
