// The EL1 exception vector table (ARM ARM D1.10.2): 16 entries of 0x80 bytes, 2 KiB aligned,
// in four groups (current EL with SP_EL0, current EL with SP_ELx, lower EL AArch64, lower EL
// AArch32) of four kinds (synchronous, IRQ, FIQ, SError). Each entry saves the whole register
// state as a TrapFrame (Exceptions.cs) and calls the C# dispatcher with the entry's number.
//
// TrapFrame: x0-x30 (0..247), SP_EL0 (248: the user stack pointer; kept per thread, so a
// preempted program resumes with its own), ELR (256), SPSR (264), ESR (272),
// FAR (280), FPCR/FPSR (288, 296), q0-q31 (304..815), TPIDR_EL0 (816: the user thread
// pointer, which EL0 may change itself, so it travels with the frame), padding (824). The C#
// handler may use any SIMD register, and an interrupt can land in the middle of C# that holds
// values in all of them.
.equ FRAME_SIZE, 832
.equ FRAME_TPIDR, 816

.macro VECTOR number
    .balign 0x80
    sub sp, sp, #FRAME_SIZE
    stp x0, x1, [sp, #0]
    mov x0, #\number
    b exception_common
.endm

// A synchronous exception at EL1 (vector 4) looks before it stores: when the frame would land
// in an unmapped page (the guard below a thread's kernel stack, which the overflowing code ran
// into), storing it would fault again, and again, each a frame lower, until a frame lands in
// the stack mapped below the guard (another thread's, which it overwrites) and the report
// names the vectors' own store, not the overflow, with a backtrace that loops. Such an
// exception instead puts its frame on a stack of its own (overflow_stack) and reaches the
// dispatcher as vector 16, a readable panic (Linux arm64 checks the same in kernel_ventry).
// TPIDR_EL1 holds x0 meanwhile (the kernel keeps nothing in it); AT S1E1W asks the MMU.
.macro VECTOR_CHECKED number
    .balign 0x80
    msr tpidr_el1, x0
    sub x0, sp, #FRAME_SIZE
    at s1e1w, x0
    isb
    mrs x0, par_el1
    tbz x0, #0, 1f                  // PAR_EL1.F: the walk failed
    b kernel_stack_overflow         // (.text is beyond TBZ's reach from .vectors)
1:  mrs x0, tpidr_el1
    sub sp, sp, #FRAME_SIZE
    stp x0, x1, [sp, #0]
    mov x0, #\number
    b exception_common
.endm

.section .vectors, "ax"
.balign 2048
.global aurora_exception_vectors
aurora_exception_vectors:
    VECTOR 0
    VECTOR 1
    VECTOR 2
    VECTOR 3
    VECTOR_CHECKED 4
    VECTOR 5
    VECTOR 6
    VECTOR 7
    VECTOR 8
    VECTOR 9
    VECTOR 10
    VECTOR 11
    VECTOR 12
    VECTOR 13
    VECTOR 14
    VECTOR 15

.text
// The overflowing SP goes to aurora_a64_overflowed_sp (Exceptions.cs reports it), the frame
// onto overflow_stack, whose one use ends in a panic.
kernel_stack_overflow:
    adrp x0, aurora_a64_overflowed_sp
    add x0, x0, :lo12:aurora_a64_overflowed_sp
    str x1, [x0, #8]
    mov x1, sp
    str x1, [x0]
    ldr x1, [x0, #8]
    adrp x0, overflow_stack_top
    add x0, x0, :lo12:overflow_stack_top
    mov sp, x0
    mrs x0, tpidr_el1
    sub sp, sp, #FRAME_SIZE
    stp x0, x1, [sp, #0]
    mov x0, #16
    b exception_common

// ulong aurora_a64_read_overflowed_sp(void)
.global aurora_a64_read_overflowed_sp
.type aurora_a64_read_overflowed_sp, %function
aurora_a64_read_overflowed_sp:
    adrp x0, aurora_a64_overflowed_sp
    ldr x0, [x0, :lo12:aurora_a64_overflowed_sp]
    ret

exception_common:
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x19, [sp, #144]
    stp x20, x21, [sp, #160]
    stp x22, x23, [sp, #176]
    stp x24, x25, [sp, #192]
    stp x26, x27, [sp, #208]
    stp x28, x29, [sp, #224]
    mrs x2, sp_el0
    stp x30, x2, [sp, #240]
    mrs x2, elr_el1
    mrs x3, spsr_el1
    stp x2, x3, [sp, #256]
    mrs x2, esr_el1
    mrs x3, far_el1
    stp x2, x3, [sp, #272]
    mrs x2, fpcr
    mrs x3, fpsr
    stp x2, x3, [sp, #288]
    mrs x2, tpidr_el0
    str x2, [sp, #FRAME_TPIDR]
    add x2, sp, #304
    stp q0, q1, [x2, #0]
    stp q2, q3, [x2, #32]
    stp q4, q5, [x2, #64]
    stp q6, q7, [x2, #96]
    stp q8, q9, [x2, #128]
    stp q10, q11, [x2, #160]
    stp q12, q13, [x2, #192]
    stp q14, q15, [x2, #224]
    stp q16, q17, [x2, #256]
    stp q18, q19, [x2, #288]
    stp q20, q21, [x2, #320]
    stp q22, q23, [x2, #352]
    stp q24, q25, [x2, #384]
    stp q26, q27, [x2, #416]
    stp q28, q29, [x2, #448]
    stp q30, q31, [x2, #480]
    // A frame record linking the interrupted code's frame chain to the handler's, so a
    // backtrace from C# walks through the exception into the code it interrupted.
    ldr x3, [sp, #256]
    stp x29, x3, [sp, #-16]!
    mov x29, sp
    mov x1, x0                      // the vector number
    add x0, sp, #16                 // the TrapFrame
    bl aurora_aarch64_exception
exception_return:
    add sp, sp, #16
    add x2, sp, #304
    ldp q0, q1, [x2, #0]
    ldp q2, q3, [x2, #32]
    ldp q4, q5, [x2, #64]
    ldp q6, q7, [x2, #96]
    ldp q8, q9, [x2, #128]
    ldp q10, q11, [x2, #160]
    ldp q12, q13, [x2, #192]
    ldp q14, q15, [x2, #224]
    ldp q16, q17, [x2, #256]
    ldp q18, q19, [x2, #288]
    ldp q20, q21, [x2, #320]
    ldp q22, q23, [x2, #352]
    ldp q24, q25, [x2, #384]
    ldp q26, q27, [x2, #416]
    ldp q28, q29, [x2, #448]
    ldp q30, q31, [x2, #480]
    ldp x2, x3, [sp, #288]
    msr fpcr, x2
    msr fpsr, x3
    ldr x2, [sp, #FRAME_TPIDR]
    msr tpidr_el0, x2
    ldp x2, x3, [sp, #256]
    msr elr_el1, x2
    msr spsr_el1, x3
    ldr x2, [sp, #248]
    msr sp_el0, x2
    ldp x2, x3, [sp, #16]
    ldp x4, x5, [sp, #32]
    ldp x6, x7, [sp, #48]
    ldp x8, x9, [sp, #64]
    ldp x10, x11, [sp, #80]
    ldp x12, x13, [sp, #96]
    ldp x14, x15, [sp, #112]
    ldp x16, x17, [sp, #128]
    ldp x18, x19, [sp, #144]
    ldp x20, x21, [sp, #160]
    ldp x22, x23, [sp, #176]
    ldp x24, x25, [sp, #192]
    ldp x26, x27, [sp, #208]
    ldp x28, x29, [sp, #224]
    ldr x30, [sp, #240]
    ldp x0, x1, [sp, #0]
    add sp, sp, #FRAME_SIZE
    eret

// void aurora_a64_resume_user(TrapFrame* context, ulong kernelTop, ulong result): leaves for
// EL0 with the registers of a saved frame (a fork's child, a new thread): the frame is
// copied to the top of this thread's kernel stack, where an exception from EL0 puts its own,
// with x0 = result and the thread pointer as it is now (clone may have set a new one), and
// leaves through the exception return. The copy uses no stack: the kernel stack below it
// is given up, as on an entry to EL0.
.global aurora_a64_resume_user
.type aurora_a64_resume_user, %function
aurora_a64_resume_user:
    msr daifset, #2
    sub x3, x1, #FRAME_SIZE
    // The context may overlap its destination (a fork's child keeps it near the top of its
    // own stack): copied as memmove does, from the end when it lies below.
    cmp x0, x3
    b.hs 2f
    add x4, x0, #FRAME_SIZE
    mov x7, x1
1:  ldp x5, x6, [x4, #-16]!
    stp x5, x6, [x7, #-16]!
    cmp x7, x3
    b.hi 1b
    b 4f
2:  mov x4, x0
    mov x7, x3
3:  ldp x5, x6, [x4], #16
    stp x5, x6, [x7], #16
    cmp x7, x1
    b.lo 3b
4:
    str x2, [x3]
    mrs x5, tpidr_el0
    str x5, [x3, #FRAME_TPIDR]
    sub sp, x3, #16
    mov x29, xzr
    b exception_return

.bss
.balign 16
.global aurora_a64_overflowed_sp
aurora_a64_overflowed_sp:
    .skip 16
overflow_stack:
    .skip 8192
overflow_stack_top:

.section .note.GNU-stack, "", %progbits
