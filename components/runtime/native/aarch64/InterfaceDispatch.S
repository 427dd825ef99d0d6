// Interface dispatch entry for NativeAOT-compiled code on AArch64 (AAPCS64).
//
// A call site the compiler could not devirtualise puts the address of its dispatch cell in x11
// and calls through the cell's first word, which initially points here. Every argument
// register (x0-x8, q0-q7) is kept, the C# resolver is asked for the target, and we branch to
// it through x16 (IP0, free for veneers by AAPCS64 §6.1.1), so the callee sees exactly the
// call the site made.
.text

.global RhpInitialDynamicInterfaceDispatch
.global RhpInitialInterfaceDispatch
.type RhpInitialDynamicInterfaceDispatch, %function
.type RhpInitialInterfaceDispatch, %function
RhpInitialInterfaceDispatch:
RhpInitialDynamicInterfaceDispatch:
    stp x29, x30, [sp, #-224]!
    mov x29, sp
    stp x0, x1, [sp, #16]
    stp x2, x3, [sp, #32]
    stp x4, x5, [sp, #48]
    stp x6, x7, [sp, #64]
    str x8, [sp, #80]
    stp q0, q1, [sp, #96]
    stp q2, q3, [sp, #128]
    stp q4, q5, [sp, #160]
    stp q6, q7, [sp, #192]
    // x0 already holds the receiver; a null receiver faults inside the resolver.
    mov x1, x11
    bl AuroraResolveInterfaceCall
    mov x16, x0
    ldp q6, q7, [sp, #192]
    ldp q4, q5, [sp, #160]
    ldp q2, q3, [sp, #128]
    ldp q0, q1, [sp, #96]
    ldr x8, [sp, #80]
    ldp x6, x7, [sp, #64]
    ldp x4, x5, [sp, #48]
    ldp x2, x3, [sp, #32]
    ldp x0, x1, [sp, #16]
    ldp x29, x30, [sp], #224
    br x16

// The compiler emits a stack-protector check once stackalloc is used; the host may set the
// cookie to a random value at boot (SEC-3).
.data
.align 3
.global __security_cookie
__security_cookie:
    .quad 0x2B992DDFA232D3E1

.section .note.GNU-stack, "", %progbits
