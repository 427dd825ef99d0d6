// Kernel thread context switch on AArch64.
//
// A switch happens inside an ordinary AAPCS64 call, so only what a callee must preserve is
// saved on the old thread's stack: x19-x29, the return address x30, d8-d15 (the low halves
// of v8-v15, AAPCS64 §6.1.2) and FPCR. A thread preempted by an interrupt has the rest in the
// TrapFrame vectors.S saved below this frame.
//
// Frame, lowest address first (mirrored by Threads.PrepareStack):
//   x19 x20 x21 x22 x23 x24 x25 x26 x27 x28 x29 x30 d8..d15 fpcr pad   (176 bytes)
.text

// void aurora_switch_context(ulong* saveStackPointer, ulong newStackPointer); IRQs masked.
.global aurora_switch_context
.type aurora_switch_context, %function
aurora_switch_context:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x2, fpcr
    str x2, [sp, #160]
    mov x2, sp
    str x2, [x0]
    mov sp, x1
    ldr x2, [sp, #160]
    msr fpcr, x2
    ldp d14, d15, [sp, #144]
    ldp d12, d13, [sp, #128]
    ldp d10, d11, [sp, #112]
    ldp d8, d9, [sp, #96]
    ldp x29, x30, [sp, #80]
    ldp x27, x28, [sp, #64]
    ldp x25, x26, [sp, #48]
    ldp x23, x24, [sp, #32]
    ldp x21, x22, [sp, #16]
    ldp x19, x20, [sp, #0]
    add sp, sp, #176
    ret

// First code of a new thread: the prepared frame "returns" here with x19 = the entry point,
// x20 = its argument, x21 = the exit routine. IRQs were masked across the switch; a new thread
// starts with them unmasked (the GIC's end-of-interrupt was written before any switch).
.global aurora_thread_start
.type aurora_thread_start, %function
aurora_thread_start:
    mov x29, xzr                 // ends backtraces here
    msr daifclr, #2
    mov x0, x20
    blr x19
    blr x21                      // the entry's result (x0) is the exit code
    brk #0x1                     // the exit routine never returns

// void* aurora_thread_start_address(void)
.global aurora_thread_start_address
.type aurora_thread_start_address, %function
aurora_thread_start_address:
    adr x0, aurora_thread_start
    ret

.section .note.GNU-stack, "", %progbits
